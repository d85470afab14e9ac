"""Verdicts as the book shows them: the answer box and tables of a page, the report's
claim-by-claim section and the scorecard (presentation: the verdict core, hlcore.claims, has no
Markdown and no plotting)."""
from __future__ import annotations

import json

import pandas as pd

from .claims import EFFECT, Verdict, _holds


def claim_pages() -> dict:
    from .pages import claim_pages

    return claim_pages()


def claim_figures() -> dict:
    from .pages import claim_figures

    return claim_figures()


def present(verdict: Verdict, out_dir=".") -> pd.DataFrame:
    """On a page: save verdict.json beside the figures (the report is built from it), glue
    the summary and criterion for the prose, and return the clause table to display."""
    from pathlib import Path

    from . import plots

    main = claim_pages().get(verdict.claim, verdict.claim) == verdict.claim
    verdict.save(Path(out_dir) / ("verdict.json" if main else f"verdict-{verdict.claim}.json"))
    plots.glue(f"{verdict.claim}.verdict", verdict.summary())
    plots.glue(f"{verdict.claim}.outcome", verdict.verdict)  # the answer box: outcome in bold
    plots.glue(f"{verdict.claim}.detail", verdict.detail())
    plots.glue(f"{verdict.claim}.criterion", verdict.criterion)
    return verdict.clause_table()


def present_table(verdict: Verdict) -> pd.DataFrame:
    """The clause table of a verdict, for display without saving it."""
    return verdict.clause_table()


def load(path) -> dict:
    """A verdict saved by `Verdict.save` (the JSON a page writes as verdict.json)."""
    from pathlib import Path

    return json.loads(Path(path).read_text())


def report_markdown(verdicts: dict) -> str:
    """The report's claim-by-claim section from saved verdicts {page name: verdict dict}:
    claim, criterion, per-seed numbers, budget beside the paper's, verdict."""
    out = []
    order = list(claim_figures())
    for page, v in sorted(verdicts.items(),
                          key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)):
        b = v["budget"]
        out += [f"## {v['claim'].capitalize()}", "", f"**Verdict: {_md(v['summary'])}**", "",
                f"**Claim** (our words): {_md(v['statement'])}", "",
                f"**Criterion**: {_md(v['criterion'])}", "",
                "| clause | holds | numbers | more training |", "|---|---|---|---|"]
        for c in v["clauses"]:
            out.append(f"| {_md(c['name'])} | {_holds(c)} | "
                       f"{_md(c['detail'])} | {EFFECT[c['training']]} |")
        out += ["", "| budget | this run | the paper |", "|---|---|---|",
                f"| epochs | {b['epochs'] if b['epochs'] is not None else 'n/a'} | "
                f"{b['paper_epochs'] if b['paper_epochs'] is not None else 'n/a'}"
                f"{' (' + _md(b['paper_note']) + ')' if b.get('paper_note') else ''} |",
                f"| grid | {b['grid']} | {b['paper_grid']} |",
                f"| seeds | {b['seeds']} | {b['paper_seeds']} |",
                f"| selection | {b['selection']} | {b['paper_selection']} |", ""]
        nums = pd.DataFrame(v["numbers"])
        if len(nums):
            out += ["Numbers per seed:", "", _markdown_table(nums), ""]
        for note in v.get("notes", []):
            out += [f"Note: {_md(note)}", ""]
        out += [f"[The page]({_page_link(claim_pages().get(page, page))}) has the figure and the "
                f"data.", ""]
    return "\n".join(out)


def scorecard_markdown(quick: dict, reference: dict, link_prefix: str = "../notebooks/") -> str:
    """The book's scorecard: one row per claim page, with the paper's figure, the verdict at
    the paper's budget (the committed reference run, judged now), its key number beside the
    paper's, and the verdict of this build's own (quick) run. `quick` and `reference`: page ->
    saved verdict dict (reference ones carry a `key`); a missing one is said, not skipped."""
    # The claim links to its page (no column of its own): six columns did not fit the page's
    # width beside the contents sidebar, and the reader saw the last one cut.
    lines = ["| claim | the paper's figure | at the paper's budget | key number (reference "
             "run) | this build's run |", "|---|---|---|---|---|"]
    pages = claim_pages()
    for claim, figure in claim_figures().items():
        page = pages[claim]
        q, r = quick.get(claim), reference.get(claim)
        ref = _md(r["verdict"]) if r else "no reference run yet"
        key = _md(r.get("key", "")) if r else ""
        mine = _md(q["verdict"]) if q else "not run"
        if q and q.get("budget", {}).get("epochs") is not None:
            edges = q["budget"].get("edges") or []
            mine += (f" ({q['budget']['epochs']} epochs"
                     + (f"; {len(edges)} chosen value(s) at a grid's edge" if edges else "")
                     + ")")
        lines.append(f"| [{claim}]({link_prefix}{page}.ipynb) | {_md(figure)} | **{ref}** | "
                     f"{key} | {mine} |")
    return "\n".join(lines)


def _md(text) -> str:
    """Plain text made safe inside Markdown (and its tables): N* must not start emphasis."""
    out = str(text)
    for ch in "\\*_|<>`[]$":
        out = out.replace(ch, "\\" + ch)
    return out


def _page_link(page: str) -> str:
    return f"../notebooks/{page}.ipynb"


def _markdown_table(df: pd.DataFrame) -> str:
    """The book's table style (plots.render_table's) in Markdown: headers as words, so that
    they wrap, and values as a reader reads them."""
    from .plots import _cell

    lines = ["| " + " | ".join(_md(str(c).replace("_", " ")) for c in df.columns) + " |",
             "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(_md(_cell(v)) for v in row) + " |"
              for row in df.itertuples(index=False)]
    return "\n".join(lines)

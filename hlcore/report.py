"""Verdicts as the book shows them: the answer box and tables of a page, the report's
claim-by-claim section and the scorecard (presentation: the verdict core, hlcore.claims, has no
Markdown and no plotting)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .claims import EFFECT, INCONCLUSIVE, Verdict, _holds


def claim_pages() -> dict:
    from .pages import claim_pages

    return claim_pages()


def claim_figures() -> dict:
    from .pages import claim_figures

    return claim_figures()


def present(verdict: Verdict, out_dir=".") -> pd.DataFrame:
    """On a page: save verdict.json beside the figures (the report is built from it), glue
    the summary and criterion for the prose, and return the clause table to display."""
    from . import plots

    main = claim_pages().get(verdict.claim, verdict.claim) == verdict.claim
    verdict.save(Path(out_dir) / ("verdict.json" if main else f"verdict-{verdict.claim}.json"))
    plots.glue(f"{verdict.claim}.verdict", verdict.summary())
    plots.glue(f"{verdict.claim}.outcome", verdict.verdict)  # the answer box: outcome in bold
    detail = verdict.detail()
    if verdict.verdict == INCONCLUSIVE:  # the run that would settle it
        from .quick import closing_step

        detail = " ".join(filter(None, [detail, closing_step(verdict.claim)]))
    plots.glue(f"{verdict.claim}.detail", detail)
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


#: how much a verdict says for its claim, to compare a quick run's with the reference run's
SUPPORT = {"reproduced": 2, "partly reproduced": 1}


def says_more(quick: dict | None, reference: dict | None) -> bool:
    """Whether a quick run's verdict says more for its claim than the paper-budget run's: a
    defect of the quick profile (issue "A quick book whose own runs answer"), never a finding."""
    return bool(quick and reference) and (SUPPORT.get(quick["verdict"], 0)
                                          > SUPPORT.get(reference["verdict"], 0))


def quick_defects(quick: dict, reference: dict) -> list[str]:
    """One line per claim whose quick verdict says more than its paper-budget verdict."""
    return [f"{claim}: this build's run says '{quick[claim]['verdict']}', the paper-budget run "
            f"'{reference[claim]['verdict']}': the quick profile says more than its data can"
            for claim in claim_figures() if says_more(quick.get(claim), reference.get(claim))]


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
        if says_more(q, r):  # a defect to see at a glance, not a result
            mine += " **(says more than the paper-budget run)**"
        lines.append(f"| [{claim}]({link_prefix}{page}.ipynb) | {_md(figure)} | **{ref}** | "
                     f"{key} | {mine} |")
    agree, both = agreement(quick, reference)
    if both:
        lines.append(f"\nThis build's runs reach the paper-budget verdict on {agree} of the "
                     f"{both} claims that have both; where they differ, this build's verdict "
                     f"names what its budget lacks.")
    return "\n".join(lines)


def agreement(quick: dict, reference: dict) -> tuple[int, int]:
    """(claims whose quick verdict is the paper-budget verdict, claims that have both)."""
    both = [c for c in claim_figures() if quick.get(c) and reference.get(c)]
    return sum(quick[c]["verdict"] == reference[c]["verdict"] for c in both), len(both)


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


def provenance_markdown(name: str, folder: Path) -> str:
    """'Files and provenance' of a run: its figures' data and vector images and run.json as
    download links (relative to the page), then where, when and how it was made."""
    run = json.loads((folder / "run.json").read_text())

    def link(file: str, text: str | None = None) -> str:
        return f"{{download}}`{text or file} <{name}/{file}>`"

    figures = [link(p.name) + (f" ({link(p.with_suffix('.svg').name, 'SVG')})"
                               if p.with_suffix(".svg").exists() else "")
               for p in sorted(folder.glob("*.csv"))]
    files = figures + [link("run.json")] + (
        [link("verdict.json")] if (folder / "verdict.json").exists() else [])
    P = run.get("parameters", {})
    budget = ", ".join(f"{k} {P[k]}" for k in ("epochs", "seeds") if k in P)
    changed = ", ".join(f"{k} = {v}" for k, v in run.get("overrides", {}).items()) or "none"
    versions = ", ".join(f"{k} {v}" for k, v in run.get("package_versions", {}).items() if v)
    rows = [("made", f"{run.get('start', '?')[:16].replace('T', ' ')} UTC, in "
                     f"{run.get('duration_seconds', 0):.0f} s"),
            ("profile", f"`{run.get('profile')}`" + (f" ({budget})" if budget else "")),
            ("parameters changed from the profile", changed),
            ("hlcore source (sha256)", f"`{run.get('hlcore_source_hash', '?')[:16]}`"),
            ("code that computes its results (sha256)",
             f"`{run.get('compute_hash', '?')[:16]}`"),
            ("versions", f"Python {run.get('python', '?')}, {versions}"),
            ("host", f"{run.get('host', '?')} ({run.get('platform', '?')})"),
            ("run key", f"`{run.get('key', '?')}`")]
    table = "\n".join(f"| {k} | {v.replace('|', '/')} |" for k, v in rows)
    return (f"## Files and provenance of this run\n\n::::{{dropdown}} Downloads, parameters "
            f"and provenance\n\nDownloads: {'; '.join(files)}. Each CSV is the tidy table its "
            f"figure plots; `run.json` holds every parameter.\n\n"
            f"| record | this run |\n|---|---|\n{table}\n\n::::\n")


REPORT_MARKER = "<!-- hl book inserts the claims here -->"
SCORECARD_MARKER = "<!-- hl book inserts the scorecard here -->"


def _insert(path: Path, marker: str, text: str) -> None:
    page = path.read_text()
    if marker not in page:
        raise ValueError(f"{path} lacks the marker {marker!r}")
    path.write_text(page.replace(marker, text))


def saved_verdicts(runs: dict) -> tuple[dict, dict]:
    """(this build's verdicts, the reference runs' verdicts), claim -> saved dict, from the
    verdict*.json and reference_verdict*.json files in each page's run folder."""
    def saved(prefix):
        out = {}
        for name, folder in runs.items():
            for f in sorted(Path(folder).glob(f"{prefix}*.json")):
                out[name if f.stem == prefix else f.stem[len(prefix) + 1:]] = load(f)
        return out

    return saved("verdict"), saved("reference_verdict")


def write_report(path: Path, runs: dict, intro: Path | None = None) -> None:
    """Insert the scorecard (quick and reference verdicts) and every page's verdict (its
    verdict.json, made by hlcore.claims) into the report at its markers, and the scorecard
    into the introduction; a page without a verdict (a placeholder) is listed as not run."""
    from .pages import PAGES

    claim_pages = [name for name, page in PAGES.items() if page.claims]

    verdicts, references = saved_verdicts(runs)
    missing = [name for name in runs if name not in verdicts
               and name in claim_pages]
    text = report_markdown(verdicts)
    if missing:
        text += "\n" + "\n".join(f"* `{name}`: not run in this profile yet" for name in missing)
    _insert(path, REPORT_MARKER, text)
    card = scorecard_markdown(verdicts, references)
    _insert(path, SCORECARD_MARKER, card)
    if intro is not None:
        _insert(intro, SCORECARD_MARKER, scorecard_markdown(
            verdicts, references, link_prefix="../notebooks/"))

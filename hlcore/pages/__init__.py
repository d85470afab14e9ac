"""The pages of the book: a registry, one module per page, and what every page shares.

A page is one module in this package (`hlcore/pages/NAME.py`) that ends with
`PAGE = register(Page(...))`: its parameters and profiles (`spec`), the modules that compute its
results (`computes`), its cost for `hl plan` (`tasks`), and its verdicts, figure and key number
as functions of the tables it saves as CSV and its resolved parameters. The same functions serve
a fresh run (tables in memory) and a committed reference run (`results/reference/NAME/`: the
CSVs and run.json), so a later fix of a claim check re-judges the reference runs at the next
build, without retraining. Every module here is imported on first use of the registry, so
adding a page touches no central list: the `hl` command, the planner, the book's table of
contents, its report and scorecard all read `PAGES`.
"""
from __future__ import annotations

import json
import pkgutil
import textwrap
from dataclasses import dataclass, field
from typing import Callable
from pathlib import Path

import pandas as pd

from .. import claims, plots, profiles, report
from ..store import code_hash, imported_closure

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO_ROOT / "results" / "reference"


def _chosen(table: pd.DataFrame, rule: str = "val") -> pd.DataFrame:
    col = f"selected_{rule}"
    return table[table[col].astype(bool)].reset_index(drop=True)


@dataclass
class Page:
    """One page of the book: what it computes, costs, checks and shows."""

    name: str
    #: its parameters, their types and checks, and its profiles
    spec: "profiles.NotebookSpec"
    #: the hlcore modules whose functions make its results (store.code_hash of their import
    #: closure dates its runs and flags a committed reference run as stale)
    computes: tuple
    #: (tables, parameters, title="") -> the page's main figure
    figure: Callable
    #: (tables, parameters) -> its key number, one line for the scorecard
    key: Callable
    #: (parameters) -> every training and kernel fit, for `hl plan` and the memory check
    tasks: Callable
    #: position in the book
    order: int = 100
    #: the claims it decides -> the paper's figure each checks (the page's own claim first)
    claims: dict = field(default_factory=dict)
    #: (tables, parameters) -> the verdict on the page's own claim
    verdict: Callable | None = None
    #: other claims it decides: name -> (verdict function, key function)
    more: dict = field(default_factory=dict)
    #: (tables, parameters) -> a table shown in its reference section
    table: Callable | None = None
    #: its notebook, for a page outside the package (None: notebooks/NAME.ipynb)
    notebook: Path | None = None
    #: parameters that no verdict reads (a panel beyond the paper), ignored when a quick
    #: verdict is predicted from the reference run (hlcore.quick.quick_prediction)
    not_judged: tuple = ()
    #: why its quick profile is what it is, where it is no sub-lattice of its reference run
    #: (one sentence, shown under the verdict of a quick run: hlcore.quick.quick_design)
    quick_note: str = ""
    #: other pages whose committed reference runs it shows (their digests join its run key)
    shows_references: tuple = ()
    #: tables whose rows are the search's configurations besides those with choices marked
    #: (a training history), cut to a quick profile's lattice like them
    #: (hlcore.quick.quick_prediction)
    searched_tables: tuple = ()

    def __post_init__(self):
        if self.spec.name != self.name:
            raise ValueError(f"page {self.name!r} has the parameters of {self.spec.name!r}")

    @property
    def module_name(self) -> str:
        """The module that defines the page (its run key hashes it with what it imports)."""
        return self.figure.__module__

    @property
    def module(self):
        """That module: the page's functions beyond the registered ones (its notebook calls
        `page.module.run(P, out_dir)` and the like)."""
        import sys

        return sys.modules[self.module_name]

    def source(self) -> bytes:
        """The source of that module (a page outside the package has no place in
        store.code_hash's closure: its run key hashes this)."""
        return Path(self.module.__file__).read_bytes()


PAGES: dict[str, Page] = {}


def register(page: Page) -> Page:
    """Add a page to the registry (in book order). A second page of the same name replaces
    the first only if it comes from the same module (a reload)."""
    old = PAGES.get(page.name)
    if old is not None and old.module_name != page.module_name:
        raise ValueError(f"two pages named {page.name!r}: {old.module_name} and "
                         f"{page.module_name}")
    PAGES[page.name] = page
    for name in sorted(PAGES, key=lambda n: PAGES[n].order):
        PAGES[name] = PAGES.pop(name)
    return page


def get(name: str) -> Page:
    if name not in PAGES:
        raise ValueError(f"unknown notebook {name!r}; available: {', '.join(PAGES)}")
    return PAGES[name]


def claim_pages() -> dict:
    """claim -> the page that decides it, in report order."""
    return {claim: page.name for page in PAGES.values() for claim in page.claims}


def claim_figures() -> dict:
    """claim -> the paper's figure it checks (or what stands in for one), in report order."""
    return {claim: figure for page in PAGES.values() for claim, figure in page.claims.items()}


#: the parameters of each page's run in this process (set by `start`)
_RUNS: dict[str, dict] = {}


def _overrides(name: str) -> dict:
    """The parameters this process's run of page `name` set away from its profile's values
    (empty when it ran a profile as it stands, or when no run started here)."""
    P = _RUNS.get(name)
    if P is None:
        return {}
    base = profiles.resolve(name, P["profile"])
    return {k: v for k, v in P.items() if k in base and base[k] != v}


def start(name: str, namespace: dict) -> tuple[dict, Page]:
    """A notebook's first cell: its resolved parameters (from its parameters cell, see
    profiles.from_notebook), the book's plot style, the budget line of the answer box, and the
    parameters shown as a table. Returns (parameters, page)."""
    from IPython.display import Markdown, display

    P = profiles.from_notebook(name, namespace)
    _RUNS[name] = P  # for reference_section: is this run the profile's own?
    plots.setup()
    glue_budget(name, P)
    display(Markdown(f"**Parameters of this run** (profile `{P['profile']}`)"))
    display(profiles.table(P))
    return P, get(name)


def show_verdict(verdict: claims.Verdict, out_dir, headline: bool = False) -> pd.DataFrame:
    """A verdict on its page: the criterion (with the verdict first, for a claim whose verdict
    the answer box does not give), the clause table (and verdict.json saved for the report),
    then the numbers per seed."""
    from IPython.display import Markdown, display

    from ..quick import quick_design

    display(Markdown((f"**Verdict: {verdict.summary()}.** " if headline else "**Criterion.** ")
                     + verdict.criterion))
    design = quick_design(claim_pages().get(verdict.claim, verdict.claim))
    if design:
        display(Markdown(f"*How the quick profile was chosen:* {design}"))
    display(report.present(verdict, out_dir))
    notes = "\n\n".join(f"*Note:* {n}" for n in verdict.notes)
    if notes or verdict.budget.edges or verdict.budget.closed:
        display(Markdown(notes + "\n\n" + edge_list(verdict)))
    return verdict.numbers.round(4)


def width_grids(P: dict) -> list[dict]:
    """The sweeps of a page with larger widths (profiles._WIDE): m_values on the grid lrs x
    weight_decays, then wide_m_values (if any) on theirs. Each (learner, m, seed) keeps its
    own grid, so the edge check reads each against the grid it was chosen from."""
    grids = [dict(m=P["m_values"], lrs=P["lrs"], weight_decays=P["weight_decays"])]
    if P.get("wide_m_values"):
        grids.append(dict(m=P["wide_m_values"], lrs=P["wide_lrs"],
                          weight_decays=P["wide_weight_decays"]))
    return grids


def save_chosen(name: str, fig, table: pd.DataFrame, x: str, cols, out_dir, **extra) -> None:
    """Save a page's main figure with its tidy data: the configurations chosen on validation,
    each beside the test error the paper's rule (best test error) would have reported."""
    from ..sweep import chosen

    data = chosen(table).merge(
        chosen(table, "test")[["learner", x, "seed", "test_error"]].rename(
            columns={"test_error": "test_error_paper_rule"}), on=["learner", x, "seed"])
    data = data.assign(**extra)
    plots.save_figure(fig, name, data[cols], out_dir)
    plots.save_table(f"{name}_grid", table, out_dir)


def _at_largest_N(table: pd.DataFrame) -> tuple[int, pd.Series]:
    """The largest N of a table and each learner's mean test error there, lowest first."""
    N = table["N"].max()
    return N, table[table["N"] == N].groupby("learner")["test_error"].mean().sort_values()


# --- reference runs --------------------------------------------------------------------------

def load_tables(folder: Path | str) -> dict:
    """Every CSV of a run folder, by file stem."""
    return {p.stem: pd.read_csv(p) for p in sorted(Path(folder).glob("*.csv"))}


def _duration(seconds: float) -> str:
    if seconds < 60:  # a pass that read everything from the cache
        return f"{seconds:.0f} s"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def width_range(ours, theirs) -> str:
    """The widths a key number's run covers beside the paper's figure's, so that a verdict
    reads with its scope ("m = 100-500 of the paper's 100-100,000")."""
    def span(ms):
        lo, hi = min(ms), max(ms)
        return f"{int(lo):,}" if lo == hi else f"{int(lo):,}-{int(hi):,}"
    return f"m = {span(ours)} of the paper's {span(theirs)}"


@dataclass
class ReferenceRun:
    """A committed run of a page at the paper's budget."""

    name: str
    folder: Path
    run: dict

    @property
    def P(self) -> dict:
        return self.run["parameters"]

    @property
    def tables(self) -> dict:
        return load_tables(self.folder)

    @property
    def stale(self) -> bool:
        """Whether the code that computes the page's results (its `computes` modules and
        everything they import) differs between the committed run and this build."""
        recorded = self.run.get("compute_hash")
        return recorded is not None and recorded != compute_hash(self.name)

    @property
    def took(self) -> str:
        """The measured time of its last pass, in words."""
        return _duration(self.run.get("duration_seconds", 0))

    def provenance(self) -> str:
        r = self.run
        line = (f"Run on {r.get('start', '?')[:10]} at commit `{r.get('commit', '?')[:10]}` on "
                f"{r.get('machine', r.get('platform', '?'))} (profile `{r.get('profile')}`: "
                f"{budget_text(self.P)}); its last pass took {self.took}, reusing the results "
                f"of earlier passes from the cache.")
        if r.get("note"):  # added by hand when publishing, e.g. where a cached pass ran
            line += " " + r["note"]
        if r.get("cache"):  # the result cache's bookkeeping of its last pass
            line += " Result cache: " + "; ".join(r["cache"]) + "."
        for part in r.get("extended", []):  # tools/publish_reference.py --extend
            widths = ', '.join(str(m) for m in part['widths'])
            what = (f"{', '.join(part['learners'])} at m = {widths}" if part.get("learners")
                    else f"widths {widths}")  # a pass over some of the learners names them
            line += (f" Added on {str(part.get('start', '?'))[:10]} at commit "
                     f"`{str(part.get('commit', '?'))[:10]}`: {what}, by a pass that trained "
                     f"only those ({_duration(part.get('duration_seconds', 0))}) with the same "
                     f"computing code; its rows of {', '.join(part['tables'])} follow the "
                     f"earlier ones (it computes them as one run of the whole profile would, "
                     f"through the same result cache)."
                     + (f" {part['note']}" if part.get("note") else ""))
        for ext in r.get("ridges_extended", []):  # tools/extend_ridges.py
            line += (f" Ridges {', '.join(f'{x:g}' for x in ext['ridges_added'])} added on "
                     f"{ext['date'][:10]} at commit `{ext['commit'][:10]}`: its "
                     f"{ext['kernel_fits']} kernel fits were refitted over the longer path by "
                     f"the same computing code; their committed rows agreed ({ext['compared']};"
                     f" largest relative difference {ext['max_relative_difference']:.0e}) and "
                     f"{ext['choices_moved']} of the choices moved to a new ridge.")
        for stamp in r.get("restamped", []):  # tools/restamp_reference.py
            line += (f" Its computing code changed at commit `{stamp['commit'][:10]}`; "
                     f"{stamp['configurations']} of its configurations retrained under the "
                     f"new code on {stamp['date'][:10]} agreed with it ({stamp['compared']}), "
                     f"so the run stands for that code.")
        if self.stale:
            modules = ", ".join(m.split(".")[-1] for m in compute_modules(self.name))
            line += (" **Warning:** the code that computes results (hlcore's "
                     f"{modules}) has changed since this run; its tables "
                     "are re-judged by the current checks, but a re-run could give other "
                     "numbers.")
        return line


def compute_modules(name: str) -> list[str]:
    """The hlcore modules whose code makes page `name`'s results: its `computes` modules and
    every module they import."""
    return imported_closure(*PAGES[name].computes)


def compute_hash(name: str) -> str:
    """The hash of that code (store.code_hash): recorded in each run.json, and compared with
    a committed reference run's to say whether it is stale."""
    return code_hash(*PAGES[name].computes)


def glue_budget(name: str, P: dict) -> None:
    """The run's profile and budget, for the answer box that opens the page."""
    plots.glue(f"{name}.run_budget", f"profile {P['profile']}: {budget_text(P)}")
    plots.PROFILE = P["profile"]  # a smoke run's figures say so in their titles


def budget_text(P: dict) -> str:
    def count(n, what):
        return f"{n} {what}{'s' if n != 1 else ''}"

    def own(key, common):  # hierarchy: layer-wise training has grids of its own
        v = P.get(f"layerwise_{key}")
        return f" (layer-wise {len(v)})" if v and list(v) != list(common) else ""

    grid = None
    if "lrs" in P:
        wds = P.get("weight_decays", [0])
        more = P.get("more_lrs") or []  # frobenius: learning rates searched in a later pass
        grid = (count(len(P["lrs"]) + len(more), "learning rate") + own("lrs", P["lrs"]) + " x "
                + count(len(wds), "weight decay") + own("weight_decays", wds))
    if grid and P.get("wide_m_values"):  # width, sensitivity: wide widths on a grid of their own
        grid += (f" (m = {', '.join(str(m) for m in P['wide_m_values'])}: "
                 f"{len(P['wide_lrs'])} x {len(P['wide_weight_decays'])})")
    capped, cap = P.get("capped_learners") or [], P.get("capped_max_m")
    if grid and capped and max(P["m_values"] + (P.get("wide_m_values") or [])) > cap:
        grid += f", {', '.join(capped)} to m = {cap}"  # width: the 3-layer network stops there
    parts = [f"{P['epochs']} epochs" if "epochs" in P else None,
             count(P["seeds"], "seed") if "seeds" in P else None, grid]
    return ", ".join(p for p in parts if p)


def _inline_html(text: str) -> str:
    """The little Markdown a provenance line uses (`code`, **bold**), as HTML: inside a raw
    HTML block the book renders no Markdown."""
    import html
    import re

    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


def provenance_html(line: str) -> str:
    """A run's provenance: its first sentence in view, the rest (notes, re-stamps, warnings)
    folded in a dropdown; a warning stays in view."""
    head, sep, rest = line.partition("); ")
    head = head + (")." if sep else "")
    warn = " " + rest[rest.index("**Warning:**"):] if "**Warning:**" in rest else ""
    if not sep:
        return line
    return (f"{head}{warn}\n\n<details><summary>More about this run</summary><p>"
            f"{_inline_html(rest)}</p></details>\n")


def edge_list(verdict: claims.Verdict) -> str:
    """Every choice at a grid's end of a verdict, listed in a dropdown (the notes count them)."""
    import html

    lines = list(verdict.budget.edges) + list(verdict.budget.closed)
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(e)}</li>" for e in lines)
    return (f"<details><summary>Every chosen value at a grid's end ({len(lines)})</summary>"
            f"<ul>{items}</ul></details>\n\n")


def reference(name: str, root: Path | None = None) -> ReferenceRun | None:
    """The committed reference run of page `name`, or None."""
    folder = (root or REFERENCE_DIR) / name
    if not (folder / "run.json").exists():
        return None
    return ReferenceRun(name, folder, json.loads((folder / "run.json").read_text()))


def reference_digest(name: str, root: Path | None = None) -> str | None:
    """A hash of the committed reference files of `name` (part of the page's run key, so a new
    reference run re-builds the page)."""
    from ..store import digest

    folder = (root or REFERENCE_DIR) / name
    if not folder.is_dir():
        return None
    return digest({p.name: p.read_text() for p in sorted(folder.iterdir()) if p.is_file()})


def show_reference(name: str, out_dir) -> None:
    """The page's section "At the paper's budget" (reference_section), with nothing returned
    for the notebook to print."""
    reference_section(name, out_dir)


def reference_section(name: str, out_dir) -> claims.Verdict | None:
    """The page's section "At the paper's budget": the committed run's provenance, its figure
    drawn by the page's own code, and its verdict decided now by the current checks (saved as
    reference_verdict.json beside the page's verdict.json, for the report)."""
    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    ref = reference(name)
    if ref is None:
        plots.glue(f"{name}.reference", "no reference run committed yet")
        display(Markdown(f"No reference run of this page is committed yet. It runs with "
                         f"`hl run {name} --profile reference` (`hl plan {name} --profile "
                         f"reference` gives its cost), and its CSVs and run.json go to "
                         f"`results/reference/{name}/`."))
        return None
    if name not in PAGES:
        plots.glue(f"{name}.reference", "a run is committed, but this page cannot redraw it yet")
        display(Markdown(f"A reference run is committed in `results/reference/{name}/` "
                         f"({ref.provenance()}), but this page has no code to redraw and judge "
                         f"it yet."))
        return None
    page = PAGES[name]
    T = ref.tables
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    key = page.key(T, ref.P)
    verdict = page.verdict(T, ref.P) if page.verdict is not None else None
    run = {k: ref.run.get(k) for k in ("start", "commit", "duration_seconds", "machine",
                                      "profile")}
    # other claims the page decides (separation: networks), each with its key number
    more = {claim: (fn(T, ref.P), more_key(T, ref.P))
            for claim, (fn, more_key) in page.more.items()}
    # Saved for the report beside a run of a profile as it stands; beside a run with other
    # parameters it would read as that run's reference, which it is not.
    changed = _overrides(name)
    save = not changed
    for claim, (v, k) in more.items():
        if save:
            (Path(out_dir) / f"reference_verdict-{claim}.json").write_text(
                json.dumps({**v.to_dict(), "key": k, "run": run}, indent=2))
    if changed:
        display(Markdown("*This run changed " + ", ".join(
            f"`{k}` ({ref.P.get(k)} in the committed run, {v} here)" for k, v in changed.items())
            + ": the committed run below is the profile's, not a reference for these "
              "parameters.*"))
    if verdict is not None and save:
        d = verdict.to_dict()
        d["key"] = key
        d["run"] = run
        (Path(out_dir) / "reference_verdict.json").write_text(json.dumps(d, indent=2))
    if verdict is not None:
        notes = "".join(f"\n\n*Note:* {n}" for n in verdict.notes)
        display(Markdown(f"**Verdict at the paper's budget: {verdict.verdict}** "
                         f"({verdict.detail()}). {key}.{notes}\n\n" + edge_list(verdict)
                         + provenance_html(ref.provenance())))
        plots.glue(f"{name}.reference", f"{verdict.summary()} ({key}; {budget_text(ref.P)})")
    else:
        display(Markdown(f"**At the paper's budget:** {key}.\n\n"
                         + provenance_html(ref.provenance())))
        plots.glue(f"{name}.reference", f"{key} ({budget_text(ref.P)})")
    # wrapped: a long budget (width's wide widths and cap) would run over the axis label;
    # no break inside "m = 1000"
    title = f"reference run: {budget_text(ref.P)}".replace(" = ", "\u00a0=\u00a0")
    page.figure(T, ref.P, title=textwrap.fill(title, 80))
    plt.show()
    if verdict is not None:
        display(report.present_table(verdict))
    for claim, (v, k) in more.items():
        display(Markdown(f"**{claim.capitalize()} at the paper's budget: {v.summary()}.** "
                         f"{k}."))
        display(report.present_table(v))
    if page.table is not None:
        display(page.table(T, ref.P))
    return verdict


def _discover() -> None:
    """Import every page module of this package (each registers itself), then every `*.py` in
    the folders of $HL_PAGE_PATH (os.pathsep-separated): a page of your own, kept outside the
    package, with its notebook beside it (`Page(notebook=...)`); the notebook's kernel inherits
    the variable, so it finds the page too."""
    import importlib
    import importlib.util
    import os
    import sys

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    for folder in filter(None, os.environ.get("HL_PAGE_PATH", "").split(os.pathsep)):
        for path in sorted(Path(folder).glob("*.py")):
            name = f"hlcore_page_{path.stem.replace('-', '_')}"
            if name in sys.modules:
                continue
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)


_discover()

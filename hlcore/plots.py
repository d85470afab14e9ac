"""One figure style for the whole book, figure files with their data, and glue for the prose.

Colours follow the learner family (3resnet blue, 3layer orange, 2layer green); the line style
and marker say how it is fitted: a trained network (solid, filled circle), its conjugate kernel
X(last) (dashed, square), its finite-width NTK X(NTK) (dotted, triangle), the infinite-width
kernels (dash-dot, diamond / cross)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

KIND_STYLE = {None: ("-", "o"), "last": ("--", "s"), "NTK": (":", "^"),
              "last-inf": ("-.", "D"), "NTK-inf": ("-.", "X")}
THRESHOLD_STYLE = dict(color="#b2182b", linestyle="--", linewidth=1.2)


def style(learner: str) -> dict:
    """Matplotlib keywords for a learner or kernel name."""
    base, _, kind = learner.partition("(")
    kind = kind.rstrip(")") or None
    ls, marker = KIND_STYLE.get(kind, ("-", "o"))
    from .learners import LEARNERS  # each learner carries its colour

    colour = LEARNERS[base].colour if base in LEARNERS else "#555555"
    return dict(color=colour, linestyle=ls, marker=marker,
                markersize=5, linewidth=1.6, label=learner)


def setup():
    """The book's one theme: seaborn's, with our grid, spines and sizes."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="ticks", font_scale=0.9, rc={
        "figure.dpi": 110, "savefig.dpi": 150, "axes.grid": True, "grid.alpha": 0.3,
        "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False})
    _render_tables()


def _render_tables() -> None:
    """Every DataFrame a page shows goes through `render_table` (one renderer for the book)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    ip = get_ipython()
    if ip is None:
        return
    import pandas as pd

    ip.display_formatter.formatters["text/html"].for_type(pd.DataFrame, render_table)


def _cell(v) -> str:
    """One value as a reader reads it: rounded, counts as integers, NaN as a word."""
    import math
    import numbers

    if v is None:
        return "n/a"
    if isinstance(v, (bool,)) or type(v).__name__ == "bool_":
        return "yes" if v else "no"
    if isinstance(v, numbers.Integral):
        return f"{int(v):,d}" if abs(int(v)) >= 10000 else str(int(v))
    if isinstance(v, numbers.Real):
        v = float(v)
        if math.isnan(v):
            return "n/a"
        if math.isinf(v):
            return "none" if v > 0 else "-inf"
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,d}" if abs(v) >= 10000 else str(int(v))
        if abs(v) >= 1e4:
            return f"{v:,.0f}"
        # three significant digits, trailing zeros kept so that a column reads evenly
        # (1.005 as 1.00 beside 0.785, not as 1)
        return f"{v:#.3g}".rstrip(".")
    return str(v)


def render_table(df) -> str:
    """A table for people, as HTML: no bare 0..n index (a meaningful index becomes a column),
    flattened column names (never a bare `0`; underscores as spaces, so that they wrap),
    rounded numbers and counts as integers, NaN as 'n/a', text wrapped rather than cut, and a
    horizontal scroll rather than columns cut off."""
    import html

    import pandas as pd

    df = df.copy()
    if isinstance(df.columns, pd.MultiIndex):
        df.columns = [" ".join(str(c) for c in col if str(c)) for col in df.columns]
    df.columns = ["value" if str(c) == "0" and len(df.columns) == 1 else str(c)
                  for c in df.columns]
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
        df.columns = [("" if str(c) == "index" else str(c)) for c in df.columns]
    # snake_case names as words, so that a long header wraps instead of widening the table
    head = "".join(f"<th>{html.escape(str(c).replace('_', ' '))}</th>" for c in df.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return ('<div class="hl-table" style="overflow-x: auto; max-width: 100%">'
            '<table class="dataframe table" style="white-space: normal; word-break: normal">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


def heatmap(table, ax, *, vmin: float, vmax: float, label: str, cmap: str = "RdYlBu"):
    """A table (rows x columns) as an annotated heat map, first row at the bottom."""
    import seaborn as sns

    sns.heatmap(table, ax=ax, annot=True, fmt=".2f", cmap=cmap, vmin=vmin, vmax=vmax,
                cbar_kws={"label": label}, annot_kws={"fontsize": 8},
                xticklabels=[f"{c:g}" for c in table.columns],
                yticklabels=[f"{r:g}" for r in table.index])
    ax.invert_yaxis()
    return ax


#: The profile of the page being run (set by pages.glue_budget): smoke figures are marked.
PROFILE = None


def save_figure(fig, name: str, data, out_dir: str | Path = ".") -> dict:
    """Write NAME.png, NAME.svg and NAME.csv (the tidy data plotted) into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if PROFILE == "smoke":  # tiny sizes: never to be mistaken for a result
        fig.suptitle("smoke profile: tiny sizes, not a result", color="#b2182b", fontsize=9,
                     y=1.02)
    paths = {"png": out / f"{name}.png", "svg": out / f"{name}.svg", "csv": out / f"{name}.csv"}
    fig.savefig(paths["png"], bbox_inches="tight")
    fig.savefig(paths["svg"], bbox_inches="tight")
    data.to_csv(paths["csv"], index=False)
    problems = figure_problems(fig)
    if problems:  # kept beside the figure for the tests (not printed: the page would show it)
        paths["problems"] = out / f"{name}.problems.txt"
        paths["problems"].write_text("\n".join(problems) + "\n")
    return paths


#: the width of the book's main column at a 1280 px window (Chromium, sphinx-book-theme): the
#: widest a figure is shown; a wider figure is scaled down, and its text with it
COLUMN_PX = 800
#: the smallest text a reader should be asked to read, in CSS pixels
MIN_TEXT_PX = 9.0


def figure_problems(fig, column_px: float = COLUMN_PX) -> list[str]:
    """What a reader would trip over in `fig` as the book shows it: text smaller than
    MIN_TEXT_PX once the figure is scaled to the column (the book shows the notebook's PNG,
    drawn at figure.dpi with a tight box, shrunk to the column), and tick labels that overlap
    a neighbour (matplotlib's own extents of the drawn labels)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    natural_px = fig.get_tightbbox(renderer).width * fig.dpi
    scale = min(1.0, column_px / natural_px) if natural_px else 1.0
    out, small = [], []
    for text in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text")):
        if text.get_visible() and text.get_text().strip():
            px = text.get_fontsize() * fig.dpi / 72 * scale
            if px < MIN_TEXT_PX:
                small.append((round(px, 1), text.get_text()[:30]))
    if small:
        px, sample = min(small)
        out.append(f"{len(small)} text(s) under {MIN_TEXT_PX:g} px in an {column_px} px "
                   f"column, the smallest {px} px ({sample!r})")
    for ax in fig.axes:
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            boxes = [(t.get_window_extent(renderer), t.get_text())
                     for t in axis.get_ticklabels(which="both")
                     if t.get_visible() and t.get_text()]
            boxes.sort(key=lambda b: b[0].x0 if name == "x" else b[0].y0)
            for (a, ta), (b, tb) in zip(boxes, boxes[1:]):
                if a.overlaps(b):
                    out.append(f"{name} tick labels {ta!r} and {tb!r} overlap")
                    break
    return out


def log_cache(line: str, out_dir: str | Path = ".") -> None:
    """Keep a line of result-cache bookkeeping ("12 of 288 results reused ...") for the run's
    log and run.json (hlcore.pipeline reads and removes the file): it is no reading matter for
    the page."""
    path = Path(out_dir) / "cache.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(line.rstrip("\n") + "\n")


def save_table(name: str, table, out_dir: str | Path = ".") -> Path:
    """Write NAME.csv: a whole tidy table behind a figure (every configuration, not only the
    chosen ones), so that a verdict can be recomputed from the files alone (the book does so
    for the committed reference runs)."""
    out = Path(out_dir) / f"{name}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.drop(columns=[c for c in ("cached",) if c in table.columns]).to_csv(out, index=False)
    return out


def glue(name: str, value, display: bool = False):
    """MyST-NB glue when available (the book), a no-op otherwise."""
    try:
        from myst_nb import glue as _glue
    except ImportError:  # pragma: no cover - the book extra is not installed
        return value
    _glue(name, value, display=display)
    return value


#: matplotlib line styles as seaborn dash specs
_DASHES = {"-": "", "--": (4, 1.5), ":": (1, 1.5), "-.": (4, 1.5, 1, 1.5)}


def error_curves(data, x: str, threshold: float | None = None, ax=None, *, y: str = "test_error",
                 threshold_label: str = r"$k\alpha^2$: $\alpha G(F)$ not learned",
                 logx: bool = True, logy: bool = True, palette: dict | None = None):
    """Error against x from one row per (learner, x, seed): seaborn draws each learner's mean
    over seeds as a line and the range over seeds as a band, in the learner's colour (or
    `palette`'s), line style and marker."""
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6))
    order = list(dict.fromkeys(data["learner"]))
    styles = {name: style(name) for name in order}
    sns.lineplot(data=data, x=x, y=y, hue="learner", style="learner", hue_order=order,
                 style_order=order, ax=ax, estimator="mean", errorbar=("pi", 100),
                 palette=palette or {n: st["color"] for n, st in styles.items()},
                 dashes={n: _DASHES[st["linestyle"]] for n, st in styles.items()},
                 markers={n: st["marker"] for n, st in styles.items()},
                 markersize=5, linewidth=1.6, err_kws={"alpha": 0.12, "linewidth": 0})
    if threshold is not None:
        ax.axhline(threshold, label=threshold_label, **THRESHOLD_STYLE)
    if logx:
        ax.set_xscale("log")
        values = sorted(data[x].dropna().unique())
        if len(values) <= 12:  # ticks at the values run, written plainly (not 1.2x10^1)
            ax.set_xticks(values, [f"{v:g}" for v in values])
            ax.xaxis.set_minor_locator(plt.NullLocator())
    if logy:
        ax.set_yscale("log")
    ax.set_ylabel("test error  (mean squared error, summed over outputs)")
    ax.legend(fontsize=8, ncol=2, loc="best")
    return ax


def width_ticks(ax, *widths) -> None:
    """Ticks at every width of the given collections (ours and the paper's: its curves run on
    past ours), 10000 and above as thousands ("20k") so that neighbours do not collide."""
    ms = sorted({int(m) for w in widths for m in w})
    ax.set_xticks(ms, [f"{m / 1000:g}k" if m >= 10000 else f"{m:g}" for m in ms])
    ax.xaxis.set_minor_locator(plt.NullLocator())


def plain_log_ticks(axis) -> None:
    """Ticks of a log axis written plainly (0.2, not 2 x 10^-1), no labelled minor ticks, and
    as many at 1, 1.5, 2, 3, 5, 7 times powers of ten as the axis's length holds (about two
    and a half labels an inch: a single "1" says little, crowded labels overlap). Call it
    once the data are drawn and the figure laid out."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = sorted(axis.get_view_interval())
    decades = max(math.log10(hi / lo), 0.1) if lo > 0 else 3.0
    box = axis.axes.get_position()  # in figure fractions
    w, h = axis.axes.figure.get_size_inches()
    inches = box.width * w if axis.axis_name == "x" else box.height * h
    room = max(2.0, 2.5 * inches)
    subs = next(s for s in ((1.0, 1.5, 2.0, 3.0, 5.0, 7.0), (1.0, 2.0, 3.0, 5.0),
                            (1.0, 2.0, 5.0), (1.0, 3.0), (1.0,))
                if len(s) * decades <= room or s == (1.0,))
    axis.set_major_locator(LogLocator(base=10, subs=subs, numticks=12))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def legend_outside(ax, **kwargs):
    """The legend to the right of the axes, off the data (the figure widens to hold it)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=7.5,
              frameon=False, **kwargs)


def finish_loglog(ax, xlabel: str, ylabel: str, title: str):
    """Log-log axes with their labels, title and the legend outside; returns the figure."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    legend_outside(ax)
    return ax.figure


def load_reference(name: str):
    """The paper's published points (hlcore/reference/NAME.csv) as a DataFrame."""
    import pandas as pd

    path = Path(__file__).resolve().parent / "reference" / f"{name}.csv"
    if not path.exists():
        raise ValueError(f"no reference data {name!r}; available: "
                         f"{', '.join(p.stem for p in path.parent.glob('*.csv'))}")
    return pd.read_csv(path)


def overlay_paper(ax, reference, x: str, y: str = "test_error", by: str = "learner",
                  keep=None):
    """The paper's points as hollow markers in each series' colour, labelled 'paper v2'."""
    for key, g in reference.groupby(by, sort=False):
        if keep is not None and key not in keep:
            continue
        st = style(str(key)) if by == "learner" else {"color": "#444444", "marker": "o"}
        ax.plot(g[x], g[y], linestyle="none", marker=st["marker"], markersize=7,
                markerfacecolor="none", markeredgecolor=st["color"], markeredgewidth=1.2,
                label=f"{key} (paper v2)")

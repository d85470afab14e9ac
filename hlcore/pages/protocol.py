"""The protocol page: Readings of the paper's training protocol, one at a time, against the paper's numbers.

Its parameters and profiles, its cost for `hl plan`, its claim checks, and its verdicts, figure and
key number as functions of the tables it saves (a fresh run's or a committed reference run's).
"""
from __future__ import annotations


import pandas as pd

from .. import plots, profiles
from ..profiles import (NotebookSpec, Param, QUICK_LRS, QUICK_WDS, REF_LRS, REF_WDS, _ALPHA, _BETA, _LEARNERS, _PAIR_TARGET, _SHAPE, _TRAIN)
from ..train import paper_grid
from ..protocol import READINGS
from ..plan import Task, sweep_cost
from . import Page, register

PROTOCOL = NotebookSpec(
    name="protocol",
    description="Why are our networks worse than the paper's at N = 1000? Readings of the "
                "training protocol, one at a time (parity-v2, m = 200, the paper's 800 epochs)",
    params=(
        _PAIR_TARGET, _ALPHA, *_SHAPE, _BETA,
        Param("N", "int", "training-set size", min=1),
        Param("m_values", "list[int]", "network widths", min=1),
        _LEARNERS,
        Param("readings", "list[str]", "protocol readings tried (see hlcore.protocol)",
              choices=tuple(READINGS)),
        *_TRAIN,
    ),
    profiles={
        "smoke": dict(N=100, m_values=[16], learners=["3resnet"], epochs=2, lrs=[0.1],
                      weight_decays=[0.0], n_val=100, n_test=200, device="cpu"),
        "quick": dict(target="parity-v2", alpha=0.3, N=1000, m_values=[100],
                      learners=["3resnet", "3layer", "2layer"], readings=list(READINGS),
                      epochs=800, lrs=QUICK_LRS, weight_decays=QUICK_WDS, seeds=1, n_val=1000,
                      n_test=2000, device="auto"),
        # width's reference grid at m = 100 and 200 (its trainings with decay on W0 + W are
        # the same, shared through the cache); m = 500 would add about 2 h per decay reading
        # on 2 cores, 3layer's m x m layer taking three quarters of it
        "reference": dict(m_values=[100, 200],
                          readings=["ours", "decay on W0 + W", "early stopping",
                                    "decay on W0 + W, early stopping"],
                          lrs=REF_LRS, weight_decays=REF_WDS, seeds=3),
        "paper": dict(m_values=[100, 200, 500], readings=list(READINGS), lrs=paper_grid(0, 3),
                      weight_decays=[0.0, 1e-5, 1e-4, 1e-3], n_val=2000, n_test=5000),
    },
)






def protocol_comparison(T: dict, P: dict) -> pd.DataFrame:
    from .. import protocol

    return protocol.compare(T["protocol"], plots.load_reference("v2_fig2a_width_sweep"))


def protocol_readable(comparison: pd.DataFrame) -> pd.DataFrame:
    """`protocol.compare`'s table as a reader reads it (the study runs at one N, which it leaves out):
    each selection rule in one column (mean and spread over seeds, and the mean over the
    paper's value), the number of diverged configurations out of all (configurations x
    seeds)."""
    c = comparison

    def rule(mean, sd, ratio):
        return [plots._cell(a) + ("" if pd.isna(a) or pd.isna(b) else f" ± {b:.2g}")
                + ("" if pd.isna(r) else f" ({r:.2f}x)")
                for a, b, r in zip(c[mean], c[sd], c[ratio])]

    return pd.DataFrame({
        "reading": c["reading"], "learner": c["learner"], "m": c["m"],
        "diverged": [f"{d} of {n * s}" for d, n, s in
                     zip(c["diverged"], c["configs_per_seed"], c["seeds"])],
        "chosen on validation (x paper)": rule("test_error_val_rule", "test_error_val_rule_sd",
                                               "val_rule_over_paper"),
        "paper's rule (x paper)": rule("test_error_paper_rule", "test_error_paper_rule_sd",
                                       "paper_rule_over_paper"),
        "paper": c["paper"], "recovers": c["recovers"]})


def _readable_comparison(T: dict, P: dict) -> pd.DataFrame:
    return protocol_readable(protocol_comparison(T, P))


def protocol_figure(T: dict, P: dict, title: str = ""):
    import matplotlib.pyplot as plt
    import numpy as np

    comparison = protocol_comparison(T, P)
    threshold = profiles.page_target(P).threshold
    learners = list(dict.fromkeys(comparison["learner"]))
    widths = sorted(comparison["m"].unique())
    # one row per learner, one column per width, the readings down the side (written
    # horizontally: slanted under the x axis they overlapped, and three columns of panels
    # shrank the text below 9 px in the book's column)
    fig, axes = plt.subplots(len(learners), len(widths), figsize=(3.6 * len(widths) + 2.6,
                             2.4 * len(learners) + 1.4), squeeze=False, sharey=True)
    for (row, learner), (col, m) in ((r, c) for r in enumerate(learners)
                                     for c in enumerate(widths)):
        ax = axes[row][col]
        g = comparison[(comparison["learner"] == learner)
                       & (comparison["m"] == m)].reset_index(drop=True)
        colour = plots.style(learner)["color"]
        y = np.arange(len(g))
        ax.errorbar(g["test_error_val_rule"], y, xerr=g["test_error_val_rule_sd"].fillna(0),
                    fmt="o", color=colour, capsize=3, label="chosen on validation (ours)")
        ax.plot(g["test_error_paper_rule"], y, "o", markerfacecolor="none",
                markeredgecolor=colour, markersize=9, label="chosen on test (paper's rule)")
        ax.axvline(g["paper"].iloc[0], color=colour, linestyle="--", linewidth=1,
                   label="paper v2")
        for i, r in g.iterrows():  # a reading with nothing to show says why
            if np.isnan(r["test_error_paper_rule"]):
                ax.text(g["paper"].iloc[0], i, f" all {r['diverged']} diverged",
                        ha="left", va="center", fontsize=9, color="#555555")
        ax.axvline(threshold, label=r"$k\alpha^2$", **plots.THRESHOLD_STYLE)
        ax.set_yticks(y, g["reading"])
        ax.set_ylim(len(g) - 0.5, -0.5)
        ax.set_xscale("log")
        ax.set_title(f"{learner}, m = {m}", fontsize=10)
        ax.set_xlabel("test error" if row == len(learners) - 1 else "")
    # the legend under the panels: beside them it took the width the text needs
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=9, loc="lower center", ncol=2, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title or f"{P['target']}, N={P['N']}, {P['epochs']} epochs, "
                          f"{P['seeds']} seed(s)")
    fig.tight_layout(rect=(0, 0.07 + 0.1 / len(learners), 1, 1))
    for ax in axes.flat:  # once laid out: the ticks fit each panel's length
        plots.plain_log_ticks(ax.xaxis)
    return fig


def protocol_key(T: dict, P: dict) -> str:
    from .. import protocol

    c = protocol_comparison(T, P)
    found = protocol.recovering_readings(c)
    val = protocol.recovering_readings(c, "recovers_val_rule")
    adopted = protocol.shortfall(c)
    return (f"readings that recover the paper's values for every network and width: under the "
            f"paper's rule {', '.join(found) or 'none'}; chosen on validation "
            f"{', '.join(val) or 'none'}" + (f". Under {adopted}" if adopted else ""))


def run(P: dict, out_dir) -> dict:
    """Every learner under every reading of the protocol (cached); saves and glues the figure.
    Returns {"protocol": the study's table}."""
    import matplotlib.pyplot as plt

    from .. import protocol as pr
    from .. import sweep as sw
    from ..store import ResultStore

    table = pr.study(profiles.page_target(P), learners=P["learners"], readings=P["readings"],
                     N=P["N"], m=P["m_values"], seeds=P["seeds"], epochs=P["epochs"],
                     lrs=P["lrs"], weight_decays=P["weight_decays"], n_val=P["n_val"],
                     n_test=P["n_test"], device=P["device"], store=ResultStore())
    plots.log_cache(sw.cache_report(table), out_dir)
    T = {"protocol": table}
    fig = protocol_figure(T, P)
    plots.save_figure(fig, "protocol", table.drop(columns=["cached"]), out_dir)
    plots.glue("protocol.figure", fig, display=False)
    key = protocol_key(T, P)
    plots.glue("protocol.caption", key[0].upper() + key[1:] + ".")  # a sentence of its own
    plt.close(fig)
    return T


def comparison_table(T: dict, P: dict) -> pd.DataFrame:
    """Each reading beside the paper (mean ± sd over seeds); glues the readings that recover
    the paper's values and the budget."""
    from .. import protocol as pr

    comparison = protocol_comparison(T, P)
    found = pr.recovering_readings(comparison)
    plots.glue("protocol.recovering", ", ".join(found) if found else "none")
    plots.glue("protocol.budget", f"{P['epochs']} epochs, {len(P['lrs'])} learning rates x "
               f"{len(P['weight_decays'])} weight decays, {P['seeds']} seed(s)")
    return protocol_readable(comparison)


def paper_scatter(reference: pd.DataFrame) -> pd.DataFrame:
    """Per (learner, m) of the paper's width curve: how far its value sits from its neighbours'
    (the largest ratio, either way, to the value at the next smaller and next larger width it
    reports). Its own curve moves that much between neighbouring widths, so an error of ours
    within that factor of its value is inside the paper's own scatter [ours]."""
    rows = []
    for learner, g in reference.groupby("learner", sort=False):
        g = g.dropna(subset=["test_error"]).sort_values("m")
        values = g["test_error"].tolist()
        for i, (m, v) in enumerate(zip(g["m"], values)):
            near = values[max(i - 1, 0):i] + values[i + 1:i + 2]
            rows.append({"learner": learner, "m": int(m), "paper": v,
                         "paper_scatter": max((max(v / u, u / v) for u in near),
                                              default=float("nan"))})
    return pd.DataFrame(rows)


#: how closely the paper's points were read off its figures (the width page says about 2 %):
#: where its curve is flat (2layer at m >= 2000), a ratio within this is no difference [ours]
READING = 1.02


def fidelity(chosen: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Our error beside the paper's, per (learner, m) that both have: the mean and spread over
    seeds of the chosen configurations (`chosen`: learner, m, seed, test_error), the paper's
    value, ours over it, and whether that ratio (either way) exceeds the paper's own scatter
    between neighbouring widths and the accuracy its points were read with (`outside`)."""
    ours = chosen.groupby(["learner", "m"], sort=False)["test_error"].agg(
        ["mean", "std", "count"]).reset_index()
    ours["m"] = ours["m"].astype(int)
    f = ours.merge(paper_scatter(reference), on=["learner", "m"], how="inner")
    f["ratio"] = f["mean"] / f["paper"]
    f["outside"] = [max(r, 1 / r) > max(s, READING)
                    for r, s in zip(f["ratio"], f["paper_scatter"])]
    return f.rename(columns={"mean": "ours", "std": "ours_sd", "count": "seeds"})


def fidelity_readable(f: pd.DataFrame) -> pd.DataFrame:
    """`fidelity` as a reader reads it: one row per learner, one column per width, each cell
    "ours ± sd (ratio x)", a star where the ratio exceeds the paper's scatter there."""
    cell = [f"{o:.3g} ± {s:.2g} ({r:.2f}x){' *' if out else ''}"
            for o, s, r, out in zip(f["ours"], f["ours_sd"].fillna(0), f["ratio"], f["outside"])]
    wide = f.assign(cell=cell).pivot(index="learner", columns="m", values="cell")
    wide = wide.reindex(list(dict.fromkeys(f["learner"])))
    wide.columns = [f"m = {m}" for m in wide.columns]
    return wide.fillna("not run").reset_index()


def fidelity_sentence(f: pd.DataFrame) -> str:
    """Where our curve and the paper's differ by more than the paper's own scatter between
    neighbouring widths, as one sentence."""
    out = f[f["outside"]]
    widths = ", ".join(str(m) for m in sorted(f["m"].unique()))
    if out.empty:
        return (f"At every width run ({widths}) every learner is within the paper's own scatter "
                f"between neighbouring widths (or the {READING - 1:.0%} its points were read "
                f"to).")
    parts = [f"{r.learner} at m = {r.m} ({r.ratio:.2f}x the paper's {r.paper:.3g}; its "
             f"neighbours differ by up to {r.paper_scatter:.2f}x)" for r in out.itertuples()]
    return (f"Widths {widths}: {len(out)} of {len(f)} (learner, width) cells differ from the "
            f"paper by more than its own scatter between neighbouring widths (and the "
            f"{READING - 1:.0%} its points were read to): "
            + "; ".join(parts) + ".")


def fidelity_table() -> pd.DataFrame:
    """Our errors beside the paper's over every width of the width page's committed
    paper-budget run (the adopted protocol: its chosen configurations on validation), each
    learner's mean and spread over seeds and its ratio to the paper's value; glues the
    sentence naming where they differ by more than the paper's own scatter between
    neighbouring widths (fidelity_sentence)."""
    from . import _chosen, reference

    ref = reference("width")
    if ref is None:
        plots.glue("protocol.fidelity", "The width page has no committed paper-budget run yet.")
        return pd.DataFrame()
    f = fidelity(_chosen(ref.tables["width_grid"]), plots.load_reference("v2_fig2a_width_sweep"))
    plots.glue("protocol.fidelity", fidelity_sentence(f))
    return fidelity_readable(f)


def tasks(P: dict) -> list[Task]:
    """Every training and kernel fit of a run with parameters P, for `hl plan`."""
    t = profiles.page_target(P)
    from ..protocol import READINGS

    trainings = {READINGS[r][0] for r in P["readings"]}  # early stopping is a view
    return [task for _ in trainings
            for task in sweep_cost(P, t, P["learners"], [], [P["N"]], P["m_values"], P["seeds"])]


PAGE = register(Page(name="protocol", spec=PROTOCOL, computes=("protocol",), figure=protocol_figure, key=protocol_key, tasks=tasks, order=70, claims={}, table=_readable_comparison,
                     shows_references=("width",)))

"""What a page shows and concludes, as functions of its saved tables.

A page's figure and verdict are drawn and decided by the functions here, from the tables the
page saves as CSV (`plots.save_figure`, `plots.save_table`) and its resolved parameters. The
same code serves a fresh run (tables in memory) and a committed reference run
(`results/reference/NAME/`: the CSVs and run.json), so a later fix of a claim check re-judges
the reference runs at the next build, without retraining.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import claims, plots, profiles
from .store import code_hash, imported_closure

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = REPO_ROOT / "results" / "reference"


def _chosen(table: pd.DataFrame, rule: str = "val") -> pd.DataFrame:
    col = f"selected_{rule}"
    return table[table[col].astype(bool)].reset_index(drop=True)


# --- width: v2 Figure 2(a) -------------------------------------------------------------------

def width_verdict(T: dict, P: dict) -> claims.Verdict:
    table = T["width_grid"]
    return claims.width(_chosen(table), profiles.page_target(P).threshold,
                        claims.Budget.of(P, table), paper_rule=_chosen(table, "test"))


def width_figure(T: dict, P: dict, title: str = ""):
    table = T["width_grid"]
    target = profiles.page_target(P)
    chosen = _chosen(table)
    ax = plots.error_curves(chosen, "m", target.threshold)
    plots.overlay_paper(ax, plots.load_reference("v2_fig2a_width_sweep"), x="m",
                        keep=set(chosen["learner"]))
    ax.set_xlabel("network width m")
    ax.set_title(title or f"{P['target']}: N={P['N']}, k={target.k}, alpha={target.alpha}")
    plots.legend_outside(ax)
    return ax.figure


def width_key(T: dict, P: dict, m: int = 200) -> str:
    """The ResNet's mean error at m = 200 (or the nearest width run) beside the paper's."""
    chosen = _chosen(T["width_grid"])
    res = chosen[chosen["learner"] == "3resnet"]
    if res.empty:
        return "no ResNet rows"
    m = min(res["m"].unique(), key=lambda w: abs(w - m))
    paper = plots.load_reference("v2_fig2a_width_sweep")
    ref = paper[(paper["learner"] == "3resnet") & (paper["m"] == m)]["test_error"]
    ours = res[res["m"] == m]["test_error"].mean()
    theirs = f"{ref.iloc[0]:.3f}" if len(ref) else "not published"
    return f"3resnet at m = {m}: {ours:.3f} (paper {theirs})"


# --- sensitivity: v2 Figure 2(b), and a map over (alpha, beta) --------------------------------

def zero_function_errors(table: pd.DataFrame, P: dict) -> pd.DataFrame:
    """The zero function's errors (mean ||y||^2) on the train, validation and test sets of
    every (target, beta, N, data_seed) in a page's grid, the sets drawn again from their seed."""
    from .train import Data

    rows = []
    for (name, beta, N, seed), _ in table.groupby(["target", "beta", "N", "data_seed"]):
        data = Data.sample(profiles.page_target(P, name, beta=float(beta)), int(N),
                           n_val=P["n_val"], n_test=P["n_test"], seed=int(seed))
        sq = lambda y: float(y.double().pow(2).sum(dim=1).mean())  # noqa: E731
        rows.append({"target": name, "beta": beta, "N": N, "data_seed": seed,
                     "train_error": sq(data.y_train),
                     "val_error": sq(data.y_val), "test_error": sq(data.y_test)})
    return pd.DataFrame(rows)


def sensitivity_grid(T: dict, P: dict) -> pd.DataFrame:
    """The page's grid with weight decay's limit, the zero function, scored beside it
    (claims.with_decay_limit): at beta = 0 nothing is learnable and the search's optimum
    can be that limit."""
    table = T["sensitivity_grid"]
    if "decay" not in table.columns or not (table["decay"] == "weight").any():
        return table
    return claims.with_decay_limit(table, zero_function_errors(table, P))


def sensitivity_verdict(T: dict, P: dict) -> claims.Verdict:
    table = sensitivity_grid(T, P)
    threshold = profiles.page_target(P, "parity-v2").threshold
    return claims.sensitivity(_chosen(table), P["alpha"], threshold, claims.Budget.of(P, table),
                              paper_rule=_chosen(table, "test"))


def sensitivity_figure(T: dict, P: dict, title: str = ""):
    import matplotlib.pyplot as plt

    chosen = _chosen(sensitivity_grid(T, P))
    betas = sorted(chosen["beta"].unique(), reverse=True)
    # a dark-to-light ramp that stays visible on white, and a marker per beta
    colours = dict(zip([f"beta={b:g}" for b in betas],
                       plt.cm.plasma([0.05 + 0.8 * i / max(1, len(betas) - 1)
                                      for i in range(len(betas))])))
    threshold = profiles.page_target(P, "parity-v2").threshold
    ax = plots.error_curves(chosen.assign(learner=[f"beta={b:g}" for b in chosen["beta"]]),
                            "m", threshold, threshold_label=r"$k\alpha^2$", palette=colours)
    keep = 1 - claims.LEARNED_SOME_MARGIN  # the verdict's "learned" line
    ax.axhline(keep * threshold, **{**plots.THRESHOLD_STYLE, "linestyle": ":"},
               label=rf"{keep:g} $k\alpha^2$ (the verdict's line, ours)")
    paper = plots.load_reference("v2_fig2b_beta_sensitivity")
    for beta in betas:
        p = paper[paper["beta"] == beta]
        ax.plot(p["m"], p["test_error"], "o", markerfacecolor="none",
                markeredgecolor=colours[f"beta={beta:g}"], markersize=7,
                label=f"beta={beta:g} (paper v2)")
    ax.set_xlabel("network width m")
    ax.set_title(title or f"3resnet on beta F + alpha G(F), parity-v2, alpha={P['alpha']}, "
                          f"N={P['N']}")
    plots.legend_outside(ax, ncol=1)
    return ax.figure


def sensitivity_key(T: dict, P: dict, beta: float = 0.5, m: int = 200) -> str:
    chosen = _chosen(sensitivity_grid(T, P))
    g = chosen[(chosen["beta"] == beta)]
    if g.empty:
        return f"no rows at beta = {beta}"
    m = min(g["m"].unique(), key=lambda w: abs(w - m))
    paper = plots.load_reference("v2_fig2b_beta_sensitivity")
    ref = paper[(paper["beta"] == beta) & (paper["m"] == m)]["test_error"]
    theirs = f"{ref.iloc[0]:.3f}" if len(ref) else "not published"
    return (f"3resnet at beta = {beta:g}, m = {m}: {g[g['m'] == m]['test_error'].mean():.3f} "
            f"(paper {theirs})")


# --- protocol: which reading of the protocol recovers the paper's values ----------------------

def protocol_comparison(T: dict, P: dict) -> pd.DataFrame:
    from . import protocol

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
    fig, axes = plt.subplots(len(widths), len(learners), figsize=(4.6 * len(learners),
                             3.9 * len(widths) + 0.8), squeeze=False, sharey=True)
    for (row, m), (col, learner) in ((r, c) for r in enumerate(widths)
                                     for c in enumerate(learners)):
        ax = axes[row][col]
        g = comparison[(comparison["learner"] == learner)
                       & (comparison["m"] == m)].reset_index(drop=True)
        colour = plots.style(learner)["color"]
        x = np.arange(len(g))
        ax.errorbar(x, g["test_error_val_rule"], yerr=g["test_error_val_rule_sd"].fillna(0),
                    fmt="o", color=colour, capsize=3, label="chosen on validation (ours)")
        ax.plot(x, g["test_error_paper_rule"], "o", markerfacecolor="none",
                markeredgecolor=colour, markersize=9, label="chosen on test (paper's rule)")
        ax.axhline(g["paper"].iloc[0], color=colour, linestyle="--", linewidth=1,
                   label="paper v2")
        for i, r in g.iterrows():  # a reading with nothing to show says why
            if np.isnan(r["test_error_paper_rule"]):
                ax.text(i, g["paper"].iloc[0], f"all {r['diverged']} diverged", rotation=90,
                        ha="center", va="bottom", fontsize=8, color="#555555")
        ax.axhline(threshold, label=r"$k\alpha^2$", **plots.THRESHOLD_STYLE)
        ax.set_xticks(x, g["reading"], rotation=35, ha="right", fontsize=8.5)
        ax.set_xlim(-0.5, len(g) - 0.5)
        ax.set_yscale("log")
        ax.set_title(f"{learner}, m = {m}")
        ax.set_ylabel("test error" if col == 0 else "")
    axes[0][-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    fig.suptitle(title or f"{P['target']}, N={P['N']}, {P['epochs']} epochs, "
                          f"{P['seeds']} seed(s)")
    fig.tight_layout()
    return fig


def protocol_key(T: dict, P: dict) -> str:
    from . import protocol

    c = protocol_comparison(T, P)
    found = protocol.recovering_readings(c)
    val = protocol.recovering_readings(c, "recovers_val_rule")
    adopted = protocol.shortfall(c)
    return (f"readings that recover the paper's values for every network and width: under the "
            f"paper's rule {', '.join(found) or 'none'}; chosen on validation "
            f"{', '.join(val) or 'none'}" + (f". Under {adopted}" if adopted else ""))


# --- frobenius: v2 Figures 1 and 3 ------------------------------------------------------------

def _paper_frobenius():
    paper = plots.load_reference("v2_fig1_fig3_frobenius")
    return paper[paper["panel"] == "fig3a"]


def frobenius_verdict(T: dict, P: dict) -> claims.Verdict:
    paper = _paper_frobenius()
    return claims.frobenius(
        T["frobenius_hand"], T["frobenius_models"], claims.Budget.of(P),
        checkpoints=T.get("frobenius_history"), beyond=T.get("frobenius_vs_N"),
        paper_best_test=float(paper[paper["series"] == "sgd_best_test"]["error"].min()))


def frobenius_figure(T: dict, P: dict, title: str = ""):
    import matplotlib.pyplot as plt

    from . import frobenius as fb

    hand, models = T["frobenius_hand"], T["frobenius_models"]
    front = fb.frontier(T["frobenius_history"])
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    ax.plot(models["test_error"], models["frobenius_norm"], "o", color="#e08214", alpha=0.35,
            markersize=4, label="SGD: each trained model (test error)")
    ax.plot(front["train_error"], front["frobenius_norm"], "-", color="#e08214",
            label="SGD: smallest norm at each train error")
    ax.plot(hand["test_error"], hand["frobenius_norm"], "*", color="#1f5fbf", markersize=12,
            label="hand-made (train = test error)")
    style = {"hand_constructed": ("*", "#1f5fbf"), "sgd_best_test": ("o", "#b35806"),
             "sgd_train_frontier": ("s", "#b35806")}
    for series, g in _paper_frobenius().groupby("series"):
        mk, col = style[series]
        ax.plot(g["error"], g["frobenius_norm"], mk, markerfacecolor="none",
                markeredgecolor=col, markersize=9, label=f"{series.replace('_', ' ')} (paper v2)")
    if len(hand):
        ax.axhline(float(hand["frobenius_norm"].min()), color="#555555", linestyle=":",
                   linewidth=1, label="norm of the smallest hand-made network")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("error (mean squared error; 1 = predicting 0)")
    ax.set_ylabel("Frobenius norm of W")
    ax.set_title(title or f"parity6, d={P['d']}, N={P['N']}, m in {P['m_values']}")
    plots.legend_outside(ax)
    return fig


def frobenius_key(T: dict, P: dict) -> str:
    hand, models = T["frobenius_hand"], T["frobenius_models"]
    if hand.empty:
        return "no hand-made network reached its goal"
    pool = pd.concat([models, T.get("frobenius_history", models.iloc[:0])], ignore_index=True)
    fits = pool[pool["train_error"] <= hand["train_error"].max()]
    norms = ", ".join(f"{v:.0f}" for v in hand["frobenius_norm"])
    return (f"hand-made norms {norms}; SGD's smallest norm at the easiest hand-made train error "
            + (f"{fits['frobenius_norm'].min():.0f}" if len(fits) else "not reached")
            + f"; SGD's best test error {models['test_error'].min():.2f} (paper 0.699)")


# --- separation: the v3 headline figure, and the fully connected networks ---------------------

def _separation_fitted(T: dict, P: dict, rule: str = "val") -> pd.DataFrame:
    c = _chosen(T["separation_grid"], rule)
    return c[c["N"] <= P["kernel_N_max"]]  # where kernels were fitted too


def separation_verdict(T: dict, P: dict) -> claims.Verdict:
    return claims.separation(_separation_fitted(T, P), profiles.page_target(P).threshold,
                             claims.Budget.of(P, T["separation_grid"]),
                             paper_rule=_separation_fitted(T, P, "test"))


def networks_verdict(T: dict, P: dict) -> claims.Verdict:
    table = T["separation_grid"]
    return claims.networks(_chosen(table), profiles.page_target(P).threshold,
                           claims.Budget.of(P, table))


def _at_largest_N(table: pd.DataFrame) -> tuple[int, pd.Series]:
    """The largest N of a table and each learner's mean test error there, lowest first."""
    N = table["N"].max()
    return N, table[table["N"] == N].groupby("learner")["test_error"].mean().sort_values()


def networks_key(T: dict, P: dict) -> str:
    N, top = _at_largest_N(_chosen(T["separation_grid"]))
    return f"at N = {N}: " + ", ".join(f"{k} {v:.3g}" for k, v in top.items() if "(" not in k)


def separation_figure(T: dict, P: dict, title: str = ""):
    target = profiles.page_target(P)
    ax = plots.error_curves(_chosen(T["separation_grid"]), "N", target.threshold)
    ax.set_xlabel("number of training samples N")
    ax.set_title(title or f"{P['target']}: d={target.d}, k={target.k}, alpha={target.alpha}, "
                          f"m={P['m']}")
    plots.legend_outside(ax)
    return ax.figure


def separation_key(T: dict, P: dict) -> str:
    N, top = _at_largest_N(_chosen(T["separation_grid"]))
    kern = top[[n for n in top.index if "(" in n]]
    return (f"at N = {N}: 3resnet {top.get('3resnet', float('nan')):.3g}, strongest kernel "
            f"{kern.index[0]} {kern.iloc[0]:.3g} (k alpha^2 = "
            f"{profiles.page_target(P).threshold:.2f})") if len(kern) else f"at N = {N}"


# --- hierarchy: joint against layer-wise training ---------------------------------------------

def hierarchy_lrs(P: dict) -> dict:
    """Each scheme's learning-rate grid (layer-wise training may have its own; a run made
    before it had one used `lrs` for every scheme)."""
    return {"joint": P["lrs"], "3layer": P["lrs"],
            "layer-wise": P.get("layerwise_lrs") or P["lrs"]}


def hierarchy_verdict(T: dict, P: dict) -> claims.Verdict:
    layer = T["hierarchy_layerwise"]
    return claims.hierarchy(layer, profiles.page_target(P).threshold, claims.Budget.of(
        P, layer, edges=claims.chosen_edges(layer, hierarchy_lrs(P))))


def hierarchy_figure(T: dict, P: dict, title: str = ""):
    ax = plots.error_curves(T["hierarchy_layerwise"], "N", profiles.page_target(P).threshold,
                            threshold_label=r"$k\alpha^2$",
                            palette={"joint": "#1f5fbf", "layer-wise": "#6a3d9a",
                                     "3layer": "#e08214"})
    ax.set_xlabel("training samples N")
    ax.set_title(title or "3resnet trained jointly or layer by layer, and 3layer")
    plots.legend_outside(ax)
    return ax.figure


def hierarchy_key(T: dict, P: dict) -> str:
    N, top = _at_largest_N(T["hierarchy_layerwise"])
    return f"at N = {N}: " + ", ".join(f"{k} {v:.3g}" for k, v in top.items())


# --- sample-gap: N* against d on Theorem 2's instance -----------------------------------------

def sample_gap_edges(curves: pd.DataFrame | None) -> tuple[list[str], list[str]]:
    """Chosen values at a grid's edge where the search failed the threshold (a wider grid
    could lower N* there), and those of them that cannot: a kernel at its smallest ridge whose
    failure survives the ridge path's last step (`ridge_step`). As the ridge goes to 0 the
    kernel predictor tends to the minimum-norm interpolant, moving in proportion to the ridge
    once it is small, so from the smallest ridge to 0 the error moves about a ninth (on a
    tenfold grid) of that last step: counting the whole step is nine times on the safe side
    [ours]. A run made before the search recorded its choices has neither."""
    if curves is None or "edge" not in curves.columns:
        return [], []
    failed = curves[(curves["test_error"] >= curves["threshold"])
                    & curves["edge"].fillna("").astype(bool)]
    step = failed["ridge_step"] if "ridge_step" in failed else pd.Series(float("nan"),
                                                                          index=failed.index)
    converged = (failed["test_error"] - step) >= failed["threshold"]  # NaN step: False
    line = "{r.learner}: {part} of its grid{why} (d={r.d}, N={r.N}, seed={r.seed})"
    edges = [line.format(r=r, part=part, why="") for r in failed[~converged].itertuples()
             for part in r.edge.split("; ")]
    closed = [line.format(r=r, part=r.edge, why=", its ridge path converged")
              for r in failed[converged].itertuples()]
    return edges, closed


def sample_gap_verdict(T: dict, P: dict) -> claims.Verdict:
    edges, closed = sample_gap_edges(T.get("sample_gap_curves"))
    return claims.sample_gap(T["n_star"], P["kernels"],
                             claims.Budget.of(P, edges=edges, closed=closed))


def sample_gap_fits(T: dict) -> pd.DataFrame:
    return pd.DataFrame({name: claims.fit_exponent(g) for name, g in
                         T["n_star"].groupby("learner", sort=False)}).T


def sample_gap_figure(T: dict, P: dict, title: str = ""):
    import matplotlib.pyplot as plt
    import numpy as np

    nstar = T["n_star"]
    fig, ax = plt.subplots(figsize=(7, 4.6))
    fits = sample_gap_fits(T)
    for name, g in nstar.groupby("learner", sort=False):
        st = plots.style(name)
        ok, no = g[g["reached"].astype(bool)], g[~g["reached"].astype(bool)]
        ax.plot(ok["d"], ok["n_star"], st["marker"], color=st["color"], label=name)
        ax.plot(no["d"], no["n_star"], st["marker"], color=st["color"], markerfacecolor="none")
        fit = fits.loc[name]
        if np.isfinite(fit["slope"]):
            ds = np.array(sorted(ok["d"].unique()), float)
            c = np.exp(np.mean(np.log(ok["n_star"]) - fit["slope"] * np.log(ok["d"])))
            ax.plot(ds, c * ds ** fit["slope"], "-", color=st["color"], linewidth=1)
    d_values = sorted(nstar["d"].unique())
    ds, base = np.array(d_values, float), nstar["n_star"].min()
    for s_, lab in [(1, "slope 1"), (P["k"] / 2, f"slope k/2 = {P['k'] / 2:g}")]:
        ax.plot(ds, base * (ds / ds[0]) ** s_, color="#999999", linestyle="--", linewidth=0.8)
        ax.text(ds[-1], base * (ds[-1] / ds[0]) ** s_, lab, fontsize=8, color="#666666")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(d_values, [str(d) for d in d_values])
    ax.minorticks_off()
    ax.set_xlabel("input dimension d")
    ax.set_ylabel("N*: samples to reach the threshold")
    ax.set_title(title or f"Theorem 2's instance, k = {P['k']}, alpha = {P['alpha']}")
    plots.legend_outside(ax)
    return fig


def sample_gap_key(T: dict, P: dict) -> str:
    import numpy as np

    return "fitted exponents of N* in d: " + "; ".join(
        f"{k} {r.slope:.2f} +- {r.stderr:.2f}" if np.isfinite(r.slope) else f"{k}: too few points"
        for k, r in sample_gap_fits(T).iterrows())


#: Each page: `computes`, the hlcore modules whose functions make its results (the code hash of
#: their import closure dates its runs), its verdict, figure and key number.
PAGES = {
    "width": dict(computes=("sweep",), verdict=width_verdict, figure=width_figure, key=width_key),
    "sensitivity": dict(computes=("sweep",), verdict=sensitivity_verdict, figure=sensitivity_figure,
                        key=sensitivity_key),
    "protocol": dict(computes=("protocol",), figure=protocol_figure, key=protocol_key, table=_readable_comparison),
    "frobenius": dict(computes=("frobenius", "sweep"), verdict=frobenius_verdict, figure=frobenius_figure, key=frobenius_key),
    "separation": dict(computes=("sweep",), verdict=separation_verdict, figure=separation_figure, key=separation_key,
                       more={"networks": (networks_verdict, networks_key)}),
    "hierarchy": dict(computes=("hierarchy", "sweep"), verdict=hierarchy_verdict, figure=hierarchy_figure, key=hierarchy_key),
    "sample-gap": dict(computes=("gap",), verdict=sample_gap_verdict, figure=sample_gap_figure, key=sample_gap_key),
}


# --- reference runs --------------------------------------------------------------------------

def load_tables(folder: Path | str) -> dict:
    """Every CSV of a run folder, by file stem."""
    return {p.stem: pd.read_csv(p) for p in sorted(Path(folder).glob("*.csv"))}


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

    def provenance(self) -> str:
        r = self.run
        seconds = r.get("duration_seconds", 0)
        took = f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"
        line = (f"Run on {r.get('start', '?')[:10]} at commit `{r.get('commit', '?')[:10]}` on "
                f"{r.get('machine', r.get('platform', '?'))} (profile `{r.get('profile')}`: "
                f"{budget_text(self.P)}); its last pass took {took}, reusing the results "
                f"of earlier passes from the cache.")
        if r.get("note"):  # added by hand when publishing, e.g. where a cached pass ran
            line += " " + r["note"]
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
    return imported_closure(*PAGES[name]["computes"])


def compute_hash(name: str) -> str:
    """The hash of that code (store.code_hash): recorded in each run.json, and compared with
    a committed reference run's to say whether it is stale."""
    return code_hash(*PAGES[name]["computes"])


def glue_budget(name: str, P: dict) -> None:
    """The run's profile and budget, for the answer box that opens the page."""
    plots.glue(f"{name}.run_budget", f"profile {P['profile']}: {budget_text(P)}")
    plots.PROFILE = P["profile"]  # a smoke run's figures say so in their titles


def budget_text(P: dict) -> str:
    def count(n, what):
        return f"{n} {what}{'s' if n != 1 else ''}"

    grid = None
    if "lrs" in P:
        own = P.get("layerwise_lrs")  # hierarchy: layer-wise training has a grid of its own
        grid = (count(len(P["lrs"]), "learning rate")
                + (f" (layer-wise {len(own)})" if own and list(own) != list(P["lrs"]) else "")
                + " x " + count(len(P.get("weight_decays", [0])), "weight decay"))
    parts = [f"{P['epochs']} epochs" if "epochs" in P else None,
             count(P["seeds"], "seed") if "seeds" in P else None, grid]
    return ", ".join(p for p in parts if p)


def reference(name: str, root: Path | None = None) -> ReferenceRun | None:
    """The committed reference run of page `name`, or None."""
    folder = (root or REFERENCE_DIR) / name
    if not (folder / "run.json").exists():
        return None
    return ReferenceRun(name, folder, json.loads((folder / "run.json").read_text()))


def reference_digest(name: str, root: Path | None = None) -> str | None:
    """A hash of the committed reference files of `name` (part of the page's run key, so a new
    reference run re-builds the page)."""
    from .store import digest

    folder = (root or REFERENCE_DIR) / name
    if not folder.is_dir():
        return None
    return digest({p.name: p.read_text() for p in sorted(folder.iterdir()) if p.is_file()})


def show_reference(name: str, out_dir) -> claims.Verdict | None:
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
    key = page["key"](T, ref.P)
    verdict = page["verdict"](T, ref.P) if "verdict" in page else None
    run = {k: ref.run.get(k) for k in ("start", "commit", "duration_seconds", "machine",
                                      "profile")}
    # other claims the page decides (separation: networks), each with its key number
    more = {claim: (fn(T, ref.P), more_key(T, ref.P))
            for claim, (fn, more_key) in page.get("more", {}).items()}
    for claim, (v, k) in more.items():
        (Path(out_dir) / f"reference_verdict-{claim}.json").write_text(
            json.dumps({**v.to_dict(), "key": k, "run": run}, indent=2))
    if verdict is not None:
        d = verdict.to_dict()
        d["key"] = key
        d["run"] = run
        (Path(out_dir) / "reference_verdict.json").write_text(json.dumps(d, indent=2))
        notes = "".join(f"\n\n*Note:* {n}" for n in verdict.notes)
        display(Markdown(f"**Verdict at the paper's budget: {verdict.verdict}** "
                         f"({verdict.detail()}). {key}.{notes}\n\n{ref.provenance()}"))
        plots.glue(f"{name}.reference", f"{verdict.summary()} ({key}; {budget_text(ref.P)})")
    else:
        display(Markdown(f"**At the paper's budget:** {key}.\n\n{ref.provenance()}"))
        plots.glue(f"{name}.reference", f"{key} ({budget_text(ref.P)})")
    page["figure"](T, ref.P, title=f"reference run: {budget_text(ref.P)}")
    plt.show()
    if verdict is not None:
        display(claims.present_table(verdict))
    for claim, (v, k) in more.items():
        display(Markdown(f"**{claim.capitalize()} at the paper's budget: {v.summary()}.** "
                         f"{k}."))
        display(claims.present_table(v))
    if "table" in page:
        display(page["table"](T, ref.P))
    return verdict

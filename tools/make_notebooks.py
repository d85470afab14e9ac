"""Write the notebook sources in notebooks/ (no outputs). Edit the cells here, then run
`python tools/make_notebooks.py`; the test suite checks the sources carry no outputs."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from hlcore.profiles import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1] / "notebooks"


def parameters_cell(name):
    lines = ['profile = "quick"  # smoke, quick or paper: sets every parameter left at None']
    # papermill parses these lines: keep quotes and '=' out of the comments
    lines += [f"{p.name} = None  # " + p.help.replace("'", "").replace("=", "is")
              for p in NOTEBOOKS[name].params]
    lines += ['out_dir = "."  # where figures and their data are written (set by hl run)']
    return new_code_cell("\n".join(lines), metadata={"tags": ["parameters"]})


def resolve_cell(name):
    return new_code_cell(f'''import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import hlcore
from hlcore import plots, profiles, sweep as sw

spec = profiles.get_spec("{name}")
P = profiles.resolve("{name}", profile, **{{p.name: globals()[p.name] for p in spec.params}})
plots.setup()
display(Markdown(f"**Parameters of this run** (profile `{{profile}}`)"))
profiles.table(P)''',
                         metadata={"tags": ["remove-input"]})


def separation():
    return [
        new_markdown_cell("""# Sample complexity: ResNet against fully connected networks and kernels

**The question.** The target is the paper's `parity-v3` function: thirty $\\pm1$ inputs, fifteen
outputs, $F_j(x) = x_{2j-1}x_{2j}$ and a composite part $\\alpha G(F)$ with
$G_i(y) = (-1)^i y_1y_2y_3y_4$, a degree-8 parity of the input. A learner that gets $F$ right but
nothing of $\\alpha G(F)$ scores exactly $k\\alpha^2 = 1.35$. How many samples does each learner
need to go below that line?

Every hyperparameter (learning rate, weight decay, ridge) is chosen on a **validation set**; the
paper chose on the test set, and we show below how much that flatters each learner."""),
        parameters_cell("separation"),
        resolve_cell("separation"),
        new_code_cell('''target = hlcore.make_target(P["target"], alpha=P["alpha"])
table = sw.sweep(target, learners=P["learners"], kernels=P["kernels"], N_values=P["N_values"],
                 m=P["m"], seeds=P["seeds"], epochs=P["epochs"], lrs=P["lrs"],
                 weight_decays=P["weight_decays"], n_val=P["n_val"], n_test=P["n_test"],
                 ridges=P["ridges"], device=P["device"], kernel_N_max=P["kernel_N_max"])
summary = sw.summarize(table, "N")
threshold = target.threshold
print(sw.cache_report(table))''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## The figure

Each line is the mean over seeds of the test error of the configuration chosen on validation,
the band its range over seeds. Solid lines are networks trained by SGD, dashed their conjugate
kernels `X(last)`, dotted their finite-width NTKs `X(NTK)`, dash-dotted the infinite-width NTKs.
**What to look for:** which curves cross the red line $k\\alpha^2$, and where."""),
        new_code_cell('''ax = plots.error_curves(summary, "N", threshold)
ax.set_xlabel("number of training samples N")
ax.set_title(f"{P['target']}: d={target.d}, k={target.k}, alpha={target.alpha}, m={P['m']}")
fig = ax.figure
data = sw.chosen(table).merge(
    sw.chosen(table, "test")[["learner", "N", "seed", "test_error"]].rename(
        columns={"test_error": "test_error_paper_rule"}), on=["learner", "N", "seed"])
cols = ["learner", "N", "seed", "m", "fit", "test_error", "test_error_paper_rule", "val_error",
        "train_error", "lr", "weight_decay", "ridge", "target", "d", "k", "alpha", "beta"]
plots.save_figure(fig, "separation", data[cols], out_dir)
plt.show()''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## When does each learner learn the composite signal?"),
        new_code_cell('''first = sw.first_below(summary, threshold)
largest = summary.sort_values("N").groupby("learner", sort=False)["test_error_mean"].last()
last = summary.sort_values("N").groupby("learner", sort=False).last()
report = pd.DataFrame({
    "smallest N below k*alpha^2": {k: ("never in range" if v is None else int(v))
                                   for k, v in first.items()},
    "largest N tried": last["N"].astype(int),
    "test error there": last["test_error_mean"].round(3),
})
paper = sw.summarize(table, "N", rule="test")
flatter = (summary.set_index(["learner", "N"])["test_error_mean"]
           - paper.set_index(["learner", "N"])["test_error_mean"]).groupby("learner").mean()
report["paper's rule lowers the error by (mean over N)"] = flatter.round(4)
plots.glue("separation.report", report, display=False)
resnet = "3resnet" if "3resnet" in largest.index else largest.index[0]
plots.glue("separation.resnet_err", float(largest[resnet]))
plots.glue("separation.N_max", int(summary["N"].max()))
plots.glue("separation.threshold", float(threshold))
plots.glue("separation.first_below", "; ".join(
    f"{k}: {'never in range' if v is None else f'N = {int(v)}'}" for k, v in first.items()
    if "(" not in k))
report''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## The verdict"),
        new_code_cell('''from hlcore import claims

verdict = claims.separation(sw.chosen(table), threshold, claims.Budget.of(P, table))
display(Markdown(f"**Criterion.** {verdict.criterion}"))
display(claims.present(verdict, out_dir))
verdict.numbers.round(4)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## What the run shows

Every kernel is fitted at every $N$ the networks are trained at, on the same data and seeds, so
the comparison is like for like. The table of the previous section gives, for every learner,
the smallest $N$ at which its mean error is below the threshold; for the networks:
{glue:text}`separation.first_below:s`. Verdict on the headline claim:
**{glue:text}`separation.verdict:s`**; the criterion and the numbers per seed are printed
above. Whether the 3-layer fully connected network also gets there within the range tried is in
the table: the paper's claim is about kernels, and a fully connected network that needs more
samples is consistent with it.

The paper's claim is that the ResNet goes below $k\\alpha^2$ with far fewer samples than any
kernel, including its own NTK; its v3 figure gives no numbers, so we compare shapes, not values.
Two of our choices differ from the paper's protocol and are ours: hyperparameters are chosen on
a validation set (the last column of the table shows how much choosing on the test set would
have flattered each learner), and kernels are fitted by exact ridge regression over a ridge path
rather than by SGD, which makes them stronger baselines, not weaker ones."""),
    ]


def width():
    return [
        new_markdown_cell("""# Width: ResNet, fully connected networks and their kernels at N = 1000

**The question.** The paper's v2 Figure 2(a) fixes the training set at $N = 1000$ samples of
`parity-v2` ($k = 8$, threshold $k\\alpha^2 = 0.72$) and varies the width $m$ of nine learners:
the three networks, their conjugate kernels `X(last)` and their finite-width NTKs `X(NTK)`.
Does a wider network, or a wider kernel, change the verdict?

Our points are filled markers joined by lines; the paper's published points are hollow markers
of the same colour (read off its figure, about 2 % accuracy)."""),
        parameters_cell("width"),
        resolve_cell("width"),
        new_code_cell('''target = hlcore.make_target(P["target"], alpha=P["alpha"])
table = sw.sweep(target, learners=P["learners"], kernels=P["kernels"], N_values=[P["N"]],
                 m=P["m_values"], seeds=P["seeds"], epochs=P["epochs"], lrs=P["lrs"],
                 weight_decays=P["weight_decays"], n_val=P["n_val"], n_test=P["n_test"],
                 ridges=P["ridges"], device=P["device"])
summary = sw.summarize(table, "m")
threshold = target.threshold
print(sw.cache_report(table))
paper = plots.load_reference("v2_fig2a_width_sweep")''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## The figure

**What to look for:** only a learner below the red line has learned anything of $\\alpha G(F)$.
Widths beyond a few thousand are in the `paper` profile only."""),
        new_code_cell('''ax = plots.error_curves(summary, "m", threshold)
plots.overlay_paper(ax, paper, x="m", keep=set(summary["learner"]))
ax.set_xlabel("network width m")
ax.set_title(f"{P['target']}: N={P['N']}, k={target.k}, alpha={target.alpha}")
ax.legend(fontsize=7, ncol=3, loc="upper right")
data = sw.chosen(table).merge(
    sw.chosen(table, "test")[["learner", "m", "seed", "test_error"]].rename(
        columns={"test_error": "test_error_paper_rule"}), on=["learner", "m", "seed"])
data["epochs_used"] = P["epochs"]  # the networks' epochs (kernels are solved exactly)
data["grid_size"] = len(P["lrs"]) * len(P["weight_decays"])
cols = ["learner", "m", "seed", "N", "fit", "test_error", "test_error_paper_rule", "val_error",
        "train_error", "lr", "weight_decay", "ridge", "epochs_used", "grid_size", "target", "d",
        "k", "alpha", "beta"]
plots.save_figure(ax.figure, "width", data[cols], out_dir)
plt.show()''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## Ours against the paper, width by width"),
        new_code_cell('''ours = summary.pivot(index="learner", columns="m", values="test_error_mean")
theirs = paper.pivot(index="learner", columns="m", values="test_error")
common = [m for m in ours.columns if m in theirs.columns]
side = pd.concat({"this book": ours[common], "paper v2": theirs.reindex(ours.index)[common]},
                 axis=1).swaplevel(axis=1).sort_index(axis=1, level=0).round(3)
from hlcore import claims

verdict = claims.width(sw.chosen(table), threshold, claims.Budget.of(P, table))
side''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## The verdict"),
        new_code_cell('''display(Markdown(f"**Criterion.** {verdict.criterion}"))
display(claims.present(verdict, out_dir))
verdict.numbers.round(4)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## What the run shows

Verdict on the paper's panel: **{glue:text}`width.verdict`**, from the clauses and the numbers
per seed above. This profile trains the networks for the paper's 800 epochs (the CSV records
the epochs used) on fewer widths, seeds and grid points than the paper; it chooses every
configuration on a validation set where the paper chose on the test set. Kernels are fitted by
exact ridge regression, which is at least as strong as the paper's SGD on the linearised
network. Our networks end above the paper's published errors even at its epochs; the
[protocol study](protocol.ipynb) tries the readings of the protocol that could explain it."""),
    ]


def sensitivity():
    return [
        new_markdown_cell("""# How large must the base signal be?

**The question.** The ResNet learns the composite part $\\alpha G(F)$ by first learning $F$.
What if $F$ is weak? The paper's v2 Figure 2(b) trains the ResNet on
$H = \\beta F + \\alpha G(F)$ with $\\alpha = 0.3$ and shrinks $\\beta$; it reports that
learning works while $\\beta \\ge \\alpha$ and fails for $\\beta \\in \\{0.2, 0\\}$.
Panel (a) repeats that experiment; panel (b), beyond the paper, maps a grid of
$(\\alpha, \\beta)$."""),
        parameters_cell("sensitivity"),
        resolve_cell("sensitivity"),
        new_code_cell('''common = dict(seeds=P["seeds"], epochs=P["epochs"], lrs=P["lrs"], n_val=P["n_val"],
              weight_decays=P["weight_decays"], n_test=P["n_test"], device=P["device"],
              ridges=[1e-3])
panel_a = pd.concat([
    sw.sweep(hlcore.make_target("parity-v2", alpha=P["alpha"], beta=beta), learners=["3resnet"],
             N_values=[P["N"]], m=P["m_values"], extra_columns={"series": f"beta={beta:g}"},
             **common)
    for beta in P["betas"]], ignore_index=True)
threshold = hlcore.make_target("parity-v2", alpha=P["alpha"]).threshold
print(sw.cache_report(panel_a))''',
                      metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## (a) The paper's panel: 3resnet against width, one line per $\\beta$

**What to look for:** lines below the red threshold learned $\\alpha G(F)$; hollow markers are
the paper's values."""),
        new_code_cell('''chosen_a = sw.chosen(panel_a)
summary_a = (chosen_a.groupby(["beta", "m"])["test_error"]
             .agg(test_error_mean="mean", test_error_min="min", test_error_max="max")
             .reset_index())
fig, ax = plt.subplots(figsize=(7.5, 4.6))
colours = plt.cm.viridis_r([i / max(1, len(P["betas"]) - 1) for i in range(len(P["betas"]))])
paper_b = plots.load_reference("v2_fig2b_beta_sensitivity")
for colour, beta in zip(colours, P["betas"]):
    g = summary_a[summary_a["beta"] == beta]
    ax.plot(g["m"], g["test_error_mean"], "-o", color=colour, label=f"beta={beta:g}")
    ax.fill_between(g["m"], g["test_error_min"], g["test_error_max"], color=colour, alpha=0.15)
    p = paper_b[paper_b["beta"] == beta]
    ax.plot(p["m"], p["test_error"], "o", markerfacecolor="none", markeredgecolor=colour,
            markersize=7, label=f"beta={beta:g} (paper v2)")
ax.axhline(threshold, label=r"$k\\alpha^2$", **plots.THRESHOLD_STYLE)
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xlabel("network width m"); ax.set_ylabel("test error")
ax.set_title(f"3resnet on beta F + alpha G(F), parity-v2, alpha={P['alpha']}, N={P['N']}")
ax.legend(fontsize=7, ncol=2)
cols = ["learner", "beta", "alpha", "m", "N", "seed", "test_error", "val_error", "train_error",
        "lr", "weight_decay", "epochs", "target", "k"]
plots.save_figure(fig, "sensitivity_beta", chosen_a[cols], out_dir)
plt.show()''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## (b) Beyond the paper: a map over $(\\alpha, \\beta)$

Colour: the fraction of the composite signal learned, $1 - \\text{test error} / (k\\alpha^2)$
(1: all of it, 0 or less: none), for the ResNet on `parity-v3` (first seed only, to keep the
quick profile short). The dashed line is $\\alpha = \\beta$."""),
        new_code_cell('''rows = []
for a in P["map_alphas"]:
    for b in P["map_betas"]:
        t = hlcore.make_target("parity-v3", alpha=a, beta=b)
        r = sw.chosen(sw.sweep(t, learners=["3resnet"], N_values=[P["map_N"]], m=P["map_m"],
                               **{**common, "seeds": 1, "epochs": P["map_epochs"]})).iloc[0]
        rows.append({"learner": "3resnet", "alpha": a, "beta": b, "N": P["map_N"],
                     "m": P["map_m"], "seed": int(r.seed), "test_error": r.test_error,
                     "threshold": t.threshold,
                     "fraction_learned": 1 - r.test_error / t.threshold})
grid = pd.DataFrame(rows)
M = grid.pivot(index="alpha", columns="beta", values="fraction_learned")
fig, ax = plt.subplots(figsize=(6.2, 4.4))
plots.heatmap(M, ax, vmin=-0.5, vmax=1, label="1 - test error / (k alpha^2)")
diag = [(list(M.columns).index(x) + 0.5, list(M.index).index(x) + 0.5)
        for x in M.index if x in M.columns]
if len(diag) > 1:
    ax.plot(*zip(*diag), "k--", linewidth=1, label="alpha = beta")
    ax.legend(loc="upper left", fontsize=8)
ax.set_xlabel("beta (weight of F)"); ax.set_ylabel("alpha (weight of G(F))")
ax.set_title(f"fraction of alpha G(F) learned, parity-v3, N={P['map_N']}, m={P['map_m']}")
plots.save_figure(fig, "sensitivity_map", grid, out_dir)
plt.show()''', metadata={"tags": ["hide-input"]}),
        new_code_cell('''from hlcore import claims

verdict = claims.sensitivity(chosen_a, P["alpha"], threshold, claims.Budget.of(P, chosen_a))
display(Markdown(f"**Criterion.** {verdict.criterion}"))
display(claims.present(verdict, out_dir))
grid["learned"] = grid["fraction_learned"] > 0.5  # [ours]: most of alpha G(F)
grid["paper_says_learnable"] = grid["beta"] >= grid["alpha"]
cells = grid.groupby("paper_says_learnable")["learned"].agg(["sum", "count"])
for flag, name in ((True, "learnable"), (False, "unlearnable")):
    n = cells.loc[flag] if flag in cells.index else pd.Series({"sum": 0, "count": 0})
    plots.glue(f"sensitivity.map_{name}", f"{int(n['sum'])} of {int(n['count'])}")
verdict.numbers.round(4)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## What the run shows

Verdict on the paper's panel (a), judged at the paper's $N = 1000$ and, in this profile, its
800 epochs: **{glue:text}`sensitivity.verdict:s`**. The criterion treats the two halves of the
claim apart: where the paper says the composite signal is learnable ($\\beta \\ge \\alpha$),
every width and seed must go below $k\\alpha^2$; where it says it is not, every width and seed
must stay at or above it. Below the paper's epochs the second half proves nothing (an
under-trained network fails for free), so the checker leaves the claim open there.

The map of panel (b) is beyond the paper and enters no verdict. We call $\\alpha G(F)$
*learned* in a cell when more than half of it is (error below half of $k\\alpha^2$)
**[ours]**. Of the cells the paper's rule calls learnable ($\\beta \\ge \\alpha$), the ResNet
learned it in {glue:text}`sensitivity.map_learnable:s`; of those it calls unlearnable, in
{glue:text}`sensitivity.map_unlearnable:s` (one seed, the map's own budget in the
parameters)."""),
    ]


def frobenius():
    return [
        new_markdown_cell("""# Does SGD find the small-norm solutions?

**The question.** A popular explanation of generalisation says that SGD finds solutions of small
norm, and small norm means few samples suffice. The paper tests this on a problem where small
solutions provably exist: a two-layer network $f(x) = a^\\top \\sigma(Wx)$ with fixed output signs
$a_r = \\pm 1/\\sqrt m$ learning a degree-6 parity of $d = 40$ inputs (`parity6`). If SGD found
the small-norm network, a Rademacher bound {cite}`bartlett2002rademacher` would promise good test error from $O(d)$ samples.
Does it?

The hand-made small-norm networks are built by the code (the paper's recipe: train at $d = 6$,
$m = 200$, then embed), not typed in."""),
        parameters_cell("frobenius"),
        resolve_cell("frobenius"),
        new_code_cell('''import numpy as np
from hlcore import frobenius as fb

target = hlcore.make_target("parity6", d=P["d"])
x_test, y_test = target.sample(P["n_test"], seed=10**6)
x_train, y_train = target.sample(P["N"], seed=0)
hand = []
for h in fb.hand_made(epochs=P["hand_epochs"], device=P["device"]):
    if not h["found"]:
        continue
    W = fb.embed(h["W"], P["d"], max(P["m_values"]) // 200 * 200 or 200)
    hand.append({"series": "hand_made", "learner": "2layer-sign", "d": P["d"], "N": P["N"],
                 "m": len(W), "seed": 0, "lr": h["lr"], "weight_decay": h["weight_decay"],
                 "epochs": h["epoch"], "frobenius_norm": float(np.linalg.norm(W)),
                 "train_error": fb.evaluate(W, x_train, y_train),
                 "test_error": fb.evaluate(W, x_test, y_test), "goal": h["goal"]})
hand = pd.DataFrame(hand, columns=["series", "learner", "d", "N", "m", "seed", "lr",
                                  "weight_decay", "epochs", "frobenius_norm", "train_error",
                                  "test_error", "goal"])
hand.assign(norm_over_sqrt_d=hand["frobenius_norm"] / np.sqrt(P["d"]))[
    ["goal", "train_error", "test_error", "frobenius_norm", "norm_over_sqrt_d"]].round(4)''',
                      metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""The table lists the hand-made networks at $d = $ the search's dimension: their train
and test errors agree (the function depends on six coordinates only), and their norms over
$\\sqrt d$ compare with the paper's 9.7, 12.5 and 13.8."""),
        new_code_cell('''searches = [fb.sgd_search(P["d"], P["N"], m, P["lrs"], P["weight_decays"],
                          seeds=range(P["seeds"]), epochs=P["epochs"], n_val=P["n_val"],
                          n_test=P["n_test"],
                          device=P["device"]) for m in P["m_values"]]
models = pd.concat([s[0] for s in searches], ignore_index=True)
history = pd.concat([s[1] for s in searches], ignore_index=True)
front = fb.frontier(history)
best = models.loc[models["val_error"].idxmin()]  # chosen on validation
paper = plots.load_reference("v2_fig1_fig3_frobenius")
paper = paper[paper["panel"] == "fig3a"]
fig, ax = plt.subplots(figsize=(7.5, 4.8))
ax.plot(models["test_error"], models["frobenius_norm"], "o", color="#e08214", alpha=0.35,
        markersize=4, label="SGD: each trained model (test error)")
ax.plot(front["train_error"], front["frobenius_norm"], "-", color="#e08214",
        label="SGD: smallest norm at each train error")
ax.plot(hand["test_error"], hand["frobenius_norm"], "*", color="#1f5fbf", markersize=12,
        label="hand-made (train = test error)")
style = {"hand_constructed": ("*", "#1f5fbf"), "sgd_best_test": ("o", "#b35806"),
         "sgd_train_frontier": ("s", "#b35806")}
for series, g in paper.groupby("series"):
    mk, col = style[series]
    ax.plot(g["error"], g["frobenius_norm"], mk, markerfacecolor="none", markeredgecolor=col,
            markersize=9, label=f"{series.replace('_', ' ')} (paper v2)")
if len(hand):
    small = float(hand["frobenius_norm"].min())
    ax.axhline(small, color="#555555", linestyle=":", linewidth=1,
               label="norm of the smallest hand-made network")
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xlabel("error (mean squared error; 1 = predicting 0)")
ax.set_ylabel("Frobenius norm of W")
ax.set_title(f"parity6, d={P['d']}, N={P['N']}, m in {P['m_values']}")
ax.legend(fontsize=7)
data = pd.concat([hand, models], ignore_index=True)
plots.save_figure(fig, "frobenius", data[["series", "learner", "d", "N", "m", "seed", "lr",
                  "weight_decay", "epochs", "frobenius_norm", "train_error", "test_error"]],
                  out_dir)
plt.show()''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""**What to look for:** the blue stars (small norm, small error, on train and test
alike) against the orange cloud: SGD's models reach small *training* error only at much larger
norms, and their *test* error stays near 1 (predicting zero)."""),
        new_markdown_cell("## Beyond the paper: does more data close the gap?"),
        new_code_cell('''beyond = []
for N in P["N_values"]:
    ms, _ = fb.sgd_search(P["d"], N, P["beyond_m"], P["lrs"], P["weight_decays"],
                          seeds=range(P["seeds"]), epochs=P["epochs"], n_val=P["n_val"],
                          n_test=P["n_test"],
                          device=P["device"])
    b = ms.loc[ms["val_error"].idxmin()]
    beyond.append({"learner": "2layer-sign", "N": N, "m": P["beyond_m"], "d": P["d"],
                   "test_error": b.test_error, "train_error": b.train_error,
                   "frobenius_norm": b.frobenius_norm, "lr": b.lr,
                   "weight_decay": b.weight_decay, "seed": int(b.seed)})
beyond = pd.DataFrame(beyond)
fig, ax1 = plt.subplots(figsize=(7, 4))
ax1.plot(beyond["N"], beyond["test_error"], "-o", color="#e08214",
         label="test error of SGD's choice (on validation)")
ax1.set_xscale("log"); ax1.set_xlabel("training samples N"); ax1.set_ylabel("test error")
ax2 = ax1.twinx()
ax2.plot(beyond["N"], beyond["frobenius_norm"], "--s", color="#555555",
         label="its Frobenius norm")
ax2.set_ylabel("Frobenius norm")
ax1.legend(loc="lower left", fontsize=8); ax2.legend(loc="upper right", fontsize=8)
ax1.set_title(f"parity6, d={P['d']}, m={P['beyond_m']}: the grid's choice at each N")
plots.save_figure(fig, "frobenius_vs_N", beyond, out_dir)
plt.show()
plots.glue("frobenius.hand_norms", ", ".join(f"{v:.1f}" for v in
           hand["frobenius_norm"] / np.sqrt(P["d"])) if len(hand) else "none")
plots.glue("frobenius.hand_best_err", float(hand["test_error"].max()) if len(hand) else float("nan"))
plots.glue("frobenius.sgd_best", float(best.test_error))
plots.glue("frobenius.sgd_best_norm", float(best.frobenius_norm))
plots.glue("frobenius.beyond", "; ".join(f"N = {r.N}: {r.test_error:.3f}" for r in beyond.itertuples()))
beyond.round(4)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## The verdict"),
        new_code_cell('''from hlcore import claims

# every recorded epoch of every model is a candidate for the smallest norm at a train error
verdict = claims.frobenius(hand, models, claims.Budget.of(P), checkpoints=history)
display(Markdown(f"**Criterion.** {verdict.criterion}"))
display(claims.present(verdict, out_dir))
verdict.numbers.T.round(4)''', metadata={"tags": ["hide-input"]}),
        new_code_cell('''if P["panel_b"]:
    big, _ = fb.sgd_search(100, 50000, min(P["m_values"][-1], 50000), P["lrs"],
                           P["weight_decays"], epochs=P["epochs"], n_val=P["n_val"], n_test=P["n_test"],
                           device=P["device"])
    display(big.sort_values("test_error").head())
else:
    display(Markdown("**Panel (b)** of the paper ($d = 100$, $N = 50000$) runs in the `paper` "
                     "profile only (`-p panel_b true`); it is absent from this run."))''',
                      metadata={"tags": ["remove-input"]}),
        new_markdown_cell("""## What the run shows

The hand-made networks have norms of {glue:text}`frobenius.hand_norms:s` times $\\sqrt d$
(the paper: 9.7, 12.5, 13.8) and test errors up to {glue:text}`frobenius.hand_best_err:.3f`.
SGD's model chosen on a validation set has test error {glue:text}`frobenius.sgd_best:.3f` at
norm {glue:text}`frobenius.sgd_best_norm:.1f` (the paper, choosing on the test set: about 0.69).
With more data, at a fixed width: {glue:text}`frobenius.beyond:s`. Verdict on the paper's
claim that SGD does not find the small-norm solutions: **{glue:text}`frobenius.verdict:s`**.
The criterion compares norms, as the claim does: the smallest norm among SGD's models (every
recorded epoch counts) whose train error is no larger than the hand-made network's, against the
hand-made norm; the table above also gives the norms of SGD's chosen model's initialisation
$\\|W_0\\|_F$ and of its displacement $\\|W - W_0\\|_F$.

Our readings: the paper does not give the hand-made networks' training details beyond "SGD at
$d = 6$, $m = 200$"; we train on all 64 points of the cube, start from a small initialisation
($W$ entries $\\mathcal N(0, 0.01)$), and keep for each error level the smallest-norm checkpoint
**[ours]**. Weight decay here pulls $W$ itself to zero (not a displacement) **[ours]**."""),
    ]


def hierarchy():
    return [
        new_markdown_cell("""# Hierarchical learning, watched

**The question.** The paper's explanation of the ResNet's advantage is a division of labour
(its Section 2.1): the lower block learns the base signal $F$, the residual branch learns the
composite signal $\\alpha G(F)$ on top of it, and the two are trained *together*; training them
one after the other would not work. The paper argues this in words. Here we measure it: during
training we split the ResNet's output into its lower block
$\\mathrm{out}_1(x) = A\\sigma((W^{(0)}+W)(x,1))$ and its residual branch
$\\mathrm{out}(x) - \\mathrm{out}_1(x)$, and compare each, on held-out data, with the part of
the target it is supposed to carry."""),
        parameters_cell("hierarchy"),
        resolve_cell("hierarchy"),
        new_code_cell('''import numpy as np
from hlcore import hierarchy as hi

target = hlcore.make_target(P["target"], alpha=P["alpha"])
kw = dict(N=P["N"], m=P["m"], lr=P["lr"], weight_decay=P["weight_decay"],
          seeds=range(P["seeds"]), epochs=P["epochs"], n_test=P["n_test"], device=P["device"])
dyn = hi.dynamics(target, **kw)  # the paper's protocol: learning rate / 10 at half
flat = hi.dynamics(target, lr_drop=False, **kw)  # control: the same runs without the drop
agg = dyn.drop(columns=["learner"]).groupby("epoch").agg(["mean", "min", "max"])
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
for col, colour, label in [("test_error", "#222222", "total test error"),
                           ("F_error", "#1f5fbf", "lower block vs beta F"),
                           ("G_error", "#e08214", "residual branch vs alpha G(F)")]:
    ax1.plot(agg.index, agg[col]["mean"], color=colour, label=label)
    ax1.fill_between(agg.index, agg[col]["min"], agg[col]["max"], color=colour, alpha=0.15)
ax1.axhline(target.threshold, label=r"$k\\alpha^2$", **plots.THRESHOLD_STYLE)
ax1.set_yscale("log"); ax1.set_xlabel("epoch"); ax1.set_ylabel("mean squared error (held out)")
ax1.legend(fontsize=8)
for col, colour, label in [("F_captured", "#1f5fbf", "share of beta F in the lower block"),
                           ("G_captured", "#e08214", "share of alpha G(F) in the branch")]:
    ax2.plot(agg.index, agg[col]["mean"], color=colour, label=label)
    ax2.fill_between(agg.index, agg[col]["min"], agg[col]["max"], color=colour, alpha=0.15)
ax2.axhline(1.0, color="#999999", linewidth=0.8)
ax2.set_xlabel("epoch"); ax2.set_ylabel("regression coefficient, mean over outputs")
ax2.legend(fontsize=8)
fig.suptitle(f"3resnet on {P['target']}: N={P['N']}, m={P['m']}, lr={P['lr']}")
plots.save_figure(fig, "hierarchy_dynamics", pd.concat([dyn, flat]), out_dir)
plt.show()''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""**What to look for:** which share rises first, and whether the lower block's error
against $F$ keeps falling once the branch has started to learn $G$ (the "backward feature
correction" of the authors' follow-up paper)."""),
        new_code_cell('''corr = pd.DataFrame({"with the drop (protocol)": hi.correction(dyn),
                     "without the drop (control)": hi.correction(flat)})
plots.glue("hierarchy.t_F", hi.reached(dyn, "F_captured", 0.9))
plots.glue("hierarchy.t_G", hi.reached(dyn, "G_captured", 0.5))
plots.glue("hierarchy.correction", ", ".join(f"{v:.3f}" for v in corr.iloc[:, 0]))
plots.glue("hierarchy.correction_flat", ", ".join(f"{v:.3f}" for v in corr.iloc[:, 1]))
final = dyn[dyn["epoch"] == dyn["epoch"].max()].mean(numeric_only=True)
plots.glue("hierarchy.F_error", float(final["F_error"]))
plots.glue("hierarchy.G_error", float(final["G_error"]))
plots.glue("hierarchy.test_error", float(final["test_error"]))
display(pd.DataFrame({"value": {
    "seeds whose lower block first carries 90 % of beta F": hi.reached(dyn, "F_captured", 0.9),
    "seeds whose branch first carries 50 % of alpha G(F)": hi.reached(dyn, "G_captured", 0.5),
    "same, without the learning-rate drop": hi.reached(flat, "G_captured", 0.5)}}))
corr.rename_axis("seed").round(3)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## Joint against layer-wise training"),
        new_code_cell('''layer = pd.concat([hi.train_scheme(target, scheme, N=N, m=P["m"], lrs=P["lrs"],
                                   weight_decay=P["weight_decay"], seeds=range(P["seeds"]),
                                   epochs=P["epochs"], n_val=P["n_val"], n_test=P["n_test"],
                                   device=P["device"])
                   for N in P["N_values"] for scheme in ("joint", "layer-wise", "3layer")],
                  ignore_index=True)
summary = (layer.groupby(["learner", "N"], sort=False)["test_error"]
           .agg(test_error_mean="mean", test_error_min="min", test_error_max="max",
                seeds="count").reset_index())
fig, ax = plt.subplots(figsize=(7, 4.2))
colours = {"joint": "#1f5fbf", "layer-wise": "#6a3d9a", "3layer": "#e08214"}
for scheme, g in summary.groupby("learner", sort=False):
    ax.plot(g["N"], g["test_error_mean"], "-o", color=colours[scheme], label=scheme)
    ax.fill_between(g["N"], g["test_error_min"], g["test_error_max"], color=colours[scheme],
                    alpha=0.15)
ax.axhline(target.threshold, label=r"$k\\alpha^2$", **plots.THRESHOLD_STYLE)
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xlabel("training samples N"); ax.set_ylabel("test error")
ax.set_title("3resnet trained jointly or layer by layer, and 3layer")
ax.legend(fontsize=8)
plots.save_figure(fig, "hierarchy_layerwise", layer, out_dir)
plt.show()
summary.round(4)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## The verdict"),
        new_code_cell('''from hlcore import claims

verdict = claims.hierarchy(layer, target.threshold, claims.Budget.of(P, layer))
display(Markdown(f"**Criterion.** {verdict.criterion}"))
display(claims.present(verdict, out_dir))
verdict.numbers.round(4)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## What the run shows

Over the seeds, each on its own data, the lower block first carries 90 % of $\\beta F$ in
{glue:text}`hierarchy.t_F:s`, and the branch first carries half of $\\alpha G(F)$ in
{glue:text}`hierarchy.t_G:s` (a seed that never gets there is counted, not dropped). From that
moment to the end of training, the lower block's error against $F$ changes by the factors
{glue:text}`hierarchy.correction:s` (one per seed; below 1: it keeps improving while the branch
learns, the "backward feature correction" of the authors' follow-up paper). The learning rate is
divided by 10 at half the epochs, which by itself lowers errors; the control trains the same
networks without the drop, where the factors are {glue:text}`hierarchy.correction_flat:s`. Only
an improvement that survives in the control can be credited to the branch.

The split is not clean, as the paper anticipates in a footnote: at the end the total error is
{glue:text}`hierarchy.test_error:.3f`, yet the lower block's error against $\\beta F$ is
{glue:text}`hierarchy.F_error:.3f` and the branch's against $\\alpha G(F)$ is
{glue:text}`hierarchy.G_error:.3f`. When these are about equal and large, the lower block
carries $\\beta F$ plus some function $R$ and the branch $\\alpha G(F) - R$: the sum is
right, the parts are not unique. The regression coefficients (right panel) still show each
block carrying its own signal.

**The paper's statement** (its Section 2.1, in our words): the ResNet's result comes from
training both blocks together, and getting it by training them one after the other "could be
really hard, or perhaps impossible" — a hedged remark, not a theorem. Our verdict tests what
that remark implies at equal budget, jointly trained networks clearly ahead of layer-wise ones:
**{glue:text}`hierarchy.verdict:s`** (criterion and numbers per seed above).

Our readings: "layer-wise" trains $W$ alone for half the epochs (with $V$ at its random
initialisation), then $V$ alone for the other half, each half with its own step decay, so the
budget equals joint training's **[ours]**; the regression-coefficient "share" of a signal in a
block is our measure **[ours]**."""),
    ]


def sample_gap():
    return [
        new_markdown_cell("""# The sample-complexity gap on Theorem 2's hard instance

**The question.** Theorem 2 builds a target on which every kernel method needs of the order of
$d^{k/2}$ samples (up to logarithms) just to get below error $\\alpha^2/4$, while the ResNet
needs about $d/\\alpha^8$, a loose upper bound. Inputs are uniform on
$\\{\\pm 1/\\sqrt d\\}^d$, $F(x) = W^* x$ reads $k$ coordinates (times $\\sqrt d$) and
$G(y) = \\prod_j y_j$. For each learner and dimension we search for $N^*(d)$, the smallest $N$ at
which the test error drops below a threshold, and fit how $N^*$ grows with $d$.

**Unseen inputs.** The cube has only $2^d$ points. Once a training set covers a sizeable part of
it, test points are mostly training points and $N^*$ measures coverage, not generalisation. The
search therefore never goes beyond $N = 2^d / 10$ (a tenth of the cube; where the threshold is
not reached by then, $N^*$ is reported as a lower bound), and every $N^*$ is printed beside
$2^d$ **[ours]**. Test inputs are drawn independently of the training set, so at most a tenth of
them can have been seen."""),
        parameters_cell("sample-gap"),
        resolve_cell("sample-gap"),
        new_code_cell('''import numpy as np
from hlcore import gap

rows, curves = [], []
for d in P["d_values"]:
    target = hlcore.make_target("theorem2", d=d, k=P["k"], alpha=P["alpha"], seed=0)
    thr = P["threshold_fraction"] * target.threshold
    for seed in range(P["seeds"]):
        for name in P["learners"] + P["kernels"]:
            def error_at(N):
                return gap.chosen_test_error(
                    target, name, N, seed, m=P["m"], lrs=P["lrs"],
                    weight_decays=P["weight_decays"], epochs=P["epochs"], ridges=P["ridges"],
                    n_val=P["n_val"], n_test=P["n_test"], is_learner=name in P["learners"],
                    device=P["device"])
            cap = gap.cube_cap(d, P["N_max"])  # at most a tenth of the 2^d inputs
            res = gap.n_star(error_at, thr, N0=min(P["N0"], cap), N_max=cap, refine=P["refine"])
            rows.append({"learner": name, "d": d, "seed": seed, "n_star": res["n_star"],
                         "reached": res["reached"], "2^d": 2**d, "N_cap": cap,
                         "cube_fraction": res["n_star"] / 2**d, "threshold": thr})
            curves += [{"learner": name, "d": d, "N": N, "test_error": e, "seed": seed,
                        "threshold": thr} for N, e in res["curve"]]
nstar = pd.DataFrame(rows)
curve = pd.DataFrame(curves)
nstar''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## (a) Test error against N at the largest dimension

**What to look for:** where each learner's curve crosses the dashed threshold (a quarter of the
error of learning $F$ alone); the red line is the error of learning $F$ alone."""),
        new_code_cell('''d_big = max(P["d_values"])
t_big = hlcore.make_target("theorem2", d=d_big, k=P["k"], alpha=P["alpha"])
summary = (curve[curve["d"] == d_big].groupby(["learner", "N"], sort=False)["test_error"]
           .agg(test_error_mean="mean", test_error_min="min", test_error_max="max",
                seeds="count").reset_index())
ax = plots.error_curves(summary, "N", t_big.threshold,
                        threshold_label=r"$k\\alpha^2$: only F learned")
ax.axhline(P["threshold_fraction"] * t_big.threshold, color="#b2182b", linestyle=":",
           label="search threshold")
ax.legend(fontsize=8)
ax.set_xlabel("training samples N"); ax.set_title(f"theorem2: d={d_big}, k={P['k']}, alpha={P['alpha']}")
plots.save_figure(ax.figure, "sample_gap_curves", curve, out_dir)
plt.show()''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## (b) $N^*$ against $d$

Filled markers: the threshold was reached; open markers: not reached by the cap
($\\min(N_{\\max}, 2^d/10)$; the point is a lower bound). Lines: least-squares fits of
$\\log N^*$ on $\\log d$ over reached points (three dimensions or more); grey
guides: slopes 1 (the ResNet's $d$ dependence in the theory) and $k/2$ (the kernel lower
bound)."""),
        new_code_cell('''from hlcore import claims

fig, ax = plt.subplots(figsize=(7, 4.6))
slopes = {}
for name, g in nstar.groupby("learner", sort=False):
    st = plots.style(name)
    ok, no = g[g["reached"]], g[~g["reached"]]
    ax.plot(ok["d"], ok["n_star"], st["marker"], color=st["color"], label=name)
    ax.plot(no["d"], no["n_star"], st["marker"], color=st["color"], markerfacecolor="none")
    fit = claims.fit_exponent(g)
    slopes[name] = fit
    if not np.isnan(fit["slope"]):
        ds = np.array(sorted(ok["d"].unique()), float)
        c = np.exp(np.mean(np.log(ok["n_star"]) - fit["slope"] * np.log(ok["d"])))
        ax.plot(ds, c * ds ** fit["slope"], "-", color=st["color"], linewidth=1)
d0 = min(P["d_values"])
ds = np.array(sorted(P["d_values"]), float)
base = nstar["n_star"].min()
for s_, lab in [(1, "slope 1"), (P["k"] / 2, f"slope k/2 = {P['k'] / 2:g}")]:
    ax.plot(ds, base * (ds / d0) ** s_, color="#999999", linestyle="--", linewidth=0.8)
    ax.text(ds[-1], base * (ds[-1] / d0) ** s_, lab, fontsize=8, color="#666666")
ax.set_xscale("log"); ax.set_yscale("log")
ax.set_xlabel("input dimension d"); ax.set_ylabel("N*: samples to reach the threshold")
ax.legend(fontsize=8)
plots.save_figure(fig, "n_star", nstar, out_dir)
plt.show()
fits = pd.DataFrame(slopes).T[["slope", "stderr", "points"]]
fits''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## The verdict"),
        new_code_cell('''from hlcore import claims

verdict = claims.sample_gap(nstar, P["kernels"], claims.Budget.of(P))
display(Markdown(f"**Criterion.** {verdict.criterion}"))
display(claims.present(verdict, out_dir))
plots.glue("gap.exponents", verdict.notes[0])
verdict.numbers''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## What the run shows

Fitted exponents of $N^*$ in $d$ ({glue:text}`gap.exponents:s`): the strongest kernel is taken at
each $d$ as the kernel with the smallest $N^*$, the most demanding choice for the claim; an
exponent is fitted only from three or more dimensions where the threshold was reached, and its
standard error comes from the scatter of all seeds' points about the line. Verdict:
**{glue:text}`sample-gap.verdict:s`**.

Caveats: an exponent fitted over a narrow range of $d$ (this profile's dimensions are limited by
the cube: $N$ may not exceed $2^d/10$) is rough, and can come out well above or below $k/2$;
unreached points are lower bounds and stay out of the fits (which biases a learner's exponent
*down*); the theory's bounds hide logarithmic factors and constants, so the verdict compares
the two exponents with each other rather than with $k/2$. Our readings: the threshold is a quarter of
$k\\alpha^2$, the error of predicting $F$ alone (the theorem's $\\alpha^2/4$ per output,
summed) **[ours]**; $G$ sits on every output **[ours]**."""),
    ]


def protocol():
    return [
        new_markdown_cell("""# Why are our networks worse than the paper's at N = 1000?

**The question.** On the width page our kernels match the paper's published values within a few
per cent, but the networks trained by SGD do not: at $N = 1000$ and the paper's 800 epochs they
end 1.5 to 3 times above the paper's errors. The kernels share the data, the targets and the
error measure with the networks, so the difference must sit in how the networks are trained.
This page tries the plausible readings of the paper's protocol one at a time, at $m = 200$ with
every other detail fixed, and asks whether any of them recovers the paper's values.

The readings (each departs from ours in one detail; see `hlcore.protocol`):

* **ours**: mini-batch loss averaged, weight decay on the trained displacement, $A$ and $V$
  drawn with mean 0;
* **summed loss**: the mini-batch loss summed rather than averaged (with the learning-rate grid
  divided by the batch size, since otherwise nearly every step size diverges);
* **decay on $W_0 + W$**: weight decay pulls the whole weight to zero, which is what PyTorch's
  `weight_decay` does to a parameter that starts at its random initialisation;
* **printed init (mean 1)**: $A$ and $V$ drawn with mean 1, as the paper's appendix prints.

Each reading is scored under both selection rules: the configuration chosen on a validation set
(ours) and the one with the best test error (the paper's). A reading *recovers* the paper when,
under the paper's rule, it comes within a factor 1.25 of the paper's value for every network
**[ours]**."""),
        parameters_cell("protocol"),
        resolve_cell("protocol"),
        new_code_cell('''from hlcore import protocol as pr
from hlcore.store import ResultStore

target = hlcore.make_target(P["target"], alpha=P["alpha"])
table = pr.study(target, learners=P["learners"], readings=P["readings"], N=P["N"], m=P["m"],
                 seeds=P["seeds"], epochs=P["epochs"], lrs=P["lrs"],
                 weight_decays=P["weight_decays"], n_val=P["n_val"], n_test=P["n_test"],
                 device=P["device"], store=ResultStore())
print(sw.cache_report(table))
paper = plots.load_reference("v2_fig2a_width_sweep")
comparison = pr.compare(table, paper)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## The figure

One panel per network: the test error of the configuration chosen on validation (filled) and
by the paper's rule (hollow) under each reading, with the paper's value as a dashed line.
**What to look for:** a reading that brings every network down to its dashed line."""),
        new_code_cell('''import numpy as np

learners = list(dict.fromkeys(comparison["learner"]))
fig, axes = plt.subplots(1, len(learners), figsize=(4.2 * len(learners), 3.8), squeeze=False)
for ax, learner in zip(axes[0], learners):
    g = comparison[comparison["learner"] == learner].reset_index(drop=True)
    colour = plots.style(learner)["color"]
    ax.errorbar(np.arange(len(g)), g["test_error_val_rule"], yerr=g["test_error_val_rule_sd"],
                fmt="o", color=colour, capsize=3, label="chosen on validation")
    ax.plot(np.arange(len(g)), g["test_error_paper_rule"], "o", markerfacecolor="none",
            markeredgecolor=colour, markersize=9, label="chosen on test (paper's rule)")
    ax.axhline(g["paper"].iloc[0], color=colour, linestyle="--", linewidth=1, label="paper v2")
    for i, r in g.iterrows():  # a reading with nothing to show says why
        if np.isnan(r["test_error_paper_rule"]):
            ax.text(i, g["paper"].iloc[0], f"all {r['diverged']} diverged", rotation=90,
                    ha="center", va="bottom", fontsize=8, color="#555555")
    ax.axhline(target.threshold, label=r"$k\\alpha^2$", **plots.THRESHOLD_STYLE)
    ax.set_xticks(np.arange(len(g)), g["reading"], rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.5, len(g) - 0.5)
    ax.set_yscale("log"); ax.set_title(learner); ax.set_ylabel("test error")
axes[0][0].legend(fontsize=7)
fig.suptitle(f"{P['target']}, N={P['N']}, m={P['m']}, {P['epochs']} epochs, "
             f"{P['seeds']} seed(s)")
fig.tight_layout()
plots.save_figure(fig, "protocol", table.drop(columns=["cached"]), out_dir)
plt.show()''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("## Reading by reading"),
        new_code_cell('''found = pr.recovering_readings(comparison)
plots.glue("protocol.recovering", ", ".join(found) if found else "none")
plots.glue("protocol.budget", f"{P['epochs']} epochs, {len(P['lrs'])} learning rates x "
           f"{len(P['weight_decays'])} weight decays, {P['seeds']} seed(s)")
comparison.drop(columns=["N", "m"]).round(3)''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## What the run shows

Readings that recover the paper's values for every network (paper's rule within a factor
1.25): **{glue:text}`protocol.recovering:s`**, at a budget of {glue:text}`protocol.budget:s`.
The table gives every number behind that answer: the error under each selection rule, its
spread over seeds, the paper's value and the ratio, and how many configurations diverged.

Whatever the answer, it is a finding about the paper's description, not about its claims: the
claim pages compare learners under one protocol, ours, which is the same for every learner.
Caveats: the paper's values are read off a figure (about 2 %), and the paper searched a larger
grid than any profile here except `paper`, so a reading that comes close but not within the
factor is not ruled out."""),
    ]


BUILDERS = {"separation": separation, "width": width, "sensitivity": sensitivity,
            "frobenius": frobenius, "hierarchy": hierarchy, "sample-gap": sample_gap,
            "protocol": protocol}


def main():
    for name, build in BUILDERS.items():
        nb = new_notebook(cells=build(), metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        nbformat.write(nb, ROOT / f"{name}.ipynb")
        print("wrote", ROOT / f"{name}.ipynb")


if __name__ == "__main__":
    main()

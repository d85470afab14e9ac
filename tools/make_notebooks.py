"""Write the notebook sources in notebooks/ (no outputs). Edit the cells here, then run
`python tools/make_notebooks.py`; the test suite checks the sources carry no outputs."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from hlcore.profiles import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1] / "notebooks"


def parameters_cell(name):
    lines = ['profile = "quick"  # smoke, quick or paper: sets every parameter left at None']
    lines += [f"{p.name} = None  # {p.help}" for p in NOTEBOOKS[name].params]
    lines += ['out_dir = "."  # where figures and their data are written (set by hl run)']
    return new_code_cell("\n".join(lines), metadata={"tags": ["parameters"]})


def resolve_cell(name):
    return new_code_cell(f'''import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown

import hlcore
from hlcore import plots, profiles, sweep as sw

spec = profiles.get_spec("{name}")
P = profiles.resolve("{name}", profile, **{{p.name: globals()[p.name] for p in spec.params}})
plots.setup()
Markdown("**Parameters of this run** (profile `" + profile + "`)\\n\\n" + profiles.markdown_table(P))''',
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
                 ridges=P["ridges"], device=P["device"])
summary = sw.summarize(table, "N")
threshold = target.threshold''', metadata={"tags": ["hide-input"]}),
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
largest = summary[summary["N"] == summary["N"].max()].set_index("learner")["test_error_mean"]
report = pd.DataFrame({
    "smallest N below k*alpha^2": {k: ("never in range" if v is None else int(v))
                                   for k, v in first.items()},
    f"test error at N={summary['N'].max()}": largest.round(3),
})
paper = sw.summarize(table, "N", rule="test")
flatter = (summary.set_index(["learner", "N"])["test_error_mean"]
           - paper.set_index(["learner", "N"])["test_error_mean"]).groupby("learner").mean()
report["paper's rule lowers the error by (mean over N)"] = flatter.round(4)
plots.glue("separation.report", report, display=False)
resnet = "3resnet" if "3resnet" in largest.index else largest.index[0]
plots.glue("separation.resnet_err", float(largest[resnet]))
plots.glue("separation.N_max", int(summary["N"].max()))
kernels = [n for n in largest.index if "(" in n]
plots.glue("separation.best_kernel_err", float(largest[kernels].min()) if kernels else float("nan"))
plots.glue("separation.best_kernel", largest[kernels].idxmin() if kernels else "none")
plots.glue("separation.threshold", float(threshold))
# The headline claim, checked at the largest N: ResNet well below the threshold, every kernel
# and the 2-layer network above it.
ok = {"resnet": largest.get(resnet, float("inf")) < 0.5 * threshold,
      "kernels": all(largest[k] > threshold for k in kernels),
      "2layer": largest.get("2layer", float("inf")) > threshold}
verdict = ("reproduced" if all(ok.values()) else
           "partly reproduced: " + ", ".join(k for k, v in ok.items() if not v) + " differ"
           if any(ok.values()) else "not reproduced")
plots.glue("separation.verdict", verdict)
report''', metadata={"tags": ["hide-input"]}),
        new_markdown_cell("""## What the run shows

At the largest sample size, $N = $ {glue:text}`separation.N_max`, the ResNet's test error is
{glue:text}`separation.resnet_err:.3f`, against the threshold
{glue:text}`separation.threshold:.2f`; the best kernel, {glue:text}`separation.best_kernel`,
scores {glue:text}`separation.best_kernel_err:.3f`. The table above gives, for every learner,
the smallest $N$ at which its mean error is below the threshold.

The paper's claim is that the ResNet goes below $k\\alpha^2$ with far fewer samples than any
kernel, including its own NTK; its v3 figure gives no numbers, so we compare shapes, not values.
Two of our choices differ from the paper's protocol and are ours: hyperparameters are chosen on
a validation set (the last column of the table shows how much choosing on the test set would
have flattered each learner), and kernels are fitted by exact ridge regression over a ridge path
rather than by SGD, which makes them stronger baselines, not weaker ones."""),
    ]


BUILDERS = {"separation": separation}


def main():
    for name, build in BUILDERS.items():
        nb = new_notebook(cells=build(), metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        nbformat.write(nb, ROOT / f"{name}.ipynb")
        print("wrote", ROOT / f"{name}.ipynb")


if __name__ == "__main__":
    main()

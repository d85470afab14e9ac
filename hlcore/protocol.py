"""Why are our networks worse than the paper's at N = 1000? Readings of the paper's training
protocol, tried one at a time with everything else held fixed.

Each reading changes one detail that the paper leaves open or prints in a way we doubt (see
EXPERIMENTS.md); `study` trains every learner under every reading on the same data and seeds and
returns one tidy table, with both selection rules marked (on validation, ours; on the test set,
the paper's). The readings:

* ``ours``: the book's protocol (mean loss over the mini-batch, weight decay on the trained
  displacement, A and V initialised with mean 0).
* ``summed loss``: the mini-batch loss summed, not averaged. SGD then takes steps `batch` times
  larger; with the same grid of learning rates most of it diverges, so this reading uses the grid
  divided by the batch size. (Exactly: it equals the mean loss with weight decay / batch.)
* ``decay on W0 + W``: weight decay pulls the whole weight to zero, as PyTorch's `weight_decay`
  does on a parameter that starts at its random initialisation.
* ``printed init (mean 1)``: A and V drawn with mean 1, as the paper's text prints.
"""
from __future__ import annotations

import pandas as pd

from .learners import InitScales
from .train import Data, mark_selected, train_grid
from .validation import check_choice

#: reading name -> (train_grid keywords, factor applied to the learning-rate grid)
READINGS = {
    "ours": ({}, 1.0),
    "summed loss": ({"loss_reduction": "sum"}, None),  # factor 1 / batch size, set below
    "decay on W0 + W": ({"decay": "weight"}, 1.0),
    "printed init (mean 1)": ({"init": InitScales(a_mean=1.0, v_mean=1.0)}, 1.0),
}


def study(target, *, learners, readings=tuple(READINGS), N: int, m: int, seeds: int,
          epochs: int, lrs, weight_decays, n_val: int, n_test: int, batch_size: int = 50,
          device="auto", store=None, progress: bool | None = None,
          executor=None) -> pd.DataFrame:
    """Every learner under every reading at one (N, m), for seeds 0..seeds-1 (a seed draws the
    data, the initialisation and the data order, the same for every reading). Returns all
    configurations, with a `reading` column and `selected_val` / `selected_test` marked per
    (reading, learner, seed). Tasks run on `executor` (default: $HL_EXECUTOR) and share the
    result cache."""
    from .executors import from_environment
    from .store import ResultStore
    from .train import _quiet

    for r in readings:
        check_choice("protocol reading", r, tuple(READINGS))
    store = ResultStore() if store is None else store
    executor = from_environment() if executor is None else executor
    jobs = [{"seed": s, "reading": r, "learner": name, "target": target, "N": N, "m": m,
             "epochs": epochs, "lrs": list(lrs), "weight_decays": list(weight_decays),
             "n_val": n_val, "n_test": n_test, "batch_size": batch_size, "device": device,
             "cache": str(store.root)}
            for s in range(seeds) for r in readings for name in learners]
    show = (not _quiet()) if progress is None else progress
    tables = executor.map(run_reading, jobs, progress=show,
                          describe=lambda j: f"{j['learner']} {j['reading']} seed={j['seed']}")
    table = pd.concat(tables, ignore_index=True)
    return mark_selected(table, group=("reading", "learner", "N", "m", "seed"))


def run_reading(job: dict) -> pd.DataFrame:
    """One learner's grid under one reading and seed; top-level and built from plain values,
    so that it can run in another process."""
    from .store import ResultStore

    kwargs, factor = READINGS[job["reading"]]
    factor = 1.0 / job["batch_size"] if factor is None else factor
    data = Data.sample(job["target"], job["N"], n_val=job["n_val"], n_test=job["n_test"],
                       seed=job["seed"])
    t = train_grid(job["target"], job["learner"], N=job["N"], m=job["m"],
                   lrs=[lr * factor for lr in job["lrs"]], weight_decays=job["weight_decays"],
                   seeds=[job["seed"]], epochs=job["epochs"], batch_size=job["batch_size"],
                   data=data, device=job["device"], store=ResultStore(job["cache"]),
                   progress=False, **kwargs)
    return t.assign(reading=job["reading"])


#: How close to the paper's value a reading must come to "recover" it: within this factor,
#: for every learner (ours; the paper's values are read off its figure to about 2 %).
RECOVERY_FACTOR = 1.25


def compare(table: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Per (reading, learner): the chosen configuration's test error over seeds under each
    selection rule, the paper's value at the same (N, m), their ratio, and whether the reading
    recovers the paper's value (the paper's rule within RECOVERY_FACTOR of it)."""
    rows = []
    for (reading, learner), g in table.groupby(["reading", "learner"], sort=False):
        val = g[g["selected_val"]]["test_error"]
        test = g[g["selected_test"]]["test_error"]
        m, N = int(g["m"].iloc[0]), int(g["N"].iloc[0])
        ref = reference[(reference["learner"] == learner) & (reference["m"] == m)
                        & (reference["N"] == N)]["test_error"]
        paper = float(ref.iloc[0]) if len(ref) else float("nan")
        ratio = test.mean() / paper if len(ref) and len(test) else float("nan")
        rows.append({"reading": reading, "learner": learner, "N": N, "m": m,
                     "seeds": int(g["seed"].nunique()),
                     "configs_per_seed": int(len(g) / max(1, g["seed"].nunique())),
                     "diverged": int(g["diverged"].sum()),
                     "test_error_val_rule": val.mean(), "test_error_val_rule_sd": val.std(ddof=1),
                     "test_error_paper_rule": test.mean(), "paper": paper,
                     "paper_rule_over_paper": ratio,
                     "recovers": bool(1 / RECOVERY_FACTOR <= ratio <= RECOVERY_FACTOR)})
    return pd.DataFrame(rows)


def recovering_readings(comparison: pd.DataFrame) -> list[str]:
    """The readings that recover the paper's value for every learner they were tried with."""
    ok = comparison.groupby("reading", sort=False)["recovers"].all()
    return [r for r, v in ok.items() if v]

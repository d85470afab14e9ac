"""Sweeps: networks and kernels over training-set sizes and seeds, into one tidy table."""
from __future__ import annotations

import pandas as pd

from .kernels import fit_kernel
from .store import ResultStore
from .train import Data, mark_selected, train_grid


def sweep_tasks(*, learners=(), kernels=(), N_values, m, seeds: int,
                kernel_N_max: int | None = None) -> list[tuple]:
    """The (seed, N, m, name) tasks of a sweep, in a fixed order."""
    m_values = list(m) if isinstance(m, (list, tuple)) else [m]
    infinite = [k for k in kernels if k.endswith("-inf)")]  # no width: fitted once per N
    return [(s, N, width, name) for s in range(seeds) for N in N_values
            for i, width in enumerate(m_values)
            for name in list(learners) + [k for k in kernels if i == 0 or k not in infinite]
            if name in learners or kernel_N_max is None or N <= kernel_N_max]


def checkpoint_every(epochs: int) -> int:
    """Epochs between early-stopping checkpoints: every 25 (32 checkpoints over the paper's 800
    epochs), but at least 8 checkpoints in a short run. An evaluation of train, validation and
    test sets costs about one training epoch at N = 1000 (benchmarks/bench_early_stopping.py:
    a checkpoint every epoch made a 40-epoch run 1.8x slower, every third 1.28x)."""
    return max(1, min(25, epochs // 8))


def make_job(target, task: tuple, *, is_learner: bool, store: ResultStore, n_val: int,
             n_test: int, lrs, weight_decays, epochs: int, ridges, device,
             protocol: dict | None = None) -> dict:
    """A task with everything `run_task` needs, as plain picklable values. `protocol`: the
    networks' training options beyond the grid (train_grid's `decay`, `early_stopping`)."""
    protocol = dict(protocol or {})
    if protocol.get("early_stopping"):
        protocol.setdefault("eval_every", checkpoint_every(epochs))
    return {"task": task, "protocol": protocol, "is_learner": is_learner,
            "target": target, "cache": str(store.root),
            "n_val": n_val, "n_test": n_test, "lrs": list(lrs),
            "weight_decays": list(weight_decays), "epochs": epochs, "ridges": list(ridges),
            "device": device}


def run_task(job: dict) -> pd.DataFrame:
    """One task: a learner's whole grid, or a kernel's ridge path, at one (seed, N, m).
    Top-level and built from plain values, so that it can run in another process."""
    seed, N, m, name = job["task"]
    target, store = job["target"], ResultStore(job["cache"])
    data = Data.sample(target, N, n_val=job["n_val"], n_test=job["n_test"], seed=seed)
    if job["is_learner"]:
        return train_grid(target, name, N=N, m=m, lrs=job["lrs"],
                          weight_decays=job["weight_decays"], seeds=[seed],
                          epochs=job["epochs"], data=data, device=job["device"], store=store,
                          progress=False, **job.get("protocol", {}))
    return fit_kernel(target, name, N=N, m=m, seeds=[seed], ridges=job["ridges"], data=data,
                      device=job["device"], store=store)


def sweep(target, *, learners=(), kernels=(), N_values, m, seeds: int, epochs: int, lrs,
          weight_decays, n_val: int, n_test: int, ridges, device="auto", store=None,
          progress: bool | None = None, extra_columns: dict | None = None,
          kernel_N_max: int | None = None, executor=None, decay: str = "displacement",
          early_stopping: bool = False) -> pd.DataFrame:
    """Every learner (trained by SGD over the lr x weight-decay grid) and every kernel (ridge
    path) at every N and width m (an int or a list), for seeds 0..seeds-1 (the seed draws the
    data, the network's initialisation and its data order). Kernels are skipped above
    `kernel_N_max` (their cost grows like N^3). `decay` and `early_stopping` choose the
    networks' protocol (see train_grid).

    Tasks run on `executor` (default: $HL_EXECUTOR, else in this process; see
    hlcore.executors) and share the result cache. Returns all rows, with the configurations
    chosen on validation (`selected_val`) and by the paper's rule (`selected_test`) marked."""
    from .executors import from_environment
    from .train import _quiet

    store = ResultStore() if store is None else store
    executor = from_environment() if executor is None else executor
    tasks = sweep_tasks(learners=learners, kernels=kernels, N_values=N_values, m=m,
                        seeds=seeds, kernel_N_max=kernel_N_max)
    jobs = [make_job(target, t, is_learner=t[3] in learners, store=store, n_val=n_val,
                     n_test=n_test, lrs=lrs, weight_decays=weight_decays, epochs=epochs,
                     ridges=ridges, device=device,
                     protocol={"decay": decay, "early_stopping": early_stopping})
            for t in tasks]
    tables = executor.map(run_task, jobs, progress=not _quiet() if progress is None else progress,
                          describe=lambda j: "{3} N={1} m={2} seed={0}".format(*j["task"]))
    table = mark_selected(pd.concat(tables, ignore_index=True))
    for key, value in (extra_columns or {}).items():
        table[key] = value
    return table


def chosen(table: pd.DataFrame, rule: str = "val") -> pd.DataFrame:
    """The chosen configuration of each (learner, N, seed, ...): rule 'val' (honest) or
    'test' (the paper's)."""
    return table[table[f"selected_{rule}"]].reset_index(drop=True)


def first_below(summary: pd.DataFrame, threshold: float, x: str = "N") -> dict:
    """Per learner, the smallest x at which the mean test error is below `threshold` (None if
    never in range)."""
    out = {}
    for learner, g in summary.groupby("learner", sort=False):
        below = g[g["test_error_mean"] < threshold].sort_values(x)
        out[learner] = None if below.empty else below[x].iloc[0]
    return out


def summarize(table: pd.DataFrame, x: str = "N", rule: str = "val") -> pd.DataFrame:
    """Mean, min and max of the chosen configurations' test error over seeds, per learner and x."""
    c = chosen(table, rule)
    g = c.groupby(["learner", x], sort=False)["test_error"]
    return g.agg(test_error_mean="mean", test_error_min="min", test_error_max="max",
                 seeds="count").reset_index()


def cache_report(table: pd.DataFrame) -> str:
    """One line: how many results came from the cache and how many were computed now."""
    cached = int(table["cached"].sum()) if "cached" in table else 0
    return (f"{cached} of {len(table)} results reused from the cache, "
            f"{len(table) - cached} computed in this run")

"""Sweeps: networks and kernels over training-set sizes and seeds, into one tidy table."""
from __future__ import annotations

import pandas as pd

from .kernels import fit_kernel
from .store import ResultStore
from .train import Data, mark_selected, train_grid


def sweep(target, *, learners=(), kernels=(), N_values, m, seeds: int, epochs: int, lrs,
          weight_decays, n_val: int, n_test: int, ridges, device="auto", store=None,
          progress: bool | None = None, extra_columns: dict | None = None,
          kernel_N_max: int | None = None) -> pd.DataFrame:
    """Every learner (trained by SGD over the lr x weight-decay grid) and every kernel (ridge
    path) at every N and width m (an int or a list), for seeds 0..seeds-1 (the seed draws the data, the network's
    initialisation and its data order). Kernels are skipped above `kernel_N_max` (their cost
    grows like N^3). Returns all rows, with the configurations chosen on
    validation (`selected_val`) and by the paper's rule (`selected_test`) marked."""
    from tqdm import tqdm

    from .train import _quiet

    store = ResultStore() if store is None else store
    m_values = list(m) if isinstance(m, (list, tuple)) else [m]
    infinite = [k for k in kernels if k.endswith("-inf)")]  # no width: fitted once per N
    tasks = [(s, N, width, name) for s in range(seeds) for N in N_values
             for i, width in enumerate(m_values)
             for name in list(learners) + [k for k in kernels if i == 0 or k not in infinite]
             if name in learners or kernel_N_max is None or N <= kernel_N_max]
    tables = []
    bar = tqdm(tasks, desc="sweep", leave=False,
               disable=_quiet() if progress is None else not progress)
    data = None
    for seed, N, m, name in bar:
        bar.set_postfix_str(f"{name} N={N} m={m} seed={seed}")
        if data is None or data.N != N or data.seed != seed:
            data = Data.sample(target, N, n_val=n_val, n_test=n_test, seed=seed)
        if name in learners:
            t = train_grid(target, name, N=N, m=m, lrs=lrs, weight_decays=weight_decays,
                           seeds=[seed], epochs=epochs, data=data, device=device, store=store,
                           progress=False)
        else:
            t = fit_kernel(target, name, N=N, m=m, seeds=[seed], ridges=ridges, data=data,
                           device=device, store=store)
        tables.append(t)
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

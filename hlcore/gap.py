"""The sample-complexity gap on Theorem 2's hard instance: N*(d), the smallest number of
samples at which a learner's test error drops below a threshold, found by a search over N.

Search (per learner, dimension d and seed): double N from `N0` until the error is below the
threshold or N exceeds `N_max` ("not reached"), then bisect `refine` times (geometrically)
between the last N that failed and the first that succeeded. Every evaluation trains the
learner's whole grid (or fits the kernel's ridge path) and takes the configuration chosen on
validation; results go through the result cache, so a re-run only computes new points.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .store import ResultStore
from .sweep import make_job, run_task
from .train import mark_selected


def chosen_test_error(target, name: str, N: int, seed: int, *, m: int, lrs, weight_decays,
               epochs: int, ridges, n_val: int, n_test: int, is_learner: bool, device="auto",
               store: ResultStore | None = None) -> float:
    """Test error of the configuration chosen on validation, for one (learner, N, seed)."""
    job = make_job(target, (seed, N, m, name), is_learner=is_learner,
                   store=ResultStore() if store is None else store, n_val=n_val,
                   n_test=n_test, lrs=lrs, weight_decays=weight_decays, epochs=epochs,
                   ridges=ridges, device=device)
    table = mark_selected(run_task(job))
    chosen = table[table["selected_val"]]
    return float(chosen["test_error"].iloc[0]) if len(chosen) else math.inf


def n_star(error_at, threshold: float, *, N0: int, N_max: int, refine: int = 2) -> dict:
    """Smallest N (on the search's grid) with error_at(N) < threshold.

    Returns {'n_star', 'reached', 'curve': [(N, error), ...]}; when not reached, n_star is
    the largest N tried (a lower bound)."""
    curve = []
    N, last_fail = N0, None
    while True:
        err = error_at(N)
        curve.append((N, err))
        if err < threshold:
            break
        last_fail = N
        if N >= N_max:
            return {"n_star": N, "reached": False, "curve": curve}
        N = min(2 * N, N_max)
    hi, lo = N, last_fail
    for _ in range(refine if lo is not None else 0):
        mid = int(round(math.sqrt(lo * hi)))
        if mid <= lo or mid >= hi:
            break
        err = error_at(mid)
        curve.append((mid, err))
        if err < threshold:
            hi = mid
        else:
            lo = mid
    return {"n_star": hi, "reached": True, "curve": sorted(curve)}


def fit_slope(table: pd.DataFrame) -> dict:
    """Least-squares slope of log N* against log d over the reached points, with its standard
    error (nan where fewer than two dimensions reached the threshold)."""
    ok = table[table["reached"]]
    if ok["d"].nunique() < 2:
        return {"slope": math.nan, "stderr": math.nan, "points": len(ok)}
    x, y = np.log(ok["d"].to_numpy(float)), np.log(ok["n_star"].to_numpy(float))
    A = np.vstack([x, np.ones_like(x)]).T
    coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = max(1, len(x) - 2)
    sigma2 = float(res[0]) / dof if len(res) else 0.0
    cov = sigma2 * np.linalg.inv(A.T @ A)
    return {"slope": float(coef[0]), "stderr": float(math.sqrt(cov[0, 0])), "points": len(ok)}

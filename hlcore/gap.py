"""The sample-complexity gap on Theorem 2's hard instance: N*(d), the smallest number of
samples at which a learner's test error drops below a threshold, found by a search over N.

Search (per learner, dimension d and seed): double N from `N0` until the error is below the
threshold or N exceeds `N_max` ("not reached"), then bisect (at the geometric midpoint)
between the last N that failed and the first that succeeded until the two are within a factor
1 + `resolution` (0.1: N* known to 10%). Every evaluation trains the
learner's whole grid (or fits the kernel's ridge path) and takes the configuration chosen on
validation; results go through the result cache, so a re-run only computes new points.
"""
from __future__ import annotations

import math

from .store import ResultStore
from .sweep import make_job, run_task
from .train import grid_edges, mark_selected


def chosen_config(target, name: str, N: int, seed: int, *, m: int, lrs, weight_decays,
                  epochs: int, ridges, n_val: int, n_test: int, is_learner: bool,
                  device="auto", store: ResultStore | None = None,
                  protocol: dict | None = None) -> dict:
    """The configuration chosen on validation for one (learner, N, seed): its test error, its
    learning rate and weight decay (a network) or ridge (a kernel), and `edge`, the sides of
    their grids it sits at ("" if none; train.grid_edges, and for a kernel the largest or
    smallest ridge), so that a failure that a wider grid could reverse is named. For a kernel
    at its smallest ridge, `ridge_step` is how much its test error moved from the next ridge
    to that one (see pages.sample_gap_edges)."""
    job = make_job(target, (seed, N, m, name), is_learner=is_learner,
                   store=ResultStore() if store is None else store, n_val=n_val,
                   n_test=n_test, lrs=lrs, weight_decays=weight_decays, epochs=epochs,
                   ridges=ridges, device=device, protocol=protocol)
    table = mark_selected(run_task(job))
    chosen = table[table["selected_val"]]
    if chosen.empty:  # every configuration diverged
        return {"test_error": math.inf, "lr": math.nan, "weight_decay": math.nan,
                "ridge": math.nan, "edge": "every configuration diverged",
                "ridge_step": math.nan}
    r = chosen.iloc[0]
    step = math.nan
    if is_learner:
        edge = "; ".join(f"{e.parameter} {e.value:g} at the {e.side}"
                         for e in grid_edges(table).itertuples())
    else:
        side = ("top" if math.isclose(r["ridge"], max(ridges)) else
                "bottom" if math.isclose(r["ridge"], min(ridges)) else None)
        edge = f"ridge {r['ridge']:g} at the {side}" if side and len(ridges) > 1 else (
            f"ridge {r['ridge']:g} at the only value" if len(ridges) == 1 else "")
        if side == "bottom" and len(ridges) > 1:
            path = table.sort_values("ridge")["test_error"].to_numpy()
            step = float(abs(path[1] - path[0]))
    return {"test_error": float(r["test_error"]), "lr": float(r["lr"]),
            "weight_decay": float(r["weight_decay"]), "ridge": float(r.get("ridge", math.nan)),
            "edge": edge, "ridge_step": step}


def chosen_test_error(target, name: str, N: int, seed: int, **kwargs) -> float:
    """Test error of the configuration chosen on validation, for one (learner, N, seed)."""
    return chosen_config(target, name, N, seed, **kwargs)["test_error"]


#: The search stops at this fraction of the 2^d inputs of the cube (see `cube_cap`).
CUBE_FRACTION = 0.1


def cube_cap(d: int, N_max: int, fraction: float = CUBE_FRACTION) -> int:
    """The largest N the search may use at dimension d: N_max, but at most `fraction` of the
    2^d points of the input cube, so that test inputs are mostly unseen ones."""
    return max(1, min(int(N_max), int(fraction * 2**d)))


def n_star(error_at, threshold: float, *, N0: int, N_max: int,
           resolution: float = 0.1) -> dict:
    """Smallest N (to a relative `resolution`) with error_at(N) < threshold.

    Returns {'n_star', 'n_lo', 'reached', 'curve': [(N, error), ...]}: when reached, N* lies in
    (n_lo, n_star] with n_star <= (1 + resolution) n_lo, or n_star - n_lo = 1 (n_lo None:
    reached at N0, an upper bound); when not reached, n_star is the largest N tried (a lower
    bound)."""
    if resolution <= 0:
        raise ValueError(f"resolution must be positive; got {resolution}")
    curve = []
    N, last_fail = N0, None
    while True:
        err = error_at(N)
        curve.append((N, err))
        if err < threshold:
            break
        last_fail = N
        if N >= N_max:
            return {"n_star": N, "n_lo": N, "reached": False, "curve": curve}
        N = min(2 * N, N_max)
    hi, lo = N, last_fail
    while lo is not None and hi > (1 + resolution) * lo and hi - lo > 1:
        mid = min(max(int(round(math.sqrt(lo * hi))), lo + 1), hi - 1)
        err = error_at(mid)
        curve.append((mid, err))
        if err < threshold:
            hi = mid
        else:
            lo = mid
    return {"n_star": hi, "n_lo": lo, "reached": True, "curve": sorted(curve)}

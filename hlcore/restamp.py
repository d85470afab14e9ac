"""Re-stamping a committed reference run after its computing code changed without (it is
claimed) changing any result: retrain a sample of the run's configurations under the current
code and compare them with the committed rows. Only when every sampled configuration agrees is
the run's `compute_hash` replaced (`tools/restamp_reference.py` writes it, with what it checked),
so a refactor does not leave every reference run flagged stale, and a change that does move a
result keeps its warning.

The sample: for each learner and kernel (each has its own forward and backward pass or
kernel recursion), `per_learner`
configurations drawn at random among the cheapest ones of the run (smallest N x m), diverged
ones left out. Each is retrained in its whole group, as the run batched it (every learning
rate and weight decay of its grid): alone, a configuration at a large learning rate can end
elsewhere, since the batch size changes how the matrix products round and the dynamics amplify
it (seen on the Frobenius page at lr 10: 10% in train error). Agreement: train, validation and test error within a relative TOLERANCE (the run may have used
another thread count, which reorders floating-point sums)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: Largest relative difference between a committed and a retrained error that counts as equal.
TOLERANCE = 1e-6
ERRORS = ("train_error", "val_error", "test_error")


def _target(row, name: str | None = None):
    from .targets import make_target

    name = name or row["target"]
    shape = {k: (float(row[k]) if k in ("alpha", "beta") else int(row[k]))
             for k in ("d", "k", "f_degree", "g_degree", "alpha", "beta") if k in row}
    return make_target(name, **shape)


def _pick(table: pd.DataFrame, row) -> dict:
    """The configuration (lr, weight decay) of `row` in a retrained group's table."""
    hit = table[np.isclose(table["lr"], float(row["lr"]))
                & np.isclose(table["weight_decay"], float(row["weight_decay"]))]
    return hit.iloc[0].to_dict()


def _grid_row(row, group: pd.DataFrame, P: dict) -> dict:
    """A configuration of a page trained by sweep (a row of its full grid table)."""
    from .train import Data, train_grid

    target = _target(row)
    N, seed = int(row["N"]), int(row["seed"])
    data = Data.sample(target, N, n_val=P["n_val"], n_test=P["n_test"],
                       seed=int(row["data_seed"]))
    if row["fit"] == "ridge":
        return _kernel_row(target, row, P, data)
    kwargs, early = {}, not pd.isna(row.get("eval_every", math.nan))
    if "reading" in row:  # the protocol page: the reading's training, and whether it stops early
        from .protocol import READINGS, TRAININGS

        training, early = READINGS[row["reading"]]
        kwargs = {k: v for k, v in TRAININGS[training][0].items() if k == "init"}
    recorded = not pd.isna(row.get("eval_every", math.nan))  # errors along training
    table = train_grid(target, row["learner"], N=N, m=int(row["m"]),
                       lrs=sorted(group["lr"].unique()),
                       weight_decays=sorted(group["weight_decay"].unique()), seeds=[seed],
                       epochs=int(row["epochs"]), data=data, device="cpu", progress=False,
                       decay=row.get("decay", "displacement"),
                       loss_reduction=row.get("loss_reduction", "mean"),
                       early_stopping=recorded,
                       eval_every=int(row["eval_every"]) if recorded else None, **kwargs)
    new = _pick(table, row)
    if recorded and not early:  # a view of the final model of a training that recorded
        new.update({e: new[f"final_{e}"] for e in ERRORS})
    return new


def _kernel_row(target, row, P: dict, data) -> dict:
    """A kernel's fit: its whole ridge path (as the run fitted it), the row's ridge read off."""
    from .kernels import fit_kernel

    m = row.get("m", P.get("m"))
    m = None if m is None or pd.isna(m) or math.isinf(float(m)) else int(m)
    path = fit_kernel(target, row["learner"], N=int(row["N"]), m=m, seeds=[int(row["seed"])],
                      ridges=P["ridges"], data=data, device="cpu")
    return path.loc[np.isclose(path["ridge"], float(row["ridge"]))].iloc[0].to_dict()


def _sample_gap_row(row, group: pd.DataFrame, P: dict) -> dict:
    """A point of the N* search: the run's whole grid at (d, N, seed), the chosen one read off."""
    from .sweep import checkpoint_every
    from .targets import make_target
    from .train import Data, train_grid

    target = make_target("theorem2", d=int(row["d"]), k=P["k"], alpha=P["alpha"])
    N, seed = int(row["N"]), int(row["seed"])
    data = Data.sample(target, N, n_val=P["n_val"], n_test=P["n_test"], seed=seed)
    if not pd.isna(row["ridge"]):
        return _kernel_row(target, row, P, data)
    early = P.get("early_stopping", False)
    table = train_grid(target, row["learner"], N=N, m=P["m"], lrs=P["lrs"],
                       weight_decays=P["weight_decays"], seeds=[seed], epochs=P["epochs"],
                       data=data, device="cpu", progress=False,
                       decay=P.get("decay", "displacement"), early_stopping=early,
                       eval_every=checkpoint_every(P["epochs"]) if early else None)
    return _pick(table, row)


def _hierarchy_row(row, group: pd.DataFrame, P: dict) -> dict:
    """A scheme's configuration: its whole grid at (N, m, seed) retrained (a run made before
    the grid had weight decays used the row's one decay, and kept only the chosen row, which
    is chosen again on validation)."""
    from .hierarchy import train_scheme
    from .pages.hierarchy import hierarchy_lrs, hierarchy_wds
    from .train import mark_selected

    target = _target({**P}, P["target"])
    table = train_scheme(target, row["learner"], N=int(row["N"]), m=int(row["m"]),
                         lrs=hierarchy_lrs(P)[row["learner"]],
                         weight_decays=hierarchy_wds(
                             {**P, "weight_decay": float(row["weight_decay"])})[row["learner"]],
                         seeds=[int(row["seed"])], epochs=int(row["epochs"]),
                         n_val=P["n_val"], n_test=P["n_test"], device="cpu")
    if "weight_decays" not in P:
        table = mark_selected(table)
        return table[table["selected_val"]].iloc[0].to_dict()
    return _pick(table, row)


def _data_seed(row, P: dict) -> int:
    """The Frobenius search's data seed: the model's seed (a run made before each seed drew
    its own data, one without `beyond_seeds` among its parameters, used data seed 0)."""
    return int(row["seed"]) if "beyond_seeds" in P else 0


def _frobenius_row(row, group: pd.DataFrame, P: dict) -> dict:
    """A model of the SGD search: the run's whole grid at its (d, N, m, seed), or the pass of
    its own that a learning rate added later (more_lrs) had."""
    from .frobenius import sgd_search

    lrs = P["lrs"] if float(row["lr"]) in P["lrs"] else [float(row["lr"])]
    models, _ = sgd_search(int(row["d"]), int(row["N"]), int(row["m"]), lrs,
                           P["weight_decays"], seeds=[int(row["seed"])],
                           epochs=int(row["epochs"]), n_val=P["n_val"], n_test=P["n_test"],
                           data_seed=_data_seed(row, P), device="cpu")
    return _pick(models, row)


#: page -> (the committed table whose rows are configurations, which rows, how to retrain one)
RETRAIN = {
    "separation": ("separation_grid", lambda t: t["N"] > 0, _grid_row),
    "width": ("width_grid", lambda t: t["N"] > 0, _grid_row),
    "sensitivity": ("sensitivity_grid", lambda t: t["fit"] == "sgd", _grid_row),
    "protocol": ("protocol", lambda t: t["fit"] == "sgd", _grid_row),
    "sample-gap": ("sample_gap_curves", lambda t: t["N"] > 0, _sample_gap_row),
    # a run made before the whole grid was kept has its chosen rows only
    "hierarchy": (("hierarchy_grid", "hierarchy_layerwise"), lambda t: t["N"] == t["N"].min(),
                  _hierarchy_row),
    "frobenius": ("frobenius_models", lambda t: t["series"] == "sgd", _frobenius_row),
}


def sample(table: pd.DataFrame, per_learner: int, seed: int = 0) -> pd.DataFrame:
    """Per learner, `per_learner` rows drawn among its cheapest (smallest N x m), never a
    diverged one."""
    rng = np.random.default_rng(seed)
    t = table[~table.get("diverged", pd.Series(False, index=table.index)).astype(bool)]
    t = t[np.isfinite(t["test_error"])]
    picks = []
    for _, g in t.groupby("learner", sort=True):
        m = g["m"].replace(np.inf, 1) if "m" in g else 1  # an infinite kernel: N alone
        cost = g["N"] * m
        cheap = g[cost == cost.min()]
        picks.append(cheap.iloc[rng.choice(len(cheap), min(per_learner, len(cheap)),
                                           replace=False)])
    return pd.concat(picks, ignore_index=True)


def check(name: str, tables: dict, P: dict, per_learner: int = 1, seed: int = 0,
          progress=print) -> pd.DataFrame:
    """Retrain a sample of reference run `name`'s configurations under the current code: one
    row per configuration and error, with the committed and retrained values and whether they
    agree within TOLERANCE."""
    if name not in RETRAIN:
        raise ValueError(f"no re-training is defined for page {name!r}")
    table_name, which, retrain = RETRAIN[name]
    names = table_name if isinstance(table_name, tuple) else (table_name,)
    table = tables[next((n for n in names if n in tables), names[0])]
    rows = sample(table[which(table)], per_learner, seed)
    out = []
    for i, row in enumerate(rows.to_dict("records"), 1):
        progress(f"{name}: retraining {i}/{len(rows)}: {row['learner']} N={row['N']} "
                 f"m={row.get('m')} seed={row['seed']} lr={row['lr']} "
                 f"decay={row['weight_decay']}")
        same = (table["learner"] == row["learner"]) & (table["N"] == row["N"]) & (
            table["seed"] == row["seed"])
        for col in ("m", "d", "reading"):
            if col in table:
                same &= table[col] == row[col]
        new = retrain(row, table[same], P)
        for err in ERRORS:
            if err not in row or pd.isna(row[err]):
                continue
            old, now = float(row[err]), float(new[err])
            rel = abs(now - old) / max(abs(old), 1e-300)
            out.append({"learner": row["learner"], "N": row["N"], "m": row.get("m"),
                        "seed": row["seed"], "lr": row["lr"],
                        "weight_decay": row["weight_decay"], "error": err, "committed": old,
                        "retrained": now, "relative_difference": rel,
                        "agrees": bool(rel <= TOLERANCE)})
    return pd.DataFrame(out)

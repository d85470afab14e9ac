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


def relative_difference(committed: float, now: float) -> float:
    """|now - committed| relative to the committed value (the measure TOLERANCE bounds)."""
    return abs(now - committed) / max(abs(committed), 1e-300)


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
            rel = relative_difference(old, now)
            out.append({"learner": row["learner"], "N": row["N"], "m": row.get("m"),
                        "seed": row["seed"], "lr": row["lr"],
                        "weight_decay": row["weight_decay"], "error": err, "committed": old,
                        "retrained": now, "relative_difference": rel,
                        "agrees": bool(rel <= TOLERANCE)})
    return pd.DataFrame(out)


def extend_ridges(grid: pd.DataFrame, chosen: pd.DataFrame | None, P: dict, ridges,
                  progress=print) -> tuple[pd.DataFrame, pd.DataFrame | None, dict]:
    """A committed run's kernels refitted over a longer ridge path: `ridges` holds every ridge
    of the run (P["ridges"]) and more. Each kernel fit (learner, N, m, seed) is refitted with
    the current code over the whole path; its committed rows must agree within TOLERANCE (else
    ValueError), and stay as committed, and the new ridges' rows are appended after them. The
    choices on validation and by the paper's rule are marked again (a network's may not move,
    checked), and the rows of `chosen` (the page's figure table: one row per choice, keyed by
    the grid's columns it shares) follow the kernels' new choices.

    Why not re-run the page: its networks took hours to train, and their rows do not depend on
    the ridges; the kernels' fits take seconds. Returns the grid, the chosen table and what was
    checked: cells, compared rows, largest relative difference, choices moved."""
    from .kernels import fit_kernel
    from .train import SELECT_GROUP, Data, mark_selected

    old = [float(r) for r in P["ridges"]]
    new_ridges = sorted(float(r) for r in ridges)
    added = [r for r in new_ridges if not any(math.isclose(r, o) for o in old)]
    if any(not any(math.isclose(o, r) for r in new_ridges) for o in old):
        raise ValueError(f"the new ridges {new_ridges} leave out some of the run's {old}")
    if not added:
        raise ValueError(f"the ridges {new_ridges} add nothing to the run's {old}")
    kern = grid["fit"] == "ridge"
    keys = [c for c in SELECT_GROUP if c in grid.columns and c != "fit"]
    cells = list(grid[kern].groupby(keys, sort=False, dropna=False))
    pieces, worst, compared = [], 0.0, 0
    for i, (_, cell) in enumerate(cells, 1):
        row = cell.iloc[0]
        m = None if pd.isna(row["m"]) or math.isinf(float(row["m"])) else int(row["m"])
        progress(f"refitting {i}/{len(cells)}: {row['learner']} N={int(row['N'])} m={m} "
                 f"seed={int(row['seed'])}")
        target = _target(row)
        data = Data.sample(target, int(row["N"]), n_val=P["n_val"], n_test=P["n_test"],
                           seed=int(row["data_seed"]))
        path = fit_kernel(target, row["learner"], N=int(row["N"]), m=m,
                          seeds=[int(row["seed"])], ridges=new_ridges, data=data, device="cpu")
        for _, c in cell.iterrows():
            now = path[np.isclose(path["ridge"], c["ridge"])]
            if len(now) != 1:
                raise ValueError(f"{row['learner']} N={row['N']} m={m} seed={row['seed']}: "
                                 f"ridge {c['ridge']} is not on the new path")
            for err in ERRORS:
                a, b = float(c[err]), float(now[err].iloc[0])
                rel = relative_difference(a, b)
                compared += 1
                worst = max(worst, rel)
                if not rel <= TOLERANCE:
                    raise ValueError(f"{row['learner']} N={row['N']} m={m} seed={row['seed']} "
                                     f"ridge {c['ridge']:g}: {err} {b!r} refitted, {a!r} "
                                     f"committed (relative {rel:.1e} > {TOLERANCE:g})")
        more = path[path["ridge"].apply(lambda r: any(math.isclose(r, a) for a in added))]
        more = more.reindex(columns=grid.columns)
        for col in grid.columns:  # columns the sweep adds (a run's constants) as committed
            if col not in path.columns and cell[col].nunique(dropna=False) == 1:
                more[col] = cell[col].iloc[0]
        # placed right after the cell's committed rows, in the path's order
        last = grid.index.get_loc(cell.index[-1])
        pieces.append(more.assign(_at=last + (1 + np.arange(len(more))) / (len(more) + 1)))
    out = pd.concat([grid.assign(_at=np.arange(len(grid), dtype=float)), *pieces],
                    ignore_index=True)
    out = out.sort_values("_at", kind="stable").drop(columns="_at").reset_index(drop=True)
    out = mark_selected(out)
    nets = out["fit"] != "ridge"
    for col in ("selected_val", "selected_test"):
        out[col] = out[col].astype(bool)
        before = grid.loc[grid["fit"] != "ridge", col].astype(bool).to_numpy()
        if not (out.loc[nets, col].to_numpy() == before).all():
            raise ValueError("marking the choices again moved a network's choice")
    moved = int((out.loc[~nets & out["selected_val"], "ridge"].to_numpy()
                 != grid.loc[kern & grid["selected_val"].astype(bool), "ridge"].to_numpy()).sum())
    report = {"cells": len(cells), "ridges_added": added, "rows_compared": compared,
              "max_relative_difference": worst, "choices_moved": moved}
    return out, (None if chosen is None else _rechoose(chosen, out)), report


def _rechoose(chosen: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """`chosen` with each kernel's row replaced by its choice in `grid` (the columns the grid
    has; `test_error_paper_rule` the paper's rule's choice; the others as committed)."""
    from .train import SELECT_GROUP

    keys = [c for c in SELECT_GROUP if c in chosen.columns and c in grid.columns]
    out = chosen.copy()
    for rule in ("val", "test"):
        pick = grid[grid[f"selected_{rule}"].astype(bool) & (grid["fit"] == "ridge")]
        for _, r in pick.iterrows():
            at = out.index[(out[keys].eq(r[keys]) | (out[keys].isna() & r[keys].isna()))
                           .all(axis=1)]
            if len(at) != 1:
                raise ValueError(f"the figure table has {len(at)} rows for {r[keys].to_dict()}")
            if rule == "test":
                out.loc[at, "test_error_paper_rule"] = r["test_error"]
            else:
                cols = [c for c in out.columns if c in grid.columns]
                out.loc[at, cols] = r[cols].to_numpy()
    return out

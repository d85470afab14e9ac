"""Watching hierarchical learning: what each block of the 3-layer ResNet learns, epoch by epoch,
and joint against layer-wise training.

For the Section 6 ResNet, out(x) = out1(x) + r(x) with out1 = A relu((W0+W)(x,1)) (the lower
block) and r(x) = A relu((V0+V)(out1(x),1)) (the residual branch). On held-out data we record:

* ``F_error``: mean ||out1(x) - beta F(x)||^2, how well the lower block carries the base signal;
* ``G_error``: mean ||r(x) - alpha G(F(x))||^2, how well the branch carries the composite one;
* ``F_captured`` / ``G_captured``: the regression coefficient of out1_j on beta F_j (of r_j on
  alpha G_j), averaged over outputs j: 1 means that output is fully carried by that block;
* ``test_error``: the usual mean ||out(x) - y||^2.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .learners import make_learner
from .train import Data, resolve_device, squared_error, train_batched


def _cached(store, spec: dict, compute) -> list[dict]:
    """Rows of one seed from the result cache `store` (None: no cache), else computed and kept,
    so that an interrupted run resumes."""
    if store is None:
        return compute()
    spec = {"kind": "hierarchy", **spec}
    rows = store.get(spec, __name__)
    if rows is None:
        rows = compute()
        store.put(spec, rows, __name__)
    return rows


def _projection(pred: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Per configuration, the mean over outputs of <pred_j, ref_j> / <ref_j, ref_j>."""
    num = (pred * ref).sum(dim=1)
    den = (ref * ref).sum(dim=0).clamp_min(1e-12)
    return (num / den).mean(dim=1)


def _decompose(pred: torch.Tensor, ref_f: torch.Tensor, ref_g: torch.Tensor) -> dict:
    """Per configuration, each output of `pred` (B, n, k) regressed on both parts of the target
    at once, pred_j = a_j beta F_j + b_j alpha G_j + rest_j (least squares over the n inputs):
    the mean over outputs of a_j and b_j, and the mean squared norm of the rest."""
    X = torch.stack([ref_f, ref_g], dim=-1).double()  # (n, k, 2)
    gram = torch.einsum("nkp,nkq->kpq", X, X)  # (k, 2, 2)
    rhs = torch.einsum("nkp,bnk->bkp", X, pred.double())  # (B, k, 2)
    coef = torch.linalg.solve(gram.unsqueeze(0).expand(rhs.shape[0], -1, -1, -1),
                              rhs.unsqueeze(-1)).squeeze(-1)  # (B, k, 2)
    rest = pred.double() - torch.einsum("nkp,bkp->bnk", X, coef)
    return {"on_F": coef[..., 0].mean(dim=1), "on_G": coef[..., 1].mean(dim=1),
            "rest": rest.pow(2).sum(dim=2).mean(dim=1)}


def block_metrics(model, target, x: torch.Tensor, chunk: int = 4096) -> dict:
    """The metrics above for every configuration of a batched ResNet (B,) on inputs x, and
    each block's output decomposed along both parts of the target (_decompose): `lower_on_F`,
    `lower_on_G`, `lower_rest` for the lower block, `branch_on_F`, `branch_on_G`,
    `branch_rest` for the branch, and `lower_power`, `branch_power`, their mean squared
    norms."""
    xs = x.double().cpu().numpy()
    f = target.F(xs)
    ref_f = torch.as_tensor(target.beta * f, dtype=x.dtype, device=x.device)
    ref_g = torch.as_tensor(target.alpha * target.G(f), dtype=x.dtype, device=x.device)
    with torch.no_grad():
        out1 = torch.cat([model.out1(x[i:i + chunk]) for i in range(0, len(x), chunk)], dim=1)
        out = torch.cat([model(x[i:i + chunk]) for i in range(0, len(x), chunk)], dim=1)
    branch = out - out1
    y = ref_f + ref_g
    mean_sq = lambda t: t.double().pow(2).sum(dim=2).mean(dim=1)  # noqa: E731
    lower, upper = _decompose(out1, ref_f, ref_g), _decompose(branch, ref_f, ref_g)
    return {"test_error": mean_sq(out - y), "F_error": mean_sq(out1 - ref_f),
            "G_error": mean_sq(branch - ref_g), "F_captured": _projection(out1, ref_f),
            "G_captured": _projection(branch, ref_g),
            **{f"lower_{k}": v for k, v in lower.items()},
            **{f"branch_{k}": v for k, v in upper.items()},
            "lower_power": mean_sq(out1), "branch_power": mean_sq(branch)}


def dynamics(target, *, N: int, m: int, lr: float, weight_decay: float, seeds, epochs: int,
             n_test: int = 2000, device="cpu", every: int = 1,
             lr_drop: bool = True, store=None) -> pd.DataFrame:
    """Train 3resnet once per seed, each seed on its own data (drawn from the seed), and record
    the block metrics on held-out data every `every` epochs. One row per (seed, epoch).
    `lr_drop=False` is the control without the learning-rate drop at half the epochs.
    `store`: a ResultStore, to keep each seed's rows and reuse them."""
    def one(seed):
        rows = []
        data = Data.sample(target, N, n_val=1, n_test=n_test, seed=seed, device=device)
        model = make_learner("3resnet", target.d, target.k, m, [seed],
                             device=data.x_train.device)

        def record(epoch, net):
            if (epoch + 1) % every and epoch + 1 != epochs:
                return
            metrics = block_metrics(net, target, data.x_test)
            rows.append({"learner": "3resnet", "seed": seed, "epoch": epoch + 1, "N": N,
                         "m": m, "lr_drop": lr_drop,
                         **{k: float(v[0]) for k, v in metrics.items()}})

        record(-1, model)  # epoch 0: the initialisation
        train_batched(model, data, [lr], [weight_decay], epochs=epochs, callback=record,
                      progress=False, lr_drop=lr_drop)
        return rows

    spec = {"what": "dynamics", "target": target.params(), "N": N, "m": m, "lr": lr,
            "weight_decay": weight_decay, "epochs": epochs, "n_test": n_test, "every": every,
            "lr_drop": lr_drop, "device": resolve_device(device).type}
    return pd.DataFrame([r for seed in seeds
                         for r in _cached(store, {**spec, "seed": seed}, lambda: one(seed))])


def first_epochs(table: pd.DataFrame, column: str, level: float) -> pd.Series:
    """Per seed, the first epoch at which `column` reaches `level` (NaN where it never does:
    those seeds are counted, not dropped, by `reached`)."""
    return table.groupby("seed").apply(
        lambda g: g[g[column] >= level]["epoch"].min(), include_groups=False)


def reached(table: pd.DataFrame, column: str, level: float) -> str:
    """'k of n seeds, mean epoch E' for the first time `column` reaches `level`."""
    t = first_epochs(table, column, level)
    hit = t.dropna()
    mean = f", mean epoch {hit.mean():.0f}" if len(hit) else ""
    return f"{len(hit)} of {len(t)} seeds{mean}"


def correction(table: pd.DataFrame, level: float = 0.5) -> pd.Series:
    """Per seed: the lower block's error against beta F at the end of training divided by the
    same error at the first epoch where the branch carries `level` of alpha G(F) (below 1: the
    lower block kept improving while the branch learned; NaN where it never got there)."""
    out = {}
    for seed, g in table.groupby("seed"):
        g = g.sort_values("epoch")
        hit = g[g["G_captured"] >= level]
        out[seed] = (float(g["F_error"].iloc[-1] / hit["F_error"].iloc[0]) if len(hit)
                     else np.nan)
    return pd.Series(out, name="correction")


def train_scheme(target, scheme: str, *, N: int, m: int, lrs, weight_decays, seeds,
                 epochs: int, n_val: int, n_test: int, device="cpu",
                 store=None) -> pd.DataFrame:
    """Every configuration (learning rate x weight decay) of one training scheme, per seed,
    with its train, validation and test error and whether it diverged (the choice on
    validation, or by the paper's rule, is train.mark_selected's to make):

    * ``joint``: 3resnet, W and V trained together (the paper's protocol);
    * ``layer-wise``: 3resnet, first W alone (V frozen at its initialisation) for half the
      epochs, then V alone (W frozen) for the other half, each half with its own step decay;
    * ``3layer``: the fully connected network without the skip connection, trained jointly.

    `store`: a ResultStore, to keep each seed's rows and reuse them.
    """
    import itertools

    grid = list(itertools.product(lrs, weight_decays))

    def one(seed):
        data = Data.sample(target, N, n_val=n_val, n_test=n_test, seed=seed, device=device)
        configs, wds = [g[0] for g in grid], [g[1] for g in grid]
        learner = "3layer" if scheme == "3layer" else "3resnet"
        model = make_learner(learner, target.d, target.k, m, [seed] * len(grid),
                             device=data.x_train.device)
        if scheme == "layer-wise":
            half = max(1, epochs // 2)
            model.trained = ("W",)
            res = train_batched(model, data, configs, wds, epochs=half, progress=False)
            model.trained = ("V",)
            res2 = train_batched(model, data, configs, wds, epochs=max(1, epochs - half),
                                 progress=False)
            diverged = res["diverged"] | res2["diverged"]
        else:
            diverged = train_batched(model, data, configs, wds, epochs=epochs,
                                     progress=False)["diverged"]
        errors = {part: squared_error(model, x, y).cpu() for part, x, y in (
            ("train", data.x_train, data.y_train), ("val", data.x_val, data.y_val),
            ("test", data.x_test, data.y_test))}
        return [{"learner": scheme, "N": N, "m": m, "seed": seed, "lr": lr,
                 "weight_decay": wd, "epochs": epochs, "diverged": bool(diverged[b]),
                 **{f"{part}_error": float(e[b]) for part, e in errors.items()}}
                for b, (lr, wd) in enumerate(grid)]

    spec = {"what": "scheme-grid", "scheme": scheme, "target": target.params(), "N": N,
            "m": m, "lrs": list(lrs), "weight_decays": list(weight_decays), "epochs": epochs,
            "n_val": n_val, "n_test": n_test, "device": resolve_device(device).type}
    return pd.DataFrame([r for seed in seeds
                         for r in _cached(store, {**spec, "seed": seed}, lambda: one(seed))])

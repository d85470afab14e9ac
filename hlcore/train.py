"""The paper's SGD protocol, with a whole grid of configurations trained as one batched model.

Protocol (paper, v2 Appendix A): SGD with momentum 0.9, mini-batch 50, learning rate divided
by 10 at half the epochs, learning rate and weight decay searched over {1, 2, 5} x 10^-k.
Loss per sample: (1/2) ||out(x) - y||^2 (the paper's objective (6.1)), averaged over the
mini-batch (our reading; `loss_reduction="sum"` sums it, as a loss written without a mean
would). Weight decay pulls the trained displacement to zero (our reading; `decay="weight"`
pulls the whole weight W0 + W, as PyTorch's weight decay on a randomly initialised parameter
would). Test error: mean over samples of ||out(x) - y||^2, without the 1/2.

Batching: configurations (seed, lr, weight decay) are stacked along a leading dimension and
trained together with batched matmuls. Each keeps its own learning rate, weight decay, data
order (drawn from its seed) and initialisation (drawn from its seed), so its result is the one
it would have alone, to float rounding.
"""
from __future__ import annotations

import itertools
import math
import os
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .fused import FusedStep
from .learners import InitScales, Learner, make_learner, resolve_device
from .targets import Target
from .validation import check_choice, check_nonempty, check_nonnegative, check_positive_int


def _keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed blocks of up to 32 MB instead of handing them back to
    the system. A batched step allocates tensors of a few MB; by default each comes freshly
    mapped and page-faulted, which made a 3resnet step (B = 16, m = 500) 10-30 % slower here.
    (PyTorch's CPU tuning guide suggests another allocator for the same reason; this needs
    no install.) A no-op where the C library is not glibc."""
    import ctypes
    import ctypes.util
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 32 * 2**20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 * 2**20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


_keep_freed_memory()

#: A configuration whose mini-batch loss exceeds this multiple of the loss of predicting 0
#: (or is NaN/inf) is stopped and marked diverged.
DIVERGENCE_FACTOR = 1e3
LOSS_REDUCTIONS = ("mean", "sum")
DECAYS = ("displacement", "weight")
ENGINES = ("auto", "fused", "autograd")


def paper_grid(lo: int, hi: int) -> list[float]:
    """The {1, 2, 5} x 10^-e grid for e from hi down to lo, ascending, e.g. paper_grid(1, 3) =
    [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]."""
    return [float(f"{c}e-{e}") for e in range(hi, lo - 1, -1) for c in (1, 2, 5)]


@dataclass
class Data:
    """Train, validation and test sets of one target, as float tensors on one device."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    seed: int

    @classmethod
    def sample(cls, target: Target, N: int, *, n_val: int = 2000, n_test: int = 10000,
               seed: int = 0, device="cpu", dtype=torch.float32) -> "Data":
        """Independent train (N), validation and test sets; each depends on `seed` only."""
        check_positive_int("N", N)
        check_positive_int("n_val", n_val)
        check_positive_int("n_test", n_test)
        dev = resolve_device(device)
        parts = [target.sample(n, np.random.default_rng([seed, i]))
                 for i, n in enumerate((N, n_val, n_test))]
        t = [torch.as_tensor(a, dtype=dtype, device=dev) for xy in parts for a in xy]
        return cls(*t, seed=seed)

    @property
    def N(self) -> int:
        return len(self.x_train)

    def to(self, device) -> "Data":
        """The same sets on `device` (self if they are there already)."""
        device = torch.device(device)
        if self.x_train.device == device:
            return self
        return Data(*(getattr(self, f).to(device) for f in
                      ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")), seed=self.seed)


def squared_error(model: Learner, x: torch.Tensor, y: torch.Tensor, chunk: int | None = None):
    """Per-configuration mean over samples of ||out(x) - y||^2 (summed over outputs): (B,)."""
    # Chunks of about 2^20 hidden activations keep the working set in cache.
    chunk = chunk or max(64, 2**20 // (model.batch * model.m))
    if FusedStep.supports(model):
        return FusedStep(model).squared_errors(x, y, chunk) / len(x)
    total = torch.zeros(model.batch, dtype=torch.float64, device=y.device)
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            diff = model(x[i:i + chunk]) - y[i:i + chunk]
            total += diff.double().pow(2).sum(dim=(1, 2))
    return total / len(x)


def _order_generator(seed: int) -> torch.Generator:
    # Data order is drawn from its own stream, separate from the initialisation's.
    return torch.Generator().manual_seed(int(np.random.SeedSequence([seed, 1]).generate_state(1)[0]))


def _quiet() -> bool:
    return bool(os.environ.get("HL_QUIET")) or bool(os.environ.get("PYTEST_CURRENT_TEST"))


def train_batched(model: Learner, data: Data, lrs, weight_decays, *, epochs: int,
                  batch_size: int = 50, momentum: float = 0.9, progress: bool | None = None,
                  callback=None, loss_reduction: str = "mean",
                  decay: str = "displacement", lr_drop: bool = True,
                  engine: str = "auto", eval_every: int = 0, eval_sets: dict | None = None) -> dict:
    """Train the B networks of `model` in place, configuration b with lrs[b], weight_decays[b]
    and data order drawn from model.seeds[b]. Returns per-configuration tensors: `diverged`,
    `loss_history` (epochs, B) and `seconds`.

    `callback(epoch, model)`, if given, runs after each epoch (e.g. to record dynamics).
    `lr_drop=False` keeps the learning rate constant (a control, not the paper's protocol).
    `engine`: "fused" (hlcore.fused's hand-written step: 2layer, 3layer, 3resnet and the
    learners registered with FusedStep.register), "autograd" (the reference), or "auto"
    (fused where it applies).

    `eval_every` > 0 with `eval_sets` ({name: (x, y)}) records each set's squared error every
    `eval_every` epochs and after the last one, all configurations in one batched pass (about
    1-2 % of the training time at 32 checkpoints): `curve_epochs` (n,) and `curves` {name:
    (n, B) float64}, NaN for a configuration that has diverged."""
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    check_choice("loss_reduction", loss_reduction, LOSS_REDUCTIONS)
    check_choice("decay", decay, DECAYS)
    check_choice("engine", engine, ENGINES)
    if eval_every < 0 or (eval_every and not eval_sets):
        raise ValueError("eval_every must be >= 0, and > 0 needs eval_sets")
    fused = FusedStep(model) if engine != "autograd" and FusedStep.supports(model) else None
    if engine == "fused" and fused is None:
        raise ValueError(f"engine='fused' has no step for {model.name} training "
                         f"{', '.join(model.trained)}; use engine='auto' or 'autograd'")
    if fused is not None:
        x_pad, y_pad = fused.pad(data.x_train, data.y_train)
    B, dev = model.batch, model.A0.device
    lr0 = torch.as_tensor(lrs, dtype=model.A0.dtype, device=dev).reshape(B)
    wd = torch.as_tensor(weight_decays, dtype=model.A0.dtype, device=dev).reshape(B)
    if (lr0 < 0).any() or (wd < 0).any():
        raise ValueError("learning rates and weight decays must be >= 0")
    params = [getattr(model, name) for name in model.trained]
    bufs = [torch.zeros_like(p) for p in params]
    owner = getattr(model, "base", model)  # a linearised learner keeps W0 in its base
    inits = [getattr(owner, name + "0") if decay == "weight" else None for name in model.trained]
    shape = lambda v: v.reshape(B, *([1] * (params[0].dim() - 1)))  # noqa: E731
    alive = torch.ones(B, dtype=torch.bool, device=dev)
    bound = DIVERGENCE_FACTOR * (0.5 * data.y_train.pow(2).sum(1).mean().item() + 1.0)
    gens = [_order_generator(s) for s in model.seeds]
    N = data.N
    history = torch.zeros(epochs, B, dtype=torch.float64)
    show = (not _quiet()) if progress is None else progress
    curve_epochs, curves = [], {name: [] for name in (eval_sets or {}) if eval_every}
    start = time.perf_counter()
    from tqdm import tqdm
    for epoch in tqdm(range(epochs), desc=f"{model.name} x{B}", disable=not show, leave=False):
        # Step decay: the learning rate is divided by 10 at half the epochs.
        lr = lr0 * (0.1 if lr_drop and epoch >= epochs // 2 and epochs > 1 else 1.0)
        step_lr = shape(lr * alive)
        step_wd = shape(wd)
        order = torch.stack([torch.randperm(N, generator=g) for g in gens]).to(dev)
        epoch_loss = torch.zeros(B, dtype=torch.float64, device=dev)
        for i in range(0, N, batch_size):
            idx = order[:, i:i + batch_size]
            if fused is not None:
                loss_b, grads = fused(*fused.batch(x_pad, y_pad, idx),
                                      1.0 if loss_reduction == "sum" else 1 / idx.shape[1])
            else:
                out = model(data.x_train[idx])
                loss_b = 0.5 * (out - data.y_train[idx]).pow(2).sum(dim=2).mean(dim=1)
                total = loss_b.sum() * (idx.shape[1] if loss_reduction == "sum" else 1)
                grads = torch.autograd.grad(total, params)
            with torch.no_grad():
                bad = ~(loss_b <= bound)  # catches NaN and inf as well
                if bad.any():
                    alive &= ~bad
                    step_lr = shape(lr * alive)
                    for p, buf in zip(params, bufs):
                        p[bad] = 0.0
                        buf[bad] = 0.0
                    grads = [torch.where(shape(alive), g, 0.0) for g in grads]
                # PyTorch's SGD, in its order: g += wd * p; buf = momentum * buf + g;
                # p -= lr * buf (one call per operation for all weights)
                decayed = params if decay == "displacement" else [
                    p + p0 for p, p0 in zip(params, inits)]
                torch._foreach_addcmul_(grads, decayed, [step_wd] * len(grads))
                torch._foreach_mul_(bufs, momentum)
                torch._foreach_add_(bufs, grads)
                torch._foreach_addcmul_(params, bufs, [step_lr] * len(bufs), value=-1.0)
                epoch_loss += loss_b.detach().double() * len(idx[0])
        history[epoch] = (epoch_loss / N).cpu()
        if curves and ((epoch + 1) % eval_every == 0 or epoch == epochs - 1):
            curve_epochs.append(epoch + 1)
            for name, (x, y) in eval_sets.items():
                err = squared_error(model, x, y).cpu()
                curves[name].append(torch.where(alive.cpu(), err, math.nan))
        if callback is not None:
            callback(epoch, model)
    out = {"diverged": (~alive).cpu(), "loss_history": history,
           "seconds": time.perf_counter() - start}
    if curves:
        out["curve_epochs"] = curve_epochs
        out["curves"] = {name: torch.stack(v) for name, v in curves.items()}
    return out


def _early_stop(res: dict, b: int) -> dict:
    """Configuration b's errors at its checkpoint with the lowest validation error."""
    val = res["curves"]["val"][:, b]
    i = int(torch.argmin(torch.nan_to_num(val, nan=math.inf)))
    out = {f"{s}_error": float(c[i, b]) for s, c in res["curves"].items()}
    return {**out, "stop_epoch": res["curve_epochs"][i],
            "best_test_error_along": float(torch.nan_to_num(
                res["curves"]["test"][:, b], nan=math.inf).min())}


def grid_configs(seeds, lrs, weight_decays) -> list[tuple[int, float, float]]:
    """All (seed, lr, weight_decay) combinations, in a fixed order."""
    return list(itertools.product(check_nonempty("seeds", seeds), check_nonempty("lrs", lrs),
                                  check_nonempty("weight_decays", weight_decays)))


def train_grid(target: Target, learner: str, *, N: int, m: int, lrs, weight_decays,
               seeds=(0,), epochs: int = 40, batch_size: int = 50, momentum: float = 0.9,
               data: Data | None = None, data_seed: int = 0, n_val: int = 2000,
               n_test: int = 10000, group_size: int | None = None, init: InitScales | None = None,
               device="auto", progress: bool | None = None, return_models: bool = False,
               store=None, loss_reduction: str = "mean", decay: str = "displacement",
               early_stopping: bool = False, eval_every: int | None = None):
    """Train `learner` on `target` for every (seed, lr, weight decay) of the grid.

    `early_stopping` (our reading of the paper's "best in terms of testing accuracy", made
    honest): train, validation and test errors are recorded every `eval_every` epochs (default
    epochs // 32) and after the last; each configuration reports them at the checkpoint with
    the lowest validation error (`stop_epoch`, earliest on ties), its final errors as
    `final_*_error`, and the lowest test error along training as `best_test_error_along` (the
    paper's test-set rule, read one step further). Without it, the final model is reported.

    Configurations are trained in batched groups of `group_size` (default: the whole grid).
    With a `store` (hlcore.store.ResultStore), finished configurations are read from it and
    only the others are trained, each stored as soon as its group finishes: an interrupted run
    resumes, and a larger grid computes only its new points (column `cached`).
    Returns a tidy DataFrame, one row per configuration (and the models trained now, if
    `return_models`)."""
    check_positive_int("m", m)
    check_nonnegative("momentum", momentum)
    configs = grid_configs(seeds, lrs, weight_decays)
    for _, lr, wd in configs:
        check_nonnegative("lr", lr)
        check_nonnegative("weight_decay", wd)
    dev = resolve_device(device)
    if data is None:
        data = Data.sample(target, N, n_val=n_val, n_test=n_test, seed=data_seed, device=dev)
    elif data.N != N:
        raise ValueError(f"data has N={data.N} training samples but N={N} was asked for")
    else:
        data = data.to(dev)
    spec = {"fit": "sgd", **target.params(), "learner": learner, "N": N, "m": m,
            "epochs": epochs, "batch_size": batch_size, "momentum": momentum,
            "data_seed": data.seed, "n_val": len(data.x_val), "n_test": len(data.x_test),
            "init": None if init is None else vars(init), "device": dev.type}
    if (loss_reduction, decay) != ("mean", "displacement"):  # the defaults keep their keys
        spec.update(loss_reduction=loss_reduction, decay=decay)
    if early_stopping:
        eval_every = eval_every or max(1, epochs // 32)
        check_positive_int("eval_every", eval_every)
        spec.update(early_stopping=True, eval_every=eval_every)
    splits = ("train", "val", "test")
    config_spec = lambda c: {**spec, "seed": c[0], "lr": c[1], "weight_decay": c[2]}  # noqa: E731
    done = {}
    if store is not None:
        for c in configs:
            hit = store.get(config_spec(c), __name__)
            if hit is not None:
                done[c] = {**hit[0], "cached": True}
    todo = [c for c in configs if c not in done]
    group_size = group_size or max(1, len(todo))
    models = []
    for g in range(0, len(todo), group_size):
        group = todo[g:g + group_size]
        model = make_learner(learner, target.d, target.k, m, [c[0] for c in group],
                             init=init, device=dev)
        sets = {s: (getattr(data, "x_" + s), getattr(data, "y_" + s)) for s in splits}
        res = train_batched(model, data, [c[1] for c in group], [c[2] for c in group],
                            epochs=epochs, batch_size=batch_size, momentum=momentum,
                            progress=progress, loss_reduction=loss_reduction, decay=decay,
                            eval_every=eval_every if early_stopping else 0, eval_sets=sets)
        if early_stopping:
            errors = {s: res["curves"][s][-1] for s in splits}
        else:
            errors = {s: squared_error(model, *sets[s]).cpu() for s in splits}
        for b, (seed, lr, wd) in enumerate(group):
            div = bool(res["diverged"][b])
            stopped = _early_stop(res, b) if early_stopping and not div else {}
            done[group[b]] = row = {
                **target.params(), "learner": learner, "fit": "sgd", "N": N, "m": m,
                "seed": seed, "data_seed": data.seed, "lr": lr, "weight_decay": wd,
                "epochs": epochs, "ridge": math.nan, "batch_size": batch_size,
                "loss_reduction": loss_reduction, "decay": decay,
                **{f"{s}_error": math.nan if div else float(e[b]) for s, e in errors.items()},
                "final_train_loss": float(res["loss_history"][-1, b]),
                "diverged": div, "seconds": res["seconds"] / len(group),
                "group_seconds": res["seconds"], "group_size": len(group)}
            if early_stopping:
                row.update({f"final_{s}_error": row[f"{s}_error"] for s in splits},
                           stop_epoch=math.nan, best_test_error_along=math.nan,
                           eval_every=eval_every)
                row.update(stopped)
            if store is not None:
                store.put(config_spec(group[b]), [row], __name__)
            row["cached"] = False
        models.append(model)
    table = pd.DataFrame([done[c] for c in configs])
    return (table, models) if return_models else table


#: A configuration is chosen within each group of these columns (those a table has): the
#: target with all its parameters, the learner, the data and the width.
SELECT_GROUP = ("target", "d", "k", "alpha", "beta", "f_degree", "g_degree", "g_pattern",
                "learner", "fit", "N", "m", "seed", "data_seed")


def select(table: pd.DataFrame, by: str = "val_error", group=SELECT_GROUP) -> pd.DataFrame:
    """The best configuration of each group: by the validation error (honest, the default) or
    by the test error (`by="test_error"`, the paper's rule). Diverged runs are never chosen."""
    if by not in ("val_error", "test_error"):
        raise ValueError(f"select by 'val_error' or 'test_error'; got {by!r}")
    ok = table[~table["diverged"].astype(bool) & table[by].notna()]
    keys = [c for c in group if c in table.columns]
    return ok.loc[ok.groupby(keys, sort=True, dropna=False)[by].idxmin()].reset_index(drop=True)


def mark_selected(table: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """The table with boolean columns `selected_val` and `selected_test` (the paper's rule)."""
    out = table.copy()
    for by, col in (("val_error", "selected_val"), ("test_error", "selected_test")):
        chosen = select(table.reset_index(drop=True).assign(_row=range(len(table))), by=by,
                        **kwargs)["_row"]
        out[col] = False
        out.iloc[chosen.to_numpy(), out.columns.get_loc(col)] = True
    return out


def grid_edges(table: pd.DataFrame, by: str = "val_error", group=SELECT_GROUP) -> pd.DataFrame:
    """The chosen configurations (by `by`) whose learning rate or weight decay sits at an edge of
    the grid it was chosen from, where a better value may lie outside it: the largest value
    tried, or the smallest (a weight decay of 0 is no edge: nothing lies below it). A value
    with a larger one tried is interior on that side, whether the larger one diverged or not
    (a diverging neighbour bounds the search too). One row per (group, parameter, side)."""
    if table.empty or "lr" not in table.columns:
        return pd.DataFrame(columns=["learner", "parameter", "value", "side", "where"])
    sgd = table[table.get("fit", "sgd") == "sgd"] if "fit" in table.columns else table
    keys = [c for c in group if c in sgd.columns]
    rows = []
    for _, g in sgd.groupby(keys, sort=True, dropna=False):
        chosen = select(g, by=by, group=keys)
        if chosen.empty:
            continue
        c = chosen.iloc[0]
        where = ", ".join(f"{k}={c[k]}" for k in ("N", "m", "seed") if k in c.index)
        for param in ("lr", "weight_decay"):
            values = sorted(g[param].unique())
            v = c[param]
            if len(values) == 1 and not (param == "weight_decay" and v == 0):
                rows.append({"learner": c["learner"], "parameter": param, "value": v,
                             "side": "only value", "where": where})
            if len(values) == 1:
                continue
            if v == values[-1]:
                rows.append({"learner": c["learner"], "parameter": param, "value": v,
                             "side": "top", "where": where})
            elif v == values[0] and not (param == "weight_decay" and v == 0):
                rows.append({"learner": c["learner"], "parameter": param, "value": v,
                             "side": "bottom", "where": where})
    return pd.DataFrame(rows, columns=["learner", "parameter", "value", "side", "where"])

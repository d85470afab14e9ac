"""The Frobenius-norm experiment (the paper's Figure 1 and Figure 3): does SGD find the
small-norm solutions that exist?

Learner: f(x) = a^T relu(W x), W in R^{m x d} trained (no bias), a fixed with entries
+-1/sqrt(m), exactly half positive. Target: `parity6`, y = d^3 x_i1 ... x_i6 on the scaled
hypercube {+-1/sqrt(d)}^d, so y = +-1.

Hand-made solutions follow the paper's recipe: train at d = 6 and m = 200 on all 64 points of
the cube, then embed: scale the 6 columns by sqrt(d / 6) and pad with zero columns (the inputs'
scale changes from 1/sqrt(6) to 1/sqrt(d)), and for m' = r m duplicate every row r times,
divided by sqrt(r), with a fixed at +-1/sqrt(m'). Neither step changes the function (on the
first six coordinates) nor the Frobenius norm beyond the factor sqrt(d / 6).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import torch

from .fused import FusedStep
from .learners import InitScales, Learner, resolve_device
from .targets import make_target
from .train import Data, squared_error, train_batched


class SignNet2(Learner):
    """f(x) = a^T relu(W x), a = +-1/sqrt(m) (first half positive), W trained directly (weight
    decay pulls W itself to zero; W starts at its random initialisation, entries N(0, 1/d))."""

    name = "2layer-sign"
    trained = ("W",)
    _layout_names = ("A", "W")

    @staticmethod
    def macs(d, k, m):
        return d * m + m

    def __init__(self, d, k, m, seeds, **kwargs):
        if m % 2:
            raise ValueError(f"m must be even (half the output signs are positive); got m={m}")
        super().__init__(d, k, m, seeds, **kwargs)
        signs = torch.ones(m, dtype=self.A0.dtype, device=self.A0.device)
        signs[m // 2:] = -1.0
        with torch.no_grad():
            self.A0.copy_((signs / math.sqrt(m)).expand_as(self.A0))
            self.W.copy_(self.W0)  # the trained weight is W itself, not a displacement
            self.W0.zero_()

    def _layout(self):
        d, k, m, s = self.d, self.k, self.m, self.init_scales
        return {"A": (k, m, 1.0, None), "W": (m, d, s["w_std"], None)}

    def hidden(self, x):
        return torch.relu(torch.bmm(self._batched(x), self.weight("W").transpose(1, 2)))

    def frobenius_norms(self) -> torch.Tensor:
        return self.weight("W").detach().double().pow(2).sum(dim=(1, 2)).sqrt()


FusedStep.register(SignNet2, "2layer")  # the 2-layer network without bias: its fast step


def embed(W: np.ndarray, d_new: int, m_new: int) -> np.ndarray:
    """A hand-made network trained at (m, d) as one at (m_new, d_new) computing the same
    function of the first d coordinates (see the module docstring)."""
    m, d = W.shape
    if m_new % m or d_new < d:
        raise ValueError(f"m_new must be a multiple of m={m} and d_new >= d={d}; got "
                         f"m_new={m_new}, d_new={d_new}")
    r = m_new // m
    padded = np.zeros((m, d_new))
    padded[:, :d] = W * math.sqrt(d_new / d)
    return np.repeat(padded, r, axis=0) / math.sqrt(r)


def evaluate(W: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of f(x) = a^T relu(W x) with a = +-1/sqrt(m), first half positive."""
    m = len(W)
    a = np.where(np.arange(m) < m // 2, 1.0, -1.0) / math.sqrt(m)
    return float(np.mean((np.maximum(x @ W.T, 0) @ a - y[:, 0]) ** 2))


def cube(d: int) -> tuple[np.ndarray, np.ndarray]:
    """All 2^d points of the scaled cube with their parity6 labels."""
    target = make_target("parity6", d=d)
    x = np.array(list(itertools.product([-1.0, 1.0], repeat=d))) / math.sqrt(d)
    return x, target(x)


def train_models(d: int, m: int, data: Data, lrs, weight_decays, seeds, epochs: int,
                 record_every: int = 0, keep_weights: bool = False, device="cpu",
                 w_std: float | None = None):
    """Train SignNet2 for every (seed, lr, weight decay), batched. Returns (model, configs,
    history, weights): history has one row per configuration and recorded epoch (every
    `record_every` epochs, and the last) with its train error and Frobenius norm; weights maps
    each recorded epoch to the (B, m, d) weights if `keep_weights`."""
    configs = list(itertools.product(seeds, lrs, weight_decays))
    model = SignNet2(d, 1, m, [c[0] for c in configs], device=device,
                     init=InitScales(w_std=w_std))
    history, weights = [], {}

    def record(epoch, net):
        if not ((record_every and (epoch + 1) % record_every == 0) or epoch + 1 == epochs):
            return
        errs = squared_error(net, data.x_train, data.y_train).cpu().numpy()
        norms = net.frobenius_norms().cpu().numpy()
        for (seed, lr, wd), e, n in zip(configs, errs, norms):
            history.append({"seed": seed, "lr": lr, "weight_decay": wd, "epoch": epoch + 1,
                            "train_error": float(e), "frobenius_norm": float(n)})
        if keep_weights:
            weights[epoch + 1] = net.weight("W").detach().double().cpu().numpy().copy()

    res = train_batched(model, data, [c[1] for c in configs], [c[2] for c in configs],
                        epochs=epochs, callback=record, progress=False)
    hist = pd.DataFrame(history)
    dead = {c for c, bad in zip(configs, res["diverged"].tolist()) if bad}
    hist["diverged"] = [(r.seed, r.lr, r.weight_decay) in dead for r in hist.itertuples()]
    return model, configs, hist, weights


def hand_made(targets=(0.12, 0.037, 0.011), m: int = 200, d: int = 6, epochs: int = 600,
              lrs=(0.1, 0.2, 0.5), weight_decays=(0.0, 1e-4, 1e-3),
              seeds=(0,), w_std: float | None = 0.1, device="cpu") -> list[dict]:
    """Train at (d, m) on the whole cube and keep, for each target error, the smallest-norm
    network that reaches it (checkpoints every 25 epochs are candidates)."""
    x, y = cube(d)
    device = resolve_device(device)
    data = Data(*[torch.as_tensor(a, dtype=torch.float32, device=device)
                  for a in (x, y, x, y, x, y)], seed=0)
    _, configs, hist, snapshots = train_models(d, m, data, lrs, weight_decays, seeds, epochs,
                                               record_every=25, keep_weights=True,
                                               device=device, w_std=w_std)
    out = []
    ok = hist[~hist["diverged"]]
    for goal in targets:
        reach = ok[ok["train_error"] <= goal]
        if reach.empty:
            out.append({"goal": goal, "found": False})
            continue
        best = reach.loc[reach["frobenius_norm"].idxmin()]
        b = configs.index((best.seed, best.lr, best.weight_decay))
        out.append({"goal": goal, "found": True, "W": snapshots[int(best.epoch)][b],
                    "error": float(best.train_error), "norm": float(best.frobenius_norm),
                    "epoch": int(best.epoch), "lr": best.lr, "weight_decay": best.weight_decay})
    return out


def sgd_search(d: int, N: int, m: int, lrs, weight_decays, seeds=(0,), epochs: int = 100,
               n_val: int = 2000, n_test: int = 5000, data_seed: int = 0,
               record_every: int = 10, device="cpu") -> tuple[pd.DataFrame, pd.DataFrame]:
    """SGD from random initialisation on parity6 at (d, N, m) over the lr x weight-decay grid.

    Returns (models, history): one row per trained model (final train, validation and test
    error; its norm ||W||_F, the initialisation's ||W0||_F and the displacement's
    ||W - W0||_F), and one row per model and recorded epoch (train error, norm) for the
    frontier; diverged models are in both, marked in their `diverged` column. Choices among
    models are to be made on the validation error."""
    target = make_target("parity6", d=d)
    data = Data.sample(target, N, n_val=n_val, n_test=n_test, seed=data_seed, device=device)
    model, configs, hist, _ = train_models(d, m, data, lrs, weight_decays, seeds, epochs,
                                           record_every=record_every, device=device)
    # the initialisation, redrawn from the seeds (SignNet2 trains W itself from W0)
    init = SignNet2(d, 1, m, [c[0] for c in configs], device=model.A0.device).weight("W").detach()
    disp = (model.weight("W").detach() - init).double().pow(2).sum(dim=(1, 2)).sqrt()
    init_norms = init.double().pow(2).sum(dim=(1, 2)).sqrt()
    test = squared_error(model, data.x_test, data.y_test).cpu().numpy()
    val = squared_error(model, data.x_val, data.y_val).cpu().numpy()
    train = squared_error(model, data.x_train, data.y_train).cpu().numpy()
    norms = model.frobenius_norms().cpu().numpy()
    dead = set(hist[hist["diverged"]][["seed", "lr", "weight_decay"]].itertuples(index=False,
                                                                                 name=None))
    rows = [{"series": "sgd", "learner": "2layer-sign", "d": d, "N": N, "m": m, "seed": s,
             "lr": lr, "weight_decay": wd, "epochs": epochs,
             "frobenius_norm": float(norms[b]), "init_norm": float(init_norms[b]),
             "displacement_norm": float(disp[b]), "train_error": float(train[b]),
             "val_error": float(val[b]), "test_error": float(test[b]),
             "diverged": (s, lr, wd) in dead}
            for b, (s, lr, wd) in enumerate(configs)]
    # every configuration is kept, a diverged one marked: a search that drops them cannot be
    # checked for completeness
    return pd.DataFrame(rows), hist.assign(d=d, N=N, m=m)


def frontier(history: pd.DataFrame, error: str = "train_error") -> pd.DataFrame:
    """The smallest norm seen at or below each error level (a lower-left Pareto frontier)."""
    h = history.sort_values(error)
    h = h.assign(best=h["frobenius_norm"].cummin())
    h = h[h["frobenius_norm"] <= h["best"]]
    return h.drop(columns="best").reset_index(drop=True)

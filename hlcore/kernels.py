"""Kernel baselines: conjugate kernels and NTKs, at finite width and at infinite width, and
kernel ridge regression over a ridge path.

Names follow the paper: ``X(last)`` is the conjugate kernel of learner X (a new output layer
fitted on X's last hidden layer at its random initialisation) and ``X(NTK)`` its finite-width
neural tangent kernel over the weights X trains; ``X(last-inf)`` and ``X(NTK-inf)`` are their
infinite-width limits. X is one of ``2layer``, ``3layer``, ``3resnet`` (Section 6) and
``3resnet-plain`` (form (2.1)).

Conventions (ours, where the paper is silent):

* One scalar kernel serves every output: for the NTK, the average over the k outputs of
  <d out_j(x)/d theta, d out_j(x')/d theta> (the k x k NTK is diagonal in the infinite-width
  limit, its off-diagonal entries vanish like 1/sqrt(m)). Each output is then a kernel
  predictor of the paper's form (3.1).
* Gradients are taken in the networks' own (standard) parametrisation, as SGD on the paper's
  networks sees them. Kernels are divided by their growth with the width (m for a conjugate
  kernel, for the NTK of 3layer and 3resnet-plain; 1 otherwise), so that they have a limit;
  kernel ridge regression with a relative ridge does not see this constant.
* The infinite-width kernels assume the paper's scales for the layers after the first (A, V,
  U and biases with variance 1/m); the first layer's scale w_std may be changed.
* Section 6's 3resnet has a k-dimensional bottleneck out1 that stays a random Gaussian process
  as m grows, so its infinite-width NTK is random; ``3resnet(NTK-inf)`` is its expectation,
  computed by Monte Carlo over the bottleneck (exact in everything else). See the book's
  appendix on kernels for the derivations.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from .learners import LEARNERS, InitScales, make_learner
from .names import KINDS, is_kernel_name, parse_kernel_name  # noqa: F401 (re-exported)
from .validation import check_choice, check_positive_int


# ---------------------------------------------------------------------------------------------
# Finite width: from the learner's own forward pass
# ---------------------------------------------------------------------------------------------

def ntk_factors(model, x: torch.Tensor):
    """The factors of the NTK of `model` (B networks) at inputs x (n, d).

    Returns (hidden, factors): hidden (B, n, m) is the last hidden layer, and for each trained
    hidden weight a pair (delta, inp): delta (B, n, k, m) is d out_j / d pre-activation of that
    layer and inp (B, n, p+1) the layer's input with its appended 1, so that
    d out_j / d W = delta_j inp^T. Both are read off one forward pass of the network itself
    (the layers record their inputs and accept a zero shift whose gradient is delta)."""
    B, n = model.batch, len(x)
    names = [name for name in model.trained if name != "A"]
    shifts = {name: torch.zeros(B, n, model.m, dtype=model.A0.dtype, device=model.A0.device,
                                requires_grad=True) for name in names}
    model._probe = {"inputs": {}, "shifts": shifts}
    try:
        with torch.enable_grad():
            hidden = model.hidden(x)
            out = torch.bmm(hidden, model.weight("A").transpose(1, 2))
            inputs = model._probe["inputs"]
            deltas = {name: [] for name in names}
            for j in range(model.k):
                grads = torch.autograd.grad(out[:, :, j].sum(), [shifts[n_] for n_ in names],
                                            retain_graph=j < model.k - 1)
                for name, g in zip(names, grads):
                    deltas[name].append(g)
    finally:
        model._probe = None
    ones = torch.ones(B, n, 1, dtype=hidden.dtype, device=hidden.device)
    factors = [(torch.stack(deltas[name], dim=2).detach(),
                torch.cat([inputs[name].detach(), ones], dim=2)) for name in names]
    return hidden.detach(), factors


class FiniteKernel:
    """`X(last)` or `X(NTK)` of one network of width m at its random initialisation (seed).

    ``K(X1, X2)`` returns the float64 kernel matrix; features are computed in float32 blocks
    of rows, so memory stays at the output matrix plus one block of features."""

    def __init__(self, learner: str, kind: str, d: int, k: int, m: int, seed: int = 0, *,
                 init: InitScales | None = None, device="cpu", block: int = 1024):
        check_choice("kernel kind", kind, ("last", "NTK"))
        check_positive_int("m", m)
        self.learner, self.kind, self.m = learner, kind, m
        self.model = make_learner(learner, d, k, m, [seed], init=init, device=device)
        # the NTK divided by the power of m its learner declares (the conjugate kernel by m)
        self.growth = float(m) ** (LEARNERS[learner].ntk_growth if kind == "NTK" else 1)
        self.block = block

    def features(self, x) -> list[torch.Tensor]:
        """Per-sample factors whose products give the kernel (see `_block`)."""
        x = torch.as_tensor(x, dtype=torch.float32, device=self.model.A0.device)
        if self.kind == "last":
            with torch.no_grad():
                return [self.model.hidden(x)[0]]
        hidden, factors = ntk_factors(self.model, x)
        k = self.model.k
        feats = [t for delta, inp in factors for t in (delta[0].reshape(len(x), -1) / k**0.5,
                                                       inp[0])]
        if "A" in self.model.trained:
            feats.append(hidden[0])
        return feats

    def feature_matrix(self, X):
        """For X(last): the float64 features whose inner products are the kernel (a tensor on
        the kernel's device, or a NumPy array for array input)."""
        if self.kind != "last":
            raise ValueError("explicit features are only kept for X(last) kernels")
        parts = [self.features(X[i:i + self.block])[0] for i in range(0, len(X), self.block)]
        out = torch.cat(parts).double() / math.sqrt(self.growth)
        return out if isinstance(X, torch.Tensor) else out.cpu().numpy()

    def _block(self, f1, f2) -> torch.Tensor:
        if self.kind == "last":
            return f1[0] @ f2[0].T
        n_pairs = (len(f1) - ("A" in self.model.trained)) // 2
        total = sum((f1[2 * i] @ f2[2 * i].T) * (f1[2 * i + 1] @ f2[2 * i + 1].T)
                    for i in range(n_pairs))
        if "A" in self.model.trained:
            total = total + f1[-1] @ f2[-1].T
        return total

    def __call__(self, X1, X2=None):
        """The float64 kernel matrix: a torch tensor on the kernel's device for tensor inputs,
        a NumPy array for array inputs."""
        numpy_in = not isinstance(X1, torch.Tensor)
        same = X2 is None
        X2 = X1 if same else X2
        out = torch.empty(len(X1), len(X2), dtype=torch.float64, device=self.model.A0.device)
        cols = [self.features(X2[j:j + self.block]) for j in range(0, len(X2), self.block)]
        for i in range(0, len(X1), self.block):
            f1 = cols[i // self.block] if same else self.features(X1[i:i + self.block])
            for jb, f2 in enumerate(cols):
                j = jb * self.block
                out[i:i + self.block, j:j + self.block] = self._block(f1, f2).double() / self.growth
        return out.cpu().numpy() if numpy_in else out


# ---------------------------------------------------------------------------------------------
# Infinite width: closed forms (arc-cosine recursions), Monte Carlo over 3resnet's bottleneck
# ---------------------------------------------------------------------------------------------

def _acos(c):
    return torch.arccos(c) if isinstance(c, torch.Tensor) else np.arccos(c)


def _sin(t):
    return torch.sin(t) if isinstance(t, torch.Tensor) else np.sin(t)


def _cos_angle(s12, s11, s22):
    return (s12 / (s11 * s22) ** 0.5).clip(-1.0, 1.0)


# The functions below take NumPy arrays or torch tensors (the kernels run in torch, on the
# learner's device; the bottleneck's Monte Carlo table in NumPy).

def kappa0(s12, s11, s22):
    """P(u > 0, u' > 0) for (u, u') centred Gaussian with covariance [[s11, s12], [s12, s22]]."""
    return (math.pi - _acos(_cos_angle(s12, s11, s22))) / (2 * math.pi)


def kappa1(s12, s11, s22):
    """E[relu(u) relu(u')] for the same Gaussian pair (the arc-cosine kernel of degree 1)."""
    c = _cos_angle(s12, s11, s22)
    theta = _acos(c)
    return (s11 * s22) ** 0.5 * (_sin(theta) + (math.pi - theta) * c) / (2 * math.pi)


def relu_means(s11, s22):
    """E[relu(u)] E[relu(u')] for independent centred u, u' of variances s11, s22."""
    return (s11 * s22) ** 0.5 / (2 * math.pi)


def _interp_uniform(r, values: np.ndarray):
    """Linear interpolation of `values` tabulated on linspace(0, 1, len(values)) at r (a
    tensor in [0, 1]): np.interp for a uniform grid, on r's device."""
    v = torch.as_tensor(values, dtype=r.dtype, device=r.device)
    pos = r * (len(v) - 1)
    lo = pos.floor().long().clamp(0, len(v) - 2)
    frac = pos - lo
    return v[lo] * (1 - frac) + v[lo + 1] * frac


class InfiniteKernel:
    """`X(last-inf)` or `X(NTK-inf)`: the width -> infinity limit of the normalised finite
    kernel. With `m` given, the leading terms of the width-m expectation instead (used to test
    the formulas against Monte Carlo estimates from finite networks)."""

    def __init__(self, learner: str, kind: str, d: int, k: int, *, w_std: float | None = None,
                 m: int | None = None, mc_samples: int = 20000, seed: int = 0, device="cpu"):
        check_choice("kernel kind", kind, ("last-inf", "NTK-inf"))
        check_choice("learner", learner, tuple(LEARNERS))
        self.learner, self.kind, self.d, self.k = learner, kind, d, k
        self.w2 = (1.0 / d) if w_std is None else float(w_std) ** 2
        self.m = m
        self.inv_m = 0.0 if m is None else 1.0 / m
        self.mc_samples, self.seed = mc_samples, seed
        self.device = torch.device(device)
        self._table = None

    # Each hidden layer's pre-activation covariance, given its input's covariance.
    def _first(self, X1, X2):
        dot = X1 @ X2.T
        n1 = (X1 * X1).sum(1)[:, None]
        n2 = (X2 * X2).sum(1)[None, :]
        return (dot, self.w2 * dot + self.inv_m, self.w2 * n1 + self.inv_m,
                self.w2 * n2 + self.inv_m)

    def __call__(self, X1, X2=None, block_elements: int = 2**24):
        """The float64 kernel matrix, computed in torch on the kernel's device in blocks of rows
        (memory: the output plus temporaries of about `block_elements` entries). Tensor inputs
        give a tensor on that device, array inputs a NumPy array."""
        numpy_in = not isinstance(X1, torch.Tensor)
        X1 = _as_tensor64(X1, self.device)
        X2 = X1 if X2 is None else _as_tensor64(X2, self.device)
        out = torch.empty(len(X1), len(X2), dtype=torch.float64, device=self.device)
        step = max(1, block_elements // max(1, len(X2)))
        for i in range(0, len(X1), step):
            out[i:i + step] = self._block(X1[i:i + step], X2)
        return out.cpu().numpy() if numpy_in else out

    def _block(self, X1, X2) -> np.ndarray:
        dot, s12, s11, s22 = self._first(X1, X2)
        im, ntk = self.inv_m, self.kind == "NTK-inf"
        k0, k1 = kappa0(s12, s11, s22), kappa1(s12, s11, s22)
        if self.learner == "2layer":
            return k0 * (dot + 1) if ntk else k1
        # second pre-activation: V0 (h1, 1) with variance 1/m per entry: covariance
        # E[h1 . h1'] / m + 1/m = kappa1 + 1/m (the diagonal: s / 2 + 1/m)
        t12, t11, t22 = k1 + im, s11 / 2 + im, s22 / 2 + im
        if self.learner == "3layer":
            if not ntk:
                return kappa1(t12, t11, t22)
            q0 = kappa0(t12, t11, t22)
            return q0 * (k1 + im) + im * q0 * k0 * (dot + 1)
        if self.learner == "3resnet-plain":
            # h = h1 + h2 with h2 = relu(U (h1, 1)): the cross terms h1 . h2' are not zero,
            # because a ReLU has a positive mean: E relu(u) = sqrt(var / (2 pi)).
            last = k1 + kappa1(t12, t11, t22) + relu_means(s11, t22) + relu_means(t11, s22)
            if not ntk:
                return last
            q0 = kappa0(t12, t11, t22)
            return last + q0 * (k1 + im) + im * k0 * (1 + q0) * (dot + 1)
        return self._resnet3(dot, s12, s11, s22, k0, k1, ntk)

    def _resnet3(self, dot, s12, s11, s22, k0, k1, ntk):
        """Section 6's ResNet: out1 = A relu(W0 (x,1)) is, as m grows, k independent Gaussian
        processes with covariance kappa1; the second block sees (out1, 1)."""
        c1, c2 = s11[:, 0] / 2, s22[0, :] / 2  # variance of each out1 coordinate
        both = torch.cat([c1, c2])
        if float(both.max() - both.min()) > 1e-9 * max(1.0, float(c1.max())):
            raise ValueError("3resnet's infinite-width kernel is tabulated for inputs of one "
                             "norm (all the book's targets); these inputs have several norms")
        c = float(c1[0])
        rho = (k1 / c).clamp(0.0, 1.0)
        table = self._bottleneck_table(c)
        if ntk:
            return k0 * (dot + 1) + _interp_uniform(rho, table["ntk"])
        out = k1.clone()
        if self.m is not None:  # the O(1/sqrt(m)) cross terms and the O(1/m) h2 . h2' term
            out += (relu_means(s11, table["norm"] ** 2 * self.inv_m)
                    + relu_means(s22, table["norm"] ** 2 * self.inv_m)
                    + self.inv_m * _interp_uniform(rho, table["h2"]))
        return out

    def _bottleneck_table(self, c: float, points: int = 201) -> dict:
        """Monte Carlo over the bottleneck: expectations over out1(x), out1(x') ~ N(0, c) per
        coordinate with correlation rho, tabulated on a grid of rho (common random numbers)."""
        if self._table is not None and self._table["c"] == c:
            return self._table
        rng = np.random.default_rng(self.seed)
        z1, z2 = rng.standard_normal((2, self.mc_samples, self.k))
        grid = np.linspace(0.0, 1.0, points)
        u = math.sqrt(c) * z1
        nu = np.einsum("sk,sk->s", u, u) + 1.0  # |(u, 1)|^2
        ntk, h2 = np.empty(points), np.empty(points)
        for i, r in enumerate(grid):
            v = math.sqrt(c) * (r * z1 + math.sqrt(max(0.0, 1 - r * r)) * z2)
            nv = np.einsum("sk,sk->s", v, v) + 1.0
            uv = np.einsum("sk,sk->s", u, v) + 1.0
            ntk[i] = np.mean(kappa0(uv, nu, nv) * uv)  # V layer: P(both active) * input dot
            h2[i] = np.mean(kappa1(uv, nu, nv))
        self._table = {"c": c, "rho": grid, "ntk": ntk, "h2": h2,
                       "norm": float(np.mean(np.sqrt(nu)))}
        return self._table


def make_kernel(name: str, d: int, k: int, *, m: int | None = None, seed: int = 0,
                init: InitScales | None = None, device="cpu"):
    """A callable K(X1, X2=None) -> float64 matrix for a kernel name such as '2layer(NTK)'
    (finite width m, network drawn from `seed`) or '3layer(NTK-inf)' (m is ignored)."""
    base, kind = parse_kernel_name(name)
    if kind.endswith("-inf"):
        return InfiniteKernel(base, kind, d, k, w_std=(init or InitScales()).w_std, seed=seed,
                              device=device)
    if m is None:
        raise ValueError(f"kernel {name!r} is finite-width: give its width m")
    return FiniteKernel(base, kind, d, k, m, seed, init=init, device=device)


# ---------------------------------------------------------------------------------------------
# Kernel ridge regression over a ridge path
# ---------------------------------------------------------------------------------------------

#: Ridge values, relative to the mean diagonal of the training kernel.
DEFAULT_RIDGES = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)


def available_memory(device="cpu") -> int:
    """Bytes of memory available now on `device`: free GPU memory for CUDA, else the host's
    (Linux /proc/meminfo; a conservative guess elsewhere)."""
    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 * 2**30


def max_kernel_n(n_eval: int = 0, memory: int | None = None, device="cpu") -> int:
    """The largest N whose ridge path fits in memory: the N x N kernel, one working copy for
    the factorisation and the (n_eval x N) evaluation kernels, all float64, with 20 % slack."""
    memory = available_memory(device) if memory is None else memory
    # 8 * (2 N^2 + n_eval N) <= 0.8 memory
    a, b, c = 16.0, 8.0 * n_eval, -0.8 * memory
    return int((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a))


def check_fits(N: int, n_eval: int = 0, device="cpu") -> None:
    limit = max_kernel_n(n_eval, device=device)
    if N > limit:
        need = 8 * (2 * N * N + n_eval * N) / 2**30
        where = "this GPU" if torch.device(device).type == "cuda" else "this machine"
        raise MemoryError(f"kernel ridge regression with N={N} needs about {need:.1f} GiB "
                          f"(two N x N float64 matrices); {where} has room for N <= "
                          f"{limit} now")


def _as_tensor64(a, device=None) -> torch.Tensor:
    t = a if isinstance(a, torch.Tensor) else torch.from_numpy(np.asarray(a, dtype=np.float64))
    return t.to(device=device if device is not None else t.device, dtype=torch.float64)


def _check_ridges(ridges) -> list[float]:
    ridges = [float(r) for r in ridges]
    if not ridges:
        raise ValueError("ridges must not be empty")
    if any(not r >= 0 for r in ridges):
        raise ValueError(f"ridge values must be >= 0; got {ridges}")
    return ridges


def _inputs(M, Y, evals: dict):
    """(whether the caller passed arrays, M, Y, evals), all float64 tensors on M's device."""
    numpy_out = not isinstance(M, torch.Tensor)
    M = _as_tensor64(M)
    return (numpy_out, M, _as_tensor64(Y, M.device),
            {name: _as_tensor64(E, M.device) for name, E in evals.items()})


def _out(t: torch.Tensor, numpy_out: bool):
    return t.cpu().numpy() if numpy_out else t


def ridge_path(K, Y, K_evals: dict, ridges=DEFAULT_RIDGES, relative: bool = True) -> list[dict]:
    """Solve (K + lambda I) C = Y for every ridge value and predict K_eval @ C for each
    evaluation set, in float64 torch on K's device (LAPACK through MKL on a CPU, cuSOLVER on a
    GPU; SciPy's bundled OpenBLAS crashes in large Cholesky factorisations on some processors).
    One working copy of K is factorised in place for each ridge value (at our sizes a Cholesky
    per ridge is several times faster than one eigendecomposition for the whole path).

    K, Y and the K_evals may be NumPy arrays (predictions come back as arrays) or tensors.
    Returns [{"ridge": r, "preds": {name: predictions}}]; a ridge value whose system is not
    positive definite is skipped with a warning, and if every value fails a ValueError says so."""
    ridges = _check_ridges(ridges)
    numpy_out, K, Y, evals = _inputs(K, Y, K_evals)
    dev = K.device
    scale = float(K.diagonal().mean()) if relative else 1.0
    work = torch.empty_like(K)
    info = torch.empty((), dtype=torch.int32, device=dev)
    results, failed = [], []
    for r in ridges:
        work.copy_(K)
        work.diagonal().add_(r * scale)
        torch.linalg.cholesky_ex(work, out=(work, info))  # in place: no third N x N matrix
        if int(info) != 0:
            failed.append(r)
            continue
        coef = torch.cholesky_solve(Y, work)
        if not bool(torch.isfinite(coef).all()):
            failed.append(r)
            continue
        results.append({"ridge": r, "preds": {name: _out(Ke @ coef, numpy_out)
                                              for name, Ke in evals.items()}})
    del work
    if failed:
        warnings.warn(f"kernel matrix not positive definite for ridge value(s) {failed}; "
                      f"they are skipped", RuntimeWarning, stacklevel=2)
    if not results:
        raise ValueError(f"the kernel system is singular for every ridge value {ridges}; "
                         f"try larger ridge values")
    return results


def ridge_path_features(Phi, Y, Phi_evals: dict, ridges=DEFAULT_RIDGES,
                        relative: bool = True) -> list[dict]:
    """The same ridge path for the kernel K = Phi Phi^T given by explicit features Phi (N x D),
    solved in feature space: one D x D eigendecomposition serves every ridge value, which is
    much cheaper than N x N work when D < N (e.g. a conjugate kernel of width m < N)."""
    ridges = _check_ridges(ridges)
    numpy_out, Phi, Y, evals_in = _inputs(Phi, Y, Phi_evals)
    scale = float((Phi * Phi).sum() / len(Phi)) if relative else 1.0
    evals, evecs = torch.linalg.eigh(Phi.T @ Phi)
    proj = evecs.T @ (Phi.T @ Y)
    results = []
    for r in ridges:
        denom = evals + r * scale
        if r == 0 and bool((denom <= 1e-12 * max(1.0, float(evals.max()))).any()):
            continue  # singular without a ridge
        W = evecs @ (proj / denom[:, None])
        results.append({"ridge": r, "preds": {n: _out(P @ W, numpy_out)
                                              for n, P in evals_in.items()}})
    if not results:
        raise ValueError(f"the kernel system is singular for every ridge value {ridges}; "
                         f"try larger ridge values")
    return results


def fit_kernel(target, name: str, *, N: int, m: int | None = None, seeds=(0,),
               ridges=DEFAULT_RIDGES, data=None, data_seed: int = 0, n_val: int = 2000,
               n_test: int = 10000, init: InitScales | None = None, device="auto", store=None):
    """Kernel ridge regression of `target` with kernel `name` over a ridge path.

    Returns a tidy DataFrame with the same columns as `train_grid` (lr, weight_decay and
    epochs empty; `ridge` filled): one row per (network seed, ridge value). Infinite-width
    kernels have no network: they use the first seed only and report m = inf."""
    import time

    import pandas as pd

    from .learners import resolve_device
    from .train import Data
    from .validation import check_nonempty

    base, kind = parse_kernel_name(name)
    seeds = check_nonempty("seeds", seeds)
    infinite = kind.endswith("-inf")
    if infinite:
        seeds = seeds[:1]
    elif m is None:
        raise ValueError(f"kernel {name!r} is finite-width: give its width m")
    check_positive_int("N", N)
    dev = resolve_device(device)
    if data is not None and data.N != N:
        raise ValueError(f"data has N={data.N} training samples but N={N} was asked for")
    # before any sampling: a system too large for memory fails at once
    n_eval = n_val + n_test if data is None else len(data.x_val) + len(data.x_test)
    if not (kind == "last" and m < N):  # the feature-space path never forms N x N
        check_fits(N, n_eval, device=dev)
    if data is None:
        data = Data.sample(target, N, n_val=n_val, n_test=n_test, seed=data_seed)
    as64 = lambda t: t.detach().to(device=dev, dtype=torch.float64)  # noqa: E731
    X = {s: as64(getattr(data, "x_" + s)) for s in ("train", "val", "test")}
    Y = {s: as64(getattr(data, "y_" + s)) for s in ("train", "val", "test")}
    rows = []
    for seed in seeds:
        spec = {"fit": "ridge", **target.params(), "learner": name, "N": N, "m": m,
                "seed": seed, "data_seed": data.seed, "n_val": len(X["val"]),
                "n_test": len(X["test"]), "ridges": [float(r) for r in ridges],
                "init": None if init is None else vars(init), "device": dev.type}
        hit = store.get(spec, __name__) if store is not None else None
        if hit is not None:
            rows += [{**r, "cached": True} for r in hit]
            continue
        new_rows = []
        start = time.perf_counter()
        kernel = make_kernel(name, target.d, target.k, m=m, seed=seed, init=init, device=dev)
        if kind == "last" and m < N:  # explicit features, fewer than samples: primal solve
            Phi = {s: kernel.feature_matrix(X[s]) for s in X}
            path = ridge_path_features(Phi["train"], Y["train"], Phi, ridges)
            K = evals = Phi
        else:
            K = kernel(X["train"])
            evals = {"train": K, "val": kernel(X["val"], X["train"]),
                     "test": kernel(X["test"], X["train"])}
            path = ridge_path(K, Y["train"], evals, ridges)
        seconds = time.perf_counter() - start
        for res in path:
            errs = {s: float((res["preds"][s] - Y[s]).pow(2).sum(1).mean()) for s in evals}
            new_rows.append({**target.params(), "learner": name, "fit": "ridge", "N": N,
                         "m": math.inf if infinite else m, "seed": seed,
                         "data_seed": data.seed, "lr": math.nan, "weight_decay": math.nan,
                         "epochs": math.nan, "ridge": res["ridge"],
                         **{f"{s}_error": e for s, e in errs.items()}, "diverged": False,
                         "seconds": seconds / len(path), "group_seconds": seconds,
                         "group_size": len(path)})
        del K, evals, path
        if store is not None:
            store.put(spec, new_rows, __name__)
        rows += [{**r, "cached": False} for r in new_rows]
    return pd.DataFrame(rows)

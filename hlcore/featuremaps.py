"""Theorem 4 measured: linear predictors over a fixed feature map, on Theorem 2's hypercube.

Inputs are the 2^d points of {+-1/sqrt(d)}^d, uniform. A target of the class (Theorem 2's, k
coordinates S) is H_S(x) = F_S(x) + alpha chi_S(x) on each of its k outputs, where F_S is
affine and chi_S(x) = prod_{i in S} sqrt(d) x_i is the parity of S. The parities are
orthonormal under the uniform measure, so for a feature map phi (D features, fixed before the
target) with the d + 1 affine functions added, the best linear predictor leaves on every
output alpha^2 (1 - c_S) of squared error, where c_S is the energy of chi_S in the span of the
features (the affine part of F_S is fitted exactly, and chi_S is orthogonal to it for k >= 2).
Its error (the book's: summed over outputs) is k alpha^2 (1 - c_S); the paper's risk is half.
Bessel's inequality gives sum_S c_S <= D.

`capture` computes c_S exactly, for every S with |S| = k and every prefix of the first D
features at once: the Gram matrix of (affine, features) over all 2^d points (accumulated in
chunks of points, memory D^2), each feature's Walsh coefficients at the sets S (a fast
Walsh-Hadamard transform, in blocks of features), and one Cholesky factor L: with
Z = L^{-1} B, c_S for the first D features is the sum of Z^2 over their rows.

We wrote this ourselves: scikit-learn and neural-tangents have no transform over the
hypercube, and the projection energies of every target at every prefix need one
factorisation, which no library call gives.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import torch

#: points per chunk of the Gram accumulation, and features per block of the transform
CHUNK, BLOCK = 2**14, 128


def cube(d: int, start: int = 0, stop: int | None = None, dtype=torch.float64) -> torch.Tensor:
    """Points start..stop-1 of {+-1/sqrt(d)}^d, point n having coordinate i = -1/sqrt(d)
    where bit i of n is set (the order the Walsh-Hadamard transform uses)."""
    stop = 2**d if stop is None else stop
    n = torch.arange(start, stop, dtype=torch.int64)
    bits = (n[:, None] >> torch.arange(d)) & 1
    return (1.0 - 2.0 * bits.to(dtype)) / math.sqrt(d)


def fwht(a: torch.Tensor) -> torch.Tensor:
    """The unnormalised Walsh-Hadamard transform along dim 0 (length 2^d) of a (2^d, B):
    out[s] = sum_n a[n] (-1)^popcount(s & n), so out[s] / 2^d is the coefficient of the
    parity of the set whose bit mask is s."""
    n, b = a.shape
    d = n.bit_length() - 1
    if 2**d != n:
        raise ValueError(f"fwht needs a power-of-two length; got {n}")
    a = a.clone()
    for i in range(d):
        v = a.view(n // 2 ** (i + 1), 2, 2**i, b)
        lo, hi = v[:, 0].clone(), v[:, 1]
        v[:, 0] += hi
        v[:, 1] = lo - hi
    return a


def subset_masks(d: int, k: int) -> torch.Tensor:
    """Bit masks of every k-subset of d coordinates, in lexicographic order of the subsets."""
    return torch.tensor([sum(1 << i for i in s) for s in itertools.combinations(range(d), k)],
                        dtype=torch.int64)


def parity(x: torch.Tensor, subset) -> torch.Tensor:
    """chi_S(x) = prod_{i in S} sqrt(d) x_i on points x (n, d)."""
    d = x.shape[1]
    return (math.sqrt(d) * x[:, list(subset)]).prod(dim=1)


class FeatureMap:
    """A fixed feature map: `features(x, lo, hi)` gives columns lo..hi-1 of phi(x)."""

    name = "features"
    #: prefixes are taken in steps of this many features (a neuron's worth for the NTK)
    step = 1

    def __init__(self, d: int, D: int):
        self.d, self.D = d, D

    def features(self, x: torch.Tensor, lo: int, hi: int) -> torch.Tensor:
        raise NotImplementedError


class _Network(FeatureMap):
    """Features of the 3-layer ResNet's lower block at its initialisation (W0 with its bias
    column, drawn by the learner itself from `seed`)."""

    def __init__(self, d: int, D: int, seed: int, k: int = 1):
        super().__init__(d, D)
        from .learners import make_learner

        m = -(-D // self.step)
        net = make_learner("3resnet", d, k, m, [seed], dtype=torch.float64)
        self.W0 = net.W0[0]  # (m, d + 1)

    def _pre(self, x, lo, hi):
        ones = x.new_ones(len(x), 1)
        return torch.cat([x, ones], 1) @ self.W0[lo:hi].T


class ReluFeatures(_Network):
    """Random ReLU features with a bias, relu(W0_r (x, 1)): the conjugate kernel of the lower
    block's hidden layer, one feature per neuron. Without the bias they would capture nothing
    of a parity of odd degree k >= 3."""

    name = "random ReLU (with bias)"

    def features(self, x, lo, hi):
        return torch.relu(self._pre(x, lo, hi))


class NTKFeatures(_Network):
    """The lower block's gradient (NTK) features at initialisation: for each neuron r, the
    derivative of its pre-activation's ReLU with respect to its weights,
    1[W0_r (x, 1) > 0] (x, 1), so d + 1 features a neuron [ours: the gradient of the lower
    block, up to the output weights, which only rescale the features of each output]."""

    name = "NTK of the lower block"

    @property
    def step(self):
        return self.d + 1

    def features(self, x, lo, hi):
        s = self.step
        r0, r1 = lo // s, -(-hi // s)
        gate = (self._pre(x, r0, r1) > 0).to(x.dtype)
        xb = torch.cat([x, x.new_ones(len(x), 1)], 1)
        f = (gate[:, :, None] * xb[:, None, :]).reshape(len(x), -1)
        return f[:, lo - r0 * s: hi - r0 * s]


class Monomials(FeatureMap):
    """Every parity of degree 2 to k (the affine ones come free), by degree, in a random order
    within each degree drawn from `seed`: the map that fits the whole class exactly once it
    holds all C(d, k) parities of degree k."""

    name = "monomials up to degree k"

    def __init__(self, d: int, D: int, seed: int, k: int):
        super().__init__(d, D)
        rng = np.random.default_rng(seed)
        self.sets = []
        for j in range(2, k + 1):
            sets = list(itertools.combinations(range(d), j))
            self.sets += [sets[i] for i in rng.permutation(len(sets))]
        self.D = min(D, len(self.sets))

    def features(self, x, lo, hi):
        return torch.stack([parity(x, s) for s in self.sets[lo:hi]], 1)

    def captured(self, k: int) -> torch.Tensor:
        """c_S in closed form, (D, C(d, k)): 1 from the prefix that holds chi_S on."""
        where = {s: i for i, s in enumerate(self.sets)}
        pos = torch.tensor([where.get(s, 10**12) for s in
                            itertools.combinations(range(self.d), k)])
        return (torch.arange(1, self.D + 1)[:, None] > pos[None, :]).to(torch.float64)


FAMILIES = {"relu": ReluFeatures, "ntk": NTKFeatures, "monomials": Monomials}


def make_family(name: str, d: int, k: int, D: int, seed: int) -> FeatureMap:
    if name not in FAMILIES:
        raise ValueError(f"unknown feature family {name!r}; known: {', '.join(FAMILIES)}")
    return FAMILIES[name](d, D, seed=seed, k=k)


def _affine(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([x.new_ones(len(x), 1), math.sqrt(x.shape[1]) * x], 1)


def capture(fmap: FeatureMap, k: int, progress=None) -> torch.Tensor:
    """c_S for every prefix of the map's D features and every |S| = k, exactly over the cube:
    a (D, C(d, k)) tensor whose row D-1 holds the energies captured by the first D features
    (with the affine functions) [see the module's docstring]."""
    d, D = fmap.d, fmap.D
    if k < 2:
        raise ValueError("capture needs k >= 2 (a parity orthogonal to the affine functions)")
    n, P = 2**d, d + 1 + D
    G = torch.zeros(P, P, dtype=torch.float64)
    for start in range(0, n, CHUNK):
        x = cube(d, start, min(n, start + CHUNK))
        f = torch.cat([_affine(x), fmap.features(x, 0, D)], 1)
        G += f.T @ f
        if progress:
            progress(start + len(x), n, "Gram")
    G /= n
    masks = subset_masks(d, k)
    B = torch.zeros(P, len(masks), dtype=torch.float64)  # affine rows: 0 for k >= 2
    x = cube(d)
    for lo in range(0, D, BLOCK):
        hi = min(D, lo + BLOCK)
        B[d + 1 + lo: d + 1 + hi] = (fwht(fmap.features(x, lo, hi)) / n)[masks].T
    del x
    jitter = 1e-12 * float(torch.diagonal(G).mean())
    L, info = torch.linalg.cholesky_ex(G + jitter * torch.eye(P, dtype=G.dtype))
    if int(info) != 0:  # numerically dependent features: a larger jitter, said in the error
        raise ValueError(f"the Gram matrix of {fmap.name} (D = {D}) is singular to working "
                         f"precision at row {int(info)}")
    Z = torch.linalg.solve_triangular(L, B, upper=False)
    return (Z[d + 1:] ** 2).cumsum(dim=0)


def counting_bound(d: int, k: int, share: float = 0.99) -> dict:
    """The counting bound on Theorem 2's class for the paper's threshold (risk alpha^2, i.e.
    c_S >= 1 - 2/k): by Bessel at most D / (1 - 2/k) targets of the C(d, k) can get there with
    D features, whatever the map. So at most `d_safe` features leave `share` of the class above
    the threshold for every map, and at least `d_need` are needed for `share` of it below."""
    if k < 3:
        raise ValueError("k = 2 is vacuous: learning F alone already sits at risk alpha^2")
    size, need = math.comb(d, k), 1 - 2 / k
    return {"class_size": size, "c_needed": need,
            "d_safe": math.floor((1 - share) * size * need),
            "d_need": math.ceil(share * size * need)}


def thresholds(c: torch.Tensor, k: int, step: int = 1, share: float = 0.99) -> dict:
    """From c (D, C(d, k)): the fraction of the class at or below the paper's threshold (c_S >=
    1 - 2/k) at every prefix, D* (the smallest prefix, in steps of `step`, with `share` of the
    class below; None if no prefix reaches it, then D* > D), and the largest prefix with
    `share` of the class above."""
    below = (c >= 1 - 2 / k - 1e-12).double().mean(dim=1)
    Ds = torch.arange(1, len(c) + 1)
    on = (Ds % step == 0) | (Ds == len(c))
    hit = Ds[on & (below >= share)]
    safe = Ds[on & (below <= 1 - share)]
    return {"below": below, "d_star": int(hit[0]) if len(hit) else None,
            "d_above": int(safe[-1]) if len(safe) else 0,
            "bessel_excess": float(((c.sum(dim=1) - Ds.double())).max())}

"""Target functions of the form H(x) = beta * F(x) + alpha * G(F(x)) (the paper's Concept 1).

Every target knows its input distribution (`sample_x`, seeded) and exposes F, G and H
separately, on NumPy arrays of shape (n, d) -> (n, k). Registered names:

* ``concept1``  -- F and G are two-layer networks with a smooth activation (Section 5).
* ``parity-v3`` -- d = 30, k = 15: F_j = x_{2j-1} x_{2j}, G_i(y) = (-1)^i y1 y2 y3 y4.
* ``parity-v2`` -- d = 30, k = 8:  F_j = x_{2j-1} x_{2j}, G_i = y1..y4 (odd i), y5..y8 (even i).
* ``theorem2``  -- the hard instance of Theorem 2.
* ``parity6``   -- the Figure 1 target, y = d^3 x_i1 ... x_i6.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .validation import check_choice, check_positive_int, check_nonnegative


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _signs(n: int, d: int, scale: float, seed) -> np.ndarray:
    """n points uniform on {-scale, +scale}^d."""
    return scale * (2.0 * _rng(seed).integers(0, 2, size=(n, d)) - 1.0)


@dataclass
class Target:
    """Base class: subclasses define `sample_x`, `F` and `G`; H is assembled here."""

    d: int
    k: int
    alpha: float = 0.3
    beta: float = 1.0
    name: str = field(default="target", init=False)

    def __post_init__(self):
        check_positive_int("d", self.d)
        check_positive_int("k", self.k)
        check_nonnegative("alpha", self.alpha)
        check_nonnegative("beta", self.beta)

    def sample_x(self, n: int, seed) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def F(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def G(self, h: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        f = self.F(np.asarray(x, dtype=np.float64))
        return self.beta * f + self.alpha * self.G(f)

    def sample(self, n: int, seed) -> tuple[np.ndarray, np.ndarray]:
        """Draw n labelled points (x, H(x)); no label noise, as in the paper."""
        check_positive_int("n", n)
        x = self.sample_x(n, seed)
        return x, self(x)

    @property
    def threshold(self) -> float:
        """Test error of a model that learns beta*F exactly and nothing of alpha*G(F):
        E ||alpha G(F(x))||^2 (exact for the parity targets, where |G_i| = 1)."""
        return self.k * self.alpha**2

    def params(self) -> dict:
        """The parameters that identify this target (for tidy tables and caching)."""
        return {"target": self.name, "d": self.d, "k": self.k, "alpha": self.alpha, "beta": self.beta}


@dataclass
class PairParity(Target):
    """Degree-`f_degree` parities of disjoint coordinate blocks as F, a degree-`g_degree`
    parity of F's outputs as G.

    * ``g_pattern="alternating-sign"`` (parity-v3): G_i(y) = (-1)^i y_1 ... y_g.
    * ``g_pattern="alternating-blocks"`` (parity-v2, our reading): G_i = y_1..y_g for odd i and
      y_{g+1}..y_{2g} for even i (1-based i).
    """

    f_degree: int = 2
    g_degree: int = 4
    g_pattern: str = "alternating-sign"

    def __post_init__(self):
        super().__post_init__()
        check_positive_int("f_degree", self.f_degree)
        check_positive_int("g_degree", self.g_degree)
        check_choice("g_pattern", self.g_pattern, ("alternating-sign", "alternating-blocks"))
        if self.f_degree == 2 and self.d % 2:
            raise ValueError(f"d must be even for a pair-parity target (F multiplies coordinate "
                             f"pairs); got d={self.d}")
        if self.k * self.f_degree > self.d:
            raise ValueError(f"k * f_degree must be at most d (each output of F uses its own "
                             f"{self.f_degree} coordinates); got k={self.k}, f_degree="
                             f"{self.f_degree}, d={self.d}")
        need = self.g_degree * (2 if self.g_pattern == "alternating-blocks" else 1)
        if need > self.k:
            raise ValueError(f"g_degree={self.g_degree} with g_pattern={self.g_pattern!r} needs "
                             f"k >= {need}; got k={self.k}")

    def sample_x(self, n, seed):
        return _signs(n, self.d, 1.0, seed)

    def F(self, x):
        x = np.asarray(x, dtype=np.float64)
        blocks = x[:, : self.k * self.f_degree].reshape(len(x), self.k, self.f_degree)
        return blocks.prod(axis=2)

    def G(self, h):
        h = np.asarray(h, dtype=np.float64)
        g = self.g_degree
        i = np.arange(1, self.k + 1)
        if self.g_pattern == "alternating-sign":
            return h[:, :g].prod(axis=1, keepdims=True) * (-1.0) ** i
        odd, even = h[:, :g].prod(axis=1), h[:, g: 2 * g].prod(axis=1)
        return np.where(i % 2 == 1, odd[:, None], even[:, None])

    def params(self):
        return {**super().params(), "f_degree": self.f_degree, "g_degree": self.g_degree,
                "g_pattern": self.g_pattern}


@dataclass
class Theorem2(Target):
    """Theorem 2's hard instance: x uniform on {+-1/sqrt(d)}^d, F(x) = W* x with the rows of
    W* equal to sqrt(d) times k distinct random basis vectors (so F_j(x) = +-1), and
    G(y) = prod_j y_j on every output (our reading: the text gives one product)."""

    k: int = 4
    seed: int = 0

    def __post_init__(self):
        super().__post_init__()
        if self.k > self.d:
            raise ValueError(f"theorem2 needs k <= d (k distinct coordinates); got k={self.k}, "
                             f"d={self.d}")
        self.coords = np.sort(_rng(self.seed).choice(self.d, size=self.k, replace=False))

    def sample_x(self, n, seed):
        return _signs(n, self.d, 1.0 / math.sqrt(self.d), seed)

    def F(self, x):
        return math.sqrt(self.d) * np.asarray(x, dtype=np.float64)[:, self.coords]

    def G(self, h):
        return np.repeat(np.asarray(h).prod(axis=1, keepdims=True), self.k, axis=1)

    def params(self):
        return {**super().params(), "seed": self.seed}


@dataclass
class Parity6(Target):
    """Figure 1's target: x uniform on {+-1/sqrt(d)}^d, y = d^3 x_i1 ... x_i6 (so y = +-1).

    F is the parity itself and G is zero (alpha = 0): it is not a composite target."""

    k: int = 1
    alpha: float = 0.0
    coords: tuple = (0, 1, 2, 3, 4, 5)

    def __post_init__(self):
        super().__post_init__()
        if self.k != 1 or self.alpha != 0:
            raise ValueError(f"parity6 has one output and no composite part (k=1, alpha=0); "
                             f"got k={self.k}, alpha={self.alpha}")
        self.coords = tuple(int(c) for c in self.coords)
        if len(set(self.coords)) != 6 or not all(0 <= c < self.d for c in self.coords):
            raise ValueError(f"coords must be 6 distinct indices in [0, d={self.d}); "
                             f"got {self.coords}")

    def sample_x(self, n, seed):
        return _signs(n, self.d, 1.0 / math.sqrt(self.d), seed)

    def F(self, x):
        x = np.asarray(x, dtype=np.float64)
        return self.d**3 * x[:, list(self.coords)].prod(axis=1, keepdims=True)

    def G(self, h):
        return np.zeros_like(h)

    @property
    def threshold(self):
        return 1.0  # E y^2: the error of predicting 0

    def params(self):
        return {**super().params(), "coords": list(self.coords)}


_ACTIVATIONS = {"tanh": np.tanh, "sin": np.sin, "cubic": lambda z: z**3, "exp": np.expm1}


@dataclass
class Concept1(Target):
    """The general Concept 1: F_r(x) = sum_i a_{r,i} phi(<w_{r,i}, x>), G likewise on R^k.

    Weights are random (seeded): a in [-1, 1], w and v of norm 1/sqrt(2) (Section 5's
    normalisation); x uniform on the unit sphere of R^d."""

    p_f: int = 2
    p_g: int = 2
    activation: str = "tanh"
    seed: int = 0

    def __post_init__(self):
        super().__post_init__()
        check_positive_int("p_f", self.p_f)
        check_positive_int("p_g", self.p_g)
        check_choice("activation", self.activation, tuple(_ACTIVATIONS))
        rng = _rng(self.seed)

        def unit(shape):
            w = rng.standard_normal(shape)
            return w / (math.sqrt(2.0) * np.linalg.norm(w, axis=-1, keepdims=True))

        self.a_f = rng.uniform(-1, 1, (self.k, self.p_f))
        self.w_f = unit((self.k, self.p_f, self.d))
        self.a_g = rng.uniform(-1, 1, (self.k, self.p_g))
        self.v_g = unit((self.k, self.p_g, self.k))

    def _two_layer(self, z, a, w):
        phi = _ACTIVATIONS[self.activation]
        return np.einsum("ri,nri->nr", a, phi(np.einsum("rid,nd->nri", w, z)))

    def sample_x(self, n, seed):
        x = _rng(seed).standard_normal((n, self.d))
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    def F(self, x):
        return self._two_layer(np.asarray(x, dtype=np.float64), self.a_f, self.w_f)

    def G(self, h):
        return self._two_layer(np.asarray(h, dtype=np.float64), self.a_g, self.v_g)

    @property
    def threshold(self):
        # No closed form: estimate E||alpha G(F(x))||^2 on a fixed large sample.
        return float(np.mean(np.sum((self.alpha * self.G(self.F(self.sample_x(20000, 12345))))
                                    ** 2, axis=1)))

    def params(self):
        return {**super().params(), "p_f": self.p_f, "p_g": self.p_g,
                "activation": self.activation, "seed": self.seed}


# name -> (class, defaults). Every default can be overridden by keyword.
TARGETS = {
    "parity-v3": (PairParity, dict(d=30, k=15, g_degree=4, g_pattern="alternating-sign")),
    "parity-v2": (PairParity, dict(d=30, k=8, g_degree=4, g_pattern="alternating-blocks")),
    "theorem2": (Theorem2, dict(d=16, k=4)),
    "parity6": (Parity6, dict(d=40)),
    "concept1": (Concept1, dict(d=10, k=4)),
}


def target_shape(name: str) -> dict:
    """d, k, f_degree, g_degree and beta of a registered target, its defaults filled in."""
    check_choice("target", name, tuple(TARGETS))
    cls, defaults = TARGETS[name]
    fields = cls.__dataclass_fields__
    return {k: defaults.get(k, fields[k].default) for k in ("d", "k", "f_degree", "g_degree",
                                                          "beta") if k in fields}


def make_target(name: str, **params) -> Target:
    """Build a registered target; keyword arguments override its defaults."""
    check_choice("target", name, tuple(TARGETS))
    cls, defaults = TARGETS[name]
    allowed = set(cls.__dataclass_fields__) - {"name"}
    unknown = set(params) - allowed
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)} for target {name!r}; "
                         f"allowed: {sorted(allowed)}")
    t = cls(**{**defaults, **params})
    t.name = name
    return t

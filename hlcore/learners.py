"""The learner networks, each defined once and batched over configurations.

Every learner holds B independent networks (one per configuration of a grid): weights have a
leading dimension B and `forward(x)` maps x of shape (n, d) (shared) or (B, n, d) to (B, n, k).
Following Section 6 of the paper, each weight matrix acts on (input, 1), so its last column is
the bias, and a trained weight is written as its random initialisation plus a trained
displacement that starts at zero: ``W_eff = W0 + W``. Weight decay acts on the displacement
(our reading, the natural one for Section 6's form; for learners that train every weight it is
the one convention kept throughout).

All learners end in the same output layer: ``out(x) = A_eff @ hidden(x)``. `hidden` is thus the
last hidden layer that the conjugate kernel ``X(last)`` uses, and the finite-width NTK ``X(NTK)``
is the Jacobian of `forward` with respect to the trained displacements, both from this one
definition.

Names (the paper's):
* ``3resnet``: out1 = A relu((W0+W)(x,1)); out = out1 + A relu((V0+V)(out1,1)); W, V trained.
* ``3resnet-plain``: form (2.1), out = A (relu(W(x,1)) + relu(U (relu(W(x,1)),1))); all trained.
* ``3layer``: out = A relu((V0+V)(relu((W0+W)(x,1)),1)); W, V trained.
* ``2layer``: out = A relu((W0+W)(x,1)); W trained.

Initialisation (paper defaults, EXPERIMENTS.md): A and V0 (U0) entries N(0, 1/m), W0 entries
N(0, 1/d); bias columns N(0, 1/m) (our reading of "biases from N(0, 1/m)").
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .names import is_kernel_name, parse_kernel_name
from .validation import check_choice, check_positive_int


@dataclass(frozen=True)
class InitScales:
    """Standard deviations of the random initialisation; None means the paper's default."""

    a_std: float | None = None      # output layer A: 1/sqrt(m)
    w_std: float | None = None      # first layer W0: 1/sqrt(d)
    v_std: float | None = None      # second layer V0 / U0: 1/sqrt(m)  (sigma_v = 1)
    bias_std: float | None = None   # bias columns: 1/sqrt(m)
    # Means of A's and of V0's (U0's) entries: 0 is our reading; the paper prints 1 (see
    # EXPERIMENTS.md), kept as an option for the protocol study.
    a_mean: float = 0.0
    v_mean: float = 0.0

    def resolve(self, d: int, m: int) -> dict:
        dflt = {"a_std": 1 / math.sqrt(m), "w_std": 1 / math.sqrt(d),
                "v_std": 1 / math.sqrt(m), "bias_std": 1 / math.sqrt(m)}
        return {key: dflt[key] if getattr(self, key) is None else float(getattr(self, key))
                for key in dflt}


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but PyTorch sees no CUDA device; "
                         "use device='cpu' or 'auto'")
    return device




class Learner(nn.Module):
    """Base class. Subclasses set `name`, `trained`, `_layout` and `hidden`."""

    name = "learner"
    #: the network the hand-written training step computes (hlcore.fused), None: autograd
    fused_kind: str | None = None
    #: the power of m its finite-width NTK is divided by, so that it has a limit
    ntk_growth: int = 1
    #: its colour in every figure
    colour = "#555555"

    @classmethod
    def macs(cls, d: int, k: int, m: int) -> float:
        """Multiply-adds of one forward pass of one sample (the cost planner's unit): every
        weight of the layout once."""
        second = 0 if cls.second_input is None else ({"k": k, "m": m}[cls.second_input] + 1) * m
        return k * m + (d + 1) * m + second
    trained: tuple[str, ...] = ()
    _layout_names: tuple[str, ...] = ()

    def __init__(self, d: int, k: int, m: int, seeds, *, init: InitScales | None = None,
                 device="cpu", dtype=torch.float32, trained: tuple[str, ...] | None = None):
        super().__init__()
        if trained is not None:  # e.g. ("A",): the conjugate kernel X(last) trained by SGD
            unknown = set(trained) - set(self._layout_names)
            if unknown or not trained:
                raise ValueError(f"trained must name weights of {self.name}: "
                                 f"{', '.join(self._layout_names)}; got {trained!r}")
            self.trained = tuple(trained)
        for what, v in (("d", d), ("k", k), ("m", m)):
            check_positive_int(what, v)
        self.d, self.k, self.m = d, k, m
        self.seeds = [int(s) for s in np.atleast_1d(seeds)]
        init_ = init or InitScales()
        self.init_scales = init_.resolve(d, m)
        draws = {name: [] for name in self._layout()}
        for seed in self.seeds:
            # One generator per configuration, on the CPU: a configuration's initial weights
            # depend on its seed only, never on the grid or the device it is trained in.
            gen = torch.Generator().manual_seed(seed)
            for name, (rows, cols, std, bias_std) in self._layout().items():
                w = torch.randn(rows, cols, generator=gen, dtype=torch.float64) * std
                if bias_std is not None:
                    w[:, -1] *= bias_std / std
                mean = {"A": init_.a_mean, "V": init_.v_mean, "U": init_.v_mean}.get(name, 0.0)
                if mean:
                    w[:, : cols - (bias_std is not None)] += mean
                draws[name].append(w)
        device = resolve_device(device)
        for name, ws in draws.items():
            self.register_buffer(name + "0", torch.stack(ws).to(device=device, dtype=dtype))
        for name in self.trained:
            init = getattr(self, name + "0")
            self.register_parameter(name, nn.Parameter(torch.zeros_like(init)))

    @property
    def batch(self) -> int:
        return len(self.seeds)

    #: the input width of the second hidden layer: "k" (the ResNet's bottleneck out1) or "m";
    #: None: one hidden layer
    second_input: str | None = None

    def _layout(self) -> dict:
        """name -> (rows, cols, std, bias_std or None): the weights and their initialisation,
        in the order they are drawn: A, W, then the second hidden layer (named third in
        `_layout_names`) if there is one."""
        s, d, k, m = self.init_scales, self.d, self.k, self.m
        out = {"A": (k, m, s["a_std"], None), "W": (m, d + 1, s["w_std"], s["bias_std"])}
        if self.second_input is not None:
            width = {"k": k, "m": m}[self.second_input]
            out[self._layout_names[2]] = (m, width + 1, s["v_std"], s["bias_std"])
        return out

    def weight(self, name: str) -> torch.Tensor:
        """The effective weight: initialisation plus its displacement, if it has one. (A
        displacement counts even while it is frozen: layer-wise training trains W, then V.)"""
        w0 = getattr(self, name + "0")
        delta = self._parameters.get(name)
        return w0 if delta is None else w0 + delta

    def layer(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """relu(W_eff @ (x, 1)) for the weight `name`: x (B, n, p) -> (B, n, m).

        While a probe is set (see hlcore.kernels.ntk_factors), the layer records its input and
        adds the probe's zero shift to its pre-activation, so that the gradient with respect to
        that shift is the back-propagated signal: the NTK comes from this very forward pass."""
        w = self.weight(name)
        # The bias as a column of ones on the input: one contiguous bmm, 1.5-1.8x faster per
        # training step here than baddbmm with a broadcast bias and a sliced weight (whose
        # gradients autograd scatters back into the whole weight).
        ones = x.new_ones(x.shape[:-1] + (1,))
        pre = torch.bmm(torch.cat([x, ones], -1), w.transpose(1, 2))
        if self._probe is not None:
            self._probe["inputs"][name] = x
            pre = pre + self._probe["shifts"][name]
        return torch.relu(pre)

    _probe = None

    def _batched(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(device=self.A0.device, dtype=self.A0.dtype)
        return x.expand(self.batch, *x.shape) if x.dim() == 2 else x

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """The last hidden layer (B, n, m): out = A_eff @ hidden."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.bmm(self.hidden(x), self.weight("A").transpose(1, 2))


class ResNet3(Learner):
    """Section 6's three-layer ResNet; only W and V are trained (A fixed)."""

    name = "3resnet"
    trained = ("W", "V")
    _layout_names = ("A", "W", "V")
    fused_kind, ntk_growth, colour, second_input = "3resnet", 0, "#1f5fbf", "k"

    @classmethod
    def macs(cls, d, k, m):
        return super().macs(d, k, m) + k * m  # out1 = A0 h1 as well

    # The bottleneck out1 always reads the fixed A0: the network never trains A, and the
    # conjugate kernel '3resnet(last)' (a new output layer on the last hidden layer) must leave
    # the hidden layer, out1 included, at its initialisation.
    def out1(self, x):
        """The lower block's output, A relu((W0+W)(x,1)): the part meant to learn F."""
        return torch.bmm(self.layer("W", self._batched(x)), self.A0.transpose(1, 2))

    def hidden(self, x):
        x = self._batched(x)
        h1 = self.layer("W", x)
        out1 = torch.bmm(h1, self.A0.transpose(1, 2))
        return h1 + self.layer("V", out1)


class ResNetPlain(Learner):
    """The ResNet of form (2.1), out = A(relu(W(x,1)) + relu(U(relu(W(x,1)),1))), all trained."""

    name = "3resnet-plain"
    trained = ("A", "W", "U")
    _layout_names = ("A", "W", "U")
    ntk_growth, colour, second_input = 1, "#6a3d9a", "m"

    def hidden(self, x):
        h1 = self.layer("W", self._batched(x))
        return h1 + self.layer("U", h1)


class FC3(Learner):
    """Three-layer fully connected ReLU network; hidden weights W, V trained, A fixed."""

    name = "3layer"
    trained = ("W", "V")
    _layout_names = ("A", "W", "V")
    fused_kind, ntk_growth, colour, second_input = "3layer", 1, "#e08214", "m"

    def hidden(self, x):
        return self.layer("V", self.layer("W", self._batched(x)))


class FC2(Learner):
    """Two-layer ReLU network; hidden weight W trained, A fixed."""

    name = "2layer"
    trained = ("W",)
    _layout_names = ("A", "W")
    fused_kind, ntk_growth, colour = "2layer", 0, "#2b9348"


    def hidden(self, x):
        return self.layer("W", self._batched(x))


class Linearized(nn.Module):
    """A learner linearised around its initialisation, f0(x) + J(x) theta, with theta (the
    displacements of the trained weights) trained: SGD on it is SGD with the finite-width NTK,
    the faithful way to fit ``X(NTK)``. J(x) theta is a Jacobian-vector product through the
    learner's own forward pass."""

    def __init__(self, base: Learner):
        super().__init__()
        self.base = base
        self.name = f"{base.name}(NTK)"
        self.trained = base.trained
        self.seeds, self.d, self.k, self.m = base.seeds, base.d, base.k, base.m
        for name in self.trained:
            self.register_parameter(name, nn.Parameter(torch.zeros_like(getattr(base, name))))
            getattr(base, name).requires_grad_(False)

    batch = Learner.batch

    @property
    def A0(self):
        return self.base.A0

    def forward(self, x):
        from torch.func import functional_call, jvp

        names = self.trained
        at_init = tuple(torch.zeros_like(getattr(self.base, n)) for n in names)
        out, tangent = jvp(lambda *ps: functional_call(self.base, dict(zip(names, ps)), (x,)),
                           at_init, tuple(getattr(self, n) for n in names))
        return out + tangent


LEARNERS = {cls.name: cls for cls in (ResNet3, ResNetPlain, FC3, FC2)}


def make_learner(name: str, d: int, k: int, m: int, seeds, **kwargs):
    """A batched learner by name. Kernel names train by SGD as well: 'X(last)' is X with only
    its output layer A trained (the conjugate kernel), 'X(NTK)' is X linearised."""
    if is_kernel_name(name):
        base, kind = parse_kernel_name(name)
        if kind == "last":
            return LEARNERS[base](d, k, m, seeds, trained=("A",), **kwargs)
        if kind == "NTK":
            return Linearized(LEARNERS[base](d, k, m, seeds, **kwargs))
        raise ValueError(f"{name!r} is an infinite-width kernel: it has no network to train; "
                         f"fit it by kernel ridge regression (hlcore.kernels)")
    check_choice("learner", name, tuple(LEARNERS))
    return LEARNERS[name](d, k, m, seeds, **kwargs)

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

from .validation import check_choice, check_positive_int


@dataclass(frozen=True)
class InitScales:
    """Standard deviations of the random initialisation; None means the paper's default."""

    a_std: float | None = None      # output layer A: 1/sqrt(m)
    w_std: float | None = None      # first layer W0: 1/sqrt(d)
    v_std: float | None = None      # second layer V0 / U0: 1/sqrt(m)  (sigma_v = 1)
    bias_std: float | None = None   # bias columns: 1/sqrt(m)

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


def _affine_relu(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """relu(w @ (x, 1)) for batched x (B, n, p) and w (B, m, p+1) -> (B, n, m)."""
    return torch.relu(torch.baddbmm(w[:, None, :, -1], x, w[:, :, :-1].transpose(1, 2)))


class Learner(nn.Module):
    """Base class. Subclasses set `name`, `trained`, `_layout` and `hidden`."""

    name = "learner"
    trained: tuple[str, ...] = ()

    def __init__(self, d: int, k: int, m: int, seeds, *, init: InitScales | None = None,
                 device="cpu", dtype=torch.float32):
        super().__init__()
        for what, v in (("d", d), ("k", k), ("m", m)):
            check_positive_int(what, v)
        self.d, self.k, self.m = d, k, m
        self.seeds = [int(s) for s in np.atleast_1d(seeds)]
        self.init_scales = (init or InitScales()).resolve(d, m)
        draws = {name: [] for name in self._layout()}
        for seed in self.seeds:
            # One generator per configuration, on the CPU: a configuration's initial weights
            # depend on its seed only, never on the grid or the device it is trained in.
            gen = torch.Generator().manual_seed(seed)
            for name, (rows, cols, std, bias_std) in self._layout().items():
                w = torch.randn(rows, cols, generator=gen, dtype=torch.float64) * std
                if bias_std is not None:
                    w[:, -1] *= bias_std / std
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

    def _layout(self) -> dict:
        """name -> (rows, cols, std, bias_std or None): the weights and their initialisation."""
        raise NotImplementedError

    def weight(self, name: str) -> torch.Tensor:
        """The effective weight: initialisation plus the trained displacement, if any."""
        w0 = getattr(self, name + "0")
        return w0 + getattr(self, name) if name in self.trained else w0

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

    def _layout(self):
        s, d, k, m = self.init_scales, self.d, self.k, self.m
        return {"A": (k, m, s["a_std"], None),
                "W": (m, d + 1, s["w_std"], s["bias_std"]),
                "V": (m, k + 1, s["v_std"], s["bias_std"])}

    def out1(self, x):
        """The lower block's output, A relu((W0+W)(x,1)): the part meant to learn F."""
        return torch.bmm(_affine_relu(self._batched(x), self.weight("W")),
                         self.weight("A").transpose(1, 2))

    def hidden(self, x):
        x = self._batched(x)
        h1 = _affine_relu(x, self.weight("W"))
        out1 = torch.bmm(h1, self.weight("A").transpose(1, 2))
        return h1 + _affine_relu(out1, self.weight("V"))


class ResNetPlain(Learner):
    """The ResNet of form (2.1), out = A(relu(W(x,1)) + relu(U(relu(W(x,1)),1))), all trained."""

    name = "3resnet-plain"
    trained = ("A", "W", "U")

    def _layout(self):
        s, d, k, m = self.init_scales, self.d, self.k, self.m
        return {"A": (k, m, s["a_std"], None),
                "W": (m, d + 1, s["w_std"], s["bias_std"]),
                "U": (m, m + 1, s["v_std"], s["bias_std"])}

    def hidden(self, x):
        h1 = _affine_relu(self._batched(x), self.weight("W"))
        return h1 + _affine_relu(h1, self.weight("U"))


class FC3(Learner):
    """Three-layer fully connected ReLU network; hidden weights W, V trained, A fixed."""

    name = "3layer"
    trained = ("W", "V")

    def _layout(self):
        s, d, k, m = self.init_scales, self.d, self.k, self.m
        return {"A": (k, m, s["a_std"], None),
                "W": (m, d + 1, s["w_std"], s["bias_std"]),
                "V": (m, m + 1, s["v_std"], s["bias_std"])}

    def hidden(self, x):
        return _affine_relu(_affine_relu(self._batched(x), self.weight("W")), self.weight("V"))


class FC2(Learner):
    """Two-layer ReLU network; hidden weight W trained, A fixed."""

    name = "2layer"
    trained = ("W",)

    def _layout(self):
        s, d, k, m = self.init_scales, self.d, self.k, self.m
        return {"A": (k, m, s["a_std"], None), "W": (m, d + 1, s["w_std"], s["bias_std"])}

    def hidden(self, x):
        return _affine_relu(self._batched(x), self.weight("W"))


LEARNERS = {cls.name: cls for cls in (ResNet3, ResNetPlain, FC3, FC2)}


def make_learner(name: str, d: int, k: int, m: int, seeds, **kwargs) -> Learner:
    check_choice("learner", name, tuple(LEARNERS))
    return LEARNERS[name](d, k, m, seeds, **kwargs)

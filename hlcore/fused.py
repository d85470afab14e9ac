"""A hand-written training step (forward and backward) for 2layer, 3layer and 3resnet.

`train_batched` uses it in place of autograd wherever it applies (`FusedStep.supports`); the
autograd path stays the reference, and the tests check these gradients against it.

Why our own: at the paper's sizes a step is a dozen small batched matmuls, and how MKL runs
them matters more than their arithmetic. Products with a narrow dimension of 15 or 31 (k, d + 1)
ran 1.8-2.6x slower here than the same products padded to 16 or 32 (torch.bmm alone, 16
configurations, m = 500: 216 us against 83 us for h1 @ A^T, 251 us against 140 us for the
first layer's gradient), and autograd adds per-step bookkeeping and copies (the ones column
concatenated to each layer's input, the sum h1 + h2, a gradient per transposed view). Here:

* every narrow dimension is zero-padded to a multiple of 16, once per training run: the inputs
  carry their ones column (the bias) and zero columns, the fixed output layer A and the targets
  zero rows and columns. Zeros add exact zeros to every sum, so the network is the same function
  and its padded weights get exact zero gradients;
* 3layer's second layer reads (h1, 1): an extra row of the padded first layer reads the input's
  ones column, so relu(1) = 1 arrives as h1's last column with no copy;
* 3resnet's output is written out1 + A relu(...), since A (h1 + h2) = out1 + A h2 with A fixed:
  one product fewer than forming h1 + h2;
* every product writes into a buffer kept from the previous step, and the ReLU and its
  backward work in place: with a fresh tensor per product, steps took 16 % longer here
  (memory the processor has not touched recently is slow to write).

The learner's weights keep their shapes: each step writes W0 + W into a padded buffer, and the
gradients handed back are views of the padded ones, trimmed to the weights' shapes.
"""
from __future__ import annotations

import torch

from .learners import LEARNERS


def _up(n: int, q: int = 16) -> int:
    return -(-n // q) * q


def _relu_grad(grad: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """grad * (out > 0) for out = relu(pre), as autograd computes the ReLU's backward, written
    into `grad` (in place, like the ReLU itself: 5 % faster steps here, less memory traffic)."""
    return torch.ops.aten.threshold_backward.grad_input(grad, out, 0, grad_input=grad)


class FusedStep:
    """Loss and gradients of one mini-batch for every configuration of a batched learner."""

    #: learner class -> the network it computes, from each learner's `fused_kind`; exact
    #: classes (a subclass may change the forward pass), others join with `register`
    KINDS = {cls: cls.fused_kind for cls in LEARNERS.values() if cls.fused_kind}

    @classmethod
    def register(cls, learner_class, kind: str) -> None:
        """Declare that `learner_class` computes the network `kind` (with or without bias)."""
        if kind not in ("2layer", "3layer", "3resnet"):
            raise ValueError(f"unknown kind {kind!r}")
        cls.KINDS[learner_class] = kind

    @classmethod
    def supports(cls, model) -> bool:
        """The classes in KINDS, with A fixed and no kernel probe set."""
        return (type(model) in cls.KINDS and model._probe is None
                and "A" not in model._parameters and set(model.trained) <= {"W", "V"})

    def __init__(self, model):
        if not self.supports(model):
            raise ValueError(f"no fused step for {model.name} training {model.trained}")
        self.model, self.kind = model, self.KINDS[type(model)]
        B, d, k, m = model.batch, model.d, model.k, model.m
        kw = dict(dtype=model.A0.dtype, device=model.A0.device)
        # the width of the padded inputs, and of out1 and the output (3resnet's out1 also
        # carries its ones column); a single output stays unpadded (a matrix-vector product:
        # frobenius's network trained 1.25x faster with it than with 16 columns)
        self.bias = model.W0.shape[2] == d + 1  # else W acts on x alone
        self.D = _up(d + self.bias)
        self.K = _up(k + 1) if self.kind == "3resnet" else (1 if k == 1 else _up(k))
        self.A = torch.zeros(B, self.K, m, **kw)
        self.A[:, :k] = model.A0
        M = _up(m + 1) if self.kind == "3layer" else m  # rows of the padded first layer
        self.W = torch.zeros(B, M, self.D, **kw)
        if self.kind == "3layer":
            if not self.bias:
                raise ValueError("a 3layer network without a first-layer bias has no fused step")
            self.W[:, m, d] = 1.0  # h1[:, m] = relu(1) = 1: the second layer's bias input
            self.V = torch.zeros(B, m, M, **kw)
        elif self.kind == "3resnet":
            self.V = torch.zeros(B, m, self.K, **kw)
            self.one = torch.zeros(self.K, **kw)
            self.one[k] = 1.0
        self._bufs = {}

    def _buf(self, key: str, shape, like: torch.Tensor) -> torch.Tensor:
        buf = self._bufs.get((key, tuple(shape)))
        if buf is None:
            buf = self._bufs[key, tuple(shape)] = like.new_empty(shape)
        return buf

    def _mm(self, key: str, a: torch.Tensor, b: torch.Tensor, add=None) -> torch.Tensor:
        """a @ b (+ add), batched, into the buffer `key` (overwritten by the next step)."""
        out = self._buf(key, (a.shape[0], a.shape[1], b.shape[2]), a)
        return torch.bmm(a, b, out=out) if add is None else torch.baddbmm(add, a, b, out=out)

    def batch(self, x_pad: torch.Tensor, y_pad: torch.Tensor, idx: torch.Tensor):
        """The padded mini-batch (B, n, D), (B, n, K) of rows idx (B, n) of `pad`'s output."""
        rows, shape = idx.reshape(-1), idx.shape
        x = torch.index_select(x_pad, 0, rows, out=self._buf("x", (len(rows), self.D), x_pad))
        y = torch.index_select(y_pad, 0, rows, out=self._buf("y", (len(rows), self.K), y_pad))
        return x.view(*shape, self.D), y.view(*shape, self.K)

    def pad(self, x: torch.Tensor, y: torch.Tensor):
        """Inputs (n, d) as (x, 1, 0...) (n, D) (no 1 without bias), and targets (n, k)
        zero-padded to (n, K)."""
        d, k = self.model.d, self.model.k
        xp = x.new_zeros(len(x), self.D)
        xp[:, :d] = x
        if self.bias:
            xp[:, d] = 1.0
        yp = y.new_zeros(len(y), self.K)
        yp[:, :k] = y
        return xp, yp

    def _weights(self):
        """Write W0 + W (and V0 + V) into the padded buffers."""
        for name in ("W",) if self.kind == "2layer" else ("W", "V"):
            w0, delta = getattr(self.model, name + "0"), self.model._parameters.get(name)
            view = getattr(self, name)[:, : w0.shape[1], : w0.shape[2]]
            if delta is None:
                view.copy_(w0)
            else:
                torch.add(w0, delta, out=view)

    def _forward(self, x: torch.Tensor):
        """The padded output (B, n, K) for padded inputs (B, n, D), and what backward needs
        (with the padded weights as `_weights` last wrote them)."""
        kind, At = self.kind, self.A.transpose(1, 2)
        h1 = self._mm("h1", x, self.W.transpose(1, 2)).relu_()
        if kind == "2layer":
            return self._mm("out", h1, At), (h1,)
        if kind == "3layer":
            h2 = self._mm("h2", h1, self.V.transpose(1, 2)).relu_()
            return self._mm("out", h2, At), (h1, h2, h1)
        out1 = self._mm("out1", h1, At)
        out1_1 = out1 + self.one  # (out1, 1): the second layer's input
        h2 = self._mm("h2", out1_1, self.V.transpose(1, 2)).relu_()
        return self._mm("out", h2, At, add=out1), (h1, h2, out1_1)

    @torch.no_grad()
    def squared_errors(self, x: torch.Tensor, y: torch.Tensor, chunk: int) -> torch.Tensor:
        """Per configuration, the sum over samples of ||out(x) - y||^2 (float64, (B,))."""
        B = self.model.batch
        total = torch.zeros(B, dtype=torch.float64, device=y.device)
        self._weights()  # once: the weights do not change between chunks
        for i in range(0, len(x), chunk):
            xp, yp = self.pad(x[i:i + chunk], y[i:i + chunk])
            out, _ = self._forward(xp.expand(B, *xp.shape))
            total += out.sub_(yp).double().pow(2).sum(dim=(1, 2))
        return total

    @torch.no_grad()
    def __call__(self, x: torch.Tensor, y: torch.Tensor, scale: float):
        """Loss per configuration (B,) and the gradients of `scale` x (sum over the mini-batch
        of each sample's loss), one per name in model.trained, for a padded mini-batch
        x (B, n, D), y (B, n, K) (see `pad`)."""
        model, kind, A = self.model, self.kind, self.A
        self._weights()
        out, saved = self._forward(x)
        r = out.sub_(y)
        loss = r.pow(2).sum(dim=(1, 2)).mul_(0.5 / x.shape[1])
        g_out = r.mul_(scale)
        grads = {}
        if kind == "2layer":
            (h1,) = saved
            g_h1 = self._mm("g_h1", g_out, A)
        else:
            h1, h2, h2_in = saved
            g_p2 = _relu_grad(self._mm("g_h2", g_out, A), h2)
            if "V" in model.trained:
                grads["V"] = self._mm("gV", g_p2.transpose(1, 2), h2_in)
            if "W" in model.trained:
                g_in = self._mm("g_in", g_p2, self.V)  # gradient of the second layer's input
                # 3resnet: h1 reaches the output through out1 directly and through the
                # second layer; the ones column's gradient meets A's zero row and drops out
                g_h1 = g_in if kind == "3layer" else self._mm("g_h1", g_in.add_(g_out), A)
        if "W" in model.trained:
            grads["W"] = self._mm("gW", _relu_grad(g_h1, h1).transpose(1, 2), x)
        return loss, [grads[n][:, : model.m, : getattr(model, n).shape[2]]
                      for n in model.trained]

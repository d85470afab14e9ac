"""A measured roofline for one batched training step: how fast could it be on this machine?

Runs one epoch of `train_batched` under torch.profiler (with the operators' input shapes) and
bounds every operator by this machine's own measured peaks: a large float32 matrix product
(FLOP/s) and an elementwise pass over a tensor of the step's size held in cache (bytes/s).
An operator cannot beat max(flops / peak, bytes / bandwidth); the sum over a step's operators
is the step's floor when operators run one after another, as PyTorch's eager mode runs them.
Bytes count each input once and the output once (a lower bound on traffic), so the floor is
optimistic: a step at the floor is as fast as these kernels allow.

A second, attainable floor times every batched matmul of the step alone, at its shapes, with
this machine's library (small matrices run far below the large product's rate), and keeps
the bound for the other operators. From both floors it derives the largest speedups the
batched grid could show against the two baselines of bench_batched_grid.py at their measured
speed (one configuration at a time, and a conventional loop): if those are below a target,
no batched step can reach it here.

    python benchmarks/roofline.py [--learner 3resnet] [--m 500] [--configs 16] [--N 2000]
        [--table]
"""
import argparse
import json
import math
import os
import time
from collections import defaultdict

import torch
from torch.profiler import ProfilerActivity, profile

from bench_batched_grid import conventional
from hlcore import Data, make_learner, make_target
from hlcore.train import train_batched

#: matrix products: (dimensions, index of the first factor among the tensor inputs); the
#: inputs after the two factors (an `out=` tensor) are not read
MATMULS = {"aten::bmm": (3, 0), "aten::baddbmm": (3, 1), "aten::mm": (2, 0),
           "aten::addmm": (2, 1)}
#: operators that only make a view: no arithmetic, no traffic
VIEWS = {"aten::transpose", "aten::as_strided", "aten::slice", "aten::select", "aten::view",
         "aten::expand", "aten::reshape", "aten::t", "aten::permute", "aten::unsqueeze",
         "aten::detach", "aten::alias", "aten::_unsafe_view", "aten::lift_fresh"}


def _seconds(fn, reps: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def peaks(numel: int) -> tuple[float, float]:
    """(matmul FLOP/s, elementwise bytes/s) measured here: a 2048^3 product, and relu over a
    tensor of `numel` floats into a preallocated output (cache-resident, the best case)."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    flops = 2 * 2048 ** 3 / _seconds(lambda: a @ b, 5)
    x = torch.randn(numel)
    y = torch.empty_like(x)
    bandwidth = 2 * 4 * numel / _seconds(lambda: torch.clamp_min(x, 0, out=y), 300)
    return flops, bandwidth


def _shapes(event) -> list:
    """The shapes of a profiled operator's tensor inputs (scalars and lists left out)."""
    return [s for s in event.input_shapes if s and all(isinstance(d, int) for d in s)]


def _cost(event) -> tuple[float, float]:
    """(flops, bytes) of one profiled operator, from its input shapes (float32)."""
    if event.name in VIEWS:
        return 0.0, 0.0
    shapes = _shapes(event)
    if event.name in MATMULS and len(shapes) >= 2:
        dims, first = MATMULS[event.name]
        a, b = shapes[first], shapes[first + 1]
        nbytes = 4 * sum(math.prod(s) for s in shapes[: first + 2])
        if dims == 3:
            return 2 * a[0] * a[1] * a[2] * b[2], nbytes + 4 * a[0] * a[1] * b[2]
        return 2 * a[0] * a[1] * b[1], nbytes + 4 * a[0] * b[1]
    # An elementwise operator reads its inputs once and writes its output once. Three or more
    # inputs of one shape: the last is taken for an out= argument (written, not read); where
    # that guess is wrong it undercounts, and the floor stays a lower bound.
    if len(shapes) >= 3 and all(s == shapes[-1] for s in shapes):
        shapes = shapes[:-1]
    sizes = [math.prod(s) for s in shapes]
    return 0.0, 4 * sum(sizes) + 4 * max(sizes or [0])


_ISOLATED: dict = {}


def isolated_matmul(event) -> float | None:
    """Seconds this machine's library takes for a batched matmul of the event's shapes, alone
    and on contiguous operands (None for other operators)."""
    shapes = _shapes(event)
    if event.name not in ("aten::bmm", "aten::baddbmm") or len(shapes) < 2:
        return None
    first = MATMULS[event.name][1]
    key = (tuple(shapes[first]), tuple(shapes[first + 1]))
    if key not in _ISOLATED:
        a, b = torch.randn(*key[0]), torch.randn(*key[1])
        _ISOLATED[key] = _seconds(lambda: torch.bmm(a, b), 50)
    return _ISOLATED[key]


def measure(t, data, learner: str, m: int, B: int, peak_flops: float, bandwidth: float) -> dict:
    steps = data.N // 50
    model = make_learner(learner, t.d, t.k, m, list(range(B)))
    args = (model, data, [0.1] * B, [1e-4] * B)
    train_batched(*args, epochs=1)  # warm-up
    plain = min(_seconds(lambda: train_batched(*args, epochs=1), 1) for _ in range(3)) / steps
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        train_batched(*args, epochs=1)
    ops = defaultdict(lambda: [0, 0.0, 0.0, 0.0])  # name -> calls, profiled, floor, attainable
    for ev in prof.events():
        if not ev.name.startswith("aten::") or (
                ev.cpu_parent is not None and ev.cpu_parent.name.startswith("aten::")):
            continue  # top-level operators only (their children are inside their time)
        # a foreach operator runs one child per tensor on the CPU: its cost is theirs
        parts = [ev] if _shapes(ev) or not ev.cpu_children else ev.cpu_children
        flops, nbytes = (sum(c) for c in zip(*map(_cost, parts)))
        op = ops[ev.name]
        op[0] += 1
        op[1] += ev.cpu_time_total * 1e-6
        bound = max(flops / peak_flops, nbytes / bandwidth)
        alone = isolated_matmul(ev)
        op[2] += bound
        op[3] += bound if alone is None else alone
    floor = sum(o[2] for o in ops.values()) / steps
    attainable = sum(o[3] for o in ops.values()) / steps
    table = sorted(((name, o[0] / steps, o[1] / steps * 1e6, o[2] / steps * 1e6,
                     o[3] / steps * 1e6) for name, o in ops.items()), key=lambda r: -r[2])
    return {"B": B, "step_us": round(plain * 1e6, 1), "floor_us": round(floor * 1e6, 1),
            "attainable_us": round(attainable * 1e6, 1), "table": table}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learner", default="3resnet")
    ap.add_argument("--m", type=int, default=500)
    ap.add_argument("--configs", type=int, default=16)
    ap.add_argument("--N", type=int, default=2000)
    ap.add_argument("--table", action="store_true", help="also print the operators' table")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    a = ap.parse_args(argv)
    if a.smoke:
        a.m, a.configs, a.N = 64, 4, 200
    os.environ["HL_QUIET"] = "1"
    peak_flops, bandwidth = peaks(a.configs * 50 * a.m)
    t = make_target("parity-v3")
    data = Data.sample(t, a.N, n_val=100, n_test=100, seed=0)
    batched = measure(t, data, a.learner, a.m, a.configs, peak_flops, bandwidth)
    alone = measure(t, data, a.learner, a.m, 1, peak_flops, bandwidth)
    # the batched step cannot beat its floor; the baselines run at their measured speed
    per_config_alone = alone["step_us"]
    best = a.configs * per_config_alone / batched["floor_us"]
    run = lambda: conventional(t, a.learner, data, 0.1, 1e-4, m=a.m, epochs=1,  # noqa: E731
                               evaluate=False)
    conv_us = min(_seconds(run, 1) for _ in range(3)) / (a.N // 50) * 1e6
    print(json.dumps({
        "benchmark": "roofline", "learner": a.learner, "m": a.m, "configs": a.configs,
        "torch_threads": torch.get_num_threads(),
        "peak_matmul_gflops": round(peak_flops / 1e9, 1),
        "elementwise_gbytes_per_s": round(bandwidth / 1e9, 1),
        "batched_step_us": batched["step_us"], "batched_floor_us": batched["floor_us"],
        "batched_fraction_of_floor": round(batched["floor_us"] / batched["step_us"], 3),
        "alone_step_us": alone["step_us"], "alone_floor_us": alone["floor_us"],
        "speedup_vs_alone_now": round(a.configs * per_config_alone / batched["step_us"], 2),
        "speedup_vs_alone_at_floor": round(best, 2),
        # the floor with the batched matmuls at the speed the library reaches on their shapes
        "batched_attainable_us": batched["attainable_us"],
        "speedup_vs_alone_attainable": round(
            a.configs * per_config_alone / batched["attainable_us"], 2),
        "conventional_step_us": round(conv_us, 1),
        "speedup_vs_conventional_now": round(a.configs * conv_us / batched["step_us"], 2),
        "speedup_vs_conventional_at_floor": round(a.configs * conv_us / batched["floor_us"],
                                                  2),
        "speedup_vs_conventional_attainable": round(
            a.configs * conv_us / batched["attainable_us"], 2)}))
    if a.table:
        # profiled times are inflated by the profiler itself: compare shares, not values
        print(f"{'operator':<28}{'calls/step':>11}{'profiled us':>13}{'floor us':>10}"
              f"{'attainable us':>15}")
        for name, calls, measured, fl, att in batched["table"][:15]:
            print(f"{name:<28}{calls:>11.1f}{measured:>13.1f}{fl:>10.1f}{att:>15.1f}")


if __name__ == "__main__":
    main()

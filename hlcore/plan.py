"""Cost planner: what a notebook run will do, before it runs (`hl plan NAME`).

The work of a run is listed as tasks (a learner's grid at one N, m and seed, or a kernel's
ridge path). Each is costed by a simple model whose constants are measured on this machine by
a short calibration (cached in the result cache folder, per host):

* training: steps * (overhead + configurations * flops per step / batched rate), where a
  step is one mini-batch of 50 for every configuration of the grid;
* kernels: kernel entries at a measured rate (infinite width) or matmul flops (finite width),
  plus one Cholesky factorisation per ridge value at the measured float64 rate.

GPU times assume sustained rates we state (not measured here): they are an order of magnitude,
not a promise.
"""
from __future__ import annotations

import json
import math
import socket
import time
from dataclasses import dataclass, field

from . import profiles
from .kernels import available_memory, max_kernel_n
from .names import parse_kernel_name
from .store import default_root
from .sweep import sweep_tasks
from .targets import make_target

#: Assumed sustained rates on one data-centre GPU (H100 class) for these small problems.
GPU_FLOPS32 = 20e12
GPU_FLOPS64 = 20e12
GPU_STEP_OVERHEAD = 4e-4  # seconds per optimisation step (kernel launches)


def macs_per_sample(learner: str, d: int, k: int, m: int) -> float:
    """Multiply-adds of one forward pass of one sample (each learner declares its own)."""
    from .frobenius import SignNet2
    from .learners import LEARNERS

    return {**LEARNERS, SignNet2.name: SignNet2}[learner].macs(d, k, m)


@dataclass
class Task:
    kind: str          # "train" or "kernel"
    learner: str
    N: int
    m: int
    d: int
    k: int
    configs: int = 1
    epochs: int = 0
    n_eval: int = 0
    ridges: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return math.ceil(self.N / 50) * self.epochs

    def flops(self) -> float:
        if self.kind == "train":
            per = 2 * macs_per_sample(self.learner, self.d, self.k, self.m)
            return self.configs * (3 * per * self.N * self.epochs
                                   + per * (self.N + self.n_eval))
        base, kind = parse_kernel_name(self.learner)
        entries = self.N * (self.N + self.n_eval)
        if kind == "NTK":
            per_entry = 2 * (self.k * self.m + self.d + self.m) * (2 if base != "2layer" else 1)
        elif kind == "last":
            per_entry = 2 * self.m
        else:
            per_entry = 50  # elementwise arc-cosine work, counted as flops
        return entries * per_entry + self.ridges * self.N**3 / 3

    def memory(self) -> float:
        """Peak bytes: the kernel matrices (float64), or the batched weights (float32) with
        the data (sampled in float64, then copied to float32)."""
        if self.kind == "kernel":
            return 8.0 * (2 * self.N**2 + self.n_eval * self.N)
        params = macs_per_sample(self.learner, self.d, self.k, self.m)
        data = 12.0 * (self.N + self.n_eval) * (self.d + 1 + self.k)
        return 4.0 * self.configs * (4 * params + 50 * 4 * self.m) + data

    def largest_fitting(self, memory: float) -> tuple[str, int] | None:
        """The parameter that makes this training too large (m or N) and its largest value
        whose memory fits in `memory` bytes; None if even the smallest does not fit."""
        from dataclasses import replace

        param = "m" if replace(self, N=1, n_eval=0).memory() > memory else "N"
        lo, hi = 0, getattr(self, param)
        while lo < hi:  # the largest value that fits, by bisection
            mid = (lo + hi + 1) // 2
            if replace(self, **{param: mid}).memory() <= memory:
                lo = mid
            else:
                hi = mid - 1
        return (param, lo) if lo > 0 else None




def sweep_cost(P: dict, target, learners, kernels, N_values, m, seeds,
               kernel_N_max=None) -> list[Task]:
    """The tasks of one sweep (hlcore.sweep) of a page with parameters P: each learner's grid
    and each kernel's ridge path at every (seed, N, m)."""
    out = []
    for seed, N, width, lname in sweep_tasks(learners=learners, kernels=kernels,
                                             N_values=N_values, m=m, seeds=seeds,
                                             kernel_N_max=kernel_N_max):
        n_eval = P["n_val"] + P["n_test"]
        if lname in learners:
            out.append(Task("train", lname, N, width, target.d, target.k,
                            configs=len(P["lrs"]) * len(P["weight_decays"]),
                            epochs=P["epochs"], n_eval=n_eval))
        else:
            out.append(Task("kernel", lname, N, width, target.d, target.k, n_eval=n_eval,
                            ridges=len(P.get("ridges", [1]))))
    return out


def notebook_tasks(name: str, P: dict) -> list[Task]:
    """Every task of page `name` with resolved parameters P (the page's own cost model)."""
    from .pages import get

    return get(name).tasks(P)


CALIBRATION_VERSION = 3


def calibrate(force: bool = False) -> dict:
    """Measure this machine's constants (about ten seconds; cached per host)."""
    import numpy as np
    import torch

    from .train import Data, train_batched
    from .learners import make_learner

    # the version names what was measured: a faster engine (2: the fused step) or a new
    # calibration point (3: a batch of 54) must not be planned with an older cached rate
    path = default_root() / f"calibration-{socket.gethostname()}-v{CALIBRATION_VERSION}.json"
    if path.exists() and not force:
        return json.loads(path.read_text())
    t = make_target("parity-v3")
    data = Data.sample(t, 2000, n_val=10, n_test=10, seed=0, device="cpu")

    def per_step(learner, m, B, epochs):
        model = make_learner(learner, t.d, t.k, m, list(range(B)))
        train_batched(model, data, [1e-3] * B, [0.0] * B, epochs=1, progress=False)  # warm up
        best = math.inf
        for _ in range(3):  # the fastest of three: other load only ever slows a run down
            start = time.perf_counter()
            train_batched(model, data, [1e-3] * B, [0.0] * B, epochs=epochs, progress=False)
            best = min(best, time.perf_counter() - start)
        steps = math.ceil(data.N / 50) * epochs
        flops = 6 * 50 * macs_per_sample(learner, t.d, t.k, m) * B
        return best / steps, flops

    t_small, f_small = per_step("2layer", 32, 1, epochs=3)
    # a reference grid's batch (54 configurations): its weights leave the cache, and the
    # rate falls by a third from a batch of 4 (which planned 3layer at m = 500 1.5x short)
    t_big, f_big = per_step("3layer", 500, 54, epochs=1)
    rate = max(1e9, (f_big - f_small) / max(t_big - t_small, 1e-9))
    overhead = max(0.0, t_small - f_small / rate)

    from .kernels import InfiniteKernel, ridge_path

    x = t.sample_x(1500, seed=0)
    start = time.perf_counter()
    K = InfiniteKernel("2layer", "NTK-inf", t.d, t.k)(x)
    entry_rate = K.size / (time.perf_counter() - start)
    # Cholesky's rate grows with N: measure it at a size like the kernels' (N = 3000)
    K = InfiniteKernel("2layer", "NTK-inf", t.d, t.k)(t.sample_x(3000, seed=1))
    y = np.ones((len(K), 1))
    start = time.perf_counter()
    ridge_path(K, y, {}, ridges=[1e-3])
    chol_rate = len(K) ** 3 / 3 / (time.perf_counter() - start)
    A = np.random.default_rng(0).standard_normal((1500, 1500)).astype(np.float32)
    start = time.perf_counter()
    A @ A
    mm32 = 2 * 1500**3 / (time.perf_counter() - start)
    result = {"step_overhead_s": overhead, "train_flops_per_s": rate,
              "kernel_entries_per_s": entry_rate, "cholesky_flops_per_s": chol_rate,
              "matmul32_flops_per_s": mm32, "torch_threads": torch.get_num_threads(),
              "host": socket.gethostname(), "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    return result


def estimate_seconds(task: Task, c: dict, gpu: bool = False) -> float:
    if task.kind == "train":
        if gpu:
            return task.steps * GPU_STEP_OVERHEAD + task.flops() / GPU_FLOPS32
        per_step = 6 * 50 * macs_per_sample(task.learner, task.d, task.k, task.m)
        train = task.steps * (c["step_overhead_s"] + task.configs * per_step
                              / c["train_flops_per_s"])
        evaluation = (task.configs * 2 * macs_per_sample(task.learner, task.d, task.k, task.m)
                      * (task.N + task.n_eval) / c["train_flops_per_s"])
        return train + evaluation
    solve = task.ridges * task.N**3 / 3
    if gpu:
        return task.flops() / GPU_FLOPS64
    base, kind = parse_kernel_name(task.learner)
    entries = task.N * (task.N + task.n_eval)
    if kind.endswith("-inf"):
        build = entries / c["kernel_entries_per_s"] * (2 if base == "3resnet" else 1)
    else:
        build = (task.flops() - solve) / c["matmul32_flops_per_s"]
    if kind == "last" and task.m < task.N:
        solve = 0.0  # solved in feature space
    return build + solve / c["cholesky_flops_per_s"]


def plan(name: str, profile: str = "quick", overrides: dict | None = None,
         calibration: dict | None = None) -> dict:
    P = profiles.resolve(name, profile, **(overrides or {}))
    tasks = notebook_tasks(name, P)
    c = calibration or calibrate()
    train = [t for t in tasks if t.kind == "train"]
    kern = [t for t in tasks if t.kind == "kernel"]
    largest = max((t for t in kern), key=lambda t: t.N, default=None)
    return {
        "notebook": name, "profile": profile,
        "trainings": sum(t.configs for t in train), "training_groups": len(train),
        "kernel_fits": len(kern), "ridge_solves": sum(t.ridges for t in kern),
        "sample_passes": sum(t.configs * t.N * t.epochs for t in train),
        "flops": sum(t.flops() for t in tasks),
        "peak_memory_bytes": max((t.memory() for t in tasks), default=0.0),
        "memory_here_bytes": available_memory(),
        "too_large": _too_large(train, 0.8 * available_memory()),
        "largest_kernel_N": largest.N if largest else 0,
        "max_kernel_N_here": max_kernel_n(largest.n_eval if largest else 0),
        "seconds_here": sum(estimate_seconds(t, c) for t in tasks),
        "seconds_gpu": sum(estimate_seconds(t, c, gpu=True) for t in tasks),
        "calibration": c,
        # a search stops as soon as the threshold is reached: its plan counts every N
        "upper_bound": name == "sample-gap",
    }


def _too_large(train: list[Task], memory: float) -> list[str]:
    """Per learner, the trainings whose memory exceeds `memory` bytes: how many, the smallest
    of them, and the largest width (or N) that would fit."""
    out = []
    for learner in dict.fromkeys(t.learner for t in train):
        bad = sorted((t for t in train if t.learner == learner and t.memory() > memory),
                     key=lambda t: t.memory())
        if bad:
            t = bad[0]
            fit = t.largest_fitting(memory)
            out.append(f"{learner}: {len(bad)} training(s) from N={t.N}, m={t.m} "
                       f"({t.memory() / 2**30:.1f} GiB)"
                       + (f"; fits up to {fit[0]}={fit[1]:,d}" if fit else ""))
    return out


def _human(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def format_plan(p: dict) -> str:
    fits = p["largest_kernel_N"] <= p["max_kernel_N_here"]
    lines = [
        f"plan for {p['notebook']} ({p['profile']} profile)",
        f"  network trainings   {p['trainings']:>12,d}  in {p['training_groups']} batched groups",
        f"  kernel fits         {p['kernel_fits']:>12,d}  ({p['ridge_solves']} ridge solves)",
        f"  sample passes       {p['sample_passes']:>12,d}",
        f"  floating-point work {p['flops']:>12.3g}  flop",
        f"  peak memory         {p['peak_memory_bytes'] / 2**30:>12.2f}  GiB  (this machine "
        f"has {p.get('memory_here_bytes', 0) / 2**30:.1f} GiB free"
        + ("; TOO LARGE)" if p.get("too_large") else ")"),
        *[f"    cannot fit: {line}" for line in p.get("too_large", [])],
        f"  largest kernel N    {p['largest_kernel_N']:>12,d}  (this machine fits N <= "
        f"{p['max_kernel_N_here']:,d}{'' if fits else ': TOO LARGE'})",
        f"  estimated time here {_human(p['seconds_here']):>12}  (calibrated on this machine"
        + ("; an upper bound: the N* search stops early)" if p.get("upper_bound") else ")"),
        f"  estimated time GPU  {_human(p['seconds_gpu']):>12}  (one H100-class GPU, assumed "
        f"rates; an order of magnitude)",
    ]
    return "\n".join(lines)

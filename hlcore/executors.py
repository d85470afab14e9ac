"""Where sweep tasks run: in this process (the default, no set-up) or on a Dask cluster.

A task is one batched group of configurations (one learner's whole lr x weight-decay grid at
one N, width and seed) or one kernel's ridge path. Tasks are independent and write their
results to the shared result cache, so a killed cluster run resumes like a local one.

Choose with `executor=` in `hlcore.sweep.sweep`, or for whole notebook runs with
``hl run ... --executor dask --scheduler tcp://HOST:PORT`` (which sets $HL_EXECUTOR and
$HL_SCHEDULER for the notebook's kernel).
"""
from __future__ import annotations

import os


class InProcess:
    """Run tasks one after another here, with a progress bar."""

    name = "in-process"

    def map(self, fn, items, progress: bool = True, describe=str):
        from tqdm import tqdm

        bar = tqdm(items, desc="sweep", leave=False, disable=not progress)
        out = []
        for item in bar:
            bar.set_postfix_str(describe(item))
            out.append(fn(item))
        return out


class DaskExecutor:
    """Submit tasks to a Dask distributed scheduler and gather the results in order."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, client=None):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - the scale extra is not installed
            raise ValueError("the Dask executor needs the 'scale' extra: pip install "
                             "'hlcore[scale]'") from None
        if client is None and not scheduler:
            raise ValueError("the Dask executor needs a scheduler address, e.g. "
                             "tcp://127.0.0.1:8786 (or $HL_SCHEDULER)")
        self.client = client or Client(scheduler)

    def map(self, fn, items, progress: bool = True, describe=str):
        from distributed import as_completed
        from tqdm import tqdm

        # One PyTorch thread per worker thread: several workers on one machine, each with
        # PyTorch's default of one thread per core, oversubscribe the cores and crawl.
        self.client.run(_match_torch_threads)
        futures = self.client.map(fn, items, pure=False)
        for _ in tqdm(as_completed(futures), total=len(futures), desc="sweep (dask)",
                      leave=False, disable=not progress):
            pass
        return self.client.gather(futures)


class Processes:
    """Run tasks in N worker processes on this machine (the standard library's process pool,
    started with 'spawn' so that CUDA works in the workers). On a GPU, where a small network's
    step is bound by kernel-launch overhead rather than arithmetic, several processes keep the
    device busy; on a CPU each worker gets one PyTorch thread of its own."""

    name = "processes"

    def __init__(self, workers: int | None = None):
        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1; got {workers!r}")

    def map(self, fn, items, progress: bool = True, describe=str):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from tqdm import tqdm

        items = list(items)
        if len(items) <= 1 or self.workers == 1:  # no pool to start for one task
            return InProcess().map(fn, items, progress=progress, describe=describe)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(self.workers, len(items)), mp_context=ctx,
                                 initializer=_one_torch_thread) as pool:
            futures = [pool.submit(fn, item) for item in items]
            for f in tqdm(futures, desc=f"sweep ({self.workers} processes)", leave=False,
                          disable=not progress):
                f.result()
            return [f.result() for f in futures]


def _one_torch_thread():
    import torch

    torch.set_num_threads(1)
    _die_with_parent()


def _die_with_parent():
    """On Linux, ask the kernel to stop this worker when the process that started it dies: a
    killed `hl run` (its notebook kernel) must not leave workers training on, unseen."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PDEATHSIG
        except OSError:
            pass


def _match_torch_threads(dask_worker=None):
    import torch

    torch.set_num_threads(max(1, getattr(dask_worker, "nthreads", 1) or 1))


def from_environment():
    """The executor named by $HL_EXECUTOR: 'in-process' (the default), 'processes' (with
    $HL_WORKERS, default one per core) or 'dask' (with $HL_SCHEDULER)."""
    kind = os.environ.get("HL_EXECUTOR", "in-process")
    if kind in ("in-process", "local", ""):
        return InProcess()
    if kind == "processes":
        return Processes(os.environ.get("HL_WORKERS") or None)
    if kind == "dask":
        return DaskExecutor(os.environ.get("HL_SCHEDULER"))
    raise ValueError(f"unknown executor {kind!r} in $HL_EXECUTOR; allowed: in-process, "
                     f"processes, dask")

"""Two batched grids on a 2-core CPU: one process with two PyTorch threads running them one after
the other (`--executor in-process`), against two processes of one thread each running them side
by side (`--executor processes`, hl's default).

A small network's step leaves the second core idle in one process, so two processes win there;
a large one (3layer's m x m layer at a reference grid's 54 configurations) is bound by memory
traffic that two processes share. Prints one JSON line per learner: the wall time of each way
(medians of interleaved repetitions) and their ratio (processes / in-process; below 1: processes
faster).

    python benchmarks/bench_executors.py [--reps 3] [--epochs 2] [--smoke]
"""
import argparse
import json
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing

CASES = [("2layer", 100), ("3resnet", 200), ("3layer", 200)]


def _train(args):
    learner, m, B, N, epochs, threads = args
    import torch

    torch.set_num_threads(threads)
    from hlcore import make_target
    from hlcore.learners import make_learner
    from hlcore.train import Data, train_batched

    t = make_target("parity-v2")
    data = Data.sample(t, N, n_val=10, n_test=10, seed=0, device="cpu")
    model = make_learner(learner, t.d, t.k, m, list(range(B)))
    start = time.perf_counter()
    train_batched(model, data, [1e-3] * B, [0.0] * B, epochs=epochs, progress=False)
    return time.perf_counter() - start


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--configs", type=int, default=54)
    ap.add_argument("--N", type=int, default=1000)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    a = ap.parse_args(argv)
    reps, epochs, B, N = (1, 1, 4, 200) if a.smoke else (a.reps, a.epochs, a.configs, a.N)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        list(pool.map(_train, [("2layer", 8, 1, 100, 1, 1)] * 2))  # start the workers
        for learner, m in CASES:
            job = (learner, m, B, N, epochs)
            times = {"in-process": [], "processes": []}
            for _ in range(reps):  # interleaved: a drift in machine speed hits both alike
                # training time alone (no start-up or data): one at a time with two threads
                # is the sum of the two, side by side with one thread each the longer one
                times["in-process"].append(sum(pool.submit(_train, job + (2,)).result()
                                               for _ in range(2)))
                times["processes"].append(max(pool.map(_train, [job + (1,)] * 2)))
            ratios = [p / i for i, p in zip(times["in-process"], times["processes"])]
            print(json.dumps({"benchmark": "executors", "learner": learner, "m": m,
                              "configs": B, "N": N, "epochs": epochs,
                              "seconds_in_process": statistics.median(times["in-process"]),
                              "seconds_processes": statistics.median(times["processes"]),
                              "ratio_processes_over_in_process": statistics.median(ratios),
                              "ratio_range": [min(ratios), max(ratios)]}), flush=True)


if __name__ == "__main__":
    main()

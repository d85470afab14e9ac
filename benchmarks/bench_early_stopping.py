"""Early stopping's cost: the same grid trained with and without errors recorded along the way.

Prints one JSON line: the median ratio (recording / not) over interleaved repetitions with its
range, at the quick profile's shape (40 epochs: a checkpoint every epoch) and at the paper's
(800 epochs, every 25; scaled down here to `--epochs` with the same 32 checkpoints).

    python benchmarks/bench_early_stopping.py [--epochs 40] [--reps 5] [--smoke]
"""
import argparse
import json
import statistics
import time

from hlcore import make_target, train_grid
from hlcore.train import Data


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--N", type=int, default=1000)
    ap.add_argument("--m", type=int, default=200)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    a = ap.parse_args(argv)
    epochs, N, m, reps = (4, 200, 32, 1) if a.smoke else (a.epochs, a.N, a.m, a.reps)
    t = make_target("parity-v2")
    data = Data.sample(t, N, n_val=1000, n_test=2000, seed=0)
    kw = dict(N=N, m=m, lrs=[0.05, 0.1, 0.2, 0.5], weight_decays=[0.0, 1e-4, 1e-3], seeds=[0],
              epochs=epochs, data=data, device="cpu", progress=False)
    times = {False: [], True: []}
    for _ in range(reps):  # interleaved: a drift in machine speed hits both sides alike
        for es in (False, True):
            start = time.perf_counter()
            train_grid(t, "3resnet", early_stopping=es, **kw)
            times[es].append(time.perf_counter() - start)
    ratios = [b / a_ for a_, b in zip(times[False], times[True])]
    print(json.dumps({"benchmark": "early_stopping", "epochs": epochs, "N": N, "m": m,
                      "configs": 12, "checkpoints": min(epochs, 32 + 1),
                      "seconds_plain": statistics.median(times[False]),
                      "seconds_recording": statistics.median(times[True]),
                      "ratio_median": statistics.median(ratios),
                      "ratio_range": [min(ratios), max(ratios)]}))


if __name__ == "__main__":
    main()

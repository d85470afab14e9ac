"""hl plan's estimate against the measured time of one batched group, per network and width.

`hl plan` prices a training by its multiply-adds at a rate calibrated on this machine (a
3-layer network at m = 500). This trains one batched group of the width page's shape
(parity-v2, N = 1000, the adopted protocol's step) for a few epochs at each (network, width,
group size) on one core, as hl's workers train, and prints one JSON line per point: the
measured seconds (fastest of `--reps`; other load only ever slows a run down), the plan's
estimate of one core's time for the same work, their ratio
(machine-independent as far as the calibration is), and the measured time scaled to the
paper's 800 epochs per configuration. Time per epoch is steady along a run, so a few epochs
stand for 800. Run it on a quiet machine: a group beside other work records that work too.

    python benchmarks/bench_plan.py [--points 3resnet:2000:5,3layer:1000:5] [--epochs 6]
        [--reps 2] [--smoke]
"""
import argparse
import json
import time

import torch

from hlcore import make_learner, make_target
from hlcore.plan import Task, calibrate, estimate_seconds
from hlcore.train import Data, train_batched

#: the widths the width page's reference run reaches or could reach here, and the ResNet's
#: whole 5 x 5 grid as one group beside its groups of 5 (one learning rate each)
DEFAULT_POINTS = ("3resnet:500:5,3resnet:2000:5,3resnet:2000:25,3resnet:5000:5,"
                  "3resnet:10000:5,2layer:2000:5,2layer:10000:5,3layer:1000:5,3layer:2000:5")


def measure(t, data, learner: str, m: int, B: int, epochs: int, reps: int) -> float:
    model = make_learner(learner, t.d, t.k, m, [0] * B)
    kw = dict(decay="weight", progress=False)
    lrs, wds = [1e-3] * B, [1e-4] * B  # small steps: no configuration diverges and stops work
    train_batched(model, data, lrs, wds, epochs=1, **kw)  # warm up
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        train_batched(model, data, lrs, wds, epochs=epochs, **kw)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", default=DEFAULT_POINTS,
                    help="learner:m:configs, comma-separated")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    a = ap.parse_args(argv)
    points = "3resnet:32:2,3layer:32:2" if a.smoke else a.points
    epochs, reps, N = (1, 1, 100) if a.smoke else (a.epochs, a.reps, 1000)
    torch.set_num_threads(1)  # as hl's worker processes run
    t = make_target("parity-v2")
    data = Data.sample(t, N, n_val=10, n_test=10, seed=0, device="cpu")
    c = calibrate()
    for point in points.split(","):
        learner, m, B = point.split(":")
        m, B = int(m), int(B)
        seconds = measure(t, data, learner, m, B, epochs, reps)
        # the plan's rate was measured with torch_threads threads: its estimate is a share of
        # the machine, so one core's time is that many times longer (the width page's rule)
        planned = estimate_seconds(Task("train", learner, N, m, t.d, t.k, configs=B,
                                        epochs=epochs), c) * c.get("torch_threads", 1)
        print(json.dumps({"benchmark": "plan", "learner": learner, "m": m, "configs": B,
                          "N": N, "epochs": epochs, "seconds": float(f"{seconds:.4g}"),
                          "planned_seconds": float(f"{planned:.4g}"),
                          "measured_over_plan": round(seconds / planned, 2),
                          "seconds_per_config_800_epochs": round(seconds / B * 800 / epochs, 1)}),
              flush=True)


if __name__ == "__main__":
    main()

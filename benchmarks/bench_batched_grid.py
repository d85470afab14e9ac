"""Batched grid training vs one configuration after another, side by side in one process.

Prints one JSON line with two ratios:
* `speedup_vs_hlcore_alone`: the same hlcore code trained with one configuration at a time
  (B = 1): the fair measure of what batching alone buys;
* `speedup_vs_conventional`: a conventional PyTorch loop, one configuration at a time
  (torch.optim.SGD + MultiStepLR + a shuffled DataLoader over a TensorDataset), the way such
  grids are usually run (and, as far as we know, the way the paper ran them), ending, like
  hlcore's table, with the train, validation and test errors.

Each side is repeated (`--repeats`, interleaved in a rotating order so that a slow phase of
the machine hits all sides alike); the ratios are medians over repetitions, with their range.

    python benchmarks/bench_batched_grid.py [--learner 3resnet] [--m 500] [--N 10000]
        [--configs 16] [--epochs 2] [--repeats 9] [--device cpu|cuda] [--smoke]
"""
import argparse
import json
import os
import statistics
import time

import torch
from torch.utils.data import DataLoader, TensorDataset

from hlcore import Data, make_learner, make_target, paper_grid, train_grid


def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def conventional(target, learner, data, lr, wd, *, m, epochs, seed=0, device="cpu",
                 evaluate=True):
    model = make_learner(learner, target.d, target.k, m, [seed], device=device)
    opt = torch.optim.SGD([getattr(model, n) for n in model.trained], lr=lr, momentum=0.9,
                          weight_decay=wd)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[epochs // 2], gamma=0.1)
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=50, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    for _ in range(epochs):
        for xb, yb in loader:
            loss = 0.5 * (model(xb)[0] - yb).pow(2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    if not evaluate:
        return None
    with torch.no_grad():  # the three errors hlcore's table reports, for equal work
        return {split: float((model(getattr(data, "x_" + split))[0] - getattr(data, "y_" + split))
                             .pow(2).sum(1).mean()) for split in ("train", "val", "test")}


def spread(values) -> float:
    """Relative spread of repeated measurements: (max - min) / median."""
    return float((max(values) - min(values)) / statistics.median(values))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learner", default="3resnet")
    ap.add_argument("--target", default="parity-v3")
    ap.add_argument("--m", type=int, default=500)
    ap.add_argument("--N", type=int, default=10000)
    ap.add_argument("--configs", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=9,
                    help="interleaved repetitions of each side; medians are reported")
    ap.add_argument("--group-size", type=int, default=None)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    a = ap.parse_args(argv)
    if a.smoke:
        a.m, a.N, a.configs, a.epochs, a.repeats = 64, 500, 4, 1, 2
    os.environ["HL_QUIET"] = "1"
    target = make_target(a.target)
    lrs = paper_grid(1, 4)[: max(1, a.configs // 2)]
    wds = [0.0, 1e-4][: max(1, a.configs // len(lrs))]
    data = Data.sample(target, a.N, n_val=200, n_test=200, seed=0, device=a.device)
    kw = dict(N=a.N, m=a.m, epochs=a.epochs, data=data, device=a.device)
    sides = {
        "batched": lambda: train_grid(target, a.learner, lrs=lrs, weight_decays=wds,
                                      group_size=a.group_size, **kw),
        "alone": lambda: [train_grid(target, a.learner, lrs=[lr], weight_decays=[wd], **kw)
                          for lr in lrs for wd in wds],
        "conventional": lambda: [conventional(target, a.learner, data, lr, wd, m=a.m,
                                              epochs=a.epochs, device=a.device)
                                 for lr in lrs for wd in wds],
    }
    for side in sides.values():  # warm-up: allocator, CUDA context, DataLoader, first calls
        side()
    timings = {name: [] for name in sides}
    results = {}
    names = list(sides)
    for r in range(a.repeats):
        # interleaved, in a rotating order: a slow phase of the machine hits every side
        for name in names[r % 3:] + names[: r % 3]:
            _sync(a.device)
            t0 = time.perf_counter()
            results[name] = sides[name]()
            _sync(a.device)
            timings[name].append(time.perf_counter() - t0)
    vs_alone = [x / y for x, y in zip(timings["alone"], timings["batched"])]
    vs_conv = [x / y for x, y in zip(timings["conventional"], timings["batched"])]
    batched, alone = results["batched"], results["alone"]
    same = all(abs(x.test_error.iloc[0] - y) <= 1e-4 * max(1.0, abs(y))
               for x, y in zip(alone, batched.test_error))
    # achieved training throughput against this machine's float32 matmul rate
    from hlcore.plan import macs_per_sample

    train_flops = (len(batched) * 6 * macs_per_sample(a.learner, target.d, target.k, a.m)
                   * a.N * a.epochs)
    seconds_training = statistics.median(timings["batched"])
    n = 2048
    A = torch.randn(n, n, device=a.device)
    A @ A
    _sync(a.device)
    t0 = time.perf_counter()
    for _ in range(5):
        A @ A
    _sync(a.device)
    matmul_rate = 5 * 2 * n**3 / (time.perf_counter() - t0)
    print(json.dumps({
        "benchmark": "batched_grid", "device": a.device, "learner": a.learner, "m": a.m,
        "N": a.N, "configs": len(batched), "epochs": a.epochs, "repeats": a.repeats,
        **{f"seconds_{k}_median": round(statistics.median(v), 3) for k, v in timings.items()},
        "speedup_vs_hlcore_alone": round(statistics.median(vs_alone), 2),
        "speedup_vs_hlcore_alone_range": [round(min(vs_alone), 2), round(max(vs_alone), 2)],
        "speedup_vs_conventional": round(statistics.median(vs_conv), 2),
        "speedup_vs_conventional_range": [round(min(vs_conv), 2), round(max(vs_conv), 2)],
        "relative_spread": {"vs_alone": round(spread(vs_alone), 3),
                            "vs_conventional": round(spread(vs_conv), 3)},
        "same_results_as_alone": same, "torch_threads": torch.get_num_threads(),
        "training_gflops": round(train_flops / seconds_training / 1e9, 1),
        "float32_matmul_gflops": round(matmul_rate / 1e9, 1),
        "fraction_of_matmul_rate": round(train_flops / seconds_training / matmul_rate, 3)}))


if __name__ == "__main__":
    main()

"""Run a page's pass one configuration (learning rate, weight decay) at a time, several at once.

    python tools/run_by_configuration.py NAME --lrs 0.1 0.2 --weight-decays 1e-4 1e-3 \\
        --out ~/ref/width-2000 [--jobs 2] [-p KEY VALUE ...] [hl run's other -p]

Each configuration is one `hl run NAME --profile reference -p lrs [LR] -p weight_decays [WD]`
(with the other -p given here) into OUT/lrLR-wdWD, with one worker and one thread
(HL_WORKERS=1, OMP_NUM_THREADS=1), niced, sharing the result cache ($HL_CACHE). Why: where one
network's weights outgrow the processor's cache (3layer at m >= 1000), a configuration alone
trains faster than in a batched group (benchmarks/bench_plan.py), and a session that ends
mid-run loses at most one configuration per job. A configuration whose folder has a run.json is
skipped, so the command resumes. When every one is done, run the whole pass with every learning
rate and decay: it reads them all from the cache.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def folder(out: Path, lr: float, wd: float) -> Path:
    return out / f"lr{lr:g}-wd{wd:g}"


def log_file(out: Path, lr: float, wd: float) -> Path:
    # beside the folder, its whole name: with_suffix would cut "lr0.2-wd0.001" to "lr0.2-wd0"
    return out / f"{folder(out, lr, wd).name}.log"


def command(name: str, lr: float, wd: float, params, profile: str, dest: Path) -> list[str]:
    hl = Path(sys.executable).with_name("hl")
    cmd = [str(hl) if hl.exists() else "hl", "run", name, "--profile", profile,
           "-p", "lrs", json.dumps([lr]), "-p", "weight_decays", json.dumps([wd])]
    for key, value in params:
        cmd += ["-p", key, value]
    return cmd + ["--out", str(dest)]


def run_all(name: str, lrs, wds, params, out: Path, jobs: int = 2, profile: str = "reference",
            nice: int = 19, log=print) -> list[tuple[float, float, int]]:
    """Every (lr, wd) not yet done, `jobs` at a time; returns (lr, wd, exit status) of those run."""
    out.mkdir(parents=True, exist_ok=True)
    todo = [(lr, wd) for lr in lrs for wd in wds
            if not (folder(out, lr, wd) / "run.json").exists()]
    env = {**os.environ, "HL_WORKERS": "1", "OMP_NUM_THREADS": "1"}

    def one(cfg):
        lr, wd = cfg
        dest = folder(out, lr, wd)
        log(f"start lr {lr:g}, weight decay {wd:g}")
        with open(log_file(out, lr, wd), "w") as f:
            # nice(1), not preexec_fn: that is unsafe with this pool's threads
            cmd = (["nice", "-n", str(nice)] if nice else []) + command(name, lr, wd, params,
                                                                        profile, dest)
            rc = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.STDOUT,
                                cwd=ROOT).returncode
        log(f"{'done' if rc == 0 else f'failed ({rc}), see {log_file(out, lr, wd)}:'} lr {lr:g}, "
            f"weight decay {wd:g}")
        return lr, wd, rc

    log(f"{len(todo)} of {len(lrs) * len(wds)} configurations to run, {jobs} at a time")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, todo))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("--lrs", nargs="+", type=float, required=True)
    ap.add_argument("--weight-decays", nargs="+", type=float, required=True)
    ap.add_argument("--out", type=Path, required=True, help="one folder per configuration here")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--profile", default="reference")
    ap.add_argument("--nice", type=int, default=19)
    ap.add_argument("-p", "--param", nargs=2, action="append", default=[],
                    metavar=("KEY", "VALUE"), help="passed to hl run")
    args = ap.parse_args(argv)
    if {"lrs", "weight_decays"} & {k for k, _ in args.param}:
        ap.error("give the grid with --lrs and --weight-decays, not -p")
    done = run_all(args.name, args.lrs, args.weight_decays, args.param, args.out.expanduser(),
                   args.jobs, args.profile, args.nice,
                   log=lambda s: print(s, flush=True))
    failed = [(lr, wd) for lr, wd, rc in done if rc]
    if failed:
        print(f"{len(failed)} configuration(s) failed: {failed}", file=sys.stderr)
        return 1
    print("every configuration is in the cache: now run the whole pass (every lr and decay)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

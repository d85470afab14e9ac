"""The `hl` command."""
from __future__ import annotations

import argparse
import sys


def _demo(args) -> int:
    from . import make_target, select, train_grid

    t = make_target("parity-v3")
    print(f"parity-v3: d={t.d}, k={t.k}, alpha={t.alpha}; learning F but not alpha*G(F) "
          f"scores k*alpha^2 = {t.threshold:.2f}")
    for learner in ("3resnet", "2layer"):
        table = train_grid(t, learner, N=args.N, m=args.m, lrs=[0.2, 0.5], weight_decays=[1e-4],
                           epochs=args.epochs, device=args.device)
        best = select(table).iloc[0]
        print(f"{learner:>8}: test error {best.test_error:.3f} (lr {best.lr}, chosen on "
              f"validation; {best.group_seconds:.0f} s)")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="hl", description="Run the experiments of the hlcore book.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    demo = sub.add_parser("demo", help="train 3resnet and 2layer on parity-v3 and print errors")
    demo.add_argument("--N", type=int, default=10000)
    demo.add_argument("--m", type=int, default=500)
    demo.add_argument("--epochs", type=int, default=40)
    demo.add_argument("--device", default="auto")
    demo.set_defaults(func=_demo)
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as e:
        print(f"hl: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

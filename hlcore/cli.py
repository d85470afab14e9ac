"""The `hl` command: list, run and build the book's notebooks.

    hl list
    hl run NAME [--profile P] [-p KEY VALUE]... [--out DIR] [--force]
    hl plan NAME [--profile P] [-p KEY VALUE]...
    hl book [--profile P] [--only NAME...] [--force]
    hl demo

Errors a reader can cause (unknown notebook or parameter, a bad value) print one line and exit
with status 2, before anything runs or is written.
"""
from __future__ import annotations

import argparse
import os
import sys


def _list(args) -> int:
    from . import profiles
    from .pipeline import parameters_cell

    if args.name:  # one page: every parameter with every profile's value
        spec = profiles.get_spec(args.name)
        print(f"{args.name}: {spec.description}")
        values = {p: profiles.resolve(args.name, p) for p in profiles.PROFILES}
        for p in spec.params:
            print(f"  {p.name} ({p.type}): {p.help}")
            for prof in profiles.PROFILES:
                print(f"      {prof:<10} {values[prof][p.name]!r}")
        return 0
    from .pages import PAGES

    for name, spec in ((n, page.spec) for n, page in PAGES.items()):
        print(f"{name}: {spec.description}")
        names = parameters_cell(name)
        values = profiles.resolve(name, "quick")
        for p in spec.params:
            flag = "" if p.name in names else "  (missing from the notebook!)"
            quick = values[p.name]
            print(f"    {p.name:<14} {p.type:<12} quick={quick!r}  {p.help}{flag}")
    print("hl list NAME shows one notebook's parameters in every profile")
    return 0


def _use_executor(args) -> None:
    """Notebook kernels inherit the environment: that is how they learn the executor."""
    import os

    if args.executor == "dask":
        scheduler = args.scheduler or os.environ.get("HL_SCHEDULER")
        if not scheduler:
            raise ValueError("--executor dask needs --scheduler tcp://HOST:PORT (or "
                             "$HL_SCHEDULER)")
        os.environ["HL_SCHEDULER"] = scheduler
    os.environ["HL_EXECUTOR"] = args.executor


def _run(args) -> int:
    from .pipeline import parse_overrides, run_notebook

    _use_executor(args)
    overrides = parse_overrides(args.name, args.param or [])
    from . import profiles

    profiles.resolve(args.name, args.profile, **overrides)  # validate before any work
    _check_memory(args.name, args.profile, overrides)
    if args.profile == "paper":
        _check_time(args.name, overrides)
    from .pipeline import check_cache_dir, check_out_dir
    from .store import default_root

    check_out_dir(args.out if args.out is not None else f"runs/{args.name}")
    check_cache_dir(default_root())
    print(f"{args.name}: running ({args.profile} profile)" if args.force else
          f"{args.name}: checking the cache ({args.profile} profile)", flush=True)
    res = run_notebook(args.name, args.profile, overrides, out_dir=args.out, force=args.force)
    how = "cached" if res["status"] == "cached" else f"done in {res['seconds']:.0f} s"
    print(f"{args.name}: {how}; outputs in {res['out_dir']}")
    _say_verdicts(res["out_dir"])
    return 0


def _say_verdicts(out_dir) -> None:
    """The run's verdicts, one line each (the page's claim, then others it decides)."""
    import json
    from pathlib import Path

    files = sorted(Path(out_dir).glob("verdict*.json"), key=lambda f: f.name != "verdict.json")
    for f in files:
        v = json.loads(f.read_text())
        print(f"{v['claim']}: {v['summary']}")


def _plan(args) -> int:
    from .pipeline import parse_overrides
    from .plan import format_plan, plan

    overrides = parse_overrides(args.name, args.param or [])
    print(format_plan(plan(args.name, args.profile, overrides)))
    return 0


#: The paper profile is refused where its estimated time here exceeds this (hours).
PAPER_HOURS_LIMIT = 48


def _check_time(name: str, overrides: dict) -> None:
    """Refuse a paper-profile run that no machine like this one could finish, with its cost."""
    from .plan import _human, plan

    p = plan(name, "paper", overrides)
    if p["seconds_here"] > PAPER_HOURS_LIMIT * 3600:
        ref = plan(name, "reference")
        raise ValueError(f"the paper profile of {name} would take about "
                         f"{_human(p['seconds_here'])} here ({_human(p['seconds_gpu'])} on one "
                         f"GPU, an order of magnitude); --profile reference takes about "
                         f"{_human(ref['seconds_here'])} (hl plan {name} --profile paper shows "
                         f"the cost; -p overrides can shrink it)")


def _check_memory(name: str, profile: str, overrides: dict) -> None:
    """Refuse a run whose largest kernel matrix or batched network cannot fit in memory here."""
    from . import profiles
    from .kernels import available_memory, check_fits
    from .plan import notebook_tasks

    tasks = notebook_tasks(name, profiles.resolve(name, profile, **overrides))
    kernels = [t for t in tasks if t.kind == "kernel"]
    if kernels:
        big = max(kernels, key=lambda t: t.N)
        check_fits(big.N, big.n_eval)
    nets = [t for t in tasks if t.kind == "train"]
    if nets:
        big = max(nets, key=lambda t: t.memory())
        free = available_memory()
        if big.memory() > 0.8 * free:
            fit = big.largest_fitting(0.8 * free)
            hint = (f"; the largest {fit[0]} that fits is {fit[0]}={fit[1]:,d}" if fit else "")
            raise MemoryError(f"training {big.learner} at N={big.N:,d}, width m={big.m:,d} "
                              f"({big.configs} configurations batched) needs about "
                              f"{big.memory() / 2**30:.1f} GiB; {free / 2**30:.1f} GiB is free "
                              f"here{hint} (hl plan {name} --profile {profile} shows the cost)")


def _book(args) -> int:
    from .pages import PAGES
    from .pipeline import build_book

    _use_executor(args)
    for name in args.only or PAGES:  # every page, as hl run checks one, before any work
        _check_memory(name, args.profile, {})  # resolves its parameters first: a bad name fails
        if args.profile == "paper":
            _check_time(name, {})
    build_book(args.profile, only=args.only, force=args.force, path_output=args.path_output,
               strict=not args.no_strict)
    return 0


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


def _executor_options(parser) -> None:
    parser.add_argument("--executor", default="processes",
                        choices=("processes", "in-process", "dask"),
                        help="where training and kernel tasks run (default: one worker process "
                             "per core, $HL_WORKERS to change)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")


def build_parser() -> argparse.ArgumentParser:
    from .names import PROFILE_HELP, PROFILES  # light: --help does not import torch

    ap = argparse.ArgumentParser(prog="hl", description="Run the experiments of the hlcore book.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="every notebook with its parameters (one notebook: every "
                        "profile's values)")
    ls.add_argument("name", nargs="?", default=None)
    ls.set_defaults(func=_list)

    run = sub.add_parser("run", help="run one notebook (cached) and write its outputs")
    run.add_argument("name")
    run.add_argument("--profile", default="quick", choices=PROFILES, help=PROFILE_HELP)
    run.add_argument("-p", "--param", nargs=2, action="append", metavar=("KEY", "VALUE"),
                     help="override a parameter (lists: 1,2,3 or [1, 2, 3])")
    run.add_argument("--out", default=None, help="output folder (default runs/NAME)")
    run.add_argument("--force", action="store_true", help="run even if a cached run exists")
    _executor_options(run)
    run.set_defaults(func=_run)

    pl = sub.add_parser("plan", help="what a run will cost, before running it")
    pl.add_argument("name")
    pl.add_argument("--profile", default="quick", choices=PROFILES, help=PROFILE_HELP)
    pl.add_argument("-p", "--param", nargs=2, action="append", metavar=("KEY", "VALUE"))
    pl.set_defaults(func=_plan)

    book = sub.add_parser("book", help="run what is out of date and build the book")
    book.add_argument("--profile", default="quick", choices=PROFILES, help=PROFILE_HELP)
    book.add_argument("--only", nargs="+", default=None, metavar="NAME")
    book.add_argument("--force", action="store_true")
    book.add_argument("--path-output", default=None, help="where _build/ goes (default: the "
                      "repository root)")
    book.add_argument("--no-strict", action="store_true", help="do not fail on Sphinx warnings")
    _executor_options(book)
    book.set_defaults(func=_book)

    demo = sub.add_parser("demo", help="train 3resnet and 2layer on parity-v3 and print errors")
    demo.add_argument("--N", type=int, default=10000)
    demo.add_argument("--m", type=int, default=500)
    demo.add_argument("--epochs", type=int, default=40)
    demo.add_argument("--device", default="auto")
    demo.set_defaults(func=_demo)
    return ap


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the kernels are stopped and the temporary files removed."""


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv=None) -> int:
    import signal

    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        args = build_parser().parse_args(argv)
        from .pipeline import PipelineError  # inside: Ctrl-C during the imports is one line too

        try:
            return args.func(args)
        except (ValueError, PipelineError, MemoryError) as e:
            print(f"hl: error: {e}", file=sys.stderr)
            return 2
        except OSError as e:  # a folder that cannot be written, a full disk
            where = f" ({e.filename})" if getattr(e, "filename", None) else ""
            print(f"hl: error: {e.strerror or e}{where}", file=sys.stderr)
            return 2
    except KeyboardInterrupt as stop:
        how = "terminated" if isinstance(stop, Terminated) else "interrupted"
        print(f"hl: {how}; finished results are cached and the next run resumes from them",
              file=sys.stderr, flush=True)
        # the kernels are stopped by now; exit at once, so that the interpreter's shutdown
        # does not print the interrupted notebook's pending asyncio tasks (dozens of lines of
        # traceback with terminal colour codes)
        sys.stdout.flush()
        os._exit(143 if isinstance(stop, Terminated) else 130)


if __name__ == "__main__":
    sys.exit(main())

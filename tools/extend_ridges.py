"""Refit a committed reference run's kernels over its profile's longer ridge path.

    python tools/extend_ridges.py NAME

Where a kernel's choice sat at the largest ridge its run tried, a larger one could have done
better; the page's reference profile then gets the larger ridges, and this tool brings the
committed run up to it without re-training its networks (hours) when the kernels take seconds:
every kernel fit of the run's grid tables is refitted with the current code over the profile's
ridges (hlcore.restamp.extend_ridges). Its committed rows must agree within a relative 1e-6
and stay as they are; the new ridges' rows follow them, the choices are marked again (the
networks' may not move), the figure table's kernel rows follow the new choices, and run.json
takes the profile's ridges and records what was checked. Only files the publishing tool wrote
are replaced. Refused while the page has a pass in progress (results/reference/NAME/pending.jsonl):
that pass reads its kernels from the cache with the run's ridges, and --extend accepts it only
if those rows equal the committed ones, so publish it first.

Exit status 0: extended (or nothing to do); 1: a refitted row disagrees, or a network's choice
would move (nothing written); 2: a bad argument.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hlcore import pages, pipeline, profiles, restamp  # noqa: E402


def kernel_tables(ref) -> list[tuple[str, str | None]]:
    """The published grid tables with kernel rows, each with its figure table (NAME for
    NAME_grid) if published."""
    out = []
    published = {Path(p).stem for p in ref.run.get("published", [])}
    for stem in sorted(published):
        path = ref.folder / f"{stem}.csv"
        if not path.exists():
            continue
        head = pd.read_csv(path, nrows=0).columns
        if {"fit", "ridge", "selected_val"} <= set(head):
            fig = stem.removesuffix("_grid")
            out.append((stem, fig if fig != stem and fig in published else None))
    return out


def main(argv=None, root: Path | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    args = ap.parse_args(argv)
    ref = pages.reference(args.name, root)
    if ref is None:
        print(f"extend_ridges: no committed reference run of {args.name}", file=sys.stderr)
        return 2
    if ref.stale:
        print(f"extend_ridges: {args.name}'s computing code changed since its run; re-stamp "
              f"it first (tools/restamp_reference.py), so that the refits are that code's",
              file=sys.stderr)
        return 2
    if (ref.folder / "pending.jsonl").exists():
        print(f"extend_ridges: {args.name} has a pass in progress (pending.jsonl), computed "
              f"with the run's ridges; publish it first: its kernels' rows must equal the "
              f"committed ones", file=sys.stderr)
        return 2
    ridges = profiles.resolve(args.name, "reference")["ridges"]
    if [float(r) for r in ridges] == [float(r) for r in ref.P["ridges"]]:
        print(f"{args.name}: the committed run has the profile's ridges; nothing to do")
        return 0
    tables = kernel_tables(ref)
    if not tables:
        print(f"extend_ridges: {args.name}'s run has no kernel rows", file=sys.stderr)
        return 2
    start, written, checks = time.perf_counter(), [], []
    try:
        for grid_name, fig_name in tables:
            grid = pd.read_csv(ref.folder / f"{grid_name}.csv")
            fig = (pd.read_csv(ref.folder / f"{fig_name}.csv") if fig_name else None)
            grid, fig, report = restamp.extend_ridges(grid, fig, ref.P, ridges,
                                                      progress=lambda s: print(s, flush=True))
            checks.append({"table": grid_name, **report})
            written.append((grid_name, grid))
            if fig_name:
                written.append((fig_name, fig))
    except ValueError as e:
        print(f"extend_ridges: {e}; nothing written", file=sys.stderr)
        return 1
    for stem, frame in written:  # every table checked before any is replaced
        frame.to_csv(ref.folder / f"{stem}.csv.extended", index=False)
    for stem, _ in written:
        os.replace(ref.folder / f"{stem}.csv.extended", ref.folder / f"{stem}.csv")
    run = dict(ref.run)
    commit = pipeline.git_commit().get("commit", "")
    run["parameters"] = {**run["parameters"], "ridges": [float(r) for r in ridges]}
    run.setdefault("ridges_extended", []).append({
        "date": datetime.now(timezone.utc).isoformat()[:19], "commit": commit,
        "compute_hash": pages.compute_hash(args.name),
        "ridges_added": sorted({r for c in checks for r in c["ridges_added"]}),
        "tables": [c["table"] for c in checks],
        "kernel_fits": sum(c["cells"] for c in checks),
        "compared": f"{', '.join(restamp.ERRORS)} within relative {restamp.TOLERANCE:g}",
        "rows_compared": sum(c["rows_compared"] for c in checks),
        "max_relative_difference": max(c["max_relative_difference"] for c in checks),
        "choices_moved": sum(c["choices_moved"] for c in checks),
        "seconds": round(time.perf_counter() - start, 1)})
    (ref.folder / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    last = run["ridges_extended"][-1]
    print(f"{args.name}: {last['kernel_fits']} kernel fits refitted with ridges "
          f"{last['ridges_added']} added; the committed rows agree (largest relative "
          f"difference {last['max_relative_difference']:.1e}); {last['choices_moved']} "
          f"choices moved")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Re-stamp a committed reference run whose computing code changed: retrain a sample of its
configurations with the current code (hlcore.restamp) and, only if every one agrees with the
committed row, record the current compute hash in its run.json, with what was checked.

    python tools/restamp_reference.py NAME [--per-learner K] [--seed S]

Exit status 0: re-stamped (or already current); 1: a configuration disagrees (run.json is left
alone: re-run the page, `hl run NAME --profile reference`); 2: a bad argument.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hlcore import pages, pipeline, restamp  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=sorted(restamp.RETRAIN))
    ap.add_argument("--per-learner", type=int, default=1)
    ap.add_argument("--seed", type=int, default=None,
                    help="draws the sample (default: the number of earlier re-stamps, so that "
                         "each re-stamp checks other configurations)")
    args = ap.parse_args(argv)
    ref = pages.reference(args.name)
    if ref is None:
        print(f"restamp: no committed reference run of {args.name}", file=sys.stderr)
        return 2
    if not ref.stale:
        print(f"{args.name}: its compute hash is current; nothing to do")
        return 0
    seed = len(ref.run.get("restamped", [])) if args.seed is None else args.seed
    checked = restamp.check(args.name, ref.tables, ref.P, args.per_learner, seed,
                            progress=lambda s: print(s, flush=True))
    print(checked.to_string(index=False))
    if checked.empty or not checked["agrees"].all():
        print(f"{args.name}: the current code does not reproduce the committed rows; run.json "
              f"left as it was (re-run the page)", file=sys.stderr)
        return 1
    run = dict(ref.run)
    commit = pipeline.git_commit().get("commit", "")
    run.setdefault("restamped", []).append({
        "date": datetime.now(timezone.utc).isoformat()[:19], "commit": commit,
        "from_compute_hash": run.get("compute_hash"), "sample_seed": seed,
        "configurations": int(len(checked.groupby(["learner", "N", "m", "seed", "lr",
                                                  "weight_decay"], dropna=False))),
        "compared": f"{', '.join(restamp.ERRORS)} within relative {restamp.TOLERANCE:g}",
        "max_relative_difference": float(checked["relative_difference"].max())})
    run["compute_hash"] = pages.compute_hash(args.name)
    run["compute_modules"] = pages.compute_modules(args.name)
    (ref.folder / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    print(f"{args.name}: re-stamped ({run['restamped'][-1]['configurations']} configurations "
          f"agree; largest relative difference {run['restamped'][-1]['max_relative_difference']:.1e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Commit a page's reference run: copy its tables (CSV) and run.json from an hl run output
folder into results/reference/NAME/, with what the book needs to judge and date it.

    python tools/publish_reference.py NAME OUT_DIR [--repo CHECKOUT]

OUT_DIR is the folder `hl run NAME --profile reference --out OUT_DIR` wrote; CHECKOUT the clone
the run's code came from (default: this one), whose commit and compute-code hash are recorded.
Figures, the executed notebook and the verdict are not copied: the book redraws and re-judges
them from the tables at build time. Only files this tool wrote before are replaced.

    python tools/publish_reference.py NAME PASS_DIR --extend TABLE [TABLE ...] [--repo CHECKOUT]

adds wide widths of a page with `wide_m_values` (width, sensitivity) to its committed run:
PASS_DIR is a reference run whose `m_values` are some of the profile's `wide_m_values` that the
committed run lacks, on their own grid (everything else the committed run's, but parameters of
panels the page does not judge, which may be cut to nothing; a learner the profile caps below a
width, `capped_learners`, must have no row above it). Its rows of the named tables are appended
to the committed ones, the committed run's other tables are kept, and run.json takes the
profile's parameters, with `wide_m_values` the wide widths the tables now hold, and records
the pass. Refused unless the committed run and the pass have the same compute-code hash: then
the pass computes the added widths' configurations as one run of the whole profile would,
through the same per-configuration result cache, so the tables are that run's, without
retraining the committed widths.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hlcore.pages import PAGES  # noqa: E402
from hlcore.store import code_hash  # noqa: E402


def compute_hash(name: str, repo: Path) -> str:
    """pages.compute_hash(name) of another checkout's hlcore."""
    return code_hash(*PAGES[name].computes, package_dir=repo / "hlcore")


def machine() -> str:
    model = "unknown processor"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), {platform.system()}"


#: the parameters that place a pass over added widths in the profile (extend_parameters);
#: the caps are checked on the tables' rows instead (a run before them had none)
_WIDTHS = ("m_values", "lrs", "weight_decays", "wide_m_values", "wide_lrs", "wide_weight_decays",
           "capped_learners", "capped_max_m")


def extend_parameters(name: str, committed: dict, added: dict) -> dict:
    """The profile's reference parameters, after checking that the committed run ran its
    m_values on its grid and the pass its wide_m_values on theirs, with every other judged
    parameter the same in all three. Raises ValueError naming the first difference."""
    from hlcore import profiles

    P, skip = profiles.resolve(name, "reference"), set(PAGES[name].not_judged) | {"profile"}
    if not P.get("wide_m_values"):
        raise ValueError(f"{name}'s reference profile has no wide_m_values to add")
    widths = added.get("m_values") or []
    if not widths or not set(widths) <= set(P["wide_m_values"]):
        raise ValueError(f"the pass run's m_values is {widths}, not some of the profile's "
                         f"wide_m_values {P['wide_m_values']}")
    want = {"committed": (committed, {"m_values": P["m_values"], "lrs": P["lrs"],
                                      "weight_decays": P["weight_decays"]}),
            "pass": (added, {"lrs": P["wide_lrs"], "weight_decays": P["wide_weight_decays"]})}
    for part, (run, grid) in want.items():
        for key, value in grid.items():
            if run.get(key) != value:
                raise ValueError(f"the {part} run's {key} is {run.get(key)}, the profile's "
                                 f"{value}")
        for key, value in P.items():
            if key not in skip and key not in _WIDTHS and run.get(key) != value:
                raise ValueError(f"the {part} run's {key} is {run.get(key)}, the profile's "
                                 f"{value}")
    return P


def extend(name: str, pass_dir: Path, tables: list[str], run: dict, dst: Path) -> dict:
    """Write the committed rows of `tables` in `dst` followed by the pass's (refusing a width
    both have) as TABLE.csv.extended beside them, and return the merged run.json."""
    import pandas as pd

    committed = json.loads((dst / "run.json").read_text())
    if committed.get("compute_hash") != run["compute_hash"]:
        raise ValueError("the committed run and the pass were computed by different code "
                         "(compute hashes differ): re-run the whole profile instead")
    P = extend_parameters(name, committed["parameters"], run["parameters"])
    merged_tables = {}
    for table in tables:  # every table checked before any is written
        if f"{table}.csv" not in committed.get("published", []):
            raise ValueError(f"{table}.csv is not a table this tool published")
        old, new = pd.read_csv(dst / f"{table}.csv"), pd.read_csv(pass_dir / f"{table}.csv")
        if list(old.columns) != list(new.columns):
            raise ValueError(f"{table}: the pass's columns differ from the committed ones")
        widths = set(new["m"].unique())
        if not widths <= set(P["wide_m_values"]) or widths & set(old["m"].unique()):
            raise ValueError(f"{table}: the pass has widths {sorted(widths)}, the profile "
                             f"adds {P['wide_m_values']} to {sorted(old['m'].unique())}")
        capped = P.get("capped_learners") or []
        over = new[new["learner"].isin(capped) & (new["m"] > P.get("capped_max_m", math.inf))] \
            if capped and "learner" in new else new.iloc[:0]
        if len(over):
            raise ValueError(f"{table}: the pass has {sorted(over['learner'].unique())} above "
                             f"the profile's cap m = {P['capped_max_m']}")
        merged_tables[table] = pd.concat([old, new], ignore_index=True)
    added = sorted({int(m) for frame in merged_tables.values() for m in frame["m"].unique()
                    if math.isfinite(m)} - set(P["m_values"]))  # an infinite kernel: m = inf
    for table, frame in merged_tables.items():
        frame.to_csv(dst / f"{table}.csv.extended", index=False)
    merged = {**committed, "parameters": {**P, "wide_m_values": added},
              "extended": committed.get("extended", []) + [{
                  key: run.get(key) for key in ("start", "end", "duration_seconds", "commit",
                                                "compute_hash", "overrides", "machine")}
                  | {"tables": tables, "widths": sorted(run["parameters"]["m_values"])}]}
    return merged


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--repo", type=Path, default=ROOT)
    ap.add_argument("--extend", nargs="+", metavar="TABLE",
                    help="append this pass's rows of these tables to the committed run's")
    ap.add_argument("--note", help="a sentence for the provenance line (e.g. hl plan's "
                                   "estimate beside the measured time)")
    args = ap.parse_args(argv)
    run = json.loads((args.out_dir / "run.json").read_text())
    if run.get("notebook") != args.name or run.get("profile") != "reference":
        print(f"publish: {args.out_dir} is not a reference run of {args.name}", file=sys.stderr)
        return 2
    commit = subprocess.run(["git", "-C", str(args.repo), "rev-parse", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    # runs record their code as they start; older ones are dated by the checkout given
    run.update(commit=run.get("commit") or commit,
               compute_hash=run.get("compute_hash") or compute_hash(args.name, args.repo),
               machine=run.get("machine") or machine())
    dst = ROOT / "results" / "reference" / args.name
    if args.extend:
        try:
            merged = extend(args.name, args.out_dir, args.extend, run, dst)
            if args.note:
                merged["extended"][-1]["note"] = args.note
        except (ValueError, OSError) as e:
            print(f"publish --extend: {e}", file=sys.stderr)
            return 2
        for table in args.extend:
            os.replace(dst / f"{table}.csv.extended", dst / f"{table}.csv")
        (dst / "run.json").write_text(json.dumps(merged, indent=2) + "\n")
        print(f"{dst}: {', '.join(args.extend)} extended with m = "
              f"{merged['parameters']['wide_m_values']}")
        return 0
    dst.mkdir(parents=True, exist_ok=True)
    manifest = dst / "run.json"
    if manifest.exists():  # remove only what this tool wrote last time
        for old in json.loads(manifest.read_text()).get("published", []):
            (dst / Path(old).name).unlink(missing_ok=True)
    tables = sorted(p.name for p in args.out_dir.glob("*.csv"))
    for name in tables:
        shutil.copy2(args.out_dir / name, dst / name)
    run["published"] = tables + ["run.json"]
    if args.note:
        run["note"] = args.note
    manifest.write_text(json.dumps(run, indent=2) + "\n")
    size = sum((dst / n).stat().st_size for n in run["published"])
    print(f"{dst}: {len(tables)} tables, run.json ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

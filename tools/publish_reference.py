"""Commit a page's reference run: copy its tables (CSV) and run.json from an hl run output
folder into results/reference/NAME/, with what the book needs to judge and date it.

    python tools/publish_reference.py NAME OUT_DIR [--repo CHECKOUT]

OUT_DIR is the folder `hl run NAME --profile reference --out OUT_DIR` wrote; CHECKOUT the clone
the run's code came from (default: this one), whose commit and compute-code hash are recorded.
Figures, the executed notebook and the verdict are not copied: the book redraws and re-judges
them from the tables at build time. Only files this tool wrote before are replaced.

    python tools/publish_reference.py NAME PASS_DIR --extend TABLE [TABLE ...] [--repo CHECKOUT]

adds wide widths of a page with `wide_m_values` (width, sensitivity) to its committed run:
PASS_DIR is a reference run whose `m_values` are some of the profile's `wide_m_values`, on their
own grid (everything else the committed run's, but parameters of panels the page does not
judge, which may be cut to nothing; a learner the profile caps below a width,
`capped_learners`, must have no row above it). Its new (learner, width) cells are appended to
the named tables: a width, or a network at a width the tables hold without it (m = 2000 run
first with `-p capped_max_m 1000`, then whole, adds the 3-layer network). A cell both hold must
have the same rows in both, as two runs reading one cache do. The committed run's other tables
are kept, and run.json takes the profile's parameters, with `wide_m_values` the wide widths the
tables now hold and `capped_max_m` the largest width at which the capped learners have rows,
and records the pass. Refused where a network the tables hold at one wide width would be
missing at another (a capped one up to its cap) or short of a seed, and unless the committed
run and the pass have the same compute-code hash: then the pass computes its configurations
as one run of the whole profile would, through the same per-configuration result cache, so
the tables are that run's, without retraining the others.
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

import pandas as pd

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
#: columns a cell's rows may differ in between two runs that read them from one cache
_BOOKKEEPING = ("cached",)


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
    """Write the committed rows of `tables` in `dst` followed by the pass's new (learner,
    width) cells as TABLE.csv.extended beside them, and return the merged run.json. A cell both
    have must hold the same rows in both (one cache computed them); a merge that leaves a hole
    is refused."""
    committed = json.loads((dst / "run.json").read_text())
    if committed.get("compute_hash") != run["compute_hash"]:
        raise ValueError("the committed run and the pass were computed by different code "
                         "(compute hashes differ): re-run the whole profile instead")
    P = extend_parameters(name, committed["parameters"], run["parameters"])
    merged_tables, added_cells, pass_cells = {}, set(), set()
    for table in tables:  # every table checked before any is written
        if f"{table}.csv" not in committed.get("published", []):
            raise ValueError(f"{table}.csv is not a table this tool published")
        old, new = pd.read_csv(dst / f"{table}.csv"), pd.read_csv(pass_dir / f"{table}.csv")
        if list(old.columns) != list(new.columns):
            raise ValueError(f"{table}: the pass's columns differ from the committed ones")
        widths = set(new["m"].unique())
        if not widths <= set(P["wide_m_values"]):
            raise ValueError(f"{table}: the pass has widths {sorted(widths)}, the profile "
                             f"adds {P['wide_m_values']} to {sorted(old['m'].unique())}")
        pass_cells |= _cells(new)
        both = _cells(old) & _cells(new)
        differ = [cell for cell in sorted(both) if not _same(old, new, cell)]
        if differ:
            raise ValueError(f"{table}: the committed run already has "
                             f"{', '.join(f'{n} at m = {m}' for n, m in differ)}, with other "
                             f"results than the pass's")
        new = new[~_in_cells(new, both)]  # the same rows: the pass adds only the others
        added_cells |= _cells(new)
        capped = P.get("capped_learners") or []
        over = new[new["learner"].isin(capped) & (new["m"] > P.get("capped_max_m", math.inf))] \
            if capped and "learner" in new else new.iloc[:0]
        if len(over):
            raise ValueError(f"{table}: the pass has {sorted(over['learner'].unique())} above "
                             f"the profile's cap m = {P['capped_max_m']}")
        merged_tables[table] = pd.concat([old, new], ignore_index=True)
    added = sorted({int(m) for frame in merged_tables.values() for m in frame["m"].unique()
                    if math.isfinite(m)} - set(P["m_values"]))  # an infinite kernel: m = inf
    P = {**P, "wide_m_values": added}
    capped = P.get("capped_learners") or []
    if capped:  # the cap the tables hold: lower than the profile's until a pass adds the rest
        held = [frame.loc[frame["learner"].isin(capped), "m"].max()
                for frame in merged_tables.values() if "learner" in frame]
        held = [int(m) for m in held if pd.notna(m)]
        if held:
            P["capped_max_m"] = min(max(held), P["capped_max_m"])
    if not added_cells:
        raise ValueError("the pass adds nothing the committed run lacks")
    for table, frame in merged_tables.items():
        _check_complete(table, frame, P)
    for table, frame in merged_tables.items():
        frame.to_csv(dst / f"{table}.csv.extended", index=False)
    part = {key: run.get(key) for key in ("start", "end", "duration_seconds", "commit",
                                          "compute_hash", "overrides", "machine")}
    part |= {"tables": tables, "widths": sorted(run["parameters"]["m_values"])}
    if pass_cells - added_cells:  # some networks at a width the run had: the provenance names them
        part["learners"] = sorted({n for n, _ in added_cells})
    return {**committed, "parameters": P, "extended": committed.get("extended", []) + [part]}


def _in_cells(frame, cells):
    key = frame["learner"] if "learner" in frame else pd.Series("", index=frame.index)
    return pd.Series(list(zip(key, frame["m"])), index=frame.index).isin(cells)


def _same(old, new, cell) -> bool:
    """Whether two tables hold the same rows for a (learner, width) cell."""
    cols = [c for c in old.columns if c not in _BOOKKEEPING]
    a, b = (f.loc[_in_cells(f, {cell}), cols] for f in (old, new))
    a, b = (f.sort_values(cols).reset_index(drop=True) for f in (a, b))
    return a.shape == b.shape and a.equals(b)


def _cells(frame) -> set:
    """The (learner, width) cells of a table (or its widths, for a table without learners)."""
    if "learner" not in frame:
        return {("", m) for m in frame["m"].unique()}
    return {(n, m) for n, m in frame[["learner", "m"]].drop_duplicates().itertuples(index=False)}


def _check_complete(table: str, frame, P: dict) -> None:
    """Every learner the merged table holds at one wide width is at every wide width (a capped
    one up to the cap the tables hold), with every seed: a pass cannot leave a hole."""
    if "learner" not in frame or "seed" not in frame:
        return
    wide = frame[frame["m"].isin(P["wide_m_values"])]
    capped, seeds = set(P.get("capped_learners") or []), set(range(P["seeds"]))
    holes = []
    for learner in wide["learner"].unique():
        for m in P["wide_m_values"]:
            if learner in capped and m > P["capped_max_m"]:
                continue
            have = set(wide.loc[(wide["learner"] == learner) & (wide["m"] == m), "seed"])
            if not seeds <= have:
                holes.append(f"{learner} at m = {m} (seeds {sorted(seeds - have)})")
    if holes:
        raise ValueError(f"{table}: the tables would lack {'; '.join(holes)}")


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

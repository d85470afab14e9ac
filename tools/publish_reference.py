"""Commit a page's reference run: copy its tables (CSV) and run.json from an hl run output
folder into results/reference/NAME/, with what the book needs to judge and date it.

    python tools/publish_reference.py NAME OUT_DIR [--repo CHECKOUT]

OUT_DIR is the folder `hl run NAME --profile reference --out OUT_DIR` wrote; CHECKOUT the clone
the run's code came from (default: this one), whose commit and compute-code hash are recorded.
Figures, the executed notebook and the verdict are not copied: the book redraws and re-judges
them from the tables at build time. Only files this tool wrote before are replaced.
"""
from __future__ import annotations

import argparse
import json
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--repo", type=Path, default=ROOT)
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
    dst.mkdir(parents=True, exist_ok=True)
    manifest = dst / "run.json"
    if manifest.exists():  # remove only what this tool wrote last time
        for old in json.loads(manifest.read_text()).get("published", []):
            (dst / Path(old).name).unlink(missing_ok=True)
    tables = sorted(p.name for p in args.out_dir.glob("*.csv"))
    for name in tables:
        shutil.copy2(args.out_dir / name, dst / name)
    run["published"] = tables + ["run.json"]
    manifest.write_text(json.dumps(run, indent=2) + "\n")
    size = sum((dst / n).stat().st_size for n in run["published"])
    print(f"{dst}: {len(tables)} tables, run.json ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

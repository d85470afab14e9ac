"""Carry a reference run's finished configurations from one session to the next through git.

    python tools/reference_cache.py save NAME CACHE [--learner L ...] [--m M ...]
    python tools/reference_cache.py restore NAME CACHE
    python tools/reference_cache.py status NAME [CACHE]

A pass longer than a session (the width page's 3-layer network at m = 2000: about 10 hours of a
core) resumes from its result cache, one file per finished configuration. This project's
machines may start a session with a new disk outside the clone, and then the cache does not
survive to the next session; git does. `save` copies the cache entries of CACHE (an `HL_CACHE`
folder) whose rows are all of the given learners and widths into
results/reference/NAME/pending.jsonl, one entry per line, keeping the entries saved there before; `restore` writes them back into a
cache, next to what is there (an entry already present is left alone). The next `hl run` of the
pass then trains only what is missing. `status` says what the pending file (and CACHE, if given:
a pass in progress) holds: per network and width, how many (seed, learning rate, weight decay)
configurations, by learning rate.

An entry's file name is its key, which hashes the configuration and the computing code: an
entry saved under other code is never read by a run (it only misses). The file is a stage on the
way to a published run, not a result the book reads: once the pass is published
(tools/publish_reference.py) it can be removed with `git rm`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hlcore.store import ResultStore, atomic_write_text  # noqa: E402

PENDING = "pending.jsonl"


def pending_file(name: str, results: Path | None = None) -> Path:
    return Path(results or ROOT / "results" / "reference") / name / PENDING


def _entries(cache: Path):
    """(key, rows) of every readable entry of a cache folder."""
    for path in sorted(ResultStore(cache).dir.glob("*/*.json")):  # the store's own layout
        try:
            rows = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # a damaged entry: the store discards it when it reads it
        if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
            yield path.stem, rows


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    return {e["key"]: e["rows"] for e in map(json.loads, path.read_text().splitlines()) if e}


def save(name: str, cache: Path, learners=(), widths=(), results: Path | None = None) -> int:
    """Add the matching entries of `cache` to the page's pending file; returns how many it
    holds now."""
    def match(row):
        return ((not learners or row.get("learner") in learners)
                and (not widths or row.get("m") in widths))

    out = pending_file(name, results)
    if not out.parent.is_dir():
        raise FileNotFoundError(f"{out.parent} does not exist (no committed run of {name})")
    kept = _read(out)
    kept.update({key: rows for key, rows in _entries(cache) if all(map(match, rows))})
    atomic_write_text(out, "".join(json.dumps({"key": k, "rows": kept[k]}) + "\n"
                                   for k in sorted(kept)))
    return len(kept)


def restore(name: str, cache: Path, results: Path | None = None) -> tuple[int, int]:
    """Write the pending entries into `cache`; returns (written, already there)."""
    store, written, present = ResultStore(cache), 0, 0
    for key, rows in _read(pending_file(name, results)).items():
        # the store's own layout (ResultStore.put takes a spec, and store.py is computing
        # code whose every edit would make the committed runs stale)
        path = store._path(key)
        if path.exists():
            present += 1
            continue
        atomic_write_text(path, json.dumps(rows))
        written += 1
    return written, present


def status(name: str, results: Path | None = None, cache: Path | None = None) -> list[str]:
    """One line per (learner, width) of the pending file, and of `cache` if given (a pass in
    progress): the configurations they hold (a network's by learning rate; a kernel's ridge
    paths by seed)."""
    held: dict = {}
    entries = _read(pending_file(name, results))
    if cache is not None:
        entries.update(_entries(cache))
    for rows in entries.values():
        for r in rows:
            lr = r.get("lr")
            sgd = r.get("fit", "sgd") == "sgd"
            cell = held.setdefault((str(r.get("learner")), r.get("m")), {})
            what = (lr, r.get("weight_decay"), r.get("seed")) if sgd else (None, None,
                                                                             r.get("seed"))
            cell.setdefault(lr if sgd else None, set()).add(what)
    out = []
    for (learner, m), by_lr in sorted(held.items(), key=lambda c: (float(c[0][1] or 0), c[0][0])):
        if list(by_lr) == [None]:
            out.append(f"{learner} at m = {m}: ridge paths of {len(by_lr[None])} seed(s)")
            continue
        parts = ", ".join(f"lr {lr:g}: {len(c)}" for lr, c in sorted(by_lr.items()))
        out.append(f"{learner} at m = {m}: {sum(map(len, by_lr.values()))} configurations "
                   f"(seed, lr, decay); {parts}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "restore", "status"))
    ap.add_argument("name")
    ap.add_argument("cache", type=Path, nargs="?", help="save, restore: an HL_CACHE folder")
    ap.add_argument("--learner", nargs="+", default=[], help="save: only these learners")
    ap.add_argument("--m", nargs="+", type=int, default=[], help="save: only these widths")
    args = ap.parse_args(argv)
    if args.action == "status":
        lines = status(args.name, cache=args.cache)
        print("\n".join(lines) if lines else f"{pending_file(args.name)}: nothing pending")
        return 0
    if args.cache is None:
        ap.error(f"{args.action} needs the cache folder")
    try:
        if args.action == "save":
            n = save(args.name, args.cache, args.learner, args.m)
            print(f"{pending_file(args.name)}: {n} entries")
        else:
            written, present = restore(args.name, args.cache)
            print(f"{args.cache}: {written} entries restored, {present} already there")
    except (OSError, ValueError) as e:
        print(f"reference_cache: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

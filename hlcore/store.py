"""Content-addressed caches: finished training results (one JSON file per configuration) and
finished notebook runs. Keys hash everything a result depends on, including the source of the
modules that compute it, so a cache entry is never stale; writes are atomic (write a temporary
file, then rename), so an interrupted run never leaves a half-written entry."""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The modules whose code determines a training or kernel result.
COMPUTE_MODULES = ("targets.py", "learners.py", "train.py", "kernels.py", "names.py",
                   "validation.py")
KEY_PACKAGES = ("torch", "numpy", "scipy", "pandas", "matplotlib", "papermill")


def default_root() -> Path:
    """The cache folder: $HL_CACHE, else .hlcache/ at the root of the clone hlcore runs from
    (so `hl`, papermill and Jupyter share one cache wherever they start), else .hlcache/ in the
    current directory (hlcore installed from a wheel)."""
    if os.environ.get("HL_CACHE"):
        return Path(os.environ["HL_CACHE"]).resolve()
    clone = PACKAGE_DIR.parent
    if (clone / "pyproject.toml").exists() and (clone / "notebooks").is_dir():
        return clone / ".hlcache"
    return Path(".hlcache").resolve()


def source_hash(files=None) -> str:
    """sha256 over hlcore's source files (all of them by default)."""
    paths = sorted(PACKAGE_DIR.glob("*.py")) if files is None else [PACKAGE_DIR / f for f in files]
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def package_versions() -> dict:
    out = {}
    for name in KEY_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def digest(obj) -> str:
    """A stable hash of a JSON-able object."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: Every line that reports a damaged cache entry starts so; result-cache lines are also kept in
#: ROOT/DAMAGE_LOG, from which hl run relays them (they may come from a worker process).
DAMAGE_PREFIX = "hlcore: damaged cache entry"
DAMAGE_LOG = "damaged.log"


def discard_damaged(path: Path, why: str, root: Path | None = None) -> None:
    """Remove an unreadable cache entry (a file or a run folder) and say so in one line: it is
    then recomputed like a missing one. A full disk or an interrupted copy can leave one. The
    line also goes to ROOT/DAMAGE_LOG, from which `hl run` relays it (the entry may be found
    in a worker process whose output nobody sees)."""
    line = f"{DAMAGE_PREFIX} {path} ({why}); it is recomputed and replaced"
    print(line, file=sys.stderr, flush=True)
    if root is not None:
        try:
            with open(Path(root) / DAMAGE_LOG, "a") as f:
                f.write(line + "\n")
        except OSError:
            pass
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _clean(row: dict) -> dict:
    # JSON has no NaN or inf: store them as strings and read them back.
    return {k: (str(v) if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in row.items()}


def _unclean(row: dict) -> dict:
    return {k: (float(v) if v in ("nan", "inf", "-inf") else v) for k, v in row.items()}


class ResultStore:
    """Finished results, one JSON file per key, under ROOT/results/."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.dir = self.root / "results"
        self._code = source_hash(COMPUTE_MODULES)
        self.hits = 0
        self.misses = 0

    def key(self, spec: dict) -> str:
        return digest({"code": self._code, **spec})

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, spec: dict):
        p = self._path(self.key(spec))
        if p.exists():
            try:
                rows = json.loads(p.read_text())
                if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                    raise ValueError("not a list of rows")
            except (OSError, UnicodeDecodeError, ValueError) as err:
                discard_damaged(p, type(err).__name__, self.root)
            else:
                self.hits += 1
                return [_unclean(r) for r in rows]
        self.misses += 1
        return None

    def put(self, spec: dict, rows: list[dict]) -> None:
        atomic_write_text(self._path(self.key(spec)), json.dumps([_clean(r) for r in rows]))

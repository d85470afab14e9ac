"""Content-addressed caches: finished training results (one JSON file per configuration) and
finished notebook runs. Keys hash everything a result depends on, including the source of every
hlcore module the computing code imports (found by reading the imports, never a hand-kept
list), so a cache entry is never stale; writes are atomic (write a temporary file, then
rename), so an interrupted run never leaves a half-written entry."""
from __future__ import annotations

import ast
import functools
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
KEY_PACKAGES = ("torch", "numpy", "scipy", "pandas", "matplotlib", "papermill")


def module_file(module: str, package_dir: Path | None = None) -> Path | None:
    """The source file of hlcore module `module` ('hlcore.train' or 'train'), or None."""
    package_dir = Path(package_dir or PACKAGE_DIR)
    parts = module.split(".")
    if parts[0] == "hlcore":
        parts = parts[1:]
    if not parts:
        return None  # the package itself: its __init__ only re-exports
    base = package_dir.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path, package_dir: Path) -> str:
    rel = path.relative_to(package_dir).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["hlcore", *parts])


def direct_imports(module: str, package_dir: Path | None = None) -> set[str]:
    """The hlcore modules that `module`'s source imports anywhere (at the top or inside a
    function: a lazy import computes as much as an eager one)."""
    package_dir = Path(package_dir or PACKAGE_DIR)
    path = module_file(module, package_dir)
    if path is None:
        return set()
    name = _module_name(path, package_dir)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "hlcore"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                if node.module:
                    base = base + node.module.split(".")
            elif node.module and node.module.split(".")[0] == "hlcore":
                base = node.module.split(".")
            else:
                continue
            for alias in node.names:  # `from . import train` names a module
                sub = ".".join(base + [alias.name])
                found.add(sub if module_file(sub, package_dir) else ".".join(base))
    return {m for m in found if module_file(m, package_dir) is not None} - {name}


def imported_closure(*modules: str, package_dir: Path | None = None) -> list[str]:
    """`modules` and every hlcore module they import, directly or not, sorted."""
    seen, todo = set(), [m if m.startswith("hlcore") else f"hlcore.{m}" for m in modules]
    while todo:
        m = todo.pop()
        if m in seen or module_file(m, package_dir) is None:
            continue
        seen.add(m)
        todo += direct_imports(m, package_dir)
    return sorted(seen)


@functools.lru_cache(maxsize=None)
def _code_hash(modules: tuple, package_dir: Path, stamp: tuple) -> str:
    h = hashlib.sha256()
    for m in imported_closure(*modules, package_dir=package_dir):
        h.update(m.encode())
        h.update(module_file(m, package_dir).read_bytes())
    return h.hexdigest()


def code_hash(*modules: str, package_dir: Path | None = None) -> str:
    """sha256 over the source of `modules` and of every hlcore module they import: the code
    that computes their results. Editing a module outside that closure (plotting, the book)
    leaves it unchanged."""
    package_dir = Path(package_dir or PACKAGE_DIR).resolve()
    # remembered per process while no source file changes (the stamp: sizes and times)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                  for p in sorted(package_dir.rglob("*.py")))
    return _code_hash(tuple(sorted(modules)), package_dir, stamp)


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
    """Finished results, one JSON file per key, under ROOT/results/.

    Every entry is made by one module (`module`, the caller's `__name__`): its key holds the
    spec and `code_hash(module)`, so editing that module or anything it imports (the fused
    step under train, say) misses the cache, and editing presentation code does not. The spec
    names the device the result was computed on: CPU and GPU results are kept apart (they agree
    only to rounding)."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.dir = self.root / "results"
        self.hits = 0
        self.misses = 0

    def key(self, spec: dict, module: str) -> str:
        return digest({"code": code_hash(module), "module": module, **spec})

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, spec: dict, module: str):
        p = self._path(self.key(spec, module))
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

    def put(self, spec: dict, rows: list[dict], module: str) -> None:
        atomic_write_text(self._path(self.key(spec, module)),
                          json.dumps([_clean(r) for r in rows]))

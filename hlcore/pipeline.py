"""Notebook runs with papermill, cached and with provenance, and the book build.

A run of notebook NAME with resolved parameters P is identified by a key hashing the notebook's
code cells (not its prose, cell ids or metadata), P, hlcore's source and the key package
versions. The book takes each page's prose from the current notebook source and its outputs
from the cached run, so editing a Markdown cell never re-runs anything. Finished runs live in
.hlcache/runs/NAME-KEY/ (written to a temporary folder first, renamed when complete) and are
copied to the requested output folder: the executed notebook NAME.ipynb, each figure F as
F.png, F.svg and F.csv, and run.json.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from . import profiles, report
from .report import (REPORT_MARKER, SCORECARD_MARKER, provenance_markdown,  # noqa: F401
                     write_report)
from .store import (DAMAGE_LOG, code_hash, default_root, digest, discard_damaged,
                    package_versions, source_hash)

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
HIDDEN_TAGS = {"parameters", "injected-parameters"}


class PipelineError(RuntimeError):
    """A failure a reader can fix; its message says how."""


def notebook_path(name: str) -> Path:
    from .pages import get

    path = get(name).notebook or NOTEBOOK_DIR / f"{name}.ipynb"
    if not path.exists():
        raise PipelineError(f"notebook {path} is missing; run hl from a clone of the repository")
    return path


def _read(name: str):
    import nbformat

    return nbformat.read(notebook_path(name), as_version=4)


def _has_tag(cell, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def parameters_cell(name: str) -> dict:
    """The names and values assigned in the notebook's `parameters` cell."""
    for cell in _read(name).cells:
        if _has_tag(cell, "parameters"):
            return profiles.assignments(cell.source)
    raise PipelineError(f"notebook {name} has no cell tagged 'parameters'")


def parse_overrides(name: str, pairs) -> dict:
    """Command-line KEY VALUE pairs -> typed, validated overrides (no notebook is run)."""
    spec = profiles.get_spec(name)
    names = set(parameters_cell(name)) - {"profile", "out_dir"}
    out = {}
    for key, text in pairs:
        if key not in names:
            raise ValueError(f"unknown parameter {key!r} for notebook {name!r}; allowed: "
                             f"{', '.join(p.name for p in spec.params)}")
        param = spec.param(key)
        value = param.parse(text)
        param.check(value)
        out[key] = value
    return out


def code_cells(name: str) -> list[str]:
    """The sources of the code cells that compute (the parameters enter the key resolved)."""
    return [c.source for c in _read(name).cells
            if c.cell_type == "code" and not _has_tag(c, "parameters")]


def notebook_imports(name: str) -> list[str]:
    """The hlcore modules the notebook's code cells import (a cell that is not plain Python,
    such as one with a magic, is read line by line)."""
    import ast

    found = set()
    for source in code_cells(name):
        try:
            trees = [ast.parse(source)]
        except SyntaxError:
            trees = []
            for line in source.splitlines():
                try:
                    trees.append(ast.parse(line.strip()))
                except SyntaxError:
                    pass
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found |= {a.name for a in node.names if a.name.startswith("hlcore")}
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hlcore"):
                    found |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
    return sorted(found)


def run_key(name: str, params: dict) -> str:
    """The key of a run: its code cells, parameters, the source of its page's module and of
    every hlcore module they import (directly or not: editing the book's build code re-runs
    nothing), key package
    versions and the page's committed reference run (which the page shows beside its own)."""
    from .pages import get, reference_digest

    page = get(name)
    return digest({"code": code_cells(name), "params": params,
                   "hlcore": code_hash(*notebook_imports(name), page.module_name),
                   "page": digest(page.source().decode()),
                   "versions": package_versions(), "reference": reference_digest(name),
                   **({"shown": {n: reference_digest(n) for n in page.shows_references}}
                      if page.shows_references else {})})[:20]


def _is_run_folder(folder: Path) -> bool:
    """Whether `folder` holds a previous hl run's outputs (its run.json says so)."""
    try:
        run = json.loads((folder / "run.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(run, dict) and "notebook" in run and "key" in run


def _can_create(folder: Path) -> bool:
    """Whether a file can be created in `folder`, tried for real: permission bits do not show
    a read-only file system, and root passes every permission check."""
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".hl-probe-")
    except OSError:
        return False
    os.close(fd)
    os.unlink(tmp)
    return True


def _writable(path: Path) -> Path:
    """The nearest existing folder at or above `path`, if this process can create in it."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not _can_create(probe):
        raise PipelineError(f"cannot write to {probe}: choose another folder (nothing was "
                            f"written)")
    return probe


def check_out_dir(out: Path | str) -> Path:
    """The output folder, resolved, if a run may write there: a missing folder, an empty one,
    or a previous run's (recognised by its run.json). Anything else (a file, a folder with
    other files in it: a home folder, a project) is refused before any work, with one line."""
    given = Path(out).expanduser()
    path = given.resolve()
    if path.exists() and not path.is_dir():
        raise PipelineError(f"--out {given} is a file, not a folder; nothing was written")
    if path.is_dir() and any(path.iterdir()) and not _is_run_folder(path):
        raise PipelineError(f"--out {given} holds files that no hl run wrote; choose a new or "
                            f"empty folder (nothing was written)")
    _writable(path)
    return path


def _publish(src: Path, dst: Path) -> None:
    """Copy a finished run's files into dst, each atomically (temporary file, then rename).
    Only files a run writes are replaced or removed: those of the new run, and the outputs
    the previous run's run.json lists; anything else in dst is left alone."""
    dst = check_out_dir(dst)
    old = []
    if (dst / "run.json").exists():
        try:
            old = json.loads((dst / "run.json").read_text()).get("outputs", [])
        except (OSError, ValueError, AttributeError):
            old = []
    dst.mkdir(parents=True, exist_ok=True)
    new = sorted(p.name for p in src.iterdir() if p.is_file())
    for name in [n for n in new if n != "run.json"] + ["run.json"]:  # run.json last
        tmp = dst / f".{name}.tmp-{uuid.uuid4().hex[:8]}"
        shutil.copy2(src / name, tmp)
        os.replace(tmp, dst / name)
    for name in set(old) - set(new):
        stale = dst / Path(name).name  # a bare file name: never outside dst
        if stale.is_file():
            stale.unlink()


def _tidy_executed(path: Path) -> None:
    """Hide the parameter cells in the book (the notebook shows its resolved parameters)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if HIDDEN_TAGS & set(tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, path)


def _new_lines(path: Path, offset: int) -> list[str]:
    """The lines appended to `path` after byte `offset`."""
    if not path.exists():
        return []
    with open(path) as f:
        f.seek(offset)
        return [ln for ln in f.read().splitlines() if ln]


def _damage(folder: Path, name: str) -> str | None:
    """Why a finished run folder cannot be used (None if it can)."""
    import nbformat

    try:
        json.loads((folder / "run.json").read_text())
        nbformat.read(folder / f"{name}.ipynb", as_version=4)
    except Exception as err:  # noqa: BLE001 - any unreadable file makes the run unusable
        return f"{type(err).__name__} reading it"
    return None


def _keep_niceness(pid: int | None) -> None:
    """A kernel starts in a session of its own; under Linux's autogroup scheduling the session,
    not the process, competes for the CPU, so `nice -n 19 hl run ...` would still take half
    the machine. Give the kernel's session this process's niceness (Linux only; a no-op
    elsewhere or where it is not permitted)."""
    if pid is None or os.nice(0) == 0:
        return
    try:
        Path(f"/proc/{pid}/autogroup").write_text(str(os.nice(0)))
    except OSError:
        pass


def _kernel_manager_class():
    """A kernel manager that talks to the kernel over local IPC sockets (in a temporary
    folder) instead of TCP: no network port is opened for a notebook run."""
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(Path(tempfile.mkdtemp(prefix="hl-kernel-")) / "k"))
            super().__init__(**kwargs)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # The kernel's own log (not the notebook's output, which papermill records) goes to
            # a file in the cache: an interrupted run must not print the kernel's complaints
            # about its closed sockets into the reader's terminal.
            log = default_root() / "kernel.log"
            kw["stderr"] = open(log, "a")  # noqa: SIM115 - the kernel process holds it
            try:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            finally:
                kw["stderr"].close()
                pid = getattr(getattr(self.provisioner, "process", None), "pid", None)
                _keep_niceness(pid)
                if pid is not None:
                    KERNELS.add(pid)

        _launch_kernel = _async_launch_kernel

    return IPCKernelManager


#: The process ids of the kernels this process started (each leads a session of its own, with
#: its worker processes in it).
KERNELS: set[int] = set()


def _stop_kernels() -> None:
    """Kill every kernel this process started, with its workers (its whole process group)."""
    import signal

    for pid in list(KERNELS):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        KERNELS.discard(pid)


def _execute(*args, **kwargs) -> None:
    """papermill.execute_notebook, run in a helper thread. nbclient, in the main thread, would
    replace the SIGINT and SIGTERM handlers with its own, which only shut the kernel down: a
    Ctrl-C could then be lost and the run go on. In a helper thread it cannot install them, so
    the signal reaches this (main) thread as KeyboardInterrupt; the kernels are then killed and
    the caller cleans up."""
    import threading

    import papermill as pm

    failure = []

    def target():
        try:
            pm.execute_notebook(*args, **kwargs)
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            failure.append(err)

    thread = threading.Thread(target=target, name="papermill", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except BaseException:
        _stop_kernels()
        raise
    if failure:
        raise failure[0]


def run_notebook(name: str, profile: str = "quick", overrides: dict | None = None,
                 out_dir: Path | str | None = None, force: bool = False,
                 log=print) -> dict:
    """Run (or reuse) notebook `name` and copy its outputs to out_dir (default runs/NAME).
    Returns {'status': 'cached' | 'done', 'key', 'out_dir', 'seconds'}."""
    params = profiles.resolve(name, profile, **(overrides or {}))
    key = run_key(name, params)
    root = default_root()
    final = root / "runs" / f"{name}-{key}"
    out = check_out_dir(out_dir if out_dir is not None else Path("runs") / name)
    check_cache_dir(root)
    if final.exists() and not force:
        why = _damage(final, name)
        if why is None:
            _publish(final, out)
            return {"status": "cached", "key": key, "out_dir": str(out), "seconds": 0.0}
        discard_damaged(final, why)
    tmp = root / "tmp" / f"{name}-{key}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    damage_log = root / DAMAGE_LOG
    damage_seen = damage_log.stat().st_size if damage_log.exists() else 0
    started = datetime.now(timezone.utc)
    # the code the run starts from: a checkout moved on during a long run must not be recorded
    from .pages import compute_hash, compute_modules

    code = {"hlcore_source_hash": source_hash(), "compute_hash": compute_hash(name),
            "compute_modules": compute_modules(name), **git_commit()}
    t0 = time.perf_counter()
    os.environ["HL_CACHE"] = str(root)  # the kernel shares the result cache
    os.environ["HL_QUIET"] = "1"  # no progress bars inside the executed notebook
    # Sweeps use one worker process per core unless told otherwise (hl's --executor): a small
    # network's step does not keep two cores busy in one process (1.2-1.6x faster with two).
    os.environ.setdefault("HL_EXECUTOR", "processes")
    try:
        _execute(str(notebook_path(name)), str(tmp / f"{name}.ipynb"),
                 parameters={**params, "out_dir": str(tmp)}, cwd=str(REPO_ROOT),
                 progress_bar=sys.stderr.isatty(), kernel_name="python3",
                 kernel_manager_class=_kernel_manager_class())
        _tidy_executed(tmp / f"{name}.ipynb")
        cache_file = tmp / "cache.txt"  # the pages' result-cache bookkeeping (plots.log_cache)
        cache_lines = cache_file.read_text().splitlines() if cache_file.exists() else []
        cache_file.unlink(missing_ok=True)
        for line in cache_lines:
            log(f"{name}: {line}")
        for line in _new_lines(damage_log, damage_seen):
            log(line)  # result-cache entries the run found damaged and replaced
        seconds = time.perf_counter() - t0
        run = {"notebook": name, "profile": profile, "parameters": params,
               "overrides": overrides or {}, "seeds": list(range(params.get("seeds", 1))),
               "key": key,
               "package_versions": package_versions(), "python": platform.python_version(),
               "start": started.isoformat(), "end": datetime.now(timezone.utc).isoformat(),
               "duration_seconds": round(seconds, 2), "host": socket.gethostname(),
               "platform": platform.platform(),
               **code, "cache": cache_lines,
               "outputs": sorted([p.name for p in tmp.iterdir() if p.is_file()]
                                 + ["run.json"])}
        (tmp / "run.json").write_text(json.dumps(run, indent=2))
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():  # --force: replace the old run
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _publish(final, out)
    return {"status": "done", "key": key, "out_dir": str(out), "seconds": seconds}


def check_cache_dir(root: Path) -> None:
    """Refuse, before any work, a cache folder this process cannot write."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PipelineError(f"cannot create the cache folder {root} ({err.strerror}); set "
                            f"HL_CACHE to a writable folder") from None
    if not _can_create(root):
        raise PipelineError(f"the cache folder {root} is not writable; set HL_CACHE to a "
                            f"writable folder")


def git_commit() -> dict:
    """The commit the code ran from, and whether the tree had changes ({} outside git)."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "hlcore", "notebooks"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {}
    if sha.returncode != 0:
        return {}
    return {"commit": sha.stdout.strip(), "commit_dirty": bool(dirty.stdout.strip())}


def cached_run(name: str, profile: str) -> Path | None:
    """The finished run of `name` with the profile's default parameters, if there is one."""
    final = default_root() / "runs" / f"{name}-{run_key(name, profiles.resolve(name, profile))}"
    return final if final.exists() and _damage(final, name) is None else None


def _placeholder(name: str, profile: str, folder: Path) -> None:
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    spec = profiles.get_spec(name)
    nb = new_notebook(cells=[new_markdown_cell(
        f"# {spec.description}\n\nThis page has not been run in the `{profile}` profile yet. "
        f"Run `hl run {name} --profile {profile}` or `hl book --profile {profile}`.")])
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


def stage_book(profile: str, names, force: bool = False, log=print) -> tuple[Path, list]:
    """Run what is out of date and lay out a book source folder: the repository's
    _config.yml, _toc.yml and book/, with each executed notebook at notebooks/NAME.ipynb (the
    path of its source, so launch and source links point at the real notebook) and its figure
    files and run.json under notebooks/NAME/."""
    stage = default_root() / f"book-src-{profile}"
    runs = {}
    for i, name in enumerate(names, 1):
        prefix = f"[{i}/{len(names)}] {name}"
        log(f"{prefix}: checking the cache", flush=True)
        res = run_notebook(name, profile, force=force, out_dir=stage.parent / "book-runs"
                           / profile / name)
        runs[name] = Path(res["out_dir"])
        log(f"{prefix}: " + ("cached" if res["status"] == "cached"
                             else f"done in {res['seconds']:.0f} s"), flush=True)
    placeholders = []
    from .pages import PAGES

    for name in PAGES:  # pages not asked for: their cached run, or a placeholder
        if name not in runs:
            runs[name] = cached_run(name, profile)
            if runs[name] is None:
                runs[name] = stage.parent / "book-runs" / profile / f"{name}-placeholder"
                _placeholder(name, profile, runs[name])
                placeholders.append(name)
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "_config.yml", stage / "_config.yml")
    (stage / "_toc.yml").write_text(book_toc())
    shutil.copytree(REPO_ROOT / "book", stage / "book")
    (stage / "notebooks").mkdir()
    import nbformat

    for name, folder in runs.items():
        page = stage / "notebooks" / f"{name}.ipynb"
        shutil.copy2(folder / f"{name}.ipynb", page)
        shutil.copytree(folder, stage / "notebooks" / name,
                        ignore=shutil.ignore_patterns("*.ipynb"))
        if (folder / "run.json").exists():  # a real run, not a placeholder
            nbformat.write(book_page(name, nbformat.read(page, as_version=4), folder), page)
    write_report(stage / "book" / "report.md", runs, intro=stage / "book" / "intro.md")
    for line in report.quick_defects(*report.saved_verdicts(runs)):
        log(f"warning: {line}")
    return stage, placeholders


def book_toc() -> str:
    """The book's table of contents: _toc.yml with its "Figures" part listing every page of
    the registry, in book order (so a new page is built without editing the file; a test
    keeps the committed _toc.yml equal to this)."""
    import yaml

    from .pages import PAGES

    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())
    (part,) = [p for p in toc["parts"] if p.get("caption") == "Figures"]
    part["chapters"] = [{"file": f"notebooks/{name}"} for name in PAGES]
    return yaml.safe_dump(toc, sort_keys=False)


def book_page(name: str, executed, folder: Path):
    """The page of a run: the prose of the current notebook source (so an edited Markdown cell
    shows without a re-run), the outputs of the run's code cells, and a closing section with the
    run's files as downloads and its provenance. The run key covers the code cells, so the run's
    code cells are the source's, in order (ids may differ: a re-created cell gets a new one)."""
    source = _read(name)
    injected = [c for c in executed.cells if _has_tag(c, "injected-parameters")]
    ran = iter(c for c in executed.cells
               if c.cell_type == "code" and not _has_tag(c, "injected-parameters"))
    cells = []
    for cell in source.cells:
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        done = next(ran, None)
        parameters = _has_tag(cell, "parameters")
        if done is None or done.source != cell.source and not parameters:
            raise PipelineError(f"the cached run of {name} does not match its notebook's code; "
                                f"re-run it with hl run {name} --force")
        cells.append(done)
        if parameters:  # papermill's injected-parameters cell follows it
            cells += injected
    from nbformat.v4 import new_markdown_cell

    cells.append(new_markdown_cell(provenance_markdown(name, folder)))
    executed.cells = cells
    return executed


def build_book(profile: str = "quick", only=None, path_output: Path | str | None = None,
               force: bool = False, log=print, strict: bool = True) -> Path:
    """Run every notebook that is out of date and build the book with Jupyter Book (nothing
    is re-executed). Returns the HTML folder (path_output/_build/html)."""
    if not (REPO_ROOT / "_config.yml").exists():
        raise PipelineError("no _config.yml beside hlcore: run hl book from a clone of the "
                            "repository")
    from .pages import PAGES

    names = list(only or PAGES)
    for name in names:
        profiles.get_spec(name)
    stage, placeholders = stage_book(profile, names, force=force, log=log)
    if placeholders:
        log(f"not run yet, shown as placeholders: {', '.join(placeholders)}; building without "
            f"-W (their numbers are missing from the report)")
        strict = False
    out = Path(path_output).resolve() if path_output else REPO_ROOT
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(stage),
           "--path-output", str(out), "--all"]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    log("building the book (jupyter-book build, no execution)", flush=True)
    proc = subprocess.run(cmd, cwd=stage, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PipelineError("the book build failed:\n" + proc.stdout[-6000:] + proc.stderr[-4000:])
    html = out / "_build" / "html"
    log(f"book written to {html / 'index.html'}")
    return html

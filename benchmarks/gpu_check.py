"""The GPU check: everything a CUDA machine should confirm, within a time budget (default 8 min).

Prints one JSON line per result (and appends it to OUT/gpu_check.jsonl):

1. the CUDA tests (`pytest -k cuda`);
2. both benchmarks on CUDA (batched grid training; kernel ridge path at N = 20000);
3. every page in the smoke profile with device="cuda", kernels included;
4. reference runs (the paper's 800 epochs, wide grids, 3 seeds: see PAPER_RUNS), kept as tidy
   CSV + run.json under OUT/NAME/, as far as the budget goes; `python
   tools/publish_reference.py NAME OUT/NAME` commits one to results/reference/NAME/, which the
   book redraws and re-judges. Training tasks run in 12 processes sharing the GPU
   ($HL_EXECUTOR).

The pages run without Jupyter: their code cells are executed in order in one namespace, with
the parameters injected as papermill would (a GPU machine may have PyTorch but no Jupyter).

    python benchmarks/gpu_check.py [--out results/gpu] [--budget 480]
    python benchmarks/gpu_check.py --smoke   # CPU dry run at tiny sizes (CI)
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The paper-budget runs: (page, profile, overrides): the reference profile of every page (the
#: paper's 800 epochs, wide grids, 3 seeds), in the order the book needs them. Their folders
#: are published into results/reference/ by tools/publish_reference.py.
PAPER_RUNS = [(name, "reference", {}) for name in
              ("width", "protocol", "sensitivity", "frobenius", "hierarchy", "sample-gap",
               "separation")]


def emit(record: dict, log: Path) -> None:
    line = json.dumps(record, default=str)
    print(line, flush=True)
    with open(log, "a") as f:
        f.write(line + "\n")


def _cell_source(cell) -> str:
    """A code cell's source; without IPython, its display import becomes print (a stub IPython
    module would confuse pandas and matplotlib, which look for a running IPython)."""
    src = "".join(cell["source"])
    try:
        import IPython.display  # noqa: F401
    except ImportError:
        src = src.replace("from IPython.display import Markdown, display",
                          "Markdown = display = print")
    return src


def run_page(name: str, profile: str, overrides: dict, out_dir: Path) -> dict:
    """Execute notebook NAME's code cells with the given parameters (as papermill would inject
    them); figures and their CSVs go to out_dir, plus a run.json. Returns the run record."""
    import matplotlib

    matplotlib.use("Agg")
    from hlcore import profiles
    from hlcore.store import package_versions, source_hash

    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
    spec = profiles.get_spec(name)
    ns = {p.name: overrides.get(p.name) for p in spec.params}
    ns.update(profile=profile, out_dir=str(out_dir), __name__="__main__")
    out_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for cell in nb["cells"]:
            if cell["cell_type"] != "code" or "parameters" in cell["metadata"].get("tags", []):
                continue
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(_cell_source(cell), f"<{name}>", "exec"), ns)
    finally:
        os.chdir(cwd)
    import torch

    run = {"notebook": name, "profile": profile, "overrides": overrides,
           "parameters": profiles.resolve(name, profile, **overrides),
           "runner": "benchmarks/gpu_check.py (code cells executed without Jupyter)",
           "hlcore_source_hash": source_hash(), "package_versions": package_versions(),
           "python": platform.python_version(), "start": started.isoformat(),
           "end": datetime.now(timezone.utc).isoformat(),
           "duration_seconds": round(time.perf_counter() - t0, 2), "host": platform.node(),
           "device": (torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")}
    (out_dir / "run.json").write_text(json.dumps(run, indent=2, default=str))
    return run


def subprocess_step(name: str, cmd: list[str], timeout: float, log: Path) -> None:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        emit({"step": name, "ok": False, "error": f"timed out after {timeout:.0f} s"}, log)
        return
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    record = {"step": name, "ok": proc.returncode == 0,
              "seconds": round(time.perf_counter() - t0, 1)}
    if lines:
        record["result"] = json.loads(lines[-1])
    else:
        record["tail"] = (proc.stdout + proc.stderr)[-600:]
    emit(record, log)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "results" / "gpu"))
    ap.add_argument("--budget", type=float, default=480.0, help="seconds for everything")
    ap.add_argument("--smoke", action="store_true", help="CPU dry run at tiny sizes (CI)")
    ap.add_argument("--paper-only", action="store_true", help="only the paper-budget runs")
    ap.add_argument("--page", help="run only this page's paper-budget run (used internally)")
    a = ap.parse_args(argv)
    deadline = time.perf_counter() + a.budget
    left = lambda: deadline - time.perf_counter()  # noqa: E731
    out = Path(a.out)
    if a.smoke and not a.page:
        out = Path(tempfile.mkdtemp(prefix="gpu-check-smoke-"))
    out.mkdir(parents=True, exist_ok=True)
    log = out / "gpu_check.jsonl"
    os.environ["HL_QUIET"] = "1"
    os.environ.setdefault("HL_CACHE", str(Path(tempfile.gettempdir()) / "hl-gpu-cache"))
    import torch

    device = "cpu" if a.smoke else "cuda"
    if device == "cuda":  # a small network's step is launch-bound: keep the GPU busy
        os.environ.setdefault("HL_EXECUTOR", "processes")
        os.environ.setdefault("HL_WORKERS", "12")
    os.environ["PYTHONPATH"] = str(ROOT)  # for the worker processes
    if device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: PyTorch sees no CUDA device; use --smoke for the CPU dry run",
              file=sys.stderr)
        return 2
    if a.page:  # one paper-budget page, in a process of its own (see _paper_runs)
        return paper_run(a.page, out, device, smoke=a.smoke)
    emit({"step": "machine", "device": torch.cuda.get_device_name(0) if device == "cuda"
          else "cpu", "torch": torch.__version__, "python": platform.python_version()}, log)
    py = sys.executable
    if a.paper_only:
        return _paper_runs(out, left, log, [])
    tests = ["tests/test_train.py", "tests/test_fused.py", "tests/test_kernels.py",
             "tests/test_sweep_device.py"]
    subprocess_step("cuda_tests", [py, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                   *tests, "-k", "cuda"], min(120, left()), log)
    smoke = ["--smoke"] if a.smoke else []
    subprocess_step("bench_batched_grid", [py, "benchmarks/bench_batched_grid.py", "--device",
                                           device, "--repeats", "3", *smoke],
                    min(120, left()), log)
    subprocess_step("bench_kernel_ridge", [py, "benchmarks/bench_kernel_ridge.py", "--device",
                                           device, "--N", "500" if a.smoke else "20000"],
                    min(90, left()), log)
    from hlcore import pages, profiles

    with tempfile.TemporaryDirectory() as tmp:
        for name in pages.PAGES:
            t0 = time.perf_counter()
            try:
                run_page(name, "smoke", {"device": device}, Path(tmp) / name)
                emit({"step": f"page_smoke_{device}", "page": name, "ok": True,
                      "seconds": round(time.perf_counter() - t0, 1)}, log)
            except Exception as err:  # noqa: BLE001 - report every page, then go on
                emit({"step": f"page_smoke_{device}", "page": name, "ok": False,
                      "error": f"{type(err).__name__}: {err}"[:500]}, log)
    _paper_runs(out, left, log, smoke)
    if a.smoke:
        shutil.rmtree(out, ignore_errors=True)
    return 0


def _paper_runs(out: Path, left, log: Path, smoke: list) -> int:
    for name, _, _ in PAPER_RUNS:
        # each in its own process, killed at the budget's end: one slow page cannot take the
        # others' results with it
        if left() < 30:
            emit({"step": "paper_run", "page": name, "ok": False,
                  "error": "skipped: the time budget is spent"}, log)
            continue
        subprocess_step(f"paper_run_{name}", [sys.executable, __file__, "--page", name,
                                              "--out", str(out), *smoke], left() - 5, log)
    return 0


def paper_run(name: str, out: Path, device: str, smoke: bool) -> int:
    """One paper-budget page run; keeps its CSVs and run.json under out/NAME/."""
    profile, overrides = next((p, o) for n, p, o in PAPER_RUNS if n == name)
    if smoke:
        profile, overrides = "smoke", {}
    with tempfile.TemporaryDirectory() as tmp:
        run = run_page(name, profile, {**overrides, "device": device}, Path(tmp))
        keep = out / name
        keep.mkdir(parents=True, exist_ok=True)
        for f in [*Path(tmp).glob("*.csv"), Path(tmp) / "run.json"]:
            shutil.copy2(f, keep / f.name)
    print(json.dumps({"page": name, "seconds": run["duration_seconds"],
                      "kept": sorted(p.name for p in keep.iterdir())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

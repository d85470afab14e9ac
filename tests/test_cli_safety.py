"""The command line never deletes a reader's files and answers bad input with one line (issue
21): a test per data-loss case and per row of the error table."""
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hlcore import pipeline
from hlcore.cli import main as hl

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ["run", "separation", "--profile", "smoke"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def one_line_error(capsys, code=2):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hl: error: "), err
    return err[0]


def test_out_with_a_readers_file_is_refused_and_nothing_is_touched(cache, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert hl(SMOKE + ["--out", str(out)]) == 2
    assert "no hl run wrote" in one_line_error(capsys)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "keep me"
    assert not cache.exists() or not (cache / "runs").exists()  # refused before any work


def test_out_naming_a_file_is_refused(cache, tmp_path, capsys):
    f = tmp_path / "results.csv"
    f.write_text("a,b\n")
    assert hl(SMOKE + ["--out", str(f)]) == 2
    assert "is a file" in one_line_error(capsys)
    assert f.read_text() == "a,b\n"


def test_out_dot_is_refused_in_a_folder_with_files_and_works_in_an_empty_one(
        cache, tmp_path, capsys, monkeypatch):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.tex").write_text("x")
    monkeypatch.chdir(busy)
    assert hl(SMOKE + ["--out", "."]) == 2
    assert "no hl run wrote" in one_line_error(capsys)
    assert [p.name for p in busy.iterdir()] == ["thesis.tex"]
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert hl(SMOKE + ["--out", "."]) == 0
    assert (empty / "run.json").exists() and (empty / "separation.csv").exists()


def test_home_folder_is_refused(cache, tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert hl(SMOKE + ["--out", "~"]) == 2
    one_line_error(capsys)
    assert (home / ".ssh").is_dir()


def test_a_previous_runs_folder_is_updated_and_a_readers_file_in_it_survives(
        cache, tmp_path, capsys):
    out = tmp_path / "run"
    assert hl(SMOKE + ["--out", str(out)]) == 0
    first = json.loads((out / "run.json").read_text())
    assert "separation.csv" in first["outputs"] and "run.json" in first["outputs"]
    (out / "my-notes.md").write_text("mine")
    (out / "old-figure.csv").write_text("stale")  # as if the previous run had written it
    first["outputs"].append("old-figure.csv")
    (out / "run.json").write_text(json.dumps(first))
    assert hl(SMOKE + ["-p", "N_values", "100,300", "--out", str(out)]) == 0
    assert (out / "my-notes.md").read_text() == "mine"
    assert not (out / "old-figure.csv").exists()  # listed by the previous run: replaced
    assert json.loads((out / "run.json").read_text())["parameters"]["N_values"] == [100, 300]


def _read_only_folder(tmp_path):
    """A folder this process cannot write to: a read-only tmpfs when root (root passes
    permission bits), else permission bits; None where neither can be had."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return folder
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                       capture_output=True)
    return folder if r.returncode == 0 else None


@contextlib.contextmanager
def read_only(tmp_path):
    folder = _read_only_folder(tmp_path)
    if folder is None:
        pytest.skip("no read-only folder can be made here (root without mount)")
    try:
        yield folder
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], capture_output=True)


def test_out_in_a_read_only_folder_is_one_line(cache, tmp_path, capsys):
    with read_only(tmp_path) as ro:
        assert hl(SMOKE + ["--out", str(ro / "x")]) == 2
        assert "cannot write" in one_line_error(capsys)


def test_read_only_cache_is_one_line(tmp_path, capsys, monkeypatch):
    with read_only(tmp_path) as ro:
        monkeypatch.setenv("HL_CACHE", str(ro))
        assert hl(SMOKE + ["--out", str(tmp_path / "o")]) == 2
        assert "HL_CACHE" in one_line_error(capsys)
        monkeypatch.setenv("HL_CACHE", str(ro / "sub"))
        assert hl(SMOKE + ["--out", str(tmp_path / "o")]) == 2
        assert "HL_CACHE" in one_line_error(capsys)


def test_data_too_large_is_refused_before_training(cache, tmp_path, capsys):
    start = time.perf_counter()
    assert hl(SMOKE + ["-p", "N_values", "100,1000000000", "--out", str(tmp_path / "o")]) == 2
    line = one_line_error(capsys)
    assert "GiB" in line and "the largest N that fits" in line
    assert time.perf_counter() - start < 10


def test_cuda_without_a_gpu_is_refused(cache, tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert hl(SMOKE + ["-p", "device", "cuda", "--out", str(tmp_path / "o")]) == 2
    assert "no CUDA GPU" in one_line_error(capsys)


def test_paper_width_says_what_would_fit(cache, capsys):
    assert hl(["run", "width", "--profile", "paper"]) == 2
    line = one_line_error(capsys)
    assert "the largest m that fits is m=" in line and "hl plan" in line


def test_plan_flags_networks_that_cannot_fit(capsys):
    from hlcore.plan import format_plan, plan

    calib = {"step_overhead_s": 1e-4, "train_flops_per_s": 1e10, "kernel_entries_per_s": 1e8,
             "cholesky_flops_per_s": 1e10, "matmul32_flops_per_s": 1e10}
    text = format_plan(plan("width", "paper", calibration=calib))
    assert "TOO LARGE" in text and "cannot fit: 3layer: " in text
    assert "fits up to m=" in text
    assert "TOO LARGE" not in format_plan(plan("width", "quick", calibration=calib))


def _foreground_signals():
    """As in a terminal's foreground: a shell runs a background job (`make test &`, nohup, a
    CI runner) with SIGINT ignored, which its children inherit and Python then keeps; a Ctrl-C
    test must start hl with the default disposition."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run_until_training(tmp_path):
    """hl run in a session of its own, returned once the notebook's kernel has stored its
    first result (the phase under test), with tens of seconds of training still to go."""
    env = {**os.environ, "HL_CACHE": str(tmp_path / "cache")}
    env.pop("PYTEST_CURRENT_TEST", None)
    p = subprocess.Popen([sys.executable, "-m", "hlcore.cli", "run", "separation", "--profile",
                          "smoke", "-p", "N_values", "3000", "-p", "kernel_N_max", "3000",
                          "-p", "epochs", "300", "--force",
                          "--out", str(tmp_path / "o")], cwd=tmp_path,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True, preexec_fn=_foreground_signals)
    results = tmp_path / "cache" / "results"
    while not (results.exists() and any(results.rglob("*.json"))):
        assert p.poll() is None, p.communicate()[0]
        time.sleep(0.05)  # polling for the marker, not a timing assumption
    return p


@pytest.mark.slow
def test_interrupt_prints_one_line_and_exits_130(tmp_path):
    """Ctrl-C reaches the whole foreground process group (hl; the kernel has a session of its
    own, and hl stops it)."""
    p = _run_until_training(tmp_path)
    os.killpg(p.pid, signal.SIGINT)
    out, _ = p.communicate(timeout=120)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert p.returncode == 130, out
    assert lines[-1].startswith("hl: interrupted"), out
    assert len(lines) <= 3 and "Traceback" not in out, out
    assert not any((tmp_path / "cache" / "tmp").glob("*")), "a temporary run folder is left"
    assert not (tmp_path / "o" / "run.json").exists()


@pytest.mark.slow
def test_sigterm_stops_the_run_and_leaves_no_temporary_folder(tmp_path):
    p = _run_until_training(tmp_path)
    os.kill(p.pid, signal.SIGTERM)
    out, _ = p.communicate(timeout=120)
    assert p.returncode == 143, out
    assert out.strip().splitlines()[-1].startswith("hl: terminated"), out
    assert not any((tmp_path / "cache" / "tmp").glob("*")), "a temporary run folder is left"


def test_help_does_not_import_torch():
    code = ("import sys\nfrom hlcore.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\nassert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_hl_run_ends_with_the_pages_verdict(cache, tmp_path, capsys):
    assert hl(SMOKE + ["--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-2].startswith("separation: ") and out[-1].startswith("networks: ")
    assert any(v in out[-2] for v in ("reproduced", "inconclusive"))


def test_hl_list_one_notebook_shows_every_profile(capsys):
    assert hl(["list", "width"]) == 0
    text = capsys.readouterr().out
    for profile in ("smoke", "quick", "reference", "paper"):
        assert f"      {profile:<10} " in text
    assert "m_values (list[int])" in text


@pytest.mark.parametrize("args", [["-p", "alpha", "0"], ["-p", "alpha", "1.5"]])
def test_alpha_outside_the_papers_range_is_refused(args, cache, tmp_path, capsys):
    assert hl(SMOKE + args + ["--out", str(tmp_path / "o")]) == 2
    assert "alpha must be in (0, 1)" in one_line_error(capsys)


def test_profile_has_help(capsys):
    with pytest.raises(SystemExit):
        hl(["run", "--help"])
    assert "reference: the paper's 800 epochs" in " ".join(capsys.readouterr().out.split())


def test_the_paper_profile_is_refused_with_its_cost_where_no_machine_could_run_it(
        cache, capsys, monkeypatch):
    from hlcore import plan

    monkeypatch.setattr(plan, "calibrate", lambda force=False: {
        "step_overhead_s": 1e-4, "train_flops_per_s": 1e10, "kernel_entries_per_s": 1e8,
        "cholesky_flops_per_s": 1e10, "matmul32_flops_per_s": 1e10})
    assert hl(["run", "separation", "--profile", "paper"]) == 2
    line = one_line_error(capsys)
    assert "the paper profile of separation would take about" in line
    assert "--profile reference takes about" in line

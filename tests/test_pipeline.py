import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from hlcore import make_target, pages, pipeline, profiles, train_grid
from hlcore.cli import main as hl
from hlcore.store import ResultStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_notebook_sources_carry_no_outputs_and_match_their_specs():
    for name in pages.PAGES:
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        ids = [cell.id for cell in nb.cells]
        assert len(set(ids)) == len(ids), name  # stable, unique cell ids (the book matches them)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, name
                if "parameters" not in cell.metadata.get("tags", []):  # thin: code in hlcore
                    assert len(cell.source.splitlines()) <= 15, (name, cell.source[:80])
            if "parameters" in cell.metadata.get("tags", []):  # typed quick defaults
                assert cell.source == profiles.parameters_source(name), (
                    f"{name}: its parameters cell differs from the specs; paste "
                    f"profiles.parameters_source({name!r})")
        names = set(pipeline.parameters_cell(name))
        spec = {p.name for p in profiles.get_spec(name).params}
        assert names == spec | {"profile", "out_dir"}, name
        import papermill  # papermill itself must see every parameter
        assert set(papermill.inspect_notebook(ROOT / "notebooks" / f"{name}.ipynb")) == names
        for profile in profiles.PROFILES:  # every profile is complete and valid
            profiles.resolve(name, profile)


@pytest.mark.parametrize("args, message", [
    (["-p", "alpha", "-1"], "alpha must be >= 0; got -1.0"),
    (["-p", "no_such_param", "3"], "unknown parameter 'no_such_param'"),
    (["-p", "m", "abc"], "m must be an int; got 'abc'"),
    (["-p", "N_values", "[10, x]"], "N_values must be a list of int"),
    (["-p", "kernels", "2layer(CNTK)"], "unknown value '2layer(CNTK)'"),
])
def test_bad_parameters_fail_cleanly_before_anything_runs(args, message, cache, tmp_path,
                                                          capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.csv").write_text("kept")
    code = hl(["run", "separation", "--profile", "smoke", "--out", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["earlier.csv"]  # nothing written, nothing lost
    assert not cache.exists() or not any((cache / "runs").glob("*"))


def test_run_key_ignores_prose_ids_and_metadata_but_not_code(tmp_path, monkeypatch):
    copy = tmp_path / "notebooks"
    shutil.copytree(pipeline.NOTEBOOK_DIR, copy)
    params = profiles.resolve("width", "smoke")
    before = pipeline.run_key("width", params)
    monkeypatch.setattr(pipeline, "NOTEBOOK_DIR", copy)
    nb = nbformat.read(copy / "width.ipynb", as_version=4)
    for i, cell in enumerate(nb.cells):
        cell.id = f"renamed-{i}"
        cell.metadata["collapsed"] = True
        if cell.cell_type == "markdown":
            cell.source += "\nedited prose"
    nb.metadata["kernelspec"] = {"name": "other", "display_name": "Other"}
    nbformat.write(nb, copy / "width.ipynb")
    assert pipeline.run_key("width", params) == before
    code = next(c for c in nb.cells if c.cell_type == "code" and "run(P, out_dir)" in c.source)
    code.source += "\n# a change to the code"
    nbformat.write(nb, copy / "width.ipynb")
    assert pipeline.run_key("width", params) != before


def test_papermill_help_shows_types_and_quick_values():
    from click.testing import CliRunner
    from papermill.cli import papermill

    out = CliRunner().invoke(papermill, ["--help-notebook",
                                         str(ROOT / "notebooks" / "separation.ipynb")]).output
    assert "N_values: list[int] (default None)" in out
    assert "quick [500, 1000, 2000, 5000]" in out and "quick 0.3" in out
    assert "d: int (default None)" in out and "alpha: float (default None)" in out
    assert "Unknown type" not in out


@pytest.mark.parametrize("name, args, message", [
    ("separation", ["-p", "d", "31"], "d must be even"),
    ("separation", ["-p", "d", "20"], "k * f_degree must be at most d"),
    ("separation", ["-p", "kernel_N_max", "50"], "kernel_N_max=50 is below every N"),
    ("width", ["-p", "target", "parity-v2", "-p", "k", "6"], "needs k >= 8"),
    ("sample-gap", ["-p", "k", "9"], "theorem2 needs k <= d (k distinct coordinates); got k=9"),
    ("sample-gap", ["-p", "N0", "500"], "N0 must be at most N_max"),
    ("frobenius", ["-p", "m_values", "201"], "m_values must be even"),
])
def test_constraints_the_help_states_are_checked_before_a_run(name, args, message, cache,
                                                              capsys):
    assert hl(["run", name, "--profile", "smoke", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("key, value", [("m", "0"), ("d", "31"), ("k", "16"),
                                        ("N_values", "[10, x]"), ("panel_b", "maybe")])
def test_papermill_and_hl_refuse_a_bad_value_with_the_same_line(key, value, cache, tmp_path,
                                                                 capsys):
    import papermill as pm

    name = "frobenius" if key == "panel_b" else "separation"
    assert hl(["run", name, "--profile", "smoke", "-p", key, value]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("hl: error: ") and "\n" not in line
    # papermill passes the text as it is (-p N_values '[10, x]' arrives as a string)
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(tmp_path / "o.ipynb"),
                            parameters={"profile": "smoke", key: value,
                                        "out_dir": str(tmp_path)}, kernel_name="python3",
                            progress_bar=False)
    assert err.value.traceback == [line]  # the notebook shows that one line, no traceback


@pytest.mark.slow
def test_plain_papermill_runs_a_page_with_text_values_and_a_new_shape(cache, tmp_path):
    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "separation.ipynb"), str(out),
                        parameters={"profile": "smoke", "N_values": "[500, 1000]", "d": 20,
                                    "k": 10, "out_dir": str(tmp_path)},
                        kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    data = pd.read_csv(tmp_path / "separation.csv")
    assert sorted(data["N"].unique()) == [500, 1000]
    assert set(data["d"]) == {20} and set(data["k"]) == {10}
    nets = data[~data["learner"].str.contains("(", regex=False)]
    assert set(nets["m"]) == {32}  # the rest from the smoke profile
    assert (cache / "results").exists()  # $HL_CACHE, not a cache in the working directory
    assert not (tmp_path / ".hlcache").exists()


def test_unknown_notebook(capsys):
    assert hl(["run", "no-such-figure"]) == 2
    assert "unknown notebook 'no-such-figure'" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("name", list(pages.PAGES))
def test_every_notebook_runs_in_the_smoke_profile(name, cache, tmp_path):
    out = tmp_path / name
    res = pipeline.run_notebook(name, "smoke", out_dir=out)
    assert res["status"] == "done"
    run = json.loads((out / "run.json").read_text())
    for key in ("parameters", "profile", "seeds", "hlcore_source_hash", "package_versions",
                "start", "end", "duration_seconds", "host", "cache"):
        assert key in run
    assert (out / f"{name}.ipynb").exists()
    # the result cache's bookkeeping goes to the log and run.json, not the page
    assert "reused from the cache" not in (out / f"{name}.ipynb").read_text()
    assert not (out / "cache.txt").exists()
    figures = sorted(out.glob("*.png"))
    assert figures
    for png in figures:
        assert png.with_suffix(".svg").exists()
        data = pd.read_csv(png.with_suffix(".csv"))
        assert len(data) > 0 and "learner" in data.columns
    # no figure with text too small for the book's column or overlapping tick labels
    # (plots.figure_problems, written beside the figure by save_figure)
    problems = {p.name: p.read_text() for p in out.glob("*.problems.txt")}
    assert not problems, problems
    # the executed notebook hides its parameter cells in the book
    nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
    assert any("remove-cell" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.mark.slow
def test_second_run_is_a_cache_hit_and_a_code_change_reruns(cache, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = pipeline.run_notebook("separation", "smoke", out_dir=out)
    assert first["status"] == "done"
    again = pipeline.run_notebook("separation", "smoke", out_dir=out)
    assert again["status"] == "cached" and again["key"] == first["key"]
    real = pipeline.code_hash
    monkeypatch.setattr(pipeline, "code_hash", lambda *a: "edited" + real(*a))
    third = pipeline.run_notebook("separation", "smoke", out_dir=out)
    assert third["status"] == "done" and third["key"] != first["key"]
    other = pipeline.run_notebook("separation", "smoke", {"alpha": 0.5}, out_dir=out)
    assert other["key"] != third["key"]


def test_results_store_resumes_and_extends_a_grid(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    t = make_target("parity-v3", d=10, k=5, g_degree=2)
    kw = dict(N=100, m=16, epochs=2, n_val=50, n_test=50, device="cpu", store=store,
              weight_decays=[0.0], group_size=1)
    import hlcore.train as tr

    calls = {"n": 0}
    real = tr.train_batched

    def interrupted(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(tr, "train_batched", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_grid(t, "3resnet", lrs=[0.1, 0.2], **kw)
    monkeypatch.setattr(tr, "train_batched", real)
    resumed = train_grid(t, "3resnet", lrs=[0.1, 0.2], **kw)
    assert list(resumed["cached"]) == [True, False]  # the finished one was not retrained
    larger = train_grid(t, "3resnet", lrs=[0.1, 0.2, 0.5], **kw)
    assert list(larger["cached"]) == [True, True, False]
    fresh = train_grid(t, "3resnet", lrs=[0.1, 0.2, 0.5], **{**kw, "store": None})
    assert (fresh["test_error"] - larger["test_error"]).abs().max() < 1e-6


def test_hl_list_shows_every_notebook(capsys):
    assert hl(["list"]) == 0
    out = capsys.readouterr().out
    for name in pages.PAGES:
        assert name in out
    assert "missing from the notebook" not in out


def test_a_truncated_result_entry_is_recomputed_and_named(tmp_path, capsys):
    store = ResultStore(tmp_path)
    t = make_target("parity-v3", d=10, k=5, g_degree=2)
    kw = dict(N=100, m=16, epochs=2, n_val=50, n_test=50, device="cpu", store=store,
              weight_decays=[0.0], lrs=[0.1])
    first = train_grid(t, "3resnet", **kw)
    (entry,) = list((tmp_path / "results").rglob("*.json"))
    entry.write_text(entry.read_text()[:17])  # as a full disk or an interrupted copy leaves it
    again = train_grid(t, "3resnet", **kw)
    assert list(again["cached"]) == [False]
    assert again["test_error"].iloc[0] == pytest.approx(first["test_error"].iloc[0], rel=1e-6)
    err = capsys.readouterr().err
    assert f"damaged cache entry {entry}" in err and err.count("\n") == 1
    json.loads(entry.read_text())  # replaced by a good one
    assert list(train_grid(t, "3resnet", **kw)["cached"]) == [True]


@pytest.mark.slow
def test_hl_run_replaces_damaged_entries_and_says_which(cache, tmp_path, capsys):
    out = tmp_path / "out"
    assert hl(["run", "separation", "--profile", "smoke", "--out", str(out)]) == 0
    entry = sorted((cache / "results").rglob("*.json"))[0]
    entry.write_bytes(entry.read_bytes()[:10])
    (run_json,) = list((cache / "runs").glob("separation-*/run.json"))
    run_json.write_text("{")  # the finished run is damaged too
    capsys.readouterr()
    assert hl(["run", "separation", "--profile", "smoke", "--out", str(out)]) == 0
    said = capsys.readouterr()
    text = said.out + said.err
    assert f"damaged cache entry {run_json.parent}" in text
    assert f"damaged cache entry {entry}" in text
    json.loads(entry.read_text())


def test_report_is_built_from_the_pages_verdicts(tmp_path):
    from hlcore import claims
    from hlcore.pages.width import width

    runs = {}
    for name in ("width", "hierarchy"):
        runs[name] = tmp_path / name
        runs[name].mkdir()
    table = pd.DataFrame({"learner": ["3resnet", "3layer", "3resnet(NTK)"], "m": 100, "seed": 0,
                          "test_error": [0.3, 0.9, 1.6]})
    width(table, 0.72, claims.Budget(epochs=800, grid="g", seeds=1)).save(
        runs["width"] / "verdict.json")
    ref = width(table.assign(test_error=[0.8, 0.9, 1.6]), 0.72,
                       claims.Budget(epochs=800, grid="g", seeds=3)).to_dict()
    (runs["width"] / "reference_verdict.json").write_text(json.dumps({**ref, "key": "K1"}))
    report, intro = tmp_path / "report.md", tmp_path / "intro.md"
    report.write_text(f"{pipeline.SCORECARD_MARKER}\n\nintro\n\n{pipeline.REPORT_MARKER}\n")
    intro.write_text(f"hello\n{pipeline.SCORECARD_MARKER}\n")
    pipeline.write_report(report, runs, intro=intro)
    text = report.read_text()
    assert "**Verdict: reproduced**" in text and "| epochs | 800 | 800 |" in text
    assert "`hierarchy`: not run in this profile yet" in text
    assert pipeline.REPORT_MARKER not in text and pipeline.SCORECARD_MARKER not in text
    # the scorecard opens the report: a row per claim, the reference verdict beside this run's
    card = text.split("\n\nintro")[0].splitlines()
    rows = {line.split("|")[1].strip().split("]")[0].lstrip("["): line for line in card[2:]
            if line.startswith("|")}
    assert set(rows) == set(pages.claim_figures())
    # under the table, how many claims agree (width: reproduced here, partly at the budget)
    assert "reach the paper-budget verdict on 0 of the 1 claims that have both" in text
    assert "**partly reproduced" in rows["width"] and "K1" in rows["width"]
    # the quick run says more than the paper-budget run: a defect, marked
    assert "| reproduced (800 epochs) **(says more than the paper-budget run)** |" in rows["width"]
    assert "no reference run yet" in rows["hierarchy"] and "not run" in rows["hierarchy"]
    assert "| [width](../notebooks/width.ipynb) |" in rows["width"]
    assert "| [networks](../notebooks/separation.ipynb) |" in rows["networks"]
    assert intro.read_text().count("| [width](") == 1


def test_odd_widths_are_refused_where_the_help_says_even(capsys, tmp_path):
    code = hl(["run", "frobenius", "--profile", "smoke", "--out", str(tmp_path / "o"),
               "-p", "m_values", "201"])
    assert code == 2
    assert "m_values must be even; got 201" in capsys.readouterr().err


def test_from_notebook_uses_every_value_set_and_the_profile_for_the_rest():
    none = {p.name: None for p in profiles.get_spec("separation").params}
    ns = {**none, "profile": "smoke"}
    assert profiles.from_notebook("separation", ns) == profiles.resolve("separation", "smoke")
    # a value in the cell is the one used, even where it equals another profile's value
    assert profiles.from_notebook("separation", {**ns, "m": 64})["m"] == 64
    assert profiles.from_notebook("separation", {**ns, "m": 500})["m"] == 500
    reference = profiles.from_notebook("separation", {**none, "profile": "reference"})
    assert reference["epochs"] == 800
    assert profiles.from_notebook("separation", {**none, "profile": "reference",
                                                 "epochs": 40})["epochs"] == 40
    # a new target brings its own shape unless the cell sets it
    v2 = profiles.from_notebook("separation", {**none, "target": "parity-v2"})
    assert v2["k"] == 8
    with pytest.raises(profiles.ParameterError, match="needs k >= 8"):
        profiles.from_notebook("separation", {**none, "target": "parity-v2", "k": 6})
    # text from `papermill -p` is parsed like `hl run -p`
    text = profiles.from_notebook("separation", {**ns, "N_values": "[300, 600]", "beta": 2})
    assert text["N_values"] == [300, 600] and text["beta"] == 2.0
    with pytest.raises(profiles.ParameterError) as err:
        profiles.from_notebook("separation", {**ns, "N_values": "300,x"})
    assert err.value._render_traceback_() == ["hl: error: N_values must be a list of int; "
                                              "got 'x'"]


@pytest.mark.slow
@pytest.mark.parametrize("given, epochs", [({"profile": "reference"}, 800),
                                           ({"profile": "reference", "epochs": 40}, 40)])
def test_under_papermill_the_cell_value_or_the_profile_is_what_runs(given, epochs, tmp_path):
    """The notebook's own first cells (parameters, then resolution) run by papermill: the
    resolved value it prints is the profile's where the cell leaves None, the cell's where
    it sets one."""
    import papermill as pm
    from nbformat.v4 import new_code_cell

    nb = nbformat.read(ROOT / "notebooks" / "separation.ipynb", as_version=4)
    first = [i for i, c in enumerate(nb.cells) if "pages.start(" in c.source][0]
    nb.cells = nb.cells[:first + 1] + [new_code_cell('print("epochs", P["epochs"])')]
    src = tmp_path / "head.ipynb"
    nbformat.write(nb, src)
    pm.execute_notebook(str(src), str(tmp_path / "out.ipynb"), parameters=given,
                        kernel_name="python3", progress_bar=False, cwd=str(ROOT))
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in out.cells[-1].outputs)
    assert printed.strip() == f"epochs {epochs}"


def test_a_niced_run_gives_its_kernels_session_the_same_niceness():
    """Under autogroup scheduling a kernel's new session would otherwise compete at nice 0."""
    import subprocess
    import sys

    if not Path("/proc/self/autogroup").exists():
        pytest.skip("no autogroup scheduling here")
    code = ("import os; from hlcore.pipeline import _keep_niceness; os.setsid(); "
            "_keep_niceness(os.getpid()); print(open('/proc/self/autogroup').read())")
    out = subprocess.run(["nice", "-n", "7", sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip().endswith("nice 7")


def test_run_json_records_the_code_the_run_started_from(cache, tmp_path, monkeypatch):
    """A long run's checkout may move on before it ends: commit and hashes are taken at the
    start, and the compute hash is the one the book compares reference runs against."""
    from hlcore.pages import compute_hash
    from hlcore.store import source_hash

    commits = iter(["a" * 40, "b" * 40])
    monkeypatch.setattr(pipeline, "git_commit",
                        lambda: {"commit": next(commits), "commit_dirty": False})

    def execute(src, dst, **kw):  # the notebook unexecuted: only the provenance is tested
        shutil.copy(src, dst)

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    pipeline.run_notebook("protocol", "smoke", out_dir=tmp_path / "out")
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["commit"] == "a" * 40
    assert run["compute_hash"] == compute_hash("protocol")
    assert "hlcore.protocol" in run["compute_modules"] and "hlcore.plots" not in run["compute_modules"]
    assert run["hlcore_source_hash"] == source_hash()


def test_the_committed_toc_lists_the_registrys_pages_in_book_order():
    """`hl book` writes the Figures part from the registry; the committed _toc.yml (for a reader
    who runs jupyter-book by hand) must say the same."""
    import yaml

    assert yaml.safe_load(pipeline.book_toc()) == yaml.safe_load(
        (pipeline.REPO_ROOT / "_toc.yml").read_text())


@pytest.mark.slow
def test_plain_papermill_refuses_an_unknown_parameter(tmp_path, monkeypatch):
    """papermill only warns about a name the parameters cell lacks; the notebook's first cell
    refuses it, as `hl run -p foo 1` does."""
    import papermill

    monkeypatch.setenv("HL_CACHE", str(tmp_path / "cache"))
    with pytest.raises(papermill.PapermillExecutionError, match="unknown parameter 'foo'"):
        papermill.execute_notebook(str(pipeline.notebook_path("sample-gap")),
                                   str(tmp_path / "out.ipynb"),
                                   parameters={"profile": "smoke", "foo": 1,
                                               "out_dir": str(tmp_path / "out")},
                                   cwd=str(pipeline.REPO_ROOT), progress_bar=False,
                                   log_output=False)

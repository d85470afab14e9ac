"""tools/extend_ridges.py: a committed run's kernels refitted over a longer ridge path equal a
run made with that path from the start, and a refit that disagrees is refused."""
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hlcore import pages, profiles, restamp
from hlcore.cli import main as hl

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("extend_ridges", ROOT / "tools" / "extend_ridges.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

SHORT, LONG = [1e-3, 1e-1], [1e-3, 1e-1, 1.0, 10.0]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Smoke runs of the separation page (networks and kernels) with the short and the long
    ridge path, one cache: the long one's networks are the short one's."""
    base = tmp_path_factory.mktemp("extend-ridges")
    mp = pytest.MonkeyPatch()
    mp.setenv("HL_CACHE", str(base / "cache"))
    try:
        for name, ridges in (("short", SHORT), ("long", LONG)):
            assert hl(["run", "separation", "--profile", "smoke", "-p", "ridges",
                       json.dumps(ridges), "--out", str(base / name)]) == 0
    finally:
        mp.undo()
    return base


def _committed(runs, tmp_path) -> Path:
    """The short run, published as if it were the reference run."""
    root = tmp_path / "reference"
    (root / "separation").mkdir(parents=True)
    published = []
    for csv in (runs / "short").glob("*.csv"):
        shutil.copy(csv, root / "separation" / csv.name)
        published.append(csv.name)
    run = json.loads((runs / "short" / "run.json").read_text())
    run.update(profile="reference", compute_hash=pages.compute_hash("separation"),
               machine="test", commit="0" * 40, published=published + ["run.json"])
    (root / "separation" / "run.json").write_text(json.dumps(run))
    return root


def _kernels(t):
    k = t[t["fit"] == "ridge"]
    return k.sort_values(["learner", "N", "m", "seed", "ridge"]).reset_index(drop=True)


def test_extended_tables_equal_a_run_with_the_long_path(runs, tmp_path, monkeypatch):
    root = _committed(runs, tmp_path)
    resolve = profiles.resolve
    monkeypatch.setattr(profiles, "resolve", lambda name, profile, **kw: {
        **resolve(name, profile, **kw), "ridges": LONG})
    before = pd.read_csv(root / "separation" / "separation_grid.csv")
    assert tool.main(["separation"], root=root) == 0
    folder = root / "separation"
    grid, fig = (pd.read_csv(folder / f) for f in ("separation_grid.csv", "separation.csv"))
    fresh, fresh_fig = (pd.read_csv(runs / "long" / f)
                        for f in ("separation_grid.csv", "separation.csv"))
    # the committed rows stay as they were, in their order, the new ridges' rows added
    kept = grid[grid["ridge"].isna() | grid["ridge"].isin(SHORT)].reset_index(drop=True)
    cols = [c for c in before.columns if not c.startswith("selected_")]
    pd.testing.assert_frame_equal(kept[cols], before[cols])
    a, b = _kernels(grid), _kernels(fresh)
    assert len(a) == len(b) == len(_kernels(before)) * len(LONG) // len(SHORT)
    for err in restamp.ERRORS:
        np.testing.assert_allclose(a[err], b[err], rtol=1e-9)
    for col in ("selected_val", "selected_test"):  # the same choices, networks' included
        assert grid[col].astype(bool).tolist() == fresh[col].astype(bool).tolist()
    keys = ["learner", "N", "seed"]
    f, g = (x.sort_values(keys).reset_index(drop=True) for x in (fig, fresh_fig))
    for col in ("test_error", "test_error_paper_rule", "val_error", "ridge"):
        np.testing.assert_allclose(f[col], g[col], rtol=1e-9)
    run = json.loads((folder / "run.json").read_text())
    assert run["parameters"]["ridges"] == LONG
    (stamp,) = run["ridges_extended"]
    assert stamp["ridges_added"] == [1.0, 10.0] and stamp["tables"] == ["separation_grid"]
    assert stamp["max_relative_difference"] <= restamp.TOLERANCE
    assert "Ridges 1, 10 added" in pages.reference("separation", root).provenance()
    assert tool.main(["separation"], root=root) == 0  # now nothing to do
    assert json.loads((folder / "run.json").read_text()) == run


def test_a_refit_that_disagrees_is_refused_and_nothing_written(runs, tmp_path, monkeypatch,
                                                              capsys):
    root = _committed(runs, tmp_path)
    path = root / "separation" / "separation_grid.csv"
    grid = pd.read_csv(path)
    grid.loc[grid[grid["fit"] == "ridge"].index[0], "val_error"] *= 1.001
    grid.to_csv(path, index=False)
    text = path.read_text()
    resolve = profiles.resolve
    monkeypatch.setattr(profiles, "resolve", lambda name, profile, **kw: {
        **resolve(name, profile, **kw), "ridges": LONG})
    assert tool.main(["separation"], root=root) == 1
    assert "val_error" in capsys.readouterr().err
    assert path.read_text() == text and not list(path.parent.glob("*.extended"))


def test_a_path_that_drops_or_adds_no_ridge_is_refused(runs):
    grid = pd.read_csv(runs / "short" / "separation_grid.csv")
    P = {**profiles.resolve("separation", "smoke"), "ridges": SHORT}
    with pytest.raises(ValueError, match="leave out"):
        restamp.extend_ridges(grid, None, P, [1e-3, 10.0])
    with pytest.raises(ValueError, match="add nothing"):
        restamp.extend_ridges(grid, None, P, SHORT)


def test_a_run_with_a_pass_in_progress_is_left_alone(runs, tmp_path, capsys):
    """A pending pass reads the kernels' old rows from its cache: --extend would refuse it."""
    root = _committed(runs, tmp_path)
    (root / "separation" / "pending.jsonl").write_text("")
    assert tool.main(["separation"], root=root) == 2
    assert "publish it first" in capsys.readouterr().err

"""tools/run_by_configuration.py: a pass one configuration at a time, several at once, that
resumes; the whole pass then reads every configuration from the cache."""
import importlib.util
import json
from pathlib import Path

import pandas as pd

from hlcore.cli import main as hl

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("run_by_configuration",
                                              ROOT / "tools" / "run_by_configuration.py")
rbc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rbc)


def test_each_configuration_runs_once_and_the_whole_pass_reads_them(tmp_path, monkeypatch):
    monkeypatch.setenv("HL_CACHE", str(tmp_path / "cache"))
    out, lines = tmp_path / "runs", []
    done = rbc.run_all("width", [0.1], [1e-4, 1e-3], [], out, jobs=2, profile="smoke", nice=1,
                       log=lines.append)
    assert sorted(done) == [(0.1, 1e-4, 0), (0.1, 1e-3, 0)], lines
    for wd in ("0.0001", "0.001"):
        run = json.loads((out / f"lr0.1-wd{wd}" / "run.json").read_text())
        assert run["parameters"]["lrs"] == [0.1]
        assert run["parameters"]["weight_decays"] == [float(wd)]
        assert "done in" in (out / f"lr0.1-wd{wd}.log").read_text()  # a log each
    assert rbc.run_all("width", [0.1], [1e-4, 1e-3], [], out, profile="smoke",
                       log=lines.append) == []  # resumed: nothing left
    assert lines[-1] == "0 of 2 configurations to run, 2 at a time"

    whole = tmp_path / "whole"
    assert hl(["run", "width", "--profile", "smoke", "-p", "lrs", "[0.1]", "-p",
               "weight_decays", "[1e-4, 1e-3]", "--out", str(whole)]) == 0
    assert "0 computed in this run" in json.loads((whole / "run.json").read_text())["cache"][0]
    grid = pd.read_csv(whole / "width_grid.csv")
    assert sorted(grid["weight_decay"].dropna().unique()) == [1e-4, 1e-3]


def test_the_grid_is_not_given_twice(capsys):
    import pytest

    with pytest.raises(SystemExit):
        rbc.main(["width", "--lrs", "0.1", "--weight-decays", "0", "--out", "x",
                  "-p", "lrs", "[0.1]"])
    assert "--lrs and --weight-decays" in capsys.readouterr().err

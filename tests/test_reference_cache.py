"""tools/reference_cache.py: a pass's finished configurations carried from one session's
cache to the next through a committed file, trained once."""
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from hlcore import make_target
from hlcore.store import ResultStore
from hlcore.train import train_grid

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("reference_cache",
                                              ROOT / "tools" / "reference_cache.py")
rc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rc)


def test_saved_entries_are_found_by_a_run_in_a_new_cache(tmp_path):
    t = make_target("parity-v3", d=10, k=5, g_degree=2)
    first, second = tmp_path / "session1", tmp_path / "session2"
    results = tmp_path / "reference"
    (results / "width").mkdir(parents=True)
    kw = dict(N=100, seeds=[0], epochs=2, n_val=50, n_test=50, weight_decays=[0.0, 1e-3],
              lrs=[0.1], device="cpu")
    done = train_grid(t, "3layer", m=8, store=ResultStore(first), **kw)
    train_grid(t, "3resnet", m=8, store=ResultStore(first), **kw)
    train_grid(t, "3layer", m=16, store=ResultStore(first), **kw)

    assert rc.save("width", first, ["3layer"], [8], results=results) == 2  # not 3resnet, m = 16
    assert rc.restore("width", second, results=results) == (2, 0)
    assert rc.restore("width", second, results=results) == (0, 2)  # nothing overwritten
    again = train_grid(t, "3layer", m=8, store=ResultStore(second), **kw)
    assert again["cached"].all()
    cols = [c for c in done.columns if c != "cached"]
    pd.testing.assert_frame_equal(again[cols], done[cols])
    assert not train_grid(t, "3resnet", m=8, store=ResultStore(second), **kw)["cached"].any()

    # a later session adds its own entries to the ones it restored
    train_grid(t, "3layer", m=8, store=ResultStore(second), **{**kw, "lrs": [0.1, 0.2]})
    assert rc.save("width", second, ["3layer"], [8], results=results) == 4


def test_save_needs_a_committed_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="no committed run of nothing"):
        rc.save("nothing", tmp_path, results=tmp_path)


def test_status_counts_what_is_pending(tmp_path, capsys):
    import json

    (tmp_path / "width").mkdir()
    net = [{"learner": "3layer", "fit": "sgd", "m": 2000, "seed": s, "lr": lr,
            "weight_decay": wd} for s, lr, wd in ((0, 0.1, 1e-4), (1, 0.1, 1e-4), (0, 0.2, 1e-3))]
    ker = [{"learner": "2layer(NTK)", "fit": "ridge", "m": 2000, "seed": 0, "lr": None,
            "weight_decay": None, "ridge": r} for r in (1e-3, 1e-1)]
    lines = [{"key": f"k{i}", "rows": [r]} for i, r in enumerate(net)] + [
        {"key": "kernel", "rows": ker}]
    (tmp_path / "width" / "pending.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in lines))
    assert rc.status("width", tmp_path) == [
        "2layer(NTK) at m = 2000: ridge paths of 1 seed(s)",
        "3layer at m = 2000: 3 configurations (seed, lr, decay); lr 0.1: 2, lr 0.2: 1"]
    assert rc.status("sensitivity", tmp_path) == []
    cache = tmp_path / "cache"  # a pass in progress: its cache's entries count too
    (cache / "results" / "ab").mkdir(parents=True)
    (cache / "results" / "ab" / "ab12.json").write_text(json.dumps(
        [{**net[0], "seed": 2}]))
    assert rc.status("width", tmp_path, cache)[1].startswith("3layer at m = 2000: 4 config")

"""tools/publish_reference.py --extend: a pass over a page's wide widths appended to its
committed run, on synthetic folders (no training)."""
import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from hlcore import profiles

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("publish_reference",
                                              ROOT / "tools" / "publish_reference.py")
publish = importlib.util.module_from_spec(spec)
spec.loader.exec_module(publish)


def _folder(path: Path, P: dict, widths, hash_="h" * 8, published=True) -> Path:
    path.mkdir(parents=True)
    rows = [{"learner": "3resnet", "beta": b, "m": m, "seed": s, "lr": 0.1, "test_error": 0.5}
            for b in P["betas"] for m in widths for s in range(P["seeds"])]
    pd.DataFrame(rows).to_csv(path / "sensitivity_grid.csv", index=False)
    pd.DataFrame([{"alpha": 0.3, "beta": 1.0, "m": 16}]).to_csv(path / "sensitivity_map.csv",
                                                                index=False)
    run = {"notebook": "sensitivity", "profile": "reference", "parameters": P,
           "compute_hash": hash_, "commit": "c" * 40, "start": "2026-12-07T07:00:00",
           "duration_seconds": 60.0, "overrides": {}}
    if published:
        run["published"] = ["sensitivity_grid.csv", "sensitivity_map.csv", "run.json"]
    (path / "run.json").write_text(json.dumps(run))
    return path


@pytest.fixture
def runs(tmp_path):
    P = profiles.resolve("sensitivity", "reference")
    committed = {k: v for k, v in P.items() if not k.startswith("wide_")}
    added = {**P, "m_values": P["wide_m_values"], "lrs": P["wide_lrs"],
             "weight_decays": P["wide_weight_decays"], "wide_m_values": [],
             "map_alphas": [0.3], "map_N": 100}  # the map is judged by no verdict
    dst = _folder(tmp_path / "committed", committed, P["m_values"])
    return P, dst, _folder(tmp_path / "pass", added, P["wide_m_values"], published=False), added


def test_extend_appends_the_wide_widths_and_records_the_pass(runs):
    P, dst, pass_dir, added = runs
    run = json.loads((pass_dir / "run.json").read_text())
    merged = publish.extend("sensitivity", pass_dir, ["sensitivity_grid"], run, dst)
    grid = pd.read_csv(dst / "sensitivity_grid.csv.extended")
    assert sorted(grid["m"].unique()) == sorted(P["m_values"] + P["wide_m_values"])
    assert grid.iloc[0]["m"] == P["m_values"][0]  # the committed rows first
    assert merged["parameters"] == P
    assert merged["duration_seconds"] == 60.0 and merged["start"].startswith("2026-12-07")
    (part,) = merged["extended"]
    assert part["widths"] == P["wide_m_values"] and part["tables"] == ["sensitivity_grid"]
    assert not (pass_dir / "sensitivity_grid.csv.extended").exists()  # nothing written there


def test_extend_refuses_other_code_other_grids_and_repeated_widths(runs, tmp_path):
    P, dst, pass_dir, added = runs
    run = json.loads((pass_dir / "run.json").read_text())
    with pytest.raises(ValueError, match="compute hashes differ"):
        publish.extend("sensitivity", pass_dir, ["sensitivity_grid"],
                       {**run, "compute_hash": "other"}, dst)
    with pytest.raises(ValueError, match="pass run's lrs"):
        publish.extend("sensitivity", pass_dir, ["sensitivity_grid"],
                       {**run, "parameters": {**added, "lrs": [1.0]}}, dst)
    with pytest.raises(ValueError, match="pass run's epochs"):
        publish.extend("sensitivity", pass_dir, ["sensitivity_grid"],
                       {**run, "parameters": {**added, "epochs": 100}}, dst)
    same = _folder(tmp_path / "same", added, P["m_values"], published=False)
    with pytest.raises(ValueError, match="the pass has widths"):
        publish.extend("sensitivity", same, ["sensitivity_grid"], run, dst)


def test_extend_is_refused_for_a_page_without_wide_widths(runs):
    with pytest.raises(ValueError, match="no wide_m_values"):
        publish.extend_parameters("separation", {}, {})


def test_the_provenance_line_names_the_added_widths_and_the_pass(runs):
    from hlcore import pages

    P, dst, pass_dir, added = runs
    run = json.loads((pass_dir / "run.json").read_text())
    merged = publish.extend("sensitivity", pass_dir, ["sensitivity_grid"], run, dst)
    merged["extended"][-1]["note"] = "hl plan put this pass at 34 min."
    line = pages.ReferenceRun("sensitivity", dst, merged).provenance()
    widths = ", ".join(str(m) for m in P["wide_m_values"])
    assert f"Added on 2026-12-07 at commit `cccccccccc`: widths {widths}, by a pass" in line
    assert "(1 min)" in line and "hl plan put this pass at 34 min." in line


def test_a_refused_table_leaves_nothing_written(runs):
    P, dst, pass_dir, added = runs
    run = json.loads((pass_dir / "run.json").read_text())
    with pytest.raises(ValueError, match="not a table this tool published"):
        publish.extend("sensitivity", pass_dir, ["sensitivity_grid", "sensitivity_beta"], run,
                       dst)
    assert not list(dst.glob("*.extended"))


def _width_folder(path: Path, P: dict, widths, learners, published=True) -> Path:
    path.mkdir(parents=True)
    rows = [{"learner": n, "m": m, "seed": s, "lr": 0.1, "test_error": 0.5}
            for n in learners for m in widths for s in range(P["seeds"])]
    pd.DataFrame(rows).to_csv(path / "width_grid.csv", index=False)
    run = {"notebook": "width", "profile": "reference", "parameters": P, "compute_hash": "h",
           "commit": "c" * 40, "start": "2026-12-07T07:00:00", "duration_seconds": 60.0,
           "overrides": {}}
    if published:
        run["published"] = ["width_grid.csv", "run.json"]
    (path / "run.json").write_text(json.dumps(run))
    return path


def test_wide_widths_land_in_passes_and_a_capped_network_stays_below_its_cap(tmp_path,
                                                                              monkeypatch):
    """The width page's wide widths arrive in two passes (m = 1000, 2000 with every network,
    then 5000, 10000 without the capped 3-layer network); each pass appends its widths, and the
    run's wide_m_values says which the tables hold. A capped network above its cap, or a width
    the profile does not add, is refused. The first committed run predates the caps."""
    spec = profiles.get_spec("width")  # a reference profile that goes on past the cap
    monkeypatch.setitem(spec.profiles, "reference", {**spec.profiles["reference"],
                                                     "wide_m_values": [1000, 2000, 5000, 10000]})
    P = profiles.resolve("width", "reference")
    assert P["capped_learners"] == ["3layer"] and P["capped_max_m"] == 2000
    old = {k: v for k, v in P.items() if not k.startswith(("wide_", "capped_"))}
    dst = _width_folder(tmp_path / "committed", old, P["m_values"], P["learners"])
    wide = {**P, "lrs": P["wide_lrs"], "weight_decays": P["wide_weight_decays"],
            "wide_m_values": []}
    first = {**wide, "m_values": [1000, 2000]}
    first.pop("capped_learners"), first.pop("capped_max_m")  # run by code before the caps
    one = _width_folder(tmp_path / "one", first, [1000, 2000], P["learners"], published=False)
    run = json.loads((one / "run.json").read_text())
    merged = publish.extend("width", one, ["width_grid"], run, dst)
    assert merged["parameters"]["wide_m_values"] == [1000, 2000]
    assert merged["extended"][0]["widths"] == [1000, 2000]
    # commit the first pass (what main() does), then the wider one
    (dst / "width_grid.csv.extended").replace(dst / "width_grid.csv")
    (dst / "run.json").write_text(json.dumps(merged))
    second = {**wide, "m_values": [5000, 10000]}
    nets = [n for n in P["learners"] if n != "3layer"]
    two = _width_folder(tmp_path / "two", second, [5000, 10000], nets, published=False)
    merged = publish.extend("width", two, ["width_grid"],
                            json.loads((two / "run.json").read_text()), dst)
    assert merged["parameters"]["wide_m_values"] == [1000, 2000, 5000, 10000]
    assert [e["widths"] for e in merged["extended"]] == [[1000, 2000], [5000, 10000]]
    grid = pd.read_csv(dst / "width_grid.csv.extended")
    assert sorted(grid[grid["learner"] == "3layer"]["m"].unique()) == [100, 200, 500, 1000, 2000]

    capped = _width_folder(tmp_path / "capped", second, [5000], P["learners"], published=False)
    with pytest.raises(ValueError, match="above the profile's cap m = 2000"):
        publish.extend("width", capped, ["width_grid"],
                       json.loads((capped / "run.json").read_text()), dst)
    with pytest.raises(ValueError, match="not some of the profile's wide_m_values"):
        publish.extend("width", two, ["width_grid"],
                       {**json.loads((two / "run.json").read_text()),
                        "parameters": {**second, "m_values": [3000]}}, dst)


def test_a_pass_may_add_one_network_at_a_width_the_others_already_have(tmp_path):
    """m = 2000 first without the 3-layer network (its cap held at 1000 in the pass), then the
    whole width again, the others' rows the same (read from one cache): only the 3-layer network
    is added. The run's cap says what the tables hold after each, the provenance names the
    network added, and a cell whose rows differ, a hole or a pass that adds nothing is refused."""
    from hlcore import pages

    P = profiles.resolve("width", "reference")
    base = {k: v for k, v in P.items() if not k.startswith(("wide_", "capped_"))}
    dst = _width_folder(tmp_path / "committed", base, P["m_values"], P["learners"])
    wide = {**P, "lrs": P["wide_lrs"], "weight_decays": P["wide_weight_decays"],
            "wide_m_values": []}
    nets = P["learners"] + ["3resnet(NTK)", "2layer(last)"]

    def extend(folder, widths, learners, seeds=P["seeds"], error=0.5):
        d = _width_folder(tmp_path / folder, {**wide, "m_values": widths, "seeds": seeds},
                          widths, learners, published=False)
        if error != 0.5:
            grid = pd.read_csv(d / "width_grid.csv").assign(test_error=error)
            grid.to_csv(d / "width_grid.csv", index=False)
        run = json.loads((d / "run.json").read_text())
        return publish.extend("width", d, ["width_grid"],
                              {**run, "parameters": {**run["parameters"], "seeds": P["seeds"]}},
                              dst)

    def commit(merged):
        (dst / "width_grid.csv.extended").replace(dst / "width_grid.csv")
        (dst / "run.json").write_text(json.dumps(merged))
        return merged

    merged = commit(extend("m1000", [1000], nets))
    assert merged["parameters"]["capped_max_m"] == 1000
    merged = commit(extend("m2000", [2000], [n for n in nets if n != "3layer"]))
    assert merged["parameters"]["wide_m_values"] == [1000, 2000]
    assert merged["parameters"]["capped_max_m"] == 1000  # 3layer not yet at m = 2000
    assert "3layer to m = 1000" in pages.budget_text(merged["parameters"])

    for folder, kw, match in (
            ("again", dict(learners=nets[:1]), "adds nothing"),
            ("other", dict(learners=nets, error=0.4), "already has 2layer at m = 2000, .*"
                                                       "with other results"),
            ("short", dict(learners=["3layer"], seeds=P["seeds"] - 1),
             r"would lack 3layer at m = 2000 \(seeds \[2\]\)")):
        with pytest.raises(ValueError, match=match):
            extend(folder, [2000], **kw)
    assert not list(dst.glob("*.extended"))

    merged = commit(extend("all", [2000], nets))
    assert merged["parameters"]["capped_max_m"] == 2000
    grid = pd.read_csv(dst / "width_grid.csv")
    assert len(grid[grid["m"] == 2000]) == len(nets) * P["seeds"]  # nothing twice
    assert merged["extended"][-1]["learners"] == ["3layer"]
    assert "learners" not in merged["extended"][0]
    line = pages.ReferenceRun("width", dst, merged).provenance()
    assert "Added on 2026-12-07 at commit `cccccccccc`: 3layer at m = 2000, by a pass" in line
    assert ": widths 1000, by a pass" in line

"""The quick profiles against the committed reference runs (issue: a quick book whose own runs
answer). Where a quick profile runs a sub-lattice of its reference run (same epochs, N, data
sizes; fewer learning rates, decays, widths or seeds), its verdicts are predicted exactly by
the reference tables cut to that lattice: they must agree with the reference verdicts, with no
chosen value at a grid edge (the quick grid brackets every reference optimum it meets)."""
import pandas as pd
import pytest

from hlcore import claims, pages, profiles, quick
from hlcore.claims import Budget

#: pages whose quick profile is designed as a sub-lattice of the reference run
SUB_LATTICE = ("width", "sensitivity", "frobenius")


@pytest.mark.parametrize("name", SUB_LATTICE)
def test_quick_profile_is_a_sub_lattice_of_the_reference_run(name):
    assert quick.quick_prediction(name) is not None, (
        f"{name}'s quick profile is no longer a sub-lattice of its reference run: its verdict "
        f"can no longer be checked against the reference tables")


@pytest.mark.parametrize("name", SUB_LATTICE)
def test_quick_verdicts_cut_from_the_reference_run_agree_with_it(name):
    predicted = quick.quick_prediction(name)
    ref = pages.reference(name)
    page = pages.PAGES[name]
    reference = {name: page.verdict(ref.tables, ref.P)} if page.verdict else {}
    reference.update({c: fn(ref.tables, ref.P) for c, (fn, _) in page.more.items()})
    for claim, v in predicted.items():
        assert v.verdict == reference[claim].verdict, (claim, v.summary(), v.notes)
        assert not v.budget.edges, (f"{claim}: the quick grid does not bracket the reference "
                                    f"run's choices: {v.budget.edges[:5]}")


def test_a_quick_sensitivity_run_with_two_seeds_would_say_more_than_the_reference():
    """Why the quick profile has 3 seeds: the failure the reference run found is seed 2's."""
    spec = profiles.get_spec("sensitivity")
    old = spec.profiles["quick"]["seeds"]
    try:
        spec.profiles["quick"]["seeds"] = 2
        v = quick.quick_prediction("sensitivity")["sensitivity"]
    finally:
        spec.profiles["quick"]["seeds"] = old
    assert v.verdict == claims.REPRODUCED


def test_quick_prediction_refuses_a_profile_off_the_reference_lattice():
    # separation's quick runs 40 epochs, its reference 800: only a run can tell
    assert quick.quick_prediction("separation") is None


def test_edge_places_reads_where_each_edge_sits():
    lines = ["3resnet: lr 1 at the top of its grid (beta=0.3, N=1000, m=100, seed=2)",
             "2layer: weight_decay 0.02 at the top of its grid"]
    assert claims.edge_places(lines) == [{"beta": 0.3, "N": 1000.0, "m": 100.0, "seed": 2.0},
                                         None]


def test_a_failure_at_a_cell_chosen_inside_its_grid_is_settled():
    failing = pd.DataFrame({"beta": [0.5, 0.3], "m": [100, 100], "seed": [2, 2]})
    keys = ("beta", "m", "seed")
    at = "3resnet: lr 1 at the top of its grid (beta={}, N=1000, m=100, seed=2)"
    both = Budget(epochs=800, grid="g", seeds=3, edges=[at.format(0.5), at.format(0.3)])
    one = Budget(epochs=800, grid="g", seeds=3, edges=[at.format(0.5)])
    short = Budget(epochs=100, grid="g", seeds=3)
    nowhere = Budget(epochs=800, grid="g", seeds=3, edges=["3resnet: lr 1 at the top"])
    assert not claims.failure_settled(failing, both, keys)  # every failing cell at an edge
    assert claims.failure_settled(failing, one, keys)  # beta = 0.3's choice is interior
    assert not claims.failure_settled(failing, short, keys)  # below the paper's epochs
    assert not claims.failure_settled(failing, nowhere, keys)  # an edge that could be anywhere
    assert claims.failure_settled(failing, Budget(epochs=800, grid="g", seeds=3), keys)


def test_an_open_quick_verdict_names_the_run_that_would_settle_it(monkeypatch):
    monkeypatch.setitem(pages._RUNS, "width", {"profile": "quick"})
    monkeypatch.setitem(pages._RUNS, "theorem4", {"profile": "quick"})
    width = quick.closing_step("width")
    assert "hl run width --profile reference" in width and "(reproduced)" in width
    if pages.reference("theorem4") is None:
        assert "hl plan theorem4 --profile reference" in quick.closing_step("theorem4")
    monkeypatch.setitem(pages._RUNS, "width", {"profile": "reference"})
    assert quick.closing_step("width") == ""  # a paper-budget run has nothing above it


def test_a_quick_run_says_how_its_profile_relates_to_the_paper_budget_run(monkeypatch):
    for name in ("width", "separation"):
        monkeypatch.setitem(pages._RUNS, name, {**profiles.resolve(name, "quick")})
    assert "subset of the paper-budget run's configurations" in quick.quick_design("width")
    text = quick.quick_design("separation")
    assert "40 of its 800 epochs" in text and pages.PAGES["separation"].quick_note in text
    monkeypatch.setitem(pages._RUNS, "separation", profiles.resolve("separation", "smoke"))
    assert quick.quick_design("separation") == ""  # said of the quick profile only


def test_a_searched_table_without_choices_is_cut_to_the_quick_lattice_too():
    """Frobenius's verdict reads its search's history (every recorded epoch of every model):
    cut to the quick lattice like the models, its smallest norms can only grow."""
    predicted = quick.quick_prediction("frobenius")["frobenius"]
    ref = pages.reference("frobenius")
    full = pages.PAGES["frobenius"].verdict(ref.tables, ref.P)
    cut = predicted.numbers["sgd_smallest_norm_there"]
    assert (cut.values >= full.numbers["sgd_smallest_norm_there"].values).all()
    assert (cut.values > full.numbers["sgd_smallest_norm_there"].values).any()
    assert "20 configurations" in predicted.clauses[2].detail


def test_a_quick_profile_with_wide_widths_is_not_predicted():
    """A reference run's wide widths are on their own grid; a quick profile that runs none is
    cut from the rest (sensitivity's reference has m = 500 and 1000 on the quick grid), one that
    runs some would need a cut per grid, which quick_prediction does not make."""
    assert pages.reference("sensitivity").P["wide_m_values"]
    assert quick.is_sub_lattice("sensitivity")
    spec = profiles.get_spec("sensitivity")
    old = spec.profiles["quick"]["wide_m_values"]
    try:
        spec.profiles["quick"]["wide_m_values"] = [500]
        assert not quick.is_sub_lattice("sensitivity")
        assert quick.quick_prediction("sensitivity") is None
    finally:
        spec.profiles["quick"]["wide_m_values"] = old


def test_theorem4s_quick_run_settles_the_time_clause_the_reference_run_fails():
    """Theorem 4's quick profile is no sub-lattice (100 epochs), yet it agrees with the
    paper-budget verdict: at its largest ResNet d, the strongest map's exact solve (from the
    reference run's exact features) costs less than one configuration at the paper's epochs on
    the search's first N, so the time clause fails at any budget."""
    from hlcore.plan import Task

    ref = pages.reference("theorem4")
    assert pages.PAGES["theorem4"].verdict(ref.tables, ref.P).clauses[2].short is False
    Q = profiles.resolve("theorem4", "quick")
    d = max(Q["resnet_d_values"])
    f = ref.tables["theorem4_features"]
    f = f[(f["d"] == d) & ~f["censored"].astype(bool)]
    least = {k: Task("train", "3resnet", Q["N0"], Q["m"], d, k, configs=1,
                     epochs=claims.PAPER_EPOCHS, n_eval=0).flops() for k in Q["k_values"]}
    assert any(float(f[f["k"] == k]["d_star"].min()) ** 3 < least[k] for k in Q["k_values"])


def test_a_cap_above_the_quick_widths_keeps_the_quick_profile_a_sub_lattice(monkeypatch):
    """The width run caps the 3-layer network at m = 2000; the quick profile (m = 100) runs
    nothing the cap removes, so it stays predicted, and would not if it ran above the cap."""
    ref = pages.reference("width")
    capped = pages.ReferenceRun("width", ref.folder, {
        **ref.run, "parameters": {**ref.P, "capped_learners": ["3layer"], "capped_max_m": 50}})
    monkeypatch.setattr(pages, "reference", lambda name, root=None: capped)
    assert not quick.is_sub_lattice("width")  # quick's m = 100 is above a cap of 50
    capped.run["parameters"]["capped_max_m"] = 2000
    assert quick.is_sub_lattice("width")

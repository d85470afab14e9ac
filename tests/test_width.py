"""The width page's larger widths (issue: the paper's width range at its budget): m_values on the
whole grid, wide_m_values on a grid of their own, each choice judged against its own grid."""
import pandas as pd

from hlcore import claims, profiles, sweep as sw
from hlcore.pages import width as W


def test_wide_widths_are_a_second_sweep_on_their_own_grid_without_infinite_kernels():
    P = profiles.resolve("width", "smoke", wide_m_values=[48], wide_lrs=[0.05, 0.2],
                         kernels=["2layer(NTK)", "2layer(NTK-inf)"])
    main, wide = W._parts(P)
    assert main["m"] == [16, 32] and main["lrs"] == P["lrs"]
    assert wide["m"] == [48] and wide["lrs"] == [0.05, 0.2]
    assert wide["kernels"] == ["2layer(NTK)"]  # the infinite-width kernel has no width
    assert len(W._parts(profiles.resolve("width", "quick"))) == 1  # off unless asked for
    # hl plan counts the wide sweep, on its grid
    configs = {t.m: t.configs for t in W.tasks(P) if t.kind == "train"}
    assert configs[48] == 2 * len(P["wide_weight_decays"]) and configs[16] == len(P["lrs"])


def test_each_width_is_judged_against_the_grid_it_was_searched_on():
    P = profiles.resolve("width", "smoke", wide_m_values=[24], wide_lrs=[0.05, 0.1, 0.2],
                         learners=["2layer"], kernels=["2layer(NTK)"], m_values=[16])
    table = pd.concat([sw.sweep(profiles.page_target(P), N_values=[P["N"]], seeds=1,
                                epochs=P["epochs"], n_val=P["n_val"], n_test=P["n_test"],
                                ridges=P["ridges"], device="cpu", **part)
                       for part in W._parts(P)], ignore_index=True)
    assert set(table["m"]) == {16, 24}
    table = table[table["learner"] == "2layer"]
    assert set(table[table["m"] == 24]["lr"]) == {0.05, 0.1, 0.2}
    edges = claims.Budget.of(P, table).edges
    # m = 16 has one learning rate (0.1): its only value; m = 24 has three
    assert any("lr 0.1 at the only value" in e and "m=16" in e for e in edges)
    assert not any("only value" in e and "lr" in e and "m=24" in e for e in edges)


def test_the_sensitivity_page_searches_its_wide_widths_on_their_own_grid():
    from hlcore.pages import sensitivity as S

    P = profiles.resolve("sensitivity", "smoke", wide_m_values=[24], wide_lrs=[0.05, 0.2])
    main, wide = S._parts(P)
    assert main["m"] == [16] and wide == {"m": [24], "lrs": [0.05, 0.2],
                                          "weight_decays": P["wide_weight_decays"]}
    configs = [t.configs for t in S.tasks(P) if t.kind == "train" and t.m == 24]
    assert configs and set(configs) == {2 * len(P["wide_weight_decays"])}
    assert len(S._parts(profiles.resolve("sensitivity", "quick"))) == 1


def test_range_cost_covers_the_papers_widths_measured_where_run_planned_elsewhere(monkeypatch):
    """One row per width of the paper's figure; a width of the committed reference run shows its
    measured core time (checked here against the table, summed per configuration), any other
    hl plan's, which grows as m^2 for the 3-layer network's m x m layer and as m for the others
    once the per-step overhead is gone; the glued sentence names where the run stops."""
    from hlcore import pages, plots

    glued = {}
    monkeypatch.setattr(plots, "glue",
                        lambda name, value, display=False: glued.update({name: value}))
    c = {"step_overhead_s": 0.0, "train_flops_per_s": 1e10, "torch_threads": 2,
         "kernel_entries_per_s": 1e7, "cholesky_flops_per_s": 1e10, "matmul32_flops_per_s": 1e10}
    table = W.range_cost(calibration=c)
    paper = plots.load_reference("v2_fig2a_width_sweep")
    assert list(table["m"]) == sorted(paper["m"].unique())
    assert list(table.columns) == ["m", "3resnet", "3layer", "2layer"]
    grid = pages.reference("width").tables["width_grid"]
    for n in ["3resnet", "3layer", "2layer"]:  # each network where it ran (3layer has a cap)
        ran_n = set(grid.loc[grid["learner"] == n, "m"])
        for m in paper.loc[paper["learner"] == n, "m"].unique():
            cell = table[table["m"] == m].iloc[0][n]
            assert cell.startswith("ran: ") == (m in ran_n), (n, m, cell)
    ran = sorted(grid.loc[grid["learner"] == "3layer", "m"].unique())
    g = grid[(grid["learner"] == "3layer") & (grid["m"] == ran[-1])]
    core = (g["group_seconds"] / g["group_size"]).sum()
    from hlcore.plan import _human
    assert table[table["m"] == ran[-1]].iloc[0]["3layer"] == f"ran: {_human(core)}"
    # beyond the run: planned, and beyond the paper's 3layer range (m = 5000): none
    assert table[table["m"] == 10000].iloc[0]["3layer"] == "not in the paper's figure"
    row = table[table["m"] == 100000].iloc[0]
    assert row["3resnet"].startswith("≈") and "GPU" in row["3resnet"]
    nxt = min(m for m in table["m"] if m > ran[-1])
    assert (f"3layer to m = {ran[-1]:,} (the paper's next, m = {nxt:,}: "
            in glued["width.range"]), glued["width.range"]

    # the planned core time scales with the layers' widths: m^2 for 3layer, m for the ResNet
    from hlcore.plan import estimate_seconds
    R = profiles.resolve("width", "reference")
    P = {**R, "lrs": R["wide_lrs"], "weight_decays": R["wide_weight_decays"]}
    t = profiles.page_target(P)

    def cost(learner, m):
        tasks = W.sweep_cost(P, t, [learner], [], [1000], [m], 3)
        return sum(estimate_seconds(x, c) for x in tasks)
    assert 0.9 * 6.25 < cost("3layer", 5000) / cost("3layer", 2000) < 1.1 * 6.25
    assert 1.9 < cost("3resnet", 100000) / cost("3resnet", 50000) < 2.01


def test_the_key_number_names_the_widths_its_verdict_covers():
    """The scorecard's key number carries the verdict's scope: the widths run beside the
    paper's figure's, read from the run's table (here a committed run, and a cut of it)."""
    from hlcore import pages

    assert (pages.width_range([100, 500, 200], [100, 100000])
            == "m = 100-500 of the paper's 100-100,000")
    assert pages.width_range([200], [100, 200]) == "m = 200 of the paper's 100-200"
    for name in ("width", "sensitivity"):
        ref = pages.reference(name)
        key = pages.PAGES[name].key(ref.tables, ref.P)
        ms = ref.tables[f"{name}_grid"]["m"]
        assert key.endswith(f"m = {ms.min():,}-{ms.max():,} of the paper's 100-"
                            f"{'100,000' if name == 'width' else '20,000'}"), key


def test_the_figure_has_a_tick_at_every_width_of_either_curve():
    """The paper's curves run past ours (to m = 100000 and 20000): their widths are labelled
    too, the widest as thousands."""
    import matplotlib.pyplot as plt

    from hlcore import pages

    for name, widest in (("width", "100k"), ("sensitivity", "20k")):
        ref = pages.reference(name)
        fig = pages.PAGES[name].figure(ref.tables, ref.P)
        labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
        plt.close(fig)
        assert labels[0] == "100" and "5000" in labels and labels[-1] == widest, labels


def test_a_capped_network_is_trained_only_up_to_its_cap():
    """capped_learners stop at capped_max_m: the widths above it form a sweep of their own
    without them (kernels included), on the same grid; hl plan counts the same trainings."""
    import pytest

    P = profiles.resolve("width", "smoke", m_values=[16], wide_m_values=[24, 48],
                         wide_lrs=[0.05, 0.2], capped_learners=["3resnet"], capped_max_m=24,
                         kernels=["2layer(NTK)", "2layer(NTK-inf)"])
    parts = W._parts(P)
    assert [(p["m"], p["learners"]) for p in parts] == [
        ([16], ["3resnet", "2layer"]), ([24], ["3resnet", "2layer"]), ([48], ["2layer"])]
    assert parts[2]["kernels"] == ["2layer(NTK)"] and parts[2]["lrs"] == [0.05, 0.2]
    trained = {(t.learner, t.m) for t in W.tasks(P) if t.kind == "train"}
    assert ("3resnet", 48) not in trained and ("2layer", 48) in trained
    assert ("2layer(NTK)", 48) in {(t.learner, t.m) for t in W.tasks(P)}
    with pytest.raises(profiles.ParameterError, match="are not learners"):
        W._parts({**P, "capped_learners": ["3layr"]})
    assert W._parts({**P, "capped_learners": ["3layer"]})[-1]["m"] == [24, 48]  # not in this run
    # the reference profile run wider: 3layer to m = 2000, the others and the kernels on
    R = profiles.resolve("width", "reference", wide_m_values=[1000, 2000, 5000])
    top = {n: max(t.m for t in W.tasks(R) if t.learner == n) for n in R["learners"] + R["kernels"]}
    assert top.pop("3layer") == 2000 and set(top.values()) == {5000}

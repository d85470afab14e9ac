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

"""Theorem 4's page: the exact feature-map computations against independent ones, the counting
bound by hand, and every clause of its verdict on small synthetic tables."""
import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch

from hlcore import claims as C
from hlcore import featuremaps as fm
from hlcore.pages import theorem4 as T4

FULL = C.Budget(epochs=800, grid="8 points", seeds=3)


def test_fwht_gives_every_walsh_coefficient():
    d = 6
    x = fm.cube(d)
    f = torch.randn(2**d, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    w = fm.fwht(f) / 2**d
    for S in [(), (0,), (2, 5), (0, 1, 3, 4)]:
        mask = sum(1 << i for i in S)
        direct = (f * fm.parity(x, S)[:, None]).mean(dim=0)
        assert torch.allclose(w[mask], direct, atol=1e-12)
    with pytest.raises(ValueError, match="power-of-two"):
        fm.fwht(torch.zeros(6, 1))


@pytest.mark.parametrize("family", ["relu", "ntk", "monomials"])
def test_capture_is_the_projection_energy(family):
    """c_S from the Cholesky prefix equals the energy of chi_S in an orthonormal basis of
    (affine, first D features) from an SVD with a rank cut (the NTK's features are linearly
    dependent on the cube), at two prefixes."""
    d, k, D = 7, 3, 30
    fmap = fm.make_family(family, d, k, D, seed=1)
    c = fm.capture(fmap, k)
    x = fm.cube(d)
    chi = torch.stack([fm.parity(x, s) for s in itertools.combinations(range(d), k)], 1)
    for prefix in (fmap.D // 2, fmap.D):
        X = torch.cat([fm._affine(x), fmap.features(x, 0, prefix)], 1)
        U, S, _ = torch.linalg.svd(X, full_matrices=False)
        Q = U[:, : int((S > S[0] * 1e-10).sum())]
        energy = (Q.T @ chi).pow(2).sum(dim=0) / 2**d
        assert torch.allclose(c[prefix - 1], energy, atol=1e-8)
    # Bessel: the class's captured energies never sum to more than the features
    assert (c.sum(dim=1) <= torch.arange(1, len(c) + 1) + 1e-8).all()
    if family == "monomials":  # the closed form agrees with the general computation
        assert torch.allclose(c, fmap.captured(k), atol=1e-9)


def test_the_fitted_risk_is_the_formula():
    """A least-squares fit over the whole cube leaves k alpha^2 (1 - c_S), the page's gate."""
    for family in ("relu", "ntk"):
        row = T4.measure_family(8, 3, family, seed=0, D=40, alpha=0.3)
        assert row["formula_gap"] < 1e-9 and row["bessel_excess"] <= 1e-9


def test_counting_bound_by_hand():
    b = fm.counting_bound(10, 3)  # C(10, 3) = 120, c_S must reach 1/3
    assert b["class_size"] == 120 and b["c_needed"] == pytest.approx(1 / 3)
    assert b["d_need"] == 40 and b["d_safe"] == 0  # ceil(39.6), floor(0.4)
    assert fm.counting_bound(30, 4)["d_safe"] == math.floor(0.01 * math.comb(30, 4) * 0.5)
    with pytest.raises(ValueError, match="vacuous"):
        fm.counting_bound(10, 2)


def test_thresholds_reads_d_star_in_steps():
    c = torch.zeros(10, 4, dtype=torch.float64)
    c[3:, 0] = 1.0   # target 0 below from D = 4 on
    c[5:, 1:] = 0.6  # the others from D = 6 on (1 - 2/3 = 1/3 needed at k = 3)
    th = fm.thresholds(c, 3, share=0.99)
    assert th["d_star"] == 6 and th["d_above"] == 3
    assert fm.thresholds(c, 3, step=4)["d_star"] == 8  # prefixes in steps of 4 (and the last)
    assert fm.thresholds(c[:5], 3)["d_star"] is None


def synthetic(slope=3.0, below_bound=False, t_res=1e6, violation=False):
    rows = []
    for d, seed, family in itertools.product((10, 12, 14), range(2), ("relu", "monomials")):
        need = fm.counting_bound(d, 3)["d_need"]
        d_star = need * 0.5 if below_bound else need * 2 * (d / 10) ** (slope - 3)
        rows.append({"k": 3, "d": d, "family": family, "seed": seed, "D_max": 10**5,
                     "d_star": d_star, "censored": False,
                     "bessel_excess": 0.5 if violation else -1.0, "formula_gap": 1e-12})
    res = [{"k": 3, "level": level, "d": d, "seed": s, "n_star": 100, "reached": True,
            "t_res_flops": t_res * (d / 10) ** 2, "t_res_seconds": 1.0}
           for level in T4.LEVELS for d in (10, 12, 14, 16) for s in range(2)]
    return pd.DataFrame(rows), pd.DataFrame(), pd.DataFrame(res)


def test_theorem4_verdict_clauses():
    v = T4.theorem4(*synthetic(), FULL)
    assert v.verdict == C.REPRODUCED, v.summary()
    # the literal inequality is reported, never judged
    assert any("outside the asymptotic regime" in n for n in v.notes)
    # (a) a map beating the counting bound fails the gate
    assert "counting bound" in T4.theorem4(*synthetic(violation=True), FULL).failed[0]
    # (b) D* growing too slowly, or below the bound
    assert "grows" in T4.theorem4(*synthetic(slope=1.5), FULL).failed[0]
    assert "grows" in T4.theorem4(*synthetic(below_bound=True), FULL).failed[0]
    # (c) the ResNet's training costing more than an exact solve
    assert "solving" in T4.theorem4(*synthetic(t_res=1e15), FULL).failed[0]


def test_theorem4_censored_and_missing_values_are_named():
    feats, bounds, res = synthetic()
    feats.loc[feats["d"] == 14, "censored"] = True  # D* above the features computed
    v = T4.theorem4(feats, bounds, res, FULL)
    assert not v.clauses[1].judged and "need 3" in v.clauses[1].detail
    res = res[res["level"] == "alpha^2"]  # the ResNet never reached alpha^3.9
    v = T4.theorem4(synthetic()[0], bounds, res, FULL)
    assert any("did not reach risk alpha^3.9" in n for n in v.notes)


def test_a_time_failure_below_the_paper_budget_is_settled_only_by_the_least_cost():
    """Below the paper's epochs the time clause's failure stays open, unless an exact solve is
    cheaper than the least training the paper's budget allows (then no search reverses it)."""
    short = C.Budget(epochs=100, grid="3 points", seeds=2)
    args = (*synthetic(t_res=1e15), short)
    assert T4.theorem4(*args).verdict == C.INCONCLUSIVE
    # every D* here is below 1e4 features, so D*^3 < 1e12: a bound above it settles the failure
    v = T4.theorem4(*args, least_t_res=lambda k, d: 1e13)
    assert v.verdict == C.PARTLY and "fails for good" in v.clauses[2].detail
    assert v.clauses[2].short is False
    # a bound below the exact solve's cost leaves it open
    assert T4.theorem4(*args, least_t_res=lambda k, d: 1.0).verdict == C.INCONCLUSIVE
    # a pass is never settled by the bound (more epochs make T_res larger)
    assert T4.theorem4(*synthetic(), short, least_t_res=lambda k, d: 1e13).verdict \
        == C.INCONCLUSIVE


def test_the_least_t_res_is_one_configuration_at_the_papers_epochs():
    from hlcore.plan import Task

    P = {"N0": 32, "m": 500, "lrs": [0.1, 0.5], "weight_decays": [1e-4], "epochs": 100,
         "seeds": 2}
    feats, bounds, res = synthetic(t_res=1e15)
    T = {"theorem4_features": feats, "theorem4_bounds": bounds, "theorem4_resnet": res}
    v = T4.theorem4_verdict(T, P)
    d = 14  # the largest d with both D* and T_res
    least = Task("train", "3resnet", 32, 500, d, 3, configs=1, epochs=800, n_eval=0).flops()
    assert f"{least:.2e}" in v.clauses[2].detail

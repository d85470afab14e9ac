"""Every claim check on small synthetic tables: one that passes and, for each clause of its
criterion, one that fails that clause; lenient variants of the criteria must fail here."""
import itertools

import numpy as np
import pandas as pd
import pytest

from hlcore import claims as C
from hlcore import report as R
from hlcore.pages import frobenius as FRO
from hlcore.pages import hierarchy as HIE
from hlcore.pages import sample_gap as GAP
from hlcore.pages import sensitivity as SEN
from hlcore.pages import separation as SEP
from hlcore.pages import width as WID

FULL = C.Budget(epochs=800, grid="8 points", seeds=3)
SHORT = C.Budget(epochs=40, grid="3 points", seeds=3)
T = 1.35


def test_decide_four_verdicts():
    ok = lambda t="none": C.Clause("a", True, "", t)  # noqa: E731
    bad = lambda t="none": C.Clause("b", False, "", t)  # noqa: E731
    assert C.decide([ok(), ok("helps")], False) == C.REPRODUCED
    assert C.decide([ok(), bad()], False) == C.PARTLY
    assert C.decide([bad(), bad("helps")], False) == C.NOT_REPRODUCED
    # below the paper's budget a network that has not yet succeeded leaves the claim open...
    assert C.decide([ok(), bad("helps")], True) == C.INCONCLUSIVE
    # ...and so does a network that has not yet succeeded where the claim says it fails
    assert C.decide([ok(), ok("hurts")], True) == C.INCONCLUSIVE
    # a failure that training cannot undo (an exact kernel fit) stands, but "not reproduced"
    # needs every clause to fail for good: beside an open one it could still be "partly"
    assert C.decide([bad(), bad("helps")], True) == C.INCONCLUSIVE
    assert C.decide([bad(), bad("helps")], False) == C.NOT_REPRODUCED
    # a settled pass and a settled failure: "partly", whatever the open clause does
    assert C.decide([ok(), bad(), bad("helps")], True) == C.PARTLY
    # a comparison that training moves either way is open below the budget, both ways
    assert C.decide([ok(), ok("either")], True) == C.INCONCLUSIVE
    assert C.decide([ok(), bad("either")], True) == C.INCONCLUSIVE
    assert C.decide([ok(), bad("either")], False) == C.PARTLY
    # a clause the data cannot decide is open at any budget
    unjudged = C.Clause("c", True, "no rows", "none", judged=False)
    assert not unjudged.passed
    assert C.decide([ok(), unjudged], False) == C.INCONCLUSIVE
    assert C.decide([bad(), unjudged], False) == C.INCONCLUSIVE
    v = C.Verdict("x", "s", "c", C.decide([bad(), bad("helps")], True),
                  [bad(), bad("helps")], pd.DataFrame(), SHORT)
    assert v.summary() == ("inconclusive at this budget (open at this budget (40 of the "
                           "paper's 800 epochs): b. Fails for good: b)")
    with pytest.raises(ValueError, match="unknown training effect"):
        C.Clause("x", True, "", "maybe")
    assert SHORT.below_paper and not FULL.below_paper


def separation_table(resnet=0.3, kernel=2.0, seeds=3, kernel_Ns=(1000, 10000)):
    rows = []
    for s in range(seeds):
        for N in (1000, 10000):
            rows.append({"learner": "3resnet", "N": N, "seed": s,
                         "test_error": resnet if N == 10000 else 1.4})
        for k, N in itertools.product(("2layer(NTK-inf)", "3resnet(NTK)"), kernel_Ns):
            rows.append({"learner": k, "N": N, "seed": s,
                         "test_error": kernel + (0.1 if k == "3resnet(NTK)" else 0)})
    return pd.DataFrame(rows)


def test_separation():
    v = SEP.separation(separation_table(), T, FULL)
    assert v.verdict == C.REPRODUCED and len(v.numbers) == 3
    assert set(v.numbers["strongest_kernel"]) == {"2layer(NTK-inf)"}
    # clause 1: the ResNet is not below half the threshold in one seed
    t = separation_table()
    t.loc[(t.learner == "3resnet") & (t.N == 10000) & (t.seed == 2), "test_error"] = 0.9
    assert SEP.separation(t, T, FULL).verdict == C.PARTLY
    assert SEP.separation(t, T, SHORT).verdict == C.INCONCLUSIVE
    # clause 2: one kernel (the strongest rival) goes below the threshold
    t = separation_table()
    t.loc[(t.learner == "3resnet(NTK)") & (t.N == 10000), "test_error"] = 1.0
    v = SEP.separation(t, T, SHORT)
    assert v.verdict == C.PARTLY and v.failed == ["every kernel at or above k alpha^2 at "
                                                  "N = 10000, every seed, under either "
                                                  "selection rule"]
    # lenient variant: kernels compared at another N than the ResNet is refused
    with pytest.raises(ValueError, match="like-for-like"):
        SEP.separation(separation_table(kernel_Ns=(1000, 5000)), T, FULL)


def test_separation_a_seed_whose_resnet_diverged_everywhere_has_not_learned():
    t = separation_table()
    t = t[~((t.learner == "3resnet") & (t.N == 10000) & (t.seed == 1))]
    v = SEP.separation(t, T, FULL)
    assert v.verdict == C.PARTLY and "seed(s) [1]: every configuration diverged" in \
        v.clauses[0].detail


def test_separation_kernels_must_stay_above_under_the_papers_rule_too():
    t = separation_table()
    by_test = t.copy()
    by_test.loc[(by_test.learner == "2layer(NTK-inf)") & (by_test.N == 10000) &
                (by_test.seed == 0), "test_error"] = 1.2
    assert SEP.separation(t, T, FULL).verdict == C.REPRODUCED
    v = SEP.separation(t, T, FULL, paper_rule=by_test)
    assert v.verdict == C.PARTLY and not v.clauses[1].passed


def networks_table(resnet=(1.4, 0.3, 0.2), fc=(1.5, 1.2, 0.5), seeds=2):
    rows = []
    for s in range(seeds):
        for N, r, f in zip((1000, 5000, 10000), resnet, fc):
            rows += [{"learner": "3resnet", "N": N, "seed": s, "test_error": r},
                     {"learner": "3layer", "N": N, "seed": s, "test_error": f},
                     {"learner": "2layer", "N": N, "seed": s, "test_error": f + 0.3},
                     {"learner": "2layer(NTK-inf)", "N": N, "seed": s, "test_error": 2.0}]
    return pd.DataFrame(rows)


def test_networks_need_more_samples_than_the_resnet():
    v = SEP.networks(networks_table(), T, FULL)
    assert v.verdict == C.REPRODUCED
    assert "seed 0 3layer: 5000 vs 10000" in v.clauses[0].detail
    assert "seed 0 2layer: 5000 vs 10000+" in v.clauses[0].detail  # 2layer never: censored
    # 3layer gets there as early as the ResNet: the first clause fails
    v = SEP.networks(networks_table(fc=(1.5, 0.5, 0.4)), T, FULL)
    assert v.verdict == C.PARTLY and "smaller N" in v.failed[0]
    # below the paper's budget a comparison of two networks can move either way
    assert SEP.networks(networks_table(), T, SHORT).verdict == C.INCONCLUSIVE
    # neither ever learns most of it: nothing to compare
    v = SEP.networks(networks_table(resnet=(1.4, 1.3, 1.2)), T, FULL)
    assert not v.clauses[0].passed
    v = SEP.networks(networks_table(resnet=(1.4, 1.3, 1.2), fc=(1.5, 1.4, 1.3)), T, FULL)
    assert not v.clauses[0].judged and v.verdict == C.INCONCLUSIVE
    with pytest.raises(ValueError, match="fully connected"):
        t = networks_table()
        SEP.networks(t[t.learner.isin(["3resnet", "2layer(NTK-inf)"])], T, FULL)


def width_table(resnet=0.3, fc=0.9, kernel=1.5):
    rows = []
    for m, s in itertools.product((100, 200, 500), range(3)):
        rows += [{"learner": "3resnet", "m": m, "seed": s, "test_error": resnet},
                 {"learner": "3layer", "m": m, "seed": s, "test_error": fc},
                 {"learner": "2layer", "m": m, "seed": s, "test_error": fc + 0.2},
                 {"learner": "3resnet(NTK)", "m": m, "seed": s, "test_error": kernel},
                 {"learner": "2layer(last)", "m": m, "seed": s, "test_error": kernel + 5}]
    return pd.DataFrame(rows)


def test_width():
    assert WID.width(width_table(), 0.72, FULL).verdict == C.REPRODUCED
    t = width_table()
    t.loc[(t.learner == "3resnet") & (t.m == 500) & (t.seed == 1), "test_error"] = 0.8
    v = WID.width(t, 0.72, FULL)
    assert v.verdict == C.PARTLY and len(v.failed) == 1 and "below k alpha^2" in v.failed[0]
    assert WID.width(t, 0.72, SHORT).verdict == C.INCONCLUSIVE  # the 100-epoch situation
    t = width_table(fc=0.25)  # a fully connected network beats the ResNet
    assert "below every other network" in WID.width(t, 0.72, FULL).failed[0]
    t = width_table()
    t.loc[(t.learner == "3resnet(NTK)") & (t.seed == 0), "test_error"] = 0.7
    assert WID.width(t, 0.72, SHORT).verdict == C.PARTLY
    # a lenient variant that judged the mean over seeds would pass this: every seed counts
    t = width_table()
    t.loc[(t.learner == "3resnet") & (t.seed == 0) & (t.m == 100), "test_error"] = 0.75
    assert WID.width(t, 0.72, FULL).verdict != C.REPRODUCED


def test_width_says_what_is_missing():
    # the ResNet missing at one width (every configuration diverged): not learned there
    t = width_table()
    t = t[~((t.learner == "3resnet") & (t.m == 500) & (t.seed == 2))]
    v = WID.width(t, 0.72, FULL)
    assert v.verdict == C.PARTLY and "[[500, 2]]" in v.clauses[0].detail
    # the ResNet diverged everywhere (a grid of too large learning rates): judged, not learned
    t = width_table()
    v = WID.width(t[t.learner != "3resnet"], 0.72, FULL, trained={"3resnet"})
    assert v.verdict != C.REPRODUCED and not v.clauses[0].passed
    assert "every configuration diverged" in v.clauses[0].detail
    with pytest.raises(ValueError, match="no rows for 3resnet"):  # not run at all
        WID.width(t[t.learner != "3resnet"], 0.72, FULL)
    # no other network at all: refused, not "reproduced"
    t = width_table()
    with pytest.raises(ValueError, match="other networks"):
        WID.width(t[~t.learner.isin(["3layer", "2layer"])], 0.72, FULL)
    # another network missing at one (m, seed): that comparison cannot be judged
    t = width_table()
    t = t[~(t.learner.isin(["3layer", "2layer"]) & (t.m == 100) & (t.seed == 0))]
    v = WID.width(t, 0.72, FULL)
    assert v.verdict == C.INCONCLUSIVE and not v.clauses[1].judged


def test_width_kernels_must_stay_above_under_the_papers_rule_too():
    t = width_table()
    by_test = t.copy()
    by_test.loc[(by_test.learner == "3resnet(NTK)") & (by_test.m == 100), "test_error"] = 0.7
    assert WID.width(t, 0.72, FULL).verdict == C.REPRODUCED
    assert WID.width(t, 0.72, FULL, paper_rule=by_test).verdict == C.PARTLY


def test_kernels_chosen_at_the_largest_ridge_are_named():
    """A kernel chosen at the largest ridge of its path is named (a larger ridge could lower
    its error); one chosen inside the path, or at the smallest ridge, is not."""
    rows = []
    for m, seed in itertools.product((100, 200), (0, 1)):
        for ridge in (1e-3, 1e-1, 1.0):
            best = 1.0 if (m, seed) == (100, 1) else 1e-1
            err = 8.0 if ridge == best else 9.0
            rows.append(dict(learner="2layer(last)", fit="ridge", N=1000, m=m, seed=seed,
                             ridge=ridge, lr=np.nan, val_error=err, test_error=err - 0.1,
                             diverged=False,
                             selected_val=ridge == best))
        rows.append(dict(learner="3resnet", fit="sgd", N=1000, m=m, seed=seed, ridge=np.nan,
                         lr=0.1, val_error=0.1, test_error=0.1, selected_val=True,
                         diverged=False))
    top = C.ridge_top_choices(pd.DataFrame(rows))
    assert top[["learner", "m", "seed"]].values.tolist() == [["2layer(last)", 100, 1]]
    (note,) = WID._ridge_note(top, 0.72)
    assert note.startswith("1 kernel choice(s) at the largest ridge tried (1)")
    assert "2layer(last) at m = 100." in note and "7.9, 11.0 times k alpha^2" in note
    assert WID._ridge_note(top.iloc[:0], 0.72) == []
    v = WID.width(width_table(), 0.72, FULL, ridge_top=top)
    assert v.verdict == C.REPRODUCED and v.notes == [note]


def test_a_network_absent_at_some_widths_is_named():
    t = width_table()
    t = t[~((t.learner == "3layer") & (t.m == 500))]
    assert WID._absent_networks(t, ["3resnet", "3layer", "2layer"]) == [
        "3layer is not in this run at m = 500: there the ResNet is compared with the other "
        "networks only."]
    assert WID._absent_networks(width_table(), ["3resnet", "3layer", "2layer"]) == []


def test_width_statement_matches_the_papers_data():
    v = WID.width(width_table(), 0.72, FULL)
    assert "only the ResNet" not in v.statement and "0.53-0.62" in v.statement
    assert "[ours: every seed" in v.criterion


def sensitivity_table(learn=0.3, unlearn=0.85):
    rows = [{"beta": b, "m": m, "seed": s, "test_error": learn if b >= 0.3 else unlearn}
            for b, m, s in itertools.product((1, 0.5, 0.3, 0.2, 0), (200, 1000), range(2))]
    return pd.DataFrame(rows)


def test_sensitivity():
    assert SEN.sensitivity(sensitivity_table(), 0.3, 0.72, FULL).verdict == C.REPRODUCED
    # an under-trained network "fails" on the unlearnable cells for free: not counted
    assert SEN.sensitivity(sensitivity_table(), 0.3, 0.72, SHORT).verdict == C.INCONCLUSIVE
    t = sensitivity_table()
    t.loc[(t.beta == 0.3) & (t.m == 1000), "test_error"] = 0.9
    v = SEN.sensitivity(t, 0.3, 0.72, FULL)
    assert v.verdict == C.PARTLY
    # the failing cells, each beside the paper's point at its (beta, m) (0.176 at m = 1000)
    assert "fails at beta = 0.3, m = 1000, seed 0: 0.9 (paper 0.176); beta = 0.3, m = 1000, " \
           "seed 1: 0.9 (paper 0.176)" in v.clauses[0].detail
    t = sensitivity_table()
    t.loc[(t.beta == 0.2) & (t.seed == 1), "test_error"] = 0.5
    v = SEN.sensitivity(t, 0.3, 0.72, FULL)
    assert v.verdict == C.PARTLY and "beta < alpha" in v.failed[0]
    assert "fails at beta = 0.2, m = 200, seed 1: 0.5 (paper 0.91)" in v.clauses[1].detail
    assert "fails at" not in v.clauses[0].detail
    assert SEN.sensitivity(sensitivity_table(learn=0.9, unlearn=0.5), 0.3, 0.72,
                         FULL).verdict == C.NOT_REPRODUCED


def test_sensitivity_one_side_of_the_beta_split_cannot_decide_the_claim():
    t = sensitivity_table()
    v = SEN.sensitivity(t[t.beta >= 0.3], 0.3, 0.72, FULL)
    assert v.verdict == C.INCONCLUSIVE and not v.clauses[1].judged
    assert "cannot be judged" in v.summary().lower()
    v = SEN.sensitivity(t[t.beta < 0.3], 0.3, 0.72, FULL)
    assert v.verdict == C.INCONCLUSIVE and not v.clauses[0].judged


def test_sensitivity_not_learned_must_hold_under_the_papers_rule_too():
    t = sensitivity_table()
    by_test = t.copy()
    by_test.loc[(by_test.beta == 0.0) & (by_test.m == 200) & (by_test.seed == 0),
                "test_error"] = 0.6
    assert SEN.sensitivity(t, 0.3, 0.72, FULL).verdict == C.REPRODUCED
    v = SEN.sensitivity(t, 0.3, 0.72, FULL, paper_rule=by_test)
    assert v.verdict == C.PARTLY and "paper's rule 0.6" in v.clauses[1].detail


def frobenius_tables(sgd_norms=(300.0, 400.0), sgd_train=(0.1, 0.01), sgd_test=(0.9, 0.95),
                     hand_levels=2):
    hand = pd.DataFrame({"train_error": [0.12, 0.037, 0.011], "test_error": [0.12, 0.037, 0.011],
                         "frobenius_norm": [61.4, 79.4, 87.3]}).iloc[:hand_levels]
    sgd = pd.DataFrame({"train_error": sgd_train, "val_error": [0.9, 0.95], "test_error": sgd_test,
                        "frobenius_norm": sgd_norms})
    return hand, sgd


def test_frobenius():
    v = FRO.frobenius(*frobenius_tables(), FULL)
    assert v.verdict == C.REPRODUCED
    assert v.numbers.iloc[0]["sgd_smallest_norm_there"] == 300.0
    assert list(v.numbers["sgd_smallest_norm_there"]) == [300.0, 400.0]  # both levels
    # the norm clause: SGD fits the training set at a norm below the hand-made one
    v = FRO.frobenius(*frobenius_tables(sgd_norms=(50.0, 400.0)), FULL)
    assert v.verdict == C.PARTLY and "smallest norm" in v.failed[0]
    # the test clause alone fails when SGD generalises
    v = FRO.frobenius(*frobenius_tables(sgd_test=(0.2, 0.3)), FULL)
    assert v.failed == ["SGD's best test error over every model is at least 3 times the "
                        "easiest hand-made network's"]
    # SGD never reaches the hand-made train error: no norm to compare, open at any budget
    for budget in (SHORT, FULL):
        v = FRO.frobenius(*frobenius_tables(sgd_train=(0.4, 0.35)), budget)
        assert v.verdict == C.INCONCLUSIVE and not v.clauses[0].judged
        assert "cannot be judged" in v.summary().lower().lower()
    no_hand = frobenius_tables()[0].iloc[:0]
    assert FRO.frobenius(no_hand, frobenius_tables()[1], SHORT).verdict == C.INCONCLUSIVE


def test_frobenius_needs_a_margin_at_every_level_reached():
    # a ratio just above 1 is not "much larger" [ours: NORM_MARGIN]
    v = FRO.frobenius(*frobenius_tables(sgd_norms=(62.0, 400.0)), FULL)
    assert v.verdict == C.PARTLY and "ratio 1.01" in v.clauses[0].detail
    # the hardest level fails the margin while the easiest passes
    v = FRO.frobenius(*frobenius_tables(sgd_norms=(300.0, 100.0), hand_levels=2), FULL)
    assert v.verdict == C.PARTLY
    # a level SGD never reached is named, the others judged
    v = FRO.frobenius(*frobenius_tables(sgd_train=(0.1, 0.02), hand_levels=3), FULL)
    assert v.verdict == C.REPRODUCED and "0.011: no SGD model got there" in v.clauses[0].detail


def test_frobenius_one_sgd_model_that_generalises_refutes_the_negative_claim():
    hand, sgd = frobenius_tables()
    # chosen on validation tests badly, but another model tests as well as the hand-made one
    sgd = pd.concat([sgd, pd.DataFrame({"train_error": [0.3], "val_error": [0.99],
                                        "test_error": [0.13], "frobenius_norm": [500.0]})])
    v = FRO.frobenius(hand, sgd, FULL)
    assert v.verdict == C.PARTLY and "best 0.13" in v.clauses[1].detail


def test_frobenius_notes_the_papers_value_and_the_panel_beyond_the_paper():
    hand, sgd = frobenius_tables()
    beyond = pd.DataFrame({"N": [1000, 5000, 20000], "d": 40, "test_error": [0.95, 0.8, 0.2]})
    v = FRO.frobenius(hand, sgd, FULL, paper_best_test=0.699, beyond=beyond)
    assert "0.9 here, 0.699 in the paper" in v.notes[0]
    assert "generalises (below 0.36) from N = 20000" in v.notes[1]
    v = FRO.frobenius(hand, sgd, FULL, beyond=beyond.assign(test_error=0.9))
    assert "does not generalise (below 0.36) at any N up to 20000 (12.5 d^2)" in v.notes[0]
    assert v.verdict == C.REPRODUCED  # notes never change the verdict


def test_frobenius_checkpoints_and_a_small_norm_at_a_higher_train_error():
    hand, sgd = frobenius_tables()
    # a small-norm model that fits worse than the hand-made network does not count (pinned)
    small = pd.DataFrame({"train_error": [0.5], "val_error": [0.9], "test_error": [0.9],
                          "frobenius_norm": [10.0]})
    assert FRO.frobenius(hand, pd.concat([sgd, small]), FULL).verdict == C.REPRODUCED
    # an earlier checkpoint that fits as well at a small norm does
    ckpt = pd.DataFrame({"train_error": [0.1], "frobenius_norm": [70.0], "test_error": [0.9]})
    v = FRO.frobenius(hand, sgd, FULL, checkpoints=ckpt)
    assert v.verdict == C.PARTLY and v.numbers.iloc[0]["sgd_smallest_norm_there"] == 70.0


def gap_table(resnet=lambda d: 10 * d, kernel=lambda d: d**2, seeds=2, cube=0.01):
    rows = []
    for d, s in itertools.product((20, 24, 28, 32), range(seeds)):
        jitter = 1 + 0.02 * s
        rows += [{"learner": "3resnet", "d": d, "seed": s, "n_star": int(resnet(d) * jitter),
                  "reached": True, "cube_fraction": cube},
                 {"learner": "2layer(NTK-inf)", "d": d, "seed": s,
                  "n_star": int(kernel(d) * jitter), "reached": True, "cube_fraction": cube},
                 {"learner": "2layer(last-inf)", "d": d, "seed": s,
                  "n_star": int(kernel(d) * 1.1 * jitter * (d / 20) ** 2), "reached": True,
                  "cube_fraction": cube}]
    return pd.DataFrame(rows)


def test_sample_gap():
    kernels = ["2layer(NTK-inf)", "2layer(last-inf)"]
    v = GAP.sample_gap(gap_table(), kernels, FULL)
    assert v.verdict == C.REPRODUCED
    # the strongest kernel is the smallest N* at each d (the NTK; last-inf grows faster)
    assert set(v.numbers["strongest_kernel"]) == {"2layer(NTK-inf)"}
    # lenient variant: taking the kernel with the largest exponent (last-inf, slope 4) would
    # call a gap that grows faster than the strongest kernel's (slope 2) shows; with a ResNet of
    # slope 2 the honest check sees no growing gap
    v = GAP.sample_gap(gap_table(resnet=lambda d: d**2 / 4), kernels, FULL)
    assert v.verdict == C.PARTLY and "exponent" in v.failed[0]
    # the gap clause: a kernel that needs fewer samples than the ResNet at one d
    t = gap_table()
    t.loc[(t.learner == "2layer(NTK-inf)") & (t.d == 20), "n_star"] = 100
    assert "fewer samples" in GAP.sample_gap(t, kernels, FULL).failed[0]
    # on a tie at the cap, a kernel that reached the threshold is the stronger one
    t = gap_table()
    t.loc[t.learner == "2layer(last-inf)", "n_star"] = t.loc[t.learner == "2layer(NTK-inf)",
                                                             "n_star"].to_numpy()
    t.loc[t.learner == "2layer(NTK-inf)", "reached"] = False
    v = GAP.sample_gap(t, kernels, FULL)
    assert set(v.numbers["strongest_kernel"]) == {"2layer(last-inf)"}
    assert (v.numbers["kernel_censored"] == "").all() and v.verdict == C.REPRODUCED
    # a training set over 10 % of the cube is refused
    with pytest.raises(ValueError, match="10% of the input cube"):
        GAP.sample_gap(gap_table(cube=0.5), kernels, FULL)
    # fewer than three measured dimensions of the ResNet: no exponent, the clause fails
    t = gap_table()
    t.loc[(t.learner == "3resnet") & (t.d >= 28), "reached"] = False
    v = GAP.sample_gap(t, kernels, FULL)
    assert "need 3" in v.clauses[1].detail and not v.clauses[1].judged
    assert np.isnan(GAP.fit_exponent(t[t.learner == "3resnet"])["slope"])


def capped(t, d, learner, cap):
    """Rows of `learner` at dimension d that did not reach the threshold by the cap."""
    sel = (t.learner == learner) & (t.d == d) if learner else (t.d == d)
    t.loc[sel, "n_star"] = cap
    t.loc[sel, "reached"] = False
    return t


def test_sample_gap_censored_values():
    kernels = ["2layer(NTK-inf)", "2layer(last-inf)"]
    # (a) the ResNet reaches the threshold exactly at the cap, the kernels never do: a gap
    t = gap_table()
    for k in kernels:
        t = capped(t, 32, k, 5000)
    t.loc[(t.learner == "3resnet") & (t.d == 32), "n_star"] = 5000
    v = GAP.sample_gap(t, kernels, FULL)
    assert v.clauses[0].passed, v.clauses[0].detail
    # (b) a dimension where neither reaches the threshold says nothing
    t = capped(gap_table(), 32, None, 5000)
    v = GAP.sample_gap(t, kernels, FULL)
    assert v.clauses[0].passed and "(cannot say)" in v.clauses[0].detail
    # (c) kernels that never reach it at large d: the strongest evidence, bounded one-sidedly
    t = gap_table(resnet=lambda d: 10 * d, kernel=lambda d: d**3)
    for d in (28, 32):
        for k in kernels:
            t = capped(t, d, k, int(d**3 * 1.3))
    v = GAP.sample_gap(t, kernels, FULL)
    assert v.verdict == C.REPRODUCED and "at least" in v.clauses[1].detail
    # ...but a one-sided bound below the ResNet's exponent decides nothing
    t = gap_table(resnet=lambda d: d**2, kernel=lambda d: 4 * d**2)
    for d in (24, 28, 32):
        for k in kernels:
            t = capped(t, d, k, 4 * 20**2)
    v = GAP.sample_gap(t, kernels, FULL)
    assert not v.clauses[1].judged and v.verdict == C.INCONCLUSIVE
    # (d) reaching the threshold at the first N tried is an upper bound, not a value
    t = gap_table().assign(n_first=32)
    t.loc[(t.learner == "2layer(NTK-inf)") & (t.d == 20), "n_star"] = 32
    t.loc[(t.learner == "3resnet") & (t.d == 20), "n_star"] = 32
    v = GAP.sample_gap(t, kernels, FULL)
    row = v.numbers[(v.numbers.d == 20)].iloc[0]
    assert row["kernel_censored"] == "below" and row["gap"] is None
    assert "32- vs 32- (cannot say)" in v.clauses[0].detail
    fit = GAP.fit_exponent(t[t.learner == "3resnet"])
    assert fit["points"] == 6  # d = 20 left out of the fit


def test_sample_gap_a_missing_resnet_row_is_an_error():
    t = gap_table()
    t = t[~((t.learner == "3resnet") & (t.d == 24) & (t.seed == 1))]
    with pytest.raises(ValueError, match="no 3resnet row at d = 24, seed 1"):
        GAP.sample_gap(t, ["2layer(NTK-inf)"], FULL)


def test_fit_exponent_recovers_a_power_law_with_an_honest_error():
    d = np.array([16, 20, 24, 32] * 3, float)
    rng = np.random.default_rng(0)
    t = pd.DataFrame({"d": d, "n_star": 3 * d**2 * np.exp(rng.normal(0, 0.1, len(d))),
                      "reached": True})
    fit = GAP.fit_exponent(t)
    assert abs(fit["slope"] - 2) < 3 * fit["stderr"] and 0 < fit["stderr"] < 0.5


def test_alpha_exponent_recovers_alpha_to_the_fourth():
    rng = np.random.default_rng(1)
    alphas = np.repeat([0.1, 0.2, 0.3, 0.4], 2)
    grid = pd.DataFrame({"alpha": alphas, "beta": 1.0,
                         "test_error": 5 * alphas**4 * np.exp(rng.normal(0, 0.1, len(alphas)))})
    fit = SEN.alpha_exponent(grid)
    assert abs(fit["slope"] - 4) < 3 * fit["stderr"] and fit["stderr"] < 0.5
    assert np.isnan(SEN.alpha_exponent(grid[grid.alpha < 0.25])["slope"])
    assert np.isnan(SEN.alpha_exponent(grid, beta=0.5)["slope"])


def hierarchy_table(joint=0.3, layer=1.3):
    rows = [{"learner": scheme, "N": N, "seed": s, "test_error": v}
            for N, s in itertools.product((2000, 10000), range(3))
            for scheme, v in (("joint", joint), ("layer-wise", layer), ("3layer", 1.2))]
    return pd.DataFrame(rows)


def test_hierarchy():
    assert HIE.hierarchy(hierarchy_table(), T, FULL).verdict == C.REPRODUCED
    # where neither scheme learned (small N), the ratio says nothing and is not judged
    t = hierarchy_table()
    t.loc[(t.N == 2000) & (t.learner != "3layer"), "test_error"] = 1.5
    assert HIE.hierarchy(t, T, FULL).verdict == C.REPRODUCED
    assert HIE.hierarchy(hierarchy_table(), T, SHORT).verdict == C.INCONCLUSIVE
    v = HIE.hierarchy(hierarchy_table(layer=0.4), T, FULL)
    assert v.verdict == C.PARTLY and "layer-wise" in v.failed[0]
    # (a) joint training never learned: the ratio cannot be judged, and nothing is settled
    # below the paper's budget; at it the first clause fails for good, the ratio stays open
    v = HIE.hierarchy(hierarchy_table(joint=1.4, layer=1.5), T, SHORT)
    assert v.verdict == C.INCONCLUSIVE and not v.clauses[1].judged
    v = HIE.hierarchy(hierarchy_table(joint=1.4, layer=1.5), T, FULL)
    assert v.verdict == C.INCONCLUSIVE
    assert "Fails for good: joint training below half" in v.summary()


def test_hierarchy_judges_the_ratio_where_joint_training_learned_most():
    # (b) a layer-wise network that learned F alone scores about k alpha^2 = 1.35; where joint
    # training has learned only part of alpha G(F) (1.0 at N = 2000) the ratio says nothing
    t = hierarchy_table(joint=0.2, layer=1.4)
    t.loc[(t.N == 2000) & (t.learner == "joint"), "test_error"] = 1.0
    v = HIE.hierarchy(t, T, FULL)
    assert v.verdict == C.REPRODUCED and "at N = 10000" in v.clauses[1].detail
    # the quick run's point: 3resnet 1.06 at N = 2000 is not "learned most"
    t.loc[(t.N == 2000) & (t.learner == "joint"), "test_error"] = 1.06
    assert HIE.hierarchy(t, T, FULL).verdict == C.REPRODUCED
    # (c) a failed ratio below the paper's budget is not settled
    v = HIE.hierarchy(hierarchy_table(joint=0.3, layer=0.45), T, SHORT)
    assert v.verdict == C.INCONCLUSIVE and not v.clauses[1].passed


def test_verdicts_save_and_render(tmp_path):
    v = WID.width(width_table(), 0.72, SHORT)
    v.save(tmp_path / "verdict.json")
    loaded = R.load(tmp_path / "verdict.json")
    # below the paper's epochs the ResNet's lead over 3layer could still change either way
    assert loaded["verdict"] == C.INCONCLUSIVE and loaded["budget"]["below_paper"]
    md = R.report_markdown({"width": loaded})
    assert ("**Verdict: inconclusive at this budget (open at this budget (40 of the paper's "
            "800 epochs): 3resnet below every other network") in md and "| epochs | 40 | 800 |" in md
    assert "| best other network |" in md and "Numbers per seed" in md  # headers wrap


def test_nan_rows_are_refused_not_skipped():
    t = separation_table()
    t.loc[(t.learner == "3resnet(NTK)") & (t.N == 10000) & (t.seed == 0), "test_error"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SEP.separation(t, T, FULL)
    t = width_table()
    t.loc[0, "test_error"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        WID.width(t, 0.72, FULL)
    g = gap_table()
    g.loc[0, "n_star"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GAP.sample_gap(g, ["2layer(NTK-inf)"], FULL)


def test_budget_says_where_the_paper_ran_no_experiment():
    for v in (HIE.hierarchy(hierarchy_table(), T, FULL),
              GAP.sample_gap(gap_table(), ["2layer(NTK-inf)"], FULL)):
        md = R.report_markdown({v.claim: v.to_dict()})
        assert "| epochs | 800 | 800 (the paper ran no experiment here" in md
    md = R.report_markdown({"width": WID.width(width_table(), 0.72, FULL).to_dict()})
    assert "| epochs | 800 | 800 |" in md


def test_budget_reads_the_epochs_off_the_table():
    P = {"epochs": 800, "lrs": [0.1, 0.2], "weight_decays": [0.0], "seeds": 3}
    rows = pd.DataFrame({"epochs": [100.0, 800.0, np.nan]})  # a kernel row has no epochs
    b = C.Budget.of(P, rows)
    assert b.epochs == 100 and b.below_paper and b.grid == "2 learning rates x 1 weight decays"
    assert not C.Budget.of(P).below_paper


def test_budget_names_edges_of_a_table_of_chosen_configurations_only():
    """The hierarchy page keeps only each seed's chosen learning rate: one at the top or bottom
    of its grid is named an edge, so a negative reading of it stays open."""
    P = {"epochs": 800, "lrs": [0.1, 0.2, 0.5], "weight_decay": 1e-4, "seeds": 3}
    rows = pd.DataFrame({"learner": ["joint", "joint", "layer-wise"], "N": [1000] * 3,
                         "seed": [0, 1, 0], "lr": [0.2, 0.5, 0.1], "epochs": [800] * 3})
    b = C.Budget.of(P, rows)
    assert b.edges == ["joint: lr 0.5 at the top of its grid (N=1000, seed=1)",
                       "layer-wise: lr 0.1 at the bottom of its grid (N=1000, seed=0)"]
    assert b.short and not b.below_paper
    assert not C.Budget.of(P, rows.iloc[:1]).edges
    assert not C.Budget.of({**P, "lrs": [0.2]}, rows.iloc[:1]).edges  # no grid: no edge
    # each scheme its own grid: layer-wise's 0.1 is interior in one reaching down to 0.05
    grids = {"joint": [0.1, 0.2, 0.5], "layer-wise": [0.05, 0.1, 0.2, 0.5]}
    assert C.chosen_edges(rows, grids) == ["joint: lr 0.5 at the top of its grid (N=1000, "
                                           "seed=1)"]
    from hlcore import pages

    P2 = {**P, "layerwise_lrs": grids["layer-wise"]}
    assert pages.hierarchy.hierarchy_lrs(P2)["layer-wise"] == [0.05, 0.1, 0.2, 0.5]
    assert pages.hierarchy.hierarchy_lrs(P)["layer-wise"] == P["lrs"]  # a run made before the option


def test_edges_read_whole_numbers_as_integers():
    """A width column that also holds the infinite kernels' inf is float: m=32, not m=32.0."""
    grid = _decay_grid(lambda lr, wd: lr, beta=1.0)
    kernel = grid.iloc[:1].assign(learner="2layer(NTK-inf)", fit="kernel", m=np.inf)
    edges, _ = C._grid_edges(pd.concat([grid, kernel], ignore_index=True))
    assert edges == ["3resnet: lr 0.1 at the bottom of its grid (N=100, m=8, seed=0)"]


def test_edge_notes_count_each_edge_once():
    edges = [f"3resnet: weight_decay 0.05 at the top of its grid (beta=0, m=100, seed={s})"
             for s in range(3)] + ["3resnet: lr 0.01 at the bottom of its grid (seed=2)"]
    assert C._edge_lines(edges) == [
        "3resnet: weight_decay 0.05 at the top of its grid in 3 cases",
        "3resnet: lr 0.01 at the bottom of its grid (seed=2)"]


def _decay_grid(val, beta, decay="weight", lrs=(0.1, 0.2, 0.5), wds=(0.0, 1e-3)):
    return pd.DataFrame([{"target": "t", "beta": beta, "learner": "3resnet", "fit": "sgd",
                          "N": 100, "m": 8, "seed": 0, "data_seed": 0, "lr": lr,
                          "weight_decay": wd, "epochs": 800, "decay": decay,
                          "val_error": val(lr, wd), "test_error": val(lr, wd) + 0.01,
                          "diverged": False} for lr in lrs for wd in wds])


def test_decay_limit_is_scored_like_a_grid_member_and_a_choice_of_it_is_no_edge():
    from hlcore.train import mark_selected

    falling = lambda lr, wd: 1.0 - wd - lr / 100  # noqa: E731  top decay, top lr: two edges
    grid = mark_selected(pd.concat([
        _decay_grid(lambda lr, wd: abs(lr - 0.2) + wd, 1.0),  # interior, beats zero
        _decay_grid(falling, 0.0),  # zero (0.9) beats every trained model
        _decay_grid(falling, 0.5),  # trained beats zero (1.5): its edges stay
        _decay_grid(falling, 0.3, decay="displacement"),  # another limit: left alone
    ], ignore_index=True))
    zero = pd.DataFrame({"target": "t", "beta": [1.0, 0.0, 0.5, 0.3], "N": 100, "data_seed": 0,
                         "train_error": 9.0, "val_error": [5.0, 0.9, 1.5, 0.1],
                         "test_error": [5.0, 0.72, 1.5, 0.1]})
    out = C.with_decay_limit(grid, zero)
    assert len(out) == len(grid) + 3 * 3  # one limit row per learning rate, decay="weight" only
    chosen = out[out["selected_val"]].set_index("beta")
    assert np.isinf(chosen.loc[0.0, "weight_decay"]) and chosen.loc[0.0, "test_error"] == 0.72
    assert chosen.loc[0.5, "weight_decay"] == 1e-3 and chosen.loc[1.0, "lr"] == 0.2
    assert chosen.loc[0.3, "weight_decay"] == 1e-3  # displacement: no limit row to choose
    assert np.isinf(out[out["selected_test"] & (out["beta"] == 0.0)]["weight_decay"]).all()
    b = C.Budget.of({"lrs": [0.1, 0.2, 0.5], "weight_decays": [0.0, 1e-3], "seeds": 1}, out)
    assert b.closed == ["3resnet: the zero function, weight decay's limit (beta=0, N=100, m=8, "
                        "seed=0)"]
    assert sorted(b.edges) == sorted(
        f"3resnet: {p} at the top of its grid (beta={beta}, N=100, m=8, seed=0)"
        for beta in ("0.3", "0.5") for p in ("lr 0.5", "weight_decay 0.001"))
    v = C._verdict("c", "s", "k", [C.Clause("x", True, "d")], pd.DataFrame(), b)
    assert "zero function" in v.notes[0] and "beta=0, N=100" in v.notes[0]
    with pytest.raises(ValueError, match="no zero-function errors"):
        C.with_decay_limit(grid, zero.iloc[:2])


def test_sample_gap_names_edges_where_the_search_failed(tmp_path):
    """The N* search records what it chose at each N; a failing evaluation whose choice sits
    at a grid's edge (a wider grid could lower N*) is an edge of the verdict's budget."""
    from hlcore import gap, make_target, pages
    from hlcore.store import ResultStore

    target = make_target("theorem2", d=8, k=4, alpha=0.3, seed=0)
    kw = dict(m=8, lrs=[0.01, 0.1], weight_decays=[0.0], epochs=2, ridges=[1e-3, 1e-1],
              n_val=50, n_test=50, device="cpu", store=ResultStore(tmp_path))
    net = gap.chosen_config(target, "3resnet", 40, 0, is_learner=True, **kw)
    ker = gap.chosen_config(target, "2layer(NTK-inf)", 40, 0, is_learner=False, **kw)
    assert net["lr"] in (0.01, 0.1) and net["weight_decay"] == 0.0
    assert ("lr 0.01 at the bottom" if net["lr"] == 0.01 else "lr 0.1 at the top") in net["edge"]
    assert ker["ridge"] in (1e-3, 1e-1) and "ridge" in ker["edge"] and np.isnan(ker["lr"])
    assert gap.chosen_test_error(target, "3resnet", 40, 0, is_learner=True, **kw) == \
        net["test_error"]
    assert np.isnan(net["ridge_step"]) and (ker["ridge_step"] >= 0 if ker["ridge"] == 1e-3
                                            else np.isnan(ker["ridge_step"]))
    row = {"d": 8, "seed": 0, "threshold": 0.1, "ridge_step": np.nan}
    curves = pd.DataFrame([
        {**row, "learner": "3resnet", "N": 40, "test_error": 0.5,
         "edge": "lr 2 at the top; weight_decay 0.5 at the top"},
        {**row, "learner": "3resnet", "N": 80, "test_error": 0.05,
         "edge": "lr 2 at the top"},  # reached: no edge can lower N* there
        {**row, "learner": "k", "N": 40, "test_error": 0.5, "edge": ""},
        # a kernel at its smallest ridge: its failure survives the path's last step (0.3 - 0.1
        # >= 0.1), or it does not (0.15 - 0.1 < 0.1)
        {**row, "learner": "k(NTK-inf)", "N": 40, "test_error": 0.3,
         "edge": "ridge 1e-06 at the bottom", "ridge_step": 0.1},
        {**row, "learner": "k(NTK-inf)", "N": 80, "test_error": 0.15,
         "edge": "ridge 1e-06 at the bottom", "ridge_step": 0.1}])
    edges, closed = pages.sample_gap.sample_gap_edges(curves)
    assert edges == ["3resnet: lr 2 at the top of its grid (d=8, N=40, seed=0)",
                     "3resnet: weight_decay 0.5 at the top of its grid (d=8, N=40, seed=0)",
                     "k(NTK-inf): ridge 1e-06 at the bottom of its grid (d=8, N=80, seed=0)"]
    assert closed == ["k(NTK-inf): ridge 1e-06 at the bottom of its grid, its ridge path "
                      "converged (d=8, N=40, seed=0)"]
    assert pages.sample_gap.sample_gap_edges(curves.drop(columns="edge")) == ([], [])
    assert pages.sample_gap.sample_gap_edges(None) == ([], [])


def test_sample_gap_a_kernel_at_an_edge_leaves_a_passing_gap_open():
    """A wider grid helps the ResNet (and the claim) but also a kernel failing at the edge of
    its ridge grid (against the claim): only the second can undo a pass."""
    kernels = ["2layer(NTK-inf)", "2layer(last-inf)"]
    net_edge = C.Budget(epochs=800, grid="g", seeds=3,
                        edges=["3resnet: lr 5 at the top of its grid (d=20, N=64, seed=0)"])
    assert GAP.sample_gap(gap_table(), kernels, net_edge).verdict == C.REPRODUCED
    ker_edge = C.Budget(epochs=800, grid="g", seeds=3, edges=[
        "2layer(NTK-inf): ridge 1 at the top of its grid (d=20, N=256, seed=0)"])
    v = GAP.sample_gap(gap_table(), kernels, ker_edge)
    assert v.verdict == C.INCONCLUSIVE and {c.training for c in v.clauses} == {"either"}


def test_sensitivity_learning_needs_a_twentieth_of_the_composite_signal():
    """At beta = 0 a heavily decayed ResNet ends a hair from k alpha^2 on either side (the
    reference run: 0.7192-0.7236 against 0.72); that hair is not learning alpha G(F)."""
    line = (1 - SEN.LEARNED_SOME_MARGIN) * 0.72
    assert SEN.sensitivity(sensitivity_table(unlearn=0.7192), 0.3, 0.72,
                         FULL).verdict == C.REPRODUCED
    assert SEN.sensitivity(sensitivity_table(unlearn=line), 0.3, 0.72, FULL).verdict == \
        C.REPRODUCED
    v = SEN.sensitivity(sensitivity_table(unlearn=line - 1e-6), 0.3, 0.72, FULL)
    assert v.verdict == C.PARTLY and "beta < alpha" in v.failed[0]
    # the same line for the learnable half: a hair below k alpha^2 is not "learned" either
    v = SEN.sensitivity(sensitivity_table(learn=0.71), 0.3, 0.72, FULL)
    assert v.verdict == C.PARTLY and "beta >= alpha" in v.failed[0]
    assert "0.684" in v.clauses[0].detail


def test_sensitivity_edges_leave_open_only_the_half_of_the_claim_they_sit_in():
    edge_at = lambda beta: C.Budget(epochs=800, grid="g", seeds=3, edges=[  # noqa: E731
        f"3resnet: weight_decay 5 at the top of its grid (beta={beta}, N=1000, m=100, seed=1)"])
    # an edge at beta = 1 cannot move the beta = 0 cells, nor stop a settled pass at beta = 1
    assert SEN.sensitivity(sensitivity_table(), 0.3, 0.72, edge_at(1)).verdict == C.REPRODUCED
    # at beta = 0 more search could still find a lower error: "not learned" stays open
    v = SEN.sensitivity(sensitivity_table(), 0.3, 0.72, edge_at(0))
    assert v.verdict == C.INCONCLUSIVE and ("open at this budget (1 chosen value at a grid's "
                                            "edge): beta < alpha") in v.summary()
    # a failure at beta >= alpha is settled when its own rows sit at no edge ...
    t = sensitivity_table()
    t.loc[(t.beta == 0.3) & (t.m == 1000), "test_error"] = 0.9
    v = SEN.sensitivity(t, 0.3, 0.72, edge_at(0))
    assert v.clauses[0].short is False and not v.clauses[0].unsettled(True)
    # ... nor by an edge at another cell of its half (more search there cannot rescue it) ...
    assert not SEN.sensitivity(t, 0.3, 0.72, edge_at(0.3)).clauses[0].unsettled(True)
    # ... but not when every failing cell sits at one, nor when an edge line names no place
    at_failures = C.Budget(epochs=800, grid="g", seeds=3, edges=[
        f"3resnet: lr 1 at the top of its grid (beta=0.3, N=1000, m=1000, seed={s})"
        for s in t[(t.beta == 0.3) & (t.m == 1000)]["seed"]])
    assert SEN.sensitivity(t, 0.3, 0.72, at_failures).clauses[0].unsettled(True)
    nameless = C.Budget(epochs=800, grid="g", seeds=3, edges=["3resnet: lr 5 at the top"])
    assert SEN.sensitivity(t, 0.3, 0.72, nameless).verdict == C.INCONCLUSIVE
    assert SEN.sensitivity(sensitivity_table(), 0.3, 0.72, SHORT).verdict == C.INCONCLUSIVE


def test_n_star_bisects_to_its_resolution():
    from hlcore import gap

    tried = []

    def error_at(N):  # a learner that learns from N = 777 on
        tried.append(N)
        return 0.0 if N >= 777 else 1.0

    res = gap.n_star(error_at, 0.5, N0=32, N_max=8000, resolution=0.1)
    assert res["reached"] and res["n_lo"] < 777 <= res["n_star"] <= 1.1 * res["n_lo"]
    assert res["curve"] == sorted((N, error_at(N)) for N in tried[:len(res["curve"])])
    # not reached: the cap is a lower bound; reached at once: no lower end
    assert gap.n_star(lambda N: 1.0, 0.5, N0=32, N_max=100)["reached"] is False
    assert gap.n_star(lambda N: 0.0, 0.5, N0=32, N_max=100)["n_lo"] is None
    with pytest.raises(ValueError, match="resolution"):
        gap.n_star(error_at, 0.5, N0=32, N_max=100, resolution=0)


def test_sample_gap_seeds_draw_their_own_target_and_data(tmp_path, monkeypatch):
    """Each seed draws the target's coordinates and the data, so kernels' N* differ between
    seeds (they were copies when only the initialisation changed)."""
    from hlcore import profiles

    monkeypatch.setenv("HL_CACHE", str(tmp_path))
    P = profiles.resolve("sample-gap", "smoke", d_values=[10], k=2, threshold_fraction=0.9,
                         N0=8, N_max=100, resolution=0.05, seeds=2,
                         kernels=["2layer(NTK-inf)"])
    P["learners"] = []
    n = GAP.search(P)["n_star"]
    assert n["coords"].nunique() == 2 and n["reached"].all()
    assert n["n_star"].nunique() == 2, n


def test_sample_gap_exponents_spread_over_seeds_only():
    # two seeds with exponents 1.0 and 1.4 (each seed's points exactly on its line)
    d = np.array([12, 16, 20, 24], float)
    rows = [{"learner": "3resnet", "d": x, "seed": s, "n_star": 10 * x**e, "reached": True,
             "cube_fraction": 0.01} for s, e in ((0, 1.0), (1, 1.4)) for x in d]
    fit = GAP.seed_exponents(pd.DataFrame(rows))
    assert fit["slope"] == pytest.approx(1.2) and fit["stderr"] == pytest.approx(0.2)
    assert fit["seeds"] == 2
    # kernels' exponent 3 in both seeds: differences 2.0 and 1.6, mean 1.8 +- 0.2: judged
    kern = [{**r, "learner": "2layer(NTK-inf)", "n_star": r["d"] ** 3} for r in rows]
    t = pd.DataFrame(rows + kern)
    v = GAP.sample_gap(t, ["2layer(NTK-inf)"], FULL)
    assert v.clauses[1].passed and "mean 1.80 +- 0.20 over 2 seeds" in v.clauses[1].detail
    # one seed shows no spread: the exponent clause is open, not passed
    v = GAP.sample_gap(t[t.seed == 0], ["2layer(NTK-inf)"], FULL)
    assert not v.clauses[1].judged and "one seed cannot show a spread" in v.clauses[1].detail
    # a seed whose kernel exponent is below its ResNet's fails the clause, whatever the mean
    t2 = t.copy()
    sel = (t2.learner == "2layer(NTK-inf)") & (t2.seed == 1)
    t2.loc[sel, "n_star"] = 1000 * t2.loc[sel, "d"] ** 1.2
    assert not GAP.sample_gap(t2, ["2layer(NTK-inf)"], FULL).clauses[1].passed


def test_sample_gap_censored_points_are_named_and_left_out_of_the_fit():
    t = capped(gap_table(), 32, "2layer(NTK-inf)", 5000)
    fit = GAP.fit_exponent(t[t.learner == "2layer(NTK-inf)"])
    assert fit["points"] == 6  # d = 32's two seeds are lower bounds, not values
    v = GAP.sample_gap(t, ["2layer(NTK-inf)", "2layer(last-inf)"], FULL)
    assert ("2layer(NTK-inf) never reached (a lower bound) at d = 32 (2 points)"
            in v.notes[1])


def test_sensitivity_stability_recomputes_the_verdict_at_small_learning_rates():
    """A learnable cell that succeeds only at the largest learning rate: the whole grid says
    it learned, learning rates up to 0.5 say it did not."""
    from hlcore.pages import sensitivity as SEN
    from hlcore.train import mark_selected

    P = {"alpha": 0.3, "d": 30, "k": 8, "f_degree": 2, "g_degree": 4, "N": 1000,
         "lrs": [0.2, 1.0], "weight_decays": [0.0], "seeds": 1, "epochs": 800}
    line = 0.95 * 8 * 0.3**2
    rows = []
    for beta, lr in itertools.product((0.3, 0.0), (0.2, 1.0)):
        err = line * (0.5 if (beta == 0.3 and lr == 1.0) else 1.1)
        rows.append({"learner": "3resnet", "fit": "sgd", "beta": beta, "N": 1000, "m": 100,
                     "seed": 0, "lr": lr, "weight_decay": 0.0, "epochs": 800,
                     "diverged": False, "train_error": err, "val_error": err,
                     "test_error": err})
    T = {"sensitivity_grid": mark_selected(pd.DataFrame(rows))}
    table = SEN.stability(T, P)
    row = table[table["beta"] == 0.3].iloc[0]
    assert row["cells below the line"] == "1 of 1"
    assert row["below it with lr <= 0.5"] == "0 of 1"
    assert row["learning rates chosen"] == "1 (1x)" and row["diverged at lr 1"] == "0%"


def test_hierarchy_ratio_holds_under_the_paper_rule_too():
    """'Layer-wise training is worse' is a negative clause: a layer-wise configuration that
    the test set would pick, and that comes within a factor 2 of joint training, fails it."""
    t = hierarchy_table()
    assert HIE.hierarchy(t, T, FULL, paper_rule=t).verdict == C.REPRODUCED
    paper = t.copy()
    paper.loc[paper.learner == "layer-wise", "test_error"] = 0.5  # < 2 x joint's 0.3
    v = HIE.hierarchy(t, T, FULL, paper_rule=paper)
    assert v.verdict == C.PARTLY and "either selection rule" in v.failed[0]


def test_hierarchy_committed_grid_reselects_its_chosen_rows():
    """The reference run commits every configuration: choosing again on validation from
    hierarchy_grid.csv gives the rows of hierarchy_layerwise.csv (its figure's data)."""
    from hlcore import pages
    from hlcore.train import mark_selected

    ref = pages.reference("hierarchy")
    if "hierarchy_grid" not in ref.tables:
        pytest.skip("the committed hierarchy run predates whole grids")
    grid = ref.tables["hierarchy_grid"]
    again = mark_selected(grid.drop(columns=["selected_val", "selected_test"]))
    key = ["learner", "N", "seed", "lr", "weight_decay"]
    chosen = again[again["selected_val"]][key].sort_values(key).reset_index(drop=True)
    committed = ref.tables["hierarchy_layerwise"][key].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(chosen, committed, check_dtype=False)
    assert (again["selected_val"] == grid["selected_val"]).all()
    assert (again["selected_test"] == grid["selected_test"]).all()


def test_a_quick_verdict_saying_more_than_the_reference_is_marked_and_warned():
    """Issue "A quick book whose own runs answer": a quick run that says more for a claim than
    the paper-budget run is a defect of its profile, marked in the scorecard and listed for
    the build log; saying less (inconclusive at a small budget) is no defect."""
    quick = {"sensitivity": {"verdict": C.REPRODUCED, "budget": {"epochs": 800}},
             "width": {"verdict": C.INCONCLUSIVE, "budget": {"epochs": 800}}}
    reference = {"sensitivity": {"verdict": C.PARTLY, "key": "k"},
                 "width": {"verdict": C.REPRODUCED, "key": "k"}}
    card = R.scorecard_markdown(quick, reference)
    row = next(line for line in card.splitlines() if line.startswith("| [sensitivity]"))
    assert "says more than the paper-budget run" in row
    assert "says more" not in next(line for line in card.splitlines()
                                   if line.startswith("| [width]"))
    defects = R.quick_defects(quick, reference)
    assert len(defects) == 1 and defects[0].startswith("sensitivity:")
    assert R.quick_defects({}, reference) == []


def test_hierarchy_verdict_ignores_the_controls_grid_edges():
    """The 3layer control enters no verdict: its optimum at a grid's edge leaves the hierarchy
    verdict decided, while an edge of joint or layer-wise training's grid leaves it open."""
    from hlcore.train import mark_selected

    lrs, wds = [0.1, 0.2, 0.5], [0.0, 1e-4, 1e-3]
    P = {"epochs": 800, "lrs": lrs, "weight_decays": wds, "seeds": 2, "target": "parity-v3",
         "alpha": 0.3}

    def grid(best):  # validation error lowest at each learner's `best` learning rate
        rows = [{"learner": s, "N": 2000, "m": 100, "seed": seed, "lr": lr,
                 "weight_decay": wd, "epochs": 800, "diverged": False,
                 "val_error": base + abs(lr - best[s]) + abs(wd - 1e-4),
                 "test_error": base + abs(lr - best[s]) + abs(wd - 1e-4)}
                for s, base in (("joint", 0.05), ("layer-wise", 1.2), ("3layer", 1.0))
                for seed in range(2) for lr in lrs for wd in wds]
        return mark_selected(pd.DataFrame(rows))

    inner = {"joint": 0.2, "layer-wise": 0.2, "3layer": 0.2}
    v = HIE.hierarchy_verdict({"hierarchy_grid": grid(inner)}, P)
    assert v.verdict == C.REPRODUCED and not v.budget.edges
    v = HIE.hierarchy_verdict({"hierarchy_grid": grid({**inner, "3layer": 0.5})}, P)
    assert v.verdict == C.REPRODUCED and not v.budget.edges
    v = HIE.hierarchy_verdict({"hierarchy_grid": grid({**inner, "joint": 0.5})}, P)
    assert v.budget.edges and all(e.startswith("joint:") for e in v.budget.edges)

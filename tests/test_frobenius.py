import math

import numpy as np
import pytest
import torch

from hlcore import make_target
from hlcore.frobenius import SignNet2, cube, embed, evaluate, frontier
import pandas as pd


def test_embedding_keeps_the_function_and_scales_the_norm_by_sqrt_d_ratio():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((200, 6))
    x6, y6 = cube(6)
    for d_new, m_new in [(6, 200), (40, 200), (40, 1000), (100, 600)]:
        big = embed(W, d_new, m_new)
        assert big.shape == (m_new, d_new)
        assert np.linalg.norm(big) == pytest.approx(np.linalg.norm(W) * math.sqrt(d_new / 6))
        # the same function: every cube point of d=6, embedded with random other coordinates
        x = np.concatenate([x6 * math.sqrt(6 / d_new),
                            rng.choice([-1.0, 1.0], (64, d_new - 6)) / math.sqrt(d_new)], 1)
        m = len(W)
        a6 = np.where(np.arange(m) < m // 2, 1.0, -1.0) / math.sqrt(m)
        a = np.where(np.arange(m_new) < m_new // 2, 1.0, -1.0) / math.sqrt(m_new)
        assert np.allclose(np.maximum(x @ big.T, 0) @ a, np.maximum(x6 @ W.T, 0) @ a6)
    with pytest.raises(ValueError, match="multiple of m=200"):
        embed(W, 40, 300)


def test_errors_agree_on_train_and_test_after_embedding():
    W = np.random.default_rng(1).standard_normal((200, 6))
    x6, y6 = cube(6)
    t = make_target("parity6", d=40)
    x, y = t.sample(20000, seed=0)
    assert evaluate(embed(W, 40, 400), x, y) == pytest.approx(evaluate(W, x6, y6), rel=0.05)


def test_sign_network_matches_its_formula_and_has_half_positive_signs():
    net = SignNet2(5, 1, 8, [0, 1])
    assert torch.allclose(net.A0[0, 0], torch.tensor([1.0] * 4 + [-1.0] * 4) / math.sqrt(8))
    x = torch.randn(3, 5)
    W = net.weight("W")[1].detach()
    expect = torch.relu(x @ W.T) @ net.A0[1, 0]
    assert torch.allclose(net(x)[1, :, 0], expect, atol=1e-6)
    assert net.frobenius_norms()[1].item() == pytest.approx(W.double().norm().item(), rel=1e-6)
    with pytest.raises(ValueError, match="m must be even"):
        SignNet2(5, 1, 7, [0])


def test_frontier_is_the_smallest_norm_at_each_error():
    h = pd.DataFrame({"train_error": [0.5, 0.1, 0.3, 0.05], "frobenius_norm": [10, 30, 5, 50]})
    f = frontier(h)
    assert list(f["train_error"]) == [0.05, 0.1, 0.3]
    assert list(f["frobenius_norm"]) == [50, 30, 5]


def test_the_pages_searches_come_from_the_result_cache_the_second_time(tmp_path, monkeypatch):
    """Every trained result goes through the one store: the Frobenius page's SGD search and
    hand-made networks too (keyed on hlcore.frobenius's code), identical when read back."""
    import hlcore.frobenius as fb
    from hlcore import profiles
    from hlcore.pages import frobenius as page

    monkeypatch.setenv("HL_CACHE", str(tmp_path))
    P = profiles.resolve("frobenius", "smoke")
    models, history = page._search(P, P["N"], P["m_values"][0])
    monkeypatch.setattr(fb, "sgd_search", lambda *a, **k: 1 / 0)  # must not train again
    again = page._search(P, P["N"], P["m_values"][0])
    pd.testing.assert_frame_equal(models, again[0])
    pd.testing.assert_frame_equal(history.reset_index(drop=True), again[1])


def test_the_search_records_every_configuration_and_each_seed_draws_its_data(tmp_path,
                                                                            monkeypatch):
    """A diverged model is a row marked diverged, never dropped; seeds differ in their data."""
    from hlcore import profiles
    from hlcore.pages import frobenius as page

    monkeypatch.setenv("HL_CACHE", str(tmp_path))
    P = profiles.resolve("frobenius", "smoke", lrs=[0.1, 1e6], seeds=2, epochs=3)
    models, history = page._search(P, P["N"], P["m_values"][0])
    assert len(models) == 4 and not page.missing_configurations(models, P)
    assert models[models["lr"] == 1e6]["diverged"].all()
    assert not models[models["lr"] == 0.1]["diverged"].any()
    assert history["diverged"].any()
    # the two seeds' models differ beyond their initialisation: their data differ
    a, b = (models[(models["seed"] == s) & (models["lr"] == 0.1)].iloc[0] for s in (0, 1))
    assert a["train_error"] != b["train_error"] and a["init_norm"] != b["init_norm"]


def test_a_missing_configuration_leaves_the_page_open():
    """The claim is negative, so its search must be complete: the committed run of issue 33's
    report (learning rate 50 in its parameters, no row of it) cannot be judged, and a model
    table without one configuration names it."""
    from hlcore import claims as C, pages
    from hlcore.pages import frobenius as page

    P = {"m_values": [200], "seeds": 2, "lrs": [0.1, 1.0], "weight_decays": [0.0, 1e-5]}
    full = pd.DataFrame([{"m": 200, "seed": s, "lr": lr, "weight_decay": wd}
                         for s in range(2) for lr in P["lrs"] for wd in P["weight_decays"]])
    assert page.missing_configurations(full, P) == []
    assert page.missing_configurations(full.iloc[1:], P) == ["m=200, seed=0, lr=0.1, decay=0"]
    ref = pages.reference("frobenius")
    if 50.0 in ref.P["lrs"]:  # the run made before every configuration was kept
        v = page.frobenius_verdict(ref.tables, ref.P)
        assert v.verdict == C.INCONCLUSIVE and "missing" in v.clauses[-1].detail
        assert not v.clauses[-1].judged


def test_a_learning_rate_added_later_trains_alone_and_equals_the_grids(tmp_path, monkeypatch):
    """more_lrs: a learning rate added after the grid ran is a pass of its own (the grid's
    trainings come from the cache), and its models are those the grid would have trained with
    it inside: same data, same initialisation, the batch's other members play no part."""
    import hlcore.frobenius as fb
    from hlcore import profiles
    from hlcore.pages import frobenius as page

    monkeypatch.setenv("HL_CACHE", str(tmp_path))
    kw = dict(seeds=2, epochs=3, weight_decays=[0.0, 1e-3])
    whole = profiles.resolve("frobenius", "smoke", lrs=[0.1, 0.5], **kw)
    models, _ = page._search(whole, whole["N"], whole["m_values"][0])
    P = profiles.resolve("frobenius", "smoke", lrs=[0.1], **kw)
    page._search(P, P["N"], P["m_values"][0])  # the grid alone, cached
    calls = []
    real = fb.sgd_search
    monkeypatch.setattr(fb, "sgd_search", lambda *a, **k: calls.append(a[3]) or real(*a, **k))
    P = {**P, "more_lrs": [0.5]}
    added, history = page._search(P, P["N"], P["m_values"][0])
    assert calls == [[0.5], [0.5]]  # one pass per seed, the grid's from the cache
    assert page.search_lrs(P) == [0.1, 0.5] and not page.missing_configurations(added, P)
    key = ["seed", "lr", "weight_decay"]
    a, b = (t.sort_values(key).reset_index(drop=True) for t in (models, added))
    cols = ["train_error", "val_error", "test_error", "frobenius_norm", "init_norm"]
    np.testing.assert_allclose(a[cols].to_numpy(), b[cols].to_numpy(), rtol=1e-5, atol=1e-6)
    assert set(history["lr"]) == {0.1, 0.5}

import itertools
import math

import numpy as np
import pytest

from hlcore import make_target


def rng_signs(n, d, seed=0):
    return 2.0 * np.random.default_rng(seed).integers(0, 2, size=(n, d)) - 1.0


def test_parity_v3_matches_explicit_products():
    t = make_target("parity-v3")
    x = rng_signs(64, 30)
    y = t(x)
    for n in range(len(x)):
        F = [x[n, 2 * j] * x[n, 2 * j + 1] for j in range(15)]
        for i in range(1, 16):
            G = (-1) ** i * F[0] * F[1] * F[2] * F[3]
            assert y[n, i - 1] == pytest.approx(F[i - 1] + 0.3 * G)
    assert t.threshold == pytest.approx(15 * 0.09)


def test_parity_v2_matches_explicit_products():
    t = make_target("parity-v2")
    x = rng_signs(64, 30, seed=1)
    y = t(x)
    for n in range(len(x)):
        F = [x[n, 2 * j] * x[n, 2 * j + 1] for j in range(8)]
        for i in range(1, 9):
            G = F[0] * F[1] * F[2] * F[3] if i % 2 == 1 else F[4] * F[5] * F[6] * F[7]
            assert y[n, i - 1] == pytest.approx(F[i - 1] + 0.3 * G)
    assert t.threshold == pytest.approx(0.72)


def test_parity_generalises_and_threshold_is_the_error_of_learning_F_only():
    t = make_target("parity-v3", d=20, k=10, g_degree=3, alpha=0.5, beta=0.7)
    x, y = t.sample(5000, seed=3)
    f = t.F(x)
    assert set(np.unique(f)) <= {-1.0, 1.0}
    assert np.allclose(t.G(f)[:, 0], -f[:, 0] * f[:, 1] * f[:, 2])
    err_F_only = np.mean(np.sum((y - 0.7 * f) ** 2, axis=1))
    assert err_F_only == pytest.approx(t.threshold)


def test_theorem2_instance():
    t = make_target("theorem2", d=12, k=4, alpha=0.2, seed=5)
    x, y = t.sample(200, seed=0)
    assert np.allclose(np.abs(x), 1 / math.sqrt(12))
    assert len(set(t.coords)) == 4
    W = np.zeros((4, 12))
    W[np.arange(4), t.coords] = math.sqrt(12)
    F = x @ W.T
    assert np.allclose(np.abs(F), 1)
    assert np.allclose(y, F + 0.2 * np.prod(F, axis=1, keepdims=True))


def test_parity6():
    t = make_target("parity6", d=10)
    x, y = t.sample(100, seed=0)
    assert np.allclose(y[:, 0], np.prod(np.sign(x[:, :6]), axis=1))
    assert y.shape == (100, 1)


def test_concept1_matches_formula():
    t = make_target("concept1", d=5, k=3, p_f=2, p_g=3, alpha=0.1, seed=2)
    x = t.sample_x(10, seed=0)
    assert np.allclose(np.linalg.norm(x, axis=1), 1)
    y = t(x)
    for n in range(10):
        F = np.array([sum(t.a_f[r, i] * np.tanh(t.w_f[r, i] @ x[n]) for i in range(2))
                      for r in range(3)])
        G = np.array([sum(t.a_g[r, i] * np.tanh(t.v_g[r, i] @ F) for i in range(3))
                      for r in range(3)])
        assert np.allclose(y[n], F + 0.1 * G)
    assert np.allclose(np.linalg.norm(t.w_f, axis=-1), 1 / math.sqrt(2))


def test_sampling_is_seeded():
    t = make_target("parity-v3")
    a, b, c = t.sample_x(10, 1), t.sample_x(10, 1), t.sample_x(10, 2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("name, params, match", [
    ("parity-v9", {}, "unknown target 'parity-v9'; allowed: parity-v3"),
    ("parity-v3", {"d": 29}, "d must be even.*got d=29"),
    ("parity-v3", {"alpha": -0.1}, "alpha must be a number >= 0; got -0.1"),
    ("parity-v3", {"k": 16}, "k \\* f_degree must be at most d"),
    ("parity-v2", {"gamma": 1}, "unknown parameter"),
    ("theorem2", {"d": 0}, "d must be a positive integer; got 0"),
])
def test_bad_target_input(name, params, match):
    with pytest.raises(ValueError, match=match):
        make_target(name, **params)


def test_sample_rejects_nonpositive_n():
    with pytest.raises(ValueError, match="n must be a positive integer; got 0"):
        make_target("parity-v3").sample(0, seed=0)

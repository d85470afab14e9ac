import numpy as np
import pytest
import torch
from torch.func import functional_call, jacrev

import hlcore.kernels as hk
from hlcore import make_learner, make_target, select
from hlcore.kernels import (FiniteKernel, InfiniteKernel, fit_kernel, make_kernel, max_kernel_n,
                            ridge_path)

LEARNERS = ["2layer", "3layer", "3resnet", "3resnet-plain"]
X6 = 2.0 * np.random.default_rng(0).integers(0, 2, (6, 30)) - 1  # parity-cube inputs, d = 30


def monte_carlo(learner, kind, m, draws):
    return np.mean([FiniteKernel(learner, kind, 30, 15, m, seed=s)(X6) for s in range(draws)],
                   axis=0)


def agrees(estimate, exact):
    """neural-tangents' style tolerance: 5 % relative plus 1 % of the kernel's scale."""
    return np.allclose(estimate, exact, rtol=0.05, atol=0.01 * np.abs(exact).max())


# width and number of random networks per learner: enough for the estimate to settle
MC = {"2layer": (2048, 100), "3layer": (1024, 20), "3resnet": (2048, 200),
      "3resnet-plain": (1024, 20)}


@pytest.mark.parametrize("kind", ["last", "NTK"])
@pytest.mark.parametrize("learner", LEARNERS)
def test_infinite_width_kernel_matches_monte_carlo(learner, kind):
    m, draws = MC[learner]
    estimate = monte_carlo(learner, kind, m, draws)
    exact = InfiniteKernel(learner, kind + "-inf", 30, 15, m=m)(X6)
    assert agrees(estimate, exact), np.abs(estimate - exact).max()
    # and the width-m terms vanish in the limit the learners' -inf kernels use
    limit = InfiniteKernel(learner, kind + "-inf", 30, 15)(X6)
    assert np.allclose(limit, exact, rtol=0.1, atol=0.1 * np.abs(exact).max())


@pytest.mark.parametrize("learner, kind, wrong", [
    ("2layer", "last", "half-angle"), ("2layer", "NTK", "half-angle"),
    ("3layer", "NTK", "kappa1-times-2"), ("3resnet", "NTK", "no-bottleneck"),
    ("3resnet-plain", "last", "no-cross-terms"),
])
def test_a_wrong_constant_or_term_fails_the_check(learner, kind, wrong, monkeypatch):
    m, draws = MC[learner]
    estimate = monte_carlo(learner, kind, m, draws)
    if wrong == "half-angle":  # (pi - theta) / pi instead of / (2 pi)
        k0 = hk.kappa0
        monkeypatch.setattr(hk, "kappa0", lambda *a: 2 * k0(*a))
        k1 = hk.kappa1
        monkeypatch.setattr(hk, "kappa1", lambda *a: 2 * k1(*a))
    elif wrong == "kappa1-times-2":
        k1 = hk.kappa1
        monkeypatch.setattr(hk, "kappa1", lambda *a: 2 * k1(*a))
    elif wrong == "no-bottleneck":
        monkeypatch.setattr(InfiniteKernel, "_bottleneck_table",
                            lambda self, c, points=201: {"rho": np.linspace(0, 1, points),
                                                         "ntk": np.zeros(points)})
    elif wrong == "no-cross-terms":
        monkeypatch.setattr(hk, "relu_means", lambda a, b: 0 * a * b)  # as if E relu(u) = 0
    bad = InfiniteKernel(learner, kind + "-inf", 30, 15, m=m)(X6)
    assert not agrees(estimate, bad)


@pytest.mark.parametrize("learner", LEARNERS)
def test_finite_ntk_equals_brute_force_jacobian(learner):
    d, k, m = 4, 3, 9
    x = torch.randn(5, d)
    kern = FiniteKernel(learner, "NTK", d, k, m, seed=1)
    model = kern.model
    names = model.trained
    params = {n: getattr(model, n).detach() for n in names}
    jac = jacrev(lambda p: functional_call(model, p, (x,))[0])(params)  # (n, k, *shape)
    J = torch.cat([jac[n].reshape(5, k, -1) for n in names], dim=2).double()
    brute = torch.einsum("akp,bkp->ab", J, J).numpy() / k / kern.growth
    assert np.allclose(kern(x.numpy()), brute, rtol=1e-4, atol=1e-5)


def test_conjugate_kernel_is_the_last_hidden_layer():
    kern = FiniteKernel("3resnet", "last", 6, 2, 20, seed=0)
    x = np.random.default_rng(1).standard_normal((7, 6))
    h = kern.model.hidden(torch.as_tensor(x, dtype=torch.float32))[0].detach().double().numpy()
    assert np.allclose(kern(x), h @ h.T / 20, rtol=1e-5)
    # blocked computation gives the same matrix
    kern.block = 3
    assert np.allclose(kern(x), h @ h.T / 20, rtol=1e-5)


def test_linearised_network_is_linear_in_its_displacement():
    lin = make_learner("3resnet(NTK)", 5, 3, 16, [0])
    x = torch.randn(8, 5)
    f0 = lin(x).detach()
    assert torch.allclose(f0, lin.base(x).detach())
    with torch.no_grad():
        for n in lin.trained:
            getattr(lin, n).normal_()
    f1 = lin(x).detach() - f0
    with torch.no_grad():
        for n in lin.trained:
            getattr(lin, n).mul_(2)
    assert torch.allclose(lin(x).detach() - f0, 2 * f1, rtol=1e-4, atol=1e-5)


def test_ridge_path_matches_scipy_cholesky_and_leaves_the_kernel_intact():
    # The torch path replaces SciPy's (whose OpenBLAS crashes at large N on some processors);
    # on a small problem both must agree to 1e-8 relative.
    from scipy.linalg import cho_factor, cho_solve

    rng = np.random.default_rng(5)
    F = rng.standard_normal((200, 80))
    K = F @ F.T
    Y = rng.standard_normal((200, 4))
    Ke = rng.standard_normal((30, 200))
    path = ridge_path(K, Y, {"e": Ke}, ridges=[1e-4, 1e-2, 1.0])
    scale = np.mean(np.diag(K))
    for res in path:
        ref = Ke @ cho_solve(cho_factor(K + res["ridge"] * scale * np.eye(200), lower=True), Y)
        assert np.allclose(res["preds"]["e"], ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())
        direct = Ke @ np.linalg.solve(K + res["ridge"] * scale * np.eye(200), Y)
        assert np.allclose(res["preds"]["e"], direct)
    assert np.allclose(K, F @ F.T)  # the input kernel is left intact


def test_ridge_path_errors():
    K = np.zeros((5, 5))
    with pytest.raises(ValueError, match="singular for every ridge value"):
        with pytest.warns(RuntimeWarning):
            ridge_path(K, np.ones((5, 1)), {}, ridges=[0.0], relative=False)
    with pytest.raises(ValueError, match="ridge values must be >= 0; got \\[-1.0\\]"):
        ridge_path(np.eye(3), np.ones((3, 1)), {}, ridges=[-1])


def test_bad_kernel_input():
    with pytest.raises(ValueError, match="unknown kernel '2layer\\(CNTK\\)'|unknown kernel kind"):
        make_kernel("2layer(CNTK)", 3, 2, m=10)
    with pytest.raises(ValueError, match="unknown learner '5layer'"):
        make_kernel("5layer(NTK)", 3, 2, m=10)
    with pytest.raises(ValueError, match="give its width m"):
        make_kernel("2layer(NTK)", 3, 2)
    with pytest.raises(MemoryError, match="room for N <= "):
        fit_kernel(make_target("parity-v3"), "2layer(NTK-inf)", N=10**6)
    assert 20000 < max_kernel_n(memory=24 * 2**30) < 40000


def test_resnet_infinite_kernel_needs_one_input_norm():
    x = np.random.default_rng(0).standard_normal((4, 30))
    with pytest.raises(ValueError, match="inputs of one norm"):
        InfiniteKernel("3resnet", "NTK-inf", 30, 15)(x)


def test_fit_kernel_rows_and_kernels_stay_above_threshold():
    t = make_target("parity-v3")
    for name, m in [("2layer(NTK-inf)", None), ("3resnet(NTK)", 200)]:
        table = fit_kernel(t, name, N=1500, m=m, n_val=500, n_test=1000, device="cpu")
        assert {"ridge", "fit", "test_error", "val_error", "m"} <= set(table.columns)
        best = select(table)
        assert len(best) == 1
        assert best.iloc[0].test_error > t.threshold


def test_feature_space_ridge_equals_kernel_ridge():
    from hlcore.kernels import ridge_path_features

    rng = np.random.default_rng(3)
    Phi = rng.standard_normal((60, 12))
    Y = rng.standard_normal((60, 2))
    Pe = rng.standard_normal((5, 12))
    dual = ridge_path(Phi @ Phi.T, Y, {"e": Pe @ Phi.T}, ridges=[1e-3, 1e-1])
    primal = ridge_path_features(Phi, Y, {"e": Pe}, ridges=[1e-3, 1e-1])
    for a, b in zip(dual, primal):
        assert np.allclose(a["preds"]["e"], b["preds"]["e"], rtol=1e-6, atol=1e-8)


def test_conjugate_kernel_fit_uses_features_and_matches_dual():
    t = make_target("parity-v3")
    kw = dict(N=300, n_val=100, n_test=100, device="cpu", ridges=[1e-2, 1e-1])
    primal = fit_kernel(t, "2layer(last)", m=50, **kw)      # m < N: feature space
    kern = make_kernel("2layer(last)", 30, 15, m=50, seed=0)
    from hlcore import Data
    d = Data.sample(t, 300, n_val=100, n_test=100, seed=0)
    x = d.x_train.double().numpy()
    K = kern(x)
    dual = ridge_path(K, d.y_train.double().numpy(),
                      {"test": kern(d.x_test.double().numpy(), x)}, ridges=[1e-2, 1e-1])
    for row, res in zip(primal.itertuples(), dual):
        err = np.mean(np.sum((res["preds"]["test"] - d.y_test.double().numpy()) ** 2, axis=1))
        assert row.test_error == pytest.approx(err, rel=1e-5)


def test_kernels_and_ridge_path_keep_tensors_on_their_device():
    x = torch.as_tensor(make_target("parity-v3").sample_x(40, seed=0), dtype=torch.float64)
    for name, m in [("2layer(NTK-inf)", None), ("3resnet(NTK-inf)", None), ("3layer(NTK)", 20)]:
        kern = make_kernel(name, 30, 15, m=m, seed=0)
        K = kern(x)
        assert isinstance(K, torch.Tensor) and K.dtype == torch.float64
        assert np.allclose(K.numpy(), kern(x.numpy()))
    path = ridge_path(K, torch.ones(40, 1, dtype=torch.float64), {"t": K}, ridges=[1e-2])
    assert isinstance(path[0]["preds"]["t"], torch.Tensor)

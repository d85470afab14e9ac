import numpy as np
import pytest
import torch

from hlcore import InitScales, make_learner

relu = lambda z: np.maximum(z, 0)  # noqa: E731


def with_random_displacements(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name in model.trained:
            p = getattr(model, name)
            p.copy_(0.1 * torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype))
    return model


def np_weights(model, b):
    return {n: model.weight(n)[b].detach().double().numpy() for n in ("A", "W", "V", "U")
            if hasattr(model, n + "0")}


def one(z):
    return np.append(z, 1.0)


def test_3resnet_matches_section6_formula():
    d, k, m = 6, 3, 17
    model = with_random_displacements(make_learner("3resnet", d, k, m, [4, 5], dtype=torch.float64))
    x = np.random.default_rng(0).standard_normal((9, d))
    out = model(torch.as_tensor(x)).detach().numpy()
    for b in range(2):
        w = np_weights(model, b)
        for n in range(9):
            out1 = w["A"] @ relu(w["W"] @ one(x[n]))
            expect = out1 + w["A"] @ relu(w["V"] @ one(out1))
            assert np.allclose(out[b, n], expect)
    assert np.allclose(model.out1(torch.as_tensor(x))[0].detach().numpy()[0],
                       np_weights(model, 0)["A"] @ relu(np_weights(model, 0)["W"] @ one(x[0])))


def test_fc_and_plain_resnet_match_formulas():
    d, k, m = 5, 2, 11
    x = np.random.default_rng(1).standard_normal((4, d))
    for name in ("3layer", "2layer", "3resnet-plain"):
        model = with_random_displacements(make_learner(name, d, k, m, [0], dtype=torch.float64))
        out = model(torch.as_tensor(x)).detach().numpy()[0]
        w = np_weights(model, 0)
        for n in range(4):
            h1 = relu(w["W"] @ one(x[n]))
            expect = {"2layer": lambda: w["A"] @ h1,
                      "3layer": lambda: w["A"] @ relu(w["V"] @ one(h1)),
                      "3resnet-plain": lambda: w["A"] @ (h1 + relu(w["U"] @ one(h1)))}[name]()
            assert np.allclose(out[n], expect), name


def test_initialisation_depends_on_seed_only_and_has_paper_scales():
    a = make_learner("3resnet", 30, 15, 400, [7])
    b = make_learner("3resnet", 30, 15, 400, [1, 7, 7])
    for name in ("A0", "W0", "V0"):
        assert torch.equal(getattr(a, name)[0], getattr(b, name)[1])
        assert torch.equal(getattr(b, name)[1], getattr(b, name)[2])
        assert not torch.equal(getattr(b, name)[0], getattr(b, name)[1])
    assert a.W0[0, :, :-1].std().item() == pytest.approx(30 ** -0.5, rel=0.05)
    assert a.W0[0, :, -1].std().item() == pytest.approx(400 ** -0.5, rel=0.15)
    assert a.A0.std().item() == pytest.approx(400 ** -0.5, rel=0.05)
    assert not a.W.detach().any() and not a.V.detach().any()
    c = make_learner("2layer", 30, 15, 400, [7], init=InitScales(w_std=2.0))
    assert c.W0[0, :, :-1].std().item() == pytest.approx(2.0, rel=0.05)


def test_output_at_initialisation_is_order_one():
    x = torch.as_tensor(2.0 * np.random.default_rng(0).integers(0, 2, (2000, 30)) - 1)
    for name in ("3resnet", "3layer", "2layer"):
        out = make_learner(name, 30, 15, 1000, [0])(x)
        assert 0.05 < out.pow(2).mean().item() < 5.0, name


def test_unknown_learner_and_bad_width():
    with pytest.raises(ValueError, match="unknown learner '4resnet'; allowed: 3resnet"):
        make_learner("4resnet", 3, 2, 10, [0])
    with pytest.raises(ValueError, match="m must be a positive integer; got 0"):
        make_learner("2layer", 3, 2, 0, [0])


def test_resnet_conjugate_kernel_learner_trains_only_a_new_output_layer():
    from hlcore import make_target, train_grid

    t = make_target("parity-v3", d=10, k=5, g_degree=2)
    _, (model,) = train_grid(t, "3resnet(last)", N=100, m=16, lrs=[0.5], weight_decays=[0.0],
                             epochs=3, n_val=20, n_test=20, device="cpu", return_models=True)
    x = torch.randn(7, 10)
    assert model.A.abs().sum() > 0  # the output layer moved...
    fresh = make_learner("3resnet", 10, 5, 16, [0])
    # ...while the hidden layer, bottleneck included, is the one at initialisation
    assert torch.allclose(model.hidden(x), fresh.hidden(x), atol=1e-6)


def test_selection_tells_targets_apart_by_their_parameters():
    import pandas as pd

    from hlcore import select

    t = pd.DataFrame({"target": "parity-v2", "beta": [1.0, 1.0, 0.2, 0.2], "learner": "3resnet",
                      "N": 10, "m": 4, "seed": 0, "lr": [1, 2, 1, 2],
                      "val_error": [0.1, 0.2, 0.9, 0.8], "test_error": 0.0, "diverged": False})
    assert sorted(select(t)["lr"]) == [1, 2]  # one choice per beta


def test_tables_are_rendered_for_people():
    import numpy as np
    import pandas as pd

    from hlcore.plots import render_table

    long = "at N = 5000, every seed, under either selection rule, the strongest kernel"
    html = render_table(pd.DataFrame({"clause": [long, "b"], "count": [900.0, 3.0],
                                      "error": [0.123456, np.nan], "ok": [True, False]}))
    assert long in html and "..." not in html  # wrapped, not cut
    assert "<td>900</td>" in html and "900.0" not in html  # a count is an integer
    assert "<td>0.123</td>" in html and "<td>n/a</td>" in html  # rounded; NaN as a word
    assert "<td>yes</td>" in html
    evenly = render_table(pd.DataFrame({"e": [1.0049, 0.79, 123.4, 2.5e-5]}))
    for cell in ("1.00", "0.790", "123", "2.50e-05"):  # three significant digits, kept
        assert f"<td>{cell}</td>" in evenly, evenly
    assert "<th></th>" not in html and "<td>0</td><td>at N" not in html  # no bare index
    named = render_table(pd.DataFrame({"value": [1.5]}, index=pd.Index(["lr"], name="param")))
    assert "<th>param</th>" in named and "<td>lr</td>" in named
    assert "<th>value</th>" in render_table(pd.Series([1.0, 2.0]).to_frame())  # not "0"
    multi = pd.DataFrame([[0.1, 0.2]], columns=pd.MultiIndex.from_tuples(
        [(100, "this book"), (100, "paper v2")]))
    assert "<th>100 this book</th>" in render_table(multi)
    wraps = render_table(pd.DataFrame({"strongest_kernel_error": [1.0]}))
    assert "<th>strongest kernel error</th>" in wraps  # a header that can wrap


def test_a_learner_is_one_definition():
    """Its fused-step kind, NTK growth, cost and colour live on its class; the lists that used
    to repeat them (fused.KINDS, the kernels' growth, the planner's MACs, the figures' colours)
    are read from it, and the light list of names the command line shows agrees with it."""
    from hlcore.fused import FusedStep
    from hlcore.learners import LEARNERS
    from hlcore.names import BASE_LEARNERS
    from hlcore.plan import macs_per_sample
    from hlcore.plots import style

    assert set(BASE_LEARNERS) == set(LEARNERS)
    for name, cls in LEARNERS.items():
        assert macs_per_sample(name, 30, 15, 100) == cls.macs(30, 15, 100) > 0
        assert style(f"{name}(NTK)")["color"] == style(name)["color"] == cls.colour
    assert {LEARNERS[n]: LEARNERS[n].fused_kind for n in ("2layer", "3layer", "3resnet")}.items() <= FusedStep.KINDS.items()
    assert LEARNERS["3resnet-plain"] not in FusedStep.KINDS

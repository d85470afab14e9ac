"""The hand-written training step against autograd on the same networks (float64)."""
import pytest
import torch

from hlcore import Data, make_learner, make_target
from hlcore.fused import FusedStep
from hlcore.train import squared_error, train_batched

# (d, k, m): the paper's narrow sizes, sizes already multiples of 16, and small odd ones
SHAPES = [(30, 15, 40), (15, 16, 33), (7, 3, 20)]


def _model(name, d, k, m, trained=None):
    model = make_learner(name, d, k, m, [1, 2, 3], dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    for n in model.trained:  # away from the initialisation, so every term counts
        getattr(model, n).data.normal_(0, 0.1, generator=gen)
    if trained is not None:
        model.trained = trained
    return model


@pytest.mark.parametrize("name", ["2layer", "3layer", "3resnet"])
@pytest.mark.parametrize("d,k,m", SHAPES)
def test_loss_and_gradients_equal_autograd(name, d, k, m):
    model = _model(name, d, k, m)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(40, d, generator=gen, dtype=torch.float64)
    y = torch.randn(40, k, generator=gen, dtype=torch.float64)
    idx = torch.stack([torch.randperm(40, generator=gen)[:10] for _ in range(3)])
    for scale in (0.1, 1.0):
        step = FusedStep(model)
        xp, yp = step.pad(x, y)
        loss, grads = step(xp[idx], yp[idx], scale)
        ref = 0.5 * (model(x[idx]) - y[idx]).pow(2).sum(2).mean(1)
        ref_grads = torch.autograd.grad(ref.sum() * scale * 10,
                                        [getattr(model, n) for n in model.trained])
        torch.testing.assert_close(loss, ref, rtol=1e-12, atol=1e-12)
        for g, r in zip(grads, ref_grads):
            assert g.shape == r.shape
            torch.testing.assert_close(g, r, rtol=1e-10, atol=1e-12)


def test_registered_learner_without_bias():
    # frobenius's SignNet2: W (m, d) acts on x alone and is trained directly
    from hlcore.frobenius import SignNet2

    model = SignNet2(10, 1, 20, [1, 2], dtype=torch.float64)
    assert FusedStep.supports(model) and model.W0.shape[2] == 10
    x, y = torch.randn(30, 10, dtype=torch.float64), torch.randn(30, 1, dtype=torch.float64)
    idx = torch.stack([torch.randperm(30)[:10] for _ in range(2)])
    step = FusedStep(model)
    xp, yp = step.pad(x, y)
    loss, (g,) = step(xp[idx], yp[idx], 0.1)
    ref = 0.5 * (model(x[idx]) - y[idx]).pow(2).sum(2).mean(1)
    (r,) = torch.autograd.grad(ref.sum(), [model.W])
    torch.testing.assert_close(loss, ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(g, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["2layer", "3layer", "3resnet"])
def test_evaluation_equals_the_learners_forward(name):
    model = _model(name, 30, 15, 40)
    x, y = torch.randn(70, 30, dtype=torch.float64), torch.randn(70, 15, dtype=torch.float64)
    ref = (model(x) - y).pow(2).sum(dim=(1, 2))
    torch.testing.assert_close(FusedStep(model).squared_errors(x, y, chunk=16), ref,
                               rtol=1e-12, atol=0)
    torch.testing.assert_close(squared_error(model, x, y) * 70, ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("trained", [("W",), ("V",)])
def test_one_layer_trained_at_a_time(trained):
    # hierarchy's layer-wise scheme: the frozen layer keeps its displacement in the forward
    model = _model("3resnet", 30, 15, 40, trained=trained)
    x, y = torch.randn(20, 30, dtype=torch.float64), torch.randn(20, 15, dtype=torch.float64)
    idx = torch.arange(20).reshape(1, 20).expand(3, 20)
    step = FusedStep(model)
    xp, yp = step.pad(x, y)
    _, (g,) = step(xp[idx], yp[idx], 0.05)
    ref = 0.5 * (model(x[idx]) - y[idx]).pow(2).sum(2).mean(1)
    (r,) = torch.autograd.grad(ref.sum(), [getattr(model, trained[0])])
    torch.testing.assert_close(g, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["2layer", "3layer", "3resnet"])
def test_training_runs_equal_autograd_ones(name):
    t = make_target("parity-v3", d=10, k=5, g_degree=2)
    data = Data.sample(t, 100, n_val=50, n_test=50, seed=0, dtype=torch.float64)
    out = {}
    for engine in ("fused", "autograd"):
        model = make_learner(name, t.d, t.k, 24, [0, 1, 2], dtype=torch.float64)
        res = train_batched(model, data, [0.05, 0.2, 1e4], [1e-3, 0.0, 0.0], epochs=3,
                            engine=engine, decay="weight", loss_reduction="sum")
        out[engine] = res, [getattr(model, n).detach() for n in model.trained]
    (fused, fw), (ref, rw) = out["fused"], out["autograd"]
    assert fused["diverged"].tolist() == ref["diverged"].tolist()
    assert ref["diverged"].tolist()[::2] == [False, True]
    torch.testing.assert_close(fused["loss_history"], ref["loss_history"], rtol=1e-9, atol=0)
    for a, b in zip(fw, rw):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["3resnet(last)", "3resnet(NTK)", "3resnet-plain"])
def test_other_learners_keep_autograd(name):
    model = make_learner(name, 10, 5, 16, [0])
    assert not FusedStep.supports(model)
    t = make_target("parity-v3", d=10, k=5, g_degree=2)
    data = Data.sample(t, 50, n_val=50, n_test=50, seed=0)
    with pytest.raises(ValueError, match="engine='fused' has no step for"):
        train_batched(model, data, [0.1], [0.0], epochs=1, engine="fused")
    assert train_batched(model, data, [0.1], [0.0], epochs=1)["loss_history"].shape == (1, 1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", ["2layer", "3layer", "3resnet"])
def test_cuda_fused_step_equals_cpu(name):
    t = make_target("parity-v3", d=10, k=5, g_degree=2)
    out = {}
    for device in ("cpu", "cuda"):
        data = Data.sample(t, 100, n_val=50, n_test=50, seed=0, dtype=torch.float64,
                           device=device)
        model = make_learner(name, t.d, t.k, 24, [0, 1], dtype=torch.float64, device=device)
        train_batched(model, data, [0.05, 0.2], [1e-3, 0.0], epochs=2, engine="fused")
        out[device] = [getattr(model, n).detach().cpu() for n in model.trained]
    for a, b in zip(out["cpu"], out["cuda"]):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)

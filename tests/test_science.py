"""Science smoke test (not timed): the paper's headline effect at a small scale."""
import pytest

from hlcore import make_target, select, train_grid


@pytest.mark.slow
def test_resnet_learns_the_composite_signal_and_2layer_does_not():
    t = make_target("parity-v3")  # threshold k alpha^2 = 1.35
    kw = dict(N=10000, m=500, weight_decays=[1e-4], epochs=40, n_test=5000, device="cpu")
    resnet = select(train_grid(t, "3resnet", lrs=[0.2, 0.5], **kw)).iloc[0]
    two = select(train_grid(t, "2layer", lrs=[0.2, 0.5], **kw)).iloc[0]
    assert resnet.test_error < 0.25 * t.threshold, resnet.test_error
    assert two.test_error > t.threshold, two.test_error

"""CUDA against CPU for the kernels and the sweep (skipped where PyTorch sees no GPU; the GPU
check, benchmarks/gpu_check.py, runs them on a CUDA machine)."""
import pytest
import torch

from hlcore import make_target
from hlcore.kernels import fit_kernel
from hlcore.sweep import sweep

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
T = make_target("parity-v3", d=10, k=5, g_degree=2)


@cuda
@pytest.mark.parametrize("name,m", [("2layer(NTK-inf)", None), ("3resnet(NTK-inf)", None),
                                    ("3layer(NTK)", 32), ("2layer(last)", 64)])
def test_cuda_kernels_match_cpu(name, m):
    kw = dict(N=200, m=m, n_val=100, n_test=100, ridges=[1e-3, 1e-1])
    cpu = fit_kernel(T, name, device="cpu", **kw)
    gpu = fit_kernel(T, name, device="cuda", **kw)
    assert gpu["test_error"].to_numpy() == pytest.approx(cpu["test_error"].to_numpy(), rel=1e-4)


@cuda
def test_cuda_sweep_matches_cpu(tmp_path):
    from hlcore.store import ResultStore

    kw = dict(learners=["3resnet"], kernels=["2layer(NTK-inf)"], N_values=[100], m=16, seeds=1,
              epochs=2, lrs=[0.1], weight_decays=[0.0], n_val=50, n_test=50, ridges=[1e-2],
              progress=False)
    cpu = sweep(T, device="cpu", store=ResultStore(tmp_path / "a"), **kw)
    gpu = sweep(T, device="cuda", store=ResultStore(tmp_path / "b"), **kw)
    assert gpu["test_error"].to_numpy() == pytest.approx(cpu["test_error"].to_numpy(), rel=1e-3)

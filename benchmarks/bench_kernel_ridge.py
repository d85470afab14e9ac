"""Kernel ridge regression: the whole ridge path vs a single solve, side by side.

Prints one JSON line: the ratio path / single solve (6 ridge values by default), the Cholesky
factorisation's achieved float64 rate as a fraction of this machine's float64 matmul rate
(measured in the same process), and, for reference, one eigendecomposition (the alternative
way to get a whole path from one factorisation).

`--smoke` (CI) is the regression check of the crash that moved the path to torch: one solve at
N = 16000, the size at which SciPy's bundled OpenBLAS segfaulted on AMD EPYC with two threads.

    python benchmarks/bench_kernel_ridge.py [--N 20000] [--ridges 6] [--eigh] [--smoke]
"""
import argparse
import json
import time

import torch

from hlcore import make_target
from hlcore.kernels import DEFAULT_RIDGES, make_kernel, ridge_path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=20000)
    ap.add_argument("--ridges", type=int, default=6)
    ap.add_argument("--kernel", default="2layer(NTK-inf)")
    ap.add_argument("--eigh", action="store_true", help="also time one eigendecomposition")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (kernel and solve there)")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    a = ap.parse_args(argv)
    N = 16000 if a.smoke else a.N
    ridges_n = 1 if a.smoke else a.ridges
    t = make_target("parity-v3")
    x, y = (torch.as_tensor(v, dtype=torch.float64, device=a.device) for v in t.sample(N, seed=0))
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    t0 = time.perf_counter()
    K = make_kernel(a.kernel, t.d, t.k, device=a.device)(x)
    sync()
    t_kernel = time.perf_counter() - t0
    ridges = list(DEFAULT_RIDGES)[-ridges_n:]
    t0 = time.perf_counter()
    ridge_path(K, y, {}, ridges=ridges[-1:])
    sync()
    t_single = time.perf_counter() - t0
    t0 = time.perf_counter()
    if len(ridges) > 1:
        ridge_path(K, y, {}, ridges=ridges)
        sync()
    t_path = time.perf_counter() - t0 if len(ridges) > 1 else t_single
    del K
    n_mm = min(N, 4000)
    A = torch.randn(n_mm, n_mm, dtype=torch.float64, device=a.device)
    A @ A
    sync()
    t0 = time.perf_counter()
    A @ A
    sync()
    matmul_rate = 2 * n_mm**3 / (time.perf_counter() - t0)
    chol_rate = (N**3 / 3) / t_single  # the factorisation dominates a single solve
    out = {"benchmark": "kernel_ridge_path", "device": a.device, "kernel": a.kernel, "N": N, "ridges": len(ridges),
           "seconds_kernel": round(t_kernel, 2), "seconds_single_solve": round(t_single, 2),
           "seconds_path": round(t_path, 2), "path_over_single": round(t_path / t_single, 2),
           "float64_matmul_gflops": round(matmul_rate / 1e9, 1),
           "cholesky_fraction_of_matmul_rate": round(chol_rate / matmul_rate, 3)}
    if a.eigh:
        import scipy.linalg
        t0 = time.perf_counter()
        K = make_kernel(a.kernel, t.d, t.k)(x.cpu().numpy())
        scipy.linalg.eigh(K, driver="evd", check_finite=False)
        out["seconds_one_eigh"] = round(time.perf_counter() - t0, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

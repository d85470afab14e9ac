"""Sweeps on a real Dask cluster (2 worker processes) give the in-process results; worker
processes stop with the process that started them."""
import sys

import numpy as np
import pytest

from hlcore import make_target
from hlcore.executors import DaskExecutor, InProcess, from_environment
from hlcore.store import ResultStore
from hlcore.sweep import sweep

distributed = pytest.importorskip("distributed")

TARGET = make_target("parity-v3", d=10, k=5, g_degree=2)
KW = dict(learners=["3resnet", "2layer"], kernels=["2layer(NTK-inf)", "3resnet(NTK)"], m=16,
          seeds=2, epochs=2, lrs=[0.1, 0.2], weight_decays=[0.0], n_val=50, n_test=50,
          ridges=[1e-2], device="cpu", progress=False)


@pytest.mark.slow
def test_dask_local_cluster_matches_in_process_and_resumes(tmp_path):
    local = sweep(TARGET, N_values=[100, 200], store=ResultStore(tmp_path / "a"),
                  executor=InProcess(), **KW)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask = DaskExecutor(client=client)
        store = ResultStore(tmp_path / "b")
        first = sweep(TARGET, N_values=[100], store=store, executor=dask, **KW)
        remote = sweep(TARGET, N_values=[100, 200], store=store, executor=dask, **KW)
    assert not first["cached"].any()
    assert remote[remote["N"] == 100]["cached"].all()       # resumed from the cache
    assert not remote[remote["N"] == 200]["cached"].any()
    cols = ["learner", "N", "seed", "lr", "weight_decay", "ridge"]
    a = local.sort_values(cols, na_position="first").reset_index(drop=True)
    b = remote.sort_values(cols, na_position="first").reset_index(drop=True)
    assert list(a["learner"]) == list(b["learner"])
    assert np.allclose(a["test_error"], b["test_error"], rtol=1e-5)
    assert list(a["selected_val"]) == list(b["selected_val"])


def test_executor_from_environment(monkeypatch):
    monkeypatch.delenv("HL_EXECUTOR", raising=False)
    assert isinstance(from_environment(), InProcess)
    monkeypatch.setenv("HL_EXECUTOR", "spark")
    with pytest.raises(ValueError, match="unknown executor 'spark'"):
        from_environment()
    monkeypatch.setenv("HL_EXECUTOR", "dask")
    monkeypatch.delenv("HL_SCHEDULER", raising=False)
    with pytest.raises(ValueError, match="needs a scheduler address"):
        from_environment()


@pytest.mark.slow
def test_process_pool_matches_in_process(tmp_path):
    from hlcore.executors import Processes

    kw = {**KW, "seeds": 1}
    local = sweep(TARGET, N_values=[100], store=ResultStore(tmp_path / "a"), executor=InProcess(),
                  **kw)
    pooled = sweep(TARGET, N_values=[100], store=ResultStore(tmp_path / "b"),
                   executor=Processes(2), **kw)
    assert np.allclose(local["test_error"], pooled["test_error"], rtol=1e-5)



@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_stop_when_the_process_that_started_them_is_killed(tmp_path):
    """A killed run (`kill` of hl or its kernel, not Ctrl-C to the whole group) must not leave
    its worker processes training on."""
    import os
    import signal
    import subprocess
    import time

    pids = tmp_path / "pids"
    (tmp_path / "sleeper.py").write_text(
        "import os, time\n"
        "def sleep_and_report(path):\n"
        "    with open(path, 'a') as f:\n"
        "        f.write(f'{os.getpid()}\\n')\n"
        "    time.sleep(60)\n")
    script = ("from hlcore.executors import Processes\n"
              "from sleeper import sleep_and_report\n"
              f"Processes(2).map(sleep_and_report, [{str(pids)!r}] * 2, progress=False)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    deadline = time.time() + 60
    while time.time() < deadline and len(pids.read_text().split() if pids.exists() else []) < 2:
        time.sleep(0.2)
    workers = [int(p) for p in pids.read_text().split()]
    assert len(workers) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 10
    alive = workers
    while alive and time.time() < deadline:
        time.sleep(0.2)
        alive = [p for p in workers if _running(p)]
    for pid in alive:  # leave no orphan behind, even when the check fails
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived their parent"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False

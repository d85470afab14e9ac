import pytest

from hlcore import pages, profiles
from hlcore.cli import main as hl
from hlcore.plan import Task, format_plan, notebook_tasks, plan

FAKE = {"step_overhead_s": 3e-4, "train_flops_per_s": 5e10, "kernel_entries_per_s": 2e7,
        "cholesky_flops_per_s": 5e10, "matmul32_flops_per_s": 1e11}


@pytest.mark.parametrize("name", list(pages.PAGES))
def test_every_notebook_has_a_plan(name):
    for profile in profiles.PROFILES:
        p = plan(name, profile, calibration=FAKE)
        assert p["trainings"] > 0 and p["seconds_here"] > 0 and p["seconds_gpu"] > 0
        assert "estimated time here" in format_plan(p)


def test_plan_counts_match_the_sweep():
    P = profiles.resolve("separation", "quick")
    tasks = notebook_tasks("separation", P)
    grid = len(P["lrs"]) * len(P["weight_decays"])
    n_train = P["seeds"] * len(P["N_values"]) * len(P["learners"])
    assert sum(t.configs for t in tasks if t.kind == "train") == n_train * grid
    n_kernel_N = len([N for N in P["N_values"] if N <= P["kernel_N_max"]])
    assert len([t for t in tasks if t.kind == "kernel"]) == (P["seeds"] * n_kernel_N
                                                             * len(P["kernels"]))


def test_paper_profile_costs_more_than_quick():
    quick = plan("separation", "quick", calibration=FAKE)
    paper = plan("separation", "paper", calibration=FAKE)
    assert paper["flops"] > 50 * quick["flops"]
    assert paper["seconds_here"] > paper["seconds_gpu"]


def test_kernel_memory_is_counted():
    t = Task("kernel", "2layer(NTK-inf)", N=20000, m=0, d=30, k=15, n_eval=0, ridges=6)
    assert t.memory() == pytest.approx(8 * 2 * 20000**2)


def test_run_refuses_a_kernel_that_cannot_fit(capsys, tmp_path):
    code = hl(["run", "separation", "--profile", "smoke", "--out", str(tmp_path / "o"),
               "-p", "N_values", "2000000", "-p", "kernel_N_max", "2000000"])
    assert code == 2
    err = capsys.readouterr().err
    assert "room for N <= " in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_run_refuses_a_network_that_cannot_fit(capsys, tmp_path):
    code = hl(["run", "width", "--out", str(tmp_path / "o"), "-p", "m_values", "100000",
               "-p", "learners", "3layer"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "GiB" in err and "m=100,000" in err
    assert not (tmp_path / "o").exists()

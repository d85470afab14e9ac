import numpy as np
import pandas as pd
import pytest
import torch

from hlcore import Data, make_learner, make_target, mark_selected, paper_grid, select, train_grid
from hlcore.train import _order_generator, train_batched

TARGET = make_target("parity-v3", d=10, k=5, g_degree=2)
KW = dict(N=200, m=24, epochs=4, batch_size=50, n_val=100, n_test=100, device="cpu")


def reference_sgd(target, seed, lr, wd, *, N, m, epochs, batch_size, **_):
    """One configuration with torch.optim.SGD and MultiStepLR: an independent implementation
    of the protocol (the data order comes from the same per-seed stream)."""
    data = Data.sample(target, N, n_val=100, n_test=100, seed=0)
    model = make_learner("3resnet", target.d, target.k, m, [seed])
    opt = torch.optim.SGD([model.W, model.V], lr=lr, momentum=0.9, weight_decay=wd)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[epochs // 2], gamma=0.1)
    gen = _order_generator(seed)
    for _ in range(epochs):
        order = torch.randperm(N, generator=gen)
        for i in range(0, N, batch_size):
            idx = order[i:i + batch_size]
            out = model(data.x_train[idx])[0]
            loss = 0.5 * (out - data.y_train[idx]).pow(2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    with torch.no_grad():
        return float((model(data.x_test)[0] - data.y_test).pow(2).sum(1).mean()), model


def test_paper_grid():
    assert paper_grid(1, 2) == [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]


def test_batched_grid_equals_separate_runs_and_reference_sgd():
    lrs, wds = [0.05, 0.2], [0.0, 1e-2]
    grid, (model,) = train_grid(TARGET, "3resnet", lrs=lrs, weight_decays=wds, seeds=[3],
                                return_models=True, **KW)
    assert len(grid) == 4 and not grid["diverged"].any()
    for b, row in grid.iterrows():
        alone = train_grid(TARGET, "3resnet", lrs=[row.lr], weight_decays=[row.weight_decay],
                           seeds=[3], **KW).iloc[0]
        for col in ("train_error", "val_error", "test_error"):
            assert alone[col] == pytest.approx(row[col], rel=1e-4, abs=1e-6)
        ref_err, ref_model = reference_sgd(TARGET, 3, row.lr, row.weight_decay, **KW)
        assert ref_err == pytest.approx(row.test_error, rel=1e-4, abs=1e-6)
        assert torch.allclose(ref_model.W[0], model.W[b], atol=1e-5)
        assert torch.allclose(ref_model.V[0], model.V[b], atol=1e-5)
    # training moved the weights away from the initialisation
    assert grid["test_error"].min() < grid["test_error"].max()


def test_diverging_configuration_is_marked_and_the_rest_unaffected():
    good = train_grid(TARGET, "3resnet", lrs=[0.1], weight_decays=[0.0], seeds=[0], **KW)
    mixed = train_grid(TARGET, "3resnet", lrs=[0.1, 1e4], weight_decays=[0.0], seeds=[0], **KW)
    assert list(mixed["diverged"]) == [False, True]
    assert np.isnan(mixed.loc[1, "test_error"])
    assert mixed.loc[0, "test_error"] == pytest.approx(good.loc[0, "test_error"], rel=1e-5)
    best = select(mixed)
    assert len(best) == 1 and best.iloc[0]["lr"] == 0.1


def test_selection_by_validation_and_by_test():
    t = pd.DataFrame({"target": "t", "learner": "l", "N": 1, "m": 1, "seed": 0, "data_seed": 0,
                      "lr": [1, 2, 3], "val_error": [0.5, 0.4, np.nan],
                      "test_error": [0.3, 0.45, 0.1], "diverged": [False, False, True]})
    assert select(t).iloc[0]["lr"] == 2
    assert select(t, by="test_error").iloc[0]["lr"] == 1
    marked = mark_selected(t)
    assert list(marked["selected_val"]) == [False, True, False]
    assert list(marked["selected_test"]) == [True, False, False]
    with pytest.raises(ValueError, match="select by 'val_error' or 'test_error'; got 'x'"):
        select(t, by="x")


def test_tidy_columns():
    grid = train_grid(TARGET, "2layer", lrs=[0.1], weight_decays=[0.0], **KW)
    for col in ("target", "learner", "d", "k", "alpha", "beta", "N", "m", "seed", "lr",
                "weight_decay", "epochs", "train_error", "val_error", "test_error", "diverged",
                "seconds"):
        assert col in grid.columns, col


def test_groups_give_the_same_results_as_one_batch():
    a = train_grid(TARGET, "2layer", lrs=[0.05, 0.1, 0.2], weight_decays=[0.0], **KW)
    b = train_grid(TARGET, "2layer", lrs=[0.05, 0.1, 0.2], weight_decays=[0.0], group_size=2, **KW)
    assert np.allclose(a["test_error"], b["test_error"], rtol=1e-4)


@pytest.mark.parametrize("kwargs, match", [
    (dict(N=0), "N must be a positive integer; got 0"),
    (dict(lrs=[]), "lrs must not be empty"),
    (dict(weight_decays=[]), "weight_decays must not be empty"),
    (dict(seeds=[]), "seeds must not be empty"),
    (dict(lrs=[-0.1]), "lr must be a number >= 0; got -0.1"),
    (dict(m=-5), "m must be a positive integer; got -5"),
    (dict(epochs=0), "epochs must be a positive integer; got 0"),
])
def test_bad_training_input(kwargs, match):
    args = {**KW, "lrs": [0.1], "weight_decays": [0.0], **kwargs}
    with pytest.raises(ValueError, match=match):
        train_grid(TARGET, "2layer", **args)


def test_cuda_request_without_cuda_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ValueError, match="no CUDA device"):
        train_grid(TARGET, "2layer", lrs=[0.1], weight_decays=[0.0], **{**KW, "device": "cuda"})


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    cpu = train_grid(TARGET, "3resnet", lrs=[0.1], weight_decays=[0.0], **KW)
    gpu = train_grid(TARGET, "3resnet", lrs=[0.1], weight_decays=[0.0], **{**KW, "device": "cuda"})
    assert gpu.loc[0, "test_error"] == pytest.approx(cpu.loc[0, "test_error"], rel=1e-3)


def test_protocol_readings_loss_sum_and_decay_on_the_whole_weight():
    # A summed loss is the mean loss with lr x batch and weight decay / batch, exactly.
    kw = {**KW, "N": 100, "seeds": [1]}
    summed = train_grid(TARGET, "3resnet", lrs=[0.002], weight_decays=[0.05],
                        loss_reduction="sum", **kw).iloc[0]
    mean = train_grid(TARGET, "3resnet", lrs=[0.1], weight_decays=[0.001], **kw).iloc[0]
    assert summed.test_error == pytest.approx(mean.test_error, rel=1e-4)
    assert summed.loss_reduction == "sum" and mean.loss_reduction == "mean"
    # decay on the whole weight: an independent torch.optim.SGD on W0 + W as one parameter
    grid, (model,) = train_grid(TARGET, "3resnet", lrs=[0.1], weight_decays=[0.05],
                                decay="weight", return_models=True, **kw)
    data = Data.sample(TARGET, 100, n_val=100, n_test=100, seed=0)
    ref = make_learner("3resnet", TARGET.d, TARGET.k, KW["m"], [1])
    full = {n: torch.nn.Parameter(getattr(ref, n + "0").clone()) for n in ("W", "V")}
    opt = torch.optim.SGD(full.values(), lr=0.1, momentum=0.9, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[KW["epochs"] // 2], gamma=0.1)
    gen = _order_generator(1)
    for _ in range(KW["epochs"]):
        order = torch.randperm(100, generator=gen)
        for i in range(0, 100, 50):
            idx = order[i:i + 50]
            for n in ("W", "V"):  # the network reads W0 + W: put the full weight in W0
                setattr(ref, n + "0", full[n])
                ref.get_parameter(n).data.zero_()
            loss = 0.5 * (ref(data.x_train[idx])[0] - data.y_train[idx]).pow(2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    for n in ("W", "V"):
        assert torch.allclose(full[n].detach()[0], (getattr(model, n + "0") + getattr(model, n))[0],
                              atol=1e-5)
    assert grid.iloc[0].decay == "weight"


def test_printed_initialisation_mean_one():
    from hlcore import InitScales

    net = make_learner("3resnet", 10, 5, 400, [0], init=InitScales(a_mean=1.0, v_mean=1.0))
    assert net.A0.mean().item() == pytest.approx(1.0, abs=0.01)
    assert net.V0[..., :-1].mean().item() == pytest.approx(1.0, abs=0.01)
    assert abs(net.V0[..., -1].mean().item()) < 0.05 and abs(net.W0.mean().item()) < 0.05
    with pytest.raises(ValueError, match="unknown decay 'all'"):
        train_grid(TARGET, "3resnet", lrs=[0.1], weight_decays=[0.0], decay="all", **KW)


def test_early_stopping_reports_the_checkpoint_with_the_lowest_validation_error():
    """Against an independent record: a callback evaluating every epoch of the same run."""
    kw = {**KW, "epochs": 6}
    lrs, wds = [0.05, 0.5], [0.0, 1e-3]
    plain = train_grid(TARGET, "3resnet", lrs=lrs, weight_decays=wds, seeds=[1], **kw)
    es = train_grid(TARGET, "3resnet", lrs=lrs, weight_decays=wds, seeds=[1],
                    early_stopping=True, eval_every=2, **kw)
    # the final model is the same with or without recording
    for s in ("train", "val", "test"):
        assert np.allclose(es[f"final_{s}_error"], plain[f"{s}_error"], rtol=1e-5)
    data = Data.sample(TARGET, kw["N"], n_val=100, n_test=100, seed=0)
    model = make_learner("3resnet", TARGET.d, TARGET.k, kw["m"], [1] * 4)
    record = []

    def every_epoch(epoch, model):
        from hlcore.train import squared_error
        record.append((epoch + 1, *(squared_error(model, getattr(data, "x_" + s),
                                                  getattr(data, "y_" + s)).numpy()
                                    for s in ("train", "val", "test"))))

    configs = [(lr, wd) for lr in lrs for wd in wds]
    train_batched(model, data, [c[0] for c in configs], [c[1] for c in configs],
                  epochs=6, callback=every_epoch, progress=False)
    checkpoints = [r for r in record if r[0] in (2, 4, 6)]
    for b, row in es.iterrows():
        vals = [r[2][b] for r in checkpoints]
        i = int(np.argmin(vals))
        assert row.stop_epoch == checkpoints[i][0]
        assert row.val_error == pytest.approx(vals[i], rel=1e-5)
        assert row.test_error == pytest.approx(checkpoints[i][3][b], rel=1e-5)
        assert row.train_error == pytest.approx(checkpoints[i][1][b], rel=1e-5)
        assert row.best_test_error_along == pytest.approx(
            min(r[3][b] for r in checkpoints), rel=1e-5)
        assert row.val_error <= row.final_val_error + 1e-9


def test_early_stopping_marks_a_diverged_configuration():
    es = train_grid(TARGET, "3resnet", lrs=[0.1, 1e4], weight_decays=[0.0], seeds=[0],
                    early_stopping=True, **KW)
    assert list(es["diverged"]) == [False, True]
    assert np.isnan(es.loc[1, "test_error"]) and np.isnan(es.loc[1, "stop_epoch"])
    assert select(es).iloc[0]["lr"] == 0.1


def _grid_table(val, lrs=(0.1, 0.2, 0.5), wds=(0.0, 1e-3), diverged=()):
    rows = [{"learner": "3resnet", "fit": "sgd", "N": 100, "m": 8, "seed": 0, "lr": lr,
             "weight_decay": wd, "val_error": val(lr, wd), "test_error": val(lr, wd),
             "diverged": (lr, wd) in diverged} for lr in lrs for wd in wds]
    return pd.DataFrame(rows)


def test_grid_edges():
    from hlcore.train import grid_edges

    # an interior optimum: no edge
    assert grid_edges(_grid_table(lambda lr, wd: abs(lr - 0.2) + wd)).empty
    # the largest learning rate: an edge at the top
    e = grid_edges(_grid_table(lambda lr, wd: -lr + wd))
    assert list(e[["parameter", "side"]].itertuples(index=False, name=None)) == [("lr", "top")]
    # the largest value diverged everywhere: the one below it is bounded, no edge
    e = grid_edges(_grid_table(lambda lr, wd: -lr + wd,
                               diverged={(0.5, 0.0), (0.5, 1e-3)}))
    assert e.empty
    # the smallest learning rate and the largest weight decay
    e = grid_edges(_grid_table(lambda lr, wd: lr - wd))
    assert set(e[["parameter", "side"]].itertuples(index=False, name=None)) == {
        ("lr", "bottom"), ("weight_decay", "top")}
    # a weight decay of 0 at the bottom is no edge, a single learning rate is
    e = grid_edges(_grid_table(lambda lr, wd: wd, lrs=(0.1,)))
    assert list(e[["parameter", "side"]].itertuples(index=False, name=None)) == [
        ("lr", "only value")]
    # by the test error (the paper's rule) the choice, and so the edge, can differ
    e = grid_edges(_grid_table(lambda lr, wd: abs(lr - 0.2) + wd).assign(
        test_error=lambda t: -t["lr"]), by="test_error")
    assert list(e["side"]) == ["top"]


def test_checkpoints_every_25_epochs_at_the_papers_budget_and_at_least_8_in_a_short_run():
    from hlcore.sweep import checkpoint_every

    # 25 at 800 epochs is pinned: the committed reference runs were keyed on it
    assert checkpoint_every(800) == 25 and checkpoint_every(200) == 25
    assert checkpoint_every(40) == 5 and checkpoint_every(2) == 1


def test_budget_edges_name_the_target_setting_a_page_varies():
    """Sensitivity varies beta: an edge line says at which beta it sits."""
    from hlcore import claims

    interior = _grid_table(lambda lr, wd: abs(lr - 0.2) + wd).assign(beta=1.0)
    edge = _grid_table(lambda lr, wd: -lr + wd).assign(beta=0.0)
    table = pd.concat([interior, edge], ignore_index=True)
    table["selected_val"] = False
    b = claims.Budget.of({"lrs": [0.1, 0.2, 0.5], "weight_decays": [0.0, 1e-3], "seeds": 1},
                         table)
    assert len(b.edges) == 1 and "(beta=0, " in b.edges[0] and "lr 0.5 at the top" in b.edges[0]


def test_the_zero_function_is_weight_decays_limit_for_every_learner():
    """claims.DECAY_LIMIT: with every trained weight W0 + W at zero a learner computes 0 (the
    biases are columns of those weights; A multiplies relu(0)), and ever stronger decay on
    W0 + W takes a trained 3resnet to the zero function's errors, computed as pages does.
    (It gets there like 1/decay, here from below: a strongly decayed network is a small
    multiple of a gradient direction, which can correlate with y.)"""
    from hlcore.learners import LEARNERS
    from hlcore.pages.sensitivity import zero_function_errors

    x = torch.randn(7, TARGET.d)
    for name in LEARNERS:
        model = make_learner(name, TARGET.d, TARGET.k, 6, [0, 1])
        with torch.no_grad():
            for w in model.trained:
                getattr(model, w).copy_(-getattr(model, w + "0"))
        assert torch.equal(model(x), torch.zeros(2, 7, TARGET.k)), name
    table = train_grid(TARGET, "3resnet", lrs=[0.01], weight_decays=[0.0, 50.0, 300.0],
                       seeds=[0], decay="weight", **{**KW, "epochs": 40})
    P = {"alpha": TARGET.alpha, "d": TARGET.d, "k": TARGET.k, "g_degree": 2,
         "n_val": KW["n_val"], "n_test": KW["n_test"]}
    zero = zero_function_errors(table, P).iloc[0]
    for col in ("val_error", "test_error"):
        gap = (table.set_index("weight_decay")[col] - zero[col]).abs()
        assert gap[0.0] > gap[50.0] > gap[300.0] and gap[300.0] < 1e-3 * zero[col], gap

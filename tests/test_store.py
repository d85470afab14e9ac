"""The result cache's key: the source of every module the computation imports, read from the
imports (so editing the fused step misses the cache, and editing plotting code does not)."""
import shutil

import pytest

from hlcore import make_target, store, train_grid
from hlcore.store import ResultStore, code_hash, imported_closure


@pytest.fixture
def package_copy(tmp_path):
    copy = tmp_path / "hlcore"
    shutil.copytree(store.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def edit(path):
    path.write_text(path.read_text() + "\n# edited\n")


def test_the_closure_follows_imports_not_a_list():
    train = imported_closure("train")
    assert "hlcore.fused" in train and "hlcore.learners" in train  # train -> fused, learners
    assert "hlcore.plots" not in train and "hlcore.claims" not in train
    assert "hlcore.fused" in imported_closure("hierarchy")
    # a lazy import inside a function counts: kernels imports train at the top, plan lazily
    assert "hlcore.sweep" in imported_closure("plan")


@pytest.mark.parametrize("edited, changes", [
    ("fused.py", {"train", "kernels", "hierarchy", "frobenius", "sweep"}),
    ("hierarchy.py", {"hierarchy"}),
    ("plots.py", set()),
    ("claims.py", set()),
])
def test_editing_a_module_changes_exactly_the_hashes_that_import_it(package_copy, edited,
                                                                    changes):
    roots = ("train", "kernels", "hierarchy", "frobenius", "sweep", "gap")
    before = {r: code_hash(r, package_dir=package_copy) for r in roots}
    edit(package_copy / edited)
    after = {r: code_hash(r, package_dir=package_copy) for r in roots}
    assert {r for r in roots if before[r] != after[r]} >= changes
    if not changes:
        assert before == after


def test_an_edit_of_the_fused_step_misses_the_result_cache(package_copy, tmp_path,
                                                           monkeypatch):
    t = make_target("parity-v3", d=10, k=5, g_degree=2)
    kw = dict(N=100, m=16, epochs=2, n_val=50, n_test=50, device="cpu", lrs=[0.1],
              weight_decays=[0.0])
    cache = ResultStore(tmp_path / "cache")
    monkeypatch.setattr(store, "PACKAGE_DIR", package_copy)
    assert list(train_grid(t, "3resnet", store=cache, **kw)["cached"]) == [False]
    assert list(train_grid(t, "3resnet", store=cache, **kw)["cached"]) == [True]
    edit(package_copy / "plots.py")  # presentation: the result stands
    assert list(train_grid(t, "3resnet", store=cache, **kw)["cached"]) == [True]
    edit(package_copy / "fused.py")  # the hand-written backward pass: recomputed
    assert list(train_grid(t, "3resnet", store=cache, **kw)["cached"]) == [False]


def test_the_key_names_the_module_and_the_device():
    cache = ResultStore("/nonexistent")
    spec = {"fit": "sgd", "device": "cpu"}
    assert cache.key(spec, "hlcore.train") != cache.key(spec, "hlcore.hierarchy")
    assert cache.key(spec, "hlcore.train") != cache.key({**spec, "device": "cuda"},
                                                        "hlcore.train")


COMPUTE = ("targets", "learners", "train", "fused", "kernels", "sweep", "gap", "hierarchy",
           "frobenius", "protocol", "executors", "store", "names", "validation", "featuremaps")
PRESENTATION = {"hlcore.plots", "hlcore.report", "hlcore.pipeline", "hlcore.cli",
                "hlcore.pages", "hlcore.profiles", "hlcore.quick"}


@pytest.mark.parametrize("module", COMPUTE + ("claims",))
def test_no_compute_or_verdict_module_imports_presentation_or_book_code(module):
    """Imports go one way: the science and the verdict core never reach plotting, Markdown,
    the book build or the page registry (so editing those never dates a result)."""
    assert not set(imported_closure(module)) & PRESENTATION, module


def test_every_hlcore_module_is_either_compute_verdict_or_presentation():
    """A new module has to be placed in one of the layers above (and so in these tests)."""
    names = {p.stem for p in store.PACKAGE_DIR.glob("*.py")} - {"__init__"}
    known = set(COMPUTE) | {"claims"} | {m.split(".")[1] for m in PRESENTATION} | {
        "plan", "restamp"}
    assert names <= known, names - known

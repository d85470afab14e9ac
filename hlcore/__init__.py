"""hlcore: an executable companion to "What Can ResNet Learn Efficiently, Going Beyond Kernels?"
(Allen-Zhu and Li, NeurIPS 2019): targets, learners, the paper's SGD protocol and kernel baselines.

The names below are imported on first use (PEP 562), so that `hl --help` and other commands that
train nothing do not pay for importing PyTorch."""
from importlib import import_module

__version__ = "0.1.0"
_WHERE = {"LEARNERS": "learners", "InitScales": "learners", "make_learner": "learners",
          "TARGETS": "targets", "make_target": "targets", "Data": "train",
          "mark_selected": "train", "paper_grid": "train", "select": "train",
          "train_batched": "train", "train_grid": "train"}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'hlcore' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)

"""hlcore: an executable companion to "What Can ResNet Learn Efficiently, Going Beyond Kernels?"
(Allen-Zhu and Li, NeurIPS 2019): targets, learners, the paper's SGD protocol and kernel baselines."""
from .learners import LEARNERS, InitScales, make_learner
from .targets import TARGETS, make_target
from .train import Data, mark_selected, paper_grid, select, train_batched, train_grid

__version__ = "0.1.0"
__all__ = ["LEARNERS", "TARGETS", "Data", "InitScales", "make_learner", "make_target",
           "mark_selected", "paper_grid", "select", "train_batched", "train_grid"]

"""Learner and kernel names: '3resnet', '2layer(NTK)', '3layer(last-inf)', ..."""
from __future__ import annotations

import re

from .validation import check_choice

BASE_LEARNERS = ("3resnet", "3resnet-plain", "3layer", "2layer")
KINDS = ("last", "NTK", "last-inf", "NTK-inf")
_NAME = re.compile(r"^(?P<base>[^()]+)\((?P<kind>[^()]+)\)$")


def is_kernel_name(name: str) -> bool:
    return bool(_NAME.match(str(name)))


def parse_kernel_name(name: str) -> tuple[str, str]:
    """'3resnet(NTK-inf)' -> ('3resnet', 'NTK-inf'), with a clear error for anything else."""
    match = _NAME.match(str(name))
    if not match:
        raise ValueError(f"unknown kernel {name!r}; a kernel is named LEARNER(KIND) with LEARNER "
                         f"in {', '.join(BASE_LEARNERS)} and KIND in {', '.join(KINDS)}, "
                         f"e.g. '2layer(NTK)'")
    check_choice("learner", match["base"], BASE_LEARNERS)
    check_choice("kernel kind", match["kind"], KINDS)
    return match["base"], match["kind"]

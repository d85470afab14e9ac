"""Names: learners and kernels ('3resnet', '2layer(NTK)', '3layer(last-inf)', ...) and the
profiles. Light on purpose (no PyTorch): the command line's help is built from it."""
from __future__ import annotations

import re

from .validation import check_choice

BASE_LEARNERS = ("3resnet", "3resnet-plain", "3layer", "2layer")
KINDS = ("last", "NTK", "last-inf", "NTK-inf")
PROFILES = ("smoke", "quick", "reference", "paper")
PROFILE_HELP = ("smoke: seconds, for tests; quick: minutes on a 2-core laptop (the default); "
                "reference: the paper's 800 epochs with wide grids (committed under "
                "results/reference/; hl plan NAME --profile reference gives its cost here); "
                "paper: the paper's full scale, refused where it cannot fit")
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

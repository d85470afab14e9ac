"""The alpha-scaling page's verdict on small synthetic tables: slopes with their spread over
seeds, a floor named rather than read, and the kernels' clause under both selection rules."""
import itertools

import numpy as np
import pandas as pd

from hlcore import claims as C
from hlcore.pages import alpha_scaling as A

FULL = C.Budget(epochs=800, grid="8 points", seeds=3)
K = ["2layer(NTK-inf)", "3resnet(NTK-inf)"]


def table(resnet=lambda a, s: 0.5 * a**4 * (1 + 0.05 * s), kernel=lambda a: 0.9 * 4 * a**2,
          paper_kernel=None):
    rows = []
    for a, s in itertools.product((0.1, 0.15, 0.2, 0.3, 0.4), range(3)):
        rows.append({"alpha": a, "learner": "3resnet", "seed": s, "test_error": resnet(a, s),
                     "test_error_paper_rule": resnet(a, s), "threshold": 4 * a**2})
        for name in K:
            e = kernel(a)
            rows.append({"alpha": a, "learner": name, "seed": s, "test_error": e,
                         "test_error_paper_rule": (paper_kernel or kernel)(a),
                         "threshold": 4 * a**2})
    return pd.DataFrame(rows)


def test_alpha_scaling_slopes():
    v = A.alpha_scaling(table(), K, FULL)
    assert v.verdict == C.REPRODUCED, v.summary()
    s = A.slopes(table())
    assert np.allclose(s[s.learner == "3resnet"]["slope"], 4.0)
    assert np.allclose(s[s.learner == "2layer(NTK-inf)"]["slope"], 2.0)
    # a ResNet that only learns a fixed share of alpha G(F): slope 2, judged and failed
    v = A.alpha_scaling(table(resnet=lambda a, s: 0.3 * a**2 * (1 + 0.1 * s)), K, FULL)
    assert v.verdict == C.PARTLY and "faster than alpha^2" in v.failed[0]


def test_alpha_scaling_names_a_floor():
    """Steep at large alpha, flat at the smallest: a floor, named and not read as a pass."""
    v = A.alpha_scaling(table(resnet=lambda a, s: 0.5 * a**4 + 2e-3 * (1 + 0.1 * s)), K, FULL)
    clause = v.clauses[0]
    assert not clause.passed and not clause.judged and "a floor" in clause.detail
    assert v.verdict == C.INCONCLUSIVE


def test_alpha_scaling_kernels_must_stay_above_under_either_rule():
    v = A.alpha_scaling(table(paper_kernel=lambda a: 0.3 * 4 * a**2), K, FULL)
    assert v.verdict == C.PARTLY and "either selection rule" in v.failed[0]

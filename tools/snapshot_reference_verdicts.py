"""Write tests/data/reference_verdicts.json: every committed reference run's verdicts (verdict,
summary, clauses, key number) and the scorecard's reference cells, as this checkout decides
them. A refactor meant to move no verdict is checked against it (tests/test_reference.py);
rewrite it only when a verdict is meant to change, and say why in the commit.

    python tools/snapshot_reference_verdicts.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def snapshot() -> dict:
    import matplotlib

    matplotlib.use("Agg")
    from hlcore import claims, pages, report

    out, cards = {}, {}
    for name in sorted(pages.PAGES):
        ref = pages.reference(name)
        if ref is None:
            continue
        page, T = pages.PAGES[name], ref.tables
        key = page.key(T, ref.P)
        found = {}
        if page.verdict is not None:
            found[name] = (page.verdict(T, ref.P), key)
        for claim, (fn, more_key) in page.more.items():
            found[claim] = (fn(T, ref.P), more_key(T, ref.P))
        if not found:
            out[name] = {"key": key}
        for claim, (v, k) in found.items():
            d = v.to_dict()
            out[claim] = {"verdict": d["verdict"], "summary": d["summary"], "key": k,
                          "clauses": [(c["name"], c["passed"], c["judged"]) for c in
                                      d["clauses"]]}
            cards[claim] = {**d, "key": k}
    out["scorecard"] = report.scorecard_markdown({}, cards)
    return out


if __name__ == "__main__":
    path = ROOT / "tests" / "data" / "reference_verdicts.json"
    path.write_text(json.dumps(snapshot(), indent=1) + "\n")
    print(f"wrote {path}")

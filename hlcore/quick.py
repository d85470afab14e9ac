"""A run below the paper's budget beside the committed paper-budget run of its page.

A quick profile that differs from the reference run only in a sub-lattice of its configurations
(fewer learning rates, decays, widths, learners or seeds; the same data, initialisations and
epochs) has its verdicts predicted exactly by the reference tables cut to that lattice
(`quick_prediction`, checked by tests/test_quick_profiles.py); any other says what it cuts
(`quick_design`), and an open verdict names the run that would settle it (`closing_step`).
"""
from __future__ import annotations

import pandas as pd

from . import claims, pages, profiles


def quick_design(name: str) -> str:
    """For this process's quick run of page `name`, one sentence on how its profile relates to
    the committed paper-budget run ("" for another profile or without one): a sub-lattice
    whose verdicts the reference tables predict (quick_prediction), or what it cuts, with the
    page's reason (Page.quick_note)."""
    P, ref = pages._RUNS.get(name), pages.reference(name)
    if P is None or P.get("profile") != "quick" or ref is None or name not in pages.PAGES:
        return ""
    page = pages.PAGES[name]
    if is_sub_lattice(name):
        return ("it runs a subset of the paper-budget run's configurations (the same data, "
                "initialisations and epochs), where that run decides the claim; cut to this "
                "subset, the paper-budget tables give the same verdicts, which the tests "
                "check.")
    R, cuts = ref.P, []
    if P.get("epochs") and R.get("epochs") and P["epochs"] < R["epochs"]:
        cuts.append(f"{P['epochs']} of its {R['epochs']} epochs")
    if "lrs" in P and "lrs" in R:
        q = len(P["lrs"]) * len(P.get("weight_decays", [0]))
        r = len(R["lrs"]) * len(R.get("weight_decays", [0]))
        if q < r:
            cuts.append(f"{q} of its {r} learning-rate and decay pairs")
    if P.get("seeds", 0) < R.get("seeds", 0):
        cuts.append(f"{P['seeds']} of its {R['seeds']} seeds")
    what = ("it runs " + ", ".join(cuts) + " of the paper-budget run" if cuts
            else "it runs a smaller budget than the paper-budget run")
    return (f"{what} (whose last pass took {ref.took}), so a claim that run settles may stay "
            f"open here. {page.quick_note}").strip()


def closing_step(claim: str) -> str:
    """For an inconclusive verdict of this process's run below the reference profile, the one
    run that would settle it, as a sentence for the answer box ("" otherwise): the committed
    paper-budget run (its verdict and measured time), or the command that makes one."""
    name = pages.claim_pages().get(claim, claim)
    P = pages._RUNS.get(name)
    if P is None or P.get("profile") in ("reference", "paper"):
        return ""
    ref = pages.reference(name)
    if ref is None:
        return (f"What would settle it: the paper-budget run, `hl run {name} --profile "
                f"reference` (`hl plan {name} --profile reference` gives its cost here).")
    page = pages.PAGES[name]
    fn = page.verdict if claim == name else page.more.get(claim, (None,))[0]
    at_budget = fn(ref.tables, ref.P).verdict if fn is not None else None
    if at_budget in (None, claims.INCONCLUSIVE):
        return ("The paper-budget run below leaves it open too; its notes say what keeps it "
                "open.")
    return (f"What settles it: the paper-budget run, committed below ({at_budget}); "
            f"`hl run {name} --profile reference` repeats it (its last pass took {ref.took} on "
            f"its machine).")


#: The parameters that only choose a sub-lattice of a run: a quick profile that differs from
#: its reference run in these alone (every value also in the reference run) runs a subset of
#: its configurations, with the same data, initialisations and epochs.
LATTICE = ("lrs", "weight_decays", "ridges", "m_values", "betas", "learners", "kernels",
           "more_lrs", "wide_m_values")


def is_sub_lattice(name: str, profile: str = "quick") -> bool:
    """Whether `profile` differs from page `name`'s committed reference run only in LATTICE
    values it also ran and in fewer seeds (parameters no verdict reads aside)."""
    ref = pages.reference(name)
    if ref is None or name not in pages.PAGES:
        return False
    not_judged, R = pages.PAGES[name].not_judged, ref.P
    Q = profiles.resolve(name, profile)
    if Q.get("wide_m_values"):  # a cut needs one grid per width: not predicted
        return False
    for key, value in Q.items():
        if key in not_judged or key == "profile" or key not in R:
            continue
        if key in ("wide_lrs", "wide_weight_decays"):
            continue  # the grid of wide widths this profile does not run
        if key in ("capped_learners", "capped_max_m"):  # width: a cap above the profile's widths
            if max(Q["m_values"]) > R.get("capped_max_m", max(Q["m_values"])):
                return False
            continue
        if key in LATTICE:
            if not set(value) <= set(R[key]):
                return False
        elif key == "seeds":
            if value > R[key]:
                return False
        elif value != R[key]:
            return False
    return True


def quick_prediction(name: str, profile: str = "quick") -> dict | None:
    """The verdicts a `profile` run of page `name` reaches, judged now on the committed
    reference run's tables cut to that profile's lattice (every verdict the page decides, by
    claim); None where the profile is no sub-lattice of the reference run (other epochs, N or
    data sizes: then only a run can tell). Rows are kept where every lattice column (lr,
    weight_decay, ridge, m, beta, learner) holds one of the profile's values or none (a kernel
    has no lr, an infinite-width kernel no finite m), seeds below its count; choices are made
    again on the cut grid."""
    from .train import mark_selected

    ref = pages.reference(name)
    if not is_sub_lattice(name, profile):
        return None
    page = pages.PAGES[name]
    Q, R = profiles.resolve(name, profile), ref.P
    allowed = {"lr": Q.get("lrs"), "weight_decay": Q.get("weight_decays"),
               "ridge": Q.get("ridges"), "m": Q.get("m_values"), "beta": Q.get("betas"),
               "learner": (list(Q["learners"]) + list(Q.get("kernels", [])))
               if "learners" in Q else None}
    T = {}
    for stem, table in ref.tables.items():
        if "selected_val" not in table.columns and stem not in page.searched_tables:
            T[stem] = table
            continue
        keep = pd.Series(True, index=table.index)
        for col, values in allowed.items():
            if values is not None and col in table.columns:
                keep &= table[col].isin(values) | table[col].isna() | (
                    (table[col] == float("inf")) if col == "m" else False)
        if "seed" in table.columns:
            keep &= table["seed"] < Q["seeds"]
        T[stem] = (mark_selected(table[keep].drop(columns=["selected_val", "selected_test"]))
                   if "selected_val" in table.columns else table[keep])
    P = {**R, **{k: v for k, v in Q.items() if k not in page.not_judged}}
    out = {}
    if page.verdict is not None:
        out[name] = page.verdict(T, P)
    for claim, (fn, _) in page.more.items():
        out[claim] = fn(T, P)
    return out

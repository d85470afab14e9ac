"""The paper's claims as code: each check takes the tidy table(s) a page produced and returns a
`Verdict`: the verdict, the clauses of its criterion with their outcomes, the numbers it used
(per seed) and the budget beside the paper's. No verdict is decided inside a notebook.

Four verdicts:

* **reproduced**: every clause holds, for every seed;
* **partly reproduced**: some clauses hold and others fail (the failing ones are named);
* **not reproduced**: every clause fails;
* **inconclusive at this budget**: below the paper's training budget (fewer epochs), an outcome
  that more training could reverse is not counted. A clause that says a *network succeeds*
  (more training helps it) cannot fail there, and a clause that says a network *fails* (more
  training could make it succeed) cannot pass there; either way the claim is left open, unless
  a clause that does not depend on the budget already fails.

Every criterion is like for like (both sides at the same N and width, the strongest rival, every
seed); the thresholds and margins marked [ours] are our reading of words like "well below".
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

REPRODUCED = "reproduced"
PARTLY = "partly reproduced"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive at this budget"
VERDICTS = (REPRODUCED, PARTLY, NOT_REPRODUCED, INCONCLUSIVE)

#: How each clause responds to more training: "helps" (it says a network succeeds), "hurts"
#: (it says a network fails or stays behind), "either" (a comparison of two networks that more
#: training could move both ways), "none" (kernels, solved exactly).
TRAINING = ("helps", "hurts", "either", "none")

PAPER_EPOCHS = 800
PAPER_GRID = "{1, 2, 5} x 10^-k for learning rate and weight decay"
PAPER_SELECTION = "best test error"


@dataclass
class Clause:
    name: str
    passed: bool
    detail: str
    training: str = "none"
    #: False when the data cannot decide the clause at all (nothing to compare, or only
    #: censored values): it stays open at any budget, and `passed` means nothing
    judged: bool = True
    #: whether this clause's own rows fall short of the paper's budget (fewer epochs, or a
    #: choice at a grid's edge); None: the whole budget's `short` applies
    short: bool | None = None

    def __post_init__(self):
        if self.training not in TRAINING:
            raise ValueError(f"unknown training effect {self.training!r}; allowed: {TRAINING}")
        self.passed = bool(self.passed) and self.judged
        self.judged = bool(self.judged)

    def unsettled(self, below_budget: bool) -> bool:
        """Whether more training (only below the paper's budget) or more data could reverse
        this outcome."""
        if not self.judged:
            return True
        below_budget = below_budget if self.short is None else self.short
        return below_budget and ((not self.passed and self.training in ("helps", "either"))
                                 or (self.passed and self.training in ("hurts", "either")))


@dataclass
class Budget:
    """What a run spent, beside what the paper spent."""

    epochs: int | None
    grid: str
    seeds: int
    selection: str = "validation set"
    paper_epochs: int | None = PAPER_EPOCHS
    paper_grid: str = PAPER_GRID
    paper_seeds: str = "not stated"
    paper_selection: str = PAPER_SELECTION
    #: chosen learning rates or weight decays at an edge of their grid (train.grid_edges)
    edges: list = field(default_factory=list)
    #: choices at the end of a grid that are no edge, each saying why: the zero function,
    #: weight decay's limit (with_decay_limit), or a kernel's smallest ridge where its path has
    #: converged (pages.sample_gap_edges)
    closed: list = field(default_factory=list)
    #: what the paper's column means where it ran no experiment of its own
    paper_note: str = ""

    @classmethod
    def of(cls, P: dict, table: pd.DataFrame | None = None, **kwargs) -> "Budget":
        """A page's budget from its resolved parameters; with its table, the epochs are the
        fewest that any SGD-trained row of it records (the table is what was measured), and
        when the table holds whole grids (rows not selected too), every chosen value at an
        edge of its grid is listed in `edges`."""
        grid = (f"{len(P['lrs'])} learning rates x {len(P.get('weight_decays', [0]))} weight "
                f"decays" if "lrs" in P else "n/a")
        epochs = P.get("epochs")
        if table is not None and "epochs" in table.columns and table["epochs"].notna().any():
            epochs = int(table["epochs"].dropna().min())
        if P.get("early_stopping"):
            kwargs.setdefault("selection", "validation set, with early stopping on it")
        if (table is not None and "edges" not in kwargs and "selected_val" in table.columns
                and "lr" in table.columns and not table["selected_val"].astype(bool).all()):
            kwargs["edges"], kwargs["closed"] = _grid_edges(table)
        elif (table is not None and "edges" not in kwargs and "lr" in table.columns
              and "selected_val" not in table.columns and len(P.get("lrs", [])) > 1):
            kwargs["edges"] = chosen_edges(table, P["lrs"])
        return cls(epochs=epochs, grid=grid, seeds=P.get("seeds", 1), **kwargs)

    @property
    def below_paper(self) -> bool:
        return (self.epochs is not None and self.paper_epochs is not None
                and self.epochs < self.paper_epochs)

    @property
    def short(self) -> bool:
        """Below the paper's epochs, or an optimum at a grid's edge: either way a network's
        failure may be the budget's, and more search could reverse it."""
        return self.below_paper or bool(self.edges)


def _whole(line: str) -> str:
    """An edge line with whole numbers as integers (m=32, not m=32.0: a width column that also
    holds the infinite kernels' inf is float). Mended here, on the lines, rather than where
    train.grid_edges writes them: train.py is a compute module, and a change there would mark
    every committed reference run stale."""
    import re

    return re.sub(r"=(-?\d+)\.0\b", r"=\1", line)


def _grid_edges(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """train.grid_edges as lines, each naming the target setting it belongs to where a page
    varies one (sensitivity's beta); and the places where weight decay's limit, the zero
    function, was chosen (see with_decay_limit). A choice of that limit has no edge: nothing
    lies beyond infinite decay, and every learning rate gives the same zero function. A finite
    decay chosen over it still has one at the top of the finite grid: the limit is no near
    neighbour, and a larger finite decay could do better than both."""
    from .train import SELECT_GROUP, grid_edges, select

    varying = [c for c in ("target", "alpha", "beta", "d", "k") if c in table.columns
               and table[c].nunique() > 1]
    groups = table.groupby(varying, sort=True) if varying else [((), table)]
    out, limits = [], []
    keys = [c for c in SELECT_GROUP if c in table.columns]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = "".join(f"{c}={v:g}, " if isinstance(v, float) else f"{c}={v}, "
                        for c, v in zip(varying, key))
        limit = np.isinf(sub["weight_decay"].astype(float))
        if limit.any():
            finite = []
            for _, g in sub.groupby(keys, sort=True, dropna=False):
                c = select(g, group=keys)
                if len(c) and np.isinf(float(c["weight_decay"].iloc[0])):
                    r = c.iloc[0]
                    limits.append(f"{r['learner']}: the zero function, weight decay's limit "
                                  f"({label}" + ", ".join(
                        f"{k}={r[k]}" for k in ("N", "m", "seed") if k in r.index) + ")")
                else:
                    finite.append(g[~np.isinf(g["weight_decay"].astype(float))])
            sub = pd.concat(finite) if finite else sub.iloc[:0]
        out += [f"{r.learner}: {r.parameter} {r.value:g} at the {r.side} of its grid "
                f"({label}{r.where})" for r in grid_edges(sub).itertuples()]
    return [_whole(line) for line in out], [_whole(line) for line in limits]


#: Weight decay's far end [ours]. With decay on the whole weight W0 + W (decay="weight", the
#: adopted protocol), ever stronger decay pulls every trained weight to zero, and a network
#: whose trained weights are zero is the zero function: biases are columns of the same
#: weights, and the fixed output layer A multiplies relu(0) = 0 (tests/test_claims.py checks
#: this for every learner, and that strong decay gets there). Its errors are mean ||y||^2 on
#: each set, known without training. Scoring it as one more grid member closes the decay axis
#: at infinity as 0 closes it below: where nothing is learnable the search's optimum can be
#: that limit, which no finite grid holds, and a chosen limit is then no edge. Between the
#: largest finite decay and the limit lies the grid's resolution, as between any two values.
DECAY_LIMIT = math.inf


def with_decay_limit(grid: pd.DataFrame, zero: pd.DataFrame) -> pd.DataFrame:
    """`grid` (whole grids, as train_grid returns them) with weight decay's limit scored: for
    each group trained with decay="weight" and each of its learning rates, one row with
    weight_decay = inf and the zero function's errors from `zero` (the columns that identify
    a data set, e.g. beta, N and data_seed, then train_error, val_error and test_error); then
    the chosen configurations marked again. Rows decayed otherwise are left as they were (under
    decay on the displacement the limit is the initialisation, whose errors need training
    code to compute)."""
    from .train import SELECT_GROUP, mark_selected

    errors = ["train_error", "val_error", "test_error"]
    on = [c for c in zero.columns if c not in errors]
    missing = [c for c in on + ["decay", "lr", "weight_decay"] if c not in grid.columns]
    if missing:
        raise ValueError(f"with_decay_limit: the grid lacks column(s) {missing}")
    keep = [c for c in SELECT_GROUP if c in grid.columns] + ["lr", "epochs", "decay", "series"]
    base = grid[grid["decay"] == "weight"]
    base = base[[c for c in dict.fromkeys(keep) if c in grid.columns]].drop_duplicates()
    rows = base.merge(zero, on=on, how="left", validate="many_to_one")
    if rows[errors].isna().any().any():
        raise ValueError("with_decay_limit: no zero-function errors for some data sets")
    rows = rows.assign(weight_decay=DECAY_LIMIT, diverged=False)
    out = pd.concat([grid[~np.isinf(grid["weight_decay"].astype(float))], rows],
                    ignore_index=True)
    return mark_selected(out)


def chosen_edges(chosen: pd.DataFrame, lrs) -> list[str]:
    """Edges for a table of chosen configurations only (a page that keeps no whole grid): each
    learning rate at the top or bottom of the grid `lrs` it was chosen from (a list, or a dict
    from learner to its own list)."""
    grids = lrs if isinstance(lrs, dict) else {}
    out = []
    for r in chosen.itertuples():
        grid = grids.get(r.learner, lrs if not grids else None)
        if grid is None or len(grid) < 2:
            continue
        lo, hi = min(grid), max(grid)
        side = "top" if r.lr == hi else "bottom" if r.lr == lo else None
        if side:
            where = ", ".join(f"{k}={getattr(r, k)}" for k in ("N", "m", "seed")
                              if hasattr(r, k))
            out.append(f"{r.learner}: lr {r.lr:g} at the {side} of its grid ({where})")
    return [_whole(line) for line in out]


@dataclass
class Verdict:
    claim: str
    statement: str
    criterion: str
    verdict: str
    clauses: list[Clause]
    numbers: pd.DataFrame
    budget: Budget
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.clauses if not c.passed]

    def summary(self) -> str:
        """The verdict with the clauses it depends on, in one line: what is open, and what is
        settled beside it."""
        if self.verdict in (INCONCLUSIVE, PARTLY):
            return f"{self.verdict} ({self.detail()})"
        return self.verdict

    def detail(self) -> str:
        """What the verdict rests on, in a phrase: the open, unjudged and failing clauses, or
        that every clause holds."""
        b = self.budget.short
        if self.verdict == INCONCLUSIVE:
            settled = [c.name for c in self.clauses if not c.passed and not c.unsettled(b)]
            unjudged = [c.name for c in self.clauses if not c.judged]
            open_ = [c.name for c in self.clauses if c.unsettled(b) and c.judged]
            parts = ([f"open at this budget: {'; '.join(open_)}"] if open_ else []) + (
                [f"cannot be judged from these data: {'; '.join(unjudged)}"] if unjudged
                else []) + ([f"fails for good: {'; '.join(settled)}"] if settled else [])
            return ". ".join(parts)
        if self.failed:
            return f"fails: {'; '.join(self.failed)}"
        return "every clause of the criterion holds"

    def to_dict(self) -> dict:
        return {"claim": self.claim, "statement": self.statement, "criterion": self.criterion,
                "verdict": self.verdict, "summary": self.summary(),
                "clauses": [asdict(c) for c in self.clauses],
                "numbers": json.loads(self.numbers.to_json(orient="records")),
                "budget": {**asdict(self.budget), "below_paper": self.budget.below_paper,
                           "short": self.budget.short},
                "notes": self.notes}

    def save(self, path) -> None:
        from pathlib import Path

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    def clause_table(self) -> pd.DataFrame:
        return pd.DataFrame([{"clause": c.name, "holds": _holds(c),
                              "more training": EFFECT[c.training],
                              "numbers": c.detail} for c in self.clauses])


EFFECT = {"helps": "could make it hold", "hurts": "could make it fail",
          "either": "could change it either way", "none": "no effect (exact fit)"}


def _holds(c) -> str:
    judged = c.judged if isinstance(c, Clause) else c.get("judged", True)
    passed = c.passed if isinstance(c, Clause) else c["passed"]
    return "cannot be judged" if not judged else ("yes" if passed else "no")


def _outcome(passed: list[bool]) -> str:
    if all(passed):
        return REPRODUCED
    return PARTLY if any(passed) else NOT_REPRODUCED


def decide(clauses: list[Clause], below_budget: bool) -> str:
    """The verdict every resolution of the open clauses agrees on; INCONCLUSIVE where they
    disagree. A clause is open when more training could reverse it below the paper's budget
    (see Clause.unsettled) or when the data cannot decide it. So "not reproduced" needs every
    clause to fail for good, and one settled failure beside open clauses that could still
    hold says "inconclusive", naming what is settled (Verdict.summary)."""
    if not clauses:
        raise ValueError("a verdict needs at least one clause")
    open_ = [i for i, c in enumerate(clauses) if c.unsettled(below_budget)]
    outcomes = set()
    for flips in itertools.product((True, False), repeat=len(open_)):
        passed = [c.passed for c in clauses]
        for i, p in zip(open_, flips):
            passed[i] = p
        outcomes.add(_outcome(passed))
    return outcomes.pop() if len(outcomes) == 1 else INCONCLUSIVE


def _verdict(claim, statement, criterion, clauses, numbers, budget, notes=()) -> Verdict:
    notes = list(notes)
    if budget.closed:
        lines = _edge_lines(budget.closed)
        why = (" (the zero function is infinite decay on W0 + W, chosen where it beat every "
               "trained model on validation)" if any("zero function" in c for c in budget.closed)
               else "")
        notes.append(f"{len(budget.closed)} choice(s) at the end of a grid that further search "
                     f"cannot move{why}: " + "; ".join(lines[:6])
                     + (f"; and {len(lines) - 6} more" if len(lines) > 6 else ""))
    if budget.edges:
        lines = _edge_lines(budget.edges)
        notes.append(f"{len(budget.edges)} chosen value(s) at a grid's edge, so a failure there "
                     f"is not settled: " + "; ".join(lines[:6])
                     + (f"; and {len(lines) - 6} more" if len(lines) > 6 else ""))
    return Verdict(claim, statement, criterion, decide(clauses, budget.short), clauses,
                   numbers.reset_index(drop=True), budget, notes)


def _edge_lines(edges: list[str]) -> list[str]:
    """Edge lines that differ only in where they sit, as one line listing the places."""
    places: dict[str, list[str]] = {}
    for e in edges:
        what, _, where = e.partition(" (")
        places.setdefault(what, []).append(where.rstrip(")"))
    return [f"{what} ({'; '.join(w)})" if len(w) == 1 else
            f"{what} in {len(w)} cases ({'; '.join(w)})" for what, w in places.items()]


def _need(table: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what} table lacks column(s) {missing}")
    if table.empty:
        raise ValueError(f"{what} table is empty")
    for col in ("test_error", "n_star"):  # a chosen row always has its number
        if col in columns and table[col].isna().any():
            bad = table[table[col].isna()].head(3).to_dict("records")
            raise ValueError(f"{what} table has rows without a {col} (NaN), e.g. {bad}: a "
                             f"chosen configuration must have one")


def _fmt(x: float) -> str:
    return "inf" if x == math.inf else f"{x:.3g}"


def _is_kernel(name: str) -> bool:
    return "(" in str(name)


# ---------------------------------------------------------------------------------------------
# Separation: parity-v3, error against N (v3's headline figure)
# ---------------------------------------------------------------------------------------------

#: "Learned" in the claim checks [ours, both]: below k alpha^2 means a learner got *some* of the
#: composite signal (the paper's own reading of its Figure 2 panels, which mark k alpha^2);
#: below half of it means it got *most* of it, which a claim that a learner "learns" the
#: target needs (the separation and hierarchy checks).
LEARNED_MOST = 0.5


def _paper_rule(chosen: pd.DataFrame, paper_rule: pd.DataFrame | None) -> pd.DataFrame:
    """The rows chosen by the paper's rule (best test error), or the validation choice when
    a page has none; negative clauses ("stays above") must hold under both."""
    return chosen if paper_rule is None else paper_rule


def separation(chosen: pd.DataFrame, threshold: float, budget: Budget,
               resnet: str = "3resnet", paper_rule: pd.DataFrame | None = None) -> Verdict:
    """`chosen`: one row per (learner, N, seed), the configuration chosen on validation
    (columns learner, N, seed, test_error); `paper_rule`: the same chosen on the test set.
    Compared at the largest N where the ResNet and every kernel were fitted; every kernel must
    have a row at every (N, seed) of the ResNet. A seed whose ResNet diverged at every
    configuration of that N has no row: it counts as not learned."""
    _need(chosen, ["learner", "N", "seed", "test_error"], "separation")
    kernels = sorted({n for n in chosen["learner"] if _is_kernel(n)})
    if not kernels:
        raise ValueError("the separation check needs at least one kernel")
    res = chosen[chosen["learner"] == resnet]
    if res.empty:
        raise ValueError(f"no rows for {resnet}")
    for k in kernels:
        have = set(zip(chosen[chosen["learner"] == k]["N"], chosen[chosen["learner"] == k]["seed"]))
        lacking = sorted(set(zip(res["N"], res["seed"])) - have)
        if lacking:
            raise ValueError(f"like-for-like comparison impossible: kernel {k} has no result at "
                             f"(N, seed) = {lacking[:3]} where {resnet} was trained; fit every "
                             f"kernel at every N of the networks (kernel_N_max >= max N)")
    test_rule = _paper_rule(chosen, paper_rule)
    N = int(res["N"].max())
    at, at_test = chosen[chosen["N"] == N], test_rule[test_rule["N"] == N]
    rows = []
    for seed in sorted(chosen[chosen["N"] == N]["seed"].unique()):
        g, gt = at[at["seed"] == seed], at_test[at_test["seed"] == seed]
        kern = g[g["learner"].isin(kernels)].set_index("learner")["test_error"]
        kern_t = gt[gt["learner"].isin(kernels)]["test_error"]
        r = g[g["learner"] == resnet]["test_error"]
        if len(kern) < len(kernels):
            raise ValueError(f"like-for-like comparison impossible: seed {seed} at N = {N} "
                             f"lacks kernels {sorted(set(kernels) - set(kern.index))}")
        rows.append({"seed": int(seed), "N": N,
                     "3resnet": float(r.iloc[0]) if len(r) else math.inf,
                     "strongest_kernel": kern.idxmin(), "strongest_kernel_error": kern.min(),
                     "strongest_kernel_error_paper_rule": min(kern.min(), kern_t.min())
                     if len(kern_t) else kern.min(),
                     "threshold": threshold})
    nums = pd.DataFrame(rows)
    diverged = nums[nums["3resnet"] == math.inf]["seed"].tolist()
    clauses = [
        Clause(f"{resnet} below half of k alpha^2 at N = {N}, every seed",
               (nums["3resnet"] < LEARNED_MOST * threshold).all(),
               f"{resnet}: {', '.join(_fmt(v) for v in nums['3resnet'])} vs "
               f"{_fmt(LEARNED_MOST * threshold)}"
               + (f" (seed(s) {diverged}: every configuration diverged, no model)"
                  if diverged else ""), "helps"),
        Clause(f"every kernel at or above k alpha^2 at N = {N}, every seed, under either "
               f"selection rule",
               (nums["strongest_kernel_error_paper_rule"] >= threshold).all(),
               "strongest kernel per seed: " + ", ".join(
                   f"{r.strongest_kernel} {_fmt(r.strongest_kernel_error)}"
                   f" (paper's rule {_fmt(r.strongest_kernel_error_paper_rule)})"
                   for r in nums.itertuples()) + f" vs {_fmt(threshold)}", "none"),
    ]
    return _verdict(
        "separation",
        "With enough samples the 3-layer ResNet learns the composite signal of parity-v3, while "
        "no kernel method (its own NTK included) does at the same number of samples.",
        f"At the largest N where the ResNet and all {len(kernels)} kernels were fitted, the "
        f"ResNet's error is below half of k alpha^2 [ours: 'learned most of alpha G(F)'; a "
        f"claim that it learns needs more than some of it] and the strongest kernel's is at or "
        f"above k alpha^2, chosen on validation and by the paper's test-set rule alike, for "
        f"every seed [ours: every seed, stricter than the paper's single runs].",
        clauses, nums, budget)


def networks(chosen: pd.DataFrame, threshold: float, budget: Budget,
             resnet: str = "3resnet") -> Verdict:
    """v3 Section 2.1: fully connected networks need more samples than the ResNet for the
    same composite signal. `chosen`: one row per (learner, N, seed), chosen on validation.
    Per seed, N* is the smallest N tried where a network's error is below LEARNED_MOST x
    k alpha^2 (never: above the largest N, a lower bound)."""
    _need(chosen, ["learner", "N", "seed", "test_error"], "networks")
    nets = sorted({n for n in chosen["learner"] if not _is_kernel(n) and n != resnet})
    if not nets:
        raise ValueError("the networks check needs a fully connected network beside "
                         f"{resnet}")
    if resnet not in set(chosen["learner"]):
        raise ValueError(f"no rows for {resnet}")
    Ns = sorted(chosen["N"].unique())
    rows = []
    for seed, g in chosen.groupby("seed"):
        def n_star(name):
            e = g[g["learner"] == name].set_index("N")["test_error"]
            below = [N for N in Ns if N in e.index and e[N] < LEARNED_MOST * threshold]
            return (int(below[0]), False) if below else (int(max(Ns)), True)
        r, r_open = n_star(resnet)
        for net in nets:
            n, n_open = n_star(net)
            both = g[g["learner"].isin([resnet, net])].pivot_table(
                index="N", columns="learner", values="test_error")
            lower = (both[resnet] < both[net]).reindex(Ns)
            rows.append({"seed": int(seed), "network": net,
                         "3resnet_n_star": r, "3resnet_reached": not r_open,
                         "network_n_star": n, "network_reached": not n_open,
                         "gap": _gap(r, "above" if r_open else "", n,
                                     "above" if n_open else ""),
                         "3resnet_lower_at_every_N": bool(lower.fillna(False).all())})
    nums = pd.DataFrame(rows)
    judged = nums[nums["gap"].notna()]
    clauses = [
        Clause(f"{resnet} gets below half of k alpha^2 at a smaller N than every fully "
               f"connected network, every seed",
               len(judged) > 0 and judged["gap"].astype(bool).all(),
               ", ".join(f"seed {r['seed']} {r['network']}: {r['3resnet_n_star']}"
                         f"{'' if r['3resnet_reached'] else '+'} vs {r['network_n_star']}"
                         f"{'' if r['network_reached'] else '+'}" for _, r in nums.iterrows())
               + " ('+': not reached by the largest N)",
               "either", judged=len(judged) > 0),
        Clause(f"{resnet}'s error below every fully connected network's at every N, every seed",
               nums["3resnet_lower_at_every_N"].all(),
               f"{int(nums['3resnet_lower_at_every_N'].sum())} of {len(nums)} (network, seed) "
               f"pairs", "either"),
    ]
    return _verdict(
        "networks",
        "Fully connected networks (3layer, 2layer) need more samples than the ResNet to learn "
        "the same composite signal (v3 Section 2.1). Caveat: the paper's own v2 Figure 2(a) "
        "puts 3layer below k alpha^2 at N = 1000, so they do learn some of it.",
        "For every seed: the ResNet's N* (the smallest N tried with error below half of "
        "k alpha^2 [ours]) is below every fully connected network's, and its error is below "
        "theirs at every N tried.",
        clauses, nums, budget)


# ---------------------------------------------------------------------------------------------
# Width: parity-v2, N = 1000, error against m (v2 Figure 2(a))
# ---------------------------------------------------------------------------------------------

def width(chosen: pd.DataFrame, threshold: float, budget: Budget,
          resnet: str = "3resnet", paper_rule: pd.DataFrame | None = None) -> Verdict:
    """`chosen`: one row per (learner, m, seed) chosen on validation (columns learner, m, seed,
    test_error); `paper_rule`: the same chosen on the test set. Every (m, seed) that any
    learner has is judged: a ResNet without a row there (every configuration diverged) has
    not learned, and a comparison without another network or a kernel is refused."""
    _need(chosen, ["learner", "m", "seed", "test_error"], "width")
    res = chosen[chosen["learner"] == resnet]
    if res.empty:
        raise ValueError(f"no rows for {resnet}")
    kern = chosen[chosen["learner"].map(_is_kernel)]
    nets = chosen[~chosen["learner"].map(_is_kernel) & (chosen["learner"] != resnet)]
    if nets.empty:
        raise ValueError(f"the width check compares {resnet} with other networks; the table "
                         f"has none")
    test_rule = _paper_rule(chosen, paper_rule)
    kern_t = test_rule[test_rule["learner"].map(_is_kernel)]
    rows = []
    for (m, seed), _ in chosen.groupby(["m", "seed"]):
        g = res[(res["m"] == m) & (res["seed"] == seed)]
        k = kern[(kern["m"] == m) & (kern["seed"] == seed)]
        kt = kern_t[(kern_t["m"] == m) & (kern_t["seed"] == seed)]
        n = nets[(nets["m"] == m) & (nets["seed"] == seed)]
        rows.append({"m": int(m), "seed": int(seed),
                     "3resnet": float(g["test_error"].iloc[0]) if len(g) else math.inf,
                     "best_other_network": n.loc[n["test_error"].idxmin(), "learner"]
                     if len(n) else None,
                     "best_other_network_error": n["test_error"].min() if len(n) else math.inf,
                     "strongest_kernel": k.loc[k["test_error"].idxmin(), "learner"]
                     if len(k) else None,
                     "strongest_kernel_error": k["test_error"].min() if len(k) else math.nan,
                     "strongest_kernel_error_paper_rule":
                         min(k["test_error"].min(), kt["test_error"].min()) if len(kt)
                         else (k["test_error"].min() if len(k) else math.nan)})
    nums = pd.DataFrame(rows)
    if nums["strongest_kernel_error"].isna().any():
        raise ValueError("like-for-like comparison impossible: some (m, seed) of the ResNet "
                         "have no kernel result")
    missing = nums[nums["3resnet"] == math.inf][["m", "seed"]].values.tolist()
    no_rival = nums[nums["best_other_network_error"] == math.inf][["m", "seed"]].values.tolist()
    worst = nums.loc[nums["3resnet"].idxmax()]
    clauses = [
        Clause(f"{resnet} below k alpha^2 at every width, every seed",
               (nums["3resnet"] < threshold).all(),
               f"{resnet} worst {_fmt(worst['3resnet'])} (at m = {int(worst['m'])}) vs "
               f"{_fmt(threshold)}" + (f"; no {resnet} model (every configuration diverged) "
                                       f"at (m, seed) {missing}" if missing else ""), "helps"),
        Clause(f"{resnet} below every other network at every width, every seed",
               (nums["3resnet"] < nums["best_other_network_error"]).all() and not no_rival,
               f"smallest margin "
               f"{_fmt((nums['best_other_network_error'] - nums['3resnet']).min())}"
               + (f"; no other network at (m, seed) {no_rival}" if no_rival else ""),
               "either", judged=not no_rival),
        Clause("every kernel at or above k alpha^2 at every width, every seed, under either "
               "selection rule",
               (nums["strongest_kernel_error_paper_rule"] >= threshold).all(),
               f"strongest kernel's lowest error {_fmt(nums['strongest_kernel_error'].min())} "
               f"(paper's rule {_fmt(nums['strongest_kernel_error_paper_rule'].min())})",
               "none"),
    ]
    return _verdict(
        "width",
        "At N = 1000 on parity-v2, the ResNet has the lowest error of all learners at every "
        "width tried, below k alpha^2 = 0.72, and every conjugate kernel and NTK stays at or "
        "above k alpha^2. (The paper's own 3layer points are below k alpha^2 too, at 0.53-0.62 "
        "for m = 200-2000: what its figure shows is the ResNet well below the other networks, "
        "not alone below the threshold.)",
        "At every width m and for every seed [ours: every seed, stricter than the paper's "
        "single runs]: the ResNet is below k alpha^2 and below every other network, and the "
        "strongest kernel is at or above k alpha^2, chosen on validation and by the paper's "
        "test-set rule alike.",
        clauses, nums, budget)


# ---------------------------------------------------------------------------------------------
# Sensitivity: beta F + alpha G(F), parity-v2, N = 1000 (v2 Figure 2(b))
# ---------------------------------------------------------------------------------------------

#: On the sensitivity panel the ResNet counts as having learned some of alpha G(F) only with an
#: error below (1 - this) k alpha^2 [ours]. With weight decays up to 50 on the reference grid,
#: at beta = 0 (nothing learnable) the ResNet ends within 0.5 % of k alpha^2, on either side
#: (0.7192-0.7236 on the test set, by either selection rule), the error of predicting 0: a
#: strict "below k alpha^2" lets that hair decide "learned". A twentieth of the composite
#: signal's energy is learning in the claim's sense, and the same line serves both halves.
LEARNED_SOME_MARGIN = 0.05


def _edge_betas(edges: list[str]) -> set | None:
    """The betas that edge lines name (claims._grid_edges labels them "beta=..."), or None
    when one of them names none (it could belong to any beta)."""
    import re

    found = [re.search(r"\bbeta=([-+0-9.e]+)", e) for e in edges]
    return None if not all(found) else {float(m.group(1)) for m in found}


def sensitivity(chosen: pd.DataFrame, alpha: float, threshold: float, budget: Budget,
                paper_rule: pd.DataFrame | None = None) -> Verdict:
    """`chosen`: the ResNet's chosen configuration per (beta, m, seed) (columns beta, m, seed,
    test_error); `paper_rule`: the same chosen on the test set. Learnable cells (beta >= alpha)
    and unlearnable ones are judged apart; a half without rows cannot be judged (the claim has
    both). "Not learned" must hold under the paper's rule too. Each half is short of the
    budget only by its own grid edges: more search at beta = 0 cannot move a beta = 1 cell."""
    _need(chosen, ["beta", "m", "seed", "test_error"], "sensitivity")
    nums = chosen[["beta", "m", "seed", "test_error"]].copy()
    key = ["beta", "m", "seed"]
    t = _paper_rule(chosen, paper_rule)[key + ["test_error"]].rename(
        columns={"test_error": "test_error_paper_rule"})
    nums = nums.merge(t, on=key, how="left")
    nums["test_error_paper_rule"] = nums[["test_error", "test_error_paper_rule"]].min(axis=1)
    line = (1 - LEARNED_SOME_MARGIN) * threshold
    nums["paper_says_learnable"] = nums["beta"] >= alpha
    nums["below_line"] = nums["test_error"] < line
    learn, unlearn = nums[nums["paper_says_learnable"]], nums[~nums["paper_says_learnable"]]
    above = unlearn["test_error_paper_rule"] >= line
    betas = _edge_betas(budget.edges)
    short = {half: budget.below_paper or (bool(budget.edges) and (
        betas is None or any((b >= alpha) == half for b in betas))) for half in (True, False)}
    name = f"{1 - LEARNED_SOME_MARGIN:g} k alpha^2"
    clauses = [
        Clause(f"beta >= alpha: the ResNet below {name} at every width, every seed",
               learn["below_line"].all() and len(learn) > 0,
               f"{int(learn['below_line'].sum())} of {len(learn)} (beta, m, seed) below; "
               f"worst {_fmt(learn['test_error'].max())} vs {_fmt(line)}" if len(learn)
               else f"no rows with beta >= alpha = {alpha:g}: this half cannot be judged",
               "helps", judged=len(learn) > 0, short=short[True]),
        Clause(f"beta < alpha: the ResNet at or above {name} at every width, every seed, "
               "under either selection rule",
               above.all() and len(unlearn) > 0,
               f"{int(above.sum())} of {len(unlearn)} at or above {_fmt(line)}; lowest "
               f"{_fmt(unlearn['test_error'].min())} (paper's rule "
               f"{_fmt(unlearn['test_error_paper_rule'].min())})" if len(unlearn)
               else f"no rows with beta < alpha = {alpha:g}: this half cannot be judged",
               "hurts", judged=len(unlearn) > 0, short=short[False]),
    ]
    if nums.empty:
        raise ValueError("the sensitivity table has no beta values")
    return _verdict(
        "sensitivity",
        "The composite signal is learnable while the base signal is at least as strong "
        "(beta >= alpha) and not when it is weaker (beta in {0.2, 0} for alpha = 0.3).",
        f"On the paper's panel (N = 1000): the ResNet's error is below {name} "
        f"(= {_fmt(line)}; it has learned at least a twentieth of alpha G(F) [ours]) whenever "
        "beta >= alpha, and at or above it whenever beta < alpha (chosen on validation and "
        "by the paper's test-set rule alike), at every width and seed [ours: the paper's "
        "own beta = 0.3 points spread from 0.04 to 0.50 over widths, so 'every width, every "
        "seed' is stricter than its figure].",
        clauses, nums, budget)


# ---------------------------------------------------------------------------------------------
# Frobenius: parity6, norms of SGD's solutions against the hand-made ones (v2 Figures 1, 3)
# ---------------------------------------------------------------------------------------------

#: "far above" for the test error of SGD against the hand-made network [ours]
TEST_FACTOR = 3.0
#: "much larger norms": SGD's smallest norm at the hand-made train error at least this multiple
#: of the hand-made norm [ours; the paper's Figure 3(a) shows about 3 at error 0.12]
NORM_MARGIN = 2.0


def frobenius(hand: pd.DataFrame, sgd: pd.DataFrame, budget: Budget,
              checkpoints: pd.DataFrame | None = None, paper_best_test: float | None = None,
              beyond: pd.DataFrame | None = None) -> Verdict:
    """`hand`: the hand-made networks, one per error level (train_error, test_error,
    frobenius_norm); `sgd`: every SGD-trained model (train_error, val_error, test_error,
    frobenius_norm). `checkpoints` (train_error, frobenius_norm, optionally test_error), e.g.
    every recorded epoch of every model, widen the search for a small norm and for a small
    test error (default: the final models only).

    Norms are compared at every hand-made level some SGD model reached (a train error no
    larger than the hand-made network's); a level no SGD model reached cannot be judged, and
    with none reached the norm clause is open whatever the budget. "SGD cannot find a
    solution with small test error" is a negative claim: it is checked against SGD's best
    test error over every model (the paper's rule), not only the one chosen on validation."""
    _need(sgd, ["train_error", "val_error", "frobenius_norm"], "SGD")
    if "test_error" not in sgd.columns:
        raise ValueError("SGD table lacks column(s) ['test_error']")
    sgd = sgd.reset_index(drop=True)
    statement = ("SGD from a random initialisation does not find the small-norm networks that "
                 "exist for a degree-6 parity: it fits the training set only at much larger "
                 "norms and its test error stays far above theirs.")
    criterion = (f"At every hand-made error level that SGD's models reach in training, the "
                 f"smallest Frobenius norm among them is at least {NORM_MARGIN:g} times the "
                 f"hand-made network's [ours: 'much larger'; the paper's ratio is about 3]; and "
                 f"SGD's best test error over every model (the paper's rule) is at least "
                 f"{TEST_FACTOR:g} times the easiest hand-made network's [ours: 'far above'].")
    if hand.empty:  # nothing to compare with: the construction itself fell short
        return _verdict("frobenius", statement, criterion, [Clause(
            "a hand-made small-norm network was built", False,
            "no hand-made network reached its error goal (more hand_epochs)", "helps")],
            pd.DataFrame(), budget)
    _need(hand, ["train_error", "test_error", "frobenius_norm"], "hand-made")
    pool = sgd if checkpoints is None else pd.concat([sgd, checkpoints], ignore_index=True)
    _need(pool, ["train_error", "frobenius_norm"], "checkpoint")
    rows = []
    for h in hand.sort_values("train_error", ascending=False).itertuples():
        ok = pool[pool["train_error"] <= h.train_error]
        smallest = float(ok["frobenius_norm"].min()) if len(ok) else math.nan
        rows.append({"hand_train_error": float(h.train_error),
                     "hand_test_error": float(h.test_error),
                     "hand_norm": float(h.frobenius_norm), "sgd_models": len(pool),
                     "sgd_models_at_or_below_hand_train_error": len(ok),
                     "sgd_smallest_norm_there": smallest,
                     "norm_ratio": smallest / float(h.frobenius_norm)})
    nums = pd.DataFrame(rows)
    chosen = sgd.loc[sgd["val_error"].idxmin()]
    tests = pool["test_error"].dropna() if "test_error" in pool else sgd["test_error"]
    best_test = float(tests.min())
    easiest = nums.iloc[0]
    nums["sgd_best_test_error"] = best_test
    nums["sgd_chosen_test_error"] = float(chosen.test_error)
    nums["sgd_chosen_norm"] = float(chosen.frobenius_norm)
    reached = nums[nums["sgd_models_at_or_below_hand_train_error"] > 0]
    levels = "; ".join(
        f"train error {_fmt(r.hand_train_error)}: "
        + (f"{_fmt(r.sgd_smallest_norm_there)} vs {_fmt(r.hand_norm)} (ratio "
           f"{_fmt(r.norm_ratio)})" if r.sgd_models_at_or_below_hand_train_error
           else "no SGD model got there")
        for r in nums.itertuples())
    clauses = [
        Clause(f"at every hand-made level SGD reaches, its smallest norm there is at least "
               f"{NORM_MARGIN:g} times the hand-made norm",
               len(reached) > 0 and (reached["norm_ratio"] >= NORM_MARGIN).all(),
               levels + ("" if len(reached) else
                         " (no norm to compare: SGD never fitted the training set as well as "
                         "the hand-made networks)"),
               "hurts", judged=len(reached) > 0),
        Clause(f"SGD's best test error over every model is at least {TEST_FACTOR:g} times the "
               f"easiest hand-made network's",
               best_test >= TEST_FACTOR * easiest.hand_test_error,
               f"best {_fmt(best_test)} (chosen on validation {_fmt(chosen.test_error)}) vs "
               f"hand-made {_fmt(easiest.hand_test_error)}", "hurts"),
    ]
    notes = []
    if paper_best_test is not None:
        notes.append(f"SGD's best test error over every model: {_fmt(best_test)} here, "
                     f"{_fmt(paper_best_test)} in the paper (d = 40, N = 5000, its Figure 3(a))")
    if beyond is not None and len(beyond):
        b = beyond.sort_values("N")
        limit = TEST_FACTOR * easiest.hand_test_error
        ok = b[b["test_error"] < limit]
        d = int(b["d"].iloc[0]) if "d" in b else None
        scale = f" ({int(b['N'].max()) / d**2:.1f} d^2)" if d else ""
        notes.append("beyond the paper, more data at a fixed width: " + ", ".join(
            f"N = {int(r.N)}: {_fmt(r.test_error)}" for r in b.itertuples()) + "; SGD "
            + (f"generalises (below {_fmt(limit)}) from N = {int(ok['N'].iloc[0])}"
               if len(ok) else f"does not generalise (below {_fmt(limit)}) at any N up to "
                               f"{int(b['N'].max())}{scale}"))
    return _verdict("frobenius", statement, criterion, clauses, nums, budget, notes=notes)


# ---------------------------------------------------------------------------------------------
# Sample gap: Theorem 2's hard instance, N*(d)
# ---------------------------------------------------------------------------------------------

#: An N* is only a measurement of generalisation while the training set covers little of the
#: input cube {+-1}^d: at most this fraction of its 2^d points.
MAX_CUBE_FRACTION = 0.1


def _censoring(nstar: pd.DataFrame) -> pd.Series:
    """Per row: "" (N* measured), "above" (not reached: N* > n_star, a lower bound) or
    "below" (reached at the first N tried, `n_first`: N* <= n_star, an upper bound)."""
    reached = nstar["reached"].astype(bool)
    first = (nstar["n_star"] <= nstar["n_first"]) if "n_first" in nstar else False
    return pd.Series(np.where(~reached, "above", np.where(reached & first, "below", "")),
                     index=nstar.index)


def fit_exponent(nstar: pd.DataFrame) -> dict:
    """Least-squares slope of log N* on log d over the measured points of every seed (a
    censored one, reached at the first N or never, is not a value), with its standard error;
    nan (and a reason) with fewer than three distinct measured dimensions."""
    ok = nstar[_censoring(nstar) == ""]
    if ok["d"].nunique() < 3:
        return {"slope": math.nan, "stderr": math.nan, "points": len(ok),
                "why": f"only {ok['d'].nunique()} dimension(s) measured (need 3)"}
    return {**_loglog(ok["d"], ok["n_star"]), "why": ""}


def _loglog(x, y) -> dict:
    """Least-squares slope of log y on log x, with its standard error."""
    x, y = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    A = np.vstack([x, np.ones_like(x)]).T
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    sigma2 = float(resid @ resid) / max(1, len(x) - 2)
    cov = sigma2 * np.linalg.inv(A.T @ A)
    return {"slope": float(coef[0]), "stderr": float(math.sqrt(cov[0, 0])), "points": len(x)}


def alpha_exponent(grid: pd.DataFrame, beta: float = 1.0) -> dict:
    """Theorem 1's scale, read numerically [ours: an asymptotic statement read at finite N]:
    the slope of log(test error) on log(alpha) of the ResNet at one beta (columns alpha, beta,
    test_error), with its standard error, to set beside the theorem's 4. nan with fewer than
    three alphas."""
    g = grid[(grid["beta"] == beta) & (grid["test_error"] > 0)]
    if g["alpha"].nunique() < 3:
        return {"slope": math.nan, "stderr": math.nan, "points": len(g),
                "why": f"{g['alpha'].nunique()} alpha value(s) at beta = {beta:g} (need 3)"}
    return {**_loglog(g["alpha"], g["test_error"]), "why": ""}


def exponent_lower_bound(nstar: pd.DataFrame) -> float:
    """A one-sided exponent for a learner whose N* is censored above at large d: the slope
    (log-log) from its mean measured N* at the smallest measured d to its mean lower bound at
    the largest censored d beyond it. Its N* there exceeds the bound, so for a power law the
    true exponent is at least this [ours]. nan when there is no such pair."""
    cens = _censoring(nstar)
    exact, above = nstar[cens == ""], nstar[cens == "above"]
    if exact.empty or above.empty or above["d"].max() <= exact["d"].min():
        return math.nan
    d0, d1 = exact["d"].min(), above["d"].max()
    n0 = exact[exact["d"] == d0]["n_star"].mean()
    n1 = above[above["d"] == d1]["n_star"].mean()
    return float(math.log(n1 / n0) / math.log(d1 / d0))


def _strongest(kernel_rows: pd.DataFrame) -> pd.DataFrame:
    """Kernel rows ordered strongest first: smallest N*, and on a tie a reached threshold
    before a lower bound (a kernel that reached it at N beats one that had not by N)."""
    return kernel_rows.assign(_open=~kernel_rows["reached"].astype(bool)).sort_values(
        ["n_star", "_open"], kind="stable").drop(columns="_open")


def _gap(r_n: int, r_cens: str, k_n: int, k_cens: str) -> bool | None:
    """Whether the ResNet's N* is below the kernel's, from possibly censored values; None
    when the data cannot say (both censored the same way, or bounds that overlap)."""
    if r_cens == "above":  # the ResNet never reached it
        return False if k_cens != "above" else None
    if k_cens == "above":  # the kernel's N* exceeds k_n; the ResNet's is at most r_n
        return True if k_n >= r_n else None
    if k_cens == "below":  # the kernel's N* is at most k_n
        return None if r_cens == "below" or r_n < k_n else False
    return k_n > r_n  # kernel measured; a ResNet upper bound only helps it


def sample_gap(nstar: pd.DataFrame, kernels, budget: Budget, resnet: str = "3resnet") -> Verdict:
    """`nstar`: one row per (learner, d, seed) with n_star, reached and cube_fraction
    (N* / 2^d), and optionally n_first (the first N the search tried: reaching the threshold
    there only bounds N* from above). Rows whose training set covers more than
    MAX_CUBE_FRACTION of the cube are refused: there N* measures coverage, not
    generalisation. Censored values are compared one-sidedly (`_gap`): a kernel that never
    reached the threshold at the cap where the ResNet did is evidence for the claim, and a
    dimension where neither did says nothing."""
    _need(nstar, ["learner", "d", "seed", "n_star", "reached", "cube_fraction"], "N*")
    budget = replace(budget, paper_note="the paper ran no experiment here: 800 epochs is its "
                                        "protocol, the budget we judge against")
    if (nstar["cube_fraction"] > MAX_CUBE_FRACTION).any():
        raise ValueError(f"N* rows with a training set over {MAX_CUBE_FRACTION:.0%} of the "
                         f"input cube are not a measurement of generalisation; leave them out")
    kernels = [k for k in kernels if k in set(nstar["learner"])]
    if not kernels:
        raise ValueError("the sample-gap check needs at least one kernel")
    # More training or search helps the ResNet, and so the claim; a kernel failing at an edge
    # of its ridge grid could do better with a wider one, which works against the claim.
    effect = "either" if any(_is_kernel(e.partition(":")[0]) for e in budget.edges) else "helps"
    nstar = nstar.assign(censored=_censoring(nstar))
    rows = []
    for (d, seed), g in nstar.groupby(["d", "seed"]):
        r = g[g["learner"] == resnet]
        k = g[g["learner"].isin(kernels)]
        if r.empty:
            raise ValueError(f"no {resnet} row at d = {d}, seed {seed}: every (d, seed) of the "
                             f"kernels needs one")
        if k.empty:
            raise ValueError(f"no kernel row at d = {d}, seed {seed}")
        r, best = r.iloc[0], _strongest(k).iloc[0]
        rows.append({"d": int(d), "seed": int(seed), "2^d": 2**int(d),
                     "3resnet_n_star": int(r.n_star), "3resnet_censored": r.censored,
                     "strongest_kernel": best.learner, "kernel_n_star": int(best.n_star),
                     "kernel_censored": best.censored,
                     "gap": _gap(int(r.n_star), r.censored, int(best.n_star), best.censored)})
    nums = pd.DataFrame(rows)
    judged = nums[nums["gap"].notna()]
    mark = {"": "", "above": "+", "below": "-"}
    strongest = _strongest(nstar[nstar["learner"].isin(kernels)]).groupby(["d", "seed"]).head(1)
    fk, fr = fit_exponent(strongest), fit_exponent(nstar[nstar["learner"] == resnet])
    se = math.sqrt(fk["stderr"] ** 2 + fr["stderr"] ** 2)
    bound = exponent_lower_bound(strongest)
    if np.isfinite(fk["slope"]) and np.isfinite(fr["slope"]):
        grows, exp_judged = bool(fk["slope"] - fr["slope"] > 2 * se), True
        exp_detail = (f"kernel {fk['slope']:.2f} +- {fk['stderr']:.2f}, {resnet} "
                      f"{fr['slope']:.2f} +- {fr['stderr']:.2f}")
    elif np.isfinite(bound) and np.isfinite(fr["slope"]):
        grows = bool(bound > fr["slope"] + 2 * fr["stderr"])
        exp_judged = grows  # a bound below the ResNet's exponent says nothing
        exp_detail = (f"kernel at least {bound:.2f} (one-sided: from its measured N* to its "
                      f"lower bounds) vs {resnet} {fr['slope']:.2f} +- {fr['stderr']:.2f}")
    else:
        grows, exp_judged = False, False
        exp_detail = (fk["why"] or fr["why"]) + "; no one-sided bound either"
    clauses = [
        Clause(f"{resnet} reaches the threshold with fewer samples than the strongest kernel, "
               f"at every d and seed the data can judge",
               len(judged) > 0 and judged["gap"].astype(bool).all(),
               ", ".join(f"d={r['d']}: {r['3resnet_n_star']}{mark[r['3resnet_censored']]} vs "
                         f"{r['kernel_n_star']}{mark[r['kernel_censored']]}"
                         + ("" if r["gap"] is not None else " (cannot say)")
                         for _, r in nums.iterrows())
               + " ('+': not reached, a lower bound; '-': reached at the first N tried, an "
                 "upper bound)",
               effect, judged=len(judged) > 0),
        Clause("the strongest kernel's exponent of N* in d exceeds the ResNet's by more than "
               "two standard errors", grows, exp_detail, effect, judged=exp_judged),
    ]
    return _verdict(
        "sample-gap",
        "On Theorem 2's hard instance, kernel methods need of the order of d^(k/2) samples while "
        "the ResNet's need grows much more slowly with the dimension d.",
        "At every d (N* measured only where the training set covers at most "
        f"{MAX_CUBE_FRACTION:.0%} of the 2^d inputs) and seed, the ResNet's N* is below the "
        "strongest kernel's (the smallest N* among kernels; censored values compared "
        "one-sidedly, a dimension where neither reached the threshold left out), and the "
        "strongest kernel's fitted exponent exceeds the ResNet's by more than two standard "
        "errors (fits need three or more measured dimensions; a kernel censored at large d is "
        "bounded from below instead [ours]).",
        clauses, nums, budget,
        notes=[f"exponents: strongest kernel {fk['slope']:.2f} +- {fk['stderr']:.2f} "
               f"({fk['points']} points), {resnet} {fr['slope']:.2f} +- {fr['stderr']:.2f} "
               f"({fr['points']} points); theory's kernel bound k/2"])


# ---------------------------------------------------------------------------------------------
# Hierarchy: joint against layer-wise training (Section 2.1)
# ---------------------------------------------------------------------------------------------

#: "clearly better": layer-wise's error at least this multiple of joint's [ours]
LAYERWISE_FACTOR = 2.0


def hierarchy(schemes: pd.DataFrame, threshold: float, budget: Budget) -> Verdict:
    """`schemes`: one row per (learner in {'joint', 'layer-wise', ...}, N, seed) with the
    test error of the configuration chosen on validation.

    The ratio of the two schemes is judged only where joint training learned most of the
    composite signal (below LEARNED_MOST x k alpha^2): a layer-wise network that learns F alone
    scores about k alpha^2, so where joint training has learned only part of alpha G(F) a
    ratio under 2 says nothing about the schemes. Where joint training never got there the
    ratio cannot be judged; below the paper's budget a ratio can move either way."""
    _need(schemes, ["learner", "N", "seed", "test_error"], "hierarchy")
    budget = replace(budget, paper_note="the paper ran no experiment here: 800 epochs is its "
                                        "protocol, the budget we judge against")
    piv = schemes.pivot_table(index=["N", "seed"], columns="learner", values="test_error")
    for col in ("joint", "layer-wise"):
        if col not in piv.columns:
            raise ValueError(f"the hierarchy table has no '{col}' rows")
    piv = piv.dropna(subset=["joint", "layer-wise"]).reset_index()
    piv["ratio"] = piv["layer-wise"] / piv["joint"]
    piv["joint_learned_most"] = piv["joint"] < LEARNED_MOST * threshold
    N = int(piv["N"].max())
    top = piv[piv["N"] == N]
    where = piv[piv["joint_learned_most"]]
    clauses = [
        Clause(f"joint training below half of k alpha^2 at N = {N}, every seed",
               (top["joint"] < LEARNED_MOST * threshold).all(),
               f"joint {', '.join(_fmt(v) for v in top['joint'])} vs "
               f"{_fmt(LEARNED_MOST * threshold)}", "helps"),
        Clause(f"where joint training learned most of alpha G(F), layer-wise training's error "
               f"is at least {LAYERWISE_FACTOR:g} times joint training's, every seed",
               len(where) > 0 and (where["ratio"] >= LAYERWISE_FACTOR).all(),
               (f"ratios from {_fmt(where['ratio'].min())} to {_fmt(where['ratio'].max())} at "
                f"N = {', '.join(str(int(n)) for n in sorted(where['N'].unique()))}")
               if len(where) else "joint training never got below half of k alpha^2: no "
                                  "comparison to make", "either", judged=len(where) > 0),
    ]
    return _verdict(
        "hierarchy",
        "The ResNet's result comes from training its blocks together; the paper argues that "
        "training them one after the other would be much harder, \"perhaps impossible\" "
        "(Section 2.1, a hedged remark rather than a theorem).",
        f"At the same budget, jointly trained ResNets learn most of the composite signal "
        f"(below half of k alpha^2 at the largest N [ours]), and wherever they do, layer-wise "
        f"trained ones end with at least {LAYERWISE_FACTOR:g} times their error [ours: "
        f"'clearly worse'], every seed.",
        clauses, piv, budget)


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------

def present(verdict: Verdict, out_dir=".") -> pd.DataFrame:
    """On a page: save verdict.json beside the figures (the report is built from it), glue
    the summary and criterion for the prose, and return the clause table to display."""
    from pathlib import Path

    from . import plots

    main = CLAIM_PAGE.get(verdict.claim) is None
    verdict.save(Path(out_dir) / ("verdict.json" if main else f"verdict-{verdict.claim}.json"))
    plots.glue(f"{verdict.claim}.verdict", verdict.summary())
    plots.glue(f"{verdict.claim}.outcome", verdict.verdict)  # the answer box: outcome in bold
    plots.glue(f"{verdict.claim}.detail", verdict.detail())
    plots.glue(f"{verdict.claim}.criterion", verdict.criterion)
    return verdict.clause_table()


def present_table(verdict: Verdict) -> pd.DataFrame:
    """The clause table of a verdict, for display without saving it."""
    return verdict.clause_table()


def load(path) -> dict:
    """A verdict saved by `Verdict.save` (the JSON a page writes as verdict.json)."""
    from pathlib import Path

    return json.loads(Path(path).read_text())


def report_markdown(verdicts: dict) -> str:
    """The report's claim-by-claim section from saved verdicts {page name: verdict dict}:
    claim, criterion, per-seed numbers, budget beside the paper's, verdict."""
    out = []
    order = list(CLAIM_FIGURES)
    for page, v in sorted(verdicts.items(),
                          key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)):
        b = v["budget"]
        out += [f"## {v['claim'].capitalize()}", "", f"**Verdict: {_md(v['summary'])}**", "",
                f"**Claim** (our words): {_md(v['statement'])}", "",
                f"**Criterion**: {_md(v['criterion'])}", "",
                "| clause | holds | numbers | more training |", "|---|---|---|---|"]
        for c in v["clauses"]:
            out.append(f"| {_md(c['name'])} | {_holds(c)} | "
                       f"{_md(c['detail'])} | {EFFECT[c['training']]} |")
        out += ["", "| budget | this run | the paper |", "|---|---|---|",
                f"| epochs | {b['epochs'] if b['epochs'] is not None else 'n/a'} | "
                f"{b['paper_epochs'] if b['paper_epochs'] is not None else 'n/a'}"
                f"{' (' + _md(b['paper_note']) + ')' if b.get('paper_note') else ''} |",
                f"| grid | {b['grid']} | {b['paper_grid']} |",
                f"| seeds | {b['seeds']} | {b['paper_seeds']} |",
                f"| selection | {b['selection']} | {b['paper_selection']} |", ""]
        nums = pd.DataFrame(v["numbers"])
        if len(nums):
            out += ["Numbers per seed:", "", _markdown_table(nums), ""]
        for note in v.get("notes", []):
            out += [f"Note: {_md(note)}", ""]
        out += [f"[The page]({_page_link(CLAIM_PAGE.get(page, page))}) has the figure and the "
                f"data.", ""]
    return "\n".join(out)


#: Each claim page: the paper's figure it checks (or what stands in for one), in report order.
CLAIM_FIGURES = {
    "separation": "v3 headline figure (Experiment 1)",
    "networks": "v3 Section 2.1 (no figure; the separation page's networks)",
    "width": "v2 Figure 2(a)",
    "sensitivity": "v2 Figure 2(b)",
    "frobenius": "v2 Figures 1 and 3",
    "sample-gap": "Theorem 2 (no experiment in the paper)",
    "hierarchy": "Section 2.1 (a remark, no experiment)",
}


#: The page of a claim that is not a page's own (several claims can share a page).
CLAIM_PAGE = {"networks": "separation"}


def scorecard_markdown(quick: dict, reference: dict, link_prefix: str = "../notebooks/") -> str:
    """The book's scorecard: one row per claim page, with the paper's figure, the verdict at
    the paper's budget (the committed reference run, judged now), its key number beside the
    paper's, and the verdict of this build's own (quick) run. `quick` and `reference`: page ->
    saved verdict dict (reference ones carry a `key`); a missing one is said, not skipped."""
    # The claim links to its page (no column of its own): six columns did not fit the page's
    # width beside the contents sidebar, and the reader saw the last one cut.
    lines = ["| claim | the paper's figure | at the paper's budget | key number (reference "
             "run) | this build's run |", "|---|---|---|---|---|"]
    for claim, figure in CLAIM_FIGURES.items():
        page = CLAIM_PAGE.get(claim, claim)
        q, r = quick.get(claim), reference.get(claim)
        ref = _md(r["verdict"]) if r else "no reference run yet"
        key = _md(r.get("key", "")) if r else ""
        mine = _md(q["verdict"]) if q else "not run"
        if q and q.get("budget", {}).get("epochs") is not None:
            edges = q["budget"].get("edges") or []
            mine += (f" ({q['budget']['epochs']} epochs"
                     + (f"; {len(edges)} chosen value(s) at a grid's edge" if edges else "")
                     + ")")
        lines.append(f"| [{claim}]({link_prefix}{page}.ipynb) | {_md(figure)} | **{ref}** | "
                     f"{key} | {mine} |")
    return "\n".join(lines)


def _md(text) -> str:
    """Plain text made safe inside Markdown (and its tables): N* must not start emphasis."""
    out = str(text)
    for ch in "\\*_|<>`[]$":
        out = out.replace(ch, "\\" + ch)
    return out


def _page_link(page: str) -> str:
    return f"../notebooks/{page}.ipynb"


def _markdown_table(df: pd.DataFrame) -> str:
    """The book's table style (plots.render_table's) in Markdown: headers as words, so that
    they wrap, and values as a reader reads them."""
    from .plots import _cell

    lines = ["| " + " | ".join(_md(str(c).replace("_", " ")) for c in df.columns) + " |",
             "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(_md(_cell(v)) for v in row) + " |"
              for row in df.itertuples(index=False)]
    return "\n".join(lines)

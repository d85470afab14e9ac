"""Every notebook's parameters, their types and ranges, and the three profiles, in one place.

A notebook's `parameters` cell names `profile` and every parameter, typed (papermill shows
them with `--help-notebook`), at None: the profile's value. `from_notebook` reads them back: a
value that is not None (set in the cell, or injected by papermill) is the one used, every other
one the profile's. `resolve` validates everything, and `hl run`
uses the same code, so a bad value gets the same one-line message from either.

Profiles: ``smoke`` (seconds, for tests), ``quick`` (the default: minutes on a 2-core laptop,
every qualitative finding), ``reference`` (the paper's 800 epochs, grids on the paper's lattice
wide enough that every optimum is interior, >= 3 seeds: about 2 hours a page on 2 cores, run
once and committed under results/reference/), ``paper`` (the paper's full scale: most pages
cannot run on one machine, and `hl run` says so with the cost).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .names import BASE_LEARNERS, KINDS, PROFILE_HELP, PROFILES  # noqa: F401 (re-exported)
from .targets import target_shape
from .train import DECAYS, paper_grid




# Parameters are dataclasses, not pydantic models [our choice]: a page's parameters cell is plain
# papermill, whose `--help-notebook` reads the type annotations as text (`N_values: list[int]`),
# and every bad value must be one line naming it (pydantic's errors are multi-line reports); the
# checks below are few (bounds, choices, evenness) and the cross-field ones live with each page
# (`NotebookSpec.check`) and its target. A Param carries its type as that text, and parses and
# checks values itself.
@dataclass(frozen=True)
class Param:
    """One notebook parameter: its type ('int', 'float', 'str', 'bool', or 'list[...]') and
    allowed values."""

    name: str
    type: str
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    even: bool = False
    #: a list that may be empty (an optional part of a run, off when [])
    empty: bool = False

    @property
    def item_type(self) -> str:
        return self.type[5:-1] if self.type.startswith("list[") else self.type

    def parse(self, text: str):
        """A value from the command line: '3', '0.5', 'a,b', '[1, 2]' -> a typed value."""
        text = str(text).strip()
        if self.type.startswith("list["):
            if text.startswith("["):
                try:
                    items = json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError(f"{self.name} must be a list of {self.item_type}; got "
                                     f"{text!r}") from None
                if not isinstance(items, list):
                    raise ValueError(f"{self.name} must be a list; got {text!r}")
            else:
                items = [t for t in text.split(",") if t.strip()]
            return [self._parse_item(str(i)) for i in items]
        return self._parse_item(text)

    def _parse_item(self, text: str):
        t = self.item_type
        try:
            if t == "int":
                return int(text)
            if t == "float":
                return float(text)
            if t == "bool":
                if text.lower() in ("true", "1", "yes"):
                    return True
                if text.lower() in ("false", "0", "no"):
                    return False
                raise ValueError
        except ValueError:
            raise ValueError(f"{self.name} must be {'a list of ' if self.type != t else 'an '}"
                             f"{t}; got {text!r}") from None
        return text.strip()

    def coerce(self, value):
        """A value from papermill or a notebook cell -> this parameter's type: strings are
        parsed as on the command line (papermill passes `-p N_values '[1, 2]'` as text), ints
        become floats where a float is expected."""
        if isinstance(value, str) and self.type != "str":
            return self.parse(value)
        if self.type.startswith("list[") and isinstance(value, (list, tuple)):
            return [self._coerce_item(v) for v in value]
        return self._coerce_item(value)

    def _coerce_item(self, v):
        if isinstance(v, str) and self.item_type != "str":
            return self._parse_item(v)
        if self.item_type == "float" and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        return v

    def check(self, value) -> None:
        """Raise one clear ValueError if `value` is not allowed."""
        items = value if self.type.startswith("list[") else [value]
        if self.type.startswith("list["):
            if not isinstance(value, (list, tuple)) or not (value or self.empty):
                raise ValueError(f"{self.name} must be a non-empty list of {self.item_type}; "
                                 f"got {value!r}")
        for v in items:
            ok_type = {"int": isinstance(v, int) and not isinstance(v, bool),
                       "float": isinstance(v, (int, float)) and not isinstance(v, bool),
                       "str": isinstance(v, str), "bool": isinstance(v, bool)}[self.item_type]
            if not ok_type:
                raise ValueError(f"{self.name} must be {self.type}; got {value!r}")
            if self.min is not None and v < self.min:
                raise ValueError(f"{self.name} must be >= {self.min}; got {v!r}")
            if self.max is not None and v > self.max:
                raise ValueError(f"{self.name} must be <= {self.max}; got {v!r}")
            if self.even and v % 2:
                raise ValueError(f"{self.name} must be even; got {v!r}")
            if self.choices is not None and v not in self.choices:
                raise ValueError(f"{self.name}: unknown value {v!r}; allowed: "
                                 f"{', '.join(map(str, self.choices))}")


KERNEL_NAMES = tuple(f"{b}({k})" for b in BASE_LEARNERS for k in KINDS)

# Parameters that several notebooks share, declared once.
_ALPHA = Param("alpha", "float", "weight of the composite signal G(F)", min=0)
_LEARNERS = Param("learners", "list[str]", "networks trained by SGD", choices=BASE_LEARNERS)


@dataclass(frozen=True)
class NotebookSpec:
    """A page's parameters and profiles. `profiles` is written as overrides, each profile the
    few values it changes: "quick" in full, "smoke" and "reference" over quick, "paper" over
    reference; after construction `profiles` holds every profile complete."""

    name: str
    description: str
    params: tuple[Param, ...]
    profiles: dict = field(default_factory=dict)
    #: the target of a page without a `target` parameter whose shape it takes
    fixed_target: str | None = None
    #: checks across parameters that the page needs beyond its Params (raises ValueError)
    check: object = None

    #: which profile each profile overrides
    BASE = {"smoke": "quick", "reference": "quick", "paper": "reference"}

    def __post_init__(self):
        given = dict(self.profiles)
        complete = {"quick": dict(given.get("quick", {}))}
        for name, base in self.BASE.items():  # in order: paper builds on reference
            complete[name] = {**complete[base], **given.get(name, {})}
        object.__setattr__(self, "profiles", complete)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ValueError(f"unknown parameter {name!r} for notebook {self.name!r}; allowed: "
                         f"{', '.join(p.name for p in self.params)}")


#: The target's shape, named as the target classes name them (hlcore.targets.PairParity).
_SHAPE = (
    Param("d", "int", "input dimension (even for pair parities)", min=2),
    Param("k", "int", "number of outputs of F", min=1),
    Param("f_degree", "int", "degree of each output of F (coordinates multiplied)", min=1),
    Param("g_degree", "int", "degree of G (outputs of F multiplied)", min=1),
)
_BETA = Param("beta", "float", "weight of the base signal F", min=0)
SHAPE_NAMES = tuple(p.name for p in _SHAPE) + ("beta",)
#: The targets whose shape (d, k, f_degree, g_degree) the pages can change.
PAIR_TARGETS = ("parity-v3", "parity-v2")
_PAIR_TARGET = Param("target", "str", "target function", choices=PAIR_TARGETS)

# Parameters shared by the notebooks that train networks.
_TRAIN = (
    Param("epochs", "int", "SGD epochs (learning rate / 10 at half)", min=1),
    Param("lrs", "list[float]", "learning-rate grid", min=0),
    Param("weight_decays", "list[float]", "weight-decay grid", min=0),
    Param("seeds", "int", "number of seeds (network initialisation and data)", min=1),
    Param("n_val", "int", "validation-set size (chooses hyperparameters)", min=1),
    Param("n_test", "int", "test-set size", min=1),
    Param("device", "str", "'auto', 'cpu' or 'cuda'", choices=("auto", "cpu", "cuda")),
)
# The networks' protocol: the adopted one (the protocol page's evidence) is decay on W0 + W
# (PyTorch's weight_decay, a reading of the paper) with early stopping on validation (ours).
#: Larger widths searched on a grid of their own, around what the largest of m_values chose (the
#: width and sensitivity pages' reference runs: a whole grid at m = 2000 would cost hours).
_WIDE = (
    Param("wide_m_values", "list[int]", "larger widths, searched on the wide grid (none: [])",
          min=1, empty=True),
    Param("wide_lrs", "list[float]", "learning-rate grid of the larger widths", min=0),
    Param("wide_weight_decays", "list[float]", "weight-decay grid of the larger widths",
          min=0),
)
_PROTOCOL = (
    Param("decay", "str", "what weight decay pulls to zero: weight (W0 + W, as PyTorch) or "
          "displacement (W)", choices=DECAYS),
    Param("early_stopping", "bool", "report each network at its checkpoint with the lowest "
          "validation error (else its final model)"),
)
#: The adopted protocol, in every profile of the pages that train networks by a grid.
ADOPTED = dict(decay="weight", early_stopping=True)
#: The reference profile's grids: the paper's {1, 2, 5} x 10^-k lattice, learning rates from
#: 0.01 (slower ones do not reach the threshold in 800 epochs) to 5 (where every network
#: diverges), so that an optimum is interior; weight decay as the protocol probe found useful,
#: up to 5e-2 (the reference width runs chose the largest tried, 5e-3 and then 2e-2, for
#: 3layer).
REF_LRS = paper_grid(0, 2)
REF_WDS = [0.0, 1e-4, 1e-3, 5e-3, 2e-2, 5e-2]
#: The protocol page's quick grid (and the sensitivity map's): lr and decay around what the
#: reference runs chose most (lr 1, decay 1e-3 for 3resnet), plus no decay, the plain reading.
QUICK_LRS = [0.2, 0.5, 1.0]
QUICK_WDS = [0.0, 1e-3]
#: The quick grid of the width and sensitivity pages, which decide their claims at m = 100 (see
#: each page's quick profile): every learning rate and weight decay that their reference runs
#: chose at m = 100 with a neighbour on each side on the paper's lattice (lr 0.1-1 chosen, so
#: 0.05-2; decay 1e-3-2e-2 and, at beta = 0.2, 2e-2 with 5e-2 above). One grid, so that width's
#: 3resnet cells come from the cache at sensitivity's beta = 1. tests/test_quick_profiles.py
#: fails when a reference choice at those cells leaves it.
QUICK_N1000_LRS = [0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
QUICK_N1000_WDS = [0.0, 1e-3, 5e-3, 2e-2, 5e-2]
_KERNELS = Param("kernels", "list[str]", "kernels fitted by ridge regression",
                 choices=KERNEL_NAMES)
_RIDGES = Param("ridges", "list[float]", "kernel ridge values, relative to the kernel's "
                "diagonal", min=0)

def adopt(spec: NotebookSpec) -> None:
    """Give every profile of a page that trains networks by a grid the adopted protocol, unless
    the profile says otherwise."""
    for values in spec.profiles.values():
        for key, value in ADOPTED.items():
            values.setdefault(key, value)


def get_spec(name: str) -> NotebookSpec:
    """The parameters of page `name` (from the page registry, hlcore.pages)."""
    from .pages import get

    return get(name).spec


def resolve(name: str, profile: str = "quick", **overrides) -> dict:
    """The notebook's parameters: the profile's values, overridden by every non-None keyword.
    Each value is checked against its spec, and the target's shape against the target (a page
    whose target changes takes the new target's shape unless d, k, ... are given too)."""
    spec = get_spec(name)
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; allowed: {', '.join(PROFILES)}")
    params = dict(spec.profiles[profile])
    given = {}
    for key, value in overrides.items():
        param = spec.param(key)  # unknown names raise
        if value is not None:
            given[key] = params[key] = param.coerce(value)
    shape = [p.name for p in spec.params if p.name in SHAPE_NAMES
             and ("target" in params or spec.fixed_target)]  # not sample-gap's k, frobenius' d
    if shape:
        target = params.get("target", spec.fixed_target)
        if "target" in params:
            spec.param("target").check(target)
        default = target_shape(target)
        for key in shape:
            if key not in given and ("target" in given or key not in params):
                params[key] = default[key]
    for p in spec.params:
        p.check(params[p.name])
    if spec.check is not None:
        spec.check(params)
    if "kernel_N_max" in params and params["kernel_N_max"] < min(params["N_values"]):
        raise ValueError(f"kernel_N_max={params['kernel_N_max']} is below every N of N_values "
                         f"{params['N_values']}: no kernel would be fitted to compare with")
    if shape:  # the target checks what one parameter alone cannot (d even, k * f_degree <= d)
        page_target(params, target)
    for key in ("alpha", "map_alphas"):  # the paper's Concept: alpha in [0, 1)
        for v in (params[key] if isinstance(params.get(key), list) else [params.get(key)]):
            if v is not None and not 0 < v < 1:
                raise ValueError(f"{key} must be in (0, 1): the paper's targets take alpha in "
                                 f"[0, 1), and alpha = 0 leaves no composite signal to learn; "
                                 f"got {v!r}")
    if params.get("device") == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ValueError("device 'cuda': no CUDA GPU is available here (a CPU build of "
                             "PyTorch, or no GPU); use 'auto' or 'cpu'")
    return {"profile": profile, **{p.name: params[p.name] for p in spec.params}}


def page_target(P: dict, name: str | None = None, **overrides):
    """The target of a page with parameters P: its `target` (or `name`), alpha and shape
    (d, k, f_degree, g_degree, beta where the page has them), then `overrides`."""
    from .targets import make_target

    shape = {k: P[k] for k in SHAPE_NAMES if k in P}
    return make_target(name or P["target"], alpha=P["alpha"], **{**shape, **overrides})


class ParameterError(ValueError):
    """A bad notebook parameter. In a notebook (and so under papermill) it shows as the one line
    `hl run` prints for the same value, not as a traceback."""

    def _render_traceback_(self):  # IPython's hook for how an exception is displayed
        return [f"hl: error: {self}"]


def assignments(source: str) -> dict:
    """name -> value of a cell of plain (annotated) assignments of literals: a notebook's
    parameters cell, or the one papermill injects."""
    import ast

    values = {}
    for node in ast.parse(source).body:
        target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
        values[target.id] = ast.literal_eval(node.value)
    return values


def from_notebook(name: str, namespace: dict) -> dict:
    """The resolved parameters of a notebook run, read from its namespace (`globals()`).

    A parameter whose value is None takes the profile's value; any other value is the one used
    (from the parameters cell, papermill's injected cell or an edit). Nothing is guessed, so
    what the cell shows is what runs, and the notebook prints the resolved values."""
    spec = get_spec(name)
    try:
        # papermill only warns about a name the parameters cell lacks and runs on: a plain
        # value under a public name that is no parameter is refused here, as `hl run` does
        known = {p.name for p in spec.params} | {"profile", "out_dir", "In", "Out"}
        unknown = sorted(k for k, v in namespace.items() if not k.startswith("_")
                         and k not in known and isinstance(v, (bool, int, float, str, list)))
        if unknown:
            raise ValueError(f"unknown parameter {unknown[0]!r} for {name}; allowed: "
                             + ", ".join(p.name for p in spec.params))
        given = {}
        for p in spec.params:
            if p.name not in namespace:
                raise ValueError(f"the parameters cell of {name!r} lacks {p.name!r}")
            if namespace[p.name] is not None:
                given[p.name] = namespace[p.name]
        return resolve(name, namespace.get("profile") or "quick", **given)
    except ValueError as err:
        raise ParameterError(str(err)) from None


def _plain(value) -> str:
    """A value for a comment papermill parses (no quotes, no equals signs)."""
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


def parameters_source(name: str) -> str:
    """The parameters cell of a notebook: `profile`, then every parameter at None (the
    profile's value) with its type, help and quick value (the tests check each notebook's cell
    against this)."""
    values = resolve(name, "quick")
    lines = ['profile: str = "quick"  # smoke, quick, reference or paper: the value of every '
             'parameter left at None below']
    for p in get_spec(name).params:  # papermill parses the comments: no ASCII quotes (a
        # typographic apostrophe instead) or equals signs
        text = (p.help.replace("'", "\u2019").replace(">=", "at least").replace("<=", "at most")
                .replace("=", "is"))
        lines.append(f"{p.name}: {p.type} = None  # {text}; quick {_plain(values[p.name])}")
    lines.append(f'out_dir: str = "runs/{name}"  # where figures, their data and the verdict go')
    return "\n".join(lines)


def table(params: dict):
    """The parameters as a one-column table, for the executed notebook and the book."""
    import pandas as pd

    return pd.DataFrame({"value": {k: str(v) for k, v in params.items()}}).rename_axis(
        "parameter")

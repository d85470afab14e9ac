"""Argument checks that end in one clear sentence naming the bad value and what is allowed."""
from __future__ import annotations

import numbers


def check_choice(what: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(map(str, allowed))}")


def check_positive_int(what: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{what} must be a positive integer; got {value!r}")


def check_nonnegative(what: str, value) -> None:
    if not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{what} must be a number >= 0; got {value!r}")


def check_nonempty(what: str, values) -> list:
    values = list(values)
    if not values:
        raise ValueError(f"{what} must not be empty (the grid needs at least one value)")
    return values

"""Argument checks shared by the public API: one rule each, one message shape.

Messages read ``where: expected what, got type (value)``, cut to one short line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any

__all__ = ["expect_real", "expect_sequence", "shown"]


def expect_sequence(value: Any, where: str, what: str = "a list") -> Sequence[Any]:
    """``value`` itself if it is a list or tuple (a ``str`` is never a sequence of numbers).

    Raises:
        TypeError: naming ``where``, what was expected and what was given.
    """
    if isinstance(value, list | tuple):
        return value
    raise TypeError(f"{where}: expected {what}, got {type(value).__name__} ({shown(value)})")


def expect_real(value: Any, where: str) -> float:
    """``value`` as a float; an int beyond float range is ±inf, as ``Value(10**400)`` is.

    Raises:
        TypeError: ``value`` is not a real number (a ``bool`` or ``str`` is not one either).
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{where}: expected a real number, got {type(value).__name__} ({shown(value)})"
        )
    try:
        return float(value)
    except OverflowError:  # an int (or a Fraction) beyond float range
        if isinstance(value, int):
            return math.inf if value > 0 else -math.inf
        raise


def shown(value: object) -> str:
    """``repr(value)`` cut to 120 characters (an int too long to print is described instead)."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's 4,300-digit printing limit
        return "a very long number"
    return text if len(text) <= 120 else text[:117] + "..."

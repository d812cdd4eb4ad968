"""Argparse types for numbers in a range, shared by the command line and the demos.

>>> parser.add_argument("--places", type=whole(0, MAX_PLACES))  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T", int, float)

__all__ = ["real", "whole"]


def whole(low: int, high: int) -> Callable[[str], int]:
    """A type for whole numbers from ``low`` to ``high``: one line naming what was given."""
    return _ranged(int, "a whole number", low, high)


def real(low: float, high: float) -> Callable[[str], float]:
    """A type for numbers from ``low`` to ``high`` (nan is outside every range)."""
    return _ranged(float, "a number", low, high)


def _ranged(convert: Callable[[str], T], what: str, low: T, high: T) -> Callable[[str], T]:
    def parse(text: str) -> T:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected {_bound(low)} to {_bound(high)}, got {text}"
            )
        return value

    return parse


def _bound(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"

"""Text for graph labels: numbers that keep small gradients visible, and labels escaped for DOT."""

from __future__ import annotations

import math

import graphviz  # type: ignore[import-untyped]  # the package ships no type information

__all__ = ["FONT", "format_number", "plain_label", "record_field"]

#: Layout font. The embedded PNG/PDF route draws it with Liberation Sans, which has its metrics.
FONT = "Helvetica"


def format_number(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` significant digits; tiny or huge values in e-notation.

    0.552308 -> "0.5523", 1.2e-07 -> "1.2e-07" (never "0.0000"), 0.0 -> "0", nan -> "nan".
    """
    if x == 0.0:
        return "0"
    if not math.isfinite(x):
        return repr(x)
    return format(x, f".{precision}g")


_RECORD_SPECIALS = str.maketrans({c: "\\" + c for c in '{}|<>"'})


def record_field(text: str) -> str:
    """``text`` as one field of a DOT ``record`` label, shown literally (``{ } | < > " \\`` too)."""
    escaped = text.replace("\\", "\\\\").translate(_RECORD_SPECIALS)
    return escaped.replace("\r\n", "\n").replace("\n", "\\n")


def plain_label(text: str) -> str:
    """``text`` as a DOT label shown literally (never read as HTML); newlines become line breaks."""
    escaped = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\n", "\\n")
    label: str = graphviz.nohtml(escaped)  # a str that graphviz never quotes as <HTML>
    return label

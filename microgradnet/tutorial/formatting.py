"""Formatting helpers shared by every writer: numbers, line wrapping, escaping. No arithmetic.

Numbers the example gives (inputs, weights, η) print as given (``0.35``); computed numbers print
with ``places`` decimals (``0.552308``), and a nonzero number too small for that many decimals
switches to e-notation (``3.2e-09``) so a small gradient never prints as zero. Percentages print
with two decimals. Hand − autograd differences print as ``0`` or in e-notation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from microgradnet.terminal import printable

__all__ = [
    "WIDTH",
    "difference",
    "escaped",
    "latex_text",
    "number",
    "paragraph",
    "wrap",
]

WIDTH = 100
INDENT = "  "


def escaped(text: str) -> str:
    """``text`` with control and format characters (NUL, ANSI escapes, RTL override, line breaks)
    written as escapes (``\\x1b``, ``\\n``): :func:`microgradnet.terminal.printable`'s one rule."""
    return printable(text, keep="")


def decimals(places: int, unit: str = "") -> int:
    """The decimals a quantity in ``unit`` prints at: a percentage at 2, anything else ``places``."""
    return 2 if unit == "%" else places


def number(value: float, places: int, *, given: bool = False, unit: str = "") -> str:
    """``value`` for display: as given, with ``places`` decimals, or in e-notation when tiny."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    places = decimals(places, unit)
    if given:
        text = repr(float(value))
        return text.removesuffix(".0")
    if value != 0 and abs(value) < 0.5 * 10.0**-places:
        return f"{value:.1e}"
    if abs(value) >= 1e15:  # a diverging example: no 200-digit fixed-point numbers
        return f"{value:.{min(max(places, 1), 6)}e}"
    text = f"{value:.{places}f}"
    return text[1:] if text.startswith("-") and set(text[1:]) <= {"0", "."} else text


def difference(value: float | None) -> str:
    """hand − autograd: ``0``, or two significant digits in e-notation."""
    if value is None:
        return ""
    return "0" if value == 0 else f"{value:.1e}"


def wrap(pieces: Sequence[str], width: int = WIDTH, indent: str = INDENT) -> list[str]:
    """``a = b = c`` on one line if it fits, else broken before ``=`` with the ``=`` signs aligned.

    A piece still too wide is broken before its `` + `` and `` − `` signs.
    """
    first = indent + pieces[0] + " = "
    lines = [first + pieces[1]] if len(pieces) > 1 else [indent + pieces[0]]
    pad = " " * (len(first) - 2)
    for piece in pieces[2:]:
        if len(lines[-1]) + 3 + len(piece) <= width:
            lines[-1] += " = " + piece
        else:
            lines.append(pad + "= " + piece)
    return [part for line in lines for part in break_long(line, width, " " * (len(pad) + 2))]


def break_long(line: str, width: int, pad: str) -> list[str]:
    """``line`` broken before its top-level `` + ``, `` − ``, `` = `` signs to fit ``width``."""
    if len(line) <= width:
        return [line]
    out, current = [], ""
    for chunk in _chunks(line):
        if current and len(current) + len(chunk) > width:
            out.append(current.rstrip())
            current = pad + chunk.lstrip()
        else:
            current += chunk
    out.append(current)
    return out


def _chunks(line: str) -> list[str]:
    """Split before each `` + `` / `` − `` / `` = `` that is not inside parentheses."""
    chunks, start, depth = [], 0, 0
    for n, char in enumerate(line):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(char, 0)
        if depth == 0 and n > start and line[n - 1 : n + 2] in (" + ", " − ", " = "):
            chunks.append(line[start : n - 1])
            start = n - 1
    chunks.append(line[start:])
    return chunks


def paragraph(line: str, width: int = WIDTH) -> list[str]:
    """One paragraph wrapped at ``width`` with a hanging indent (leading spaces are kept)."""
    lead = len(line) - len(line.lstrip(" "))
    words, out = line.split(" "), []
    current = "  " + " " * lead
    for word in (w for w in words if w):
        if len(current) + len(word) + 1 > width and current.strip():
            out.append(current.rstrip())
            current = "  " + " " * lead + "    "
        current += word + " "
    out.append(current.rstrip())
    return out


def latex_text(text: str) -> str:
    """``text`` safe inside ``\\text{}`` or a LaTeX paragraph."""
    for char, replacement in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
    ):
        text = text.replace(char, replacement)
    return text

"""Text for picture labels: numbers, and a document's symbols with real sub/superscripts.

A symbol such as ``w_{x1→h1}``, ``z_o``, ``h₁`` or ``W⁽¹⁾₁₂`` is read into runs of plain,
subscript and superscript text. Labels carry those runs, and the ink, bold and italic of their
parts, as private-use marker characters (:func:`marked`, :func:`styled`) that Graphviz lays out
like any character; :func:`svg_markup` turns the markers in the SVG into ``<tspan>`` elements.
(HTML-like labels would do this in Graphviz itself, but the embedded WebAssembly Graphviz is
built without them.) So no TeX brace and no Unicode subscript glyph reaches a picture, and one
font draws every character on every route.
"""

from __future__ import annotations

import html
import math
import re
from typing import Literal

import graphviz  # type: ignore[import-untyped]  # the package ships no type information

from microgradnet._render_style import DARK_INK, GRAD_INK, LIGHT_INK, MUTED_INK

__all__ = [
    "FONT",
    "INKS",
    "Run",
    "cluster_title",
    "format_number",
    "inks_in",
    "label",
    "marked",
    "runs",
    "styled",
    "svg_markup",
    "text",
]

#: The one font family of every picture. vl-convert, which draws every PNG and PDF, carries
#: Liberation Sans inside itself, and both Graphviz routes lay text out in it.
FONT = "Liberation Sans"

#: Inks a label part may take; each has its own marker character.
INKS = (DARK_INK, LIGHT_INK, MUTED_INK, GRAD_INK)

Run = tuple[Literal["", "sub", "sup"], str]

_SUB_MARK, _SUP_MARK, _END, _BOLD, _ITALIC = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"
_INK_BASE = 0xE010
_MARKS = re.compile("[\ue000-\ue004\ue010-\ue013]")
_LINES = "\ue00f"  # joins the marked lines inside a comment
#: Shifts as lengths (of the small text's em): Chromium drops the keyword "sub" far lower
#: (half an em after a superscript, onto the line below), while resvg and it agree on lengths.
_TSPAN = {
    _SUB_MARK: '<tspan baseline-shift="-0.25em" font-size="72%">',
    _SUP_MARK: '<tspan baseline-shift="0.5em" font-size="72%">',
    _BOLD: '<tspan font-weight="bold">',
    _ITALIC: '<tspan font-style="italic">',
}
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ", "0123456789+-=()aeoxhklmnpstij"))
_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀᵉʷ", "0123456789+-=()niTew"))
_TEX_GROUP = re.compile(r"([_^])(\{[^{}]*\}|.)")


def format_number(x: float, precision: int = 4) -> str:
    """``x`` with ``precision`` significant digits; tiny or huge values in e-notation.

    0.552308 -> "0.5523", 1.2e-07 -> "1.2e−07" (never "0.0000"), 0.0 -> "0", nan -> "nan";
    the minus sign is the typographic "−".
    """
    if x == 0.0:
        return "0"
    if not math.isfinite(x):
        return repr(x).replace("-", "−")
    return format(x, f".{precision}g").replace("-", "−")


def runs(text: str) -> list[Run]:
    """``text`` as (kind, text) runs: ``w_{x1→h1}`` -> [("", "w"), ("sub", "x1→h1")].

    Read: TeX-style ``_{…}``/``_c`` and ``^{…}``/``^c``, and Unicode sub/superscript characters.
    """
    out: list[Run] = []
    pos = 0
    for match in _TEX_GROUP.finditer(text):
        _unicode_runs(text[pos : match.start()], out)
        body = match.group(2)
        body = body[1:-1] if body.startswith("{") else body
        _append(out, "sub" if match.group(1) == "_" else "sup", body)
        pos = match.end()
    _unicode_runs(text[pos:], out)
    return out


def _unicode_runs(text: str, out: list[Run]) -> None:
    for char in text:
        if char in _SUB:
            _append(out, "sub", _SUB[char])
        elif char in _SUP:
            _append(out, "sup", _SUP[char])
        else:
            _append(out, "", char)


def _append(out: list[Run], kind: Literal["", "sub", "sup"], text: str) -> None:
    if out and out[-1][0] == kind:
        out[-1] = (kind, out[-1][1] + text)
    else:
        out.append((kind, text))


def marked(text: str) -> str:
    """A symbol with its sub/superscripts as markers (drawn as real ones in the picture)."""
    marks = {"": "", "sub": _SUB_MARK, "sup": _SUP_MARK}
    return "".join(f"{marks[k]}{part}{_END}" if k else part for k, part in runs(text))


def styled(text: str, *, ink: str | None = None, bold: bool = False, italic: bool = False) -> str:
    """``text`` (may hold markers) in one of :data:`INKS`, bold and/or italic."""
    if bold:
        text = f"{_BOLD}{text}{_END}"
    if italic:
        text = f"{_ITALIC}{text}{_END}"
    if ink is not None:
        text = f"{chr(_INK_BASE + INKS.index(ink))}{text}{_END}"
    return text


def inks_in(text: str) -> list[str]:
    """The inks that parts of ``text`` are styled with (for contrast checks)."""
    return [INKS[ord(c) - _INK_BASE] for c in text if 0 <= ord(c) - _INK_BASE < len(INKS)]


def label(*lines: str) -> str:
    """A DOT label of centred ``lines``, shown literally (never read as HTML)."""
    text = "\n".join(lines)
    escaped = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\n", "\\n")
    result: str = graphviz.nohtml(escaped)  # a str that graphviz never quotes as <HTML>
    return result


def text(*lines: str) -> dict[str, str]:
    """``label`` (plain lines, for layout) and, when any line is styled, ``comment`` (marked)."""
    attrs = {"label": label(*(_MARKS.sub("", line) for line in lines))}
    if any(_MARKS.search(line) for line in lines):
        attrs["comment"] = _LINES.join(lines)
    return attrs


def cluster_title(name: str, title: str) -> dict[str, str]:
    """A cluster's ``label`` (plain) and ``id``: its name, then the marked title, which
    :func:`svg_markup` draws (Graphviz writes no comment for a cluster, but keeps its id)."""
    attrs = {"label": label(_MARKS.sub("", title))}
    if _MARKS.search(title):
        attrs["id"] = f"{name}{_LINES}{title}"
    return attrs


_GROUP = re.compile(
    r"<!-- ([^\n]*?) -->\n(<g id=\"[^\"]*\" class=\"(?:node|edge)\">.*?</g>)", re.DOTALL
)
_CLUSTER = re.compile(r'<g id="([^"]*)" class="cluster">(.*?</g>)', re.DOTALL)
_TEXT = re.compile(r"(<text[^>]*>)([^<]*)(</text>)")


def svg_markup(svg: str) -> str:
    """The SVG with each label's lines rewritten from its marked comment (see :func:`text`),
    and each cluster title from its id (see :func:`cluster_title`)."""
    return _CLUSTER.sub(_cluster_markup, _GROUP.sub(_group_markup, svg))


def _cluster_markup(match: re.Match[str]) -> str:
    name, _, title = html.unescape(match.group(1)).partition(_LINES)
    if not title:
        return match.group(0)
    body = _TEXT.sub(lambda found: found.group(1) + _tspans(title) + found.group(3), match.group(2))
    return f'<g id="{html.escape(name)}" class="cluster">{body}'


def _group_markup(match: re.Match[str]) -> str:
    comment, group = match.groups()
    lines = iter(html.unescape(comment).split(_LINES))
    if _LINES not in html.unescape(comment) and not _MARKS.search(html.unescape(comment)):
        return match.group(0)

    def rewrite(found: re.Match[str]) -> str:
        line = next(lines, None)
        return found.group(0) if line is None else found.group(1) + _tspans(line) + found.group(3)

    return f"<!-- {comment} -->\n" + _TEXT.sub(rewrite, group)


def _tspans(line: str) -> str:
    out, depth = [], 0
    for piece in re.split(f"({_MARKS.pattern})", line):
        if piece == _END:
            if depth:
                out.append("</tspan>")
                depth -= 1
        elif piece in _TSPAN:
            out.append(_TSPAN[piece])
            depth += 1
        elif len(piece) == 1 and _MARKS.fullmatch(piece):
            out.append(f'<tspan fill="{INKS[ord(piece) - _INK_BASE]}">')
            depth += 1
        else:
            out.append(html.escape(piece, quote=False))
    return "".join(out) + "</tspan>" * depth

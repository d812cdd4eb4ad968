"""Write a walkthrough as text (≤ 100 columns), Markdown, LaTeX or JSON: formatting only, no arithmetic."""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Sequence
from typing import Any

from microgradnet.tutorial.checker import check
from microgradnet.tutorial.equations import Side
from microgradnet.tutorial.format import MAX_PLACES, Example, Printing
from microgradnet.tutorial.formatting import (
    INDENT,
    WIDTH,
    break_long,
    difference,
    latex_text,
    number,
    wrap,
)
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.notation import Notation, Symbol
from microgradnet.tutorial.walkthrough import HessianTable, Line, Section, StepLoss, Walkthrough

__all__ = ["FORMATS", "Verdicts", "agrees", "equation", "render_side", "verdicts", "walkthrough"]

FORMATS = ("text", "markdown", "latex", "json")
_INDENT = INDENT


def render_side(side: Side, notation: Notation, places: int, *, latex: bool = False) -> str:
    """One side of an equation; ``a + -b`` prints as ``a − b`` and ``a − -b`` as ``a + b``."""
    out: list[str] = []
    skip_sign = False
    for n, token in enumerate(side):
        if token.kind == "op":
            nxt = side[n + 1] if n + 1 < len(side) else None
            folds = nxt is not None and nxt.kind == "num" and not nxt.paren and nxt.value < 0
            if folds and token.text.strip() in ("+", "−"):
                flipped = "−" if token.text.strip() == "+" else "+"
                out.append(f" {'-' if latex and flipped == '−' else flipped} ")
                skip_sign = True
                continue
            out.append(token.latex if latex else token.text)
        elif token.kind == "sym" and token.key is not None:
            symbol = notation(token.key)
            out.append(symbol.latex if latex else symbol.text)
        else:
            value = abs(token.value) if skip_sign else token.value
            text = number(value, places, given=token.given)
            out.append(f"({text})" if token.paren else text)
        skip_sign = skip_sign and token.kind == "op"
    return "".join(out)


def _pieces(line: Line, notation: Notation, places: int, *, latex: bool = False) -> list[str]:
    """``[lhs, side, side, …, value]`` with repeated neighbours dropped."""
    symbol = notation(line.key)
    pieces = [symbol.latex if latex else symbol.text]
    for side in line.sides:
        pieces.append(render_side(side, notation, places, latex=latex))
    given = not line.sides and line.key.given
    value = number(line.value, places, given=given, unit=line.unit)
    pieces.append(value + (("\\%" if latex else " %") if line.unit == "%" else ""))
    kept = [pieces[0]]
    for piece in pieces[1:]:
        if piece != kept[-1]:
            kept.append(piece)
    return kept


#: The checker's verdict on every published printing: (at, key, printing) -> verdict.
Verdicts = dict[tuple[int | None, Key, Printing], str]
_MARKS = {
    "agrees": ("✓", r"\checkmark"),
    "agrees_rounded": ("✓ (printed operands)", r"\checkmark\ (\text{printed operands})"),
}


def verdicts(w: Walkthrough) -> Verdicts:
    """The checker's verdicts, so that a ✓ here and "agrees" there are one rule."""
    if not w.example.published and not w.example.at:
        return {}
    return {
        (r.claim.at, r.claim.key, r.claim.printing): r.verdict
        for r in check(w.example).rows
        if r.claim.inside is None
    }


def _verdict(line: Line, key: Key, printing: Printing, v: Verdicts) -> str:
    return v.get((line.at, key, printing), "differs")


def agrees(line: Line, key: Key, printing: Printing, v: Verdicts) -> bool:
    """Whether the document's ``printing`` of ``key`` on ``line`` earns a ✓ (one rule for all)."""
    return _verdict(line, key, printing, v) in _MARKS


def equation(line: Line, notation: Notation, places: int, *, latex: bool = False) -> str:
    """The line as one equation in the document's notation: ``lhs = formula = … = value``."""
    return " = ".join(_pieces(line, notation, places, latex=latex))


def _document(line: Line, w: Walkthrough, v: Verdicts, latex: bool = False) -> list[str]:
    """The document's printings shown on a line: ``0.036770 ✓`` or ``Δw = 0.000955 ✓``."""
    out = []
    for key, printing in line.published:
        mark = _MARKS.get(_verdict(line, key, printing, v), ("✗", r"\times"))[1 if latex else 0]
        symbol = w.example.notation(key)
        name = "" if key == line.key else ((symbol.latex if latex else symbol.text) + " = ")
        out.append(f"{name}{printing.text} {mark}")
    return out


# ---- text -------------------------------------------------------------------------------------


_LOSS_TEXT = {
    "squared_error": ("½Σ(y − t)²", r"$L = \tfrac{1}{2}\sum (y - t)^2$"),
    "sum_squared_error": ("Σ(y − t)²", r"$L = \sum (y - t)^2$"),
    "mse": ("(1/n)Σ(y − t)²", r"$L = \tfrac{1}{n}\sum (y - t)^2$"),
    "cross_entropy": ("binary cross-entropy", "binary cross-entropy"),
}


def conventions(ex: Example, latex: bool = False) -> str:
    """The document's conventions that differ from the defaults, in words ("" for none)."""
    c = ex.conventions

    def say(text: str, tex: str) -> str:
        return tex if latex else text

    words = []
    if c.sign < 0:
        words.append(say("δ = −∂E/∂net (so w ← w + η·δ·x)", r"$\delta = -\partial E/\partial net$"))
    if c.step == "added":
        words.append("the step printed as the amount added")
    if c.difference == "t_minus_y":
        words.append(say("differences written t − y", "differences written $t - y$"))
    if c.error != "abs":
        words.append("the printed error is " + c.error.replace("_minus_", " minus "))
    if c.bias != "per_neuron":
        words.append("one bias shared by each layer" if c.bias == "shared" else "biases as weights")
    if c.weight_index == "from_to":
        words.append(say("wᵢⱼ from i to j", "$w_{ij}$ from $i$ to $j$"))
    if c.fixed:
        names = [ex.notation(key) for key in sorted(c.fixed)]
        held = ", ".join(f"${n.latex}$" if latex else n.text for n in names)
        words.append("held fixed: " + held)
    if c.batch:
        how = "sum" if c.updates == "batch_sum" else "mean"
        words.append(
            f"{len(ex.samples)} patterns, one batch update with the {how} of their gradients"
        )
    elif len(ex.samples) > 1:
        words.append(f"{len(ex.samples)} patterns, one online update each")
    return "; ".join(words)


def _header(ex: Example, places: int) -> list[str]:
    loss = _LOSS_TEXT[ex.loss][0]
    acts = "/".join(ex.activations)
    lines = [f"{ex.name}: {ex.title}" if ex.title else ex.name]
    if ex.source:
        lines.append(ex.source)
    lines.append(
        f"{ex.architecture} network ({acts}), loss {loss}, η = {number(ex.learning_rate, places, given=True)}; "
        f"numbers to {places} decimals"
    )
    if conventions(ex):
        lines.append("Conventions: " + conventions(ex))
    return [part for line in lines for part in textwrap.wrap(line, WIDTH, subsequent_indent="  ")]


def _given_text(section: Section, notation: Notation) -> list[str]:
    items = [
        f"{notation(line.key).text} = {number(line.value, 0, given=True)}" for line in section.lines
    ]
    rows, current = [], _INDENT
    for item in items:
        if len(current) + len(item) + 3 > WIDTH and current.strip():
            rows.append(current.rstrip(", "))
            current = _INDENT
        current += item + ",  "
    rows.append(current.rstrip(", "))
    return rows


def _text_line(line: Line, w: Walkthrough, places: int, v: Verdicts) -> list[str]:
    rows = wrap(_pieces(line, w.example.notation, places))
    notes = []
    if line.autograd is not None:
        notes.append(
            f"autograd {number(line.autograd, places)} (hand − autograd = {difference(line.difference)})"
        )
    doc = _document(line, w, v)
    if doc:
        notes.append("document " + ", ".join(doc))
    if notes:
        rows.extend(break_long(" " * 6 + "   ".join(notes), WIDTH, " " * 8))
    return rows


def _training_text(training: Sequence[StepLoss], places: int) -> list[str]:
    width = max(places + 6, len("loss (autograd)")) + 2
    rows = [
        f"{_INDENT}{'step':>5}  {'loss (hand)':<{width}}{'loss (autograd)':<{width}}hand − autograd"
    ]
    for s in training:
        rows.append(
            f"{_INDENT}{s.step:>5}  {number(s.hand, places):<{width}}"
            f"{number(s.autograd, places):<{width}}{difference(s.hand - s.autograd)}"
        )
    return rows


def _text(w: Walkthrough, places: int, v: Verdicts) -> str:
    rows = _header(w.example, places)
    for section in w.sections:
        rows += ["", section.title]
        if section.title == "Given":
            rows += _given_text(section, w.example.notation)
            continue
        for line in section.lines:
            rows += _text_line(line, w, places, v)
    if len(w.training) > 2:
        rows += ["", f"Training: the loss after each of {len(w.training) - 1} steps"]
        rows += _training_text(w.training, places)
    if w.hessian is not None:
        rows += ["", _HESSIAN_TITLE] + _hessian_text(w.hessian, w.example.notation)
    return "\n".join(rows) + "\n"


_HESSIAN_TITLE = "Hessian of L with respect to the output layer (autograd, second order)"
_HESSIAN_DIGITS = 10  # significant digits: the entries are small and span magnitudes


def _hessian_rows(h: HessianTable, names: Sequence[str]) -> list[list[str]]:
    """The matrix as strings, first column the row's name; then the check against differences."""
    return [
        [name] + [f"{v:.{_HESSIAN_DIGITS}g}" for v in row] for name, row in zip(names, h.autograd)
    ]


def _hessian_check(h: HessianTable) -> str:
    """How far the central-difference check and the symmetry are from the autograd matrix."""
    n = len(h.keys)
    worst = max(abs(h.autograd[i][j] - h.numerical[i][j]) for i in range(n) for j in range(n))
    skew = max(abs(h.autograd[i][j] - h.autograd[j][i]) for i in range(n) for j in range(n))
    return (
        f"central differences of the gradient (eps = {h.eps:g}) agree to within {worst:.1e}; "
        f"largest |H_ij - H_ji| = {skew:.1e}"
    )


def _hessian_text(h: HessianTable, notation: Notation) -> list[str]:
    names = [notation(key).text for key in h.keys]
    rows = _hessian_rows(h, names)
    widths = [max(len(r[c]) for r in rows + [[""] + names]) for c in range(len(rows[0]))]
    head = _INDENT + " " * widths[0] + "".join(f"  {n:>{w}}" for n, w in zip(names, widths[1:]))
    body = [
        _INDENT + f"{r[0]:<{widths[0]}}" + "".join(f"  {c:>{w}}" for c, w in zip(r[1:], widths[1:]))
        for r in rows
    ]
    first, second = _hessian_check(h).split("; ")
    return [head, *body, _INDENT + first + ";", _INDENT + second]


# ---- Markdown ---------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", r"\|")


def _markdown(w: Walkthrough, places: int, v: Verdicts) -> str:
    ex = w.example
    rows = [f"# {ex.name}: {ex.title}" if ex.title else f"# {ex.name}", ""]
    rows += [line + "  " for line in _header(ex, places)[1:]]
    has_doc = bool(ex.published)
    for section in w.sections:
        rows += ["", f"## {section.title}", ""]
        auto = any(line.autograd is not None for line in section.lines)
        head = (
            ["equation"]
            + (["autograd", "hand − autograd"] if auto else [])
            + (["document"] if has_doc else [])
        )
        rows += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for line in section.lines:
            cells = ["$" + " = ".join(_pieces(line, ex.notation, places, latex=True)) + "$"]
            if auto:
                cells += [
                    "" if line.autograd is None else number(line.autograd, places),
                    difference(line.difference),
                ]
            if has_doc:
                cells.append(", ".join(_document(line, w, v)))
            rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if len(w.training) > 2:
        rows += [
            "",
            "## Training",
            "",
            "| step | loss (hand) | loss (autograd) | hand − autograd |",
            "|---|---|---|---|",
        ]
        rows += [
            f"| {s.step} | {number(s.hand, places)} | {number(s.autograd, places)} | "
            f"{difference(s.hand - s.autograd)} |"
            for s in w.training
        ]
    if w.hessian is not None:
        names = ["$" + ex.notation(key).latex + "$" for key in w.hessian.keys]
        rows += ["", f"## {_HESSIAN_TITLE}", "", "| | " + " | ".join(names) + " |"]
        rows.append("|---|" + "---|" * len(names))
        rows += ["| " + " | ".join(r) + " |" for r in _hessian_rows(w.hessian, names)]
        rows += ["", _hessian_check(w.hessian)]
    return "\n".join(rows) + "\n"


# ---- LaTeX ------------------------------------------------------------------------------------


def _latex_line(line: Line, w: Walkthrough, places: int, v: Verdicts) -> str:
    pieces = _pieces(line, w.example.notation, places, latex=True)
    notes = []
    if line.autograd is not None:
        notes.append(
            rf"\text{{autograd }} {number(line.autograd, places)},\ \Delta = {difference(line.difference)}"
        )
    doc = _document(line, w, v, latex=True)
    if doc:
        notes.append(r"\text{document } " + r",\ ".join(doc))
    rows = [f"{pieces[0]} &= {pieces[1]}"] if len(pieces) > 1 else [pieces[0]]
    if len(pieces) == 3:
        rows[0] += f" = {pieces[2]}"
    elif len(pieces) > 3:
        rows += [f"&= {piece}" for piece in pieces[2:]]
    rows += [r"&\qquad " + note for note in notes]  # under the equation, so a row stays narrow
    return " \\\\\n".join(rows)


def _latex(w: Walkthrough, places: int, v: Verdicts) -> str:
    ex = w.example
    rows = [
        f"% microgradnet walkthrough of {latex_text(ex.name)}; needs \\usepackage{{amsmath,amssymb}}",
        rf"\section*{{{latex_text(ex.title or ex.name)}}}",
    ]
    if ex.source:
        source = latex_text(ex.source)
        if "/" in source:  # ragged right, breakable after / and _: a source may hold long paths
            source = source.replace("/", r"/\allowbreak{}").replace(r"\_", r"\_\allowbreak{}")
            rows.append(r"{\raggedright " + source + r"\par}")
        else:
            rows.append(source + r"\\")
    rows.append(
        f"{ex.architecture} network ({'/'.join(ex.activations)}), loss {_LOSS_TEXT[ex.loss][1]}, "
        f"$\\eta = {number(ex.learning_rate, places, given=True)}$; numbers to {places} decimals\\\\"
    )
    if conventions(ex):
        rows.append("Conventions: " + conventions(ex, latex=True) + r"\\")
    for section in w.sections:
        rows += [
            "",
            rf"\subsection*{{{latex_text(section.title)}}}",
            r"{\allowdisplaybreaks",
            r"\begin{align*}",
        ]
        body = [_latex_line(line, w, places, v) for line in section.lines]
        rows.append(" \\\\\n".join(body))
        rows.append(r"\end{align*}}")
    if len(w.training) > 2:
        rows += [
            "",
            r"\subsection*{Training}",
            r"\begin{tabular}{rlll}",
            r"step & loss (hand) & loss (autograd) & hand $-$ autograd \\ \hline",
        ]
        rows += [
            f"{s.step} & {number(s.hand, places)} & {number(s.autograd, places)} & "
            f"{difference(s.hand - s.autograd)} \\\\"
            for s in w.training
        ]
        rows.append(r"\end{tabular}")
    if w.hessian is not None:
        names = ["$" + ex.notation(key).latex + "$" for key in w.hessian.keys]
        rows += [
            "",
            rf"\subsection*{{{_HESSIAN_TITLE}}}",
            r"\begin{tabular}{l" + "r" * len(names) + "}",
        ]
        rows.append(" & " + " & ".join(names) + r" \\ \hline")
        rows += [" & ".join(r) + r" \\" for r in _hessian_rows(w.hessian, names)]
        rows += [r"\end{tabular}\\", latex_text(_hessian_check(w.hessian))]
    return "\n".join(rows) + "\n"


# ---- JSON -------------------------------------------------------------------------------------


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _symbol(symbol: Symbol) -> dict[str, str]:
    return {"text": symbol.text, "latex": symbol.latex}


def _json_line(line: Line, w: Walkthrough, places: int, v: Verdicts) -> dict[str, Any]:
    notation = w.example.notation
    return {
        "key": str(line.key),
        "symbol": _symbol(notation(line.key)),
        "equation": equation(line, notation, places),
        "equation_latex": equation(line, notation, places, latex=True),
        "value": _finite(line.value),
        "unit": line.unit,
        "autograd": _finite(line.autograd),
        "difference": _finite(line.difference),
        "published": [
            {
                "key": str(key),
                "text": p.text,
                "places": p.places,
                "where": p.where,
                "agrees": agrees(line, key, p, v),
                "verdict": _verdict(line, key, p, v),
            }
            for key, p in line.published
        ],
    }


def _json(w: Walkthrough, places: int, v: Verdicts) -> str:
    ex = w.example
    data = {
        "example": {
            "name": ex.name,
            "title": ex.title,
            "description": ex.description,
            "source": ex.source,
            "architecture": ex.architecture,
            "activations": ex.activations,
            "loss": ex.loss,
            "learning_rate": ex.learning_rate,
            "steps": len(w.training) - 1,
        },
        "places": places,
        "sections": [
            {"title": s.title, "lines": [_json_line(line, w, places, v) for line in s.lines]}
            for s in w.sections
        ],
        "training": [
            {
                "step": s.step,
                "loss": _finite(s.hand),
                "autograd": _finite(s.autograd),
                "difference": _finite(s.hand - s.autograd),
            }
            for s in w.training
        ],
    }
    if w.hessian is not None:
        data["hessian"] = {
            "parameters": [str(key) for key in w.hessian.keys],
            "autograd": [[_finite(v) for v in row] for row in w.hessian.autograd],
            "central_differences": [[_finite(v) for v in row] for row in w.hessian.numerical],
            "eps": w.hessian.eps,
        }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def walkthrough(w: Walkthrough, fmt: str = "text", places: int | None = None) -> str:
    """``w`` written in ``fmt`` (one of FORMATS) with ``places`` decimals (default: the example's).

    Raises:
        ValueError: unknown format or a negative ``places``.
    """
    places = w.example.places if places is None else places
    if not 0 <= places <= MAX_PLACES:
        raise ValueError(f"places must be from 0 to {MAX_PLACES}, got {places}")
    writers = {"text": _text, "markdown": _markdown, "latex": _latex, "json": _json}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    return writers[fmt](w, places, verdicts(w))

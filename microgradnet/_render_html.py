"""Build the step-through page: one self-contained HTML file that replays backprop node by node.

The page holds the computation graph as inline SVG (drawn once by :func:`render.to_svg`), every
step as JSON data (``_render_steps``), and a small script (``_render_html_assets``). A
Content-Security-Policy of ``default-src 'none'`` makes the browser refuse any request at all, so
the file works from a USB stick and can never reach a CDN or a font server.

For a walkthrough, :func:`document_notes` — the one place that reads a ``Walkthrough`` — gives
each step the document's equation in its own notation, with the hand value, autograd's value and
the document's printed number (✓/✗).
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from microgradnet._render_html_assets import CSS, SCRIPT
from microgradnet._render_names import is_key
from microgradnet._render_steps import Num, Row, Step, build_steps
from microgradnet._render_text import format_number
from microgradnet.graph import topological_order

if TYPE_CHECKING:
    from microgradnet.engine import Value
    from microgradnet.nn import MLP
    from microgradnet.tutorial.keys import Key
    from microgradnet.tutorial.walkthrough import Line, Walkthrough
    from microgradnet.tutorial.write_walkthrough import Verdicts

__all__ = ["Document", "Note", "StepThrough", "build_page", "document_notes"]

_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
_PHASE = {"start": "s", "forward": "f", "backward": "b"}


@dataclass(frozen=True)
class Note:
    """A document's line beside a step: its equation, hand and autograd values, its printings."""

    equation: str
    hand: str
    autograd: str
    printed: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Document:
    """What a page of a worked example needs: its graph, display names and notes per step.

    ``notes`` maps (phase, node label) to the document's lines for that step, e.g.
    ``("backward", "z2[0]")`` to the lines of f′ and δ.
    """

    title: str
    loss: Value
    mlp: MLP
    names: Mapping[str, str]
    notes: Mapping[tuple[str, str], tuple[Note, ...]]


@dataclass(frozen=True)
class Texts:
    """A node's data and grad fields as shown and as hidden (``None``: the field was not found)."""

    data: tuple[str, str] | None
    grad: tuple[str, str] | None


@dataclass(frozen=True)
class StepThrough:
    """A step-through page; ``html`` is the whole self-contained file.

    In Jupyter it displays inline (an iframe holding the same page). Write it with
    ``render.write(page, "x.html")``, or as an animated image with ``.gif`` / ``.apng``.
    """

    html: str
    title: str
    svg: str = field(repr=False)
    steps: tuple[Step, ...] = field(repr=False)
    texts: tuple[Texts, ...] = field(repr=False)
    notes: tuple[tuple[Note, ...], ...] = field(repr=False)

    def _repr_html_(self) -> str:
        height = min(900, 260 + _svg_height(self.svg))
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.title)}"'
            f' style="width:100%;height:{height}px;border:0"></iframe>'
        )


# ---- the one adapter over the walkthrough ----------------------------------------------------
_GRADIENT_OF = {"delta": "z", "fprime": "z", "dL_da": "a", "dL_dW": "W", "dL_db": "b"}


def document_notes(walk: Walkthrough) -> Document:
    """Everything the page reads from a walkthrough (the only function that knows its shape).

    The page replays the worked step, so the lines about later steps (``[[at]]``) are left out.
    """
    from microgradnet.tutorial.autograd import autograd_graph  # the tutorial layer, only when used
    from microgradnet.tutorial.write_walkthrough import verdicts

    example = walk.example
    mlp, loss = autograd_graph(example)
    labels = {node.label for node in topological_order(loss) if node.label}
    agreed = verdicts(walk)
    notes: dict[tuple[str, str], list[Note]] = {}
    for section in walk.sections:
        for line in section.lines:
            step = _step_of(line.key, labels)
            if step is not None and line.sides and line.at is None:
                notes.setdefault(step, []).append(_note(line, walk, agreed))
    keys = [label for label in labels if is_key(label)]  # not a role ("target", "½")
    keys += [f"t[{k}]" for k in range(len(example.targets))]  # named in the target's box
    names = {key: example.notation(key).text for key in keys}
    title = f"{example.name}: {example.title}" if example.title else example.name
    return Document(title, loss, mlp, names, {k: tuple(v) for k, v in notes.items()})


def _step_of(key: Key, labels: set[str]) -> tuple[str, str] | None:
    """The step a line belongs to: the forward step of ``z1[0]``, the backward step of ``z1[0]``
    for ``delta1[0]`` and ``fprime1[0]``, of ``W1[0,1]`` for ``dL_dW1[0,1]``, …"""
    if str(key) in labels:
        return ("forward", str(key))
    node = _GRADIENT_OF.get(key.kind)
    label = None if node is None else str(replace(key, kind=node))
    return ("backward", label) if label in labels else None


def _note(line: Line, walk: Walkthrough, agreed: Verdicts) -> Note:
    from microgradnet.tutorial.formatting import number
    from microgradnet.tutorial.write_walkthrough import agrees, equation

    notation, places = walk.example.notation, walk.example.places
    autograd = "" if line.autograd is None else number(line.autograd, places)
    printed = tuple(
        (
            ("" if key == line.key else notation(key).text + " = ") + printing.text,
            agrees(line, key, printing, agreed),
        )
        for key, printing in line.published
    )
    hand = number(line.value, places, unit=line.unit)
    return Note(equation(line, notation, places), hand, autograd, printed)


# ---- the page ----------------------------------------------------------------------------------
def build_page(
    root: Value,
    svg: str,
    *,
    title: str,
    names: Mapping[str, str],
    precision: int,
    notes: Mapping[tuple[str, str], tuple[Note, ...]] | None = None,
) -> StepThrough:
    """The page for ``root``'s graph, whose SVG (``computation_graph(root)`` rendered) is ``svg``.

    Raises:
        ValueError: ``root.grad`` is 0 (``backward()`` has not been run).
    """
    if root.grad == 0.0:
        raise ValueError(
            "step_through needs the gradients: call backward() on the value first (its .grad is 0)"
        )
    order = topological_order(root)
    steps = tuple(build_steps(order, names))
    tagged, texts = _tag_svg(svg, order, precision)
    by_step = tuple(
        (notes or {}).get((s.phase, order[s.node].label), ()) if s.node >= 0 else () for s in steps
    )
    page = _html(title, tagged, _data(steps, texts, by_step))
    return StepThrough(page, title, tagged, steps, texts, by_step)


def _html(title: str, svg: str, data: str) -> str:
    heading = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backprop step by step: {heading}</title>
<style>{CSS}</style></head>
<body><main>
<h1>Backprop step by step: {heading}</h1>
<div class="mg-controls" role="toolbar" aria-label="Step controls">
<button id="mg-first" type="button" aria-label="First step" aria-keyshortcuts="Home">|◀</button>
<button id="mg-prev" type="button" aria-label="Previous step" aria-keyshortcuts="ArrowLeft">◀</button>
<button id="mg-play" type="button" aria-pressed="false" aria-keyshortcuts="Space">▶ Play</button>
<button id="mg-next" type="button" aria-label="Next step" aria-keyshortcuts="ArrowRight">▶</button>
<button id="mg-last" type="button" aria-label="Last step" aria-keyshortcuts="End">▶|</button>
<label>Speed <select id="mg-speed">
<option value="2000">0.5×</option><option value="1000" selected>1×</option>
<option value="500">2×</option><option value="250">4×</option></select></label>
<label>Zoom <select id="mg-zoom">
<option value="fit">fit</option><option value="0.5">50%</option><option value="0.75">75%</option>
<option value="1" selected>100%</option></select></label>
<input id="mg-slider" type="range" min="0" max="0" value="0" aria-label="Step">
<output id="mg-counter" for="mg-slider">Step 0</output>
</div>
<p class="mg-help">← → step · Home / End · Space play/pause · the address keeps the step
(#step=N), so a link opens that step.</p>
<div class="mg-layout">
<figure class="mg-graph" aria-label="Computation graph">{svg}</figure>
<section id="mg-panel" class="mg-panel" aria-live="polite" aria-atomic="true"></section>
</div>
</main>
<script type="application/json" id="mg-data">{data}</script>
<script>{SCRIPT}</script>
</body></html>
"""


def _data(
    steps: tuple[Step, ...], texts: tuple[Texts, ...], notes: tuple[tuple[Note, ...], ...]
) -> str:
    """The steps and node texts as JSON that is safe inside a <script> element."""
    payload = {
        "steps": [
            [
                _PHASE[s.phase],
                s.node,
                list(s.related),
                s.heading,
                [_row(row) for row in s.rows],
                [[n.equation, n.hand, n.autograd, [list(p) for p in n.printed]] for n in note],
            ]
            for s, note in zip(steps, notes)
        ],
        "texts": [
            None
            if t.data is None and t.grad is None
            else [*(t.data or ("", "")), *(t.grad or ("", ""))]
            for t in texts
        ],
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _row(row: Row) -> list[str | list[str]]:
    return [[part.text] if isinstance(part, Num) else part for part in row]


# ---- the SVG: ids on nodes, edges and the data/grad fields ------------------------------------
def _tag_svg(svg: str, order: list[Value], precision: int) -> tuple[str, tuple[Texts, ...]]:
    """The SVG with ids the script uses, each data/grad field set to its step-0 text.

    Node groups get ``g-n<i>``, edges ``e-<tail>-<head>`` (from their ``<title>``, the DOT node
    names, so a restyled label changes nothing here; a second edge between the same two nodes,
    as in ``a * a``, gets ``-2``) and the numbers in a box ``n<i>-data``/``n<i>-grad``.
    """
    root = ET.fromstring(svg)
    texts: list[Texts] = [Texts(None, None)] * len(order)
    seen: dict[str, int] = {}
    for group in root.iter(f"{{{_SVG}}}g"):
        name = group.findtext(f"{{{_SVG}}}title") or ""
        if group.get("class") == "edge":
            edge = "e-" + name.replace("->", "-")
            seen[edge] = seen.get(edge, 0) + 1
            group.set("id", edge if seen[edge] == 1 else f"{edge}-{seen[edge]}")
        elif group.get("class") == "node":
            group.set("id", "g-" + name)
            if re.fullmatch(r"n\d+", name) and int(name[1:]) < len(order):
                i = int(name[1:])
                texts[i] = _tag_fields(group, i, order[i], precision)
    return ET.tostring(root, encoding="unicode"), tuple(texts)


def _tag_fields(group: ET.Element, i: int, node: Value, precision: int) -> Texts:
    """Wrap the node's data and grad numbers (each the end of a line of its box, data first) in
    ``<tspan>``s of their own, ``n<i>-data``/``n<i>-grad``; hide what step 0 hides."""
    lines = list(group.iter(f"{{{_SVG}}}text"))
    found: dict[str, tuple[str, str]] = {}
    for which, value in (("data", node.data), ("grad", node.grad)):
        number = format_number(value, precision)
        ending = re.compile(rf"(^|\s){re.escape(number)}$")
        for n, line in enumerate(lines):
            field = _wrap_end(line, number) if ending.search("".join(line.itertext())) else None
            if field is not None:
                field.set("id", f"n{i}-{which}")
                field.text = number if which == "data" and not node.parents else "?"
                found[which] = (number, "?")
                del lines[: n + 1]  # the grad is on a line after the data's
                break
    return Texts(found.get("data"), found.get("grad"))


def _wrap_end(line: ET.Element, number: str) -> ET.Element | None:
    """A new ``<tspan>`` holding ``number``, the end of ``line``'s text (the last piece of it, as
    nested ``<tspan>``s split it), so it keeps that piece's ink and style; None if not there."""
    owner, parent = next((o, p) for o, p in reversed(_pieces(line)) if _piece(o, p))
    text = _piece(owner, parent)
    if not text.endswith(number):
        return None
    field = ET.Element(f"{{{_SVG}}}tspan")
    if parent is None:  # the end of owner's own text, before its (empty) children
        owner.text = text[: -len(number)] or None
        owner.insert(0, field)
    else:  # the end of the text after owner, inside parent
        owner.tail = text[: -len(number)] or None
        parent.insert(list(parent).index(owner) + 1, field)
    return field


def _pieces(element: ET.Element) -> list[tuple[ET.Element, ET.Element | None]]:
    """The text pieces of ``element`` in reading order: (e, None) is e.text, (c, e) is c.tail."""
    out: list[tuple[ET.Element, ET.Element | None]] = [(element, None)]
    for child in element:
        out += [*_pieces(child), (child, element)]
    return out


def _piece(owner: ET.Element, parent: ET.Element | None) -> str:
    return (owner.text if parent is None else owner.tail) or ""


def _svg_height(svg: str) -> int:
    match = re.search(r'height="([\d.]+)pt"', svg)
    return round(float(match.group(1)) * 4 / 3) if match else 400

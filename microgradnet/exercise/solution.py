"""A worked solution from any set of values: the walkthrough's lines, filled with the values given.

The answer key is the walkthrough itself (:func:`microgradnet.tutorial.walkthrough.run`); a
find-the-slip sheet shows the same lines filled with the values of a slipped evaluation and no
autograd column (which would give the slips away), written by the same walkthrough writers. A
slipped line shows the formula the student used, never the right one beside a slipped number: the
planted formula's own display where it has one, else the line's result alone (``δ⁽²⁾ = -0.3736``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from microgradnet.tutorial.equations import SECTIONS, Model, Quantity
from microgradnet.tutorial.format import Printing
from microgradnet.tutorial.formatting import decimals, number
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.walkthrough import Line, Section, Walkthrough

__all__ = ["printed", "shown_keys", "worked"]


def worked(
    model: Model, values: Mapping[Key, float], slipped: Sequence[Quantity] = ()
) -> Walkthrough:
    """The walkthrough's sections with ``values`` in every line (no autograd, no document);
    a line whose quantity has a ``slipped`` formula displays that formula's sides (none: the
    result alone). Every catalogued slip's site is a line of its own (tests pin this)."""
    planted = {f.key: f for f in slipped}
    sections = []
    for name, title in SECTIONS:
        lines = []
        for q in model.section(name):
            shown = planted.get(q.key, q)
            sides = tuple(
                tuple(t if t.key is None else replace(t, value=values[t.key]) for t in side)
                for side in shown.sides
            )
            lines.append(Line(q.key, sides, values[q.key], unit=q.unit))
        sections.append(Section(title, tuple(lines)))
    return Walkthrough(model.example, model, tuple(sections))


def shown_keys(w: Walkthrough) -> list[Key]:
    """Every computed quantity a worked solution shows: each line's and the numbers inside it."""
    found: dict[Key, None] = {}
    for section in w.sections:
        for line in section.lines:
            for side in line.sides:
                for token in side:
                    if token.kind == "num" and token.key is not None:
                        found[token.key] = None
            found[line.key] = None
    return [key for key in found if not w.model.is_given(key)]


def printed(
    w: Walkthrough, values: Mapping[Key, float], places: int
) -> dict[Key, tuple[Printing, ...]]:
    """Every quantity ``w`` shows, as ``values`` print at ``places`` (in its unit's decimals)."""
    found: dict[Key, tuple[Printing, ...]] = {}
    for key in shown_keys(w):
        unit = w.model.quantities[key].unit
        text = number(values[key], places, unit=unit)
        found[key] = (Printing(text, float(text), decimals(places, unit)),)
    return found

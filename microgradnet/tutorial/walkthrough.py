"""Replay a worked example step by step: the equation model's lines, each beside autograd's number.

:func:`run` returns a :class:`Walkthrough` — sections of :class:`Line` s, each an equation
``lhs = formula = substituted numbers = … = value`` whose tokens carry their numbers, so that
:mod:`microgradnet.tutorial.write_walkthrough` can write it as text, Markdown, LaTeX or JSON.
Nothing here prints, and nothing here computes: the values come from the equation model
(:mod:`microgradnet.tutorial.equations`), autograd's from :mod:`microgradnet.tutorial.autograd`.

With ``hessian=True`` the record also holds the Hessian of the loss with respect to the output
layer's parameters, by second-order autograd and by central differences of the gradient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from microgradnet.tutorial.autograd import (
    HessianTable,
    StepLoss,
    autograd_graph,
    autograd_values,
    output_hessian,
    training,
)
from microgradnet.tutorial.equations import SECTIONS, Model, Quantity, Side, Token
from microgradnet.tutorial.format import Example, Printing
from microgradnet.tutorial.keys import Key

__all__ = ["HessianTable", "Line", "Section", "StepLoss", "Walkthrough", "autograd_graph", "run"]


@dataclass(frozen=True)
class Line:
    """``key = sides[0] = sides[1] = … = value``, with autograd's number and the document's printings.

    ``published`` holds (key, printing) for the line's own quantity and for the intermediate
    quantities its sides show (the products of a pre-activation, the 1 − a of σ′, the step η·g).
    """

    key: Key
    sides: tuple[Side, ...]
    value: float
    autograd: float | None = None
    published: tuple[tuple[Key, Printing], ...] = ()
    unit: str = ""
    at: int | None = None  # the [[at]] table whose state the line shows (None: the worked step)

    @property
    def difference(self) -> float | None:
        """hand − autograd (None when there is no autograd counterpart)."""
        return None if self.autograd is None else self.value - self.autograd


@dataclass(frozen=True)
class Section:
    """A titled group of lines (forward pass, loss, backward pass, …)."""

    title: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Walkthrough:
    """Everything a worked example shows: its sections, every quantity's value, the loss per step."""

    example: Example
    model: Model = field(compare=False)
    sections: tuple[Section, ...]
    training: tuple[StepLoss, ...] = ()
    hessian: HessianTable | None = None

    @property
    def values(self) -> Mapping[Key, float]:
        """Every quantity's value, by key."""
        return self.model.values

    @property
    def by_label(self) -> dict[str, float]:
        """Every quantity's value by its name (``"W1[0,0]"``: the engine's labels), for pictures."""
        return {str(key): value for key, value in self.model.values.items()}

    def line(self, key: Key) -> Line:
        """The line whose left-hand side is ``key``.

        Raises:
            KeyError: no line computes ``key``.
        """
        for section in self.sections:
            for line in section.lines:
                if line.key == key:
                    return line
        raise KeyError(key)


def _line(
    model: Model,
    quantity: Quantity,
    autograd: Mapping[Key, float],
    values: Mapping[Key, float] | None = None,
    published: Mapping[Key, tuple[Printing, ...]] | None = None,
    at: int | None = None,
) -> Line:
    values = model.values if values is None else values
    published = model.example.published if published is None else published
    sides = tuple(tuple(_filled(token, values) for token in side) for side in quantity.sides)
    shown = [
        t.key
        for side in quantity.sides
        for t in side
        if t.kind == "num" and t.key is not None and not model.quantities[t.key].section
    ]
    printed = tuple(
        (key, p) for key in dict.fromkeys([*shown, quantity.key]) for p in published.get(key, ())
    )
    value = values[quantity.key]
    return Line(quantity.key, sides, value, autograd.get(quantity.key), printed, quantity.unit, at)


def _filled(token: Token, values: Mapping[Key, float]) -> Token:
    return token if token.key is None else replace(token, value=values[token.key])


def _later(model: Model) -> tuple[Section, ...]:
    """One section per [[at]] table: each claimed quantity's equation in that state."""
    ex = model.example
    if not ex.at:
        return ()
    states = model.run_at([at.step for at in ex.at])
    sections = []
    for n, at in enumerate(ex.at):
        state = states[at.step]
        if at.step % ex.cycle != at.pattern:
            state = model.at(state, at.pattern)
        quantities = [model.quantities[key] for key in model.order if key in at.published]
        title = f"After {at.step:,} update{'s' if at.step != 1 else ''}"
        if ex.cycle > 1:
            title += f", pattern {at.pattern + 1}"
        lines = [_line(model, q, {}, state, at.published, n) for q in quantities]
        sections.append(Section(title + (f" ({at.where})" if at.where else ""), tuple(lines)))
    return tuple(sections)


def run(example: Example, *, steps: int | None = None, hessian: bool = False) -> Walkthrough:
    """Work ``example`` through: forward, loss, backward, gradients, update, forward again, reductions.

    ``steps`` (default: the example's own) is how many training steps to report the loss for;
    the equations always show the first step. ``hessian`` adds the Hessian of the loss with
    respect to the output layer's parameters.

    Raises:
        ValueError: ``steps`` is not a positive whole number.
    """
    steps = example.steps if steps is None else steps
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive whole number, got {steps!r}")
    model = Model(example)
    autograd = autograd_values(example)
    sections = tuple(
        Section(title, tuple(_line(model, q, autograd) for q in model.section(name)))
        for name, title in SECTIONS
    )
    sections += _later(model)
    table = output_hessian(example) if hessian else None
    return Walkthrough(
        example, model, sections, training(example, steps, model.losses(steps)), table
    )

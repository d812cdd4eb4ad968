"""Judge a student's answers: correct, follow-through, wrong (with the slip that explains it) or missing.

For one asked quantity q with answer v, printed unit u = 10⁻ᴾ and tolerance τ = ½u:

1. **correct** when |v − exact| ≤ τ;
2. else q is recomputed from the student's own answers: the answered quantities nearest q on every
   path above it (its *frontier*) are pinned to the student's numbers. Rounding each of them by up to
   τ moves q by at most β = τ + Σₚ |q(p + τ) − q(p)| (first order). If |v − q(pinned)| ≤ β, the
   answer follows from the student's numbers: **follow-through** when one of them was itself not
   correct (the mistake was made earlier and carried forward honestly), else **correct** (the
   student rounded an intermediate; nothing is wrong);
3. else **wrong**, and the catalogue's slips (:func:`microgradnet.tutorial.slips.slips`) are tried
   between the frontier and q, each network-wide and at each single site: every slip that
   reproduces v within its own β (the rounding of the pinned answers carried through the slipped
   formulas) is named, most specific first;
4. **missing** when there is no answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from microgradnet.tutorial.equations import Model, Quantity
from microgradnet.tutorial.format import within
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.notation import Notation
from microgradnet.tutorial.slips import Slip, in_symbols, slips

__all__ = ["Mark", "Verdict", "describe", "judge", "tolerance"]

Verdict = Literal["correct", "follow-through", "wrong", "missing"]


@dataclass(frozen=True)
class Mark:
    """The verdict on one answer: ``expected`` (exact), ``recomputed`` (from the student's own
    answers, when that was tried), ``credit`` (0 to 1) and the slips that explain a wrong answer."""

    key: Key
    answer: float | None
    expected: float
    verdict: Verdict
    credit: float
    recomputed: float | None = None
    mistakes: tuple[Slip, ...] = ()


def tolerance(places: int) -> float:
    """τ = ½·10⁻ᴾ: an answer printed to ``places`` decimals is right when within τ of the value."""
    return 0.5 * 10.0**-places


def judge(
    model: Model,
    questions: Sequence[Key],
    answers: Mapping[Key, float],
    places: int,
    follow_through: float = 1.0,
) -> list[Mark]:
    """One :class:`Mark` per question, in order; ``follow_through`` is the credit such an answer earns."""
    tau = tolerance(places)
    tries = _tries(model, places)
    marks: dict[Key, Mark] = {}
    for q in questions:
        marks[q] = _mark(model, q, answers, marks, tau, tries, follow_through)
    return [marks[q] for q in questions]


def _close(a: float, b: float, bound: float) -> bool:
    """Printing's rule for "agrees" (:func:`~microgradnet.tutorial.format.within`), with the
    judge's bound: τ for the exact value, β (τ plus the pinned answers' rounding carried through)
    for a recomputed one, which a single printing's ½·10⁻ᵖ cannot express."""
    return within(a, b, bound)


def _mark(
    model: Model,
    q: Key,
    answers: Mapping[Key, float],
    marks: Mapping[Key, Mark],
    tau: float,
    tries: list[tuple[Slip, tuple[Quantity, ...]]],
    follow_through: float,
) -> Mark:
    exact = model.values[q]
    if q not in answers:
        return Mark(q, None, exact, "missing", 0.0)
    v = answers[q]
    if _close(v, exact, tau):
        return Mark(q, v, exact, "correct", 1.0)
    front, between = _frontier(model, q, answers)
    pinned = {p: answers[p] for p in front}
    replay, bound = _replay(model, q, pinned, tau)
    if pinned and _close(v, replay, bound):
        carried = any(marks[p].verdict != "correct" for p in front if p in marks)
        if carried:
            return Mark(q, v, exact, "follow-through", follow_through, replay)
        return Mark(q, v, exact, "correct", 1.0, replay)
    found: dict[str, Slip] = {}
    for slip, formulas in tries:
        if slip.name in found or not any(f.key in between for f in formulas):
            continue
        if _close(v, *_replay(model, q, pinned, tau, formulas)):
            found[slip.name] = slip
    return Mark(q, v, exact, "wrong", 0.0, replay if pinned else None, tuple(found.values()))


def _frontier(model: Model, q: Key, answers: Mapping[Key, float]) -> tuple[list[Key], set[Key]]:
    """The answered quantities nearest above q on every path, and the quantities between them and q
    (q included): where a slip must act to change q given the student's own answers."""
    front: dict[Key, None] = {}
    between = {q}
    frontier = list(model.quantities[q].deps)
    while frontier:
        nxt: list[Key] = []
        for key in frontier:
            if key in answers:
                front[key] = None
            elif key not in between:
                between.add(key)
                nxt.extend(model.quantities[key].deps)
        frontier = nxt
    return list(front), between


def _replay(
    model: Model,
    q: Key,
    pinned: Mapping[Key, float],
    tau: float,
    formulas: Sequence[Quantity] = (),
) -> tuple[float, float]:
    """q from the pinned answers (with ``formulas`` swapped in), and how far rounding the pinned
    answers by τ each can move it, plus τ for q's own rounding."""
    value = model.evaluate(pinned, formulas)[q]
    bound = tau
    for p in pinned:
        moved = model.evaluate({**pinned, p: pinned[p] + tau}, formulas)[q]
        bound += abs(moved - value) if math.isfinite(moved) else math.inf
    return value, bound


def _tries(model: Model, places: int) -> list[tuple[Slip, tuple[Quantity, ...]]]:
    """Every named slip as the catalogue has it (network-wide), then at each of its sites alone."""
    named = [s for s in slips(model, places) if s.name != "rounded"]
    whole = [(s, s.formulas) for s in named]
    single = [(s, (f,)) for s in named for f in s.formulas if len(s.formulas) > 1]
    return whole + single


def describe(slip: Slip, notation: Notation, n_layers: int) -> str:
    """A slip's description in the exercise's symbols."""
    return in_symbols(slip.description, lambda key: notation(key).text, n_layers)

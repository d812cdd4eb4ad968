"""What a student making a slip writes: the display of a catalogued slip's formula at one site.

The checker's catalogue (:mod:`microgradnet.tutorial.slips`) holds formulas to compute with, no
display. A find-the-slip sheet shows the slipped formula where the student used it; where it is
not written here, the sheet shows the line's result alone (never the right formula).
"""

from __future__ import annotations

from microgradnet.tutorial.equations import MINUS, PLUS, Model, Quantity, Side, const, num, op, sym
from microgradnet.tutorial.slips import Slip

__all__ = ["displayed"]


def displayed(model: Model, slip: Slip, formula: Quantity) -> Quantity:
    """``formula`` with the sides a student making ``slip`` at its site writes (none if unknown)."""
    sides = _sides(model, slip.name, formula)
    return Quantity(formula.key, formula.deps, formula.fn, sides, formula.section, formula.unit)


def _sides(model: Model, name: str, f: Quantity) -> tuple[Side, ...]:
    d = f.deps
    if name == "derivative_dropped":  # δ = y − t
        return ((sym(d[0]), MINUS, sym(d[1])), (num(d[0]), MINUS, num(d[1])))
    if name == "error_sign":  # ∂L/∂y = t − y
        return ((sym(d[1]), MINUS, sym(d[0])), (num(d[1]), MINUS, num(d[0])))
    if name == "input_factor_missing":  # ∂L/∂w = δ
        return ((sym(d[0]),),)
    if name == "other_derivative":
        return _other_derivative(model.example.layers[f.key.layer - 1].activation, f)
    if name in ("update_sign", "layer_update_sign"):  # θ + η·g for θ − η·g (or back)
        flip = {MINUS: PLUS, PLUS: MINUS}
        return tuple(
            (side[0], flip.get(side[1], side[1]), *side[2:])
            for side in model.quantities[f.key].sides
        )
    return ()


def _other_derivative(activation: str, f: Quantity) -> tuple[Side, ...]:
    a = f.deps[0]
    if activation == "sigmoid":  # tanh′ = 1 − a² for σ′
        return (
            (const(1), MINUS, op("", "{"), sym(a), op("²", "}^2")),
            (const(1), MINUS, num(a, True), op("²", "^2")),
        )
    return (  # σ′ = a(1 − a) for tanh′
        (sym(a), op("("), const(1), MINUS, sym(a), op(")")),
        (num(a, True), op("("), const(1), MINUS, num(a), op(")")),
    )

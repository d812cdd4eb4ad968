"""Loss functions on Values: ½(y−t)² as in the worked examples, batch means, binary cross-entropy."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real
from typing import cast

from microgradnet.checks import expect_real, expect_sequence
from microgradnet.engine import Number, Value, apply, vsum
from microgradnet.errors import ShapeError

__all__ = [
    "half_squared_error",
    "mse",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "mean",
    "LOSSES",
]

Outputs = Value | Sequence[Value]
Targets = Number | Value | Sequence[Number | Value]


def _pairs(y: Outputs, t: Targets) -> list[tuple[Value, Value | float]]:
    """(output, target) pairs, after checking types and lengths (a str is never a sequence here)."""
    ys = [y] if type(y) is Value else _sequence(y, "output")
    ts = [t] if type(t) is float or isinstance(t, (Real, Value)) else _sequence(t, "target")
    if len(ys) != len(ts):
        raise ShapeError(f"target: expected {len(ys)} values (one per output), got {len(ts)}")
    for k, yk in enumerate(ys):
        if type(yk) is not Value and not isinstance(yk, Value):
            raise TypeError(f"output[{k}]: expected a Value, got {type(yk).__name__}: {yk!r}"[:200])
    return [(cast(Value, yk), _target(tk, k)) for k, (yk, tk) in enumerate(zip(ys, ts))]


def _sequence(items: object, what: str) -> list[object]:
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(
            f"{what}: expected a number or a sequence of numbers"
            f"{' (Values)' if what == 'output' else ''}, got {type(items).__name__}: {items!r}"[
                :200
            ]
        )
    return list(items)


def _target(tk: object, k: int) -> Value | float:
    """A target: a number, or a Value (a leaf a compiled step feeds new targets through)."""
    if type(tk) is float:
        return tk
    if isinstance(tk, Value):
        return tk
    return expect_real(tk, f"target[{k}]")


def _total(terms: list[Value]) -> Value:
    """Σ terms as one n-ary sum; a single term is its own total (no one-operand sum node)."""
    return terms[0] if len(terms) == 1 else vsum(terms)


def half_squared_error(y: Outputs, t: Targets) -> Value:
    """L = ½ Σₖ (yₖ − tₖ)²;  ∂L/∂yₖ = yₖ − tₖ."""
    return _total([Value(0.5, "½") * (yk - _target_node(tk)) ** 2 for yk, tk in _pairs(y, t)])


def _target_node(tk: Value | float) -> Value:
    """A target as a node: a Value target as it is, a number as a leaf labelled with its role."""
    return tk if isinstance(tk, Value) else Value(tk, "target")


def binary_cross_entropy(y: Outputs, t: Targets) -> Value:
    """L = −Σₖ [tₖ ln yₖ + (1 − tₖ) ln(1 − yₖ)], computed stably.

    When ``yₖ`` is a sigmoid node ``σ(z)`` (an MLP's sigmoid output) each term is one "bce" node
    (see ``engine.OPS``) with operands ``yₖ``, ``z`` and ``tₖ``: its value is computed from the logit as
    ``softplus(z) − t·z``, which never takes the log of 0; after ``backward()`` ``yₖ.grad`` is
    ∂L/∂y = (y − t)/(y(1 − y)) and ``z.grad`` is y − t, as in the textbook, even where σ
    saturates. Otherwise (including inside ``no_grad()``, where results keep no graph) the
    probabilities are used directly, and ln 0 gives inf by the IEEE policy; pass logits to
    ``binary_cross_entropy_with_logits`` for a loss that is stable there too.

    Raises:
        TypeError: an output is not a Value, or a target is not a real number (a string too).
        ShapeError: not one target per output.
    """
    terms = []
    for yk, tk in _pairs(y, t):
        if yk.op == "sigmoid":
            terms.append(apply("bce", yk, yk.parents[0], tk))
        else:
            terms.append(-(tk * yk.log() + (1.0 - tk) * (1.0 - yk).log()))
    return _total(terms)


def binary_cross_entropy_with_logits(z: Outputs, t: Targets) -> Value:
    """L = Σₖ softplus(zₖ) − tₖ·zₖ: binary cross-entropy of σ(z), from the logits z;  ∂L/∂zₖ = σ(zₖ) − tₖ.

    The same number as ``binary_cross_entropy(σ(z), t)``, stable for any z, and stable inside
    ``no_grad()`` too (where a sigmoid result is a plain leaf, so ``binary_cross_entropy`` can only
    use the probability and gives inf once σ(z) rounds to exactly 0 or 1).
    """
    return _total([zk.softplus() - tk * zk for zk, tk in _pairs(z, t)])


def mean(values: Sequence[Value]) -> Value:
    """(1/N) Σₙ vₙ: the batch average, so gradients are averaged over N (as in §13 of example 004)."""
    if not expect_sequence(values, "mean: values", "a list of Values"):
        raise ValueError("mean of an empty batch")
    return vsum(values) * Value(1.0 / len(values), "1/N")


def mse(ys: Sequence[Outputs], ts: Sequence[Targets]) -> Value:
    """Mean squared error over a batch: (1/N) Σₙ Σₖ (yₙₖ − tₙₖ)²."""
    ys = expect_sequence(ys, "mse: ys", "a list of outputs, one per sample")
    ts = expect_sequence(ts, "mse: ts", "a list of targets, one per sample")
    if len(ys) != len(ts):
        raise ShapeError(f"targets: expected {len(ys)} (one per sample), got {len(ts)}")
    return mean([vsum([(yk - tk) ** 2 for yk, tk in _pairs(y, t)]) for y, t in zip(ys, ts)])


#: Loss name (as used in example files and ``deltas``) -> per-sample loss function.
LOSSES = {
    "squared_error": half_squared_error,
    "cross_entropy": binary_cross_entropy,
}

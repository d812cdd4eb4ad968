"""Loss functions on Values: ½(y−t)² as in the worked examples, batch means, binary cross-entropy."""

from __future__ import annotations

from collections.abc import Sequence

from microgradnet.engine import Number, Value, vsum
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
Targets = Number | Sequence[Number]


def _pairs(y: Outputs, t: Targets) -> list[tuple[Value, float]]:
    ys = [y] if isinstance(y, Value) else list(y)
    ts = [t] if isinstance(t, (int, float)) else list(t)
    if len(ys) != len(ts):
        raise ShapeError(f"target: expected {len(ys)} values (one per output), got {len(ts)}")
    return [(yk, float(tk)) for yk, tk in zip(ys, ts)]


def _total(terms: list[Value]) -> Value:
    """Σ terms as one n-ary sum; a single term is its own total (no one-operand sum node)."""
    return terms[0] if len(terms) == 1 else vsum(terms)


def half_squared_error(y: Outputs, t: Targets) -> Value:
    """L = ½ Σₖ (yₖ − tₖ)²;  ∂L/∂yₖ = yₖ − tₖ."""
    return _total([Value(0.5, "½") * (yk - Value(tk, "target")) ** 2 for yk, tk in _pairs(y, t)])


def binary_cross_entropy(y: Outputs, t: Targets) -> Value:
    """L = −Σₖ [tₖ ln yₖ + (1 − tₖ) ln(1 − yₖ)], computed stably.

    When ``yₖ`` is a sigmoid node ``σ(z)`` (an MLP's sigmoid output) the loss is computed from its
    logit as ``softplus(z) − t·z``, which never takes the log of 0 and gives ∂L/∂z = y − t exactly
    as in the textbook. Otherwise (including inside ``no_grad()``, where results keep no graph)
    the probabilities are used directly, and ln 0 gives inf by the IEEE policy; pass logits to
    ``binary_cross_entropy_with_logits`` for a loss that is stable there too.
    """
    terms = []
    for yk, tk in _pairs(y, t):
        if yk.op == "sigmoid":
            z = yk.parents[0]
            terms.append(z.softplus() - tk * z)
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
    if not values:
        raise ValueError("mean of an empty batch")
    return vsum(values) * Value(1.0 / len(values), "1/N")


def mse(ys: Sequence[Outputs], ts: Sequence[Targets]) -> Value:
    """Mean squared error over a batch: (1/N) Σₙ Σₖ (yₙₖ − tₙₖ)²."""
    if len(ys) != len(ts):
        raise ShapeError(f"targets: expected {len(ys)} (one per sample), got {len(ts)}")
    return mean([vsum([(yk - tk) ** 2 for yk, tk in _pairs(y, t)]) for y, t in zip(ys, ts)])


#: Loss name (as used in example files and ``deltas``) -> per-sample loss function.
LOSSES = {
    "squared_error": half_squared_error,
    "cross_entropy": binary_cross_entropy,
}

"""IEEE-754 float functions shared by the engine, the hand-derived deltas and compiled graphs.

The policy, applied to every op: results follow IEEE-754 the way PyTorch's float64 tensors do.
Overflow gives ±inf, 0/0 and undefined results give nan, a pole gives ±inf. Nothing raises
``OverflowError``, ``ZeroDivisionError`` or ``ValueError: math domain error``. To find where a
nan or inf first appeared, use :func:`microgradnet.detect_anomaly`.

Every function takes and returns plain floats, so the engine, ``deltas`` and code produced by
``codegen`` compute bit-identical numbers.
"""

from __future__ import annotations

import math

__all__ = [
    "BCE_SLOPE_CAP",
    "bce_rest",
    "bce_slope",
    "div",
    "exp",
    "log",
    "power",
    "pow_grad_base",
    "pow_grad_exponent",
    "relu",
    "sigmoid",
    "softplus",
    "tanh",
]

INF = math.inf
NAN = math.nan


def div(a: float, b: float) -> float:
    """a / b, with a/±0 = ±inf (sign of a times sign of the zero) and 0/0 = nan."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0.0 or math.isnan(a):
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def _is_odd_integer(x: float) -> bool:
    return x.is_integer() and x % 2.0 == 1.0


def power(a: float, b: float) -> float:
    """a ** b as C's pow(): overflow gives ±inf, 0**-n gives ±inf, (-a)**fraction gives nan."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return -INF if a < 0.0 and _is_odd_integer(b) else INF
    except ValueError:
        if a == 0.0:  # 0 ** negative: a pole
            negative_zero = math.copysign(1.0, a) < 0.0
            return -INF if negative_zero and _is_odd_integer(b) else INF
        return NAN  # negative base, non-integer exponent


def pow_grad_base(a: float, b: float) -> float:
    """∂(a**b)/∂a = b·a^(b-1); exactly 0 when b = 0 (a**0 is constant, even at a = 0)."""
    return 0.0 if b == 0.0 else b * power(a, b - 1.0)


def pow_grad_exponent(a: float, b: float, out: float) -> float:
    """∂(a**b)/∂b = out·ln a; 0 where a = 0 ≤ b (as PyTorch), nan for a < 0."""
    if a == 0.0 and b >= 0.0:
        return 0.0
    return out * log(a)


def exp(a: float) -> float:
    """e**a, with overflow giving inf."""
    try:
        return math.exp(a)
    except OverflowError:
        return INF


def log(a: float) -> float:
    """ln a, with ln 0 = -inf and ln(negative) = nan."""
    if a > 0.0:
        return math.log(a)
    if a == 0.0:
        return -INF
    return NAN  # negative or nan


#: tanh a: ``math.tanh`` itself, already stable for every input (no wrapper: it is called once per
#: neuron, in the engine and in compiled code alike).
tanh = math.tanh


def sigmoid(a: float) -> float:
    """σ(a) = 1/(1+e^-a), evaluated so that e^(-a) never overflows: σ(-1000) = 0.0, σ(1000) = 1.0."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = exp(a)  # a < 0 (or nan): e ≤ 1
    return e / (1.0 + e)


def softplus(a: float) -> float:
    """ln(1 + e^a), evaluated as max(a, 0) + ln(1 + e^-|a|) so it never overflows."""
    if math.isnan(a):
        return NAN
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def relu(a: float) -> float:
    """max(a, 0); nan stays nan."""
    return 0.0 if a <= 0.0 else a  # noqa: FURB136 (max(0.0, nan) would give 0.0, not nan)


#: |∂L/∂y| of binary cross-entropy where the exact value overflows (y rounds to 0 or 1): large,
#: yet small enough that times an upstream gradient up to 1e7 and times σ' = 0 it gives 0, not nan.
BCE_SLOPE_CAP = 2.0**1000


def bce_slope(y: float, t: float) -> float:
    """∂L/∂y = −t/y + (1−t)/(1−y) for L = −[t ln y + (1−t) ln(1−y)]; ±BCE_SLOPE_CAP, not ±inf."""
    slope = (0.0 if t == 0.0 else div(-t, y)) + (0.0 if t == 1.0 else div(1.0 - t, 1.0 - y))
    return math.copysign(BCE_SLOPE_CAP, slope) if math.isinf(slope) else slope


def bce_rest(y: float, t: float) -> float:
    """(y − t) − ∂L/∂y·y(1 − y): the part of ∂L/∂z, for y = σ(z), that the path through y loses.

    Mathematically 0; in floats it is the rounding of that path, and all of y − t once σ'(z) =
    y(1 − y) rounds to 0 (|z| ≳ 37). The loss's own edge to z carries it, so ∂L/∂z = y − t.
    """
    return (y - t) - bce_slope(y, t) * (y * (1.0 - y))

"""The numerics policy: IEEE-754 results (inf, nan, signed zeros), never a Python exception.

No OverflowError, ZeroDivisionError or ``ValueError: math domain error`` may reach a user, from
any op, forward or backward, for any float operand (including inf and nan). sigmoid, tanh and
softplus are stable for every finite input.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradnet import Value, numerics, vsum

INF, NAN = math.inf, math.nan


def same_float(actual: float, expected: float) -> bool:
    """Bit-level IEEE identity for special values: nan is nan, and the sign of 0 and inf counts."""
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == expected and math.copysign(1.0, actual) == math.copysign(1.0, expected)


# ---- the float functions themselves -------------------------------------------------------------

SPECIAL_CASES: list[tuple[str, Callable[..., float], tuple[float, ...], float]] = [
    ("1/0", numerics.div, (1.0, 0.0), INF),
    ("-1/0", numerics.div, (-1.0, 0.0), -INF),
    ("1/-0", numerics.div, (1.0, -0.0), -INF),
    ("-1/-0", numerics.div, (-1.0, -0.0), INF),
    ("0/0", numerics.div, (0.0, 0.0), NAN),
    ("nan/0", numerics.div, (NAN, 0.0), NAN),
    ("inf/0", numerics.div, (INF, 0.0), INF),
    ("1/inf", numerics.div, (1.0, INF), 0.0),
    ("log 0", numerics.log, (0.0,), -INF),
    ("log -0", numerics.log, (-0.0,), -INF),
    ("log -1", numerics.log, (-1.0,), NAN),
    ("log inf", numerics.log, (INF,), INF),
    ("log nan", numerics.log, (NAN,), NAN),
    ("exp 1000", numerics.exp, (1000.0,), INF),
    ("exp -1000", numerics.exp, (-1000.0,), 0.0),
    ("exp inf", numerics.exp, (INF,), INF),
    ("exp -inf", numerics.exp, (-INF,), 0.0),
    ("10**400", numerics.power, (10.0, 400.0), INF),
    ("(-10)**401", numerics.power, (-10.0, 401.0), -INF),
    ("(-10)**400", numerics.power, (-10.0, 400.0), INF),
    ("0**-1", numerics.power, (0.0, -1.0), INF),
    ("(-0)**-1", numerics.power, (-0.0, -1.0), -INF),
    ("(-0)**-2", numerics.power, (-0.0, -2.0), INF),
    ("0**-0.5", numerics.power, (0.0, -0.5), INF),
    ("(-2)**0.5", numerics.power, (-2.0, 0.5), NAN),
    ("(-8)**(1/3)", numerics.power, (-8.0, 1.0 / 3.0), NAN),
    ("0**0", numerics.power, (0.0, 0.0), 1.0),
    ("nan**0", numerics.power, (NAN, 0.0), 1.0),
    ("sigmoid -1000", numerics.sigmoid, (-1000.0,), 0.0),
    ("sigmoid 1000", numerics.sigmoid, (1000.0,), 1.0),
    ("sigmoid -inf", numerics.sigmoid, (-INF,), 0.0),
    ("sigmoid inf", numerics.sigmoid, (INF,), 1.0),
    ("sigmoid nan", numerics.sigmoid, (NAN,), NAN),
    ("tanh -1000", numerics.tanh, (-1000.0,), -1.0),
    ("tanh 1000", numerics.tanh, (1000.0,), 1.0),
    ("softplus 1000", numerics.softplus, (1000.0,), 1000.0),
    ("softplus -1000", numerics.softplus, (-1000.0,), 0.0),
    ("softplus inf", numerics.softplus, (INF,), INF),
    ("softplus -inf", numerics.softplus, (-INF,), 0.0),
    ("softplus nan", numerics.softplus, (NAN,), NAN),
    ("relu nan", numerics.relu, (NAN,), NAN),
    ("relu -inf", numerics.relu, (-INF,), 0.0),
]


@pytest.mark.parametrize(
    ("name", "fn", "args", "expected"), SPECIAL_CASES, ids=[c[0] for c in SPECIAL_CASES]
)
def test_special_values_follow_ieee(
    name: str, fn: Callable[..., float], args: tuple[float, ...], expected: float
) -> None:
    assert same_float(fn(*args), expected), (name, fn(*args))


# ---- the same policy through Values, forward and backward ---------------------------------------

#: (name, build(out from leaves), leaves, expected value, expected gradients)
VALUE_CASES: list[tuple[str, Callable[..., Value], tuple[float, ...], float, tuple[float, ...]]] = [
    ("division by zero", lambda a, b: a / b, (1.0, 0.0), INF, (INF, -INF)),
    ("zero over zero", lambda a, b: a / b, (0.0, 0.0), NAN, (INF, NAN)),
    ("log of zero", lambda a: a.log(), (0.0,), -INF, (INF,)),
    ("log of a negative", lambda a: a.log(), (-1.0,), NAN, (-1.0,)),
    ("exp overflow", lambda a: a.exp(), (1000.0,), INF, (INF,)),
    ("pow overflow", lambda a: a**400, (10.0,), INF, (INF,)),
    ("negative base, fractional exponent", lambda a: a**0.5, (-4.0,), NAN, (NAN,)),
    ("zero to a negative power", lambda a: a**-1, (0.0,), INF, (-INF,)),
    ("zero to a negative Value power", lambda a, b: a**b, (0.0, -1.0), INF, (-INF, -INF)),
    ("2 / v at zero", lambda a: 2 / a, (0.0,), INF, (-INF,)),
    ("sqrt at zero", lambda a: a.sqrt(), (0.0,), 0.0, (INF,)),
    ("sigmoid of -1000", lambda a: a.sigmoid(), (-1000.0,), 0.0, (0.0,)),
    ("sigmoid of 1000", lambda a: a.sigmoid(), (1000.0,), 1.0, (0.0,)),
    ("tanh of -1000", lambda a: a.tanh(), (-1000.0,), -1.0, (0.0,)),
    ("softplus of 1000", lambda a: a.softplus(), (1000.0,), 1000.0, (1.0,)),
    ("softplus of -1000", lambda a: a.softplus(), (-1000.0,), 0.0, (0.0,)),
    ("product overflow", lambda a, b: a * b, (1e200, 1e200), INF, (1e200, 1e200)),
]


@pytest.mark.parametrize(
    ("name", "build", "inputs", "value", "grads"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES]
)
def test_values_follow_ieee_forward_and_backward(
    name: str,
    build: Callable[..., Value],
    inputs: tuple[float, ...],
    value: float,
    grads: tuple[float, ...],
) -> None:
    leaves = [Value(x) for x in inputs]
    out = build(*leaves)
    assert same_float(out.data, value), out.data
    out.backward()
    for leaf, expected in zip(leaves, grads):
        assert same_float(leaf.grad, expected), (leaf.grad, expected)


def test_log_of_a_negative_is_nan_with_the_formal_derivative() -> None:
    """ln(−1) is nan; its local derivative 1/a = −1 is still reported (PyTorch does the same)."""
    a = Value(-1.0)
    out = a.log()
    out.backward()
    assert math.isnan(out.data) and a.grad == pytest.approx(-1.0, rel=0)


# ---- no exception from any op, for any float at all ----------------------------------------------

any_float = st.floats(allow_nan=True, allow_infinity=True)

UNARY: dict[str, Callable[[Value], Value]] = {
    "neg": lambda v: -v,
    "exp": lambda v: v.exp(),
    "log": lambda v: v.log(),
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "relu": lambda v: v.relu(),
    "softplus": lambda v: v.softplus(),
    "sqrt": lambda v: v.sqrt(),
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "vsum": lambda a, b: vsum([a, b, a]),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=60)
@given(x=any_float, seed=any_float)
def test_unary_ops_never_raise(name: str, x: float, seed: float) -> None:
    v = Value(x)
    out = UNARY[name](v)
    out.backward(seed)
    assert isinstance(out.data, float) and isinstance(v.grad, float)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=60)
@given(a=any_float, b=any_float)
def test_binary_ops_never_raise(name: str, a: float, b: float) -> None:
    va, vb = Value(a), Value(b)
    out = BINARY[name](va, vb)
    out.backward()
    assert isinstance(out.data, float) and isinstance(va.grad, float) and isinstance(vb.grad, float)


@settings(max_examples=100)
@given(a=any_float, k=any_float)
def test_power_with_any_constant_never_raises(a: float, k: float) -> None:
    for out_of in (lambda v: v**k, lambda v: k**v):
        v = Value(a)
        out = out_of(v)
        out.backward()
        assert isinstance(out.data, float) and isinstance(v.grad, float)
    assert (Value(a) ** k).op.startswith("**")


# ---- stable sigmoid, tanh and softplus for any finite input -------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)


@given(finite)
def test_sigmoid_is_stable_for_any_finite_input(x: float) -> None:
    v = Value(x)
    s = v.sigmoid()
    s.backward()
    assert 0.0 <= s.data <= 1.0
    assert 0.0 <= v.grad <= 0.25
    # σ(x) + σ(−x) = 1 up to rounding of each term.
    assert s.data + Value(-x).sigmoid().data == pytest.approx(1.0, abs=2.3e-16)


@given(finite)
def test_tanh_is_stable_for_any_finite_input(x: float) -> None:
    v = Value(x)
    t = v.tanh()
    t.backward()
    assert -1.0 <= t.data <= 1.0
    assert 0.0 <= v.grad <= 1.0
    assert Value(-x).tanh().data == pytest.approx(-t.data, rel=1e-15, abs=0)


@given(finite)
def test_softplus_is_stable_for_any_finite_input(x: float) -> None:
    v = Value(x)
    s = v.softplus()
    s.backward()
    assert max(x, 0.0) <= s.data <= max(x, 0.0) + math.log(2.0) * (1 + 1e-15)
    assert 0.0 <= v.grad <= 1.0


def test_extreme_sigmoid_has_exact_limits_and_zero_or_tiny_gradients() -> None:
    lo, hi = Value(-1000.0), Value(1000.0)
    s_lo, s_hi = lo.sigmoid(), hi.sigmoid()
    (s_lo + s_hi).backward()
    assert same_float(s_lo.data, 0.0) and same_float(s_hi.data, 1.0)
    assert 0.0 <= lo.grad <= 1e-300 and 0.0 <= hi.grad <= 1e-300
    # Far but not saturated: σ(−700) ≈ e^−700 is tiny but not 0, and its gradient matches it.
    v = Value(-700.0)
    out = v.sigmoid()
    out.backward()
    assert out.data == pytest.approx(math.exp(-700.0), rel=1e-12)
    assert v.grad == pytest.approx(math.exp(-700.0), rel=1e-12)

"""Second and third derivatives are right: closed forms per op, random graphs, the seed 2-2-1 Hessians.

Three independent references for the create_graph backward pass:
  * closed forms (σ'' = σ(1−σ)(1−2σ), tanh'' = −2 tanh (1−tanh²), (xᵏ)'' = k(k−1)xᵏ⁻², …);
  * central differences of the *first-order float* gradient (``gradients(create_graph=False)``,
    which uses the float rules stored by each op, not the symbolic ones under test);
  * ``gradgradcheck`` (central differences of the create_graph gradient itself).

Tolerances (float64, u ≈ 1.1e-16):
  * autograd vs closed form: the same handful of float operations in a different order, so they
    differ by rounding only — a few ulps of the largest intermediate (≤ ~1e3 here). We allow
    rel 1e-9 with abs 1e-12 for results near zero after cancellation (e.g. σ'' at σ ≈ ½).
  * autograd vs central differences of the gradient g with step ε = 1e-5: truncation ≈ ε²/6·|g‴|
    and rounding ≈ u·|g|/ε ≈ 1e-11·|g| per evaluation. The shared strategies keep every
    intermediate within ±10 and 0.25 away from poles, so both stay far below 1e-7. Measured over
    3,000 random programs and 1,000 random networks: worst absolute error 1.5e-7 (on an entry of
    86), worst relative error 1.2e-7 (on an entry of 0.018, i.e. 2e-9 absolute). We allow
    abs 1e-7 + rel 1e-6, at least twenty times every error seen and a million times tighter than
    a factor-of-two bug. (ε = 1e-6 trades truncation for rounding: about 3e-7 absolute on
    entries that are exactly 0.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import (
    SEED_000,
    SEED_000_CROSS_ENTROPY,
    SEED_004,
    SEED_BATCH,
    NetCase,
    Program,
    Step,
    moderate,
    net_cases,
    network_loss,
    program_output,
    programs,
    seed_program,
    unit,
)

from microgradnet import MLP, Value, grad, gradgradcheck, gradients, hessian, hvp, vsum
from microgradnet.functional import hessian_at

CLOSED_FORM = {"rel": 1e-9, "abs": 1e-12}
EPS = 1e-5
FD_ATOL = 1e-7
FD_RTOL = 1e-6


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ---- the op table: every unary op with its second and third derivatives in closed form -------
@dataclass(frozen=True)
class UnaryOp:
    name: str
    f: Callable[[Value], Value]
    d2: Callable[[float], float]
    d3: Callable[[float], float]
    domain: st.SearchStrategy[float]


def _power(k: float) -> UnaryOp:
    return UnaryOp(
        f"**{k}",
        lambda v: v**k,
        lambda x: k * (k - 1.0) * x ** (k - 2.0),
        lambda x: k * (k - 1.0) * (k - 2.0) * x ** (k - 3.0),
        st.floats(0.2, 3.0),  # positive so fractional and negative powers are defined and tame
    )


def _sigmoid_d2(x: float) -> float:
    s = _sigmoid(x)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _sigmoid_d3(x: float) -> float:
    s = _sigmoid(x)
    return s * (1.0 - s) * (1.0 - 6.0 * s + 6.0 * s * s)


def _tanh_d2(x: float) -> float:
    t = math.tanh(x)
    return -2.0 * t * (1.0 - t * t)


def _tanh_d3(x: float) -> float:
    t = math.tanh(x)
    return -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t)


away_from_zero = st.one_of(st.floats(-3.0, -1e-3), st.floats(1e-3, 3.0))

UNARY_OPS = [
    UnaryOp("exp", Value.exp, math.exp, math.exp, moderate),
    UnaryOp("log", Value.log, lambda x: -1.0 / x**2, lambda x: 2.0 / x**3, st.floats(0.1, 5.0)),
    UnaryOp("tanh", Value.tanh, _tanh_d2, _tanh_d3, moderate),
    UnaryOp("sigmoid", Value.sigmoid, _sigmoid_d2, _sigmoid_d3, moderate),
    UnaryOp(
        "softplus", Value.softplus, lambda x: _sigmoid(x) * (1 - _sigmoid(x)), _sigmoid_d2, moderate
    ),
    UnaryOp("relu", Value.relu, lambda x: 0.0, lambda x: 0.0, away_from_zero),
    UnaryOp("neg", Value.__neg__, lambda x: 0.0, lambda x: 0.0, moderate),
    *[_power(k) for k in (2.0, 3.0, 4.0, -1.0, -2.0, 0.5, 1.5, 2.5)],
]


@pytest.mark.parametrize("op", UNARY_OPS, ids=lambda op: op.name)
@given(data=st.data())
def test_second_and_third_derivatives_match_closed_forms(op: UnaryOp, data: st.DataObject) -> None:
    x = data.draw(op.domain, label="x")
    d2 = grad(grad(op.f))(x)
    d3 = grad(grad(grad(op.f)))(x)
    assert d2 == pytest.approx(op.d2(x), **CLOSED_FORM)
    assert d3 == pytest.approx(op.d3(x), **CLOSED_FORM)


@given(x=st.floats(-3.0, 3.0), k=st.integers(0, 4))
def test_integer_powers_have_finite_derivatives_everywhere(x: float, k: int) -> None:
    """d²/dx² xᵏ = k(k−1)xᵏ⁻² even at x = 0 (no 0·∞ from a stray x⁰ node)."""
    expected = k * (k - 1) * x ** (k - 2) if k >= 2 else 0.0
    assert grad(grad(lambda v: v**k))(x) == pytest.approx(expected, **CLOSED_FORM)


def test_power_derivatives_at_zero() -> None:
    """x¹, x² and x³ at 0: every derivative up to the fourth is the exact polynomial one."""
    at_zero = {1: [1.0, 0.0, 0.0], 2: [0.0, 2.0, 0.0], 3: [0.0, 0.0, 6.0]}
    for k, (d1, d2, d3) in at_zero.items():
        f = lambda v, k=k: v**k
        got = [grad(f)(0.0), grad(grad(f))(0.0), grad(grad(grad(f)))(0.0)]
        assert got == pytest.approx([d1, d2, d3], abs=0.0), f"x**{k}"


# ---- binary ops: the full Hessian in closed form ------------------------------------------------
positive = st.floats(0.2, 3.0)
nonzero = st.one_of(st.floats(-3.0, -0.2), st.floats(0.2, 3.0))


@given(a=moderate, b=moderate)
def test_hessian_of_product_sum_difference(a: float, b: float) -> None:
    assert hessian(lambda x, y: x * y)(a, b) == [
        pytest.approx([0.0, 1.0], abs=0.0),
        pytest.approx([1.0, 0.0], abs=0.0),
    ]
    for f in (lambda x, y: x + y, lambda x, y: x - y, lambda x, y: vsum([x, y, x])):
        assert hessian(f)(a, b) == [pytest.approx([0.0, 0.0], abs=0.0)] * 2


@given(a=moderate, b=nonzero)
def test_hessian_of_quotient(a: float, b: float) -> None:
    """∂²(a/b): ∂a² = 0, ∂a∂b = −1/b², ∂b² = 2a/b³."""
    h = hessian(lambda x, y: x / y)(a, b)
    assert h[0] == pytest.approx([0.0, -1.0 / b**2], **CLOSED_FORM)
    assert h[1] == pytest.approx([-1.0 / b**2, 2.0 * a / b**3], **CLOSED_FORM)


@given(a=positive, b=moderate)
def test_hessian_of_value_power(a: float, b: float) -> None:
    """∂²(aᵇ): ∂a² = b(b−1)aᵇ⁻², ∂a∂b = aᵇ⁻¹(1 + b ln a), ∂b² = aᵇ (ln a)²."""
    h = hessian(lambda x, y: x**y)(a, b)
    mixed = a ** (b - 1.0) * (1.0 + b * math.log(a))
    assert h[0] == pytest.approx([b * (b - 1.0) * a ** (b - 2.0), mixed], **CLOSED_FORM)
    assert h[1] == pytest.approx([mixed, a**b * math.log(a) ** 2], **CLOSED_FORM)


# ---- random expression graphs over every op (the shared ``programs`` strategy) ------------------
def as_function(program: Program) -> Callable[..., Value]:
    return lambda *xs: program_output(program, xs)


def central_difference_hessian(
    loss: Callable[[], Value], params: Sequence[Value], eps: float = EPS
) -> list[list[float]]:
    """Row i = (∇loss(θ + εeᵢ) − ∇loss(θ − εeᵢ)) / 2ε, the gradient by the first-order float path."""
    rows = []
    for p in params:
        saved = p.data
        p.data = saved + eps
        up = gradients(loss(), params)
        p.data = saved - eps
        down = gradients(loss(), params)
        p.data = saved
        rows.append([(u - d) / (2.0 * eps) for u, d in zip(up, down)])
    return rows


def assert_matrix_close(
    got: Sequence[Sequence[float]], want: Sequence[Sequence[float]], *, rel: float, abs: float
) -> None:
    for i, (row, want_row) in enumerate(zip(got, want, strict=True)):
        assert row == pytest.approx(want_row, rel=rel, abs=abs), f"row {i}"


def transpose(matrix: Sequence[Sequence[float]]) -> list[list[float]]:
    return [list(column) for column in zip(*matrix)]


SQUARE_OF_SIGMOID = Program(
    (0.4, -1.1), (Step("mul", (0, 1)), Step("sigmoid", (2,)), Step("mul", (3, 3)))
)
POWERS_AT_ZERO = Program(
    (0.0,), (Step("pow_k", (0,), 1.0), Step("pow_k", (0,), 0.0), Step("pow_k", (0,), 2.0))
)
VALUE_POWER = Program(
    (1.7, 0.0), (Step("pow_value", (0, 1)), Step("log", (0,)), Step("mul", (2, 3)))
)


@given(programs())
@example(seed_program(SEED_004))
@example(seed_program(SEED_000))
@example(SQUARE_OF_SIGMOID)
@example(POWERS_AT_ZERO)
@example(VALUE_POWER)
def test_random_graph_hessian_matches_differences_of_the_float_gradient(program: Program) -> None:
    f = as_function(program)
    xs = [Value(x) for x in program.inputs]
    numeric = central_difference_hessian(lambda: f(*xs), xs)
    assert_matrix_close(hessian_at(f(*xs), xs), numeric, rel=FD_RTOL, abs=FD_ATOL)


@given(programs())
@example(VALUE_POWER)
def test_random_graph_passes_gradgradcheck(program: Program) -> None:
    f = as_function(program)
    assert gradgradcheck(f, program.inputs, eps=EPS, atol=FD_ATOL, rtol=FD_RTOL)


@given(programs())
@example(POWERS_AT_ZERO)
def test_random_graph_differentiable_gradient_has_the_float_gradient_values(
    program: Program,
) -> None:
    """The symbolic rules give the same first derivatives as the float rules (to rounding)."""
    xs = [Value(x) for x in program.inputs]
    out = as_function(program)(*xs)
    as_values = [g.data for g in gradients(out, xs, create_graph=True)]
    assert as_values == pytest.approx(gradients(out, xs), rel=1e-12, abs=1e-15)


@given(programs())
def test_random_graph_hessian_is_symmetric(program: Program) -> None:
    xs = [Value(x) for x in program.inputs]
    h = hessian_at(as_function(program)(*xs), xs)
    assert_matrix_close(h, transpose(h), rel=1e-12, abs=1e-13)  # two orders of the same sums


# ---- networks: the seed 2-2-1 losses, and random networks, batches and losses -------------------
def case_loss(case: NetCase) -> tuple[MLP, Callable[[], Value]]:
    mlp = MLP.from_weights(case.weights, case.biases, case.activations)
    return mlp, lambda: network_loss(mlp, case)


def output_layer_weights(mlp: MLP) -> list[Value]:
    return list(mlp.layers[-1].neurons[0].weights)


small_networks = net_cases(max_layers=2, max_width=3, max_batch=2)


@given(small_networks)
@example(SEED_000)
@example(SEED_004)
@example(SEED_000_CROSS_ENTROPY)
@example(SEED_BATCH)
def test_network_hessian_is_symmetric_and_matches_differences(case: NetCase) -> None:
    mlp, loss = case_loss(case)
    for params in (mlp.parameters(), output_layer_weights(mlp)):
        h = hessian_at(loss(), params)
        assert_matrix_close(h, transpose(h), rel=1e-12, abs=1e-15)
        assert_matrix_close(h, central_difference_hessian(loss, params), rel=FD_RTOL, abs=FD_ATOL)


@st.composite
def sigmoid_221_cases(draw: st.DrawFn) -> NetCase:
    """A 2-2-1 sigmoid network with ½(y − t)², like both seed documents (biases or none)."""
    w1 = [[draw(moderate), draw(moderate)] for _ in range(2)]
    w2 = [[draw(moderate), draw(moderate)]]
    biases: list[list[float] | None] | None = None
    if draw(st.booleans(), label="biases"):
        biases = [[draw(moderate), draw(moderate)], [draw(moderate)]]
    x, t = [draw(moderate), draw(moderate)], draw(unit)
    return NetCase([w1, w2], biases, ["sigmoid", "sigmoid"], [x], [[t]], "squared_error")


@given(sigmoid_221_cases())
@example(SEED_000)
@example(SEED_004)
def test_221_output_layer_hessian_closed_form(case: NetCase) -> None:
    """L = ½(σ(w·a + b) − t)²:  ∂²L/∂θᵢ∂θⱼ = aᵢaⱼ·[y′² + (y − t)·y″] for θ = (w, b) with a_b = 1,
    where y′ = y(1−y) and y″ = y′(1−2y)."""
    mlp, loss = case_loss(case)
    output = mlp.layers[-1].neurons[0]
    trace = mlp.trace(case.X[0])
    a = [v.data for v in trace.a[0]] + ([1.0] if output.bias is not None else [])
    y, t = trace.output[0].data, case.T[0][0]
    dy = y * (1.0 - y)
    curvature = dy * dy + (y - t) * dy * (1.0 - 2.0 * y)
    expected = [[ai * aj * curvature for aj in a] for ai in a]
    assert_matrix_close(hessian_at(loss(), output.parameters()), expected, **CLOSED_FORM)


@given(small_networks, st.data())
@example(SEED_004, None)
def test_network_hessian_vector_product_is_h_times_v(
    case: NetCase, data: st.DataObject | None
) -> None:
    mlp, loss = case_loss(case)
    params = mlp.parameters()
    if data is None:
        v = [1.0] + [0.0] * (len(params) - 1)
    else:
        v = data.draw(st.lists(moderate, min_size=len(params), max_size=len(params)), label="v")
    h = hessian_at(loss(), params)
    expected = [math.fsum(hij * vj for hij, vj in zip(row, v)) for row in h]
    assert hvp(loss(), params, v) == pytest.approx(expected, rel=1e-10, abs=1e-14)

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
    and rounding ≈ u·|g|/ε ≈ 1e-11·|g|. Intermediates are kept within ±10 (see ``run``), so
    |g| ≲ 1e3 and rounding stays near 1e-8; truncation dominates where the curvature changes
    fast. Measured over 3,000 random programs: worst relative error 1.9e-7, worst absolute error
    8e-6 (on an entry of 69). We allow abs 1e-6 + rel 1e-5: fifty times the worst case seen,
    and still 1e5 times tighter than a factor-of-two bug. (ε = 1e-6 is worse here: rounding
    reaches 3e-7 absolute on entries that are exactly 0; ε = 1e-4 gives 1e-4 relative.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import moderate, unit

from microgradnet import (
    MLP,
    Value,
    grad,
    gradgradcheck,
    gradients,
    half_squared_error,
    hessian,
    hvp,
    vsum,
)
from microgradnet.functional import hessian_at

CLOSED_FORM = {"rel": 1e-9, "abs": 1e-12}
EPS = 1e-5
FD_ATOL = 1e-6
FD_RTOL = 1e-5


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


# ---- random expression graphs over every op -----------------------------------------------------
BINARY = ("+", "-", "*", "/", "**")
UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "softplus", "**k")
EXPONENTS = (2.0, 3.0, -1.0, 0.5, 1.5, -2.0)


@dataclass(frozen=True)
class Step:
    """One node of a random program: ``op`` applied to earlier nodes ``args`` (k: a constant power)."""

    op: str
    args: tuple[int, ...]
    k: float = 0.0


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[float], list[Step]]:
    """A point and a straight-line program over it using every op (n-ary "+" as "vsum")."""
    point = draw(st.lists(moderate, min_size=1, max_size=3), label="point")
    steps: list[Step] = []
    for s in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(("vsum",) + BINARY + UNARY))
        arity = draw(st.integers(2, 4)) if op == "vsum" else 2 if op in BINARY else 1
        args = tuple(draw(st.integers(0, len(point) + s - 1)) for _ in range(arity))
        k = draw(st.sampled_from(EXPONENTS)) if op == "**k" else 0.0
        steps.append(Step(op, args, k))
    return point, steps


def _is_safe(step: Step, v: Sequence[Value]) -> bool:
    """Whether the op's operands at the base point are well inside its domain (with a margin)."""
    a = v[step.args[0]].data
    b = v[step.args[-1]].data
    margins = {
        "log": a >= 0.1,
        "/": abs(b) >= 0.25,
        "**": a >= 0.2,
        "**k": a >= 0.2 or (step.k.is_integer() and abs(a) >= 0.2),
        "relu": abs(a) >= 1e-2,
        "exp": a <= 4.0,
    }
    return margins.get(step.op, True)


def _apply(step: Step, v: Sequence[Value], a: Value) -> Value:
    """The step's op with first operand ``a`` (its other operands taken from ``v``)."""
    b = v[step.args[-1]]
    if step.op == "vsum":
        return vsum([a, *(v[i] for i in step.args[1:])])
    binary = {"+": a.__add__, "-": a.__sub__, "*": a.__mul__, "/": a.__truediv__, "**": a.__pow__}
    if step.op in binary:
        return binary[step.op](b)
    if step.op == "**k":
        return a**step.k
    return -a if step.op == "neg" else getattr(a, step.op)()  # type: ignore[no-any-return]


def _repaired(step: Step, v: Sequence[Value]) -> Value:
    """The same op with its operands moved into its domain by ops from the table (x² + 1, tanh)."""
    a = v[step.args[0]]
    if step.op == "/":
        b = v[step.args[1]]
        return a / (b * b + 1.0)
    if step.op == "relu":
        return (a + 0.5).relu()
    if step.op == "exp":
        return a.tanh().exp()
    return _apply(step, v, a * a + 1.0)  # log, ** and **k on a base ≥ 1


def run(
    inputs: Sequence[Value], steps: Sequence[Step], plan: list[bool] | None = None
) -> tuple[Value, list[bool]]:
    """Evaluate the program; ``plan`` (decided once, at the base point) fixes each step's form.

    Nodes larger than 10 in magnitude are squashed to 10·tanh(x/10) so that intermediates stay
    moderate, keeping the finite-difference error estimate in the module docstring valid.
    Following a plan, nothing is re-decided, so a perturbed point gets the very same graph.
    """
    v = list(inputs)
    deciding = plan is None
    plan = [] if plan is None else plan
    for i, step in enumerate(steps):
        direct = _is_safe(step, v) if deciding else plan[2 * i]
        node = _apply(step, v, v[step.args[0]]) if direct else _repaired(step, v)
        squash = abs(node.data) > 10.0 if deciding else plan[2 * i + 1]
        if deciding:
            plan += [direct, squash]
        v.append((node * 0.1).tanh() * 10.0 if squash else node)
    return vsum(v[len(inputs) :]), plan


def program_function(point: list[float], steps: list[Step]) -> Callable[..., Value]:
    """f(*xs) for the program, its structure frozen by the plan chosen at ``point``."""
    _, plan = run([Value(x) for x in point], steps)
    return lambda *xs: run(xs, steps, plan)[0]


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


@given(programs())
@example(
    (
        [0.5, -1.2],
        [Step("vsum", (0, 1, 0)), Step("sigmoid", (2,)), Step("**", (3, 1)), Step("/", (4, 0))],
    )
)
def test_random_graph_hessian_matches_differences_of_the_float_gradient(
    program: tuple[list[float], list[Step]],
) -> None:
    point, steps = program
    f = program_function(point, steps)
    xs = [Value(x) for x in point]
    analytic = hessian_at(f(*xs), xs)
    numeric = central_difference_hessian(lambda: f(*xs), xs)
    assert_matrix_close(analytic, numeric, rel=FD_RTOL, abs=FD_ATOL)


@given(programs())
def test_random_graph_passes_gradgradcheck(program: tuple[list[float], list[Step]]) -> None:
    point, steps = program
    assert gradgradcheck(program_function(point, steps), point, eps=EPS, atol=FD_ATOL, rtol=FD_RTOL)


@given(programs())
def test_random_graph_differentiable_gradient_has_the_float_gradient_values(
    program: tuple[list[float], list[Step]],
) -> None:
    """The symbolic rules give the same first derivatives as the float rules (to rounding)."""
    point, steps = program
    f = program_function(point, steps)
    xs = [Value(x) for x in point]
    out = f(*xs)
    as_values = [g.data for g in gradients(out, xs, create_graph=True)]
    assert as_values == pytest.approx(gradients(out, xs), rel=1e-12, abs=1e-15)


@given(programs())
def test_random_graph_hessian_is_symmetric(program: tuple[list[float], list[Step]]) -> None:
    point, steps = program
    xs = [Value(x) for x in point]
    h = hessian_at(program_function(point, steps)(*xs), xs)
    transposed = [list(column) for column in zip(*h)]
    assert_matrix_close(h, transposed, rel=1e-12, abs=1e-13)  # two orders of the same sums


# ---- the seed 2-2-1 networks --------------------------------------------------------------------
# 000: no biases, x = (0.35, 0.7), t = 0.5.  004: x = (1, 0.5), t = 1.  Both sigmoid, L = ½(y − t)².
SEED_000 = ([[[0.2, 0.2], [0.3, 0.3]], [[0.3, 0.9]]], None, [0.35, 0.7], 0.5)
SEED_004 = ([[[0.2, -0.4], [0.7, 0.1]], [[0.3, -0.2]]], [[0.0, 0.0], [0.1]], [1.0, 0.5], 1.0)

Network = tuple[list[list[list[float]]], list[list[float]] | None, list[float], float]


@st.composite
def networks_221(draw: st.DrawFn) -> Network:
    weights = [
        [[draw(moderate), draw(moderate)] for _ in range(2)],
        [[draw(moderate), draw(moderate)]],
    ]
    biases = draw(st.none() | st.just([[draw(moderate), draw(moderate)], [draw(moderate)]]))
    return weights, biases, [draw(moderate), draw(moderate)], draw(unit)


def seed_loss(network: Network) -> tuple[MLP, Callable[[], Value]]:
    weights, biases, x, t = network
    mlp = MLP.from_weights(weights, biases)
    return mlp, lambda: half_squared_error(mlp(x), t)


def output_layer_weights(mlp: MLP) -> list[Value]:
    return list(mlp.layers[-1].neurons[0].weights)


@given(networks_221())
@example(SEED_000)
@example(SEED_004)
def test_221_hessian_is_symmetric_and_matches_differences(network: Network) -> None:
    mlp, loss = seed_loss(network)
    for params in (mlp.parameters(), output_layer_weights(mlp)):
        h = hessian_at(loss(), params)
        assert_matrix_close(h, [list(c) for c in zip(*h)], rel=1e-12, abs=1e-15)
        assert_matrix_close(h, central_difference_hessian(loss, params), rel=FD_RTOL, abs=FD_ATOL)


@given(networks_221())
@example(SEED_000)
@example(SEED_004)
def test_221_output_layer_hessian_closed_form(network: Network) -> None:
    """L = ½(σ(w·a + b) − t)²:  ∂²L/∂θᵢ∂θⱼ = aᵢaⱼ·[y′² + (y − t)·y″] for θ = (w, b) and a_b = 1,
    where y′ = y(1−y) and y″ = y′(1−2y)."""
    mlp, loss = seed_loss(network)
    output = mlp.layers[-1].neurons[0]
    params = output.parameters()
    trace = mlp.trace(network[2])
    a = [v.data for v in trace.a[0]] + ([1.0] if output.bias is not None else [])
    y, t = trace.output[0].data, network[3]
    dy = y * (1.0 - y)
    curvature = dy * dy + (y - t) * dy * (1.0 - 2.0 * y)
    expected = [[ai * aj * curvature for aj in a] for ai in a]
    assert_matrix_close(hessian_at(loss(), params), expected, **CLOSED_FORM)


@given(networks_221(), st.lists(moderate, min_size=9, max_size=9))
@example(SEED_004, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
def test_221_hessian_vector_product_is_h_times_v(network: Network, v: list[float]) -> None:
    mlp, loss = seed_loss(network)
    params = mlp.parameters()
    v = v[: len(params)]
    h = hessian_at(loss(), params)
    expected = [math.fsum(hij * vj for hij, vj in zip(row, v)) for row in h]
    assert hvp(loss(), params, v) == pytest.approx(expected, rel=1e-10, abs=1e-14)

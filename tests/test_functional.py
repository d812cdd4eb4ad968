"""The higher-order API: ``gradients``, ``grad``, ``hessian``/``hvp``, ``gradgradcheck`` and ``no_grad``.

Numbers derived by hand are compared with rel 1e-12: both sides are a few float operations on
the same inputs, so only rounding (a few ulps) separates them. Exact zeros and ones that come
from the structure of the graph (an input the output ignores, ∂x/∂x) are compared exactly.
"""

from __future__ import annotations

import dataclasses

import html
import math
import re
from collections.abc import Callable

import pytest

from microgradnet import (
    MLP,
    GradcheckError,
    Value,
    detect_anomaly,
    grad,
    gradcheck,
    gradgradcheck,
    gradients,
    half_squared_error,
    hessian,
    hvp,
    is_grad_enabled,
    no_grad,
    topological_order,
    vsum,
)
from microgradnet.engine import OPS
from microgradnet.functional import hessian_at
from microgradnet.render import computation_graph, to_svg

ROUNDING = {"rel": 1e-12, "abs": 1e-15}

# Seed 004: 2-2-1 sigmoid network with biases, x = (1, 0.5), t = 1, L = ½(y − t)², η = 0.1.
X_004, T_004 = [1.0, 0.5], 1.0
W_004 = [[[0.2, -0.4], [0.7, 0.1]], [[0.3, -0.2]]]
B_004 = [[0.0, 0.0], [0.1]]


def seed_004() -> tuple[MLP, Callable[[], Value]]:
    mlp = MLP.from_weights(W_004, B_004)
    return mlp, lambda: half_squared_error(mlp(X_004), T_004)


def ops_of(value: Value) -> set[str]:
    return {node.op for node in topological_order(value)}


# ---- gradients ------------------------------------------------------------------------------------
def test_gradients_equal_backward_and_leave_grad_alone() -> None:
    mlp, loss = seed_004()
    params = mlp.parameters()
    out = loss()
    as_floats = gradients(out, params)
    as_values = gradients(out, params, create_graph=True)
    assert all(node.grad == 0.0 for node in topological_order(out))  # nothing accumulated
    out.backward()
    assert as_floats == pytest.approx([p.grad for p in params], **ROUNDING)
    assert [g.data for g in as_values] == pytest.approx(as_floats, **ROUNDING)
    assert as_floats[6] == pytest.approx(-0.0587446, abs=5e-8)  # ∂L/∂W2[0,0] as printed in 004


def test_gradient_of_an_input_the_output_ignores_is_zero() -> None:
    x, y = Value(2.0, "x"), Value(3.0, "y")
    assert gradients(y * y, [x]) == [0.0]
    (g,) = gradients(y * y, [x], create_graph=True)
    assert isinstance(g, Value) and g.data == 0.0 and g.parents == ()


def test_gradient_of_a_value_with_respect_to_itself_is_one() -> None:
    x = Value(2.0)
    assert gradients(x, [x]) == [1.0]
    assert gradients(x, [x], create_graph=True)[0].data == 1.0


def test_differentiable_gradient_depends_on_the_inputs() -> None:
    x = Value(0.5, "x")
    (g,) = gradients(x.tanh(), [x], create_graph=True)
    assert x in topological_order(g)
    assert {"tanh", "*", "-"} <= ops_of(g)


def test_constant_local_derivatives_add_no_multiplications() -> None:
    """∂(x + y − z)/∂· is ±1 at every step: the gradient graph is the seed, possibly negated."""
    x, y, z = Value(1.0), Value(2.0), Value(3.0)
    gx, gy, gz = gradients(vsum([x, y]) - z, [x, y, z], create_graph=True)
    assert [gx.data, gy.data, gz.data] == [1.0, 1.0, -1.0]
    assert ops_of(gx) == {""} and ops_of(gz) == {"neg", ""}


@pytest.mark.parametrize(
    ("output", "inputs", "message"),
    [
        (1.5, [], "output must be a Value, got float"),
        (Value(1.0), [Value(1.0), 2.0], r"inputs\[1\] must be a Value, got float"),
    ],
)
def test_gradients_names_what_is_not_a_value(
    output: object, inputs: list[object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        gradients(output, inputs)  # type: ignore[call-overload]


# ---- grad -----------------------------------------------------------------------------------------
def test_grad_returns_floats_for_numbers_and_values_for_values() -> None:
    def f(x: Value) -> Value:
        return x * x.exp()

    at_number = grad(f)(0.5)
    x = Value(0.5)
    at_value = grad(f)(x)
    assert type(at_number) is float
    assert isinstance(at_value, Value) and x in topological_order(at_value)
    assert at_number == pytest.approx(1.5 * math.exp(0.5), **ROUNDING)
    assert at_value.data == pytest.approx(at_number, **ROUNDING)
    assert x.grad == 0.0  # grad never touches .grad


@pytest.mark.parametrize(
    ("f", "derivatives", "x"),
    [
        # f = x·eˣ: f′ = (x+1)eˣ, f″ = (x+2)eˣ, f‴ = (x+3)eˣ
        (lambda x: x * x.exp(), lambda x: [(x + k) * math.exp(x) for k in (1, 2, 3)], 0.7),
        # f = x³ − 2x: 3x² − 2, 6x, 6
        (lambda x: x**3 - 2 * x, lambda x: [3 * x**2 - 2, 6 * x, 6.0], -1.3),
        # f = x·ln x: ln x + 1, 1/x, −1/x²
        (lambda x: x * x.log(), lambda x: [math.log(x) + 1, 1 / x, -1 / x**2], 2.5),
        # f = 1/x: −1/x², 2/x³, −6/x⁴
        (lambda x: 1 / x, lambda x: [-1 / x**2, 2 / x**3, -6 / x**4], 0.8),
    ],
    ids=["x_exp", "cubic", "x_log", "reciprocal"],
)
def test_grad_of_grad_of_grad(
    f: Callable[[Value], Value], derivatives: Callable[[float], list[float]], x: float
) -> None:
    got = [grad(f)(x), grad(grad(f))(x), grad(grad(grad(f)))(x)]
    assert got == pytest.approx(derivatives(x), **ROUNDING)


def test_mixed_partials_through_nested_grad_agree() -> None:
    """f = x²y³ + x·eʸ:  ∂²f/∂x∂y = 6xy² + eʸ, whichever argument is differentiated first."""

    def f(x: Value, y: Value) -> Value:
        return x**2 * y**3 + x * y.exp()

    x, y = 1.3, -0.6
    expected = 6 * x * y**2 + math.exp(y)
    assert grad(grad(f, 0), 1)(x, y) == pytest.approx(expected, **ROUNDING)
    assert grad(grad(f, 1), 0)(x, y) == pytest.approx(expected, **ROUNDING)


def test_grad_with_argnums_sequences() -> None:
    def f(x: Value, y: Value, z: Value) -> Value:
        return x * y + z**2 * x

    x, y, z = 2.0, 3.0, 5.0
    dx, dy, dz = y + z**2, x, 2 * z * x
    assert grad(f, argnums=(0, 2))(x, y, z) == pytest.approx([dx, dz], **ROUNDING)
    assert grad(f, argnums=[2, 0])(x, y, z) == pytest.approx([dz, dx], **ROUNDING)
    assert grad(f, argnums=[1])(x, y, z) == pytest.approx([dy], **ROUNDING)
    assert grad(f, argnums=-1)(x, y, z) == pytest.approx(dz, **ROUNDING)
    assert grad(f, argnums=())(x, y, z) == []


def test_grad_of_a_function_that_ignores_its_input_is_zero() -> None:
    def constant(x: Value) -> Value:
        return Value(4.0) * 2.0

    assert grad(constant)(1.5) == 0.0
    assert grad(grad(constant))(1.5) == 0.0
    assert grad(lambda x: 3.0)(1.5) == 0.0  # a plain number is a constant
    at_value = grad(constant)(Value(1.5))
    assert isinstance(at_value, Value) and at_value.data == 0.0
    assert grad(lambda x, y: y * y, argnums=0)(1.0, 2.0) == 0.0


@pytest.mark.parametrize(
    ("argnums", "args", "error", "message"),
    [
        (2, (1.0,), ValueError, "argnums 2 is out of range for 1 positional argument"),
        ((0, -3), (1.0, 2.0), ValueError, "argnums -3 is out of range for 2"),
        ("0", (1.0,), TypeError, "argnums must be an int or a sequence of ints"),
        ((0, True), (1.0,), TypeError, "argnums must be an int or a sequence of ints"),
    ],
)
def test_grad_argnums_errors(
    argnums: object, args: tuple[float, ...], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        grad(lambda *xs: xs[0] * xs[0], argnums=argnums)(*args)  # type: ignore[call-overload]


def test_grad_of_a_list_valued_grad_says_what_to_do() -> None:
    inner = grad(lambda x, y: x * y, argnums=(0, 1))
    with pytest.raises(TypeError, match="inner grad needs a single int argnums"):
        grad(inner)(1.0, 2.0)  # type: ignore[arg-type]


# ---- hessian and hvp ------------------------------------------------------------------------------
def test_hessian_closed_form() -> None:
    """f = x²y + e^(xy):  H = [[2y + y²e^(xy), 2x + (1 + xy)e^(xy)], [·, x²e^(xy)]]."""
    x, y = 0.4, -1.1
    e = math.exp(x * y)
    mixed = 2 * x + (1 + x * y) * e
    h = hessian(lambda a, b: a**2 * b + (a * b).exp())(x, y)
    assert h[0] == pytest.approx([2 * y + y * y * e, mixed], **ROUNDING)
    assert h[1] == pytest.approx([mixed, x * x * e], **ROUNDING)


def test_hessian_with_respect_to_part_of_the_graph() -> None:
    """Only the chosen inputs index the Hessian; the others are held fixed."""
    x, y = Value(0.4), Value(-1.1)
    assert hessian_at(x**2 * y**3, [y]) == [pytest.approx([6 * 0.4**2 * -1.1], **ROUNDING)]


def test_hvp_checks_the_vector_length_and_handles_no_inputs() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match="expected a vector of 1 numbers"):
        hvp(x * x, [x], [1.0, 2.0])
    assert hvp(x * x, [], []) == []


def test_hvp_of_the_seed_loss_equals_the_hessian_times_a_basis_vector() -> None:
    mlp, loss = seed_004()
    params = mlp.parameters()
    h = hessian_at(loss(), params)
    for j in range(len(params)):
        e_j = [1.0 if i == j else 0.0 for i in range(len(params))]
        assert hvp(loss(), params, e_j) == pytest.approx([row[j] for row in h], **ROUNDING)


# ---- gradgradcheck catches a wrong second derivative -----------------------------------------------
def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_gradgradcheck_passes_on_correct_rules() -> None:
    assert gradgradcheck(lambda x, y: (x * y).sigmoid() + x.tanh() * y, [0.7, -0.4])


def reported_numbers(error: GradcheckError) -> tuple[float, float]:
    """(analytical, numerical) as printed in a GradcheckError message."""
    match = re.search(r"analytical (\S+), numerical (\S+) \(difference", str(error))
    assert match is not None, str(error)
    return float(match.group(1)), float(match.group(2))


def test_gradgradcheck_catches_a_planted_wrong_second_derivative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """σ′ recorded as a constant: right first derivative, second derivative silently 0."""
    planted = lambda out, a: (out.data * (1.0 - out.data),)
    monkeypatch.setitem(OPS, "sigmoid", dataclasses.replace(OPS["sigmoid"], symbolic=planted))
    f = lambda x: x.sigmoid()
    assert gradcheck(f, [0.7])  # the first derivative is still right
    assert not gradgradcheck(f, [0.7], raise_exception=False)
    with pytest.raises(GradcheckError, match="input 0") as caught:
        gradgradcheck(f, [0.7])
    analytical, numerical = reported_numbers(caught.value)
    s = _sigmoid(0.7)
    assert analytical == 0.0  # the planted rule has no graph: exactly zero
    assert numerical == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-6)  # σ″(0.7), h = 1e-6


def test_gradgradcheck_names_the_input_of_a_wrong_mixed_derivative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """∂(a·b)/∂a recorded as the number b: ∂²(xy)/∂x∂y comes out 0 instead of 1."""
    planted = lambda out, a, b: (b.data, a)
    monkeypatch.setitem(OPS, "*", dataclasses.replace(OPS["*"], symbolic=planted))
    with pytest.raises(GradcheckError) as caught:
        gradgradcheck(lambda x, y: x * y, [0.3, 2.0])
    message = str(caught.value)
    assert "x[0]" in message and "input 1" in message  # row ∂/∂x[0], column input 1
    analytical, numerical = reported_numbers(caught.value)
    assert analytical == 0.0
    assert numerical == pytest.approx(1.0, rel=1e-6)


# ---- no_grad ---------------------------------------------------------------------------------------
EVERY_OP: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "neg": lambda a, b: -a,
    "**k": lambda a, b: a**3,
    "**": lambda a, b: a**b,
    "exp": lambda a, b: a.exp(),
    "log": lambda a, b: a.log(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: a.relu(),
    "softplus": lambda a, b: a.softplus(),
    "vsum": lambda a, b: vsum([a, b, a]),
    "reflected": lambda a, b: 2.0 / a - 1.0,
    "sqrt": lambda a, b: a.sqrt(),
}


@pytest.mark.parametrize("name", EVERY_OP)
def test_ops_inside_no_grad_record_no_graph(name: str) -> None:
    a, b = Value(1.7, "a"), Value(-0.4, "b")
    recorded = EVERY_OP[name](a, b)
    with no_grad():
        plain = EVERY_OP[name](a, b)
    assert plain.parents == () and plain.local_grads == () and plain.op == ""
    assert plain.data == pytest.approx(recorded.data, rel=1e-15)
    assert recorded.parents != ()  # and outside the block the same op records its operands


def test_no_grad_nests_and_restores_the_previous_state() -> None:
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # leaving the inner block keeps the outer one's state
        assert (Value(1.0) * 2.0).parents == ()
    assert is_grad_enabled()
    assert len((Value(1.0) * 2.0).parents) == 2


def test_no_grad_restores_the_state_when_the_block_raises() -> None:
    with pytest.raises(ZeroDivisionError), no_grad(), no_grad():
        raise ZeroDivisionError("inside")
    assert is_grad_enabled()
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == pytest.approx(6.0, **ROUNDING)


def test_no_grad_inside_detect_anomaly_still_records_nothing() -> None:
    with detect_anomaly(), no_grad():
        y = Value(2.0).tanh()
    assert y.parents == () and y.op == ""
    assert is_grad_enabled()


def test_sgd_step_inside_no_grad_matches_seed_004_and_gradients_stay_right() -> None:
    """One step with η = 0.1 written as Value arithmetic inside no_grad: it records nothing, gives
    the document's updated W2 and loss, and gradients afterwards match central differences."""
    mlp, loss = seed_004()
    params = mlp.parameters()
    before = loss()
    before.backward()
    graph_size = len(topological_order(before))
    with no_grad():
        for p in params:
            updated = p - 0.1 * p.grad
            assert updated.parents == ()
            p.data = updated.data
    w2 = [w.data for w in mlp.layers[1].neurons[0].weights]
    assert w2 == pytest.approx([0.3058745, -0.1920204], abs=5e-8)  # boxed W2_new, 7 decimals
    after = loss()
    assert after.data == pytest.approx(0.10878, abs=5e-6)  # boxed L_new, 5 decimals
    assert len(topological_order(after)) == graph_size  # the update left nothing in the graph
    for p, g in zip(params, gradients(after, params)):
        saved = p.data
        p.data = saved + 1e-6
        up = loss().data
        p.data = saved - 1e-6
        down = loss().data
        p.data = saved
        # h = 1e-6 on a loss of 0.1: rounding ≈ 1e-16·0.1/1e-6 = 1e-11, truncation ≈ 1e-13.
        assert g == pytest.approx((up - down) / 2e-6, abs=1e-9), p.label


def test_evaluation_inside_no_grad_gives_the_same_output_as_a_leaf() -> None:
    mlp = MLP.from_weights(W_004, B_004)
    with no_grad():
        y = mlp(X_004)
    assert isinstance(y, Value) and y.parents == ()
    assert y.data == pytest.approx(0.5285101, abs=5e-8)  # boxed y of 004


def test_gradients_inside_no_grad_are_right_but_not_differentiable() -> None:
    x = Value(0.3)
    out = x.sigmoid()
    with no_grad():
        (g,) = gradients(out, [x], create_graph=True)
    s = _sigmoid(0.3)
    assert g.data == pytest.approx(s * (1 - s), **ROUNDING)
    assert gradients(g, [x]) == [0.0]  # a leaf: nothing to differentiate


# ---- the graph of a gradient renders ----------------------------------------------------------------
def _gradient_of_loss_wrt_w2() -> Value:
    mlp, loss = seed_004()
    w = mlp.layers[1].neurons[0].weights[0]
    (g,) = gradients(loss(), [w], create_graph=True)
    g.label = "dL/dW2[0,0]"
    return g


def test_graph_of_a_gradient_builds_as_dot() -> None:
    source = computation_graph(_gradient_of_loss_wrt_w2()).source
    headers = re.findall(r'n\d+ \[label="([^"\\]*)\\n', source)
    op_labels = {word for header in headers for word in header.split("  ")}
    # ∂L/∂W2[0,0] = a1[0]·σ′(z2)·(y − t)·…: the backward pass multiplies, and σ′ = y(1 − y)
    # needs the forward sigmoid nodes and a subtraction; (y − t)² differentiates to 2·(y − t)**1.
    assert {"×", "a − b", "σ", "+", "( )1"} <= op_labels
    assert "dL/dW2[0,0]" in source and "a1[0]" in source and "W1[1,0]" in source


def test_graph_of_a_gradient_renders_as_svg() -> None:
    svg = to_svg(computation_graph(_gradient_of_loss_wrt_w2()), route="embedded")
    texts = {html.unescape(t) for t in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)}
    texts |= {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    assert {"σ", "×", "dL/dW2[0,0]"} <= texts

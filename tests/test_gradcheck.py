"""gradcheck, numerical_gradient and parameter_gradcheck: pass on correct code, name what is wrong."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import example, given, settings
from strategies import (
    SEED_000,
    SEED_004,
    NetCase,
    Program,
    net_cases,
    program_output,
    programs,
    seed_program,
)

from microgradnet import (
    MLP,
    GradcheckError,
    Value,
    gradcheck,
    gradgradcheck,
    half_squared_error,
    numerical_gradient,
)
from microgradnet.gradcheck import parameter_gradcheck


def square_with_wrong_derivative(x: Value, factor: float = 3.0) -> Value:
    """x² built by hand through the public graph, with the planted local derivative factor·x (not 2x)."""
    out = Value(x.data * x.data)
    out.parents = (x,)
    out.local_grads = (factor * x.data,)
    out.op = "square"
    return out


# ---- correct functions pass ---------------------------------------------------------------------


def test_gradcheck_passes_on_a_correct_function() -> None:
    assert (
        gradcheck(lambda x, y: (x * y).tanh() + x.exp() / (y * y + 1) - y.log(), [0.3, 1.7]) is True
    )


@settings(max_examples=100)
@given(programs())
@example(seed_program(SEED_004))
def test_gradcheck_passes_on_random_graphs(program: Program) -> None:
    assert gradcheck(lambda *xs: program_output(program, xs), program.inputs)


def test_numerical_gradient_is_central_differences() -> None:
    # x²y at (3, 2): (12, 9). Central differences are exact for a quadratic in x up to rounding
    # (≈ u·|f|/ε = 2e-16·18/1e-6 ≈ 4e-9) and for a linear function of y.
    grads = numerical_gradient(lambda x, y: x * x * y, [3.0, 2.0])
    assert grads == [pytest.approx(12.0, abs=1e-8), pytest.approx(9.0, abs=1e-8)]
    cubic = numerical_gradient(lambda x: x**3, [1.0], eps=1e-3)
    assert cubic == [pytest.approx(3.0 + 1e-6, rel=1e-9)]  # (ε² · f‴/6 = 1e-6 truncation, exactly)


# ---- a planted wrong derivative is caught and reported -----------------------------------------------


def test_gradcheck_names_the_input_both_numbers_and_the_tolerances() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: square_with_wrong_derivative(x), [1.5])
    message = str(info.value)
    assert "input 0" in message
    assert "analytical 4.5" in message  # 3·1.5
    numerical = float(re.search(r"numerical ([-0-9.e]+)", message).group(1))  # type: ignore[union-attr]
    assert numerical == pytest.approx(3.0, abs=1e-8)  # the true 2·1.5
    assert "atol 1e-05" in message and "rtol 0.001" in message


def test_gradcheck_names_the_right_input_among_several() -> None:
    with pytest.raises(GradcheckError, match=r"input 2: analytical"):
        gradcheck(lambda a, b, c: a * b + square_with_wrong_derivative(c), [0.5, -1.0, 2.0])


def test_gradcheck_can_return_false_instead() -> None:
    assert gradcheck(square_with_wrong_derivative, [1.5], raise_exception=False) is False
    assert gradcheck(lambda x: x * x, [1.5], raise_exception=False) is True


def test_gradcheck_tolerances_are_honoured() -> None:
    # A derivative 1e-4 too large (relative): inside rtol = 1e-3, outside rtol = 1e-6.
    def slightly_wrong(x: Value) -> Value:
        return square_with_wrong_derivative(x, factor=2.0 * (1 + 1e-4))

    assert gradcheck(slightly_wrong, [1.5])
    with pytest.raises(GradcheckError, match=r"atol 0 \+ rtol 1e-06"):
        gradcheck(slightly_wrong, [1.5], atol=0.0, rtol=1e-6)


def test_gradcheck_fails_on_non_finite_gradients() -> None:
    assert gradcheck(lambda x: x.sqrt(), [0.0], raise_exception=False) is False


def test_gradcheck_error_is_a_runtime_error() -> None:
    assert issubclass(GradcheckError, RuntimeError)


# ---- parameters of a network ------------------------------------------------------------------


@settings(max_examples=100)
@given(net_cases(max_layers=2, max_width=3, max_batch=2, relu_margin=1e-2))
@example(SEED_004)
@example(SEED_000)
def test_parameter_gradcheck_passes_on_mlps(case: NetCase) -> None:
    from strategies import network_loss

    mlp = MLP.from_weights(case.weights, case.biases, case.activations)
    before = [p.data for p in mlp.parameters()]
    assert parameter_gradcheck(lambda: network_loss(mlp, case), mlp.parameters())
    assert [p.data for p in mlp.parameters()] == before  # every nudged parameter was restored


def test_parameter_gradcheck_passes_on_a_confident_cross_entropy_mlp() -> None:
    """Regression: under no_grad() the cross-entropy loss fell back to −ln(1 − y), 0.5% off here."""
    from strategies import network_loss

    # Found by Hypothesis: z⁽²⁾ = 18, so 1 − y ≈ 1.5e-8.
    case = NetCase(
        weights=[[[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -2.0, 0.0]], [[0.0, 2.0, -3.0]]],
        biases=[[0.0, 1.0, 0.0], [0.0]],
        activations=["linear", "sigmoid"],
        X=[[0.0, 2.0, 0.0]],
        T=[[0.0]],
        loss="cross_entropy",
    )
    mlp = MLP.from_weights(case.weights, case.biases, case.activations)
    assert parameter_gradcheck(lambda: network_loss(mlp, case), mlp.parameters())


def test_parameter_gradcheck_names_the_parameter_with_the_wrong_gradient() -> None:
    mlp = MLP(2, [2, 1], rng=random.Random(3))
    params = dict(mlp.named_parameters())
    w = params["W1[1,0]"]

    def loss() -> Value:
        out = mlp([0.4, -0.7])
        assert isinstance(out, Value)
        return half_squared_error(out, 1.0) + square_with_wrong_derivative(w)

    with pytest.raises(GradcheckError, match=re.escape("gradient of parameter W1[1,0]")):
        parameter_gradcheck(loss, mlp.parameters())
    assert parameter_gradcheck(loss, mlp.parameters(), raise_exception=False) is False


# ---- second order -------------------------------------------------------------------------------


def test_gradgradcheck_passes_on_smooth_functions() -> None:
    assert gradgradcheck(lambda x, y: (x * y).sigmoid() * x.exp() + (y**3) / x, [0.7, -0.4])


def test_gradcheck_default_tolerances_catch_a_factor_of_two() -> None:
    """The defaults are tight enough for a 2× error in a derivative of ordinary size."""
    assert not gradcheck(
        lambda x: square_with_wrong_derivative(x, 4.0), [0.01], raise_exception=False
    )


# ---- what the caller gives is checked, naming the argument ----------------------------------------


def _square(x: Value) -> Value:
    return x * x


def _checks() -> list[tuple[str, object]]:
    """Every checking function, called as f(options) with a correct function and input."""
    p = Value(0.3, "w")
    return [
        ("numerical_gradient", lambda **o: numerical_gradient(_square, [0.7], **o)),
        ("gradcheck", lambda **o: gradcheck(_square, [0.7], **o)),
        ("gradgradcheck", lambda **o: gradgradcheck(_square, [0.7], **o)),
        ("parameter_gradcheck", lambda **o: parameter_gradcheck(lambda: p * p, [p], **o)),
    ]


_BAD_OPTIONS = [
    ("eps", 0.0, "eps: expected a finite number > 0, got 0.0"),
    ("eps", -1e-6, "eps: expected a finite number > 0, got -1e-06"),
    ("eps", float("nan"), "eps: expected a finite number > 0, got nan"),
    ("eps", float("inf"), "eps: expected a finite number > 0, got inf"),
    ("atol", -1.0, "atol: expected a finite number ≥ 0, got -1.0"),
    ("rtol", float("nan"), "rtol: expected a finite number ≥ 0, got nan"),
]


@pytest.mark.parametrize(
    ("name", "call", "option", "value", "message"),
    [
        (name, call, *bad)
        for name, call in _checks()
        for bad in _BAD_OPTIONS
        if name != "numerical_gradient" or bad[0] == "eps"  # it takes no tolerances
    ],
)
def test_a_bad_step_or_tolerance_is_a_value_error_naming_it(
    name: str, call, option: str, value: float, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call(**{option: value})


@pytest.mark.parametrize(("name", "call"), _checks())
def test_a_step_of_the_wrong_type_is_a_type_error(name: str, call) -> None:
    with pytest.raises(TypeError, match=r"^eps: expected a real number, got str \('1e-6'\)$"):
        call(eps="1e-6")


def test_a_function_returning_a_float_is_a_clear_type_error() -> None:
    message = (
        "f: expected a function returning a Value, got float (1.5); "
        "compute the result from the Values it is given"
    )
    for check in (numerical_gradient, gradcheck, gradgradcheck):
        with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
            check(lambda x: 1.5, [0.7])


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (0.7, "inputs: expected a sequence of real numbers, got float"),
        ("0.7", "inputs: expected a sequence of real numbers, got str"),
        (["0.7"], "inputs[0]: expected a real number, got str ('0.7')"),
        ([0.7, True], "inputs[1]: expected a real number, got bool (True)"),
        ([None], "inputs[0]: expected a real number, got NoneType (None)"),
    ],
)
def test_inputs_that_are_not_real_numbers_are_a_type_error(inputs: object, message: str) -> None:
    for check in (numerical_gradient, gradcheck, gradgradcheck):
        with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
            check(_square, inputs)  # type: ignore[arg-type]


def test_parameter_gradcheck_refuses_non_values_and_restores_the_parameter() -> None:
    with pytest.raises(TypeError, match=r"^parameters\[0\]: expected a Value, got float$"):
        parameter_gradcheck(lambda: Value(1.0), [0.5])  # type: ignore[list-item]
    p = Value(0.3, "w")
    calls = []

    def loss() -> Value:
        calls.append(p.data)
        return p * p if len(calls) == 1 else p.data  # type: ignore[return-value]

    with pytest.raises(TypeError, match=r"^loss: expected a function returning a Value"):
        parameter_gradcheck(loss, [p])
    assert p.data == 0.3  # put back, not left nudged by +eps


def test_an_int_beyond_float_range_is_inf_as_in_the_engine() -> None:
    with pytest.raises(
        GradcheckError, match=r"^gradient for input 0: analytical inf, numerical nan"
    ):
        gradcheck(_square, [10**400])  # x = inf: 2x = inf, and inf − inf is nan
    with pytest.raises(ValueError, match=r"^eps: expected a finite number > 0, got inf$"):
        numerical_gradient(_square, [0.7], eps=10**400)

"""Central differences: numerical gradients of Value functions and ``gradcheck``/``gradgradcheck``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Real

from microgradnet.engine import Value
from microgradnet.errors import GradcheckError
from microgradnet.functional import gradients

__all__ = ["numerical_gradient", "gradcheck", "gradgradcheck", "parameter_gradcheck"]

ValueFunction = Callable[..., Value]


def numerical_gradient(
    f: ValueFunction, inputs: Sequence[float], *, eps: float = 1e-6
) -> list[float]:
    """∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε for each input (f takes Values, returns a Value).

    The truncation error is O(ε²·f‴) and the rounding error O(u·|f|/ε) (u ≈ 1.1e-16), so with
    ε = 1e-6 a well-scaled function is good to roughly 1e-8 relative.

    Raises:
        TypeError: ``inputs`` is not a sequence of real numbers, or ``f`` does not return a Value.
        ValueError: ``eps`` is not a finite number > 0.
    """
    xs = _floats(inputs)
    _check_tolerances(eps=eps)
    result = []
    for i in range(len(xs)):
        up = xs.copy()
        down = xs.copy()
        up[i] += eps
        down[i] -= eps
        f_up = _value(f(*(Value(x) for x in up)), "f").data
        f_down = _value(f(*(Value(x) for x in down)), "f").data
        result.append((f_up - f_down) / (2.0 * eps))
    return result


def _analytical(f: ValueFunction, inputs: Sequence[float]) -> list[float]:
    xs = [Value(x, f"x[{i}]") for i, x in enumerate(_floats(inputs))]
    return list(gradients(_value(f(*xs), "f"), xs))


# ---- checking what the caller gave --------------------------------------------------------------


def _floats(inputs: Sequence[float]) -> list[float]:
    """``inputs`` as floats, refusing what is not a sequence of real numbers (a str, a bool…)."""
    if isinstance(inputs, str | bytes) or not isinstance(inputs, Sequence):
        raise TypeError(f"inputs: expected a sequence of real numbers, got {type(inputs).__name__}")
    return [_real(x, f"inputs[{i}]") for i, x in enumerate(inputs)]


def _real(value: object, name: str) -> float:
    """``value`` as a float: a real number, not a bool; an int past float range is ±inf, as in
    the engine (whose conversion this is)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name}: expected a real number, got {type(value).__name__} ({value!r:.40})"
        )
    return Value(value).data  # type: ignore[arg-type]  # Value converts any Real, as here


def _check_tolerances(**given: float) -> None:
    """``eps`` must be finite and > 0; ``atol`` and ``rtol`` finite and ≥ 0."""
    for name, value in given.items():
        number = _real(value, name)
        low_ok = number > 0 if name == "eps" else number >= 0
        if not (math.isfinite(number) and low_ok):
            expected = "> 0" if name == "eps" else "≥ 0"
            raise ValueError(f"{name}: expected a finite number {expected}, got {number!r}")


def _value(result: object, name: str) -> Value:
    if not isinstance(result, Value):
        raise TypeError(
            f"{name}: expected a function returning a Value, got {type(result).__name__} "
            f"({result!r:.40}); compute the result from the Values it is given"
        )
    return result


def _compare(
    what: str,
    analytical: Sequence[float],
    numerical: Sequence[float],
    atol: float,
    rtol: float,
    raise_exception: bool,
) -> bool:
    for i, (a, n) in enumerate(zip(analytical, numerical)):
        if not (math.isfinite(a) and math.isfinite(n) and abs(a - n) <= atol + rtol * abs(n)):
            if raise_exception:
                raise GradcheckError(
                    f"{what} for input {i}: analytical {a!r}, numerical {n!r} "
                    f"(difference {abs(a - n):.3g} > atol {atol:g} + rtol {rtol:g} × |numerical|)"
                )
            return False
    return True


def gradcheck(
    f: ValueFunction,
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when autograd's ∂f/∂xᵢ matches central differences: |a − n| ≤ atol + rtol·|n| for every i.

    Raises:
        GradcheckError: (when ``raise_exception``) naming the input, both numbers and the tolerances.
        TypeError, ValueError: as :func:`numerical_gradient`; ``atol`` or ``rtol`` negative or
            not finite.
    """
    _check_tolerances(eps=eps, atol=atol, rtol=rtol)
    return _compare(
        "gradient",
        _analytical(f, inputs),
        numerical_gradient(f, inputs, eps=eps),
        atol,
        rtol,
        raise_exception,
    )


def gradgradcheck(
    f: ValueFunction,
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Second order: every ∂²f/∂xᵢ∂xⱼ from autograd against central differences of the gradient.

    Raises:
        GradcheckError: naming the (row, input) pair, both numbers and the tolerances.
        TypeError, ValueError: as :func:`gradcheck`.
    """
    _check_tolerances(eps=eps, atol=atol, rtol=rtol)
    xs = [Value(x, f"x[{i}]") for i, x in enumerate(_floats(inputs))]
    n = len(xs)
    first = gradients(_value(f(*xs), "f"), xs, create_graph=True)
    for row in range(n):
        analytical = gradients(first[row], xs)

        def partial(*values: Value, row: int = row) -> Value:
            # The first-order *float* gradient: independent of the symbolic rules being checked.
            return Value(gradients(f(*values), list(values))[row])

        numerical = numerical_gradient(partial, inputs, eps=eps)
        if not _compare(
            f"second derivative ∂²f/∂x[{row}]∂x[j], row {row},",
            analytical,
            numerical,
            atol,
            rtol,
            raise_exception,
        ):
            return False
    return True


def parameter_gradcheck(
    loss: Callable[[], Value],
    parameters: Sequence[Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """gradcheck for a network: ``loss()`` rebuilds the loss from the current parameter values.

    Each parameter is nudged by ±ε in turn (and restored); the error names the parameter's label.

    Raises:
        GradcheckError: naming the parameter, both numbers and the tolerances.
        TypeError: ``parameters`` are not Values, or ``loss()`` does not return a Value.
        ValueError: as :func:`gradcheck`.
    """
    _check_tolerances(eps=eps, atol=atol, rtol=rtol)
    for i, p in enumerate(parameters):
        if not isinstance(p, Value):
            raise TypeError(f"parameters[{i}]: expected a Value, got {type(p).__name__}")
    analytical = list(gradients(_value(loss(), "loss"), parameters))
    numerical = []
    # Not under no_grad(): the loss must be the same computation both times (a cross-entropy
    # loss, for one, takes its stable route only when it can see the sigmoid node).
    for p in parameters:
        saved = p.data
        try:
            p.data = saved + eps
            up = _value(loss(), "loss").data
            p.data = saved - eps
            down = _value(loss(), "loss").data
        finally:
            p.data = saved
        numerical.append((up - down) / (2.0 * eps))
    for p, a, n in zip(parameters, analytical, numerical):
        if not _compare(
            f"gradient of parameter {p.label or '?'}", [a], [n], atol, rtol, raise_exception
        ):
            return False
    return True

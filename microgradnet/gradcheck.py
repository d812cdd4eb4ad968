"""Central differences: numerical gradients of Value functions and ``gradcheck``/``gradgradcheck``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

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
    """
    xs = [float(x) for x in inputs]
    result = []
    for i in range(len(xs)):
        up = xs.copy()
        down = xs.copy()
        up[i] += eps
        down[i] -= eps
        f_up = f(*(Value(x) for x in up)).data
        f_down = f(*(Value(x) for x in down)).data
        result.append((f_up - f_down) / (2.0 * eps))
    return result


def _analytical(f: ValueFunction, inputs: Sequence[float]) -> list[float]:
    xs = [Value(float(x), f"x[{i}]") for i, x in enumerate(inputs)]
    return list(gradients(f(*xs), xs))


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
    """
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
    """
    n = len(inputs)
    xs = [Value(float(x), f"x[{i}]") for i, x in enumerate(inputs)]
    first = gradients(f(*xs), xs, create_graph=True)
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
    """
    analytical = list(gradients(loss(), parameters))
    numerical = []
    # Not under no_grad(): the loss must be the same computation both times (a cross-entropy
    # loss, for one, takes its stable route only when it can see the sigmoid node).
    for p in parameters:
        saved = p.data
        p.data = saved + eps
        up = loss().data
        p.data = saved - eps
        down = loss().data
        p.data = saved
        numerical.append((up - down) / (2.0 * eps))
    for p, a, n in zip(parameters, analytical, numerical):
        if not _compare(
            f"gradient of parameter {p.label or '?'}", [a], [n], atol, rtol, raise_exception
        ):
            return False
    return True

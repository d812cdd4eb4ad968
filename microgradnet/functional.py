"""Gradients as functions and as Values: ``gradients``, ``grad``, ``hessian``, ``hvp``.

``gradients(output, inputs, create_graph=True)`` builds the backward pass itself out of Values,
so a gradient can be differentiated again (second derivatives, Hessians, Hessian-vector
products). It never touches ``.grad``. ``grad(f)`` and ``hessian(f)`` wrap it in the style of JAX.

The backward graph is built from ``engine.local_derivatives`` (the op table's Value-level rules). A
constant local derivative of 1 passes the upstream gradient on unchanged, −1 negates it and 0
contributes nothing, so the graph of a gradient holds only the multiplications the chain rule
really needs (which also keeps its picture readable).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Real
from typing import Literal, overload

from microgradnet.checks import expect_sequence
from microgradnet.engine import Number, Operand, Value, local_derivatives, vsum
from microgradnet.graph import topological_order

__all__ = ["grad", "gradients", "hessian", "hessian_at", "hvp"]

Scalar = Value | float
#: A function of Values returning one scalar: a Value, or a plain number (a constant).
ScalarFunction = Callable[..., Scalar]


@overload
def gradients(
    output: Value, inputs: Sequence[Value], *, create_graph: Literal[False] = ...
) -> list[float]: ...
@overload
def gradients(
    output: Value, inputs: Sequence[Value], *, create_graph: Literal[True]
) -> list[Value]: ...
@overload
def gradients(
    output: Value, inputs: Sequence[Value], *, create_graph: bool
) -> list[Value] | list[float]: ...


def gradients(
    output: Value, inputs: Sequence[Value], *, create_graph: bool = False
) -> list[Value] | list[float]:
    """∂output/∂input for each input, without touching any ``.grad``.

    With ``create_graph=False`` the results are floats. With ``create_graph=True`` they are Values
    whose graph is the backward pass (each local derivative a Value, see
    the ``symbolic`` column of ``engine.OPS``), so they can be differentiated again; inside ``no_grad()``
    they are plain leaves with the same numbers. An input the output does not depend on gets 0.

    Raises:
        TypeError: ``output`` or one of ``inputs`` is not a Value (the message names which).
    """
    _check_values(output, inputs)
    order = topological_order(output)
    if not create_graph:
        grads: dict[Value, float] = {output: 1.0}
        for node in reversed(order):
            g = grads.get(node)
            if g is None:
                continue
            for parent, local in zip(node.parents, node.local_grads):
                grads[parent] = grads.get(parent, 0.0) + local * g
        return [grads.get(x, 0.0) for x in inputs]
    return _differentiable_gradients(output, order, inputs)


def _check_values(output: object, inputs: Sequence[object]) -> None:
    if not isinstance(output, Value):
        raise TypeError(
            f"gradients: output must be a Value, got {type(output).__name__} ({output!r})"
        )
    for i, x in enumerate(expect_sequence(inputs, "gradients: inputs", "a list of Values")):
        if not isinstance(x, Value):
            raise TypeError(
                f"gradients: inputs[{i}] must be a Value, got {type(x).__name__} ({x!r})"
            )


def _differentiable_gradients(
    output: Value, order: list[Value], inputs: Sequence[Value]
) -> list[Value]:
    """The backward pass as a graph: G[parent] += ∂node/∂parent · G[node], output to inputs."""
    vgrads: dict[Value, Value] = {output: Value(1.0)}
    for node in reversed(order):
        upstream = vgrads.get(node)
        if upstream is None or not node.parents:
            continue
        for parent, derivative in zip(node.parents, local_derivatives(node)):
            contribution = _chain(derivative, upstream)
            if contribution is None:
                continue
            previous = vgrads.get(parent)
            vgrads[parent] = contribution if previous is None else previous + contribution
    return [vgrads[x] if x in vgrads else Value(0.0) for x in inputs]


def _chain(derivative: Operand, upstream: Value) -> Value | None:
    """derivative · upstream as a node; None when the derivative is the constant 0."""
    if isinstance(derivative, Value):
        return derivative * upstream
    if derivative == 1.0:
        return upstream
    if derivative == -1.0:
        return -upstream
    if derivative == 0.0:
        return None
    return derivative * upstream


def _as_values(args: Sequence[Operand]) -> tuple[list[Value], bool]:
    """Wrap plain numbers as fresh leaves; report whether the caller passed Values (keep graphs)."""
    passed_values = any(isinstance(a, Value) for a in args)
    return [
        a if isinstance(a, Value) else Value(a, f"arg{i}") for i, a in enumerate(args)
    ], passed_values


def _argnum_list(argnums: int | Sequence[int]) -> list[int]:
    indices = [argnums] if isinstance(argnums, int) else list(argnums)
    for i in indices:
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"grad: argnums must be an int or a sequence of ints, got {argnums!r}")
    return indices


def _as_output(output: object) -> Value:
    """f's result as a Value: a plain number is a constant (its gradient is 0)."""
    if isinstance(output, Value):
        return output
    if isinstance(output, Real) and not isinstance(output, bool):
        return Value(float(output))
    raise TypeError(
        f"grad: f must return one Value (a scalar), got {type(output).__name__}; "
        "for grad(grad(f)) the inner grad needs a single int argnums"
    )


@overload
def grad(f: ScalarFunction, argnums: int = 0) -> Callable[..., Scalar]: ...
@overload
def grad(f: ScalarFunction, argnums: Sequence[int]) -> Callable[..., list[Scalar]]: ...


def grad(
    f: ScalarFunction, argnums: int | Sequence[int] = 0
) -> Callable[..., Scalar | list[Scalar]]:
    """The function computing ∂f/∂args[argnums] (JAX style); ``grad(grad(f))`` works.

    Called with plain numbers it returns floats; called with Values (as inside another ``grad``)
    it returns Values that remember how they depend on those Values. An int ``argnums`` gives
    one result, a sequence gives a list in the same order.

    Raises:
        TypeError: ``argnums`` is not an int or a sequence of ints; ``f`` returns something
            other than a Value or a plain number.
        ValueError: (when called) an argnum is out of range for the arguments given.
    """
    many = not isinstance(argnums, int)
    indices = _argnum_list(argnums)

    def gradient_of_f(*args: Operand) -> Scalar | list[Scalar]:
        bad = [i for i in indices if not -len(args) <= i < len(args)]
        if bad:
            raise ValueError(
                f"grad: argnums {bad[0]} is out of range for {len(args)} positional argument(s)"
            )
        values, keep_graph = _as_values(args)
        output = _as_output(f(*values))
        result = gradients(output, [values[i] for i in indices], create_graph=keep_graph)
        return list(result) if many else result[0]

    return gradient_of_f


def hessian(f: ScalarFunction) -> Callable[..., list[list[float]]]:
    """The function computing H[i][j] = ∂²f/∂xᵢ∂xⱼ at plain-number arguments (small inputs only)."""

    def hessian_of_f(*args: Number) -> list[list[float]]:
        xs = [Value(a, f"x[{i}]") for i, a in enumerate(args)]
        return hessian_at(_as_output(f(*xs)), xs)

    return hessian_of_f


def hessian_at(output: Value, inputs: Sequence[Value]) -> list[list[float]]:
    """The Hessian of ``output`` with respect to ``inputs`` (e.g. a loss and some weights).

    One differentiable backward pass, then one ordinary backward pass per row: row i is the
    gradient of ∂output/∂inputs[i].
    """
    first = gradients(output, inputs, create_graph=True)
    return [gradients(g, inputs) for g in first]


def hvp(output: Value, inputs: Sequence[Value], vector: Sequence[float]) -> list[float]:
    """The Hessian-vector product H·v = ∇(∇output · v), in two reverse passes (no full H).

    Raises:
        ValueError: ``vector`` does not have one number per input.
    """
    _check_values(output, inputs)
    if len(expect_sequence(vector, "hvp: vector", "a list of numbers")) != len(inputs):
        raise ValueError(
            f"hvp: expected a vector of {len(inputs)} numbers (one per input), got {len(vector)}"
        )
    if not inputs:
        return []
    first = gradients(output, inputs, create_graph=True)
    directional = vsum([g * v for g, v in zip(first, vector)])
    return gradients(directional, inputs)

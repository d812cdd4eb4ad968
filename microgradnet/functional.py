"""Gradients as functions and as Values: ``gradients``, ``grad``, ``hessian``, ``hvp``.

``gradients(output, inputs, create_graph=True)`` builds the backward pass itself out of Values,
so a gradient can be differentiated again (second derivatives, Hessians, Hessian-vector
products). It never touches ``.grad``. ``grad(f)`` and ``hessian(f)`` wrap it in the style of JAX.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, Union, overload

from microgradnet.engine import Number, Operand, Value, local_derivatives
from microgradnet.graph import topological_order

__all__ = ["gradients", "grad", "hessian", "hvp"]

Scalar = Union[Value, float]


@overload
def gradients(output: Value, inputs: Sequence[Value], *, create_graph: Literal[False] = ...) -> list[float]: ...
@overload
def gradients(output: Value, inputs: Sequence[Value], *, create_graph: Literal[True]) -> list[Value]: ...
@overload
def gradients(output: Value, inputs: Sequence[Value], *, create_graph: bool) -> list[Value] | list[float]: ...


def gradients(output: Value, inputs: Sequence[Value], *, create_graph: bool = False) -> list[Value] | list[float]:
    """∂output/∂input for each input, without touching any ``.grad``.

    With ``create_graph=False`` the results are floats. With ``create_graph=True`` they are Values
    whose graph is the backward pass (each local derivative a Value, see
    ``engine.SYMBOLIC_DERIVATIVES``), so they can be differentiated again. An input the output
    does not depend on gets 0.
    """
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

    vgrads: dict[Value, Value] = {output: Value(1.0)}
    for node in reversed(order):
        G = vgrads.get(node)
        if G is None or not node.parents:
            continue
        for parent, derivative in zip(node.parents, local_derivatives(node)):
            contribution = derivative * G
            previous = vgrads.get(parent)
            vgrads[parent] = contribution if previous is None else previous + contribution
    return [vgrads[x] if x in vgrads else Value(0.0) for x in inputs]


def _as_values(args: Sequence[Operand]) -> tuple[list[Value], bool]:
    """Wrap plain numbers as fresh leaves; report whether the caller passed Values (keep graphs)."""
    passed_values = any(isinstance(a, Value) for a in args)
    return [a if isinstance(a, Value) else Value(a, f"arg{i}") for i, a in enumerate(args)], passed_values


def grad(f: Callable[..., Value], argnums: int | Sequence[int] = 0) -> Callable[..., Scalar | list[Scalar]]:
    """The function computing ∂f/∂args[argnums] (JAX style); ``grad(grad(f))`` works.

    Called with plain numbers it returns floats; called with Values (as inside another ``grad``)
    it returns Values that remember how they depend on those Values.
    """
    many = not isinstance(argnums, int)
    indices = list(argnums) if not isinstance(argnums, int) else [argnums]

    def gradient_of_f(*args: Operand) -> Scalar | list[Scalar]:
        values, keep_graph = _as_values(args)
        output = f(*values)
        if not isinstance(output, Value):
            raise TypeError(f"grad: f must return a Value, got {type(output).__name__}")
        result = gradients(output, [values[i] for i in indices], create_graph=keep_graph)
        return list(result) if many else result[0]

    return gradient_of_f


def hessian(f: Callable[..., Value]) -> Callable[..., list[list[float]]]:
    """The function computing H[i][j] = ∂²f/∂xᵢ∂xⱼ at plain-number arguments (small inputs only)."""

    def hessian_of_f(*args: Number) -> list[list[float]]:
        xs = [Value(a, f"x[{i}]") for i, a in enumerate(args)]
        return hessian_at(f(*xs), xs)

    return hessian_of_f


def hessian_at(output: Value, inputs: Sequence[Value]) -> list[list[float]]:
    """The Hessian of ``output`` with respect to ``inputs`` (e.g. a loss and some weights)."""
    first = gradients(output, inputs, create_graph=True)
    return [list(gradients(g, inputs)) if isinstance(g, Value) else [0.0] * len(inputs) for g in first]


def hvp(output: Value, inputs: Sequence[Value], vector: Sequence[float]) -> list[float]:
    """The Hessian-vector product H·v = ∇(∇output · v), in two reverse passes (no full H)."""
    first = gradients(output, inputs, create_graph=True)
    if len(vector) != len(inputs):
        raise ValueError(f"hvp: expected a vector of {len(inputs)} numbers, got {len(vector)}")
    directional = sum((g * v for g, v in zip(first, vector)), Value(0.0))
    return list(gradients(directional, inputs))

"""Walk a graph: the one iterative topological order (of Values or any nodes), and its edges."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from microgradnet.engine import Value

__all__ = ["topological_order", "edges"]

N = TypeVar("N", bound=Hashable)


@overload
def topological_order(*roots: Value, parents: None = None) -> list[Value]: ...
@overload
def topological_order(*roots: N, parents: Callable[[N], Iterable[N]]) -> list[N]: ...


def topological_order(
    *roots: Any, parents: Callable[[Any], Iterable[Any]] | None = None
) -> list[Any]:
    """Every node the roots depend on, each after all of its parents; the last root is last.

    ``parents(node)`` lists a node's parents (default: a Value's ``.parents``, any hashable nodes
    otherwise: the equation model passes its formulas' dependencies). Iterative depth-first
    search, so there is no recursion limit: when a node is first popped it goes back on the stack
    under a ``None`` marker — "emit the node under me once everything above me is done" — and
    then its unvisited parents, so the *last* parent listed is visited first (pass ``reversed(…)``
    to visit them in order). In a DAG every parent is finished before the marker comes back off.

    Raises:
        TypeError: without ``parents``, a root is not a Value.
    """
    if parents is None:
        for i, root in enumerate(roots):
            if not isinstance(getattr(root, "parents", None), tuple):
                raise TypeError(
                    f"topological_order: root {i} must be a Value (or pass parents=), "
                    f"got {type(root).__name__}: {root!r}"
                )
        return _value_order(roots)  # checked above
    return _order(roots, parents)


def _value_order(roots: tuple[Value, ...]) -> list[Value]:
    """``_order`` for Values, with ``.parents`` read inline: this runs once per backward pass."""
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = list(reversed(roots))
    emit, push, pop, visit = order.append, stack.append, stack.pop, visited.add
    while stack:
        node = pop()
        if node is None:
            emit(pop())  # type: ignore[arg-type]  # the node under a marker is always a Value
        elif node not in visited:
            visit(node)
            node_parents = node.parents
            if not node_parents:  # a leaf is done at once: no marker needed
                emit(node)
                continue
            push(node)
            push(None)
            for parent in node_parents:
                if parent not in visited:
                    push(parent)
    return order


def _order(
    roots: tuple[object, ...], parents: Callable[[object], Iterable[object]]
) -> list[object]:
    order: list[object] = []
    visited: set[object] = set()
    marker = object()
    stack: list[object] = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node is marker:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(marker)
            stack.extend(p for p in parents(node) if p not in visited)
    return order


def edges(order: list[Value]) -> list[tuple[int, int, int]]:
    """(parent index, child index, operand position) for every operand occurrence in ``order``.

    ``a * a`` yields two edges from ``a``. Indices are positions in ``order``.
    """
    index = {node: i for i, node in enumerate(order)}
    return [
        (index[parent], child, position)
        for child, node in enumerate(order)
        for position, parent in enumerate(node.parents)
    ]

"""Walk a computation graph: the one iterative topological order used by backward, drawing and compiling."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from microgradnet.engine import Value

__all__ = ["topological_order", "edges"]


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all of its parents; ``root`` is last.

    Iterative depth-first search, so there is no recursion limit. When a node is first popped
    it goes back on the stack with a ``None`` marker above it — "emit the node under me once
    everything above me is done" — and then its unvisited parents. In a DAG every parent is
    finished before the marker comes back off the stack, so each node follows its operands.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    emit, push, pop, visit = order.append, stack.append, stack.pop, visited.add
    while stack:
        node = pop()
        if node is None:
            emit(pop())  # type: ignore[arg-type]  # the node under a marker is always a Value
        elif node not in visited:
            visit(node)
            parents = node.parents
            if not parents:  # a leaf is done at once: no marker needed
                emit(node)
                continue
            push(node)
            push(None)
            for parent in parents:
                if parent not in visited:
                    push(parent)
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

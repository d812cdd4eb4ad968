"""The steps of a step-through: the forward pass node by node, then the chain rule node by node.

Pure data, no HTML: the page (``_render_html``) and the animated image (``_render_animation``)
both show these steps. Step 0 shows the given leaves; then one step per operation in topological
order (its value appears); then one step per value in reverse topological order, which fills in
its gradient from each of its uses::

    ∂L/∂v = Σ over uses c of v:  ∂c/∂v × ∂L/∂c   (local derivative × upstream gradient)

The uses are summed in the order ``Value.backward`` adds them (consumers in reverse topological
order, operand positions in order), so every running sum is the very float the engine computes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from microgradnet._render_text import format_number

if TYPE_CHECKING:
    from microgradnet.engine import Value

__all__ = ["DIGITS", "Num", "Row", "Step", "build_steps", "uses"]

#: Significant digits of the numbers in a step's arithmetic (the graph keeps its own precision).
DIGITS = 6
_MAX_NAME = 28  # an unlabelled node named by its expression only while that stays this short
_INFIX = {"+": " + ", "-": " − ", "*": "·", "/": " / ", "**": " ^ "}


@dataclass(frozen=True)
class Num:
    """A number shown in a step; printed with :data:`DIGITS` significant digits."""

    value: float

    @property
    def text(self) -> str:
        return format_number(self.value, DIGITS)


Segment = str | Num
Row = tuple[Segment, ...]
Phase = Literal["start", "forward", "backward"]


@dataclass(frozen=True)
class Step:
    """One step: which node it is about (-1: none), the nodes it reads, and its arithmetic.

    ``related`` are the operands of a forward step and the consumers (uses) of a backward one.
    """

    phase: Phase
    node: int
    related: tuple[int, ...]
    heading: str
    rows: tuple[Row, ...]


def uses(order: list[Value]) -> list[list[tuple[int, int]]]:
    """For each node, its uses ``(consumer index, operand position)`` in ``backward``'s order."""
    index = {node: i for i, node in enumerate(order)}
    found: list[list[tuple[int, int]]] = [[] for _ in order]
    for c in range(len(order) - 1, -1, -1):
        for position, parent in enumerate(order[c].parents):
            found[index[parent]].append((c, position))
    return found


def build_steps(order: list[Value], names: Mapping[str, str]) -> list[Step]:
    """Every step for the graph ``order`` (a topological order, the root last).

    ``names`` maps labels to display names. The backward pass starts from the root's own
    ``.grad`` (1 after ``root.backward()``), so the numbers agree with the engine's.
    """
    index = {node: i for i, node in enumerate(order)}
    shown = _names(order, index, names)
    steps = [_start(order)]
    for i, node in enumerate(order):
        if node.parents:
            steps.append(_forward(i, node, [index[p] for p in node.parents], shown))
    grads = [0.0] * len(order)
    grads[-1] = order[-1].grad
    steps.append(_seed(len(order) - 1, grads[-1], shown))
    all_uses = uses(order)
    for i in range(len(order) - 2, -1, -1):
        steps.append(_backward(i, order, all_uses[i], grads, shown))
    return steps


# ---- names ------------------------------------------------------------------------------------
def _names(order: list[Value], index: Mapping[Value, int], names: Mapping[str, str]) -> list[str]:
    """A display name per node: its label (in ``names``), a constant's number, or its expression."""
    shown: list[str] = []
    for i, node in enumerate(order):
        if node.label:
            shown.append(names.get(node.label, node.label))
        elif not node.parents:
            shown.append(format_number(node.data, DIGITS))
        else:
            operands: list[Segment] = [_grouped(shown[index[p]]) for p in node.parents]
            text = "".join(map(str, _expression(node.op, operands)))
            shown.append(text if len(text) <= _MAX_NAME else f"({node.op} node {i})")
    return shown


def _grouped(name: str) -> str:
    """``name`` in parentheses when it is a compound expression (``(y − 1)^2``, ``∂(w·x)``)."""
    return f"({name})" if any(sign in name for sign in (" ", "·")) else name


def _expression(op: str, operands: list[Segment]) -> list[Segment]:
    """``a + b + c``, ``a·b``, ``−a``, ``a^2``, ``tanh(a)``: the op applied to ``operands``."""
    if op in _INFIX:
        out: list[Segment] = []
        for n, operand in enumerate(operands):
            out += [_INFIX[op], operand] if n else [operand]
        return out
    if op == "neg":
        return ["−", *operands]
    if op.startswith("**"):
        return [*operands, "^" + op[2:]]
    out = [f"{op}("]
    for n, operand in enumerate(operands):
        out += [", ", operand] if n else [operand]
    return [*out, ")"]


# ---- the steps --------------------------------------------------------------------------------
def _start(order: list[Value]) -> Step:
    leaves = sum(1 for node in order if not node.parents)
    rows: tuple[Row, ...] = (
        (f"{leaves} given values (inputs, parameters, constants) are shown.",),
        ("Press → (or Play) to run the forward pass one operation at a time.",),
    )
    return Step("start", -1, (), "Start", rows)


def _forward(i: int, node: Value, parents: list[int], shown: list[str]) -> Step:
    symbolic = _expression(node.op, [_grouped(shown[p]) for p in parents])
    numeric = _expression(node.op, [Num(p.data) for p in node.parents])
    row: Row = (shown[i], " = ", *symbolic, " = ", *numeric, " = ", Num(node.data))
    return Step("forward", i, tuple(parents), f"Forward: {shown[i]}", (row,))


def _seed(root: int, seed: float, shown: list[str]) -> Step:
    name = shown[root]
    row: Row = (f"∂{name}/∂{name} = ", Num(seed), "  (the seed of the backward pass)")
    return Step("backward", root, (), f"Backward: ∂{name}/∂{name}", (row,))


def _backward(
    i: int,
    order: list[Value],
    node_uses: list[tuple[int, int]],
    grads: list[float],
    shown: list[str],
) -> Step:
    """∂L/∂v from each use: local × upstream = contribution, the running sum, the total."""
    root, name = shown[-1], _grouped(shown[i])
    rows: list[Row] = []
    total = 0.0
    for c, position in node_uses:
        local, upstream = order[c].local_grads[position], grads[c]
        contribution = local * upstream
        total += contribution
        use = _grouped(shown[c])
        row: Row = (
            f"via {shown[c]}: ∂{use}/∂{name} × ∂{root}/∂{use} = ",
            Num(local),
            " × ",
            Num(upstream),
            " = ",
            Num(contribution),
        )
        rows.append((*row, "   running sum ", Num(total)) if len(node_uses) > 1 else row)
    grads[i] = total
    rows.append((f"∂{root}/∂{name} = ", Num(total)))
    consumers = tuple(dict.fromkeys(c for c, _ in node_uses))
    return Step("backward", i, consumers, f"Backward: ∂{root}/∂{name}", tuple(rows))

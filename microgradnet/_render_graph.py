"""Build the computation graph of a ``Value`` as a Digraph (pure: runs no Graphviz).

One box per value: its name and the operation that made it, its data, and its gradient in a row
of its own colour. One edge per operand occurrence (``a * a`` has two), marked with the operand's
role where the operation is not commutative (``a − b``, ``a ÷ b``, base/exponent). Node ids are
``n<i>`` with ``i`` the value's index in ``topological_order(root)``, so the same graph always
gives the same DOT source.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from microgradnet._render_backend import Picture, TooLargeError
from microgradnet._render_names import ROLES, Namer, namer
from microgradnet._render_placement import Boxes, emit_layer, emit_rows, is_input, parameter_pairs
from microgradnet._render_style import (
    BORDER,
    FILL,
    GRAD_INK,
    MUTED_INK,
    grad_classes,
    grad_fill,
    text_on,
)
from microgradnet._render_text import FONT, format_number, label, marked, styled, text
from microgradnet.graph import edges, topological_order

if TYPE_CHECKING:
    from microgradnet.engine import Value
    from microgradnet.nn import MLP

__all__ = [
    "DEFAULT_MAX_NODES",
    "Direction",
    "GraphOptions",
    "Layout",
    "build_computation_graph",
    "neuron_groups",
    "new_picture",
    "op_text",
]

#: Above this many drawn nodes the build stops with advice (see max_depth).
DEFAULT_MAX_NODES = 2500

_PARAMETER_LABEL = re.compile(r"[Wb]\d+\[\d+(,\d+)?\]")
_NEURON_LABEL = re.compile(r"([Wbza])(\d+)\[(\d+)(?:,\d+)?\]")

#: How each op is written in its box; "a"/"b" name the operands the edges are marked with.
_OP_TEXT = {
    "+": "+",
    "*": "×",
    "-": "a − b",
    "/": "a ÷ b",
    "**": "a^b",
    "neg": "−a",
    "sigmoid": "σ",
    "log": "ln",
}
#: Operand marks on the edges of non-commutative two-operand ops.
_ROLES = {"-": ("a", "b"), "/": ("a", "b"), "**": ("base", "exponent")}

_LEGEND = ("each box:", "name  operation", "value", "gradient ∂L/∂value (italic)")

Direction = Literal["LR", "TB", "RL", "BT"]


@dataclass(frozen=True)
class Layout:
    """Page and type: ``size`` in inches (Graphviz shrinks to fit), font size in points."""

    font_size: float = 14.0
    direction: Direction = "LR"
    size: tuple[float, float] | None = None


@dataclass(frozen=True)
class GraphOptions:
    """What to show; see ``microgradnet.render.computation_graph`` for each option."""

    show_grad: bool = True
    precision: int = 4
    highlight: bool = True
    color_by_grad: bool = False
    max_nodes: int = DEFAULT_MAX_NODES
    max_depth: int | None = None
    notation: Mapping[str, str] = field(default_factory=dict)
    layout: Layout = field(default_factory=Layout)
    backward: bool = False


def new_picture(name: str, layout: Layout, **graph: str) -> Picture:
    """An empty Picture with the shared font, size and direction."""
    attrs = {"rankdir": layout.direction, "fontname": FONT, "fontsize": _pt(layout.font_size)}
    if layout.size is not None:
        attrs["size"] = f"{layout.size[0]:g},{layout.size[1]:g}"
    attrs.update(graph)
    return Picture(
        name,
        graph_attr=attrs,
        node_attr={
            "fontname": FONT,
            "fontsize": _pt(layout.font_size),
            "shape": "box",
            "style": "filled",
            "margin": "0.06,0.02",
        },
        edge_attr={"fontname": FONT, "fontsize": _pt(layout.font_size), "arrowsize": "0.7"},
    )


def _pt(size: float) -> str:
    return f"{size:g}"


def build_computation_graph(root: Value, options: GraphOptions, mlp: MLP | None = None) -> Picture:
    """The Digraph of everything ``root`` depends on (or the part within ``options.max_depth``).

    Raises:
        TooLargeError: more than ``options.max_nodes`` nodes would be drawn.
    """
    order = topological_order(root)
    kept = _kept_indices(order, _depths(order), options)
    drawing = _Drawing(order, kept, options, mlp)
    spacing = {"nodesep": "0.25", "ranksep": "0.35"} if options.backward else {}
    spacing = spacing or {"nodesep": "0.08", "ranksep": "0.25"}
    dot = new_picture("computation_graph", options.layout, **spacing)
    drawing.emit(dot)
    return dot


class _Drawing:
    """One computation graph being drawn: who is what, and how each box and edge looks."""

    def __init__(
        self, order: list[Value], kept: list[int], options: GraphOptions, mlp: MLP | None
    ) -> None:
        self.order, self.kept, self.options = order, kept, options
        self.name: Namer = namer(options.notation, mlp)
        self.kinds = _kinds(order, kept, mlp)
        clustered = mlp is not None and not options.backward  # edge labels need the room
        self.groups = neuron_groups(order, kept) if clustered else {}
        self.ordered = mlp is not None  # inputs and neurons in index order
        self.edges = [e for e in edges(order) if e[1] in set(kept)]
        self.uses = _use_counts(self.edges)
        self.boxes = Boxes(order, kept, self.edges, self.kinds, self._emit_value)
        self.beside = {c: p for p, c in parameter_pairs(self.boxes, kept)} if self.ordered else {}
        self.scale = grad_classes(order[i].grad for i in kept) if options.color_by_grad else None

    def emit(self, dot: Picture) -> None:
        layers = sorted({g[0] for g in self.groups.values()})
        for layer in layers:
            across = self.options.layout.direction in ("LR", "RL")
            emit_layer(dot, self.boxes, self.groups, layer, self.name, across=across)
        placed = emit_rows(dot, self.boxes) if self.ordered and not layers else set()
        for i in self.kept:
            if i not in self.groups and i not in placed and not (layers and self._is_input(i)):
                self._emit_value(dot, i)
        self._emit_edges(dot)
        if self.scale is not None:
            self._emit_key(dot)
        if self.options.show_grad:
            self._emit_legend(dot)

    def _emit_legend(self, dot: Picture) -> None:
        """How to read a box, beside the loss (where a layout has room)."""
        legend = label(*_LEGEND)
        dot.node("legend", legend, shape="plaintext", style="", fontcolor=MUTED_INK)
        dot.edge(f"n{len(self.order) - 1}", "legend", style="invis", minlen="0")

    def _emit_key(self, dot: Picture) -> None:
        """The colour key: one box per step of the scale, in a row, each labelled with its |grad|."""
        from microgradnet._render_style import GRAD_SCALE, grad_steps

        assert self.scale is not None  # only called with color_by_grad
        steps = grad_steps(*self.scale)
        values = [-g for g in reversed(steps)] + [0.0] + steps
        with dot.subgraph(name="cluster_key") as key:
            key.attr(label="grad (colour key)", style="rounded", color="#bdbdbd")
            for k, (value, fill) in enumerate(zip(values, GRAD_SCALE)):
                text = format_number(value, min(self.options.precision, 2))
                key.node(f"key{k}", text, fillcolor=fill, fontcolor=text_on(fill), color=fill)
            for k in range(len(values) - 1):
                key.edge(f"key{k}", f"key{k + 1}", style="invis")

    def _is_product(self, i: int) -> bool:
        """A product w·x: the value a weight stands beside."""
        return i in self.beside and self.order[self.beside[i]].label.startswith("W")

    def _is_input(self, i: int) -> bool:
        return is_input(self.order, i)

    # ---- boxes --------------------------------------------------------------------------
    def _emit_value(self, dot: Picture, i: int) -> None:
        dot.node(f"n{i}", **self.style(i))

    def style(self, i: int) -> dict[str, str]:
        """The box of value ``i``: its lines (name and op, data, grad) and colours."""
        node, kind, options = self.order[i], self.kinds[i], self.options
        fill = FILL[kind] if options.highlight else "#ffffff"
        if self.scale is not None:
            fill = grad_fill(node.grad, *self.scale)
        data = format_number(node.data, options.precision)
        lines = [self._header(i, fill), data]
        if node.parents and not node.label:  # an unnamed result: "×  0.14" on one line
            lines = [f"{self._header(i, fill)}  {data}"]
        if options.show_grad:
            lines.append(self._grad_line(i, fill))
        style = {**text(*lines), "fillcolor": fill, "fontcolor": text_on(fill)}
        style["color"] = BORDER[kind] if options.highlight else BORDER["value"]
        if kind == "constant":
            style["style"] = "filled,dashed"
        if kind == "loss":
            style["penwidth"] = "2"
            if self.ordered:  # its operands (the terms of a sum over outputs) in operand order,
                style["ordering"] = "in"  # which keeps the output neurons in index order
        return style

    def _header(self, i: int, fill: str) -> str:
        node = self.order[i]
        name = styled(marked(self.name(node.label)), bold=True) if node.label else ""
        op = op_text(node.op) if node.parents else ""
        op = styled(op, ink=text_on(fill, MUTED_INK)) if op else ""
        if not name and not op:
            return styled("constant", ink=text_on(fill, MUTED_INK))
        return "  ".join(part for part in (name, op) if part)

    def _grad_line(self, i: int, fill: str) -> str:
        grad = format_number(self.order[i].grad, self.options.precision)
        total = "Σ = " if self.options.backward and self.uses.get(i, 0) > 1 else ""
        text = styled(f"{total}{grad}", italic=True)
        return text if self.scale is not None else styled(text, ink=text_on(fill, GRAD_INK))

    # ---- edges --------------------------------------------------------------------------
    def _emit_edges(self, dot: Picture) -> None:
        drawn = set(self.kept)
        collapsed: list[int] = []
        for parent, child, position in self.edges:
            if parent in drawn:
                dot.edge(f"n{parent}", f"n{child}", **self._edge_style(parent, child, position))
            elif not collapsed or collapsed[-1] != child:
                collapsed.append(child)
        if collapsed:
            hidden = len(self.order) - len(self.kept)
            text = label(f"… {hidden} more values", f"(beyond max_depth={self.options.max_depth})")
            dot.node("collapsed", text, style="dashed", fontcolor=MUTED_INK, color=MUTED_INK)
            for child in collapsed:
                dot.edge("collapsed", f"n{child}", style="dashed")

    def _edge_style(self, parent: int, child: int, position: int) -> dict[str, str]:
        style: dict[str, str] = {}
        node = self.order[child]
        roles = _ROLES.get(node.op) if len(node.parents) == 2 else None
        if self.kinds.get(parent) == "parameter" and self.ordered:
            style.update(minlen="0", arrowsize="0.5")  # beside its value: no rank of its own
        if self.options.backward and self._is_product(parent):
            style["minlen"] = "2"  # w·x → z crosses its neighbours midway, far from arrowheads
        if roles is not None:
            style.update(headlabel=label(roles[position]), labeldistance="1.8", labelangle="-30")
            style.update(labelfontcolor=MUTED_INK)
        if self.options.backward:
            style.update(_backward_edge(node, position, self.options.precision))
        return style


def _backward_edge(child: Value, position: int, precision: int) -> dict[str, str]:
    """The chain rule on one edge: local derivative × upstream gradient = contribution."""
    local = child.local_grads[position]
    upstream = child.grad
    parts = (format_number(local, precision), format_number(upstream, precision))
    contribution = format_number(local * upstream, precision)
    text = f"{parts[0]} × {parts[1]}\n= {contribution}"
    return {
        "label": label(text),
        "fontcolor": GRAD_INK,
        "color": GRAD_INK,
        "style": "dashed",
        "dir": "back",
    }


def op_text(op: str) -> str:
    """How an op is written in its box (with markers): "×", "a − b", "σ", "( )²"."""
    if op in _OP_TEXT:
        return marked(_OP_TEXT[op])
    if op.startswith("**"):
        return marked(f"( )^{{{op[2:]}}}")
    return op


def _use_counts(edge_list: Iterable[tuple[int, int, int]]) -> dict[int, int]:
    uses: dict[int, int] = {}
    for parent, _child, _position in edge_list:
        uses[parent] = uses.get(parent, 0) + 1
    return uses


# ---- which nodes: depth limit and size guard ------------------------------------------------
def _depths(order: list[Value]) -> list[int]:
    """Fewest operand hops from each node up to the root (the root is 0); breadth-first."""
    index = {node: i for i, node in enumerate(order)}
    depth = [-1] * len(order)
    depth[-1] = 0
    queue = deque([len(order) - 1])
    while queue:
        i = queue.popleft()
        for parent in order[i].parents:
            p = index[parent]
            if depth[p] < 0:
                depth[p] = depth[i] + 1
                queue.append(p)
    return depth


def _kept_indices(order: list[Value], depth: list[int], options: GraphOptions) -> list[int]:
    limit = options.max_depth
    if limit is not None and limit < 0:
        raise ValueError(f"max_depth must be >= 0, got {limit}")
    kept = [i for i in range(len(order)) if limit is None or depth[i] <= limit]
    count = len(kept) + (len(kept) < len(order))
    if count > options.max_nodes:
        raise _too_big(depth, count, options.max_nodes)
    return kept


def _too_big(depth: list[int], count: int, max_nodes: int) -> TooLargeError:
    """The error for a graph over ``max_nodes``, naming the deepest depth limit that fits."""
    per_depth: dict[int, int] = {}
    for d in depth:
        per_depth[d] = per_depth.get(d, 0) + 1
    total, fits = 1, -1
    for d in sorted(per_depth):
        total += per_depth[d]
        if total > max_nodes:
            break
        fits = d
    what = f"the computation graph has {count} nodes to draw, more than {max_nodes}"
    python = f"max_depth={fits}" if fits >= 0 else "a larger max_nodes"
    cli = f"--max-depth {fits}" if fits >= 0 else "--max-nodes"
    return TooLargeError(
        what,
        python=f"pass {python}, view='neuron' (one box per neuron), or raise max_nodes",
        cli=f"use {cli}, --view neuron (one box per neuron), or raise --max-nodes",
    )


# ---- who is what -----------------------------------------------------------------------------
def _kinds(order: list[Value], kept: list[int], mlp: MLP | None) -> dict[int, str]:
    """loss (the root), parameter, input (a labelled leaf), constant or value."""
    parameters = {id(p) for p in mlp.parameters()} if mlp is not None else None
    kinds: dict[int, str] = {}
    for i in kept:
        node = order[i]
        if i == len(order) - 1:
            kinds[i] = "loss"
        elif node.parents:
            kinds[i] = "value"
        elif _is_parameter(node, parameters):
            kinds[i] = "parameter"
        else:
            kinds[i] = "input" if node.label and node.label not in ROLES else "constant"
    return kinds


def _is_parameter(node: Value, parameters: set[int] | None) -> bool:
    """By identity when the MLP is known, else by an ``nn``-style label (``W1[0,1]``, ``b2[0]``)."""
    if parameters is not None:
        return id(node) in parameters
    return _PARAMETER_LABEL.fullmatch(node.label) is not None


def neuron_groups(order: list[Value], kept: list[int]) -> dict[int, tuple[int, int]]:
    """(layer, neuron) for each value named W/b/z/a by nn, and for unnamed values all of whose
    consumers belong to the same neuron (the products w·x feeding z, for instance)."""
    groups: dict[int, tuple[int, int]] = {}
    consumers: dict[int, set[int]] = {}
    for parent, child, _position in edges(order):
        consumers.setdefault(parent, set()).add(child)
    drawn = set(kept)
    for i in reversed(kept):
        match = _NEURON_LABEL.fullmatch(order[i].label)
        if match:
            groups[i] = (int(match.group(2)), int(match.group(3)))
        elif order[i].parents and not order[i].label:
            owners = {groups.get(c) for c in consumers.get(i, ()) if c in drawn}
            if len(owners) == 1 and None not in owners:
                groups[i] = owners.pop()  # type: ignore[assignment]  # None excluded just above
    return groups

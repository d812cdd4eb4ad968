"""Build the computation graph of a ``Value`` as a ``graphviz.Digraph`` (pure: runs no Graphviz).

One record node per value (label | data | grad), one ellipse per operation, one edge per operand
occurrence. Node ids are ``n<i>`` / ``n<i>op`` with ``i`` the value's index in
``topological_order(root)``, so the same graph always gives the same DOT source.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import graphviz  # type: ignore[import-untyped]  # the package ships no type information

from microgradnet._render_backend import RenderError
from microgradnet._render_text import FONT, format_number, plain_label, record_field
from microgradnet.graph import edges, topological_order

if TYPE_CHECKING:
    from microgradnet.engine import Value
    from microgradnet.nn import MLP

__all__ = ["DEFAULT_MAX_NODES", "GraphOptions", "build_computation_graph"]

#: Above this many drawn nodes (values + operations) the build stops with advice (see max_depth).
DEFAULT_MAX_NODES = 5000

_FILL = {
    "loss": "#f8d7d5",
    "parameter": "#dbe9f6",
    "input": "#e2f0d9",
    "constant": "#ffffff",
    "value": "#ffffff",
}
_BORDER = {"loss": "#c0392b", "parameter": "#2b6cb0", "input": "#2f855a"}
#: |grad| colour scale, pale to dark (ColorBrewer "Oranges", 9 classes).
_GRAD_SCALE = (
    "#fff5eb",
    "#fee6ce",
    "#fdd0a2",
    "#fdae6b",
    "#fd8d3c",
    "#f16913",
    "#d94801",
    "#a63603",
    "#7f2704",
)
_PARAMETER_LABEL = re.compile(r"[Wb]\d+\[\d+(,\d+)?\]")
_NEURON_LABEL = re.compile(r"([Wbza])(\d+)\[(\d+)(?:,\d+)?\]")


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


def build_computation_graph(
    root: Value, options: GraphOptions, mlp: MLP | None = None
) -> graphviz.Digraph:
    """The Digraph of everything ``root`` depends on (or the part within ``options.max_depth``).

    Raises:
        RenderError: more than ``options.max_nodes`` nodes would be drawn.
    """
    order = topological_order(root)
    depth = _depths(order)
    kept = _kept_indices(order, depth, options)
    kinds = _kinds(order, kept, mlp)
    groups = _neuron_groups(order, kept) if mlp is not None else {}
    fills = _grad_fills(order, kept) if options.color_by_grad else {}
    dot = _new_digraph()
    for layer in sorted({layer for layer, _ in groups.values()}):
        members = {
            g: [i for i in kept if groups.get(i) == g]
            for g in sorted(set(groups.values()))
            if g[0] == layer
        }
        _emit_layer(dot, layer, members, order, kinds, fills, options)
    for i in kept:
        if i not in groups:
            _emit_value(dot, i, order[i], kinds[i], fills.get(i), options)
    _emit_edges(dot, order, kept, options)
    return dot


def _new_digraph() -> graphviz.Digraph:
    return graphviz.Digraph(
        "computation_graph",
        graph_attr={"rankdir": "LR", "fontname": FONT, "nodesep": "0.25", "ranksep": "0.4"},
        node_attr={"fontname": FONT, "fontsize": "11"},
        edge_attr={"arrowsize": "0.7"},
    )


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


def _drawn(order: list[Value], indices: Iterable[int]) -> int:
    """Nodes drawn for these values: one each, plus one per operation."""
    return sum(2 if order[i].parents else 1 for i in indices)


def _kept_indices(order: list[Value], depth: list[int], options: GraphOptions) -> list[int]:
    limit = options.max_depth
    if limit is not None and limit < 0:
        raise ValueError(f"max_depth must be >= 0, got {limit}")
    kept = [i for i in range(len(order)) if limit is None or depth[i] <= limit]
    count = _drawn(order, kept) + (len(kept) < len(order))
    if count > options.max_nodes:
        raise RenderError(_too_big_message(order, depth, count, options))
    return kept


def _too_big_message(
    order: list[Value], depth: list[int], count: int, options: GraphOptions
) -> str:
    per_depth: dict[int, int] = {}
    for i, d in enumerate(depth):
        per_depth[d] = per_depth.get(d, 0) + (2 if order[i].parents else 1)
    total, fits = 1, -1
    for d in sorted(per_depth):
        total += per_depth[d]
        if total > options.max_nodes:
            break
        fits = d
    advice = (
        f"pass max_depth={fits} to draw only the nodes nearest the output"
        if fits >= 0
        else "raise max_nodes"
    )
    return (
        f"the computation graph has {count} nodes to draw, more than max_nodes={options.max_nodes} "
        f"(Graphviz would take minutes on it); {advice}, or raise max_nodes"
    )


# ---- how each node looks ---------------------------------------------------------------------
def _kinds(order: list[Value], kept: list[int], mlp: MLP | None) -> dict[int, str]:
    """loss (the root), parameter, input (a labelled leaf), constant (unlabelled leaf) or value."""
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
            kinds[i] = "input" if node.label else "constant"
    return kinds


def _is_parameter(node: Value, parameters: set[int] | None) -> bool:
    """By identity when the MLP is known, else by an ``nn``-style label (``W1[0,1]``, ``b2[0]``)."""
    if parameters is not None:
        return id(node) in parameters
    return _PARAMETER_LABEL.fullmatch(node.label) is not None


def _grad_fills(order: list[Value], kept: list[int]) -> dict[int, str]:
    """A fill colour per value from log10 |grad| across the drawn nodes; zero grad stays white."""
    logs = {
        i: math.log10(abs(order[i].grad))
        for i in kept
        if order[i].grad != 0.0 and math.isfinite(order[i].grad)
    }
    low, high = (min(logs.values()), max(logs.values())) if logs else (0.0, 0.0)
    span = high - low or 1.0
    fills = dict.fromkeys(kept, "#ffffff")
    for i in kept:
        if i in logs:
            fills[i] = _GRAD_SCALE[1 + round((logs[i] - low) / span * (len(_GRAD_SCALE) - 2))]
        elif not math.isfinite(order[i].grad):
            fills[i] = _GRAD_SCALE[-1]
    return fills


def _value_label(node: Value, options: GraphOptions) -> str:
    label = options.notation.get(node.label, node.label)
    fields = [record_field(label)] if label else []
    fields.append(f"data {format_number(node.data, options.precision)}")
    if options.show_grad:
        fields.append(f"grad {format_number(node.grad, options.precision)}")
    return "{ " + " | ".join(fields) + " }"


def _value_style(kind: str, fill: str | None, options: GraphOptions) -> dict[str, str]:
    style = {"shape": "record", "style": "filled"}
    if not options.highlight:
        style["fillcolor"] = fill or "#ffffff"
        return style
    style["fillcolor"] = fill or _FILL[kind]
    if kind in _BORDER:
        style.update(color=_BORDER[kind], penwidth="2" if kind == "loss" else "1.5")
    if kind == "constant":
        style.update(style="filled,dashed", fontcolor="#555555")
    return style


def _emit_value(
    dot: graphviz.Digraph, i: int, node: Value, kind: str, fill: str | None, options: GraphOptions
) -> None:
    dot.node(f"n{i}", _value_label(node, options), **_value_style(kind, fill, options))
    if node.parents:
        dot.node(
            f"n{i}op",
            plain_label(node.op),
            shape="ellipse",
            style="filled",
            fillcolor="#eeeeee",
            fontsize="10",
            margin="0.04,0.02",
            height="0.3",
        )


def _emit_edges(
    dot: graphviz.Digraph, order: list[Value], kept: list[int], options: GraphOptions
) -> None:
    drawn = set(kept)
    collapsed: list[int] = []
    for parent, child, _position in edges(order):
        if child not in drawn:
            continue
        if parent in drawn:
            dot.edge(f"n{parent}", f"n{child}op")
        elif not collapsed or collapsed[-1] != child:
            collapsed.append(child)
    if collapsed:
        hidden = len(order) - len(kept)
        dot.node(
            "collapsed",
            plain_label(f"... {hidden} more values\n(beyond max_depth={options.max_depth})"),
            shape="note",
            style="dashed",
            fontcolor="#555555",
        )
        for child in collapsed:
            dot.edge("collapsed", f"n{child}op", style="dashed")
    for i in kept:
        if order[i].parents:
            dot.edge(f"n{i}op", f"n{i}")


# ---- MLP clusters ----------------------------------------------------------------------------
def _neuron_groups(order: list[Value], kept: list[int]) -> dict[int, tuple[int, int]]:
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


def _emit_layer(
    dot: graphviz.Digraph,
    layer: int,
    members: dict[tuple[int, int], list[int]],
    order: list[Value],
    kinds: dict[int, str],
    fills: dict[int, str],
    options: GraphOptions,
) -> None:
    """One cluster for the layer, holding one cluster per neuron."""
    with dot.subgraph(name=f"cluster_layer{layer}") as layer_graph:
        layer_graph.attr(
            label=f"layer {layer}",
            style="rounded",
            color="#9e9e9e",
            fontname=FONT,
            fontsize="11",
            fontcolor="#616161",
        )
        for (_, neuron), indices in reversed(members.items()):  # dot stacks later clusters on top
            with layer_graph.subgraph(name=f"cluster_layer{layer}_neuron{neuron}") as cluster:
                cluster.attr(
                    label=f"neuron {neuron}", style="rounded,dashed", color="#bdbdbd", fontsize="10"
                )
                for i in indices:
                    _emit_value(cluster, i, order[i], kinds[i], fills.get(i), options)

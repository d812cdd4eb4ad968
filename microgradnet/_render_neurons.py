"""Draw a large loss at the level of neurons: one box per neuron (and per sample), thin edges.

The value-level graph of an MLP(2,[16,16,1]) loss has over a thousand boxes; here each neuron is
one box (its symbol, activation and gradient, δ = ∂L/∂z), the parameters disappear into the
edges, and the few values after the output (the loss) stay as they are. With ``by_sample`` the
values of each sample of a batch loss form one cluster. Node ids are ``s<k>_a<l>_<j>`` (sample k,
layer l, neuron j), ``s<k>_x_<i>`` for inputs, and ``n<i>`` (topological index) for other values.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from typing import TYPE_CHECKING

from microgradnet._render_backend import Picture
from microgradnet._render_graph import GraphOptions, neuron_groups, new_picture, op_text
from microgradnet._render_names import Namer, namer
from microgradnet._render_style import BORDER, FILL, GRAD_INK, MUTED_INK, text_on
from microgradnet._render_text import format_number, marked, styled, text
from microgradnet.graph import edges, topological_order

if TYPE_CHECKING:
    from microgradnet.engine import Value
    from microgradnet.nn import MLP

__all__ = ["build_neuron_graph"]

_INPUT = re.compile(r"x\[(\d+)\]")


def build_neuron_graph(
    root: Value, mlp: MLP, options: GraphOptions, *, by_sample: bool = False
) -> Picture:
    """One box per neuron (per sample); edges where a value of one feeds another."""
    order = topological_order(root)
    everything = list(range(len(order)))
    groups = neuron_groups(order, everything)
    parameters = {id(p) for p in mlp.parameters()}
    sample = _samples(order) if by_sample else {}
    keys = {
        i: _key(order, i, groups, sample.get(i, 0))
        for i in everything
        if id(order[i]) not in parameters
    }
    name = namer(options.notation, mlp)
    dot = new_picture("neuron_graph", options.layout, nodesep="0.1", ranksep="0.6")
    clusters: dict[int, list[int]] = {}
    for i, key in keys.items():
        if key.startswith("n") or _is_representative(order, i, key):
            clusters.setdefault(sample.get(i, -1), []).append(i)
    for k, members in sorted(clusters.items()):
        target = dot.subgraph(name=f"cluster_sample{k}") if k >= 0 else _Same(dot)
        with target as graph:
            if k >= 0:
                graph.attr(label=f"sample {k + 1}", style="rounded", color="#bdbdbd")
            for i in members:
                graph.node(keys[i], **_box(order, i, keys[i], name, options))
    if not by_sample:
        _order_columns(dot, sorted({k for k in keys.values() if "_a" in k or "_x_" in k}))
    for parent, child in sorted({(keys[p], keys[c]) for p, c, _ in edges(order) if p in keys}):
        if parent != child:
            dot.edge(parent, child, color="#9e9e9e", penwidth="0.6", arrowsize="0.4")
    return dot


def _order_columns(dot: Picture, boxes: list[str]) -> None:
    """Keep each layer's neurons (and the inputs) in index order, top to bottom."""
    columns: dict[str, list[tuple[int, str]]] = {}
    for box in boxes:
        column, _, j = box.rpartition("_")
        columns.setdefault(column, []).append((int(j), box))
    for column, members in sorted(columns.items()):
        with dot.subgraph(name=f"order_{column}") as same:
            same.attr(rank="same")
            ids = [box for _, box in sorted(members)]
            for upper, lower in itertools.pairwise(ids):
                same.edge(upper, lower, style="invis")  # in LR a flat edge's tail stands above


class _Same:
    """``with`` on the picture itself, for values that belong to no sample."""

    def __init__(self, dot: Picture) -> None:
        self.dot = dot

    def __enter__(self) -> Picture:
        return self.dot

    def __exit__(self, *_: object) -> None:
        return None


def _key(order: list[Value], i: int, groups: dict[int, tuple[int, int]], sample: int) -> str:
    if i in groups:
        layer, j = groups[i]
        return f"s{sample}_a{layer}_{j}"
    match = _INPUT.fullmatch(order[i].label)
    return f"s{sample}_x_{match.group(1)}" if match else f"n{i}"


def _is_representative(order: list[Value], i: int, key: str) -> bool:
    """The value a neuron box shows: its activation ``a``, or the input itself."""
    label = order[i].label
    return label.startswith("a") or _INPUT.fullmatch(label) is not None


def _box(
    order: list[Value], i: int, key: str, name: Namer, options: GraphOptions
) -> dict[str, str]:
    node, digits = order[i], options.precision
    kind = "input" if "_x_" in key else ("value" if key.startswith("n") else "hidden")
    kind = "loss" if i == len(order) - 1 else kind
    fill = FILL[kind]
    title = marked(name(node.label)) if node.label else styled(op_text(node.op), ink=MUTED_INK)
    title = title or styled("constant", ink=MUTED_INK)
    lines = [f"{styled(title, bold=True)} = {format_number(node.data, digits)}"]
    if options.show_grad:
        grad = f"{styled('grad', italic=True)} {format_number(node.grad, digits)}"
        lines.append(styled(grad, ink=text_on(fill, GRAD_INK)))
    return {**text(*lines), "fillcolor": fill, "fontcolor": text_on(fill), "color": BORDER[kind]}


def _samples(order: list[Value]) -> dict[int, int]:
    """Sample number of each value of a batch loss: the first node with several non-constant
    operands (the Σ of a mean) splits the graph; a value reached from one operand only is that
    sample's. Shared values (the parameters) get none."""
    index = {node: i for i, node in enumerate(order)}
    split = order[-1]
    while True:
        live = [p for p in split.parents if p.parents]
        if len(live) != 1:
            break
        split = live[0]
    owner: dict[int, int] = {}
    for k, start in enumerate(p for p in split.parents if p.parents):
        for i in _ancestors(start, index):
            owner[i] = k if i not in owner else -1
    return {i: k for i, k in owner.items() if k >= 0}


def _ancestors(start: Value, index: dict[Value, int]) -> set[int]:
    seen = {index[start]}
    queue = deque([start])
    while queue:
        for parent in queue.popleft().parents:
            if index[parent] not in seen:
                seen.add(index[parent])
                queue.append(parent)
    return seen

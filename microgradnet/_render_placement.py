"""Where the boxes of a network's computation graph stand, so that it reads in index order.

Graphviz orders the boxes of a rank to reduce crossings, and its choices differ between
versions; these constraints give the order a reader expects on every route (pure: builds DOT):

- each parameter stands with the one value it feeds (w beside w·x, b beside z) in a cluster
  without a box, so its short edge never winds past other boxes;
- the inputs stand in a rank of their own, in index order, chained by invisible edges. Outside
  a cluster a flat edge's tail comes first (top in LR, left in TB); inside one too in TB, but
  last in LR — so it is in the ``dot`` program 2.43 and in the embedded Graphviz 16, and the
  tests measure it in every direction;
- with clusters (the computation graph) each neuron is one, titled by its symbol, inside one per
  layer; without them (the backward figure) each layer has a row per kind — products, sums,
  activations — in index order, each product under its input.

Node ids are ``n<i>``, ``i`` the value's index in the topological order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from microgradnet._render_names import Namer
from microgradnet._render_style import MUTED_INK
from microgradnet._render_text import cluster_title, marked

if TYPE_CHECKING:
    from microgradnet._render_backend import Picture
    from microgradnet.engine import Value

__all__ = ["Boxes", "emit_layer", "emit_rows", "is_input", "parameter_pairs"]

_INPUT_LABEL = re.compile(r"x\[(\d+)\]")
_PARAMETER = re.compile(r"([Wb])(\d+)\[(\d+)(?:,(\d+))?\]")
_ACTIVATION = re.compile(r"a(\d+)\[(\d+)\]")

#: Draws value ``i`` into a graph or cluster.
Emit = Callable[["Picture", int], None]


@dataclass(frozen=True)
class Boxes:
    """The values to place: the topological order, those drawn, their edges and kinds."""

    order: Sequence[Value]
    kept: Sequence[int]
    edges: Sequence[tuple[int, int, int]]
    kinds: dict[int, str]
    emit: Emit


def is_input(order: Sequence[Value], i: int) -> bool:
    """Whether value ``i`` is an input ``x[k]`` of the network."""
    return _INPUT_LABEL.fullmatch(order[i].label) is not None


def parameter_pairs(boxes: Boxes, members: Sequence[int]) -> list[tuple[int, int]]:
    """(parameter, value) for each parameter among ``members`` that feeds exactly one value,
    also among them (a shared bias feeds several and stands alone)."""
    consumers: dict[int, list[int]] = {}
    for parent, child, _position in boxes.edges:
        consumers.setdefault(parent, []).append(child)
    inside = set(members)
    pairs = []
    for i in members:
        fed = consumers.get(i, [])
        if boxes.kinds.get(i) == "parameter" and len(fed) == 1 and fed[0] in inside:
            pairs.append((i, fed[0]))
    return pairs


def _in_order(dot: Picture, name: str, ids: list[int], emit: Emit, *, tail_first: bool) -> None:
    """``ids`` in one rank in this order, chained by invisible edges (see the module doc)."""
    with dot.subgraph(name=name) as rank:
        rank.attr(rank="same")
        for i in ids:
            emit(rank, i)
        chain = ids if tail_first else ids[::-1]
        for tail, head in itertools.pairwise(chain):
            rank.edge(f"n{tail}", f"n{head}", style="invis")


def _inputs(boxes: Boxes) -> list[int]:
    found = [i for i in boxes.kept if is_input(boxes.order, i)]
    return sorted(found, key=lambda i: int(boxes.order[i].label[2:-1]))


# ---- with clusters: the computation graph ----------------------------------------------------
def emit_layer(
    dot: Picture,
    boxes: Boxes,
    groups: dict[int, tuple[int, int]],
    layer: int,
    name: Namer,
    *,
    across: bool,
) -> None:
    """One cluster for the layer (with the inputs, for layer 1), one per neuron inside, titled
    "neuron" and the neuron's symbol (the document's, else the 1-based default).

    ``across``: ranks are columns (LR, RL). There, inside a cluster, Graphviz puts a flat edge's
    tail and a later sub-cluster lower; with rows of ranks (TB, BT) first, on the left.
    """
    neurons = sorted({g[1] for g in groups.values() if g[0] == layer})
    with dot.subgraph(name=f"cluster_layer{layer}") as layer_graph:
        layer_graph.attr(label=f"layer {layer}", style="rounded", color="#9e9e9e")
        layer_graph.attr(fontcolor=MUTED_INK)
        if layer == 1:
            _in_order(layer_graph, "inputs", _inputs(boxes), boxes.emit, tail_first=not across)
        for j in reversed(neurons) if across else neurons:
            with layer_graph.subgraph(name=f"cluster_layer{layer}_neuron{j}") as cluster:
                title = marked(f"neuron {name(f'a{layer}[{j}]')}")
                cluster.attr(**cluster_title(f"layer{layer}_neuron{j}", title))
                cluster.attr(style="rounded,dashed", color="#bdbdbd")
                members = [i for i in boxes.kept if groups.get(i) == (layer, j)]
                _emit_neuron(cluster, boxes, members)


def _emit_neuron(dot: Picture, boxes: Boxes, members: list[int]) -> None:
    """A neuron's values, each parameter in a box-less cluster with the value it feeds."""
    pairs = parameter_pairs(boxes, members)
    for parameter, consumer in pairs:
        with dot.subgraph(name=f"cluster_pair{consumer}") as pair:
            pair.attr(id=f"pair{consumer}", label="", peripheries="0", margin="0")
            boxes.emit(pair, consumer)
            boxes.emit(pair, parameter)
    paired = {i for pair in pairs for i in pair}
    for i in members:
        if i not in paired:
            boxes.emit(dot, i)


# ---- without clusters: the backward figure ---------------------------------------------------
def emit_rows(dot: Picture, boxes: Boxes) -> set[int]:
    """The inputs, and per layer its products (each beside its weight, ordered by input, then
    neuron: each under its input), sums (beside their biases) and activations, each a row in
    index order; returns the values placed."""
    rows: dict[str, list[tuple[tuple[int, int], list[int]]]] = {}
    rows["inputs"] = [((k, 0), [i]) for k, i in enumerate(_inputs(boxes))]
    for parameter, consumer in parameter_pairs(boxes, boxes.kept):
        match = _PARAMETER.fullmatch(boxes.order[parameter].label)
        if match:
            kind, layer, j, i = match.groups()
            place = (int(i or 0), int(j))
            rows.setdefault(f"{kind}{layer}", []).append((place, [parameter, consumer]))
    for i in boxes.kept[:-1]:  # the root stays where the loss puts it
        match = _ACTIVATION.fullmatch(boxes.order[i].label)
        if match:
            rows.setdefault(f"a{match.group(1)}", []).append(((int(match.group(2)), 0), [i]))
    placed: set[int] = set()
    for name, members in rows.items():
        ids = [i for _, group in sorted(members) for i in group]
        _in_order(dot, f"row_{name}", ids, boxes.emit, tail_first=True)
        placed.update(ids)
    return placed

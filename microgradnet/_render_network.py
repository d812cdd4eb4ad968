"""Build the network diagram of an ``MLP`` (inputs → layers, a weight on every edge) as a Digraph.

Everything is addressed by canonical names — ``x[i]``, ``W1[j,i]``, ``b1[j]``, ``z1[j]``,
``a1[j]``, ``delta1[j]``, ``dL_dW1[j,i]``, ``dL_db1[j]`` (layer 1-based, indices 0-based) — which
``notation`` maps to display symbols (default: the 1-based symbols of ``notation.Notation``) and
``values`` maps to numbers. Each weight is a small box the edge passes through, so its label can
never drift from its edge; neurons of a layer stand in index order, top to bottom. Pure.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import TYPE_CHECKING

from microgradnet._render_backend import Picture, TooLargeError
from microgradnet._render_graph import Layout, new_picture
from microgradnet._render_names import Namer, namer
from microgradnet._render_style import BORDER, FILL, GRAD_INK, MUTED_INK, text_on
from microgradnet._render_text import format_number, label, marked, styled, text

if TYPE_CHECKING:
    from microgradnet.nn import MLP, Neuron, Trace

__all__ = [
    "DEFAULT_MAX_EDGES",
    "Diagram",
    "build_network_diagram",
    "check_values",
    "network_values",
    "node_id",
]

#: Above this many weights the full diagram is refused with advice to draw one neuron.
DEFAULT_MAX_EDGES = 400


@dataclass(frozen=True)
class Diagram:
    """The inputs of a network diagram: names, numbers and how to print and lay them out."""

    notation: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, float] = field(default_factory=dict)
    precision: int = 4
    layout: Layout = field(default_factory=Layout)
    #: New parameter values by canonical name: the diagram then shows old → new and Δ.
    after: Mapping[str, float] = field(default_factory=dict)

    def number(self, canonical: str) -> str | None:
        value = self.values.get(canonical)
        return None if value is None else format_number(value, self.precision)


def build_network_diagram(
    mlp: MLP,
    diagram: Diagram,
    neuron: tuple[int, int] | None = None,
    max_edges: int = DEFAULT_MAX_EDGES,
) -> Picture:
    """Inputs → hidden → output neurons, or with ``neuron=(layer, j)`` what feeds that neuron.

    Raises:
        ValueError: ``neuron`` names no neuron of ``mlp``.
        TooLargeError: the full diagram would have more than ``max_edges`` weights.
    """
    name = namer(diagram.notation, mlp)
    dot = new_picture("network", diagram.layout, nodesep="0.08", ranksep="0.45")
    if neuron is not None:
        layer, j = _check_neuron(mlp, neuron)
        _emit_column(dot, mlp, layer - 1, range(_width(mlp, layer - 1)), diagram, name)
        _emit_column(dot, mlp, layer, [j], diagram, name)
        _emit_weights(dot, mlp, layer, [j], diagram, name)
        return dot
    n_edges = sum(len(n.weights) for layer in mlp.layers for n in layer.neurons)
    if n_edges > max_edges:
        what = f"the network has {n_edges} weights, more than {max_edges}"
        raise TooLargeError(
            what,
            python="draw the sub-network of one neuron with neuron=(layer, j), or raise max_edges",
            cli="draw the sub-network of one neuron with --neuron L,J",
        )
    for layer in range(len(mlp.layers) + 1):
        _emit_column(dot, mlp, layer, range(_width(mlp, layer)), diagram, name)
    for layer in range(1, len(mlp.layers) + 1):
        _emit_weights(dot, mlp, layer, range(_width(mlp, layer)), diagram, name)
    return dot


def network_values(mlp: MLP, trace: Trace, *, grads: bool = True) -> dict[str, float]:
    """``values`` for a diagram after ``trace = mlp.trace(x)`` (and ``backward()`` when ``grads``):
    x, z, a per neuron and, with ``grads``, δ = ∂L/∂z per neuron and ∂L/∂W, ∂L/∂b."""
    values = {f"x[{i}]": v.data for i, v in enumerate(trace.inputs)}
    for l, (zs, activations) in enumerate(zip(trace.z, trace.a), start=1):
        for j, (z, a) in enumerate(zip(zs, activations)):
            values.update({f"z{l}[{j}]": z.data, f"a{l}[{j}]": a.data})
            if grads:
                values[f"delta{l}[{j}]"] = z.grad
    if grads:
        values.update({f"dL_d{name}": p.grad for name, p in mlp.named_parameters()})
    return values


def check_values(values: object, argument: str = "values") -> dict[str, float]:
    """``values`` as a dict after checking it maps str to real numbers.

    Raises:
        TypeError: not a mapping, a key not a str, or a value not a real number.
    """
    if not isinstance(values, Mapping):
        raise TypeError(
            f"{argument} must be a mapping of names to numbers (e.g. network_values(...)), "
            f"got {type(values).__name__}"
        )
    for key, value in values.items():
        if not isinstance(key, str):
            raise TypeError(f"{argument}: keys must be names (str), got {type(key).__name__}")
        if not isinstance(value, Real) or isinstance(value, bool):
            raise TypeError(
                f"{argument}[{key!r}] must be a real number, got {type(value).__name__}: {value!r}"
            )
    return {key: float(value) for key, value in values.items()}


def _check_neuron(mlp: MLP, neuron: tuple[int, int]) -> tuple[int, int]:
    layer, j = neuron
    sizes = [len(layer_.neurons) for layer_ in mlp.layers]
    if not 1 <= layer <= len(sizes) or not 0 <= j < sizes[layer - 1]:
        raise ValueError(
            f"neuron={neuron!r} is not in this network: layers are 1..{len(sizes)} "
            f"(1-based) with sizes {sizes}, neurons 0-based"
        )
    return layer, j


def _width(mlp: MLP, layer: int) -> int:
    return mlp.n_inputs if layer == 0 else len(mlp.layers[layer - 1].neurons)


def node_id(layer: int, j: int) -> str:
    """``x_0`` for input 0, ``a1_0`` for neuron 0 of layer 1: stable ids."""
    return f"x_{j}" if layer == 0 else f"a{layer}_{j}"


def _canonical(layer: int, j: int) -> str:
    return f"x[{j}]" if layer == 0 else f"a{layer}[{j}]"


# ---- neurons -------------------------------------------------------------------------------
def _emit_column(
    dot: Picture,
    mlp: MLP,
    layer: int,
    indices: range | list[int],
    diagram: Diagram,
    name: Namer,
) -> None:
    """One layer as a column under its title, chained by invisible edges so that the neurons
    stand in index order, top to bottom. (No cluster box: Graphviz does not keep that order
    inside a cluster.)"""
    last = layer == len(mlp.layers)
    title = "inputs" if layer == 0 else ("output layer" if last else f"hidden layer {layer}")
    title += "" if layer == 0 else f"\n({mlp.layers[layer - 1].activation})"
    kind = "input" if layer == 0 else ("output" if last else "hidden")
    with dot.subgraph(name=f"layer{layer}") as same:
        same.attr(rank="same")
        same.node(f"title{layer}", label(title), shape="plaintext", fontcolor=MUTED_INK, style="")
        for j in indices:
            fill = FILL[kind]
            rows = _neuron_rows(mlp, layer, j, diagram, name, fill)
            same.node(
                node_id(layer, j),
                **text(*rows),
                fillcolor=fill,
                fontcolor=text_on(fill),
                color=BORDER[kind],
                style="filled,rounded",
            )
        ids = [f"title{layer}"] + [node_id(layer, j) for j in indices]
        for upper, lower in itertools.pairwise(ids):
            same.edge(upper, lower, style="invis")  # in LR a flat edge's tail stands above


def _neuron_rows(
    mlp: MLP, layer: int, j: int, diagram: Diagram, name: Namer, fill: str
) -> list[str]:
    """Name (= a), then z, the bias, δ and ∂L/∂b when known."""
    canonical = _canonical(layer, j)
    rows = [_equation(name(canonical), diagram.number(canonical), bold=True)]
    if layer == 0:
        return rows
    unit: Neuron = mlp.layers[layer - 1].neurons[j]
    z = f"z{layer}[{j}]"
    if z in diagram.values:
        rows.append(_equation(name(z), diagram.number(z)))
    b = _bias_name(unit, layer, j)
    if unit.bias is not None:
        rows.append(_parameter(name(b), b, unit.bias.data, diagram))
    grad_ink = text_on(fill, GRAD_INK)
    for key in (f"delta{layer}[{j}]", f"dL_d{b}"):
        if key in diagram.values:
            rows.append(styled(_equation(name(key), diagram.number(key)), ink=grad_ink))
    if b in diagram.after and unit.bias is not None:
        step = diagram.after[b] - unit.bias.data
        rows.append(styled(f"Δ = {format_number(step, diagram.precision)}", ink=grad_ink))
    return rows


def _bias_name(unit: Neuron, layer: int, j: int) -> str:
    """``b{layer}[j]``, or the name of the one bias a layer's neurons share (``b1[0]``)."""
    label = unit.bias.label if unit.bias is not None else ""
    return label if re.fullmatch(rf"b{layer}\[\d+\]", label) else f"b{layer}[{j}]"


def _equation(symbol: str, number: str | None, *, bold: bool = False) -> str:
    """``name = value`` when a value is given, else just the name."""
    shown = styled(marked(symbol), bold=bold)
    return shown if number is None else f"{shown} = {number}"


def _parameter(symbol: str, canonical: str, value: float, diagram: Diagram) -> str:
    """``w = 0.2``, or after an update ``w: 0.2 → 0.19``."""
    old = format_number(value, diagram.precision)
    if canonical not in diagram.after:
        return f"{marked(symbol)} = {old}"
    new = format_number(diagram.after[canonical], diagram.precision)
    return f"{marked(symbol)}: {old} → {styled(new, bold=True)}"


# ---- weights -------------------------------------------------------------------------------
def _emit_weights(
    dot: Picture,
    mlp: MLP,
    layer: int,
    indices: range | list[int],
    diagram: Diagram,
    name: Namer,
) -> None:
    """Each weight as a box on its edge: source → [w = …] → neuron.

    The boxes stand in one column ordered by the neuron they feed, then by source (W₁₁, W₁₂, …,
    W₂₁, …): the edges into each neuron then come from adjacent boxes and never cross near an
    arrowhead; the crossings of a fully connected layer all fall on the arrowless source side.
    """
    boxes = []
    with dot.subgraph(name=f"weights{layer}") as column:
        column.attr(rank="same")
        for j in indices:
            unit = mlp.layers[layer - 1].neurons[j]
            for i, weight in enumerate(unit.weights):
                box = f"w{layer}_{j}_{i}"
                shown = _weight_label(name, f"W{layer}[{j},{i}]", weight.data, diagram)
                column.node(box, **shown, **_WEIGHT_BOX)
                boxes.append((box, i, j))
        for (upper, _, _), (lower, _, _) in itertools.pairwise(boxes):
            column.edge(upper, lower, style="invis")  # in LR a flat edge's tail stands above
    for box, i, j in boxes:
        dot.edge(node_id(layer - 1, i), box, arrowhead="none")
        dot.edge(box, node_id(layer, j))


_WEIGHT_BOX = {
    "shape": "box",
    "style": "filled",
    "fillcolor": "#ffffff",
    "fontcolor": "#1a1a1a",
    "color": "#bdbdbd",
}


def _weight_label(name: Namer, canonical: str, weight: float, diagram: Diagram) -> dict[str, str]:
    """The weight (or old → new), then Δ after an update and ∂L/∂w when known, on white."""
    rows = [_parameter(name(canonical), canonical, weight, diagram)]
    if canonical in diagram.after:
        step = diagram.after[canonical] - weight
        rows.append(styled(f"Δ = {format_number(step, diagram.precision)}", ink=GRAD_INK))
    grad = diagram.number(f"dL_d{canonical}")
    if grad is not None:
        rows.append(styled(f"{styled('grad', italic=True)} {grad}", ink=GRAD_INK))
    return text(*rows)

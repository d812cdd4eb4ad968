"""Build the network diagram of an ``MLP`` (inputs → layers, a weight on every edge) as a Digraph.

Everything is addressed by canonical names — ``x[i]``, ``W1[j,i]``, ``b1[j]``, ``z1[j]``,
``a1[j]``, ``delta1[j]``, ``dL_dW1[j,i]``, ``dL_db1[j]`` (layer 1-based, indices 0-based) — which
``notation`` maps to display symbols and ``values`` maps to numbers. Pure: nothing runs Graphviz.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import TYPE_CHECKING

import graphviz  # type: ignore[import-untyped]  # the package ships no type information

from microgradnet._render_backend import RenderError
from microgradnet._render_text import FONT, format_number, plain_label

if TYPE_CHECKING:
    from microgradnet.nn import MLP, Neuron, Trace

__all__ = ["DEFAULT_MAX_EDGES", "Diagram", "build_network_diagram", "network_values"]

#: Above this many weights the full diagram is refused with advice to draw one neuron.
DEFAULT_MAX_EDGES = 1000

_FILL = {"input": "#e2f0d9", "hidden": "#fff2cc", "output": "#f8d7d5"}


@dataclass(frozen=True)
class Diagram:
    """The inputs of a network diagram: names, numbers and how to print them."""

    notation: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, float] = field(default_factory=dict)
    precision: int = 4

    def name(self, canonical: str) -> str:
        return self.notation.get(canonical, canonical)

    def number(self, canonical: str) -> str | None:
        value = self.values.get(canonical)
        return None if value is None else format_number(value, self.precision)


def build_network_diagram(
    mlp: MLP,
    diagram: Diagram,
    neuron: tuple[int, int] | None = None,
    max_edges: int = DEFAULT_MAX_EDGES,
) -> graphviz.Digraph:
    """Inputs → hidden → output neurons, or with ``neuron=(layer, j)`` what feeds that neuron.

    Raises:
        ValueError: ``neuron`` names no neuron of ``mlp``.
        TypeError: a value is not a real number.
        RenderError: the full diagram would have more than ``max_edges`` weights.
    """
    _check_values(diagram.values)
    dot = graphviz.Digraph(
        "network",
        graph_attr={"rankdir": "LR", "fontname": FONT, "nodesep": "0.4", "ranksep": "1.6"},
        node_attr={"fontname": FONT, "fontsize": "12", "style": "filled"},
        edge_attr={"fontname": FONT, "fontsize": "10", "arrowsize": "0.7", "decorate": "true"},
    )
    if neuron is not None:
        layer, j = _check_neuron(mlp, neuron)
        _emit_sources(dot, mlp, layer, diagram)
        _emit_layer(dot, mlp, layer, [j], diagram)
        return dot
    n_edges = sum(len(n.weights) for layer in mlp.layers for n in layer.neurons)
    if n_edges > max_edges:
        raise RenderError(
            f"the network has {n_edges} weights, more than max_edges={max_edges}; "
            "draw the sub-network of one neuron with neuron=(layer, j), or raise max_edges"
        )
    _emit_sources(dot, mlp, 1, diagram)
    for layer in range(1, len(mlp.layers) + 1):
        _emit_layer(dot, mlp, layer, range(len(mlp.layers[layer - 1].neurons)), diagram)
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


def _check_values(values: Mapping[str, float]) -> None:
    for name, value in values.items():
        if not isinstance(value, Real) or isinstance(value, bool):
            raise TypeError(
                f"values[{name!r}] must be a real number, got {type(value).__name__}: {value!r}"
            )


def _check_neuron(mlp: MLP, neuron: tuple[int, int]) -> tuple[int, int]:
    layer, j = neuron
    sizes = [len(layer_.neurons) for layer_ in mlp.layers]
    if not 1 <= layer <= len(sizes) or not 0 <= j < sizes[layer - 1]:
        raise ValueError(
            f"neuron={neuron!r} is not in this network: layers are 1..{len(sizes)} "
            f"(1-based) with sizes {sizes}, neurons 0-based"
        )
    return layer, j


def _source_names(mlp: MLP, layer: int) -> list[str]:
    """Canonical names of what feeds ``layer``: the inputs, or the previous layer's activations."""
    if layer == 1:
        return [f"x[{i}]" for i in range(mlp.n_inputs)]
    return [f"a{layer - 1}[{i}]" for i in range(len(mlp.layers[layer - 2].neurons))]


def _node_id(canonical: str) -> str:
    return canonical.replace("[", "_").replace("]", "")


def _emit_sources(dot: graphviz.Digraph, mlp: MLP, layer: int, diagram: Diagram) -> None:
    """The column feeding ``layer``: inputs when layer 1, else that whole previous layer."""
    if layer > 1:
        _emit_layer_nodes(dot, mlp, layer - 1, range(len(mlp.layers[layer - 2].neurons)), diagram)
        return
    with dot.subgraph(name="cluster_inputs") as column:
        column.attr(label="inputs", style="rounded", color="#e0e0e0", fontsize="11")
        for name in _source_names(mlp, 1):
            lines = [_equation(diagram, name)]
            column.node(_node_id(name), plain_label("\n".join(lines)), **_shape(lines, "input"))


def _emit_layer(
    dot: graphviz.Digraph, mlp: MLP, layer: int, indices: range | list[int], diagram: Diagram
) -> None:
    """The neurons ``indices`` of ``layer`` and, for each, an edge per weight labelled with it."""
    _emit_layer_nodes(dot, mlp, layer, indices, diagram)
    sources = _source_names(mlp, layer)
    for j in indices:
        unit = mlp.layers[layer - 1].neurons[j]
        for i, weight in enumerate(unit.weights):
            dot.edge(
                _node_id(sources[i]),
                _node_id(f"a{layer}[{j}]"),
                label=plain_label(_weight_text(diagram, f"W{layer}[{j},{i}]", weight.data)),
            )


def _emit_layer_nodes(
    dot: graphviz.Digraph, mlp: MLP, layer: int, indices: range | list[int], diagram: Diagram
) -> None:
    last = layer == len(mlp.layers)
    activation = mlp.layers[layer - 1].activation
    with dot.subgraph(name=f"cluster_layer{layer}") as column:
        title = "output layer" if last else f"hidden layer {layer}"
        column.attr(
            label=f"{title} ({activation})", style="rounded", color="#e0e0e0", fontsize="11"
        )
        for j in indices:
            lines = _neuron_lines(diagram, layer, j, mlp.layers[layer - 1].neurons[j])
            column.node(
                _node_id(f"a{layer}[{j}]"),
                plain_label("\n".join(lines)),
                **_shape(lines, "output" if last else "hidden"),
            )


def _neuron_lines(diagram: Diagram, layer: int, j: int, unit: Neuron) -> list[str]:
    """Name (= a), then z, the bias, δ and ∂L/∂b when known."""
    lines = [_equation(diagram, f"a{layer}[{j}]")]
    z, delta, bias_grad = f"z{layer}[{j}]", f"delta{layer}[{j}]", f"dL_db{layer}[{j}]"
    if z in diagram.values:
        lines.append(_equation(diagram, z))
    if unit.bias is not None:
        bias = format_number(unit.bias.data, diagram.precision)
        lines.append(f"{diagram.name(f'b{layer}[{j}]')} = {bias}")
    if delta in diagram.values:
        lines.append(f"{diagram.notation.get(delta, 'δ')} = {diagram.number(delta)}")
    if bias_grad in diagram.values:
        lines.append(f"∂L/∂b = {diagram.number(bias_grad)}")
    return lines


def _equation(diagram: Diagram, canonical: str) -> str:
    """``name = value`` when a value is given, else just the name."""
    number = diagram.number(canonical)
    return diagram.name(canonical) if number is None else f"{diagram.name(canonical)} = {number}"


def _weight_text(diagram: Diagram, canonical: str, weight: float) -> str:
    text = f"{diagram.name(canonical)} = {format_number(weight, diagram.precision)}"
    grad = diagram.number(f"dL_d{canonical}")
    return text if grad is None else f"{text}\n∂L/∂w = {grad}"


def _shape(lines: list[str], kind: str) -> dict[str, str]:
    shape = "circle" if len(lines) == 1 and len(lines[0]) <= 6 else "ellipse"
    return {"shape": shape, "fillcolor": _FILL[kind]}

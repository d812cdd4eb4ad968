"""The pictures of a worked example, by kind: what ``graph`` and ``walkthrough --graph`` draw.

One thin adapter between the example (its network, loss and notation) and the render functions,
so the command line only chooses a kind and passes the layout options through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microgradnet import render
from microgradnet.walkthrough import autograd_graph

if TYPE_CHECKING:
    from microgradnet.example import Example

__all__ = ["KINDS", "example_figure", "example_names"]

KINDS = ("computation", "network", "backward", "update")


def example_figure(
    example: Example, kind: str, *, neuron: tuple[int, int] | None = None, **layout: Any
) -> render.Picture:
    """The example's picture of ``kind`` (see :data:`KINDS`); ``layout`` goes to the render call
    (font_size, direction, size, precision, and for "computation" view, max_depth, max_nodes,
    color_by_grad)."""
    mlp, loss = autograd_graph(example)
    names = example_names(example)
    if kind == "network":
        return render.network_diagram(mlp, notation=names, neuron=neuron, **layout)
    if kind == "backward":
        return render.backward_graph(loss, mlp=mlp, notation=names, **layout)
    if kind == "update":
        return _update(example, names, layout)
    return render.computation_graph(loss, mlp=mlp, notation=names, **layout)


def _update(example: Example, names: dict[str, str], layout: dict[str, Any]) -> render.Picture:
    """The network after the example's one SGD step, with the loss before and after it."""
    from microgradnet.losses import LOSSES
    from microgradnet.nn import MLP

    mlp, loss = autograd_graph(example)
    lr = example.learning_rate
    weights = [
        [[w.data - lr * w.grad for w in unit.weights] for unit in layer.neurons]
        for layer in mlp.layers
    ]
    biases = [
        None
        if layer.neurons[0].bias is None
        else [
            unit.bias.data - lr * unit.bias.grad for unit in layer.neurons if unit.bias is not None
        ]
        for layer in mlp.layers
    ]
    updated = MLP.from_weights(weights, biases, mlp.activations)
    after = LOSSES[example.loss](updated.trace(list(example.inputs)).output, list(example.targets))
    return render.update_diagram(
        mlp,
        learning_rate=lr,
        loss_before=loss.data,
        loss_after=after.data,
        notation=names,
        **layout,
    )


def example_names(example: Example) -> dict[str, str]:
    """Every quantity of the example's network in the example's own symbols (text form)."""
    keys = ["L"] + [f"x[{i}]" for i in range(len(example.inputs))]
    keys += [f"t[{k}]" for k in range(len(example.targets))]
    for l, layer in enumerate(example.layers, start=1):
        for j, row in enumerate(layer.weights):
            keys += [f"z{l}[{j}]", f"a{l}[{j}]", f"delta{l}[{j}]"]
            keys += [f"W{l}[{j},{i}]" for i in range(len(row))]
            keys += [] if layer.biases is None else [f"b{l}[{j}]"]
    return {key: example.notation(key).text for key in keys}

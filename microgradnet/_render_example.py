"""The pictures of a worked example, by kind: what ``graph`` and ``walkthrough --graph`` draw.

One thin adapter between the example (its network, loss and notation) and the render functions,
so the command line only chooses a kind and passes the layout options through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microgradnet import render
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.autograd import autograd_graph
from microgradnet.tutorial.walkthrough import run

if TYPE_CHECKING:
    from microgradnet.tutorial.format import Example

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
    """The network after the example's worked step, with the loss before and after it.

    The new parameters and the new loss are the equation model's, so the example's own
    conventions hold (parameters held fixed stay put, δ's sign, the update rule).
    """
    mlp, _ = autograd_graph(example)
    values = run(example).values
    new = {str(key): values[k.parse(f"{key}_new")] for key, _ in mlp.named_parameters()}
    return render.update_diagram(
        mlp,
        learning_rate=example.learning_rate,
        loss_before=values[k.LOSS],
        loss_after=values[k.parse("L_new")],
        notation=names,
        new_values=new,
        **layout,
    )


def example_names(example: Example) -> dict[str, str]:
    """Every quantity of the example's network in the example's own symbols (text form)."""
    keys = ["L"] + [f"x[{i}]" for i in range(len(example.inputs))]
    keys += [f"t[{k}]" for k in range(len(example.targets))]
    shared: dict[str, str] = {}  # a layer's one shared bias: every neuron shows b{l}[0]'s symbol
    for l, layer in enumerate(example.layers, start=1):
        for j, row in enumerate(layer.weights):
            keys += [f"z{l}[{j}]", f"a{l}[{j}]", f"delta{l}[{j}]"]
            keys += [f"W{l}[{j},{i}]" for i in range(len(row))]
            if layer.biases is not None and layer.shared and j > 0:
                shared[f"b{l}[{j}]"] = f"b{l}[0]"
            elif layer.biases is not None:
                keys.append(f"b{l}[{j}]")
    names = {key: example.notation(key).text for key in keys}
    return names | {key: names[first] for key, first in shared.items()}

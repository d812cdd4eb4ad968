"""Write a network diagram as a TikZ picture, to drop into a LaTeX document or a Beamer frame.

The output is one ``tikzpicture`` environment needing only ``\\usepackage{tikz}``: a column of
circles per layer in index order, symbols in math mode (the document's, else the 1-based
defaults), each weight written on its own edge near its source (white behind it), biases under their neuron.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microgradnet._render_names import Namer, namer
from microgradnet._render_text import format_number
from microgradnet.tutorial.notation import latex_from_text

if TYPE_CHECKING:
    from microgradnet._render_network import Diagram
    from microgradnet.nn import MLP

__all__ = ["network_tikz"]

_COLUMN_CM = 4.2
_ROW_CM = 2.1


def network_tikz(mlp: MLP, diagram: Diagram, neuron: tuple[int, int] | None = None) -> str:
    """The diagram of ``mlp`` (or of what feeds ``neuron``) as TikZ source."""
    name = namer(diagram.notation, mlp)
    sizes = [mlp.n_inputs, *(len(layer.neurons) for layer in mlp.layers)]
    shown = {l: list(range(n)) for l, n in enumerate(sizes)}
    if neuron is not None:
        layer, j = neuron
        shown = {layer - 1: list(range(sizes[layer - 1])), layer: [j]}
    lines = [
        "% microgradnet network diagram; needs \\usepackage{tikz}",
        "\\begin{tikzpicture}[",
        "  neuron/.style={circle, draw, thick, minimum size=9mm, inner sep=1pt},",
        "  weight/.style={font=\\scriptsize, fill=white, inner sep=1pt},",
        "]",
    ]
    for layer, indices in shown.items():
        lines += _column(layer, indices, name, mlp, diagram)
    for layer in list(shown)[1:]:
        lines += _weights(layer, shown[layer], name, mlp, diagram)
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines) + "\n"


def _math(text: str) -> str:
    return "$" + latex_from_text(text) + "$"


def _number(x: float, diagram: Diagram) -> str:
    return format_number(x, diagram.precision).replace("−", "-")


def _column(layer: int, indices: list[int], name: Namer, mlp: MLP, diagram: Diagram) -> list[str]:
    lines = []
    for row, j in enumerate(indices):
        y = -_ROW_CM * (row - (len(indices) - 1) / 2)
        canonical = f"x[{j}]" if layer == 0 else f"a{layer}[{j}]"
        node = f"L{layer}N{j}"
        lines.append(
            f"\\node[neuron] ({node}) at ({_COLUMN_CM * layer:.2f}, {y:.2f}) "
            f"{{{_math(name(canonical))}}};"
        )
        bias = None if layer == 0 else mlp.layers[layer - 1].neurons[j].bias
        if bias is not None:
            symbol = _math(name(f"b{layer}[{j}]"))
            lines.append(
                f"\\node[font=\\scriptsize, anchor=north] at ({node}.south) "
                f"{{{symbol} $= {_number(bias.data, diagram)}$}};"
            )
    return lines


def _weights(layer: int, indices: list[int], name: Namer, mlp: MLP, diagram: Diagram) -> list[str]:
    lines = []
    for j in indices:
        unit = mlp.layers[layer - 1].neurons[j]
        for i, weight in enumerate(unit.weights):
            symbol = _math(name(f"W{layer}[{j},{i}]"))
            lines.append(
                f"\\draw[->] (L{layer - 1}N{i}) -- node[weight, pos=0.22] "
                f"{{{symbol} $= {_number(weight.data, diagram)}$}} (L{layer}N{j});"
            )
    return lines

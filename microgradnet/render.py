"""Draw computation graphs, backward passes and network diagrams; write SVG, PNG, PDF, DOT or TikZ.

Building a picture is pure Python and returns a :class:`Picture` (a ``graphviz.Digraph``; read
``.source`` for the DOT text) that shows itself in Jupyter with or without the ``dot`` program.
Only :func:`write` and :func:`to_svg` run Graphviz: the ``dot`` program when it is on ``PATH``,
else an embedded route that needs no system package (Graphviz compiled to WebAssembly; vl-convert
for PNG and PDF) — see ``microgradnet._render_backend``.

Every picture takes the same layout keywords: ``font_size`` (points), ``direction`` ("LR" or
"TB"), ``size`` ("slide" = 10 × 5.625 in, "paper" = 6.5 × 9 in, or (width, height) in inches; the
drawing is shrunk to fit) and ``precision`` (significant digits); :func:`write` takes ``dpi``.

:func:`step_through` makes a self-contained HTML page that replays backprop node by node;
:func:`write` saves it as ``.html``, or as an animated ``.gif`` / ``.apng`` for slides.

    >>> from microgradnet.render import computation_graph, write
    >>> write(computation_graph(loss), "loss.png")   # doctest: +SKIP
    'wasm+vl-convert'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import graphviz  # type: ignore[import-untyped]  # the package ships no type information

from microgradnet._render_animation import DEFAULT_MAX_FRAMES, PAGE_FORMATS, write_page
from microgradnet._render_backend import (
    DEFAULT_DPI,
    FORMATS,
    Picture,
    RenderError,
    Route,
    TooLargeError,
    render_bytes,
    route_for,
    write_bytes,
)
from microgradnet._render_graph import (
    DEFAULT_MAX_NODES,
    Direction,
    GraphOptions,
    Layout,
    build_computation_graph,
)
from microgradnet._render_html import StepThrough, build_page, document_notes
from microgradnet._render_network import (
    DEFAULT_MAX_EDGES,
    Diagram,
    build_network_diagram,
    check_values,
    network_values,
)
from microgradnet._render_neurons import build_neuron_graph
from microgradnet._render_tikz import network_tikz

if TYPE_CHECKING:
    from microgradnet.engine import Value
    from microgradnet.nn import MLP
    from microgradnet.tutorial.walkthrough import Walkthrough

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_MAX_EDGES",
    "DEFAULT_MAX_FRAMES",
    "DEFAULT_MAX_NODES",
    "PAGE_FORMATS",
    "SIZES",
    "Picture",
    "RenderError",
    "StepThrough",
    "TooLargeError",
    "backward_graph",
    "computation_graph",
    "network_diagram",
    "network_tikz",
    "network_values",
    "route_for",
    "step_through",
    "to_svg",
    "update_diagram",
    "write",
]

#: Named page sizes in inches: a 16:9 slide, and the text block of a letter/A4 page.
SIZES: dict[str, tuple[float, float]] = {"slide": (10.0, 5.625), "paper": (6.5, 9.0)}

Size = Literal["slide", "paper"] | tuple[float, float] | None
View = Literal["value", "neuron"]


def computation_graph(
    root: Value,
    *,
    show_grad: bool = True,
    precision: int = 4,
    highlight: bool = True,
    color_by_grad: bool = False,
    mlp: MLP | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int | None = None,
    notation: Mapping[str, str] | None = None,
    view: View = "value",
    by_sample: bool = False,
    font_size: float = 14.0,
    direction: Direction = "LR",
    size: Size = None,
) -> Picture:
    """The computation graph of ``root``, drawn left to right.

    One box per value (name and op | data | grad), one edge per operand occurrence (``a * a``
    has two), operands of ``-``, ``/`` and ``**`` marked a/b or base/exponent. Numbers have
    ``precision`` significant digits and switch to e-notation when small.

    Args:
        show_grad: include each value's ``.grad`` (in its own colour, never read as data).
        highlight: colour the loss (red), parameters (blue), inputs (green) and constants
            (dashed; a constant labelled with a role word such as "target" shows its role).
        color_by_grad: fill each value by the sign and log10 |grad| on a colour-blind-safe
            diverging scale (blue < 0 < red), with a key; text keeps 4.5:1 contrast on every fill.
        mlp: name the values in 1-based symbols and group each neuron's values (W, b, w·x, z, a)
            into a cluster per neuron inside a cluster per layer (the inputs with layer 1).
        max_nodes: refuse to draw more boxes than this (Graphviz slows down past a few
            thousand), with a TooLargeError naming a ``max_depth`` that fits.
        max_depth: draw only values at most this many operations away from ``root``; everything
            beyond collapses into one "… N more values" box.
        notation: display names for labels (``{"W1[0,0]": "w_{x1→h1}", "a1[0]": "h₁"}``), drawn
            with real subscripts; other labels get the default symbols when ``mlp`` is given.
        view: "value" (every value) or "neuron" (one box per neuron; needs ``mlp``).
        by_sample: with view="neuron", one cluster per sample of a batch loss.
        font_size, direction, size: see the module docstring.

    Raises:
        TooLargeError: the graph is larger than ``max_nodes``.
        TypeError, ValueError: an argument has the wrong type or value (the message names it).
    """
    _check_root(root)
    options = GraphOptions(
        show_grad,
        _precision(precision),
        highlight,
        color_by_grad,
        max_nodes,
        max_depth,
        _notation(notation),
        _layout(font_size, direction, size),
    )
    if view == "neuron":
        if mlp is None:
            raise ValueError("view='neuron' needs mlp= (the network whose neurons to draw)")
        return build_neuron_graph(root, mlp, options, by_sample=by_sample)
    if view != "value":
        raise ValueError(f"view must be 'value' or 'neuron', got {view!r}")
    return build_computation_graph(root, options, mlp)


def backward_graph(
    root: Value,
    *,
    precision: int = 4,
    mlp: MLP | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int | None = None,
    notation: Mapping[str, str] | None = None,
    font_size: float = 14.0,
    direction: Direction = "TB",
    size: Size = None,
) -> Picture:
    """The backward pass of ``root`` (after ``root.backward()``): the chain rule on every edge.

    Each edge, drawn dashed in the gradient colour and pointing back from result to operand,
    reads ``local derivative × upstream gradient = contribution``; a value used more than once
    shows ``Σ = …``, the sum of the contributions on its edges. Drawn top to bottom (inputs at the
    top, the loss at the bottom), which suits the long edge labels; other arguments as in
    :func:`computation_graph`.
    """
    _check_root(root)
    options = GraphOptions(
        True,
        _precision(precision),
        True,
        False,
        max_nodes,
        max_depth,
        _notation(notation),
        _layout(font_size, direction, size),
        backward=True,
    )
    return build_computation_graph(root, options, mlp)


def network_diagram(
    mlp: MLP,
    *,
    notation: Mapping[str, str] | None = None,
    values: Mapping[str, float] | None = None,
    neuron: tuple[int, int] | None = None,
    precision: int = 4,
    max_edges: int = DEFAULT_MAX_EDGES,
    font_size: float = 14.0,
    direction: Direction = "LR",
    size: Size = None,
) -> Picture:
    """The network as a diagram: inputs → hidden layers → output, each weight a box on its edge.

    Args:
        notation: display names for canonical ones, e.g. ``{"x[0]": "x₁", "a1[0]": "h₁",
            "W1[0,0]": "w_{x1→h1}"}``. Names not in it get the default 1-based symbols
            (``W⁽¹⁾₁₁``, ``a⁽¹⁾₁``, ``y``).
        values: numbers to show after a pass, by canonical name: ``x[i]``, ``z1[j]``, ``a1[j]``,
            ``delta1[j]``, ``dL_dW1[j,i]``, ``dL_db1[j]`` (see :func:`network_values`). Other
            keys are ignored, so a whole walkthrough record may be passed.
        neuron: ``(layer, j)`` with layer 1-based and j 0-based: draw only the sub-network
            that feeds that neuron (its inputs, its weights, the neuron).
        max_edges: refuse a full diagram with more weights than this (draw one ``neuron``).
        precision, font_size, direction, size: see the module docstring.

    Raises:
        TypeError, ValueError: an argument has the wrong type or value (the message names it).
        TooLargeError: the network has more than ``max_edges`` weights.
    """
    diagram = Diagram(
        _notation(notation),
        check_values(values if values is not None else {}),
        _precision(precision),
        _layout(font_size, direction, size),
    )
    picture = build_network_diagram(_check_mlp(mlp), diagram, _neuron(neuron), max_edges)
    picture.tikz = network_tikz(mlp, diagram, _neuron(neuron))
    return picture


def update_diagram(
    mlp: MLP,
    *,
    learning_rate: float,
    loss_before: float,
    loss_after: float,
    notation: Mapping[str, str] | None = None,
    new_values: Mapping[str, float] | None = None,
    precision: int = 4,
    font_size: float = 14.0,
    direction: Direction = "LR",
    size: Size = None,
) -> Picture:
    """The network after one SGD step: each parameter ``old → new`` and ``Δ = −η·∂L/∂θ``.

    ``mlp`` holds the parameters before the step, with their gradients (after ``backward()``);
    each new value is ``θ − η·θ.grad``, computed exactly as ``SGD.step()`` does, unless
    ``new_values`` gives it (by parameter name: an example's own update rule, fixed parameters).
    The title shows the loss before → after (``loss_after``: the updated network's, from the
    caller).
    """
    _check_mlp(mlp)
    lr = _number(learning_rate, "learning_rate")
    after = {name: p.data - lr * p.grad for name, p in mlp.named_parameters()}
    after.update({} if new_values is None else check_values(new_values, "new_values"))
    diagram = Diagram(
        _notation(notation),
        {},
        _precision(precision),
        _layout(font_size, direction, size),
        after,
    )
    picture = build_network_diagram(mlp, diagram, None, DEFAULT_MAX_EDGES)
    before, now = (format_loss(x, diagram.precision) for x in (loss_before, loss_after))
    picture.attr(label=f"after one update, η = {lr:g}:  loss {before} → {now}", labelloc="t")
    return picture


def format_loss(x: float, precision: int) -> str:
    from microgradnet._render_text import format_number

    return format_number(_number(x, "loss"), precision)


def step_through(
    source: Value | Walkthrough, *, precision: int = 4, route: Route = "auto"
) -> StepThrough:
    """A self-contained page that steps through ``source``'s forward and backward pass.

    ``source`` is a value after ``backward()`` (its computation graph is replayed) or a
    walkthrough (its example's graph, with the document's equations and printed numbers beside
    the steps). The page displays inline in Jupyter; ``write(page, "x.html")`` saves it.

    Raises:
        ValueError: ``source`` has no gradients yet.
        TypeError: ``source`` is neither a Value nor a Walkthrough.
        RenderError: the graph is too large to draw, or cannot be rendered here.
    """
    from microgradnet.engine import Value
    from microgradnet.tutorial.walkthrough import Walkthrough

    if isinstance(source, Walkthrough):
        doc = document_notes(source)
        graph = computation_graph(doc.loss, precision=precision, mlp=doc.mlp, notation=doc.names)
        svg = to_svg(graph, route=route)
        return build_page(
            doc.loss, svg, title=doc.title, names=doc.names, precision=precision, notes=doc.notes
        )
    if not isinstance(source, Value):
        raise TypeError(f"step_through needs a Value or a Walkthrough, got {type(source).__name__}")
    svg = to_svg(computation_graph(source, precision=precision), route=route)
    title = source.label or "computation graph"
    return build_page(source, svg, title=title, names={}, precision=precision)


def write(
    graph: graphviz.Digraph | graphviz.Graph | StepThrough,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    route: Route = "auto",
    max_frames: int = DEFAULT_MAX_FRAMES,
    dpi: float = DEFAULT_DPI,
) -> str:
    """Write ``graph`` to ``path`` in the format its suffix names; return the route used.

    ``.svg``, ``.png`` (at ``dpi``, default 192: twice Graphviz's 96) and ``.pdf`` are rendered;
    ``.dot`` and ``.gv`` get the DOT source; ``.tex`` gets the TikZ picture of a network
    diagram. The route is "dot" (the Graphviz program on PATH), "wasm" (embedded Graphviz, SVG),
    "wasm+vl-convert" (embedded Graphviz, then vl-convert for PNG/PDF) or "source".
    ``route="embedded"`` skips the ``dot`` program; ``route="dot"`` insists on it.

    A :class:`StepThrough` page is written as ``.html``, or animated as ``.gif`` / ``.apng``
    (one frame per step, refused beyond ``max_frames``; route "html" or "vl-convert+pillow").

    The file is written atomically (a temporary file beside it, then a rename), so a failed render
    never destroys an existing file. An existing file is replaced only with ``overwrite=True``.

    Raises:
        RenderError: unknown suffix, file exists, folder missing or unwritable, no route for the
            format on this machine, or Graphviz rejected the graph. One line, saying what to do.
        TypeError, ValueError: ``graph``, ``route`` or ``dpi`` is not what is expected.
    """
    target = Path(path)
    if isinstance(graph, StepThrough):
        return write_page(graph, target, overwrite=overwrite, max_frames=max_frames)
    _check_graph(graph)
    suffix = target.suffix.lower()
    if suffix == ".tex":
        write_bytes(_tikz_of(graph).encode("utf-8"), target, overwrite=overwrite)
        return "tikz"
    fmt = FORMATS.get(suffix)
    if fmt is None and suffix in PAGE_FORMATS:
        raise RenderError(
            f"cannot write {str(target)!r}: pass render.step_through(value) for a page"
        )
    if fmt is None:
        known = ", ".join([*FORMATS, ".tex"])
        raise RenderError(
            f"cannot write {str(target)!r}: unknown suffix {target.suffix or '(none)'!r}; "
            f"use {known}"
        )
    data, used = render_bytes(graph.source, fmt, route=_route(route), dpi=_dpi(dpi))
    write_bytes(data, target, overwrite=overwrite)
    return used


def to_svg(graph: graphviz.Digraph | graphviz.Graph, *, route: Route = "auto") -> str:
    """``graph`` rendered as SVG text (for notebooks and web pages).

    Raises:
        RenderError: Graphviz rejected the graph, or no SVG route exists here.
    """
    _check_graph(graph)
    data, _ = render_bytes(graph.source, "svg", route=_route(route))
    return data.decode("utf-8")


# ---- argument checks: each names the argument, what it got and what it expects --------------
def _check_root(root: object) -> None:
    from microgradnet.engine import Value

    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value (e.g. a loss), got {type(root).__name__}")


def _check_mlp(mlp: object) -> MLP:
    from microgradnet.nn import MLP

    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp must be an MLP, got {type(mlp).__name__}")
    return mlp


def _check_graph(graph: object) -> None:
    if not isinstance(graph, (graphviz.Digraph, graphviz.Graph, graphviz.Source)):
        raise TypeError(
            "graph must be a picture from computation_graph, network_diagram, ... "
            f"(a graphviz Digraph), got {type(graph).__name__}"
        )


def _tikz_of(graph: object) -> str:
    tikz = getattr(graph, "tikz", None)
    if not isinstance(tikz, str):
        raise RenderError("only a network diagram can be written as .tex (TikZ); use .svg or .pdf")
    return tikz


def _number(x: object, argument: str) -> float:
    if not isinstance(x, Real) or isinstance(x, bool):
        raise TypeError(f"{argument} must be a real number, got {type(x).__name__}: {x!r}")
    return float(x)


def _precision(precision: object) -> int:
    if not isinstance(precision, int) or isinstance(precision, bool):
        raise TypeError(f"precision must be an int (1 to 17), got {type(precision).__name__}")
    if not 1 <= precision <= 17:
        raise ValueError(f"precision must be 1 to 17 significant digits, got {precision}")
    return precision


def _notation(notation: object) -> dict[str, str]:
    if notation is None:
        return {}
    if not isinstance(notation, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in notation.items()
    ):
        raise TypeError(
            "notation must map names to symbols (str to str), "
            f"got {type(notation).__name__}: {notation!r:.60}"
        )
    return dict(notation)


def _neuron(neuron: object) -> tuple[int, int] | None:
    if neuron is None:
        return None
    if (
        not isinstance(neuron, tuple)
        or len(neuron) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in neuron)
    ):
        raise TypeError(f"neuron must be a pair (layer, j) of ints, got {neuron!r}")
    return neuron


def _layout(font_size: object, direction: object, size: object) -> Layout:
    font = _number(font_size, "font_size")
    if not 4 <= font <= 72:
        raise ValueError(f"font_size must be 4 to 72 points, got {font:g}")
    if direction not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"direction must be 'LR', 'TB', 'RL' or 'BT', got {direction!r}")
    return Layout(font, direction, _size(size))


def _size(size: object) -> tuple[float, float] | None:
    if size is None:
        return None
    if isinstance(size, str) and size in SIZES:
        return SIZES[size]
    if isinstance(size, tuple) and len(size) == 2:
        width, height = (_number(s, "size") for s in size)
        if width > 0 and height > 0:
            return width, height
    raise ValueError(
        f"size must be 'slide', 'paper' or (width, height) in inches, both > 0, got {size!r}"
    )


def _route(route: object) -> Route:
    if route not in ("auto", "dot", "embedded"):
        raise ValueError(f"route must be 'auto', 'dot' or 'embedded', got {route!r}")
    return route


def _dpi(dpi: object) -> float:
    value = _number(dpi, "dpi")
    if not 18 <= value <= 1200:
        raise ValueError(f"dpi must be 18 to 1200, got {value:g}")
    return value

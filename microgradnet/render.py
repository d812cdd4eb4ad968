"""Draw computation graphs and network diagrams, and write them as SVG, PNG, PDF or DOT.

:func:`step_through` makes a self-contained HTML page that replays backprop node by node;
:func:`write` saves it as ``.html``, or as an animated ``.gif`` / ``.apng`` for slides.

Building a picture is pure Python and returns a ``graphviz.Digraph`` (read ``.source`` for the
DOT text); only :func:`write` and :func:`to_svg` run Graphviz. They use the ``dot`` program when it
is on ``PATH`` and otherwise an embedded route that needs no system package (Graphviz compiled to
WebAssembly; vl-convert for PNG and PDF) — see ``microgradnet._render_backend``.

    >>> from microgradnet.render import computation_graph, write
    >>> write(computation_graph(loss), "loss.png")   # doctest: +SKIP
    'wasm+vl-convert'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import graphviz  # type: ignore[import-untyped]  # the package ships no type information

from microgradnet._render_animation import DEFAULT_MAX_FRAMES, PAGE_FORMATS, write_page
from microgradnet._render_backend import (
    FORMATS,
    RenderError,
    Route,
    render_bytes,
    route_for,
    write_bytes,
)
from microgradnet._render_graph import DEFAULT_MAX_NODES, GraphOptions, build_computation_graph
from microgradnet._render_html import StepThrough, build_page, document_notes
from microgradnet._render_network import (
    DEFAULT_MAX_EDGES,
    Diagram,
    build_network_diagram,
    network_values,
)

if TYPE_CHECKING:
    from microgradnet.engine import Value
    from microgradnet.nn import MLP
    from microgradnet.tutorial.walkthrough import Walkthrough

__all__ = [
    "DEFAULT_MAX_EDGES",
    "DEFAULT_MAX_FRAMES",
    "DEFAULT_MAX_NODES",
    "PAGE_FORMATS",
    "RenderError",
    "StepThrough",
    "computation_graph",
    "network_diagram",
    "network_values",
    "route_for",
    "step_through",
    "to_svg",
    "write",
]


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
) -> graphviz.Digraph:
    """The computation graph of ``root``, drawn left to right.

    One record per value (label | data | grad), one ellipse per operation, one edge per operand
    occurrence (``a * a`` has two). Numbers have ``precision`` significant digits and switch to
    e-notation when small, so a gradient of 1.2e-07 never prints as 0.0000.

    Args:
        show_grad: include each value's ``.grad``.
        precision: significant digits of data and grad.
        highlight: colour the loss (``root``, red), parameters (blue), inputs (labelled leaves,
            green) and constants (unlabelled leaves, dashed). Parameters are ``mlp.parameters()``
            when ``mlp`` is given, else leaves labelled like ``W1[0,1]`` or ``b2[0]``.
        color_by_grad: fill each value by log10 |grad| on a pale-to-dark orange scale (zero grad
            stays white); with ``highlight`` the kind is then shown by the border.
        mlp: group the values of each neuron (W, b, the products w·x, z, a) into a cluster per
            neuron inside a cluster per layer, using the labels ``nn`` gives them.
        max_nodes: refuse to build more drawn nodes (values + operations) than this, with a
            RenderError that names a ``max_depth`` that fits (Graphviz slows down past a few
            thousand nodes: 2,000 take seconds).
        max_depth: draw only values at most this many operations away from ``root``; everything
            beyond collapses into one "... N more values" node.
        notation: display names for labels (``{"W1[0,0]": "w_{x1→h1}", "a1[0]": "h_1"}``), e.g. a
            worked example's symbols; labels not in it are shown as they are.

    Raises:
        RenderError: the graph is larger than ``max_nodes``.
        ValueError: ``max_depth`` is negative.
    """
    options = GraphOptions(
        show_grad, precision, highlight, color_by_grad, max_nodes, max_depth, dict(notation or {})
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
) -> graphviz.Digraph:
    """The network as a diagram: inputs → hidden layers → output, each weight on its edge.

    Args:
        notation: display names for canonical ones, e.g. ``{"x[0]": "x1", "a1[0]": "h1",
            "W1[0,0]": "w_{x1→h1}"}``. Names not in it print canonically (``a1[0]``, ``W1[0,0]``).
        values: numbers to show after a pass, by canonical name: ``x[i]``, ``z1[j]``, ``a1[j]``,
            ``delta1[j]``, ``dL_dW1[j,i]``, ``dL_db1[j]`` (see :func:`network_values`). Other
            keys are ignored, so a whole walkthrough record may be passed.
        neuron: ``(layer, j)`` with layer 1-based and j 0-based: draw only the sub-network
            that feeds that neuron (its inputs, its weights, the neuron).
        precision: significant digits of the numbers.
        max_edges: refuse a full diagram with more weights than this (draw one ``neuron``).

    Raises:
        ValueError: ``neuron`` is not in the network.
        TypeError: a value is not a real number.
        RenderError: the network has more than ``max_edges`` weights.
    """
    diagram = Diagram(notation or {}, values or {}, precision)
    return build_network_diagram(mlp, diagram, neuron, max_edges)


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
) -> str:
    """Write ``graph`` to ``path`` in the format its suffix names; return the route used.

    ``.svg``, ``.png`` and ``.pdf`` are rendered; ``.dot`` and ``.gv`` get the DOT source. The
    route is "dot" (the Graphviz program on PATH), "wasm" (embedded Graphviz, SVG),
    "wasm+vl-convert" (embedded Graphviz, then vl-convert for PNG/PDF) or "source".
    ``route="embedded"`` skips the ``dot`` program; ``route="dot"`` insists on it.

    A :class:`StepThrough` page is written as ``.html``, or animated as ``.gif`` / ``.apng``
    (one frame per step, refused beyond ``max_frames``; route "html" or "vl-convert+pillow").

    The file is written atomically (a temporary file beside it, then a rename), so a failed render
    never destroys an existing file. An existing file is replaced only with ``overwrite=True``.

    Raises:
        RenderError: unknown suffix, file exists, folder missing or unwritable, no route for the
            format on this machine, or Graphviz rejected the graph. One line, saying what to do.
    """
    target = Path(path)
    if isinstance(graph, StepThrough):
        return write_page(graph, target, overwrite=overwrite, max_frames=max_frames)
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None and target.suffix.lower() in PAGE_FORMATS:
        raise RenderError(
            f"cannot write {str(target)!r}: pass render.step_through(value) for a page"
        )
    if fmt is None:
        known = ", ".join(FORMATS)
        raise RenderError(
            f"cannot write {str(target)!r}: unknown suffix {target.suffix or '(none)'!r}; "
            f"use {known}"
        )
    data, used = render_bytes(graph.source, fmt, route=route)
    write_bytes(data, target, overwrite=overwrite)
    return used


def to_svg(graph: graphviz.Digraph | graphviz.Graph, *, route: Route = "auto") -> str:
    """``graph`` rendered as SVG text (for notebooks and web pages).

    Raises:
        RenderError: Graphviz rejected the graph, or no SVG route exists here.
    """
    data, _ = render_bytes(graph.source, "svg", route=route)
    return data.decode("utf-8")

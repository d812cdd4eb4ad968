"""Notebook display: fills the engine's display hook with the pictures of ``microgradnet.render``.

Imported by the package, so in Jupyter a ``Value`` shows as its computation graph and an ``MLP``
as its network diagram. The engine and ``nn`` only call the hook; the drawing code (and the
``graphviz`` import) is reached from here, above them, the first time something is displayed.
"""

from __future__ import annotations

from microgradnet import engine

__all__ = ["draw_svg"]


def draw_svg(obj: object) -> str | None:
    """SVG of a Value's graph or an MLP's diagram; None (the text repr) if it cannot be drawn."""
    from microgradnet.nn import MLP
    from microgradnet.render import RenderError, computation_graph, network_diagram, to_svg

    try:
        if isinstance(obj, MLP):
            return to_svg(network_diagram(obj))
        if isinstance(obj, engine.Value):
            return to_svg(computation_graph(obj))
    except RenderError:
        return None
    return None


engine.set_display_hook(draw_svg)

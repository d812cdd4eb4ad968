"""Write a step-through page: as the HTML file itself, or as an animated GIF/APNG for slides.

Each frame is the page's graph SVG in the state of one step (the same fields shown, the same
node highlighted) with the step's arithmetic as a caption underneath, rasterised by vl-convert
(resvg with an embedded font, so no system package is needed) and encoded by Pillow.

An animation holds every frame in memory while it is encoded, so it is refused beyond
``max_frames`` frames (default :data:`DEFAULT_MAX_FRAMES`) or :data:`MAX_PIXELS` pixels in all
frames together; the page itself has no such limit.
"""

from __future__ import annotations

import copy
import io
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from microgradnet._render_backend import write_bytes
from microgradnet._render_html import StepThrough
from microgradnet._render_steps import Num, Step
from microgradnet._render_text import FONT
from microgradnet.errors import FileError, RenderError
from microgradnet.files import check_target

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["DEFAULT_MAX_FRAMES", "MAX_PIXELS", "PAGE_FORMATS", "animation_bytes", "write_page"]

#: Suffix -> what :func:`write_page` writes.
PAGE_FORMATS = {".html": "html", ".htm": "html", ".gif": "gif", ".apng": "apng"}
#: Frames an animation may have unless the caller allows more (one frame per step).
DEFAULT_MAX_FRAMES = 200
#: Pixels in all frames together (one byte each while encoding): a hard limit.
MAX_PIXELS = 250_000_000

_SVG = "http://www.w3.org/2000/svg"
_HOT, _FILL = "#c2410c", "#fde68a"
_LINE_HEIGHT, _CHAR_WIDTH, _CAPTION_LINES = 17, 7.0, 6
_DURATION_MS, _HOLD_MS = 1000, 3000


def write_page(page: StepThrough, path: Path, *, overwrite: bool, max_frames: int) -> str:
    """Write ``page`` to ``path`` (.html/.htm, .gif or .apng); return what wrote it.

    Raises:
        RenderError: unknown suffix, too many frames, the file exists (without ``overwrite``) or
            its folder is missing/unwritable.
    """
    fmt = PAGE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RenderError(
            f"cannot write {str(path)!r}: a step-through page is written as "
            f"{', '.join(PAGE_FORMATS)}, not {path.suffix or '(no suffix)'!r}"
        )
    try:
        check_target(path, overwrite=overwrite)  # before the frames: they take a while
    except FileError as error:
        raise RenderError(str(error)) from None
    if fmt == "html":
        write_bytes(page.html.encode("utf-8"), path, overwrite=overwrite)
        return "html"
    write_bytes(animation_bytes(page, fmt, max_frames=max_frames), path, overwrite=overwrite)
    return "vl-convert+pillow"


def animation_bytes(page: StepThrough, fmt: str, *, max_frames: int = DEFAULT_MAX_FRAMES) -> bytes:
    """The page's steps as an animated ``fmt`` ("gif" or "apng"), one frame per step.

    Raises:
        RenderError: more steps than ``max_frames``, or more than :data:`MAX_PIXELS` pixels.
    """
    if len(page.steps) > max_frames:
        raise RenderError(
            f"the animation would have {len(page.steps)} frames, more than max_frames="
            f"{max_frames}; pass a larger max_frames (--max-frames), or write .html instead"
        )
    frames = _Frames(page)
    total = len(page.steps) * frames.width * frames.height
    if total > MAX_PIXELS:
        raise RenderError(
            f"the animation would be {len(page.steps)} frames of {frames.width}×{frames.height} "
            f"pixels, more than {MAX_PIXELS:,} in all; write .html instead"
        )
    palette = _palette(page)
    images = [frames.image(k, palette) for k in range(len(page.steps))]
    durations = [_DURATION_MS] * len(images)
    durations[0] = durations[-1] = _HOLD_MS
    out = io.BytesIO()
    images[0].save(
        out,
        format="GIF" if fmt == "gif" else "PNG",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
    )
    return out.getvalue()


class _Frames:
    """Replays the steps on one parsed copy of the SVG, as the page's script does."""

    def __init__(self, page: StepThrough) -> None:
        self.page = page
        self.root = ET.fromstring(page.svg)
        self.by_id = {e.get("id"): e for e in self.root.iter() if e.get("id")}
        self.width = round(_points(self.root.get("width")) * 4 / 3)
        self.graph_height = round(_points(self.root.get("height")) * 4 / 3)
        self.columns = max(40, int((self.width - 16) / _CHAR_WIDTH))
        self.height = self.graph_height + _LINE_HEIGHT * _CAPTION_LINES + 12
        self.current = 0

    def image(self, k: int, palette: Image.Image | None = None) -> Image.Image:
        """Frame ``k`` (RGB, or mapped onto ``palette``); call with k = 0, 1, 2, … in turn."""
        from PIL import Image  # only needed for animations

        while self.current < k:
            self.current += 1
            self._reveal(self.page.steps[self.current])
        frame = copy.deepcopy(self.root)
        by_id = {e.get("id"): e for e in frame.iter() if e.get("id")}
        _highlight(by_id, self.page.steps[k])
        png = _rasterise(self._compose(frame, self._caption(k)))
        image = Image.open(io.BytesIO(png)).convert("RGB")
        return (
            image if palette is None else image.quantize(palette=palette, dither=Image.Dither.NONE)
        )

    def _reveal(self, step: Step) -> None:
        which = {"forward": "data", "backward": "grad"}.get(step.phase)
        element = self.by_id.get(f"n{step.node}-{which}")
        texts = self.page.texts[step.node] if step.node >= 0 else None
        shown = None if texts is None else (texts.data if which == "data" else texts.grad)
        if element is not None and shown is not None:
            element.text = shown[0]

    def _caption(self, k: int) -> list[str]:
        step = self.page.steps[k]
        lines = [f"Step {k} of {len(self.page.steps) - 1} · {step.heading}"]
        for row in step.rows:
            text = "".join(part.text if isinstance(part, Num) else part for part in row)
            lines += textwrap.wrap(text, self.columns, subsequent_indent="    ")
        for note in self.page.notes[k]:
            marks = "  ".join(f"{p} {'✓' if ok else '✗'}" for p, ok in note.printed)
            lines += textwrap.wrap(f"document: {note.equation}  {marks}", self.columns)
        if len(lines) > _CAPTION_LINES:
            lines = [*lines[: _CAPTION_LINES - 1], "…"]
        return lines

    def _compose(self, graph: ET.Element, caption: list[str]) -> str:
        """The graph with the caption below it: the same <svg>, taller (a nested <svg> would
        make resvg composite a full-size layer, ten times slower)."""
        width, height = _points(graph.get("width")), _points(graph.get("height"))
        extra = (_LINE_HEIGHT * _CAPTION_LINES + 12) * 0.75  # px -> pt, the SVG's user unit
        graph.set("height", f"{height + extra}pt")
        graph.set("viewBox", f"0 0 {width} {height + extra}")
        rect = {"x": "0", "y": str(height), "width": str(width), "height": str(extra)}
        ET.SubElement(graph, f"{{{_SVG}}}rect", rect, fill="#ffffff")
        for n, line in enumerate(caption):
            y = height + (8 + _LINE_HEIGHT * (n + 1)) * 0.75
            text = ET.SubElement(
                graph,
                f"{{{_SVG}}}text",
                {"x": "6", "y": f"{y:.1f}", "font-family": FONT},
                **{"font-size": "9.5", "font-weight": "bold" if n == 0 else "normal"},
            )
            text.text = line
        # dot writes the generic family "sans-Serif", which resvg does not match (nor draw)
        return ET.tostring(graph, encoding="unicode").replace(",sans-Serif", ",sans-serif")


def _palette(page: StepThrough) -> Image.Image:
    """256 colours from the frame halfway through the backward pass (it has every fill, the
    highlight and the text's anti-aliasing), by the fast octree method. One palette for all
    frames keeps a frame's pixels 1 byte (while encoding) and lets the GIF store only what
    changed from the frame before: half the file of per-frame palettes, and faster."""
    from PIL import Image

    first = next(k for k, step in enumerate(page.steps) if step.phase == "backward")
    frame = _Frames(page).image((first + len(page.steps)) // 2)
    return frame.quantize(256, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def _highlight(by_id: dict[str | None, ET.Element], step: Step) -> None:
    """What the page's CSS classes do, as attributes (the rasteriser reads no stylesheet)."""
    if step.node < 0:
        return
    n = step.node
    for shape in _shapes(by_id.get(f"g-n{n}")):
        shape.set("stroke", _HOT)
        shape.set("stroke-width", "3")
        if shape.tag.endswith("polygon"):
            shape.set("fill", _FILL)
    for r in step.related:
        for shape in _shapes(by_id.get(f"g-n{r}")):
            shape.set("stroke", _HOT)
            shape.set("stroke-dasharray", "5,3")
        tail, head = (r, n) if step.phase == "forward" else (n, r)
        for child in _edge_parts(by_id, f"e-n{tail}-n{head}"):
            child.set("stroke", _HOT)
            child.set("stroke-width", "2.5")
            if child.tag.endswith("polygon"):
                child.set("fill", _HOT)


def _edge_parts(by_id: dict[str | None, ET.Element], name: str) -> list[ET.Element]:
    """The lines and arrowheads of every edge ``name`` (``name``, ``name-2``, … as tagged)."""
    parts: list[ET.Element] = []
    k = 1
    while (edge := by_id.get(name if k == 1 else f"{name}-{k}")) is not None:
        parts += [child for child in edge if child.tag.endswith(("path", "polygon"))]
        k += 1
    return parts


def _shapes(group: ET.Element | None) -> list[ET.Element]:
    if group is None:
        return []
    return [child for child in group if child.tag.endswith(("polygon", "ellipse"))]


def _points(length: str | None) -> float:
    return float((length or "0").removesuffix("pt"))


def _rasterise(svg: str) -> bytes:
    import vl_convert

    try:
        return bytes(vl_convert.svg_to_png(svg))
    except Exception as error:  # noqa: BLE001  # vl-convert's Rust errors arrive as assorted types
        raise RenderError(f"rasterising a frame failed: {str(error).splitlines()[0]}") from None

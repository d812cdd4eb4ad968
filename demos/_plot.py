"""Two small plots as SVG — a classifier's decision map over its data, and a curve — and SVG to PNG.

Written by hand so the demos need nothing beyond microgradnet's own install: the PNG comes from
``vl-convert-python`` (a dependency of microgradnet's rendering), which rasterises SVG with resvg
and its embedded Liberation Sans font, so the text is legible on a machine without fonts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

FONT = "Liberation Sans, Helvetica, Arial, sans-serif"
CLASS_COLOURS = ("#2c6fbb", "#e6682e")  # class 0 blue, class 1 orange
Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """A plot area on the page (pixels) and the data range it shows."""

    left: float
    top: float
    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def px(self, x: float, y: float) -> Point:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return (
            self.left + (x - x0) / (x1 - x0) * self.width,
            self.top + (1.0 - (y - y0) / (y1 - y0)) * self.height,
        )


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick positions (steps of 1, 2 or 5 × 10ᵏ) covering [low, high]."""
    raw = (high - low) / max(count, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * magnitude for m in (1.0, 2.0, 5.0, 10.0) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 13,
    anchor: str = "middle",
    weight: str = "normal",
    rotate: bool = False,
) -> str:
    turn = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'font-weight="{weight}" text-anchor="{anchor}"{turn}>{escape(text)}</text>'
    )


def axes_and_title(box: Box, x_label: str, y_label: str, title: str) -> list[str]:
    """Frame, ticks with labels, axis labels and a title around ``box``."""
    frame = (
        f'<rect x="{box.left:.1f}" y="{box.top:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" fill="none" stroke="#333" stroke-width="1"/>'
    )
    parts = [frame]
    bottom, left = box.top + box.height, box.left
    for tx in nice_ticks(*box.x_range):
        x, _ = box.px(tx, box.y_range[0])
        tick = f'x1="{x:.1f}" y1="{bottom:.1f}" x2="{x:.1f}" y2="{bottom + 5:.1f}"'
        parts.append(f'<line {tick} stroke="#333"/>')
        parts.append(_text(x, bottom + 19, f"{tx:g}", size=12))
    for ty in nice_ticks(*box.y_range):
        _, y = box.px(box.x_range[0], ty)
        parts.append(
            f'<line x1="{left - 5:.1f}" y1="{y:.1f}" x2="{left:.1f}" y2="{y:.1f}" stroke="#333"/>'
        )
        parts.append(_text(left - 8, y + 4, f"{ty:g}", size=12, anchor="end"))
    parts.append(_text(left + box.width / 2, bottom + 40, x_label))
    parts.append(_text(left - 42, box.top + box.height / 2, y_label, rotate=True))
    parts.append(_text(left + box.width / 2, box.top - 12, title, size=15, weight="bold"))
    return parts


def _mix(colour: str, amount: float) -> str:
    """``colour`` blended with white: amount 0 is white, 1 is the colour."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * amount):02x}" for c in rgb)


def decision_map(box: Box, probability: Callable[[float, float], float], cells: int) -> list[str]:
    """Shade ``cells``×``cells`` squares by the predicted class and draw the p = 0.5 boundary."""
    (x0, x1), (y0, y1) = box.x_range, box.y_range
    xs = [x0 + (x1 - x0) * i / cells for i in range(cells + 1)]
    ys = [y0 + (y1 - y0) * j / cells for j in range(cells + 1)]
    corner = [[probability(x, y) for x in xs] for y in ys]  # corner[j][i] at (xs[i], ys[j])
    parts = []
    w, h = box.width / cells, box.height / cells
    for j in range(cells):
        for i in range(cells):
            p = (corner[j][i] + corner[j][i + 1] + corner[j + 1][i] + corner[j + 1][i + 1]) / 4
            fill = _mix(CLASS_COLOURS[p > 0.5], 0.15 + 0.25 * abs(2 * p - 1))
            left, top = box.px(xs[i], ys[j + 1])
            parts.append(
                f'<rect x="{left:.2f}" y="{top:.2f}" width="{w + 0.3:.2f}" '
                f'height="{h + 0.3:.2f}" fill="{fill}"/>'
            )
    for a, b in _contour(xs, ys, corner, 0.5):
        (ax, ay), (bx, by) = box.px(*a), box.px(*b)
        parts.append(
            f'<line x1="{ax:.2f}" y1="{ay:.2f}" x2="{bx:.2f}" y2="{by:.2f}" '
            'stroke="#222" stroke-width="2" stroke-linecap="round"/>'
        )
    return parts


def _contour(
    xs: Sequence[float], ys: Sequence[float], grid: Sequence[Sequence[float]], level: float
) -> list[tuple[Point, Point]]:
    """Marching squares: the segments where the grid crosses ``level``, cell by cell."""
    segments = []
    for j in range(len(ys) - 1):
        for i in range(len(xs) - 1):
            corners = [
                (xs[i], ys[j], grid[j][i]),
                (xs[i + 1], ys[j], grid[j][i + 1]),
                (xs[i + 1], ys[j + 1], grid[j + 1][i + 1]),
                (xs[i], ys[j + 1], grid[j + 1][i]),
            ]
            crossings = []
            for (ax, ay, av), (bx, by, bv) in zip(corners, corners[1:] + corners[:1]):
                if (av > level) != (bv > level):
                    s = (level - av) / (bv - av)
                    crossings.append((ax + s * (bx - ax), ay + s * (by - ay)))
            segments += [(crossings[k], crossings[k + 1]) for k in range(0, len(crossings) - 1, 2)]
    return segments


def scatter(
    box: Box, points: Sequence[Point], labels: Sequence[int], wrong: Sequence[bool]
) -> list[str]:
    """Each point in its class colour; misclassified points get a thick black ring."""
    parts = []
    for (x, y), label, miss in zip(points, labels, wrong):
        cx, cy = box.px(x, y)
        ring = 'stroke="#000" stroke-width="2.2"' if miss else 'stroke="#fff" stroke-width="0.8"'
        parts.append(
            f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="4" fill="{CLASS_COLOURS[label]}" {ring}/>'
        )
    return parts


def curve(box: Box, ys: Sequence[float], colour: str = "#2c6fbb") -> list[str]:
    """A polyline through (1, ys[0]), (2, ys[1]), …"""
    points = " ".join("{:.2f},{:.2f}".format(*box.px(k + 1, y)) for k, y in enumerate(ys))
    return [f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>']


def page(width: int, height: int, parts: Sequence[str]) -> str:
    """A complete SVG document of the given size on a white background."""
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">\n<rect width="{width}" height="{height}" fill="#fff"/>\n'
        f"{body}\n</svg>\n"
    )


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """Rasterise an SVG document (``scale`` 2 gives a sharp picture on high-density screens)."""
    try:
        import vl_convert
    except ImportError:
        raise SystemExit(
            "error: PNG output needs vl-convert-python (installed with microgradnet); "
            "`pip install vl-convert-python`"
        ) from None
    return bytes(vl_convert.svg_to_png(svg, scale=scale))

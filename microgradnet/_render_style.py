"""Colours of the pictures: the node palette, the signed gradient scale, and WCAG text contrast.

Every filled cell of every picture gets its text colour from :func:`text_on`, which picks the
darker or lighter ink with the higher WCAG 2 contrast ratio, so text is at least 4.5:1 on every
fill (the tests compute it). The gradient scale is ColorBrewer's 9-class RdBu, a diverging scale
that stays distinct under the common colour-vision deficiencies: blue for ∂L/∂v < 0, red for > 0,
darker for larger |∂L/∂v| on a log scale, and the neutral middle for 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = [
    "BORDER",
    "DARK_INK",
    "FILL",
    "GRAD_FILL",
    "GRAD_INK",
    "GRAD_SCALE",
    "LIGHT_INK",
    "MUTED_INK",
    "contrast",
    "grad_classes",
    "grad_fill",
    "grad_steps",
    "text_on",
]

DARK_INK = "#1a1a1a"
LIGHT_INK = "#ffffff"
#: Secondary text (op names, roles) on white and the pale fills: 7:1 or better there.
MUTED_INK = "#4d4d4d"
#: The gradient row: its own ink and tint, so a gradient never reads as data.
GRAD_INK = "#6a1b9a"
GRAD_FILL = "#f3e5f5"

FILL = {
    "loss": "#fde0dc",
    "parameter": "#deebf7",
    "input": "#e5f5e0",
    "constant": "#ffffff",
    "value": "#ffffff",
    "hidden": "#fff2cc",
    "output": "#fde0dc",
    "key": "#ffffff",
}
BORDER = {
    "loss": "#b2182b",
    "parameter": "#2166ac",
    "input": "#1b7837",
    "constant": "#767676",
    "value": "#4d4d4d",
    "hidden": "#8c6d1f",
    "output": "#b2182b",
}

#: ColorBrewer RdBu, 9 classes, from most negative (blue) to most positive (red).
GRAD_SCALE = (
    "#2166ac",
    "#4393c3",
    "#92c5de",
    "#d1e5f0",
    "#f7f7f7",
    "#fddbc7",
    "#f4a582",
    "#d6604d",
    "#b2182b",
)
_MIDDLE = len(GRAD_SCALE) // 2


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(fill: str, preferred: str = DARK_INK) -> str:
    """``preferred`` ink if it reaches 4.5:1 on ``fill``, else whichever of dark/light is higher."""
    if contrast(preferred, fill) >= 4.5:
        return preferred
    return max((DARK_INK, LIGHT_INK), key=lambda ink: contrast(ink, fill))


def grad_classes(grads: Iterable[float]) -> tuple[float, float]:
    """(low, high) of log10 |g| over the finite non-zero ``grads``; (0, 0) when there are none."""
    logs = [math.log10(abs(g)) for g in grads if g != 0.0 and math.isfinite(g)]
    return (min(logs), max(logs)) if logs else (0.0, 0.0)


def grad_fill(grad: float, low: float, high: float) -> str:
    """The scale colour of ``grad``: its sign picks the side, log10 |grad| in [low, high] the step."""
    if grad == 0.0 or math.isnan(grad):
        return GRAD_SCALE[_MIDDLE]
    step = _MIDDLE
    if math.isfinite(grad):
        span = high - low or 1.0
        step = 1 + round((math.log10(abs(grad)) - low) / span * (_MIDDLE - 1))
    return GRAD_SCALE[_MIDDLE + step] if grad > 0 else GRAD_SCALE[_MIDDLE - step]


def grad_steps(low: float, high: float) -> list[float]:
    """The |grad| at the centre of each step on one side of the scale, palest first."""
    span = high - low
    return [10 ** (low + span * k / (_MIDDLE - 1)) for k in range(_MIDDLE)]

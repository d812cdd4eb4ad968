"""The project's exceptions, each subclassing the built-in a caller would expect."""

from __future__ import annotations

__all__ = [
    "AnomalyError",
    "FileError",
    "GradcheckError",
    "RenderError",
    "ShapeError",
    "SizeLimitError",
]


class AnomalyError(ArithmeticError):
    """Raised under ``detect_anomaly()`` by the first op that turned finite numbers into nan/inf."""


class FileError(OSError):
    """A file could not be read or written; the one-line message names the path and the reason."""


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when an analytical gradient disagrees with central differences."""


class RenderError(RuntimeError):
    """A graph could not be drawn or written; the one-line message says what is wrong and what to do."""


class ShapeError(ValueError):
    """A weight matrix, bias vector, input or target has the wrong shape (says expected and actual)."""


class SizeLimitError(ValueError):
    """A size over a documented limit, refused before any work (names the argument and the limit)."""

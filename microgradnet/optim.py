"""Stochastic gradient descent: θ ← θ − η·∂L/∂θ."""

from __future__ import annotations

import math
from collections.abc import Iterable

from microgradnet.checks import expect_real
from microgradnet.engine import Value

__all__ = ["SGD"]


class SGD:
    """Plain gradient descent on a fixed list of parameters.

    ``step()`` applies θ ← θ − η·θ.grad to each parameter's ``data`` (no graph is recorded);
    ``zero_grad()`` sets every ``θ.grad`` back to 0 before the next backward pass.
    """

    def __init__(self, parameters: Iterable[Value], lr: float) -> None:
        """Raises: TypeError (a parameter is not a Value, ``lr`` not a real number), ValueError
        (``lr`` is not finite and positive)."""
        if not isinstance(parameters, Iterable) or isinstance(parameters, str | Value):
            raise TypeError(
                f"SGD: parameters must be an iterable of Values, got {type(parameters).__name__}"
            )
        self.parameters = list(parameters)
        for i, p in enumerate(self.parameters):
            if not isinstance(p, Value):
                raise TypeError(
                    f"SGD: parameters[{i}] must be a Value, got {type(p).__name__}: {p!r}"[:200]
                )
        lr = expect_real(lr, "SGD: lr")
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"SGD: lr must be a finite positive number, got {lr!r}")
        self.lr: float = float(lr)

    def step(self) -> None:
        lr = self.lr
        for p in self.parameters:
            p.data -= lr * p.grad

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0

"""Stochastic gradient descent: θ ← θ − η·∂L/∂θ."""

from __future__ import annotations

from collections.abc import Iterable

from microgradnet.engine import Value

__all__ = ["SGD"]


class SGD:
    """Plain gradient descent on a fixed list of parameters.

    ``step()`` applies θ ← θ − η·θ.grad to each parameter's ``data`` (no graph is recorded);
    ``zero_grad()`` sets every ``θ.grad`` back to 0 before the next backward pass.
    """

    def __init__(self, parameters: Iterable[Value], lr: float) -> None:
        self.parameters = list(parameters)
        bad = [type(p).__name__ for p in self.parameters if not isinstance(p, Value)]
        if bad:
            raise TypeError(f"SGD needs Values as parameters, got {bad[0]}")
        if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr > 0:
            raise ValueError(f"SGD learning rate must be a positive number, got {lr!r}")
        self.lr = float(lr)

    def step(self) -> None:
        lr = self.lr
        for p in self.parameters:
            p.data -= lr * p.grad

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0

"""The peers: micrograd 0.1.0 (with a sigmoid in its own style) and PyTorch on 0-dim float64 tensors.

Both are optional. :func:`load_peer` returns the engine, or a one-line reason it is unavailable
("not installed", or an unexpected version). Neither is imported by the rest of microgradnet.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from microgradnet.benchmark.base import (
    CHAIN_FACTOR,
    CHAIN_OFFSET,
    CHAIN_START,
    Phases,
    Result,
    Stepper,
)
from microgradnet.benchmark.problems import W1Problem, W2Problem

__all__ = ["PEER_VERSIONS", "Micrograd", "Torch", "load_peer"]

#: The versions the table was measured with (the ``bench`` extra pins them).
PEER_VERSIONS = {"micrograd": "0.1.0", "torch": "2.13.0"}

Act = Callable[[Any], Any]


def load_peer(name: str) -> Micrograd | Torch | str:
    """The peer engine called ``name`` ("micrograd" or "torch"), or why it cannot run."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns when NumPy is absent; it is not needed
            module = importlib.import_module(name)
    except ImportError:
        return "not installed"
    version = importlib.metadata.version(name)
    if not version.startswith(PEER_VERSIONS[name]):
        return f"version {version} installed, the benchmark pins {PEER_VERSIONS[name]}"
    return Micrograd(module) if name == "micrograd" else Torch(module)


def _layers(
    values: Sequence[Any], problem: W1Problem | W2Problem
) -> list[tuple[list[list[Any]], list[Any] | None]]:
    """Split a flat parameter list (microgradnet's order) into per-layer (W rows, b) of the peer's scalars."""
    it = iter(values)
    net = problem.net
    layers = []
    for l, matrix in enumerate(net.weights):
        rows = [[next(it) for _ in row] for row in matrix]
        bias = None if net.biases is None else [next(it) for _ in net.biases[l]]
        layers.append((rows, bias))
    return layers


def _forward(
    layers: list[tuple[list[list[Any]], list[Any] | None]], acts: list[Act], x: Sequence[Any]
) -> Any:
    """micrograd's neuron, written for any scalar type: act(sum((wᵢ·xᵢ for …), b))."""
    for (rows, bias), act in zip(layers, acts):
        out = []
        for j, row in enumerate(rows):
            terms = [w * xi for w, xi in zip(row, x)]
            z = sum(terms, bias[j]) if bias is not None else sum(terms[1:], terms[0])
            out.append(act(z))
        x = out
    return x[0]


def _identity(z: Any) -> Any:
    return z


def _backward_last(handle: Any) -> None:
    """Back-propagate from the last item of a (leaves…, output) handle."""
    handle[-1].backward()


class Micrograd:
    """micrograd 0.1.0 as its README demo uses it, plus a sigmoid written in micrograd's style."""

    name = "micrograd"

    def __init__(self, module: ModuleType) -> None:
        self.Value: Any = importlib.import_module(f"{module.__name__}.engine").Value

    def sigmoid(self, v: Any) -> Any:
        """σ(x) = 1/(1+e^-x), with a ``_backward`` closure applying σ(1−σ), as micrograd's ops do."""
        s = 1.0 / (1.0 + math.exp(-v.data))
        out = self.Value(s, (v,), "sigmoid")

        def _backward() -> None:
            v.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def _acts(self, names: Sequence[str]) -> list[Act]:
        table: dict[str, Act] = {
            "sigmoid": self.sigmoid,
            "relu": lambda v: v.relu(),
            "linear": _identity,
        }
        return [table[name] for name in names]

    def _stepper(self, params: list[Any], lr: float, loss: Callable[[], Any]) -> Stepper:
        def gradients() -> Result:
            out = loss()
            out.backward()
            return Result(float(out.data), [float(p.grad) for p in params])

        def step() -> None:
            out = loss()
            for p in params:
                p.grad = 0
            out.backward()
            for p in params:
                p.data -= lr * p.grad

        return Stepper(gradients, step)

    def w1(self, problem: W1Problem) -> Stepper:
        params = [self.Value(v) for v in problem.net.flat()]
        layers, acts = _layers(params, problem), self._acts(problem.net.activations)
        t = problem.target
        return self._stepper(
            params, problem.lr, lambda: 0.5 * (_forward(layers, acts, problem.x) - t) ** 2
        )

    def w2(self, problem: W2Problem) -> Stepper:
        params = [self.Value(v) for v in problem.net.flat()]
        layers, acts = _layers(params, problem), self._acts(problem.net.activations)
        alpha, Value = problem.alpha, self.Value

        def loss() -> Any:  # micrograd's demo, line for line
            inputs = [list(map(Value, x)) for x in problem.points]
            scores = [_forward(layers, acts, x) for x in inputs]
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(problem.labels, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = alpha * sum(p * p for p in params)
            return data_loss + reg_loss

        return self._stepper(params, problem.lr, loss)

    def w3(self, n: int) -> Phases:
        def build() -> object:
            x = self.Value(CHAIN_START)
            y = x
            for _ in range(n):
                y = y * CHAIN_FACTOR + CHAIN_OFFSET
            return x, y

        def result(h: Any) -> Result:
            return Result(h[1].data, [float(h[0].grad)])

        return Phases(build, _backward_last, result)

    def w4(self, a: list[float], b: list[float]) -> Phases:
        def build() -> object:
            va = [self.Value(v) for v in a]
            vb = [self.Value(v) for v in b]
            total = va[0] * vb[0]
            for ai, bi in zip(va[1:], vb[1:]):
                total = total + ai * bi
            return va, vb, total

        def backward(h: Any) -> None:
            """micrograd's recursive sort goes N deep here: raise the limit (W3 keeps the default)."""
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, len(a) + 10_000))
            try:
                h[2].backward()
            finally:
                sys.setrecursionlimit(limit)

        def result(h: Any) -> Result:
            return Result(h[2].data, [float(v.grad) for v in h[0] + h[1]])

        return Phases(build, backward, result)


class Torch:
    """PyTorch autograd on 0-dim float64 tensors, one thread: the same scalar graphs."""

    name = "PyTorch"

    def __init__(self, module: ModuleType) -> None:
        self.torch: Any = module
        module.set_num_threads(1)

    def leaf(self, v: float) -> Any:
        return self.torch.tensor(v, dtype=self.torch.float64, requires_grad=True)

    def _acts(self, names: Sequence[str]) -> list[Act]:
        table: dict[str, Act] = {
            "sigmoid": self.torch.sigmoid,
            "relu": self.torch.relu,
            "linear": _identity,
        }
        return [table[name] for name in names]

    def _stepper(self, params: list[Any], lr: float, loss: Callable[[], Any]) -> Stepper:
        def gradients() -> Result:
            out = loss()
            out.backward()
            return Result(out.item(), [p.grad.item() for p in params])

        def step() -> None:
            out = loss()
            for p in params:
                p.grad = None
            out.backward()
            with self.torch.no_grad():
                for p in params:
                    p.sub_(p.grad, alpha=lr)

        return Stepper(gradients, step)

    def w1(self, problem: W1Problem) -> Stepper:
        params = [self.leaf(v) for v in problem.net.flat()]
        layers, acts = _layers(params, problem), self._acts(problem.net.activations)
        t = problem.target
        return self._stepper(
            params, problem.lr, lambda: 0.5 * (_forward(layers, acts, problem.x) - t) ** 2
        )

    def w2(self, problem: W2Problem) -> Stepper:
        params = [self.leaf(v) for v in problem.net.flat()]
        layers, acts = _layers(params, problem), self._acts(problem.net.activations)
        alpha, relu = problem.alpha, self.torch.relu

        def loss() -> Any:
            scores = [_forward(layers, acts, x) for x in problem.points]
            losses = [relu(1 + -yi * scorei) for yi, scorei in zip(problem.labels, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            return data_loss + alpha * sum(p * p for p in params)

        return self._stepper(params, problem.lr, loss)

    def w3(self, n: int) -> Phases:
        def build() -> object:
            x = self.leaf(CHAIN_START)
            y = x
            for _ in range(n):
                y = y * CHAIN_FACTOR + CHAIN_OFFSET
            return x, y

        def result(h: Any) -> Result:
            return Result(h[1].item(), [h[0].grad.item()])

        return Phases(build, _backward_last, result)

    def w4(self, a: list[float], b: list[float]) -> Phases:
        def build() -> object:
            va = [self.leaf(v) for v in a]
            vb = [self.leaf(v) for v in b]
            total = va[0] * vb[0]
            for ai, bi in zip(va[1:], vb[1:]):
                total = total + ai * bi
            return va, vb, total

        def result(h: Any) -> Result:
            return Result(h[2].item(), [v.grad.item() for v in h[0] + h[1]])

        return Phases(build, _backward_last, result)

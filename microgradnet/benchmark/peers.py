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


class _ScalarPeer:
    """Everything the two peers share: the workloads, written once over a peer's scalar type.

    A peer says how to make a leaf, how to read a scalar and a gradient, how to zero and update
    its parameters, its activations and how to turn W2's inputs into its scalars; the rest (the
    networks, losses, chains and dot products) is one implementation.
    """

    name = ""

    def leaf(self, v: float) -> Any:
        raise NotImplementedError

    def read(self, x: Any) -> float:
        raise NotImplementedError

    def read_grad(self, x: Any) -> float:
        raise NotImplementedError

    def zero(self, params: list[Any]) -> None:
        raise NotImplementedError

    def update(self, params: list[Any], lr: float) -> None:
        raise NotImplementedError

    def acts(self, names: Sequence[str]) -> list[Act]:
        raise NotImplementedError

    def inputs(self, x: Sequence[float]) -> list[Any]:
        """W2's inputs as the peer's demo feeds them (micrograd wraps them, PyTorch need not)."""
        return list(x)

    def relu(self, v: Any) -> Any:
        return v.relu()

    def backward(self, out: Any) -> None:
        out.backward()

    def _stepper(self, params: list[Any], lr: float, loss: Callable[[], Any]) -> Stepper:
        def gradients() -> Result:
            out = loss()
            self.backward(out)
            return Result(self.read(out), [self.read_grad(p) for p in params])

        def step() -> None:
            out = loss()
            self.zero(params)
            self.backward(out)
            self.update(params, lr)

        return Stepper(gradients, step)

    def w1(self, problem: W1Problem) -> Stepper:
        params = [self.leaf(v) for v in problem.net.flat()]
        layers, acts = _layers(params, problem), self.acts(problem.net.activations)
        t = problem.target
        return self._stepper(
            params, problem.lr, lambda: 0.5 * (_forward(layers, acts, problem.x) - t) ** 2
        )

    def w2(self, problem: W2Problem) -> Stepper:
        params = [self.leaf(v) for v in problem.net.flat()]
        layers, acts = _layers(params, problem), self.acts(problem.net.activations)
        alpha, relu = problem.alpha, self.relu

        def loss() -> Any:  # micrograd's demo, line for line
            scores = [_forward(layers, acts, self.inputs(x)) for x in problem.points]
            losses = [relu(1 + -yi * scorei) for yi, scorei in zip(problem.labels, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = alpha * sum(p * p for p in params)
            return data_loss + reg_loss

        return self._stepper(params, problem.lr, loss)

    def w3(self, n: int) -> Phases:
        def build() -> object:
            x = self.leaf(CHAIN_START)
            y = x
            for _ in range(n):
                y = y * CHAIN_FACTOR + CHAIN_OFFSET
            return x, y

        def result(h: Any) -> Result:
            return Result(self.read(h[1]), [self.read_grad(h[0])])

        return Phases(build, self._backward_second, result)

    def _backward_second(self, h: Any) -> None:
        self.backward(h[1])

    def w4(self, a: list[float], b: list[float]) -> Phases:
        def build() -> object:
            va = [self.leaf(v) for v in a]
            vb = [self.leaf(v) for v in b]
            total = va[0] * vb[0]
            for ai, bi in zip(va[1:], vb[1:]):
                total = total + ai * bi
            return va, vb, total

        def result(h: Any) -> Result:
            return Result(self.read(h[2]), [self.read_grad(v) for v in h[0] + h[1]])

        return Phases(build, self.w4_backward, result)

    def w4_backward(self, h: Any) -> None:
        self.backward(h[2])


class Micrograd(_ScalarPeer):
    """micrograd 0.1.0 as its README demo uses it, plus a sigmoid written in micrograd's style."""

    name = "micrograd"

    def __init__(self, module: ModuleType) -> None:
        self.Value: Any = importlib.import_module(f"{module.__name__}.engine").Value

    def leaf(self, v: float) -> Any:
        return self.Value(v)

    def read(self, x: Any) -> float:
        return float(x.data)

    def read_grad(self, x: Any) -> float:
        return float(x.grad)

    def zero(self, params: list[Any]) -> None:
        for p in params:
            p.grad = 0

    def update(self, params: list[Any], lr: float) -> None:
        for p in params:
            p.data -= lr * p.grad

    def inputs(self, x: Sequence[float]) -> list[Any]:
        return list(map(self.Value, x))

    def sigmoid(self, v: Any) -> Any:
        """σ(x) = 1/(1+e^-x), with a ``_backward`` closure applying σ(1−σ), as micrograd's ops do."""
        s = 1.0 / (1.0 + math.exp(-v.data))
        out = self.Value(s, (v,), "sigmoid")

        def _backward() -> None:
            v.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def acts(self, names: Sequence[str]) -> list[Act]:
        table: dict[str, Act] = {
            "sigmoid": self.sigmoid,
            "relu": lambda v: v.relu(),
            "linear": _identity,
        }
        return [table[name] for name in names]

    def w4_backward(self, h: Any) -> None:
        """micrograd's recursive sort goes N deep here: raise the limit (W3 keeps the default)."""
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, len(h[0]) + 10_000))
        try:
            h[2].backward()
        finally:
            sys.setrecursionlimit(limit)


class Torch(_ScalarPeer):
    """PyTorch autograd on 0-dim float64 tensors, one thread: the same scalar graphs."""

    name = "PyTorch"

    def __init__(self, module: ModuleType) -> None:
        self.torch: Any = module
        module.set_num_threads(1)

    def leaf(self, v: float) -> Any:
        return self.torch.tensor(v, dtype=self.torch.float64, requires_grad=True)

    def read(self, x: Any) -> float:
        return float(x.item())

    def read_grad(self, x: Any) -> float:
        return float(x.grad.item())

    def zero(self, params: list[Any]) -> None:
        for p in params:
            p.grad = None

    def update(self, params: list[Any], lr: float) -> None:
        with self.torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=lr)

    def relu(self, v: Any) -> Any:
        return self.torch.relu(v)

    def acts(self, names: Sequence[str]) -> list[Act]:
        table: dict[str, Act] = {
            "sigmoid": self.torch.sigmoid,
            "relu": self.torch.relu,
            "linear": _identity,
        }
        return [table[name] for name in names]

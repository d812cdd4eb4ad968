"""microgradnet under benchmark: the graph engine as a user writes it, and its compiled mode.

``Microgradnet(library)`` runs any copy of the package: this one, or (``--baseline DIR``) the
package of another checkout, imported beside this one by ``load_baseline``, so a change can be
timed against the code it replaces in the same run.

A third variant, ``PausedCollector``, runs the graph engine with Python's cyclic garbage
collector paused during each step (W1/W2) or each build and backward (W3/W4). That is safe only
because microgradnet's graphs hold no reference cycles: reference counting frees every node
the moment the graph is dropped, so the collector has nothing to find in them and pausing it
merely stops it from rescanning the live graph. (Pausing it for micrograd would leak: its
graphs are cycles, which only the collector frees.)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, ParamSpec, TypeVar, cast

import microgradnet
from microgradnet.benchmark.base import (
    CHAIN_FACTOR,
    CHAIN_OFFSET,
    CHAIN_START,
    Phases,
    Result,
    Stepper,
)
from microgradnet.benchmark.problems import W1Problem, W2Problem
from microgradnet.compiled import LossFunction, Output
from microgradnet.engine import Value, gc_paused, vsum
from microgradnet.losses import half_squared_error, mean
from microgradnet.nn import MLP
from microgradnet.optim import SGD

__all__ = ["Compiled", "Microgradnet", "PausedCollector", "load_baseline"]

P = ParamSpec("P")
R = TypeVar("R")


def _mlp(problem: W1Problem | W2Problem, lib: Any = microgradnet) -> MLP:
    net = problem.net
    return cast(MLP, lib.MLP.from_weights(net.weights, net.biases, list(net.activations)))


def _w1_loss(
    mlp: MLP, problem: W1Problem, x: list[Value] | tuple[float, float], lib: Any = microgradnet
) -> Value:
    return cast(Value, lib.half_squared_error(mlp(x), problem.target))


def _w1_loss_of(y: object, t: object) -> Value:
    return half_squared_error(cast(Value, y), cast(float, t))


def _w2_loss(
    mlp: MLP,
    problem: W2Problem,
    points: Sequence[Sequence[Value | float]],
    labels: Sequence[Value | float],
    lib: Any = microgradnet,
) -> Value:
    """micrograd's demo loss: mean(relu(1 − yₙ·scoreₙ)) + α·Σθ²."""
    scores = [cast(Value, mlp(x)) for x in points]
    data_loss = lib.mean([(1.0 - y * s).relu() for y, s in zip(labels, scores)])
    reg_loss = problem.alpha * lib.vsum([p * p for p in mlp.parameters()])
    return cast(Value, data_loss + reg_loss)


def _stepper(mlp: MLP, lr: float, loss: Callable[[], Value], lib: Any = microgradnet) -> Stepper:
    params = mlp.parameters()
    optimizer = lib.SGD(params, lr)

    def gradients() -> Result:
        out = loss()
        out.backward()
        return Result(out.data, [p.grad for p in params])

    def step() -> None:
        out = loss()
        optimizer.zero_grad()
        out.backward()
        optimizer.step()

    return Stepper(gradients, step)


def _chain(n: int, lib: Any = microgradnet) -> tuple[Value, Value]:
    x = lib.Value(CHAIN_START)
    y = x
    for _ in range(n):
        y = y * CHAIN_FACTOR + CHAIN_OFFSET
    return x, y


def _dot(
    a: list[float], b: list[float], lib: Any = microgradnet
) -> tuple[list[Value], list[Value], Value]:
    """Σ aᵢbᵢ as the same chain of binary + that micrograd and PyTorch build (4N nodes)."""
    va = [lib.Value(v) for v in a]
    vb = [lib.Value(v) for v in b]
    total = va[0] * vb[0]
    for ai, bi in zip(va[1:], vb[1:]):
        total = total + ai * bi
    return va, vb, total


class Microgradnet:
    """The graph engine: MLP, losses and SGD exactly as a user writes them (from ``library``)."""

    def __init__(self, library: ModuleType = microgradnet, name: str = "microgradnet") -> None:
        self.lib, self.name = library, name

    def w1(self, problem: W1Problem) -> Stepper:
        lib = self.lib
        mlp = _mlp(problem, lib)
        return _stepper(mlp, problem.lr, lambda: _w1_loss(mlp, problem, problem.x, lib), lib)

    def w2(self, problem: W2Problem) -> Stepper:
        lib = self.lib
        mlp = _mlp(problem, lib)
        return _stepper(
            mlp,
            problem.lr,
            lambda: _w2_loss(mlp, problem, problem.points, problem.labels, lib),
            lib,
        )

    def w3(self, n: int) -> Phases:
        def backward(handle: object) -> None:
            cast(tuple[Value, Value], handle)[1].backward()

        def result(handle: object) -> Result:
            x, y = cast(tuple[Value, Value], handle)
            return Result(y.data, [x.grad])

        return Phases(lambda: _chain(n, self.lib), backward, result)

    def w4(self, a: list[float], b: list[float]) -> Phases:
        def backward(handle: object) -> None:
            cast(tuple[list[Value], list[Value], Value], handle)[2].backward()

        def result(handle: object) -> Result:
            va, vb, total = cast(tuple[list[Value], list[Value], Value], handle)
            return Result(total.data, [v.grad for v in va + vb])

        return Phases(lambda: _dot(a, b, self.lib), backward, result)


def load_baseline(folder: str) -> Microgradnet | str:
    """The graph engine of the package in ``folder`` (another checkout), or why it cannot load.

    Its modules are imported under their own names while this package's are set aside, then
    both sets are put back: each copy's functions keep the module objects they were made with.
    """
    if not (Path(folder) / "microgradnet" / "__init__.py").is_file():
        return f"no microgradnet package in {folder}"
    ours = _take_modules()
    sys.path.insert(0, str(Path(folder).resolve()))
    try:
        library = importlib.import_module("microgradnet")
    finally:
        sys.path.pop(0)
        _take_modules()
        sys.modules.update(ours)
    return Microgradnet(library, "baseline")


def _take_modules() -> dict[str, ModuleType]:
    """Remove and return every loaded ``microgradnet`` module except the benchmark itself."""
    names = [
        n
        for n in sys.modules
        if (n == "microgradnet" or n.startswith("microgradnet."))
        and not n.startswith("microgradnet.benchmark")
    ]
    return {n: sys.modules.pop(n) for n in names}


def _paused(function: Callable[P, R]) -> Callable[P, R]:
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return function(*args, **kwargs)

    return run


class PausedCollector:
    """The graph engine as above, with the collector paused around each step / build / backward."""

    name = "gc paused"

    def w1(self, problem: W1Problem) -> Stepper:
        stepper = Microgradnet().w1(problem)
        return Stepper(stepper.gradients, _paused(stepper.step))

    def w2(self, problem: W2Problem) -> Stepper:
        stepper = Microgradnet().w2(problem)
        return Stepper(stepper.gradients, _paused(stepper.step))

    def w3(self, n: int) -> Phases:
        phases = Microgradnet().w3(n)
        return Phases(_paused(phases.build), _paused(phases.backward), phases.result)

    def w4(self, a: list[float], b: list[float]) -> Phases:
        phases = Microgradnet().w4(a, b)
        return Phases(_paused(phases.build), _paused(phases.backward), phases.result)


def _compiled_stepper(
    mlp: MLP, loss: LossFunction, xs: list[list[float]], ts: list[float], lr: float
) -> Stepper:
    """``mlp.compiled_step`` as a training loop uses it, traced and compiled here (set-up)."""
    step = mlp.compiled_step(loss)
    params = mlp.parameters()
    optimizer = SGD(params, lr)
    step(xs, ts)  # the trace and the compile: timed as the workload's set-up

    def gradients() -> Result:
        optimizer.zero_grad()
        result = step(xs, ts)
        if step.last_engine != "compiled":
            raise RuntimeError("the compiled step fell back to the graph engine")
        return Result(result.loss, [p.grad for p in params])

    def run() -> None:
        optimizer.zero_grad()
        step(xs, ts)
        optimizer.step()

    return Stepper(gradients, run)


class Compiled:
    """microgradnet's compiled training step (``MLP.compiled_step``), as a user writes it."""

    name = "compiled"

    def w1(self, problem: W1Problem) -> Stepper:
        mlp = _mlp(problem)

        def loss(ys: list[Output], ts: list[object]) -> Value:
            return _w1_loss_of(ys[0], ts[0])

        return _compiled_stepper(mlp, loss, [list(problem.x)], [problem.target], problem.lr)

    def w2(self, problem: W2Problem) -> Stepper:
        mlp = _mlp(problem)
        alpha = problem.alpha

        def loss(ys: list[Output], ts: list[object]) -> Value:  # _w2_loss, from the outputs
            scores = [cast(Value, y) for y in ys]
            data_loss = mean([(1.0 - cast(float, t) * y).relu() for y, t in zip(scores, ts)])
            return data_loss + alpha * vsum([p * p for p in mlp.parameters()])

        xs = [list(p) for p in problem.points]
        return _compiled_stepper(mlp, loss, xs, list(problem.labels), problem.lr)

    def w3(self, n: int) -> None:
        return None

    def w4(self, a: list[float], b: list[float]) -> None:
        return None

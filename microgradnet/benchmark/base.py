"""What every engine under benchmark provides: steppers for W1/W2, build/backward phases for W3/W4."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from microgradnet.benchmark.problems import W1Problem, W2Problem

__all__ = ["CHAIN_FACTOR", "CHAIN_OFFSET", "CHAIN_START", "Engine", "Phases", "Result", "Stepper"]

#: W3 links: y ← y·CHAIN_FACTOR + CHAIN_OFFSET, starting from CHAIN_START.
CHAIN_FACTOR = 1.0001
CHAIN_OFFSET = 0.0001
CHAIN_START = 0.5


@dataclass(frozen=True)
class Result:
    """An output value and gradients (in the workload's parameter order), for checking."""

    value: float
    grads: list[float]


@dataclass(frozen=True)
class Stepper:
    """A training workload: ``gradients`` on the initial parameters (no update), and ``step``.

    ``step`` is what gets timed: forward, backward and an SGD update, as a training loop runs it.
    Each Stepper owns fresh parameters, so ``gradients`` must be called before any ``step``.
    """

    gradients: Callable[[], Result]
    step: Callable[[], None]


@dataclass(frozen=True)
class Phases:
    """A graph workload timed phase by phase: ``build()`` → handle, ``backward(handle)``.

    The harness frees the graph by dropping the handle. ``result(handle)`` reads the value and
    gradients after ``backward`` (for checking). Nothing else may keep a reference to the graph.
    """

    build: Callable[[], object]
    backward: Callable[[object], None]
    result: Callable[[object], Result]


class Engine(Protocol):
    """One column of the table. A method returns None for a workload the engine does not run."""

    name: str

    def w1(self, problem: W1Problem) -> Stepper | None: ...

    def w2(self, problem: W2Problem) -> Stepper | None: ...

    def w3(self, n: int) -> Phases | None: ...

    def w4(self, a: list[float], b: list[float]) -> Phases | None: ...

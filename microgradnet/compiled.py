"""Compiled training: trace one step of an MLP (forward, loss, backward) once, then replay it.

``step = mlp.compiled_step(loss)`` (or ``CompiledStep(mlp, loss)``), where ``loss(ys, ts)``
builds a batch's loss from the network's outputs and the targets, as for the graph engine::

    step = mlp.compiled_step(lambda ys, ts: mean(
        [binary_cross_entropy(y, t) for y, t in zip(ys, ts)]))
    opt.zero_grad()
    result = step(xs, ts)   # like loss([mlp(x) for x in xs], ts).backward(): adds ∂L/∂θ to θ.grad
    opt.step()              # result.loss, result.outputs: the numbers of that step

The first call traces the step on Value leaves standing for the inputs and targets and compiles
its graph into straight-line Python (``microgradnet.codegen``); later calls with the same shapes
run that code on the new numbers and the current parameters: the same floats as ``backward()``,
bit for bit, several times faster. A call whose structure differs from the traced one (another
batch or input size, other parameter objects, inputs that are not plain numbers) runs on the
graph engine instead, as does every call when the graph cannot be compiled;
``step.last_engine`` says which ran ("compiled" or "graph").

The loss must build the same graph for inputs of the same shape: no Python ``if`` on a Value's
data (an op's own branch, like relu's, is fine: the compiled code re-evaluates it). A leaf the
loss uses that is neither an output, a target nor a parameter is frozen at its traced value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union, cast

from microgradnet.codegen import CompiledGraph, compile_graph
from microgradnet.engine import Number, Value

if TYPE_CHECKING:
    from microgradnet.nn import MLP

__all__ = ["CompiledStep", "StepResult"]

Output = Union[Value, list[Value]]
Target = Union[Number, Sequence[Number]]
#: ``loss(ys, ts)``: the batch loss from the outputs ``ys[n]`` (a Value, or a list for several
#: output neurons) and the targets ``ts[n]`` (a number or a list; Values while tracing).
LossFunction = Callable[[list[Output], list[object]], Value]
Shape = tuple[object, ...]


@dataclass(frozen=True)
class StepResult:
    """The loss of one step and the network's output for each sample (a list if several)."""

    loss: float
    outputs: list[float | list[float]]


class CompiledStep:
    """One training step of ``mlp`` under ``loss``, compiled on first use (module docstring).

    Raises (when called):
        TypeError: ``loss`` does not return a Value; inputs or targets of the wrong type.
        ShapeError: inputs or targets that do not fit the network (as the graph engine says).
    """

    def __init__(self, mlp: MLP, loss: LossFunction) -> None:
        if not callable(loss):
            raise TypeError(f"CompiledStep: loss must be callable, got {type(loss).__name__}")
        self.mlp, self.loss = mlp, loss
        self.compiled: CompiledGraph | None = None
        self.last_engine = ""
        self._shape: Shape | None = None
        self._params: list[Value] = []
        self._widths: list[int] = []

    def __call__(self, xs: Sequence[Sequence[Number]], ts: Sequence[Target]) -> StepResult:
        """Forward, loss and backward on this batch: adds ∂loss/∂θ to ``θ.grad`` of every θ."""
        params = self.mlp.parameters()
        shape = _shape(xs, ts)
        if self._shape is None:
            self._trace(xs, ts, params, shape)
        numbers = cast(list[float], [v for x in xs for v in x] + _flat(ts))
        same = shape == self._shape and params == self._params  # the same objects, in order
        if not same or self.compiled is None or not _plain(numbers):
            return self._graph(xs, ts)
        value, grads, outputs = self.compiled.function(numbers, [p.data for p in params])  # type: ignore[misc]  # watched nodes: a third item
        for p, g in zip(params, grads):
            p.grad += g
        self.last_engine = "compiled"
        return StepResult(value, _regroup(outputs, self._widths))

    def _forward(
        self, xs: Sequence[Sequence[object]], ts: Sequence[object]
    ) -> tuple[Value, list[Output]]:
        ys: list[Output] = [self.mlp(x) for x in xs]  # type: ignore[arg-type]  # checked by MLP
        out = self.loss(ys, list(ts))
        if not isinstance(out, Value):
            raise TypeError(f"CompiledStep: loss must return a Value, got {type(out).__name__}")
        return out, ys

    def _graph(self, xs: Sequence[Sequence[Number]], ts: Sequence[Target]) -> StepResult:
        out, ys = self._forward(xs, ts)
        out.backward()
        self.last_engine = "graph"
        outputs: list[float | list[float]] = [
            [v.data for v in y] if isinstance(y, list) else y.data for y in ys
        ]
        return StepResult(out.data, outputs)

    def _trace(
        self,
        xs: Sequence[Sequence[Number]],
        ts: Sequence[Target],
        params: list[Value],
        shape: Shape,
    ) -> None:
        """Build the step once on leaves for the inputs and targets, and compile its graph."""
        x_leaves = [[Value(v, f"x[{n},{i}]") for i, v in enumerate(x)] for n, x in enumerate(xs)]
        t_leaves = [_target_leaves(t, n) for n, t in enumerate(ts)]
        out, ys = self._forward(x_leaves, t_leaves)
        watch = [v for y in ys for v in (y if isinstance(y, list) else [y])]
        self._widths = [len(y) if isinstance(y, list) else 0 for y in ys]
        self._shape, self._params = shape, params
        inputs = [v for x in x_leaves for v in x] + cast(list[Value], _flat(t_leaves))
        try:
            self.compiled = compile_graph(
                out, inputs, params, name="training_step", comments=False, watch=watch, inline=True
            )
        except ValueError:  # an op the compiler does not know: the graph engine does every step
            self.compiled = None


def _shape(xs: Sequence[Sequence[object]], ts: Sequence[object]) -> Shape:
    """What the traced graph depends on besides the parameters: the sizes in the batch."""
    return (tuple(map(len, xs)), tuple(len(t) if isinstance(t, Sequence) else None for t in ts))


def _plain(numbers: Sequence[object]) -> bool:
    """Only floats and ints (not bool): anything else goes to the graph engine, which checks it."""
    return all(type(v) is float or type(v) is int for v in numbers)


def _target_leaves(t: object, n: int) -> Value | list[Value]:
    if isinstance(t, Sequence) and not isinstance(t, str):
        return [Value(v, f"t[{n},{k}]") for k, v in enumerate(t)]
    return Value(t, f"t[{n}]")  # type: ignore[arg-type]  # Value checks the type itself


def _flat(ts: Sequence[object]) -> list[object]:
    return [v for t in ts for v in (t if isinstance(t, Sequence) else (t,))]


def _regroup(values: list[float], widths: list[int]) -> list[float | list[float]]:
    """Watched output values back into one per sample (a list for a multi-output network)."""
    grouped: list[float | list[float]] = []
    i = 0
    for width in widths:
        if width:
            grouped.append(values[i : i + width])
            i += width
        else:
            grouped.append(values[i])
            i += 1
    return grouped

"""Compiled training steps: bit-identical to the graph engine, and the graph when the structure changes.

Tolerance: none. The compiled step evaluates every op with the engine's own code template and
accumulates gradients in the engine's order, and adds them into ``.grad`` as ``backward()`` does,
so loss, outputs and every parameter gradient are compared with ``==``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import NetCase, net_cases

from microgradnet import MLP, Value, binary_cross_entropy, half_squared_error, mean
from microgradnet.compiled import CompiledStep, StepResult
from microgradnet.losses import LOSSES


def case_loss(case: NetCase) -> object:
    per_sample = LOSSES[case.loss]
    return lambda ys, ts: mean([per_sample(y, t) for y, t in zip(ys, ts)])


def graph_step(mlp: MLP, loss: object, xs: Sequence[Sequence[float]], ts: object) -> StepResult:
    ys = [mlp(x) for x in xs]
    out = loss(ys, ts)  # type: ignore[operator]
    out.backward()
    outputs = [[v.data for v in y] if isinstance(y, list) else y.data for y in ys]
    return StepResult(out.data, outputs)


def twins(case: NetCase) -> tuple[MLP, MLP]:
    return (
        MLP.from_weights(case.weights, case.biases, case.activations),
        MLP.from_weights(case.weights, case.biases, case.activations),
    )


@settings(max_examples=60)
@given(net_cases(max_layers=3, max_width=3, max_batch=3), st.data())
def test_compiled_steps_are_bit_identical_to_backward(case: NetCase, data: st.DataObject) -> None:
    """Three steps on new inputs each time, gradients accumulating: the same floats every time."""
    compiled_net, graph_net = twins(case)
    loss = case_loss(case)
    step = compiled_net.compiled_step(loss)  # type: ignore[arg-type]
    batches = [case.X] + [
        [[data.draw(st.floats(-3, 3)) for _ in x] for x in case.X] for _ in range(2)
    ]
    for xs in batches:
        got = step(xs, case.T)
        want = graph_step(graph_net, loss, xs, case.T)
        assert step.last_engine == "compiled"
        assert got == want
        assert [p.grad for p in compiled_net.parameters()] == [
            p.grad for p in graph_net.parameters()
        ]
        for p, q in zip(compiled_net.parameters(), graph_net.parameters()):
            p.data -= 0.1 * p.grad  # new parameters for the next step, the same in both
            q.data -= 0.1 * q.grad


def moons_net() -> MLP:
    return MLP.from_weights(
        [[[0.5, -0.3], [0.2, 0.8]], [[1.0, -1.0]]], [[0.1, -0.1], [0.05]], ["tanh", "sigmoid"]
    )


def bce(ys: list[Value], ts: list[object]) -> Value:
    return mean([binary_cross_entropy(y, t) for y, t in zip(ys, ts)])  # type: ignore[arg-type]


XS = [[0.3, -0.2], [1.0, 0.5], [-0.7, 0.1]]


def test_the_first_call_traces_and_later_ones_replay_new_targets() -> None:
    net, twin = moons_net(), moons_net()
    step = CompiledStep(net, bce)
    assert step(XS, [1, 0, 1]) == graph_step(twin, bce, XS, [1, 0, 1])
    net.zero_grad()
    twin.zero_grad()
    assert step(XS, [0, 0, 1]) == graph_step(twin, bce, XS, [0, 0, 1])  # targets are inputs
    assert step.last_engine == "compiled"
    assert step.compiled is not None and "bce_slope(" in step.compiled.source


@pytest.mark.parametrize(
    ("xs", "ts"),
    [
        (XS[:2], [1, 0]),  # another batch size
        ([[0.3, -0.2, 9.0], [1.0, 0.5, 9.0], [-0.7, 0.1, 9.0]], [1, 0, 1]),  # another input width
        (XS, [[1], [0], [1]]),  # targets as lists instead of numbers
    ],
)
def test_a_different_structure_runs_on_the_graph(xs: list[list[float]], ts: object) -> None:
    net, twin = moons_net(), moons_net()
    step = CompiledStep(
        net, lambda ys, ts: mean([half_squared_error(y, t) for y, t in zip(ys, ts)])
    )
    step(XS, [1, 0, 1])
    assert step.last_engine == "compiled"
    net.zero_grad()
    if len(xs[0]) != 2:  # the network refuses it, as the graph engine does
        with pytest.raises(ValueError, match="input: expected 2 values, got 3"):
            step(xs, ts)  # type: ignore[arg-type]
        return
    loss = lambda ys, ts: mean([half_squared_error(y, t) for y, t in zip(ys, ts)])
    assert step(xs, ts) == graph_step(twin, loss, xs, ts)  # type: ignore[arg-type]
    assert step.last_engine == "graph"
    step(XS, [1, 0, 1])
    assert step.last_engine == "compiled"  # and back to the traced structure


def test_new_parameters_or_non_numbers_run_on_the_graph() -> None:
    net = moons_net()
    step = CompiledStep(net, bce)
    step(XS, [1, 0, 1])
    net.layers[1] = moons_net().layers[1]  # other parameter objects: the trace no longer fits
    step(XS, [1, 0, 1])
    assert step.last_engine == "graph"
    with pytest.raises(TypeError, match=r"target: expected a number .*, got str: '1'"):
        step(XS, ["1", 0, 1])  # type: ignore[list-item]


def test_a_graph_the_compiler_cannot_write_runs_on_the_graph_every_step() -> None:
    def cube_loss(ys: list[Value], ts: list[object]) -> Value:
        out = ys[0] * 1.0
        out.op = "cube"  # an op no table row describes
        return out

    net = moons_net()
    step = CompiledStep(net, cube_loss)
    step(XS, [1, 0, 1])
    assert step.compiled is None and step.last_engine == "graph"


def test_the_loss_must_return_a_value() -> None:
    with pytest.raises(TypeError, match="loss must return a Value, got float"):
        CompiledStep(moons_net(), lambda ys, ts: 1.0)(XS, [1, 0, 1])  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="loss must be callable, got int"):
        CompiledStep(moons_net(), 3)  # type: ignore[arg-type]

"""compile_graph: the generated source reads like hand-derived deltas and reproduces the engine exactly.

Tolerance: none. The compiled code evaluates every op with the engine's own expression (the same
``numerics`` functions, the same operand order) and adds gradient contributions in the engine's
order (reverse topological, operands in order), so each number is the *same IEEE-754 result*, not
a nearby one. The tests therefore compare bit patterns. The one documented exception is the sign
of a zero gradient (the engine computes 0.0 + (-0.0) = 0.0 where the compiled code assigns -0.0),
so zeros are compared after adding 0.0; nan compares equal to nan (both sides produce it).
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import (
    SEED_000,
    SEED_004,
    NetCase,
    Program,
    net_cases,
    program_output,
    programs,
    seed_program,
)

from microgradnet import MLP, Value, vsum
from microgradnet.codegen import CompiledGraph, compile_graph
from microgradnet.losses import LOSSES, half_squared_error, mean


def same_float(a: float, b: float) -> bool:
    """Bit-identical floats, zeros of either sign counted equal, nan equal to nan (see the docstring)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return struct.pack("<d", a + 0.0) == struct.pack("<d", b + 0.0)


def assert_same(got: Sequence[float], want: Sequence[float]) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert same_float(g, w), f"number {i}: compiled {g!r}, engine {w!r}"


def engine_pass(output: Value, params: Sequence[Value]) -> list[float]:
    """The engine's output value and gradients of ``params``, in the compiled function's layout."""
    output.backward()
    return [output.data, *(p.grad for p in params)]


def compiled_pass(
    compiled: CompiledGraph, inputs: Sequence[float], params: Sequence[float]
) -> list[float]:
    value, grads = compiled(inputs, params)
    return [value, *grads]


# ---- random expression graphs over every op -----------------------------------------------------


def program_leaves(program: Program, values: Sequence[float]) -> list[Value]:
    return [Value(v, f"x[{i}]") for i, v in enumerate(values)]


@given(programs(), st.data())
@example(seed_program(SEED_000), None)
def test_random_graphs_match_the_engine_bit_for_bit(
    program: Program, data: st.DataObject | None
) -> None:
    xs = program_leaves(program, program.inputs)
    compiled = compile_graph(program_output(program, xs), params=xs)
    assert_same(
        compiled_pass(compiled, [], program.inputs), engine_pass(program_output(program, xs), xs)
    )
    # New values for every leaf: branches (relu) and all values are recomputed, not frozen.
    if data is not None:
        moved = data.draw(st.lists(st.floats(-2.0, 2.0), min_size=len(xs), max_size=len(xs)))
        fresh = program_leaves(program, moved)
        assert_same(
            compiled_pass(compiled, [], moved), engine_pass(program_output(program, fresh), fresh)
        )


@given(programs(max_inputs=3), st.integers(0, 2))
def test_inputs_are_arguments_without_gradients(program: Program, n_inputs: int) -> None:
    """Leaves split into inputs (arguments only) and params (arguments with gradients)."""
    xs = program_leaves(program, program.inputs)
    split = min(n_inputs, len(xs))
    compiled = compile_graph(program_output(program, xs), xs[:split], xs[split:])
    want = engine_pass(program_output(program, xs), xs[split:])
    assert_same(compiled_pass(compiled, program.inputs[:split], program.inputs[split:]), want)


# ---- random networks ----------------------------------------------------------------------------


def network_graph(case: NetCase, mlp: MLP) -> tuple[Value, list[Value]]:
    """The batch-mean loss of ``case`` with every input as a named leaf: (loss, input leaves)."""
    inputs, terms = [], []
    for x, t in zip(case.X, case.T):
        leaves = mlp.inputs(x)
        inputs += leaves
        out = mlp(leaves)
        terms.append(LOSSES[case.loss](out, t))
    return mean(terms), inputs


@given(net_cases(), st.data())
@example(SEED_004, None)
@example(SEED_000, None)
def test_random_networks_match_the_engine_bit_for_bit(
    case: NetCase, data: st.DataObject | None
) -> None:
    mlp = MLP.from_weights(case.weights, case.biases, case.activations)
    loss, inputs = network_graph(case, mlp)
    compiled = compile_graph(loss, inputs, mlp.parameters())
    x_values = [v.data for v in inputs]
    p_values = [p.data for p in mlp.parameters()]
    assert_same(compiled_pass(compiled, x_values, p_values), engine_pass(loss, mlp.parameters()))
    if data is not None:  # new weights and inputs: the same code, re-evaluated (relu branches too)
        moved = [data.draw(st.floats(-3.0, 3.0)) for _ in p_values]
        new_x = [data.draw(st.floats(-3.0, 3.0)) for _ in x_values]
        other = MLP.from_weights(case.weights, case.biases, case.activations)
        for p, v in zip(other.parameters(), moved):
            p.data = v
        it = iter(new_x)
        moved_case = NetCase(
            case.weights,
            case.biases,
            case.activations,
            [[next(it) for _ in x] for x in case.X],
            case.T,
            case.loss,
        )
        new_loss, _ = network_graph(moved_case, other)
        assert_same(
            compiled_pass(compiled, new_x, moved), engine_pass(new_loss, other.parameters())
        )


# ---- the seed network, printed ------------------------------------------------------------------


def seed_000() -> tuple[CompiledGraph, MLP, list[Value]]:
    mlp = MLP.from_weights(SEED_000.weights, None, "sigmoid")
    x = mlp.inputs(SEED_000.X[0])
    loss = half_squared_error(mlp(x), SEED_000.T[0])
    loss.label = "L"
    return compile_graph(loss, x, mlp.parameters()), mlp, x


def test_seed_source_reads_as_hand_derived_deltas() -> None:
    source = seed_000()[0].source
    lines = [line.strip() for line in source.splitlines()]
    assert lines[0] == "def forward_backward(inputs, params):"
    assert "(x_0, x_1) = inputs" in lines
    assert "(W1_0_0, W1_0_1, W1_1_0, W1_1_1, W2_0_0, W2_0_1) = params" in lines
    # each op once, its local derivative beside it
    assert "a1_0 = sigmoid(z1_0)  # ∂/∂z1_0 = a1_0 * (1.0 - a1_0)" in lines
    assert "a2_0 = sigmoid(z2_0)  # ∂/∂z2_0 = a2_0 * (1.0 - a2_0)" in lines
    # the chain rule, local derivative first and upstream gradient last: δ⁽²⁾ and δ⁽¹⁾
    assert "dL_dz2_0 = a2_0 * (1.0 - a2_0) * dL_da2_0" in lines
    assert "dL_dz1_0 = a1_0 * (1.0 - a1_0) * dL_da1_0" in lines
    assert any(re.fullmatch(r"dL_dW1_0_0 = x_0 \* dL_dv\d+", line) for line in lines)
    assert any(re.fullmatch(r"dL_dW2_0_0 = a1_0 \* dL_dv\d+", line) for line in lines)
    assert (
        lines[-1]
        == "return L, [dL_dW1_0_0, dL_dW1_0_1, dL_dW1_1_0, dL_dW1_1_1, dL_dW2_0_0, dL_dW2_0_1]"
    )
    compile(source, "<seed>", "exec")  # the printed text is itself valid Python


def test_seed_gradients_are_the_documents_numbers() -> None:
    """Example 000 (½(o−y)², corrected deltas): δ_o = 0.036770, δ_h1 = 0.002728, δ_h2 = 0.008071."""
    compiled = seed_000()[0]
    loss, grads = compiled([0.35, 0.7], [0.2, 0.2, 0.3, 0.3, 0.3, 0.9])
    # printed to 6 decimals: compared at half a unit of the last printed digit
    assert loss == pytest.approx(0.5 * 0.165074**2, abs=5e-7)
    assert grads[4] == pytest.approx(0.020309, abs=5e-7)  # δ_o·h1
    assert grads[5] == pytest.approx(0.021257, abs=5e-7)  # δ_o·h2
    assert grads[0] == pytest.approx(0.000955, abs=5e-7)  # δ_h1·x1
    assert grads[3] == pytest.approx(0.005650, abs=5e-7)  # δ_h2·x2


# ---- behaviour and errors -----------------------------------------------------------------------


def test_relu_branch_is_re_evaluated_on_new_inputs() -> None:
    x, w = Value(1.0, "x"), Value(2.0, "w")
    out = (w * x).relu()
    compiled = compile_graph(out, [x], [w])
    assert_same(compiled_pass(compiled, [3.0], [2.0]), [6.0, 3.0])  # traced branch: ∂out/∂w = x
    assert_same(compiled_pass(compiled, [-3.0], [2.0]), [0.0, 0.0])  # past the kink: flat


def test_other_leaves_are_frozen_and_unreached_params_get_zero() -> None:
    x, t, unused = Value(2.0, "x"), Value(0.5, "t"), Value(7.0, "unused")
    out = (x - t) * 3.0
    compiled = compile_graph(out, [], [x, unused])
    assert "t = 0.5  # a constant leaf" in compiled.source
    assert_same(compiled_pass(compiled, [], [4.0, 1.0]), [10.5, 3.0, 0.0])


def test_labels_become_unique_identifiers_that_shadow_nothing() -> None:
    a, b, c = Value(0.3, "exp"), Value(0.4, "lambda"), Value(0.5, "w[0, 1]")
    d = Value(0.6, "w[0,1]")
    out = vsum([a.exp(), b * c, d])
    compiled = compile_graph(out, [], [a, b, c, d])
    assert "(exp__2, lambda__2, w_0_1, w_0_1__2) = params" in compiled.source
    want = engine_pass(vsum([a.exp(), b * c, d]), [a, b, c, d])
    assert_same(compiled_pass(compiled, [], [0.3, 0.4, 0.5, 0.6]), want)


def test_a_graph_without_parameters_still_returns_its_value() -> None:
    x = Value(3.0, "x")
    compiled = compile_graph(x * x, [x])
    assert_same(compiled_pass(compiled, [4.0], []), [16.0])


NOT_A_VALUE: Any = 2.0  # deliberately the wrong type, past the type checker

BAD_CALLS: list[tuple[Callable[[Value, Value], object], type[Exception], str]] = [
    (
        lambda x, y: compile_graph(x * y, [x * y]),
        ValueError,
        r"inputs\[0\] is the result of '\*', not a leaf",
    ),
    (
        lambda x, y: compile_graph(x * y, [x], [x]),
        ValueError,
        r"params\[0\] \('x'\) is the same leaf as inputs\[0\]",
    ),
    (
        lambda x, y: compile_graph(x * y, [NOT_A_VALUE]),
        TypeError,
        r"inputs\[0\] must be a Value, got float",
    ),
    (lambda x, y: compile_graph(NOT_A_VALUE), TypeError, r"output must be a Value, got float"),
    (lambda x, y: compile_graph(x * y, name="class"), ValueError, r"name 'class' is not a usable"),
]


@pytest.mark.parametrize(("make", "error", "message"), BAD_CALLS)
def test_bad_arguments_are_named(
    make: Callable[[Value, Value], object], error: type[Exception], message: str
) -> None:
    x, y = Value(1.0, "x"), Value(2.0, "y")
    with pytest.raises(error, match=message):
        make(x, y)


def test_unknown_op_is_reported() -> None:
    x = Value(1.0, "x")
    out = x * 2.0
    out.op = "cube"
    with pytest.raises(ValueError, match=r"op 'cube' .* is not supported"):
        compile_graph(out, [], [x])


def test_wrong_number_of_values_names_the_leaves() -> None:
    compiled = seed_000()[0]
    with pytest.raises(ValueError, match=r"expected 2 inputs \(x\[0\], x\[1\]\), got 1"):
        compiled([0.35], [0.2] * 6)


@pytest.mark.parametrize("k", [0.0, 1.0, -1.0, 0.5, math.inf])
def test_constant_exponents_including_edge_values(k: float) -> None:
    """a**k with k = 0 (derivative 0), 1, -1, ½ and ∞: the engine's special cases, reproduced."""
    a = Value(1.5, "a")
    compiled = compile_graph(a**k, [], [a])
    for value in (1.5, 0.0, 2.0):
        fresh = Value(value, "a")
        assert_same(compiled_pass(compiled, [], [value]), engine_pass(fresh**k, [fresh]))


def test_the_exponent_is_the_nodes_constant_not_parsed_from_its_op_name() -> None:
    """``a ** k`` keeps k as ``node.const``; the op name ("**2") is for display."""
    x = Value(2.0, "x")
    out = x**2
    assert out.const == 2.0 and out.op == "**2"
    compiled = compile_graph(out, [], [x])
    assert "power(x, 2.0)" in compiled.source
    assert compiled([], [3.0]) == (9.0, [6.0])  # exact: 3² and 2·3

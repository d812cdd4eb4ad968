"""The Value engine: operators and reflected forms, the public ordered graph, exact gradients of
reused nodes, accumulation rules, a deep chain, no_grad, detect_anomaly and bad operands."""

from __future__ import annotations

import asyncio
import math
import pickle
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from microgradnet import (
    MLP,
    SGD,
    AnomalyError,
    Value,
    detect_anomaly,
    dot,
    is_grad_enabled,
    no_grad,
    vsum,
)
from microgradnet.graph import edges, topological_order

EXACT = 1e-15  # relative tolerance for results that are exact in binary floating point


def grads_of(out: Value, *xs: Value) -> list[float]:
    out.backward()
    return [x.grad for x in xs]


# ---- every operator and reflected form: value, recorded op, gradient ----------------------------

A, B = 1.5, -0.75

#: (name, f(a, b), expected value, ∂/∂a, ∂/∂b, recorded op)
BINARY_CASES: list[tuple[str, Callable[[Value, Value], Value], float, float, float, str]] = [
    ("a + b", lambda a, b: a + b, A + B, 1.0, 1.0, "+"),
    ("a - b", lambda a, b: a - b, A - B, 1.0, -1.0, "-"),
    ("a * b", lambda a, b: a * b, A * B, B, A, "*"),
    ("a / b", lambda a, b: a / b, A / B, 1 / B, -A / B**2, "/"),
]

#: (name, f(v), x, expected value, d/dx, recorded op of the result)
UNARY_CASES: list[tuple[str, Callable[[Value], object], float, float, float, str]] = [
    ("-v", lambda v: -v, A, -A, -1.0, "neg"),
    ("v ** 2", lambda v: v**2, A, A**2, 2 * A, "**2"),
    ("v ** 3", lambda v: v**3, A, A**3, 3 * A**2, "**3"),
    ("v ** -1", lambda v: v**-1, A, 1 / A, -1 / A**2, "**-1"),
    ("v ** 0.5", lambda v: v**0.5, A, math.sqrt(A), 0.5 / math.sqrt(A), "**0.5"),
    ("v ** 0", lambda v: v**0, A, 1.0, 0.0, "**0"),
    ("v.sqrt()", lambda v: v.sqrt(), A, math.sqrt(A), 0.5 / math.sqrt(A), "**0.5"),
    ("v.exp()", lambda v: v.exp(), A, math.exp(A), math.exp(A), "exp"),
    ("v.log()", lambda v: v.log(), A, math.log(A), 1 / A, "log"),
    ("v.tanh()", lambda v: v.tanh(), A, math.tanh(A), 1 / math.cosh(A) ** 2, "tanh"),
    (
        "v.sigmoid()",
        lambda v: v.sigmoid(),
        A,
        1 / (1 + math.exp(-A)),
        math.exp(-A) / (1 + math.exp(-A)) ** 2,
        "sigmoid",
    ),
    ("v.relu() (v > 0)", lambda v: v.relu(), A, A, 1.0, "relu"),
    ("v.relu() (v < 0)", lambda v: v.relu(), B, 0.0, 0.0, "relu"),
    (
        "v.softplus()",
        lambda v: v.softplus(),
        A,
        math.log1p(math.exp(A)),
        1 / (1 + math.exp(-A)),
        "softplus",
    ),
    # constants on the right
    ("v + 2", lambda v: v + 2, A, A + 2, 1.0, "+"),
    ("v - 2", lambda v: v - 2, A, A - 2, 1.0, "-"),
    ("v * 2", lambda v: v * 2, A, A * 2, 2.0, "*"),
    ("v / 2", lambda v: v / 2, A, A / 2, 0.5, "/"),
    ("v + 2.5", lambda v: v + 2.5, A, A + 2.5, 1.0, "+"),
    # reflected forms: the constant on the left
    ("2 + v", lambda v: 2 + v, A, 2 + A, 1.0, "+"),
    ("2 - v", lambda v: 2 - v, A, 2 - A, -1.0, "-"),
    ("2 * v", lambda v: 2 * v, A, 2 * A, 2.0, "*"),
    ("2 / v", lambda v: 2 / v, A, 2 / A, -2 / A**2, "/"),
    ("2 ** v", lambda v: 2**v, A, 2**A, 2**A * math.log(2), "**"),
    ("0.5 - v", lambda v: 0.5 - v, A, 0.5 - A, -1.0, "-"),
]


@pytest.mark.parametrize(
    ("name", "f", "x", "value", "derivative", "op"), UNARY_CASES, ids=[c[0] for c in UNARY_CASES]
)
def test_unary_and_constant_forms(
    name: str, f: Callable[[Value], Value], x: float, value: float, derivative: float, op: str
) -> None:
    v = Value(x, "v")
    out = f(v)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(value, rel=1e-14)
    assert out.op == op
    out.backward()
    assert v.grad == pytest.approx(derivative, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("name", ["a + b", "a - b", "a * b", "a / b"])
def test_binary_operators(name: str) -> None:
    (_, f, value, da, db, op) = next(c for c in BINARY_CASES if c[0] == name)
    a, b = Value(A, "a"), Value(B, "b")
    out = f(a, b)
    assert out.data == pytest.approx(value, rel=EXACT)
    assert out.op == op
    assert out.parents[0] is a and out.parents[1] is b
    assert grads_of(out, a, b) == [pytest.approx(da, rel=EXACT), pytest.approx(db, rel=EXACT)]


def test_value_to_the_power_of_a_value() -> None:
    a, b = Value(1.7, "a"), Value(-0.6, "b")
    out = a**b
    assert out.op == "**" and out.parents == (a, b)
    assert out.data == pytest.approx(1.7**-0.6, rel=1e-14)
    out.backward()
    assert a.grad == pytest.approx(-0.6 * 1.7**-1.6, rel=1e-14)
    assert b.grad == pytest.approx(1.7**-0.6 * math.log(1.7), rel=1e-14)


def test_unary_plus_is_the_same_node() -> None:
    v = Value(2.0)
    assert +v is v


def test_integer_and_fraction_operands_become_float_constants() -> None:
    v = Value(3)
    assert isinstance(v.data, float) and v.data == pytest.approx(3.0, rel=0)
    out = v * Fraction(1, 2)
    assert out.data == pytest.approx(1.5, rel=EXACT)
    assert out.parents[1].data == pytest.approx(0.5, rel=EXACT)


def test_power_of_zero_has_zero_derivative_at_zero() -> None:
    """d/da a**0 = 0 everywhere, also at a = 0 (not 0·0⁻¹ = nan); likewise a**b at b = 0."""
    a = Value(0.0)
    (a**0).backward()
    assert a.grad == pytest.approx(0.0, abs=0)
    a, b = Value(0.0), Value(0.0)
    out = a**b
    out.backward()
    assert out.data == pytest.approx(1.0, rel=0)
    assert a.grad == pytest.approx(0.0, abs=0)


def test_power_derivative_with_respect_to_exponent_at_zero_base() -> None:
    """∂(0**b)/∂b = 0 for b > 0 (the function is flat at 0 there)."""
    a, b = Value(0.0), Value(2.0)
    (a**b).backward()
    assert b.grad == pytest.approx(0.0, abs=0)
    assert a.grad == pytest.approx(0.0, abs=0)


# ---- the graph is public and ordered -------------------------------------------------------------


def test_a_times_a_has_two_parents_in_order() -> None:
    a = Value(3.0, "a")
    out = a * a
    assert out.parents == (a, a) and all(p is a for p in out.parents)
    assert out.local_grads == (pytest.approx(3.0), pytest.approx(3.0))
    assert out.op == "*" and out.label == ""
    assert isinstance(out.parents, tuple)


def test_operand_order_is_kept() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    d = b - a
    assert d.parents[0] is b and d.parents[1] is a
    assert d.local_grads == (pytest.approx(1.0), pytest.approx(-1.0))
    q = b / a
    assert q.parents[0] is b and q.local_grads == (pytest.approx(1.0), pytest.approx(-2.0))


def test_constants_are_unlabelled_leaves() -> None:
    v = Value(1.0, "v")
    for out, position in [(v * 2, 1), (2 - v, 0), (v + 0.5, 1), (2**v, 0)]:
        constant = out.parents[position]
        assert constant.op == "" and constant.label == "" and constant.parents == ()
    assert (v * 2).parents[1].data == pytest.approx(2.0, rel=0)


def test_leaf_has_no_parents_and_keeps_its_label() -> None:
    v = Value(1.0, "x[0]")
    assert v.parents == () and v.local_grads == () and v.op == "" and v.label == "x[0]"
    assert repr(v) == "Value(data=1.0, grad=0.0, label='x[0]')"
    assert repr(Value(2.5)) == "Value(data=2.5, grad=0.0)"


def test_vsum_is_one_n_ary_node_in_order() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(4.0)
    s = vsum([a, b, c, a, 0.5])
    assert s.op == "+" and len(s.parents) == 5
    assert s.parents[:4] == (a, b, c, a) and s.parents[4].op == ""
    assert s.data == pytest.approx(8.5, rel=EXACT)
    s.backward()
    assert [a.grad, b.grad, c.grad] == [pytest.approx(2.0), pytest.approx(1.0), pytest.approx(1.0)]


def test_vsum_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        vsum([])


def test_topological_order_puts_parents_first_and_root_last() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


def test_edges_count_each_operand_occurrence() -> None:
    a = Value(2.0, "a")
    out = a * a
    order = topological_order(out)
    assert edges(order) == [(0, 1, 0), (0, 1, 1)]


# ---- exact gradients of reused nodes -------------------------------------------------------------


def test_a_times_a() -> None:
    a = Value(3.0)
    assert grads_of(a * a, a) == [pytest.approx(6.0, rel=EXACT)]


def test_b_is_a_plus_a_then_c_is_b_plus_b() -> None:
    a = Value(0.3)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == pytest.approx(4.0, rel=EXACT)
    assert b.grad == pytest.approx(2.0, rel=EXACT)
    assert c.grad == pytest.approx(1.0, rel=EXACT)


def test_diamond() -> None:
    """x → (u = 3x, v = x²) → w = u·v = 3x³;  dw/dx = 9x²."""
    x = Value(2.0)
    u, v = x * 3, x * x
    w = u * v
    w.backward()
    assert w.data == pytest.approx(24.0, rel=EXACT)
    assert x.grad == pytest.approx(36.0, rel=EXACT)
    assert u.grad == pytest.approx(4.0, rel=EXACT) and v.grad == pytest.approx(6.0, rel=EXACT)


def test_node_reached_by_many_paths() -> None:
    x = Value(0.5)
    nodes = [x]
    for _ in range(20):
        nodes.append(nodes[-1] + nodes[-1])  # 2^20 paths from the root to x
    nodes[-1].backward()
    assert x.grad == pytest.approx(2.0**20, rel=EXACT)


# ---- accumulation semantics ----------------------------------------------------------------------


def small_graph() -> tuple[Value, Value, Value, Value]:
    a, b = Value(0.8, "a"), Value(-1.3, "b")
    h = (a * b).tanh()
    out = h * h + a
    return a, b, h, out


def test_backward_twice_doubles_every_grad_including_intermediates_and_root() -> None:
    _, _, h, out = small_graph()
    out.backward()
    once = {id(n): n.grad for n in topological_order(out)}
    out.backward()
    for node in topological_order(out):
        assert node.grad == pytest.approx(2 * once[id(node)], rel=EXACT)
    assert out.grad == pytest.approx(2.0, rel=EXACT)
    assert abs(h.grad) > 0.0


def test_backward_with_a_seed_gradient_scales() -> None:
    a, *_, out = small_graph()
    out.backward()
    ga = a.grad
    a2, *_, out2 = small_graph()
    out2.backward(gradient=-2.5)
    assert a2.grad == pytest.approx(-2.5 * ga, rel=1e-15)
    assert out2.grad == pytest.approx(-2.5, rel=0)


def test_zero_grad_on_a_value_zeroes_its_whole_graph() -> None:
    a, *_, out = small_graph()
    out.backward()
    out.zero_grad()
    assert all(node.grad == pytest.approx(0.0, abs=0) for node in topological_order(out))
    out.backward()
    a_fresh, *_, out_fresh = small_graph()
    out_fresh.backward()
    assert a.grad == pytest.approx(a_fresh.grad, rel=0)


def test_zero_grad_on_an_intermediate_leaves_nodes_above_it() -> None:
    a, _, h, out = small_graph()
    out.backward()
    h.zero_grad()
    assert a.grad == pytest.approx(0.0, abs=0) and h.grad == pytest.approx(0.0, abs=0)
    assert out.grad == pytest.approx(1.0, rel=0)


def test_gradients_of_two_losses_sharing_parameters_add() -> None:
    def losses() -> tuple[Value, Value, Value, Value]:
        w, c = Value(0.4, "w"), Value(-0.2, "c")
        shared = (w * 1.5 + c).sigmoid()  # an intermediate both losses use
        return w, c, (shared - 1) ** 2, shared * w

    w1, c1, l1, _ = losses()
    l1.backward()
    w2, c2, _, l2 = losses()
    l2.backward()
    w, c, first, second = losses()
    first.backward()
    second.backward()
    assert w.grad == pytest.approx(w1.grad + w2.grad, rel=1e-15)
    assert c.grad == pytest.approx(c1.grad + c2.grad, rel=1e-15)


def test_backward_from_an_intermediate_after_the_root_adds() -> None:
    x = Value(3.0)
    y = x * x
    z = y * 2
    z.backward()  # x.grad = 12, y.grad = 2
    y.backward()  # adds dy/dx = 6 and dy/dy = 1
    assert x.grad == pytest.approx(18.0, rel=EXACT)
    assert y.grad == pytest.approx(3.0, rel=EXACT)


def test_sgd_and_mlp_zero_grad_zero_the_parameters() -> None:
    mlp = MLP.from_weights([[[0.2, -0.4], [0.7, 0.1]], [[0.3, -0.2]]], [[0.0, 0.0], [0.1]])
    out = mlp([1.0, 0.5])
    assert isinstance(out, Value)
    (out * out).backward()
    assert all(abs(p.grad) > 0.0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == pytest.approx(0.0, abs=0) for p in mlp.parameters())
    (out * out).backward()
    opt = SGD(mlp.parameters(), lr=0.1)
    opt.zero_grad()
    assert all(p.grad == pytest.approx(0.0, abs=0) for p in mlp.parameters())


# ---- a deep chain -------------------------------------------------------------------------------

DEPTH = 100_000


def test_deep_chain_backward_without_recursion_error() -> None:
    x = Value(0.5, "x")
    v = x
    for _ in range(DEPTH):
        v = v * 1.0 + 0.25  # two ops per step, 200,000 ops deep
    v.backward()
    assert v.data == pytest.approx(0.5 + 0.25 * DEPTH, rel=1e-12)
    assert x.grad == pytest.approx(1.0, rel=0)
    assert len(topological_order(v)) == 1 + 4 * DEPTH  # x, and per step: two constants and two ops
    v.zero_grad()
    assert x.grad == pytest.approx(0.0, abs=0)
    del v  # freeing the chain must not recurse either


def test_deep_chain_of_unary_ops() -> None:
    x = Value(0.1)
    v = x
    for _ in range(DEPTH):
        v = -v
    v.backward()
    assert x.grad == pytest.approx(1.0, rel=0)  # an even number of negations


# ---- no_grad ---------------------------------------------------------------------------------


def test_no_grad_records_nothing() -> None:
    a = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        out = (a * a + 1).exp().log()
        assert out.data == pytest.approx(5.0, rel=1e-15)
        assert out.parents == () and out.op == "" and out.local_grads == ()
        s = vsum([a, a])
        assert s.parents == ()
    assert is_grad_enabled()
    assert (a * a).parents == (a, a)


def test_no_grad_is_restored_after_an_exception_and_nests() -> None:
    with pytest.raises(RuntimeError), no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
        raise RuntimeError("boom")
    assert is_grad_enabled()


# ---- detect_anomaly ------------------------------------------------------------------------------


def test_detect_anomaly_names_the_first_forward_op() -> None:
    x = Value(1.0)
    with detect_anomaly():
        y = x - 1.0  # 0.0, fine
        with pytest.raises(
            AnomalyError, match=r"forward of 'log' gave -inf from operands \(0\.0\)"
        ):
            y.log()
    # outside the block the same op just returns -inf
    assert math.isinf(y.log().data)


def test_detect_anomaly_forward_ignores_ops_on_non_finite_operands() -> None:
    """Only the op that *turned* finite numbers into nan/inf is named, not those after it."""
    nan_leaf = Value(-1.0).log()  # nan, made outside the block
    with detect_anomaly():
        out = nan_leaf * 2.0 + 1.0  # nan in, nan out: not a new anomaly
    assert math.isnan(out.data)


def test_detect_anomaly_forward_names_division_and_exp() -> None:
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"'/'.*\(1\.0, 0\.0\)"):
            Value(1.0) / 0.0
        with pytest.raises(AnomalyError, match=r"'exp' gave inf"):
            Value(1000.0).exp()


def test_detect_anomaly_names_the_first_backward_op() -> None:
    x = Value(0.0, "x")
    root = x.sqrt()  # forward 0.0 is fine; its local derivative 0.5/√0 is inf
    y = root * 3.0
    with (
        detect_anomaly(),
        pytest.raises(AnomalyError, match=r"backward of '\*\*0\.5' .*operands \(0\.0\).*operand 0"),
    ):
        y.backward()


def test_detect_anomaly_backward_reports_the_op_nearest_the_output() -> None:
    x = Value(0.0, "x")
    z = x.sqrt() + 1e-300  # √'s backward would give inf too, but it is never reached
    y = z * 1e300  # 1.0
    out = y * 1e300  # 1e300: every forward value is finite
    with (
        detect_anomaly(),
        pytest.raises(
            AnomalyError, match=r"backward of '\*' with operands \(1e-300, 1e\+300\) gave inf"
        ),
    ):
        out.backward()


def test_detect_anomaly_rejects_non_finite_leaves_and_restores() -> None:
    with detect_anomaly(), pytest.raises(AnomalyError, match="not finite"):
        Value(math.inf)
    assert math.isinf(Value(math.inf).data)


def test_detect_anomaly_passes_clean_graphs() -> None:
    with detect_anomaly():
        a = Value(0.3)
        out = (a.exp() * a.tanh()).sigmoid()
        out.backward()
    assert math.isfinite(a.grad) and abs(a.grad) > 0.0


def test_anomaly_error_is_an_arithmetic_error() -> None:
    assert issubclass(AnomalyError, ArithmeticError)


# ---- bad operands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "type_name"),
    [("3", "str"), (None, "NoneType"), (1 + 2j, "complex"), (True, "bool"), ([1.0], "list")],
)
def test_value_of_a_non_number_names_the_type(data: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("operation", "type_name"),
    [
        (lambda v: v + "a", "str"),
        (lambda v: "a" + v, "str"),
        (lambda v: v - None, "NoneType"),
        (lambda v: None * v, "NoneType"),
        (lambda v: v * 2j, "complex"),
        (lambda v: v / True, "bool"),
        (lambda v: v ** "2", "str"),
        (lambda v: 1j**v, "complex"),
        (lambda v: vsum([v, "a"]), "str"),
    ],
)
def test_bad_operand_names_the_type(operation: Callable[[Value], object], type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        operation(Value(1.0))


def test_bad_label_and_bad_seed_gradient_name_the_type() -> None:
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        Value(1.0).backward("1")  # type: ignore[arg-type]


# ---- gc_paused ----------------------------------------------------------------------------------


def test_gc_paused_restores_the_collector_even_after_an_error() -> None:
    import gc

    from microgradnet import gc_paused

    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with gc_paused():
            assert not gc.isenabled()
            with gc_paused():  # nesting keeps it paused until the outer block ends
                pass
            assert not gc.isenabled()
            1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a collector the caller had paused stays paused
    finally:
        gc.enable()


def test_backward_inside_gc_paused_gives_the_same_gradients() -> None:
    from microgradnet import gc_paused

    def grads() -> tuple[float, float]:
        a, b = Value(0.3), Value(-1.7)
        ((a * b).tanh() + a.exp() / b).backward()
        return a.grad, b.grad

    plain = grads()
    with gc_paused():
        paused = grads()
    assert paused == plain  # the same operations in the same order: bit for bit


def test_dot_is_the_same_graph_as_products_and_a_sum_and_checks_lengths() -> None:
    from microgradnet import ShapeError, dot, vsum

    w, x, b = [Value(0.2), Value(-0.4)], [Value(1.0), Value(0.5)], Value(0.1)
    fused, plain = dot(w, x, b), vsum([w[0] * x[0], w[1] * x[1], b])
    assert fused.data == plain.data  # the same additions in the same order: bit for bit
    assert [p.op for p in fused.parents] == ["*", "*", ""] and fused.op == "+"
    with pytest.raises(ShapeError, match="2 weights and 1 inputs"):
        dot(w, x[:1])
    with pytest.raises(ShapeError, match="at least one"):
        dot([], [])


# ---- modes per thread and per asyncio task (contextvars) ----------------------------------------


def test_no_grad_in_one_thread_leaves_other_threads_recording() -> None:
    inside, done = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def quiet() -> None:
        with no_grad():
            inside.set()
            done.wait(5)
            seen["quiet"] = (Value(2.0) * 3.0).parents, is_grad_enabled()

    worker = threading.Thread(target=quiet)
    worker.start()
    assert inside.wait(5)
    recorded = Value(2.0) * 3.0  # this thread is not inside no_grad
    assert is_grad_enabled() and len(recorded.parents) == 2
    done.set()
    worker.join(5)
    assert seen["quiet"] == ((), False)
    assert len((Value(1.0) + 1.0).parents) == 2  # and after every block closed


def test_detect_anomaly_belongs_to_the_thread_that_opened_it() -> None:
    inside, done = threading.Event(), threading.Event()
    errors: list[str] = []

    def hunting() -> None:
        with detect_anomaly():
            inside.set()
            done.wait(5)
            try:
                Value(0.0).log()
            except AnomalyError as error:
                errors.append(str(error))

    worker = threading.Thread(target=hunting)
    worker.start()
    assert inside.wait(5)
    assert Value(0.0).log().data == -math.inf  # no anomaly mode here: the IEEE result
    done.set()
    worker.join(5)
    assert len(errors) == 1 and "'log'" in errors[0]


def test_no_grad_in_one_asyncio_task_leaves_other_tasks_recording() -> None:
    async def quiet(entered: asyncio.Event, release: asyncio.Event) -> tuple[object, bool]:
        with no_grad():
            entered.set()
            await release.wait()
            return (Value(2.0) * 3.0).parents, is_grad_enabled()

    async def main() -> tuple[object, bool, int]:
        entered, release = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(quiet(entered, release))
        await entered.wait()
        loud = await asyncio.create_task(_record_one())
        release.set()
        parents, enabled = await task
        return parents, enabled, loud

    parents, enabled, loud = asyncio.run(main())
    assert parents == () and enabled is False
    assert loud == 2  # the other task, running while the first was inside no_grad, recorded


async def _record_one() -> int:
    return len((Value(1.0) * 2.0).parents) if is_grad_enabled() else -1


# ---- pickling, the generic topological order, layering ------------------------------------------


def test_a_deep_chain_pickles_without_recursion_and_keeps_values_and_grads() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(100_000):
        y = y * 1.0001 + 0.0001
    y.label = "y"
    y.backward()
    x2, y2 = pickle.loads(pickle.dumps((x, y)))
    order, order2 = topological_order(y), topological_order(y2)
    assert len(order2) == len(order) == 400_001
    assert sum(n is x2 for n in order2) == 1  # a leaf keeps its identity: the graph's x is x2
    assert [(n.data, n.grad, n.op) for n in order2] == [(n.data, n.grad, n.op) for n in order]
    assert y2.label == "y" and x2.label == "x"
    x2.grad = 0.0
    y2.zero_grad()
    y2.backward()
    assert x2.grad == x.grad  # the same graph, the same floats


def test_a_pickled_power_keeps_its_exponent() -> None:
    a = Value(1.5, "a")
    out = pickle.loads(pickle.dumps(a**3))
    assert out.op == "**3" and out.const == 3.0 and out.local_grads == (3 * 1.5**2,)


def test_topological_order_takes_any_nodes_and_a_parents_function() -> None:
    deps = {"L": ["y", "t"], "y": ["z"], "z": ["x", "w"], "t": [], "x": [], "w": []}
    order = topological_order("L", parents=lambda k: deps[k])
    assert order[-1] == "L" and sorted(order) == sorted(deps)
    assert all(order.index(d) < order.index(k) for k in deps for d in deps[k])
    # several roots, the first finished first; reversed(...) visits parents in the order given
    assert topological_order("z", "t", parents=lambda k: reversed(deps[k])) == ["x", "w", "z", "t"]


def test_topological_order_is_iterative_for_a_million_deep_generic_chain() -> None:
    order = topological_order(1_000_000, parents=lambda n: (n - 1,) if n else ())
    assert len(order) == 1_000_001 and order[0] == 0 and order[-1] == 1_000_000


@pytest.mark.parametrize("root", [None, 3.0, "x"])
def test_topological_order_of_a_non_value_names_it(root: object) -> None:
    with pytest.raises(TypeError, match=rf"root 0 must be a Value \(or pass parents=\), got {type(root).__name__}"):
        topological_order(root)  # type: ignore[call-overload]


def test_the_engine_imports_nothing_above_it() -> None:
    """engine.py and nn.py import no drawing code; notebook display goes through the hook."""
    import ast

    import microgradnet.engine as engine_module
    import microgradnet.nn as nn_module

    allowed = {
        engine_module: {
            "microgradnet.checks",
            "microgradnet.errors",
            "microgradnet.graph",
            "microgradnet.numerics",
        },
        nn_module: {
            "microgradnet.checks",
            "microgradnet.compiled",
            "microgradnet.engine",
            "microgradnet.errors",
        },
    }
    for module, permitted in allowed.items():
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("microgradnet")
        }
        assert imported <= permitted, (module.__name__, imported - permitted)
    done = subprocess.run(
        [sys.executable, "-c", "import sys, microgradnet; print(any(m.startswith(('graphviz', "
         "'microgradnet.render', 'microgradnet._render')) for m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "False"  # importing the package draws nothing yet


def test_the_display_hook_draws_through_whatever_is_installed() -> None:
    from microgradnet import engine

    calls: list[object] = []
    previous = engine._display_hook
    engine.set_display_hook(lambda obj: calls.append(obj) or "<svg/>")
    try:
        v = Value(1.0)
        mlp = MLP(1, [1], rng=random.Random(0))
        assert v._repr_svg_() == "<svg/>" and mlp._repr_svg_() == "<svg/>"
        assert calls == [v, mlp]
    finally:
        engine.set_display_hook(previous)


# ---- dot with plain floats -------------------------------------------------------------------


def test_dot_with_plain_float_weights_names_the_argument() -> None:
    with pytest.raises(TypeError, match=r"dot: weights\[0\] must be a Value \(a parameter\), got float: 0.5"):
        dot([0.5, 0.25], [Value(1.0), Value(2.0)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"dot: bias must be a Value or None, got float: 1.0"):
        dot([Value(0.5)], [1.0], 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"unsupported operand type for \* with a Value: str"):
        dot([Value(0.5)], ["2"])  # type: ignore[list-item]
    assert dot([Value(0.5)], [2.0]).data == 1.0  # float inputs are constants: exact 0.5·2

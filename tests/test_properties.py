"""Properties over random inputs: autograd == central differences on random graphs and per op, SGD descends."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import (
    PROGRAM_OPS,
    SEED_000,
    SEED_000_CROSS_ENTROPY,
    SEED_004,
    SEED_BATCH,
    NetCase,
    Program,
    Step,
    net_cases,
    program_output,
    program_reference,
    programs,
    seed_program,
    single_op,
    unit,
)
from strategies import _away_from_zero, _exponents, _positive, program_inputs

from microgradnet import MLP, SGD, Value
from microgradnet.codegen import compile_graph
from microgradnet.engine import OPS, apply, local_derivatives, op_of

# Central differences with h = 1e-6 in float64. The rounding error of (f(x+h) − f(x−h))/2h is about
# u·|f|/h ≈ 2.2e-16 · 80 / 1e-6 ≈ 2e-8 for the largest output a program can have (at most eight
# steps bounded by VALUE_BOUND = 10 in the sum), and the truncation error h²·|f‴|/6 stays below
# ~1e-9 with the strategies' margins (no operand within 0.25 of a pole). Over 2,000 explored
# examples the worst seen was 1.8e-9·(1 + |numerical|). A tolerance of 1e-7·(1 + |numerical|) is
# five times the rounding bound, yet a wrong derivative (a dropped factor, a factor of two, a sign)
# is off by the size of the gradient itself.
H = 1e-6
CD_TOL = 1e-7


def central_difference(
    f: Callable[[Sequence[float]], float], xs: Sequence[float], i: int, h: float = H
) -> float:
    """(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, written here rather than taken from the library under test."""
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (2.0 * h)


def assert_matches_central_differences(program: Program) -> None:
    xs = [Value(x, f"x[{i}]") for i, x in enumerate(program.inputs)]
    program_output(program, xs).backward()

    def f(values: Sequence[float]) -> float:
        return float(program_output(program, [Value(v) for v in values]).data)

    for i, x in enumerate(xs):
        numerical = central_difference(f, program.inputs, i)
        assert abs(x.grad - numerical) <= CD_TOL * (1.0 + abs(numerical)), (
            i,
            x.grad,
            numerical,
            program,
        )


# ---- the random-graph property ----------------------------------------------------------------

A_TIMES_A = Program((1.5,), (Step("mul", (0, 0)),))
DIAMOND = Program((0.7,), (Step("exp", (0,)), Step("tanh", (0,)), Step("mul", (1, 2))), (3,))
DOUBLING = Program((0.3,), (Step("add", (0, 0)), Step("add", (1, 1))), (2,))


@settings(max_examples=1000)
@given(programs())
@example(seed_program(SEED_004))
@example(seed_program(SEED_000))
@example(A_TIMES_A)
@example(DIAMOND)
@example(DOUBLING)
def test_autograd_matches_central_differences_on_random_graphs(program: Program) -> None:
    assert_matches_central_differences(program)


def test_random_graphs_cover_every_op_and_share_subexpressions() -> None:
    """The strategy really produces every op, repeated operands and nodes with several consumers."""
    seen: set[str] = set()
    repeated_operand = shared_node = False

    @settings(max_examples=400, database=None)
    @given(programs())
    def collect(program: Program) -> None:
        nonlocal repeated_operand, shared_node
        seen.update(program.ops)
        uses = [a for step in program.steps for a in step.args]
        repeated_operand |= any(len(set(s.args)) < len(s.args) for s in program.steps)
        n_in = len(program.inputs)
        # Every step feeds the output sum, so a step that also feeds a later step has two consumers.
        shared_node |= any(uses.count(k) >= 1 for k in range(n_in, n_in + len(program.steps)))

    collect()
    assert seen == set(PROGRAM_OPS)
    assert repeated_operand and shared_node


# ---- the op table, under @given and @pytest.mark.parametrize (minitorch style) -------------------

#: ∂op/∂operand for each op, written from calculus independently of the engine's cheat sheet.
DERIVATIVES: dict[str, Callable[..., tuple[float, ...]]] = {
    "vsum": lambda c, *xs: (1.0,) * len(xs),
    "add": lambda c, a, b: (1.0, 1.0),
    "sub": lambda c, a, b: (1.0, -1.0),
    "mul": lambda c, a, b: (b, a),
    "div": lambda c, a, b: (1.0 / b, -a / (b * b)),
    "neg": lambda c, a: (-1.0,),
    "pow_k": lambda c, a: (0.0 if c == 0.0 else c * math.pow(a, c - 1.0),),
    "pow_value": lambda c, a, b: (b * math.pow(a, b - 1.0), math.pow(a, b) * math.log(a)),
    "exp": lambda c, a: (math.exp(a),),
    "log": lambda c, a: (1.0 / a,),
    "tanh": lambda c, a: (1.0 / math.cosh(a) ** 2,),
    "sigmoid": lambda c, a: (math.exp(-a) / (1.0 + math.exp(-a)) ** 2,),
    "relu": lambda c, a: (1.0 if a > 0 else 0.0,),
    "softplus": lambda c, a: (1.0 / (1.0 + math.exp(-a)),),
    "sqrt": lambda c, a: (0.5 / math.sqrt(a),),
    "radd": lambda c, a: (1.0,),
    "rsub": lambda c, a: (-1.0,),
    "rmul": lambda c, a: (c,),
    "rdiv": lambda c, a: (-c / (a * a),),
    "rpow": lambda c, a: (math.pow(c, a) * math.log(c),),
    "addc": lambda c, a: (1.0,),
    "subc": lambda c, a: (1.0,),
    "mulc": lambda c, a: (c,),
    "divc": lambda c, a: (1.0 / c,),
    "bce": lambda c, a: (1.0 / (1.0 + math.exp(-a)) - c,),  # d/da [softplus(a) − c·a] = σ(a) − c
}

#: The op name each program op records on its result node.
RECORDED_OP: dict[str, str] = {
    "vsum": "+", "add": "+", "sub": "-", "mul": "*", "div": "/", "neg": "neg", "pow_value": "**",
    "exp": "exp", "log": "log", "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu",
    "softplus": "softplus", "sqrt": "**0.5", "radd": "+", "rsub": "-", "rmul": "*", "rdiv": "/",
    "rpow": "**", "addc": "+", "subc": "-", "mulc": "*", "divc": "/", "bce": "bce",
}  # fmt: skip

REFLECTED = {"radd", "rsub", "rmul", "rdiv", "rpow"}  # 2 + v, 2 - v, 2 * v, 2 / v, 2 ** v
CONSTANT_SECOND = {"addc", "subc", "mulc", "divc"}  # v + 2, v - 2, v * 2, v / 2
OP_NAMES = sorted(PROGRAM_OPS)
one_op = settings(max_examples=80)


def test_op_table_is_complete() -> None:
    assert set(DERIVATIVES) == set(PROGRAM_OPS) == set(RECORDED_OP) | {"pow_k"}


@pytest.mark.parametrize("name", OP_NAMES)
@one_op
@given(data=st.data())
def test_op_forward_matches_math(name: str, data: st.DataObject) -> None:
    program = data.draw(single_op(name))
    (step,) = program.steps
    xs = [Value(x) for x in program.inputs]
    out = program_output(program, xs)
    reference = program_reference(program, program.inputs)[-1]
    # The engine evaluates the same formula, except σ (a stable form for negative inputs) and the
    # n-ary sum (left to right, reference fsum): a few units in the last place at most.
    assert out.data == pytest.approx(reference, rel=1e-14, abs=1e-300)
    node = out.parents[0]  # the output is a one-term vsum of the op's node
    k = step.const
    expected_op = RECORDED_OP.get(name) or (f"**{int(k)}" if k.is_integer() else f"**{k!r}")
    assert node.op == expected_op
    # Operands in operand order; a reflected form (2 - v) has the constant leaf first.
    operands = [xs[i] for i in step.args]
    if name == "bce":  # (σ(x), x, the target as a constant leaf)
        assert node.parents[0].op == "sigmoid" and node.parents[0].parents[0] is operands[0]
        operands = [node.parents[0], operands[0], node.parents[2]]
    elif name in REFLECTED:
        operands.insert(0, node.parents[0])
    elif name in CONSTANT_SECOND:
        operands.append(node.parents[-1])
    assert len(node.parents) == len(operands) and all(
        p is q for p, q in zip(node.parents, operands)
    )
    constants = [p for p in node.parents if not any(p is x for x in xs) and not p.parents]
    assert all(c.op == "" and c.label == "" and c.data == step.const for c in constants)


@pytest.mark.parametrize("name", OP_NAMES)
@one_op
@given(data=st.data())
def test_op_gradient_matches_calculus(name: str, data: st.DataObject) -> None:
    program = data.draw(single_op(name))
    (step,) = program.steps
    xs = [Value(x) for x in program.inputs]
    program_output(program, xs).backward()
    partials = DERIVATIVES[name](step.const, *(program.inputs[i] for i in step.args))
    for i, x in enumerate(xs):
        expected = math.fsum(p for arg, p in zip(step.args, partials) if arg == i)
        # Same derivative, a differently rounded formula (1/cosh² vs 1 − tanh², …): 1e-12 relative,
        # with a 1e-15 floor for derivatives that are 0 or cancel to nearly 0 (x − x).
        assert x.grad == pytest.approx(expected, rel=1e-12, abs=1e-15), (i, program)


@pytest.mark.parametrize("name", OP_NAMES)
@one_op
@given(data=st.data())
def test_op_gradient_matches_central_differences(name: str, data: st.DataObject) -> None:
    assert_matches_central_differences(data.draw(single_op(name)))


# ---- one small SGD step does not increase the loss ---------------------------------------------

#: Small enough for every drawn network: η·λ_max(Hessian) ≪ 1 even for three linear layers with
#: weights up to 3 (λ_max ≲ 1e5), so the loss drops by about η·|g|² (Armijo with c = ½ holds).
SMALL_LR = 1e-7


@settings(max_examples=200)
@given(net_cases(max_layers=3, max_width=3, max_batch=3))
@example(SEED_004)
@example(SEED_000)
@example(SEED_000_CROSS_ENTROPY)
@example(SEED_BATCH)
def test_one_small_sgd_step_does_not_increase_the_loss(case: NetCase) -> None:
    from strategies import network_loss

    mlp = MLP.from_weights(case.weights, case.biases, case.activations)
    before = network_loss(mlp, case)
    before.backward()
    g2 = math.fsum(p.grad**2 for p in mlp.parameters())
    SGD(mlp.parameters(), lr=SMALL_LR).step()
    after = network_loss(mlp, case).data
    # Evaluating the loss twice can differ by rounding alone: allow 1e-13 relative to its size.
    slack = 1e-13 * (1.0 + abs(before.data))
    assert after <= before.data + slack
    assert before.data - after >= 0.5 * SMALL_LR * g2 - slack


# ---- the engine's op table itself: every row, the same four properties --------------------------

#: Operands for each row of ``engine.OPS`` (and its constant, if it takes one). A row missing here
#: fails ``test_every_table_row_has_operands``; once given, it gets every test below.
TABLE_OPERANDS: dict[str, tuple[list[st.SearchStrategy[float]], st.SearchStrategy[float] | None]] = {
    "+": ([program_inputs] * 2, None),
    "-": ([program_inputs] * 2, None),
    "*": ([program_inputs] * 2, None),
    "/": ([program_inputs, _away_from_zero], None),
    "**": ([_positive, program_inputs], None),
    "**k": ([_positive], _exponents),
    "neg": ([program_inputs], None),
    "exp": ([program_inputs], None),
    "log": ([_positive], None),
    "tanh": ([program_inputs], None),
    "sigmoid": ([program_inputs], None),
    "relu": ([PROGRAM_OPS["relu"].domain], None),
    "softplus": ([program_inputs], None),
    "bce": ([program_inputs, unit], None),  # (logit z, target t); the first operand is σ(z)
}
ROWS = sorted(OPS)


def test_every_table_row_has_operands_and_a_program_op() -> None:
    assert set(TABLE_OPERANDS) == set(OPS)
    recorded = {"**k" if op.startswith("**") and op != "**" else op for op in RECORDED_OP.values()}
    assert recorded | {"**k"} == set(OPS)  # every row appears in the random graphs too


def draw_row(name: str, data: st.DataObject) -> tuple[list[Value], float | None]:
    """Operand Values for row ``name`` (for "bce": σ(z), z, t) and its constant."""
    strategies, const = TABLE_OPERANDS[name]
    values = [Value(data.draw(s)) for s in strategies]
    if name == "bce":
        values = [values[0].sigmoid(), values[0], values[1]]
    return values, None if const is None else data.draw(const)


@pytest.mark.parametrize("name", ROWS)
@one_op
@given(data=st.data())
def test_table_row_float_rule_is_the_value_method(name: str, data: st.DataObject) -> None:
    """The node's value and local_grads are the row's own float rule, bit for bit."""
    operands, const = draw_row(name, data)
    node = apply(name, *operands, const=const)
    floats = [v.data for v in operands] + ([] if const is None else [const])
    row = OPS[name]
    assert op_of(node) is row and node.const == const
    assert node.data == row.evaluate(*floats) or math.isnan(node.data)
    assert node.local_grads == row.derivatives(node.data, *floats)


@pytest.mark.parametrize("name", ROWS)
@one_op
@given(data=st.data())
def test_table_row_value_rule_matches_its_float_rule(name: str, data: st.DataObject) -> None:
    """The Value-level derivatives (higher order) are the float ones, formula for formula."""
    operands, const = draw_row(name, data)
    node = apply(name, *operands, const=const)
    symbolic = [float(d.data if isinstance(d, Value) else d) for d in local_derivatives(node)]
    # The same formula evaluated through Values: equal but for the bce rest term, which is the
    # rounding residue of (y − t) − slope·y(1−y), ~1e-16 either way.
    assert symbolic == pytest.approx(list(node.local_grads), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("name", sorted(set(ROWS) - {"bce"}))
@one_op
@given(data=st.data())
def test_table_row_derivatives_are_central_differences_of_its_result(
    name: str, data: st.DataObject
) -> None:
    """Each local derivative of the float rule against (f(x+h) − f(x−h))/2h of the float rule.

    (bce is left out: its operands are tied, y = σ(z), so it has no partial derivative of its
    result in y alone; ``test_op_gradient_matches_calculus`` checks its total derivative.)
    """
    operands, const = draw_row(name, data)
    row = OPS[name]
    xs = [v.data for v in operands]
    extra = [] if const is None else [const]
    out = row.evaluate(*xs, *extra)
    locals_ = row.derivatives(out, *xs, *extra)
    for i, local in enumerate(locals_):
        numerical = central_difference(lambda v: row.evaluate(*v, *extra), xs, i)
        assert abs(local - numerical) <= CD_TOL * (1.0 + abs(numerical)), (i, local, numerical)


@pytest.mark.parametrize("name", ROWS)
@one_op
@given(data=st.data())
def test_table_row_code_template_gives_the_engines_floats(name: str, data: st.DataObject) -> None:
    """Compiled from the row's code template: value and gradients bit-identical to backward()."""
    operands, const = draw_row(name, data)
    leaves = [v for v in operands if not v.parents] or operands[:1]
    out = apply(name, *operands, const=const)
    compiled = compile_graph(out, [], leaves)
    value, grads = compiled([], [v.data for v in leaves])
    out.backward()
    assert value == out.data
    assert grads == [v.grad for v in leaves]  # -0.0 == 0.0: see codegen's docstring

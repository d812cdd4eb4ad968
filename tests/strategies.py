"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

#: Well-scaled finite floats (inputs, weights, targets).
moderate = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)


# ---- networks: shapes, weights, biases, activations, batches, losses ------------------------

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "linear")
LOSS_NAMES = ("squared_error", "cross_entropy")
#: How far a relu pre-activation must stay from its kink at 0 (see ``relu_clear``).
RELU_MARGIN = 1e-3


@dataclass(frozen=True)
class NetCase:
    """A network (weights[l][j][i] into neuron j of layer l+1), a batch X, targets T and a loss."""

    weights: list[list[list[float]]]
    biases: list[list[float] | None] | None
    activations: list[str]
    X: list[list[float]]
    T: list[list[float]]
    loss: str

    @property
    def n_inputs(self) -> int:
        return len(self.weights[0][0])


def _float_activation(name: str, z: float) -> float:
    if name == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return max(z, 0.0)
    return z


def pre_activations(case: NetCase, x: list[float]) -> list[list[float]]:
    """z⁽ˡ⁾ for every layer, computed independently of the library (for filtering only)."""
    zs, a = [], x
    for l, W in enumerate(case.weights):
        b = None if case.biases is None else case.biases[l]
        z = [
            sum(w * ai for w, ai in zip(row, a)) + (0.0 if b is None else b[j])
            for j, row in enumerate(W)
        ]
        zs.append(z)
        a = [_float_activation(case.activations[l], zj) for zj in z]
    return zs


def relu_clear(case: NetCase, margin: float = RELU_MARGIN) -> bool:
    """True when every relu pre-activation of every sample is at least ``margin`` from the kink."""
    for x in case.X:
        for l, z in enumerate(pre_activations(case, x)):
            if case.activations[l] == "relu" and any(abs(zj) < margin for zj in z):
                return False
    return True


def matrices(
    draw: st.DrawFn, rows: int, cols: int, elements: st.SearchStrategy[float]
) -> list[list[float]]:
    return draw(
        st.lists(st.lists(elements, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )


@st.composite
def net_cases(
    draw: st.DrawFn,
    *,
    max_layers: int = 3,
    max_width: int = 4,
    max_batch: int = 3,
    activations: tuple[str, ...] = ACTIVATION_NAMES,
    losses: tuple[str, ...] = LOSS_NAMES,
    relu_margin: float = RELU_MARGIN,
) -> NetCase:
    """An L-layer network of random shape, activations per layer, biases all/none/mixed, a batch.

    Cross-entropy cases get a sigmoid output layer and targets in [0, 1]. Cases with a relu
    pre-activation within ``relu_margin`` of 0 are rejected, so a central difference or a
    different summation order can never cross the kink.
    """
    n_in = draw(st.integers(1, max_width))
    sizes = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers))
    loss = draw(st.sampled_from(losses))
    acts = draw(st.lists(st.sampled_from(activations), min_size=len(sizes), max_size=len(sizes)))
    if loss == "cross_entropy":
        acts[-1] = "sigmoid"
    fans = [n_in, *sizes]
    weights = [
        matrices(draw, fan_out, fan_in, moderate) for fan_in, fan_out in itertools.pairwise(fans)
    ]
    bias_mode = draw(st.sampled_from(["all", "none", "mixed"]))
    biases: list[list[float] | None] | None
    if bias_mode == "none":
        biases = None
    else:
        biases = []
        for size in sizes:
            on = bias_mode == "all" or draw(st.booleans())
            biases.append(draw(st.lists(moderate, min_size=size, max_size=size)) if on else None)
    n = draw(st.integers(1, max_batch))
    X = matrices(draw, n, n_in, moderate)
    targets = unit if loss == "cross_entropy" else moderate
    T = matrices(draw, n, sizes[-1], targets)
    case = NetCase(weights, biases, acts, X, T, loss)
    if "relu" in acts:
        assume(relu_clear(case, relu_margin))
    return case


#: The two seed networks, as pinned examples: 004 (with biases) and 000 (no biases).
SEED_004 = NetCase(
    weights=[[[0.2, -0.4], [0.7, 0.1]], [[0.3, -0.2]]],
    biases=[[0.0, 0.0], [0.1]],
    activations=["sigmoid", "sigmoid"],
    X=[[1.0, 0.5]],
    T=[[1.0]],
    loss="squared_error",
)
SEED_000 = NetCase(
    weights=[[[0.2, 0.2], [0.3, 0.3]], [[0.3, 0.9]]],
    biases=None,
    activations=["sigmoid", "sigmoid"],
    X=[[0.35, 0.7]],
    T=[[0.5]],
    loss="squared_error",
)
#: 000 with the cross-entropy output delta (the document's slip in δ_h1, δ_h2 comes from it).
SEED_000_CROSS_ENTROPY = NetCase(
    SEED_000.weights, None, SEED_000.activations, SEED_000.X, SEED_000.T, "cross_entropy"
)
#: Both seeds as a two-sample batch through the 004 network.
SEED_BATCH = NetCase(
    SEED_004.weights,
    SEED_004.biases,
    SEED_004.activations,
    [[1.0, 0.5], [0.35, 0.7]],
    [[1.0], [0.5]],
    "squared_error",
)


# ---- random expression graphs over every op, replayable on any number type ---------------------

#: Distance kept from a pole (1/0, a**-k at 0) or the edge of a domain (log, sqrt, a**b at a = 0).
POLE_MARGIN = 0.25
#: |value| bound on every intermediate at the drawn point, so nothing overflows or loses precision.
VALUE_BOUND = 10.0
#: Distance kept from relu's kink at the drawn point.
KINK_MARGIN = 1e-2
#: Stencil half-width used to check that a program is smooth around its drawn point.
STENCIL_CHECK_H = 1e-4
#: Largest drift of any intermediate allowed across that stencil (far below both margins).
STENCIL_DRIFT = 1e-3

Impl = Callable[..., Any]  # (const, *operands) -> result

program_inputs = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)
#: Operands away from 0 by 0.5 (a divisor), and positive ones (log, sqrt, a power's base).
_away_from_zero = st.floats(0.5, 2.0) | st.floats(-2.0, -0.5)
_positive = st.floats(0.5, 2.0)


@dataclass(frozen=True)
class ProgramOp:
    """One op of a random expression graph: arity (0 = n-ary), its Value form, a math reference.

    ``ok`` says whether drawn operands are usable (random graphs drop a step otherwise);
    ``domain`` draws operands that always are, with every result within VALUE_BOUND, so a
    single-op program needs no filter at all.
    """

    name: str
    arity: int
    value: Impl
    reference: Impl
    ok: Callable[..., bool] = lambda c, *a: True
    const: st.SearchStrategy[float] | None = None
    domain: st.SearchStrategy[float] = program_inputs


def _sigmoid_ref(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _vsum(c: float, *xs: Any) -> Any:
    from microgradnet.engine import vsum

    return vsum(xs)


def _bce(c: float, a: Any) -> Any:
    from microgradnet.losses import binary_cross_entropy

    return binary_cross_entropy(a.sigmoid(), c)


_far_from_zero = st.floats(0.5, 3.0) | st.floats(-3.0, -0.5)
_constants = st.floats(-3.0, 3.0, allow_nan=False)
_exponents = st.sampled_from([2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5, 0.0, 1.0])


def _pow_k_ok(k: float, a: float) -> bool:
    if not k.is_integer():
        return a >= POLE_MARGIN
    return k >= 0 or abs(a) >= POLE_MARGIN


PROGRAM_OPS: dict[str, ProgramOp] = {
    op.name: op
    for op in [
        ProgramOp("vsum", 0, _vsum, lambda c, *xs: math.fsum(xs)),
        ProgramOp("add", 2, lambda c, a, b: a + b, lambda c, a, b: a + b),
        ProgramOp("sub", 2, lambda c, a, b: a - b, lambda c, a, b: a - b),
        ProgramOp("mul", 2, lambda c, a, b: a * b, lambda c, a, b: a * b),
        ProgramOp(
            "div",
            2,
            lambda c, a, b: a / b,
            lambda c, a, b: a / b,
            lambda c, a, b: abs(b) >= POLE_MARGIN,
            domain=_away_from_zero,
        ),
        ProgramOp("neg", 1, lambda c, a: -a, lambda c, a: -a),
        ProgramOp(
            "pow_k",
            1,
            lambda c, a: a**c,
            lambda c, a: math.pow(a, c),
            _pow_k_ok,
            _exponents,
            _positive,
        ),
        ProgramOp(
            "pow_value",
            2,
            lambda c, a, b: a**b,
            lambda c, a, b: math.pow(a, b),
            lambda c, a, b: a >= POLE_MARGIN,
            domain=_positive,
        ),
        ProgramOp("exp", 1, lambda c, a: a.exp(), lambda c, a: math.exp(a)),
        ProgramOp(
            "log",
            1,
            lambda c, a: a.log(),
            lambda c, a: math.log(a),
            lambda c, a: a >= POLE_MARGIN,
            domain=_positive,
        ),
        ProgramOp("tanh", 1, lambda c, a: a.tanh(), lambda c, a: math.tanh(a)),
        ProgramOp("sigmoid", 1, lambda c, a: a.sigmoid(), lambda c, a: _sigmoid_ref(a)),
        ProgramOp(
            "relu",
            1,
            lambda c, a: a.relu(),
            lambda c, a: max(a, 0.0),
            lambda c, a: abs(a) >= KINK_MARGIN,
            domain=st.floats(2 * KINK_MARGIN, 2.0) | st.floats(-2.0, -2 * KINK_MARGIN),
        ),
        ProgramOp("softplus", 1, lambda c, a: a.softplus(), lambda c, a: math.log1p(math.exp(a))),
        ProgramOp(
            "sqrt",
            1,
            lambda c, a: a.sqrt(),
            lambda c, a: math.sqrt(a),
            lambda c, a: a >= POLE_MARGIN,
            domain=_positive,
        ),
        ProgramOp("radd", 1, lambda c, a: c + a, lambda c, a: c + a, const=_constants),
        ProgramOp("rsub", 1, lambda c, a: c - a, lambda c, a: c - a, const=_constants),
        ProgramOp("rmul", 1, lambda c, a: c * a, lambda c, a: c * a, const=_constants),
        ProgramOp(
            "rdiv",
            1,
            lambda c, a: c / a,
            lambda c, a: c / a,
            lambda c, a: abs(a) >= POLE_MARGIN,
            _constants,
            _away_from_zero,
        ),
        ProgramOp(
            "rpow", 1, lambda c, a: c**a, lambda c, a: math.pow(c, a), const=st.floats(0.5, 3.0)
        ),
        ProgramOp("addc", 1, lambda c, a: a + c, lambda c, a: a + c, const=_constants),
        ProgramOp("subc", 1, lambda c, a: a - c, lambda c, a: a - c, const=_constants),
        ProgramOp("mulc", 1, lambda c, a: a * c, lambda c, a: a * c, const=_constants),
        ProgramOp("divc", 1, lambda c, a: a / c, lambda c, a: a / c, const=_far_from_zero),
        # binary cross-entropy of σ(a) against the target c: the engine's "bce" op
        ProgramOp("bce", 1, _bce, lambda c, a: math.log1p(math.exp(a)) - c * a, const=unit),
    ]
}


@dataclass(frozen=True)
class Step:
    op: str
    args: tuple[int, ...]  # indices into the node list: inputs first, then earlier steps
    const: float = 0.0


@dataclass(frozen=True)
class Program:
    """A random expression graph: inputs, then steps; the output is the n-ary sum of every step.

    Every step feeds the output *and* may feed later steps, and a step may name the same operand
    twice (``a * a``), so shared subexpressions and repeated edges are the rule, not the exception.
    """

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]
    outputs: tuple[int, ...] | None = None  # the nodes summed into the output; None: every step

    @property
    def ops(self) -> set[str]:
        return {step.op for step in self.steps}


def run_program(
    program: Program, xs: Sequence[Any], impl: dict[str, Impl] | None = None
) -> list[Any]:
    """Every node of ``program`` evaluated on ``xs`` (inputs first) with ``impl`` (Values by default)."""
    impl = impl if impl is not None else {name: op.value for name, op in PROGRAM_OPS.items()}
    nodes = list(xs)
    for step in program.steps:
        nodes.append(impl[step.op](step.const, *(nodes[i] for i in step.args)))
    return nodes


def program_output(program: Program, xs: Sequence[Any]) -> Any:
    """The program's output as a Value: vsum of every step's node."""
    from microgradnet.engine import vsum

    nodes = run_program(program, xs)
    if program.outputs is not None:
        return vsum([nodes[i] for i in program.outputs])
    return vsum(nodes[len(program.inputs) :])


def program_reference(program: Program, xs: Sequence[float]) -> list[float]:
    """Every node evaluated with the ``math`` module (independent of the library)."""
    return run_program(program, xs, {name: op.reference for name, op in PROGRAM_OPS.items()})


def smooth_around(
    program: Program, h: float = STENCIL_CHECK_H, drift: float = STENCIL_DRIFT
) -> bool:
    """True when moving any one input by ±h moves every intermediate by less than ``drift``.

    The margins above are far larger than ``drift``, so no stencil point crosses a kink or
    leaves a domain, and a central difference sees the same smooth branch as autograd.
    """
    nominal = program_reference(program, program.inputs)
    for i in range(len(program.inputs)):
        for sign in (1.0, -1.0):
            moved = list(program.inputs)
            moved[i] += sign * h
            try:
                values = program_reference(program, moved)
            except (ValueError, OverflowError, ZeroDivisionError):
                return False
            if any(not abs(v - n) < drift for v, n in zip(values, nominal)):
                return False
    return True



@st.composite
def programs(
    draw: st.DrawFn,
    *,
    max_inputs: int = 3,
    max_steps: int = 8,
    ops: Sequence[str] = tuple(PROGRAM_OPS),
) -> Program:
    """A random expression graph over ``ops``, with its inputs away from kinks and singularities.

    Steps are drawn one at a time against the values computed so far; a step whose operands fall
    inside a margin, or whose result exceeds VALUE_BOUND, is dropped. The finished program must
    pass ``smooth_around``.
    """
    n = draw(st.integers(1, max_inputs))
    values: list[float] = list(draw(st.lists(program_inputs, min_size=n, max_size=n)))
    inputs = tuple(values)
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = PROGRAM_OPS[draw(st.sampled_from(list(ops)))]
        arity = op.arity or draw(st.integers(2, 4))
        args = tuple(draw(st.integers(0, len(values) - 1)) for _ in range(arity))
        const = draw(op.const) if op.const is not None else 0.0
        operands = [values[i] for i in args]
        if not op.ok(const, *operands):
            continue
        result = op.reference(const, *operands)
        if not abs(result) <= VALUE_BOUND:
            continue
        values.append(result)
        steps.append(Step(op.name, args, const))
    assume(steps)
    program = Program(inputs, tuple(steps))
    assume(smooth_around(program))
    return program


@st.composite
def single_op(draw: st.DrawFn, name: str) -> Program:
    """One application of op ``name``, every input drawn from the op's domain: no filter can fail.

    The domains keep 0.25 (a pole, an edge of a domain) or 0.02 (relu's kink) away, far more than
    a central difference's h, so the program is smooth around its point by construction.
    """
    op = PROGRAM_OPS[name]
    n = draw(st.integers(1, 3))
    inputs = tuple(draw(st.lists(op.domain, min_size=n, max_size=n)))
    arity = op.arity or draw(st.integers(2, 4))
    args = tuple(draw(st.integers(0, n - 1)) for _ in range(arity))
    const = draw(op.const) if op.const is not None else 0.0
    return Program(inputs, (Step(name, args, const),))


def parameter_vector(case: NetCase) -> list[float]:
    """The case's parameters in the library's documented order: per layer W row-major, then b."""
    flat: list[float] = []
    for l, W in enumerate(case.weights):
        flat += [w for row in W for w in row]
        if case.biases is not None and case.biases[l] is not None:
            flat += list(case.biases[l])  # type: ignore[arg-type]
    return flat


def seed_program(case: NetCase) -> Program:
    """The first sample's ½(y−t)² loss of a network as a Program of its parameters.

    Built only from ``mulc``, ``vsum``, the activation ops, ``subc`` and ``pow_k``, so the seed
    networks can be pinned as ``@example``s of the random-graph properties.
    """
    inputs = parameter_vector(case)
    steps: list[Step] = []

    def emit(op: str, args: tuple[int, ...], const: float = 0.0) -> int:
        steps.append(Step(op, args, const))
        return len(inputs) + len(steps) - 1

    cursor = 0
    x = case.X[0]
    previous: list[int] | None = None  # node indices of a⁽ˡ⁻¹⁾ (None: the constant input x)
    for l, W in enumerate(case.weights):
        w_index = [[cursor + j * len(W[0]) + i for i in range(len(W[0]))] for j in range(len(W))]
        cursor += len(W) * len(W[0])
        b = None if case.biases is None else case.biases[l]
        b_index = None if b is None else list(range(cursor, cursor + len(b)))
        cursor += 0 if b is None else len(b)
        layer: list[int] = []
        for j in range(len(W)):
            if previous is None:
                terms = [emit("mulc", (w_index[j][i],), x[i]) for i in range(len(W[0]))]
            else:
                terms = [emit("mul", (w_index[j][i], previous[i])) for i in range(len(W[0]))]
            if b_index is not None:
                terms.append(b_index[j])
            z = emit("vsum", tuple(terms)) if len(terms) > 1 else terms[0]
            act = case.activations[l]
            layer.append(z if act == "linear" else emit(act, (z,)))
        previous = layer
    assert previous is not None
    halves = [
        emit("mulc", (emit("pow_k", (emit("subc", (y,), t),), 2.0),), 0.5)
        for y, t in zip(previous, case.T[0])
    ]
    return Program(
        tuple(inputs),
        tuple(steps),
        (halves[0],) if len(halves) == 1 else (emit("vsum", tuple(halves)),),
    )


def network_loss(mlp: Any, case: NetCase) -> Any:
    """The mean over the batch of each sample's loss (½Σ(y−t)² or binary cross-entropy), as a Value."""
    from microgradnet import losses

    per_sample = losses.LOSSES[case.loss]
    terms = []
    for x, t in zip(case.X, case.T):
        out = mlp(x)
        terms.append(per_sample(out, t))
    return losses.mean(terms)

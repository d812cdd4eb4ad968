"""PyTorch (float64, CPU) as an independent oracle: random graphs, MLPs and the IEEE special values.

Skipped, with the reason, only where PyTorch is absent; CI installs ``torch==2.13.0`` (the CPU
build) so these tests really run there.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from strategies import (
    SEED_000,
    SEED_000_CROSS_ENTROPY,
    SEED_004,
    SEED_BATCH,
    NetCase,
    Program,
    net_cases,
    network_loss,
    program_output,
    programs,
    run_program,
    seed_program,
)

from microgradnet import MLP, Value

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed; `pip install torch==2.13.0` (CPU build) runs the oracle tests",
)
F = torch.nn.functional

pytestmark = pytest.mark.torch

Tensor = Any


def leaf(x: float) -> Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def add_left_to_right(c: float, *xs: Tensor) -> Tensor:
    return functools.reduce(operator.add, xs)


#: The program ops in PyTorch. softplus keeps PyTorch's default threshold (20): program values stay
#: within ±10, where it computes log1p(exp(x)) like the engine.
TORCH_OPS: dict[str, Callable[..., Tensor]] = {
    "vsum": add_left_to_right,
    "add": lambda c, a, b: a + b,
    "sub": lambda c, a, b: a - b,
    "mul": lambda c, a, b: a * b,
    "div": lambda c, a, b: a / b,
    "neg": lambda c, a: -a,
    "pow_k": lambda c, a: a**c,
    "pow_value": lambda c, a, b: a**b,
    "exp": lambda c, a: torch.exp(a),
    "log": lambda c, a: torch.log(a),
    "tanh": lambda c, a: torch.tanh(a),
    "sigmoid": lambda c, a: torch.sigmoid(a),
    "relu": lambda c, a: torch.relu(a),
    "softplus": lambda c, a: F.softplus(a),
    "sqrt": lambda c, a: torch.sqrt(a),
    "bce": lambda c, a: F.binary_cross_entropy_with_logits(a, torch.tensor(c, dtype=a.dtype)),
    "radd": lambda c, a: c + a,
    "rsub": lambda c, a: c - a,
    "rmul": lambda c, a: c * a,
    "rdiv": lambda c, a: c / a,
    "rpow": lambda c, a: c**a,
    "addc": lambda c, a: a + c,
    "subc": lambda c, a: a - c,
    "mulc": lambda c, a: a * c,
    "divc": lambda c, a: a / c,
}

# Two libms agree on each elementary function to about one ulp; through at most eight steps with
# the strategies' margins (no pole nearer than 0.25, values within ±10) the worst disagreement
# seen over 3,000 graphs was 1.2e-15·(1 + |g|). 1e-12·(1 + |g|) leaves a thousandfold margin and
# still catches any wrong derivative (an error of the size of g itself).
ORACLE_TOL = 1e-12


def test_torch_op_table_matches_the_program_ops() -> None:
    from strategies import PROGRAM_OPS

    assert set(TORCH_OPS) == set(PROGRAM_OPS)


def test_pinned_torch_version() -> None:
    assert torch.__version__.split("+")[0] == "2.13.0"


@settings(max_examples=500)
@given(programs())
@example(seed_program(SEED_004))
@example(seed_program(SEED_000))
def test_random_graphs_match_torch(program: Program) -> None:
    xs = [Value(x) for x in program.inputs]
    out = program_output(program, xs)
    out.backward()
    ts = [leaf(x) for x in program.inputs]
    nodes = run_program(program, ts, TORCH_OPS)
    if program.outputs is None:
        t_out = add_left_to_right(0.0, *nodes[len(ts) :])
    else:
        t_out = add_left_to_right(0.0, *(nodes[i] for i in program.outputs))
    t_out.backward()
    assert out.data == pytest.approx(t_out.item(), rel=ORACLE_TOL, abs=ORACLE_TOL)
    for i, (x, t) in enumerate(zip(xs, ts)):
        g = 0.0 if t.grad is None else t.grad.item()
        assert abs(x.grad - g) <= ORACLE_TOL * (1.0 + abs(g)), (i, x.grad, g)


# ---- MLPs ------------------------------------------------------------------------------------------

TORCH_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "linear": lambda z: z,
}


def torch_loss(case: NetCase) -> tuple[Tensor, list[Tensor]]:
    """The batch-mean loss of ``case`` in PyTorch (matrix products), and its parameters in our order."""
    params: list[Tensor] = []
    layers = []
    for l, W in enumerate(case.weights):
        w = torch.tensor(W, dtype=torch.float64, requires_grad=True)
        b = None
        params.append(w)
        if case.biases is not None and case.biases[l] is not None:
            b = torch.tensor(case.biases[l], dtype=torch.float64, requires_grad=True)
            params.append(b)
        layers.append((w, b, TORCH_ACTIVATIONS[case.activations[l]]))
    losses = []
    for x, t in zip(case.X, case.T):
        a = torch.tensor(x, dtype=torch.float64)
        z = a
        for w, b, f in layers:
            z = w @ a + (b if b is not None else 0.0)
            a = f(z)
        target = torch.tensor(t, dtype=torch.float64)
        if case.loss == "cross_entropy":
            losses.append(F.binary_cross_entropy_with_logits(z, target, reduction="sum"))
        else:
            losses.append(0.5 * ((a - target) ** 2).sum())
    return torch.stack(losses).mean(), params


def flat_torch_grads(params: list[Tensor]) -> list[float]:
    return [g for p in params for g in p.grad.reshape(-1).tolist()]


@settings(max_examples=300)
@given(net_cases())
@example(SEED_004)
@example(SEED_000)
@example(SEED_000_CROSS_ENTROPY)
@example(SEED_BATCH)
def test_mlps_match_torch(case: NetCase) -> None:
    mlp = MLP.from_weights(case.weights, case.biases, case.activations)
    loss = network_loss(mlp, case)
    loss.backward()
    t_loss, params = torch_loss(case)
    t_loss.backward()
    grads = flat_torch_grads(params)  # W row-major then b, per layer: our documented order
    # Summation order differs (matrix products), so entries that cancel need a floor measured
    # against the largest gradient (see test_deltas for the same argument).
    scale = max([1.0] + [abs(g) for g in grads])
    assert loss.data == pytest.approx(t_loss.item(), rel=ORACLE_TOL, abs=ORACLE_TOL)
    ours = [p.grad for p in mlp.parameters()]
    assert len(ours) == len(grads)
    for name_value, a, g in zip(mlp.named_parameters(), ours, grads):
        assert abs(a - g) <= ORACLE_TOL * abs(g) + 1e-14 * scale, (name_value[0], a, g)


# ---- IEEE special values, forward and backward --------------------------------------------------

SPECIALS = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.5,
    -2.5,
    700.0,
    -745.5,
    1000.0,
    -1000.0,
    1e-310,
    math.inf,
    -math.inf,
    math.nan,
]

UNARY: dict[str, tuple[Callable[[Value], Value], Callable[[Tensor], Tensor]]] = {
    "neg": (lambda v: -v, lambda t: -t),
    "exp": (lambda v: v.exp(), torch.exp),
    "log": (lambda v: v.log(), torch.log),
    "tanh": (lambda v: v.tanh(), torch.tanh),
    "sigmoid": (lambda v: v.sigmoid(), torch.sigmoid),
    "relu": (lambda v: v.relu(), torch.relu),
    "softplus": (lambda v: v.softplus(), F.softplus),
    "v**2": (lambda v: v**2, lambda t: t**2),
    "v**3": (lambda v: v**3, lambda t: t**3),
    "v**-1": (lambda v: v**-1, lambda t: t**-1),
    "v**-2": (lambda v: v**-2, lambda t: t**-2),
    "v**0": (lambda v: v**0, lambda t: t**0),
    "v**1.5": (lambda v: v**1.5, lambda t: t**1.5),
    "v**0.5": (lambda v: v**0.5, lambda t: t**0.5),
    "2**v": (lambda v: 2**v, lambda t: 2**t),
    "2/v": (lambda v: 2 / v, lambda t: 2 / t),
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}

#: Where PyTorch and the engine differ on purpose or by convention, at points with no derivative.
CONVENTIONS: dict[tuple[str, float], str] = {
    ("relu", math.nan): "relu′(nan): the engine says 0, PyTorch passes the gradient through",
    ("v**1.5", -math.inf): "(−inf)**1.5 = inf by C99 pow; PyTorch's derivative there is nan",
    ("v**0.5", -math.inf): "C99 pow(−inf, 0.5) = +inf; PyTorch computes a square root, giving nan",
    ("v**0.5", -0.0): "0.5·pow(−0, −0.5) = +inf by C99; PyTorch's 0.5/sqrt(−0) = −inf",
    (
        "softplus",
        700.0,
    ): "PyTorch's softplus returns x above its threshold 20; the engine adds log1p(e^-x)",
    ("softplus", 1000.0): "as above (the difference is below one ulp of x there)",
}


def same(a: float, b: float, rel: float = 1e-14) -> bool:
    """Equal as IEEE values up to ``rel``, nan matching nan and +0 matching −0 (a zero's sign is noise here)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * abs(b)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_special_values_match_torch(name: str) -> None:
    ours, theirs = UNARY[name]
    mismatches = []
    for x in SPECIALS:
        if (name, x) in CONVENTIONS:  # (math.nan is one object, so the nan key matches by identity)
            continue
        v, t = Value(x), leaf(x)
        out, t_out = ours(v), theirs(t)
        out.backward()
        t_out.backward()
        if not (same(out.data, t_out.item()) and same(v.grad, t.grad.item())):
            mismatches.append((x, out.data, t_out.item(), v.grad, t.grad.item()))
    assert not mismatches, f"{name}: (x, ours, torch, our grad, torch grad): {mismatches}"


def binary_mismatches(name: str, pairs: list[tuple[float, float]]) -> list[tuple[float, ...]]:
    f = BINARY[name]
    found = []
    for a, b in pairs:
        va, vb, ta, tb = Value(a), Value(b), leaf(a), leaf(b)
        out, t_out = f(va, vb), f(ta, tb)
        out.backward()
        t_out.backward()
        if not (
            same(out.data, t_out.item())
            and same(va.grad, ta.grad.item())
            and same(vb.grad, tb.grad.item())
        ):
            found.append(
                (a, b, out.data, t_out.item(), va.grad, ta.grad.item(), vb.grad, tb.grad.item())
            )
    return found


KNOWN_BINARY = {
    ("/", 0.0, 1e-310), ("/", -0.0, 1e-310),  # see test_zero_over_subnormal_derivative
    ("**", 0.0, 0.0), ("**", 0.0, -0.0), ("**", -0.0, 0.0), ("**", -0.0, -0.0),  # see test_zero_to_the_zero
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_special_values_match_torch(name: str) -> None:
    pairs = [(a, b) for a in SPECIALS for b in SPECIALS if (name, a, b) not in KNOWN_BINARY]
    assert not binary_mismatches(name, pairs), f"{name}: (a, b, ours, torch, grads…)"


def test_zero_to_the_zero_derivative_with_respect_to_the_exponent() -> None:
    assert not binary_mismatches("**", [(0.0, 0.0)])


def test_zero_over_subnormal_derivative() -> None:
    assert not binary_mismatches("/", [(0.0, 1e-310)])

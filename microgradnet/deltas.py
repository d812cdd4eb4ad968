"""Hand-derived backpropagation on plain floats: the textbook equations, one per statement.

Notation of worked example 004 (§3, §12–13): ``z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾``, ``a⁽ˡ⁾ = f(z⁽ˡ⁾)``,
``a⁽⁰⁾ = x``, ``y = a⁽ᴸ⁾``, ``δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾``. Row ``j`` of ``W⁽ˡ⁾`` holds the weights into neuron ``j``.

The loss is an explicit argument, because it decides the output delta:

- ``"squared_error"``: L = ½ Σ (y − t)²,  δ⁽ᴸ⁾ = (y − t) ⊙ f′(z⁽ᴸ⁾)  (= (y − t)·y(1 − y) for σ)
- ``"sum_squared_error"``: L = Σ (y − t)² (no ½),  ∂L/∂y = 2(y − t)
- ``"mse"``: L = (1/n) Σ (y − t)² over the n outputs,  ∂L/∂y = (2/n)(y − t)
- ``"cross_entropy"``: L = −Σ [t ln y + (1 − t) ln(1 − y)] with a sigmoid output,  δ⁽ᴸ⁾ = y − t

Every function returns a frozen record holding each intermediate, so a printout and a test can
reach every boxed number of a worked example. Python lists are used for vectors and matrices.
The floats are added in the same order as the engine adds them, so results agree to the last bit
or nearly (see the tests for the tolerance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microgradnet import numerics
from microgradnet.checks import expect_real, expect_sequence
from microgradnet.errors import ShapeError

__all__ = [
    "Backprop221",
    "Backprop",
    "BatchBackprop",
    "backprop_221",
    "backprop",
    "backprop_batch",
    "forward",
    "sgd_update",
    "LOSS_NAMES",
    "TEXTBOOK_LOSS_NAMES",
]

Vector = list[float]
Matrix = list[list[float]]

#: The losses the engine also has (``microgradnet.losses.LOSSES``).
LOSS_NAMES = ("squared_error", "cross_entropy")
#: Every loss ``backprop`` writes out: those, Σ(y − t)² without ½, and the mean over the outputs.
TEXTBOOK_LOSS_NAMES = ("squared_error", "sum_squared_error", "mse", "cross_entropy")
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "linear")


def sigma(z: float) -> float:
    """σ(z) = 1 / (1 + e^-z)."""
    return numerics.sigmoid(z)


def _length(name: str, values: Sequence[object], expected: int, what: str) -> None:
    """Refuse ``values`` unless it is a list of ``expected`` items (never truncate or unpack-fail)."""
    if len(expect_sequence(values, name, f"a list of {what}")) != expected:
        raise ShapeError(f"{name}: expected {expected} {what}, got {len(values)}")


def _numbers(name: str, values: Sequence[object], expected: int, what: str) -> Vector:
    """As :func:`_length`; the items as floats (an int beyond float range is ±inf, as in the
    engine), each a real number (TypeError naming ``name[i]``)."""
    _length(name, values, expected, what)
    return [expect_real(value, f"{name}[{i}]") for i, value in enumerate(values)]


Network = tuple[Vector, list[Matrix], list[Vector | None] | None, Vector | None]


def _check_shapes(
    x: Sequence[float],
    weights: Sequence[Sequence[Sequence[float]]],
    biases: Sequence[Sequence[float] | None] | None,
    activations: Sequence[str] | None = None,
    target: Sequence[float] | None = None,
) -> Network:
    """Every matrix, bias vector, input and target fits the one before it (ShapeError naming it).

    Returns (x, weights, biases, target) as lists of floats.

    Raises:
        ShapeError: a length does not fit; TypeError: a list or a number is something else.
    """
    if not expect_sequence(weights, "weights", "a list of matrices (one per layer)"):
        raise ShapeError("weights: expected at least one layer, got none")
    if activations is not None:
        _length("activations", activations, len(weights), "names (one per layer)")
    if biases is not None:
        _length("biases", biases, len(weights), "entries (one per layer, None for none)")
    if not expect_sequence(x, "x", "a list of inputs"):
        raise ShapeError("x: expected at least one input, got none")
    xs = _numbers("x", x, len(x), "inputs")
    Ws: list[Matrix] = []
    bs: list[Vector | None] = []
    fan_in = len(x)
    for l, W in enumerate(weights):
        if not expect_sequence(W, f"weights[{l}]", "a list of rows"):
            raise ShapeError(f"weights[{l}]: expected at least one row, got none")
        what = "weights (one per input of the layer)"
        Ws.append([_numbers(f"weights[{l}][{j}]", row, fan_in, what) for j, row in enumerate(W)])
        b = None if biases is None else biases[l]
        bs.append(
            None if b is None else _numbers(f"biases[{l}]", b, len(W), "values (one per neuron)")
        )
        fan_in = len(W)
    t = None if target is None else _numbers("target", target, fan_in, "values (one per output)")
    return xs, Ws, (None if biases is None else bs), t


def _check(loss: str, activations: Sequence[str]) -> None:
    if loss not in TEXTBOOK_LOSS_NAMES:
        raise ValueError(f"unknown loss {loss!r}; valid names: {', '.join(TEXTBOOK_LOSS_NAMES)}")
    for l, name in enumerate(activations, start=1):
        if name not in ACTIVATION_NAMES:
            raise ValueError(
                f"layer {l}: unknown activation {name!r}; valid names: {', '.join(ACTIVATION_NAMES)}"
            )
    if loss == "cross_entropy" and activations[-1] != "sigmoid":
        raise ValueError(f"cross_entropy needs a sigmoid output layer, got {activations[-1]!r}")


# ---- the 2-2-1 sigmoid network, written out as in §5 and §8 of example 004 -----------------


@dataclass(frozen=True)
class Backprop221:
    """Every number of one forward and backward pass through the 2-2-1 sigmoid network."""

    x: Vector
    t: float
    z1: Vector  # z⁽¹⁾
    a1: Vector  # a⁽¹⁾
    z2: float  # z⁽²⁾
    y: float
    L: float
    dL_dy: float
    dy_dz2: float
    delta2: float  # δ⁽²⁾
    dL_dW2: Vector  # a 1×2 matrix, written as its one row
    dL_db2: float
    dL_da1: Vector
    da1_dz1: Vector
    delta1: Vector  # δ⁽¹⁾
    dL_dW1: Matrix
    dL_db1: Vector


def backprop_221(
    x: Sequence[float],
    W1: Sequence[Sequence[float]],
    W2: Sequence[float],
    t: float,
    b1: Sequence[float] | None = None,
    b2: float | None = None,
    *,
    loss: str = "squared_error",
) -> Backprop221:
    """One forward and backward pass of the 2-2-1 sigmoid net (b1, b2 None: no biases)."""
    _check(loss, ["sigmoid", "sigmoid"])
    if loss not in ("squared_error", "cross_entropy"):
        raise ValueError(f"backprop_221 writes out squared_error and cross_entropy, not {loss!r}")
    _length("x", x, 2, "inputs")
    x, (W1, (W2,)), _, _ = _check_shapes(x, [W1, [W2]], None if b1 is None else [b1, None])
    b1 = None if b1 is None else _numbers("b1", b1, 2, "biases")
    t = expect_real(t, "t")
    b2 = None if b2 is None else expect_real(b2, "b2")
    x1, x2 = x
    (w11, w12), (w21, w22) = W1  # w_ji: into hidden neuron j from input i
    v1, v2 = W2  # into the output from hidden neuron 1, 2

    # z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾
    z1 = [w11 * x1 + w12 * x2, w21 * x1 + w22 * x2]
    if b1 is not None:
        z1 = [z1[0] + b1[0], z1[1] + b1[1]]
    # a⁽¹⁾ = σ(z⁽¹⁾)
    a1 = [sigma(z1[0]), sigma(z1[1])]
    # z⁽²⁾ = W⁽²⁾a⁽¹⁾ + b⁽²⁾
    z2 = v1 * a1[0] + v2 * a1[1]
    if b2 is not None:
        z2 = z2 + b2
    # y = σ(z⁽²⁾)
    y = sigma(z2)

    if loss == "squared_error":
        # L = ½(y − t)²
        L = 0.5 * numerics.power(y - t, 2.0)
        # ∂L/∂y = y − t
        dL_dy = y - t
        # dy/dz⁽²⁾ = y(1 − y)
        dy_dz2 = y * (1.0 - y)
        # δ⁽²⁾ = ∂L/∂y · dy/dz⁽²⁾ = (y − t)·y(1 − y)
        delta2 = dL_dy * dy_dz2
    else:
        # L = −[t ln y + (1 − t) ln(1 − y)], evaluated as softplus(z⁽²⁾) − t·z⁽²⁾ (same value, no ln 0)
        L = numerics.softplus(z2) - t * z2
        # ∂L/∂y = −t/y + (1 − t)/(1 − y)
        dL_dy = numerics.div(-t, y) + numerics.div(1.0 - t, 1.0 - y)
        # dy/dz⁽²⁾ = y(1 − y)
        dy_dz2 = y * (1.0 - y)
        # δ⁽²⁾ = y − t  (the y(1 − y) cancels)
        delta2 = y - t

    # ∂L/∂W⁽²⁾ = δ⁽²⁾(a⁽¹⁾)ᵀ,   ∂L/∂b⁽²⁾ = δ⁽²⁾
    dL_dW2 = [delta2 * a1[0], delta2 * a1[1]]
    dL_db2 = delta2
    # ∂L/∂a⁽¹⁾ = (W⁽²⁾)ᵀδ⁽²⁾
    dL_da1 = [v1 * delta2, v2 * delta2]
    # da⁽¹⁾/dz⁽¹⁾ = a⁽¹⁾ ⊙ (1 − a⁽¹⁾)
    da1_dz1 = [a1[0] * (1.0 - a1[0]), a1[1] * (1.0 - a1[1])]
    # δ⁽¹⁾ = ∂L/∂a⁽¹⁾ ⊙ da⁽¹⁾/dz⁽¹⁾
    delta1 = [dL_da1[0] * da1_dz1[0], dL_da1[1] * da1_dz1[1]]
    # ∂L/∂W⁽¹⁾ = δ⁽¹⁾xᵀ,   ∂L/∂b⁽¹⁾ = δ⁽¹⁾
    dL_dW1 = [[delta1[0] * x1, delta1[0] * x2], [delta1[1] * x1, delta1[1] * x2]]
    dL_db1 = list(delta1)

    return Backprop221(
        [x1, x2], t, z1, a1, z2, y, L, dL_dy, dy_dz2, delta2, dL_dW2, dL_db2,
        dL_da1, da1_dz1, delta1, dL_dW1, dL_db1,
    )  # fmt: skip


# ---- any number of layers (§13), one sample ----------------------------------------------


def _affine(W: Sequence[Sequence[float]], a: Sequence[float], b: Sequence[float] | None) -> Vector:
    """W a + b, each row summed left to right: Σᵢ W[j][i]·a[i], then + b[j]."""
    z = []
    for j, row in enumerate(W):
        total = row[0] * a[0]
        for w, ai in zip(row[1:], a[1:]):
            total += w * ai
        if b is not None:
            total += b[j]
        z.append(total)
    return z


def _f(name: str, z: float) -> float:
    """The activation f(z)."""
    if name == "sigmoid":
        return numerics.sigmoid(z)
    if name == "tanh":
        return numerics.tanh(z)
    if name == "relu":
        return numerics.relu(z)
    return z  # linear


def _f_prime(name: str, z: float, a: float) -> float:
    """f′(z), written with a = f(z) where that is the textbook form."""
    if name == "sigmoid":
        return a * (1.0 - a)  # σ′(z) = σ(z)(1 − σ(z))
    if name == "tanh":
        return 1.0 - a * a  # tanh′(z) = 1 − tanh²(z)
    if name == "relu":
        return 1.0 if z > 0.0 else 0.0
    return 1.0  # linear


def forward(
    x: Sequence[float],
    weights: Sequence[Matrix],
    biases: Sequence[Vector | None] | None,
    activations: Sequence[str],
) -> tuple[list[Vector], list[Vector]]:
    """(z, a) with z[l] = z⁽ˡ⁺¹⁾ and a[0] = x, a[l] = a⁽ˡ⁾."""
    x, weights, biases, _ = _check_shapes(x, weights, biases, activations)
    a: list[Vector] = [list(x)]
    z: list[Vector] = []
    for l, W in enumerate(weights):
        b = None if biases is None else biases[l]
        # z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾
        z.append(_affine(W, a[-1], b))
        # a⁽ˡ⁾ = f(z⁽ˡ⁾)
        a.append([_f(activations[l], zj) for zj in z[-1]])
    return z, a


@dataclass(frozen=True)
class Backprop:
    """Every intermediate of one sample through an L-layer network.

    ``z[l]``, ``dL_da[l]``, ``f_prime[l]``, ``delta[l]``, ``dL_dW[l]``, ``dL_db[l]`` belong to
    layer l+1; ``a[0]`` is x and ``a[l]`` is a⁽ˡ⁾, so ``a[-1]`` is y and ``dL_da[-1]`` is ∂L/∂y.
    """

    x: Vector
    t: Vector
    z: list[Vector]
    a: list[Vector]
    y: Vector
    L: float
    dL_dy: Vector
    dL_da: list[Vector]
    f_prime: list[Vector]
    delta: list[Vector]
    dL_dW: list[Matrix]
    dL_db: list[Vector]


def backprop(
    x: Sequence[float],
    weights: Sequence[Matrix],
    biases: Sequence[Vector | None] | None,
    target: Sequence[float],
    *,
    activations: Sequence[str],
    loss: str = "squared_error",
) -> Backprop:
    """Forward pass, loss and every δ⁽ˡ⁾ and gradient for one sample (§12–13 of example 004)."""
    _check(loss, activations)
    x, weights, biases, checked_target = _check_shapes(x, weights, biases, activations, target)
    t = list(checked_target or ())
    z, a = forward(x, weights, biases, activations)
    y = a[-1]
    n_layers = len(weights)
    # f′(z⁽ˡ⁾) for every layer
    f_prime = [
        [_f_prime(activations[l], zj, aj) for zj, aj in zip(z[l], a[l + 1])]
        for l in range(n_layers)
    ]

    if loss != "cross_entropy":
        # L = c Σₖ (yₖ − tₖ)² with c = ½ (squared_error), 1 (sum_squared_error), 1/n (mse)
        c = {"squared_error": 0.5, "sum_squared_error": 1.0}.get(loss, 1.0 / len(y))
        L = _sum_left([c * numerics.power(yk - tk, 2.0) for yk, tk in zip(y, t)])
        # ∂L/∂y = 2c (y − t)
        dL_dy = [2.0 * c * (yk - tk) for yk, tk in zip(y, t)]
        # δ⁽ᴸ⁾ = ∂L/∂y ⊙ f′(z⁽ᴸ⁾)
        delta_out = [g * fp for g, fp in zip(dL_dy, f_prime[-1])]
    else:
        # L = −Σₖ [tₖ ln yₖ + (1 − tₖ) ln(1 − yₖ)] = Σₖ softplus(z⁽ᴸ⁾ₖ) − tₖ z⁽ᴸ⁾ₖ
        L = _sum_left([numerics.softplus(zk) - tk * zk for zk, tk in zip(z[-1], t)])
        # ∂L/∂y = −t/y + (1 − t)/(1 − y)
        dL_dy = [numerics.div(-tk, yk) + numerics.div(1.0 - tk, 1.0 - yk) for yk, tk in zip(y, t)]
        # δ⁽ᴸ⁾ = y − t
        delta_out = [yk - tk for yk, tk in zip(y, t)]

    delta: list[Vector] = [delta_out]
    dL_da: list[Vector] = [dL_dy]
    for l in range(n_layers - 2, -1, -1):
        W_next, delta_next = weights[l + 1], delta[0]
        # δ⁽ˡ⁾ = ((W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)
        back = [
            _sum_left([W_next[k][j] * delta_next[k] for k in range(len(delta_next))])
            for j in range(len(z[l]))
        ]
        dL_da.insert(0, back)  # ∂L/∂a⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾
        delta.insert(0, [g * fp for g, fp in zip(back, f_prime[l])])

    # ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ,   ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾
    dL_dW = [[[dj * ai for ai in a[l]] for dj in delta[l]] for l in range(n_layers)]
    dL_db = [list(d) for d in delta]
    return Backprop(list(x), t, z, a, list(y), L, dL_dy, dL_da, f_prime, delta, dL_dW, dL_db)


def _sum_left(terms: Sequence[float]) -> float:
    """t₀ + t₁ + … added left to right (Python 3.12's sum() compensates; this stays textbook)."""
    total = terms[0]
    for term in terms[1:]:
        total += term
    return total


# ---- mini-batches (§13) -------------------------------------------------------------------


@dataclass(frozen=True)
class BatchBackprop:
    """A mini-batch: each sample's record, the mean (or summed) loss and gradients over N."""

    samples: list[Backprop]
    L: float
    dL_dW: list[Matrix]
    dL_db: list[Vector]


def backprop_batch(
    X: Sequence[Sequence[float]],
    T: Sequence[Sequence[float]],
    weights: Sequence[Matrix],
    biases: Sequence[Vector | None] | None,
    *,
    activations: Sequence[str],
    loss: str = "squared_error",
    reduction: str = "mean",
) -> BatchBackprop:
    """L = (1/N) Σₙ Lₙ,  ∂L/∂W = (1/N)(∂L/∂Z)Xᵀ,  ∂L/∂b = (1/N)(∂L/∂Z)1  over N samples
    (``reduction="sum"``: L = Σₙ Lₙ and the gradients summed, without the 1/N)."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"unknown reduction {reduction!r}; valid: mean, sum")
    if len(X) != len(T) or not X:
        raise ValueError(
            f"a batch needs as many targets as inputs (at least one): {len(X)} inputs, {len(T)} targets"
        )
    samples = [
        backprop(x, weights, biases, t, activations=activations, loss=loss) for x, t in zip(X, T)
    ]
    N = len(samples) if reduction == "mean" else 1  # Σₙ, then ÷ N for the mean
    dL_dW = [
        [
            [_sum_left([s.dL_dW[l][j][i] for s in samples]) / N for i in range(len(row))]
            for j, row in enumerate(W)
        ]
        for l, W in enumerate(weights)
    ]
    dL_db = [
        [_sum_left([s.dL_db[l][j] for s in samples]) / N for j in range(len(W))]
        for l, W in enumerate(weights)
    ]
    L = _sum_left([s.L for s in samples]) / N
    return BatchBackprop(samples, L, dL_dW, dL_db)


def sgd_update(
    weights: Sequence[Matrix],
    biases: Sequence[Vector | None] | None,
    dL_dW: Sequence[Matrix],
    dL_db: Sequence[Vector],
    lr: float,
) -> tuple[list[Matrix], list[Vector | None] | None]:
    """θ_new = θ_old − η·∂L/∂θ for every weight and bias (returns new lists).

    Raises:
        ShapeError: a gradient's shape differs from its parameter's.
    """
    first = expect_sequence(weights, "weights", "a list of matrices")[:1]
    rows = expect_sequence(first[0], "weights[0]", "a list of rows") if first else []
    fan_in = rows[0] if rows else [0.0]  # _check_shapes names what is missing
    lr = expect_real(lr, "lr")
    _, weights, biases, _ = _check_shapes(fan_in, weights, biases)
    _length("dL_dW", dL_dW, len(weights), "matrices (one per layer)")
    _, dL_dW, gb, _ = _check_shapes(fan_in, dL_dW, dL_db if biases is not None else None)
    dL_db = [] if gb is None else [g or [] for g in gb]
    for l, (W, gW) in enumerate(zip(weights, dL_dW)):
        _length(f"dL_dW[{l}]", gW, len(W), "rows (one per neuron)")
    new_weights = [
        [[w - lr * g for w, g in zip(row, grow)] for row, grow in zip(W, gW)]
        for W, gW in zip(weights, dL_dW)
    ]
    if biases is None:
        return new_weights, None
    new_biases: list[Vector | None] = [
        None if b is None else [bj - lr * g for bj, g in zip(b, gb)] for b, gb in zip(biases, dL_db)
    ]
    return new_weights, new_biases

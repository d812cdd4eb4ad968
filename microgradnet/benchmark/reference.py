"""Plain-float references: the hand-derived deltas of W1 and W2, and closed forms for W3 and W4.

These are both the "plain floats" column of the table (no graph at all) and the values every
engine's gradients are checked against before anything is timed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import mul

from microgradnet.benchmark.base import CHAIN_FACTOR, CHAIN_OFFSET, CHAIN_START, Result, Stepper
from microgradnet.benchmark.problems import W1Problem, W2Problem

__all__ = ["PlainFloats", "w1_step", "w2_gradients", "w3_reference", "w4_reference"]

Matrix = list[list[float]]


def _sigma(z: float) -> float:
    """σ(z) = 1/(1+e^-z) for z ≥ 0, e^z/(1+e^z) below (never overflows)."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def w1_step(
    p: list[float], x1: float, x2: float, t: float, lr: float
) -> tuple[float, tuple[float, ...]]:
    """One step of the 2-2-1 sigmoid net, ½(o−t)², in example 000's notation; updates ``p`` in place.

    ``p`` = [w_x1→h1, w_x2→h1, w_x1→h2, w_x2→h2, w_h1→o, w_h2→o]. Returns (L, gradients) at the
    parameters given (before the update).
    """
    w11, w21, w12, w22, v1, v2 = p
    h1 = _sigma(x1 * w11 + x2 * w21)  # h1 = σ(z_h1)
    h2 = _sigma(x1 * w12 + x2 * w22)  # h2 = σ(z_h2)
    o = _sigma(h1 * v1 + h2 * v2)  # o = σ(z_o)
    delta_o = (o - t) * o * (1.0 - o)  # δ_o = (o − t)·σ'(z_o)
    delta_h1 = delta_o * v1 * h1 * (1.0 - h1)  # δ_h1 = δ_o·w_h1→o·σ'(z_h1)
    delta_h2 = delta_o * v2 * h2 * (1.0 - h2)  # δ_h2 = δ_o·w_h2→o·σ'(z_h2)
    grads = (delta_h1 * x1, delta_h1 * x2, delta_h2 * x1, delta_h2 * x2, delta_o * h1, delta_o * h2)
    p[0] = w11 - lr * grads[0]
    p[1] = w21 - lr * grads[1]
    p[2] = w12 - lr * grads[2]
    p[3] = w22 - lr * grads[3]
    p[4] = v1 - lr * grads[4]
    p[5] = v2 - lr * grads[5]
    return 0.5 * (o - t) ** 2, grads


def _forward(
    weights: Sequence[Matrix], biases: Sequence[list[float]], x: Sequence[float]
) -> list[list[float]]:
    """a⁽⁰⁾ = x, a⁽ˡ⁾ = relu(W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾), the last layer linear: every a⁽ˡ⁾."""
    acts = [list(x)]
    last = len(weights) - 1
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = [sum(map(mul, row, acts[-1])) + bj for row, bj in zip(w, b)]
        acts.append(z if l == last else [max(0.0, zj) for zj in z])
    return acts


def w2_gradients(
    weights: Sequence[Matrix], biases: Sequence[list[float]], problem: W2Problem
) -> tuple[float, list[Matrix], list[list[float]]]:
    """L = (1/N) Σₙ relu(1 − yₙ·scoreₙ) + α Σθ², and ∂L/∂W⁽ˡ⁾, ∂L/∂b⁽ˡ⁾ by the textbook deltas.

    Per sample with a positive margin, δ⁽ᴸ⁾ = −yₙ/N; δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀδ⁽ˡ⁺¹⁾) ⊙ [z⁽ˡ⁾ > 0];
    ∂L/∂W⁽ˡ⁾ += δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ, ∂L/∂b⁽ˡ⁾ += δ⁽ˡ⁾; then the L2 term adds 2αθ to every gradient.
    """
    n = len(problem.points)
    columns = [list(zip(*w)) for w in weights]  # W⁽ˡ⁾ᵀ, row i = weights out of unit i
    g_w = [[[0.0] * len(row) for row in w] for w in weights]
    g_b = [[0.0] * len(b) for b in biases]
    data_loss = 0.0
    for x, y in zip(problem.points, problem.labels):
        acts = _forward(weights, biases, x)
        margin = 1.0 - y * acts[-1][0]
        if margin <= 0.0:
            continue  # relu(margin) = 0: this sample adds nothing
        data_loss += margin
        delta = [-y / n]
        for l in range(len(weights) - 1, -1, -1):
            a_prev = acts[l]
            for j, d in enumerate(delta):
                if d:
                    g_w[l][j] = [g + d * a for g, a in zip(g_w[l][j], a_prev)]
                    g_b[l][j] += d
            if l:
                delta = [
                    sum(map(mul, delta, col)) if a > 0.0 else 0.0
                    for col, a in zip(columns[l], a_prev)
                ]
    params = [v for w in weights for row in w for v in row] + [v for b in biases for v in b]
    loss = data_loss / n + problem.alpha * sum(v * v for v in params)
    two_alpha = 2.0 * problem.alpha
    g_w = [
        [[g + two_alpha * v for g, v in zip(gr, wr)] for gr, wr in zip(gm, wm)]
        for gm, wm in zip(g_w, weights)
    ]
    g_b = [[g + two_alpha * v for g, v in zip(gb, b)] for gb, b in zip(g_b, biases)]
    return loss, g_w, g_b


def _flat(g_w: list[Matrix], g_b: list[list[float]]) -> list[float]:
    """Gradients in microgradnet's parameter order: layer by layer, W row-major, then b."""
    return [v for w, b in zip(g_w, g_b) for v in [x for row in w for x in row] + b]


def w3_reference(n: int) -> Result:
    """y after n links and dy/dx = 1.0001ⁿ, computed in the order the engines compute them."""
    y = CHAIN_START
    grad = 1.0
    for _ in range(n):
        y = y * CHAIN_FACTOR + CHAIN_OFFSET
        grad = CHAIN_FACTOR * grad
    return Result(y, [grad])


def w4_reference(a: list[float], b: list[float]) -> Result:
    """Σ aᵢbᵢ added left to right; ∂/∂aᵢ = bᵢ and ∂/∂bᵢ = aᵢ exactly (gradients: all a, then all b)."""
    total = a[0] * b[0]
    for ai, bi in zip(a[1:], b[1:]):
        total = total + ai * bi
    return Result(total, list(b) + list(a))


class PlainFloats:
    """The hand-derived deltas on plain floats: no graph, the floor every engine is compared with."""

    name = "plain floats"

    def w1(self, problem: W1Problem) -> Stepper:
        p = problem.net.flat()
        (x1, x2), t, lr = problem.x, problem.target, problem.lr

        def gradients() -> Result:
            loss, grads = w1_step(list(p), x1, x2, t, lr)
            return Result(loss, list(grads))

        def step() -> None:
            w1_step(p, x1, x2, t, lr)

        return Stepper(gradients, step)

    def w2(self, problem: W2Problem) -> Stepper:
        weights = [[list(row) for row in w] for w in problem.net.weights]
        biases = [list(b) for b in problem.net.biases or ()]
        lr = problem.lr

        def gradients() -> Result:
            loss, g_w, g_b = w2_gradients(weights, biases, problem)
            return Result(loss, _flat(g_w, g_b))

        def step() -> None:
            _, g_w, g_b = w2_gradients(weights, biases, problem)
            for w, gw in zip(weights, g_w):
                w[:] = [[v - lr * g for v, g in zip(row, grow)] for row, grow in zip(w, gw)]
            for b, gb in zip(biases, g_b):
                b[:] = [v - lr * g for v, g in zip(b, gb)]

        return Stepper(gradients, step)

    def w3(self, n: int) -> None:
        return None

    def w4(self, a: list[float], b: list[float]) -> None:
        return None

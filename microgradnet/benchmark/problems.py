"""The benchmark's workloads as plain data, made deterministically (no global random state).

W1  the 2-2-1 sigmoid network of worked example 000 (no biases), ½(y−t)², one SGD step, η = 1.
W2  MLP(2, [16, 16, 1]) (relu, relu, linear) on 100 two-moons points: hinge loss
    mean(relu(1 − yₙ·scoreₙ)) + α·Σθ², α = 1e-4 — micrograd's own demo.
W3  the chain y ← y·1.0001 + 0.0001, n links.
W4  Σᵢ aᵢ·bᵢ over N pairs (4N nodes).

Parameters are always listed in microgradnet's order: layer by layer, W⁽ˡ⁾ row by row, then b⁽ˡ⁾.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["Net", "W1Problem", "W2Problem", "two_moons", "w1_problem", "w2_problem", "w4_pairs"]

Matrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Net:
    """A fully connected network: ``weights[l][j][i]`` is the weight into neuron j of layer l+1."""

    weights: tuple[Matrix, ...]
    biases: tuple[tuple[float, ...], ...] | None
    activations: tuple[str, ...]

    def flat(self) -> list[float]:
        """Every parameter in microgradnet's order (layer by layer, W row-major, then b)."""
        values: list[float] = []
        for l, matrix in enumerate(self.weights):
            values += [w for row in matrix for w in row]
            if self.biases is not None:
                values += self.biases[l]
        return values


@dataclass(frozen=True)
class W1Problem:
    net: Net
    x: tuple[float, float]
    target: float
    lr: float


@dataclass(frozen=True)
class W2Problem:
    net: Net
    points: tuple[tuple[float, float], ...]
    labels: tuple[float, ...]  # ±1.0
    alpha: float
    lr: float


def w1_problem() -> W1Problem:
    """Example 000: x = (0.35, 0.7), W⁽¹⁾ = [[0.2, 0.2], [0.3, 0.3]], W⁽²⁾ = [[0.3, 0.9]], t = 0.5."""
    net = Net((((0.2, 0.2), (0.3, 0.3)), ((0.3, 0.9),)), None, ("sigmoid", "sigmoid"))
    return W1Problem(net, (0.35, 0.7), 0.5, 1.0)


def two_moons(
    n: int, *, noise: float = 0.1, seed: int = 0
) -> tuple[tuple[tuple[float, float], ...], tuple[float, ...]]:
    """Two interleaving half circles with Gaussian noise; labels −1 (upper moon) and +1 (lower)."""
    rng = random.Random(seed)
    n_upper = n // 2
    points: list[tuple[float, float]] = []
    labels: list[float] = []
    for k in range(n):
        upper = k < n_upper
        count = n_upper if upper else n - n_upper
        angle = math.pi * (k if upper else k - n_upper) / max(count - 1, 1)
        if upper:
            x, y = math.cos(angle), math.sin(angle)
        else:
            x, y = 1.0 - math.cos(angle), 0.5 - math.sin(angle)
        points.append((x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)))
        labels.append(-1.0 if upper else 1.0)
    return tuple(points), tuple(labels)


def w2_problem(n_points: int = 100, *, seed: int = 1337) -> W2Problem:
    """micrograd's demo: weights uniform in [−1, 1] (as micrograd initialises them), biases 0."""
    rng = random.Random(seed)
    sizes = (2, 16, 16, 1)
    weights = tuple(
        tuple(tuple(rng.uniform(-1.0, 1.0) for _ in range(fan_in)) for _ in range(fan_out))
        for fan_in, fan_out in pairwise(sizes)
    )
    biases = tuple((0.0,) * fan_out for fan_out in sizes[1:])
    net = Net(weights, biases, ("relu", "relu", "linear"))
    points, labels = two_moons(n_points, seed=seed)
    return W2Problem(net, points, labels, 1e-4, 0.5)


def w4_pairs(n: int, *, seed: int = 4) -> tuple[list[float], list[float]]:
    """N pairs (aᵢ, bᵢ) uniform in [−1, 1]."""
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)], [rng.uniform(-1.0, 1.0) for _ in range(n)]

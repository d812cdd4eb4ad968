"""The autograd side of a walkthrough: the same example run through ``nn`` and the engine.

These numbers are independent of the equation model: ``z.grad`` for a δ, ``a.grad`` for ∂L/∂a,
the activation node's local derivative for f′(z), ``W.grad`` for a gradient, the parameters after
an SGD step, the loss before and after, and the loss over several training steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microgradnet.engine import Value, vsum
from microgradnet.functional import gradients, hessian_at
from microgradnet.losses import LOSSES
from microgradnet.nn import MLP, Trace
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.format import Example
from microgradnet.tutorial.keys import Key

__all__ = [
    "HessianTable",
    "StepLoss",
    "autograd_graph",
    "autograd_values",
    "output_hessian",
    "training",
]


@dataclass(frozen=True)
class StepLoss:
    """The loss after ``step`` training steps (0: before any), hand-derived and by autograd."""

    step: int
    hand: float
    autograd: float


@dataclass(frozen=True)
class HessianTable:
    """∂²L/∂θᵢ∂θⱼ over the output layer's parameters ``keys`` (weights, then biases).

    ``autograd`` differentiates the gradient's own graph (``hessian_at``); ``numerical`` takes
    central differences (step ``eps``) of the first-order gradient, as an independent check.
    """

    keys: tuple[Key, ...]
    autograd: tuple[tuple[float, ...], ...]
    numerical: tuple[tuple[float, ...], ...]
    eps: float


def _network(example: Example) -> MLP:
    """The example's network; a shared bias is one Value used by every neuron of its layer."""
    mlp = MLP.from_weights(example.weights, example.biases, example.activations)
    for layer, spec in zip(mlp.layers, example.layers):
        if spec.shared:
            shared = layer.neurons[0].bias
            for neuron in layer.neurons:
                neuron.bias = shared
    return mlp


def _loss(example: Example, trace: Trace, targets: Sequence[float] | None = None) -> Value:
    ys, ts = trace.output, list(example.targets if targets is None else targets)
    if example.loss in LOSSES:
        loss = LOSSES[example.loss](ys, ts)
    else:  # Σ(y − t)² or (1/n)Σ(y − t)², term by term as the equation model adds them
        c = 1.0 if example.loss == "sum_squared_error" else 1.0 / len(ys)
        terms = [(y - t) ** 2 if c == 1.0 else c * (y - t) ** 2 for y, t in zip(ys, ts)]
        loss = terms[0] if len(terms) == 1 else vsum(terms)
    loss.label = "L"  # so a picture of the graph names it
    return loss


def _parameters(mlp: MLP) -> list[tuple[Key, Value]]:
    """Every weight and bias with its key, layer by layer, neuron by neuron (a shared bias once)."""
    found: list[tuple[Key, Value]] = []
    seen: set[int] = set()
    for l, layer in enumerate(mlp.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            found += [(k.W(l, j, i), w) for i, w in enumerate(neuron.weights)]
            if neuron.bias is not None and id(neuron.bias) not in seen:
                seen.add(id(neuron.bias))
                found.append((k.b(l, j), neuron.bias))
    return found


def _step(example: Example, params: list[tuple[Key, Value]]) -> None:
    """θ ← θ − η·∂L/∂θ from the engine's gradients, leaving the parameters held fixed."""
    fixed, rate = example.conventions.fixed, example.learning_rate
    for key, p in params:
        if key not in fixed:
            p.data = p.data - rate * p.grad


def autograd_values(example: Example) -> dict[Key, float]:
    """Autograd's number for every quantity it has one for (L, ∂L/∂a, f′, δ, gradients, θⁿᵉʷ, Lⁿᵉʷ),
    in the document's sign convention (δ = −∂E/∂net negates the engine's gradients); in batch
    training each pattern's own, and the batch's loss, gradients and update."""
    if example.conventions.batch:
        return _batch_values(example)
    mlp = _network(example)
    found = _backward(example, mlp, example.inputs, example.targets)
    params = _parameters(mlp)
    _step(example, params)
    found.update((key.renew(), p.data) for key, p in params)
    found[k.LOSS.renew()] = _loss(example, mlp.trace(list(example.inputs))).data
    return found


def _backward(
    example: Example, mlp: MLP, x: Sequence[float], t: Sequence[float]
) -> dict[Key, float]:
    """L and, after ``backward()``, ∂L/∂a, f′, δ and every gradient for one pattern."""
    trace = mlp.trace(list(x))
    loss = _loss(example, trace, t)
    loss.backward()
    sign = example.conventions.sign
    found = {k.LOSS: loss.data}
    n_layers = len(example.layers)
    for l in range(1, n_layers + 1):
        for j, (z, a) in enumerate(zip(trace.z[l - 1], trace.a[l - 1])):
            if not (l == n_layers and example.loss == "cross_entropy"):  # L is built from z there
                found[k.dL_da(l, j)] = sign * a.grad
            linear = example.layers[l - 1].activation == "linear"
            found[k.fprime(l, j)] = 1.0 if linear else a.local_grads[0]
            found[k.delta(l, j)] = sign * z.grad
    found.update((k.gradient(key), sign * p.grad) for key, p in _parameters(mlp))
    return found


def _batch_loss(example: Example, mlp: MLP) -> Value:
    """The batch's loss: the sum or the mean of every pattern's, added in pattern order."""
    losses = [_loss(example, mlp.trace(list(x)), t) for x, t in example.samples]
    total = losses[0] if len(losses) == 1 else vsum(losses)
    return total / len(losses) if example.conventions.updates == "batch_mean" else total


def _batch_values(example: Example) -> dict[Key, float]:
    found: dict[Key, float] = {}
    for p, (x, t) in enumerate(example.samples):  # each pattern on a network of its own
        one = _backward(example, _network(example), x, t)
        found.update((k.at_pattern(key, p), value) for key, value in one.items())
    mlp = _network(example)
    loss = _batch_loss(example, mlp)
    loss.backward()
    params = _parameters(mlp)
    found[k.LOSS] = loss.data
    found.update((k.gradient(key), example.conventions.sign * p.grad) for key, p in params)
    _step(example, params)
    found.update((key.renew(), p.data) for key, p in params)
    found[k.LOSS.renew()] = _batch_loss(example, mlp).data
    return found


def autograd_graph(example: Example) -> tuple[MLP, Value]:
    """The example's network and its loss after ``backward()``: what ``--graph`` draws."""
    mlp = _network(example)
    loss = _loss(example, mlp.trace(list(example.inputs)))
    loss.backward()
    return mlp, loss


def output_hessian(example: Example, eps: float = 1e-5) -> HessianTable:
    """The Hessian of the loss w.r.t. the output layer's parameters, both ways."""
    mlp = _network(example)
    key_of = {id(p): key for key, p in _parameters(mlp)}
    params = list({id(p): p for p in mlp.layers[-1].parameters()}.values())  # a shared bias once
    x = list(example.inputs)
    autograd = hessian_at(_loss(example, mlp.trace(x)), params)
    numerical = []
    for p in params:
        saved = p.data
        p.data = saved + eps
        up = gradients(_loss(example, mlp.trace(x)), params)
        p.data = saved - eps
        down = gradients(_loss(example, mlp.trace(x)), params)
        p.data = saved
        numerical.append(tuple((u - d) / (2.0 * eps) for u, d in zip(up, down)))
    return HessianTable(
        tuple(key_of[id(p)] for p in params), tuple(map(tuple, autograd)), tuple(numerical), eps
    )


def training(example: Example, steps: int, hand: Sequence[float]) -> tuple[StepLoss, ...]:
    """The loss after each of ``steps`` steps: ``hand`` (the equation model's, one per step from 0)
    beside autograd's, the engine's gradients applied with the example's update rule."""
    samples = example.samples
    mlp = _network(example)
    params = _parameters(mlp)
    losses = []
    for step in range(steps + 1):
        for _, p in params:
            p.grad = 0.0
        if example.conventions.batch:
            loss = _batch_loss(example, mlp)
        else:
            x, t = samples[step % len(samples)]
            loss = _loss(example, mlp.trace(list(x)), t)
        loss.backward()
        losses.append(StepLoss(step, hand[step], loss.data))
        _step(example, params)
    return tuple(losses)

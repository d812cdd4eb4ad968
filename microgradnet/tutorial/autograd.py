"""The autograd side of a walkthrough: the same example run through ``nn`` and the engine.

These numbers are independent of the equation model: ``z.grad`` for a δ, ``a.grad`` for ∂L/∂a,
the activation node's local derivative for f′(z), ``W.grad`` for a gradient, the parameters after
an SGD step, the loss before and after, and the loss over several training steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from microgradnet import deltas
from microgradnet.engine import Value
from microgradnet.functional import gradients, hessian_at
from microgradnet.losses import LOSSES
from microgradnet.nn import MLP, Trace
from microgradnet.optim import SGD
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
    return MLP.from_weights(example.weights, example.biases, example.activations)


def _loss(example: Example, trace: Trace) -> Value:
    loss = LOSSES[example.loss](trace.output, list(example.targets))
    loss.label = "L"  # so a picture of the graph names it
    return loss


def _parameters(mlp: MLP) -> list[tuple[Key, Value]]:
    """Every weight and bias with its key, layer by layer, neuron by neuron."""
    found = []
    for l, layer in enumerate(mlp.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            found += [(k.W(l, j, i), w) for i, w in enumerate(neuron.weights)]
            if neuron.bias is not None:
                found.append((k.b(l, j), neuron.bias))
    return found


def autograd_values(example: Example) -> dict[Key, float]:
    """Autograd's number for every quantity it has one for (L, ∂L/∂a, f′, δ, gradients, θⁿᵉʷ, Lⁿᵉʷ)."""
    mlp = _network(example)
    trace = mlp.trace(list(example.inputs))
    loss = _loss(example, trace)
    loss.backward()
    found = {k.LOSS: loss.data}
    n_layers = len(example.layers)
    for l in range(1, n_layers + 1):
        for j, (z, a) in enumerate(zip(trace.z[l - 1], trace.a[l - 1])):
            if not (l == n_layers and example.loss == "cross_entropy"):  # L is built from z there
                found[k.dL_da(l, j)] = a.grad
            linear = example.layers[l - 1].activation == "linear"
            found[k.fprime(l, j)] = 1.0 if linear else a.local_grads[0]
            found[k.delta(l, j)] = z.grad
    params = _parameters(mlp)
    found.update((k.gradient(key), p.grad) for key, p in params)
    SGD([p for _, p in params], example.learning_rate).step()
    found.update((key.renew(), p.data) for key, p in params)
    found[k.LOSS.renew()] = _loss(example, mlp.trace(list(example.inputs))).data
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
    params = mlp.layers[-1].parameters()
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


def training(example: Example, steps: int) -> tuple[StepLoss, ...]:
    """The loss after each of ``steps`` SGD steps, by the hand equations and by autograd."""
    x, t = list(example.inputs), list(example.targets)
    weights: list[list[list[float]]] = example.weights
    biases: list[list[float] | None] | None = example.biases
    mlp = _network(example)
    optimizer = SGD(mlp.parameters(), example.learning_rate)
    losses = []
    for step in range(steps + 1):
        hand = deltas.backprop(
            x, weights, biases, t, activations=example.activations, loss=example.loss
        )
        optimizer.zero_grad()
        loss = _loss(example, mlp.trace(x))
        loss.backward()
        losses.append(StepLoss(step, hand.L, loss.data))
        weights, biases = deltas.sgd_update(
            weights, biases, hand.dL_dW, hand.dL_db, example.learning_rate
        )
        optimizer.step()
    return tuple(losses)

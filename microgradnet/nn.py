"""Neurons, layers and multi-layer perceptrons built from ``Value``s, with named parameters.

Convention (that of the worked example 004): layer ``l`` (1-based) computes
``z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾`` and ``a⁽ˡ⁾ = f(z⁽ˡ⁾)``, where row ``j`` of ``W⁽ˡ⁾`` holds the weights
*into* neuron ``j``. Parameters are named ``W1[j,i]`` and ``b1[j]`` (layer 1-based, indices
0-based) and listed layer by layer: the weights of ``W⁽ˡ⁾`` row by row, then ``b⁽ˡ⁾``.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from microgradnet.checks import expect_sequence
from microgradnet.compiled import CompiledStep, LossFunction
from microgradnet.engine import Number, Value, display_svg, dot
from microgradnet.errors import ShapeError, SizeLimitError

__all__ = ["ACTIVATIONS", "MAX_LAYER_WIDTH", "MAX_PARAMETERS", "Neuron", "Layer", "MLP", "Trace"]

#: Largest number of inputs or neurons in one layer ``MLP(...)`` accepts.
MAX_LAYER_WIDTH = 100_000
#: Largest number of parameters (weights and biases) ``MLP(...)`` accepts: about 1.5 GB of
#: Values, far beyond what a scalar engine trains in reasonable time.
MAX_PARAMETERS = 10_000_000

Input = Value | Number


def _linear(z: Value) -> Value:
    return z


#: Activation name -> function of the pre-activation.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "linear": _linear,
}


def check_activation(name: object, where: str = "activation") -> str:
    """Return ``name`` if it is a known activation, else raise ValueError listing the valid ones."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        valid = ", ".join(ACTIVATIONS)
        raise ValueError(f"{where}: unknown activation {name!r}; valid names: {valid}")
    return name


class Neuron:
    """One unit: ``a = f(Σᵢ wᵢ·xᵢ + b)``, with its weights and bias as named leaf Values."""

    __slots__ = ("weights", "bias", "activation", "_act", "_z_label", "_a_label")

    def __init__(
        self,
        weights: Sequence[Number],
        bias: Number | None,
        activation: str = "sigmoid",
        *,
        layer: int = 1,
        index: int = 0,
    ) -> None:
        self.activation = check_activation(activation)
        self._act = ACTIVATIONS[activation]
        weights = expect_sequence(weights, "Neuron: weights", "a list of numbers")
        self.weights = [Value(w, f"W{layer}[{index},{i}]") for i, w in enumerate(weights)]
        self.bias = None if bias is None else Value(bias, f"b{layer}[{index}]")
        self._z_label = f"z{layer}[{index}]"
        self._a_label = f"a{layer}[{index}]"

    def forward(self, inputs: Sequence[Value]) -> tuple[Value, Value]:
        """(z, a): the pre-activation ``z = Σᵢ wᵢ·xᵢ + b`` (one n-ary sum) and ``a = f(z)``."""
        if len(inputs) != len(self.weights):
            raise ShapeError(
                f"neuron {self._z_label}: expected {len(self.weights)} inputs, got {len(inputs)}"
            )
        z = dot(self.weights, inputs, self.bias)
        z.label = self._z_label
        a = self._act(z)
        if a is not z:
            a.label = self._a_label
        return z, a

    def __call__(self, inputs: Sequence[Value]) -> Value:
        return self.forward(inputs)[1]

    def parameters(self) -> list[Value]:
        return self.weights + ([] if self.bias is None else [self.bias])

    def __repr__(self) -> str:
        return (
            f"Neuron({self.activation}, {len(self.weights)} inputs, bias={self.bias is not None})"
        )


class Layer:
    """``a⁽ˡ⁾ = f(W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾)``: a list of neurons sharing inputs and an activation."""

    __slots__ = ("neurons", "activation", "index")

    def __init__(
        self,
        weights: Sequence[Sequence[Number]],
        biases: Sequence[Number] | None,
        activation: str = "sigmoid",
        *,
        index: int = 1,
    ) -> None:
        self.activation = check_activation(activation)
        self.index = index
        rows = len(expect_sequence(weights, "Layer: weights", "a list of rows"))
        if biases is not None:
            expect_sequence(biases, "Layer: biases", "a list of numbers or None")
        if biases is not None and len(biases) != rows:
            raise ShapeError(
                f"b{index}: expected {rows} biases (one per row of W{index}), got {len(biases)}"
            )
        self.neurons = [
            Neuron(row, None if biases is None else biases[j], activation, layer=index, index=j)
            for j, row in enumerate(weights)
        ]

    def pre_and_post(self, inputs: Sequence[Value]) -> tuple[list[Value], list[Value]]:
        """(z⁽ˡ⁾, a⁽ˡ⁾) for the given inputs."""
        pairs = [neuron.forward(inputs) for neuron in self.neurons]
        return [z for z, _ in pairs], [a for _, a in pairs]

    def __call__(self, inputs: Sequence[Value]) -> list[Value]:
        return [neuron(inputs) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        weights = [w for neuron in self.neurons for w in neuron.weights]
        biases = [n.bias for n in self.neurons if n.bias is not None]
        return weights + biases

    def __repr__(self) -> str:
        n_in = len(self.neurons[0].weights) if self.neurons else 0
        return f"Layer({n_in}→{len(self.neurons)}, {self.activation})"


@dataclass(frozen=True)
class Trace:
    """Every node of one forward pass: ``inputs``, then per layer ``z[l]`` and ``a[l]``."""

    inputs: list[Value]
    z: list[list[Value]]
    a: list[list[Value]]

    @property
    def output(self) -> list[Value]:
        return self.a[-1]


def _checked_sizes(n_inputs: object, layer_sizes: object, bias: bool) -> list[int]:
    """[n_inputs, *layer_sizes] after checking types, ranges and the size limits."""
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise TypeError(
            f"MLP: layer_sizes must be a sequence of ints, got {type(layer_sizes).__name__}"
        )
    sizes = [n_inputs, *layer_sizes]
    for i, size in enumerate(sizes):
        where = "n_inputs" if i == 0 else f"layer_sizes[{i - 1}]"
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(
                f"MLP: {where} must be an int, got {type(size).__name__}: {size!r}"[:200]
            )
        if size < 1:
            raise ValueError(f"MLP: {where} must be at least 1, got {size}")
        if size > MAX_LAYER_WIDTH:
            raise SizeLimitError(
                f"MLP: {where} is {_short(size)}, over the limit MAX_LAYER_WIDTH = {MAX_LAYER_WIDTH:,}"
            )
    ints: list[int] = sizes  # checked above
    total = sum(n_in * n_out + (n_out if bias else 0) for n_in, n_out in itertools.pairwise(ints))
    if total > MAX_PARAMETERS:
        raise SizeLimitError(
            f"MLP: {total:,} parameters for sizes {ints}, over the limit MAX_PARAMETERS = {MAX_PARAMETERS:,}"
        )
    return ints


def _short(n: int) -> str:
    digits = len(str(n)) if n < 10**50 else None
    return f"{n:,}" if digits is not None and digits <= 20 else "a number of more than 20 digits"


def _activation_list(activation: str | Sequence[str], n_layers: int) -> list[str]:
    if isinstance(activation, str):
        return [check_activation(activation)] * n_layers
    names = list(activation)
    if len(names) != n_layers:
        raise ShapeError(f"activation: expected {n_layers} names (one per layer), got {len(names)}")
    return [check_activation(name, f"activation[{l}]") for l, name in enumerate(names)]


class MLP:
    """A multi-layer perceptron: layers applied in turn, ``y = a⁽ᴸ⁾``.

    ``MLP(n_inputs, layer_sizes, activation, bias=True, rng=None)`` initialises weights uniformly in
    ±1/√fan_in from ``rng`` (a ``random.Random``; a fresh unseeded one if None) and biases at 0.
    ``MLP.from_weights(weights, biases, activation)`` builds a network with exact weights.
    ``activation`` is one name for every layer or a list with one name per layer.

    Raises:
        TypeError: a size is not an int, or ``rng`` is not a ``random.Random``.
        ValueError: a size is below 1.
        SizeLimitError: a layer wider than ``MAX_LAYER_WIDTH``, or more than ``MAX_PARAMETERS``
            parameters in all (checked before anything is built).
    """

    __slots__ = ("layers", "n_inputs")

    def __init__(
        self,
        n_inputs: int,
        layer_sizes: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        *,
        bias: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        if rng is not None and not isinstance(rng, random.Random):
            raise TypeError(
                f"MLP: rng must be a random.Random or None, got {type(rng).__name__}: {rng!r}"
            )
        rng = random.Random() if rng is None else rng
        sizes = _checked_sizes(n_inputs, layer_sizes, bias)
        weights = [
            [
                [rng.uniform(-1.0, 1.0) / math.sqrt(fan_in) for _ in range(fan_in)]
                for _ in range(fan_out)
            ]
            for fan_in, fan_out in itertools.pairwise(sizes)
        ]
        biases = [[0.0] * fan_out for fan_out in layer_sizes] if bias else None
        self._build(weights, biases, activation)

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[Sequence[Sequence[Number]]],
        biases: Sequence[Sequence[Number] | None] | None = None,
        activation: str | Sequence[str] = "sigmoid",
    ) -> MLP:
        """A network with exactly these parameters: ``weights[l]`` is W⁽ˡ⁺¹⁾ (row j = into neuron j).

        ``biases`` is None (no biases anywhere) or one vector (or None) per layer.

        Raises:
            ShapeError: a matrix or vector does not fit the layer before or after it.
        """
        mlp = cls.__new__(cls)
        mlp._build(weights, biases, activation)
        return mlp

    def _build(
        self,
        weights: Sequence[Sequence[Sequence[Number]]],
        biases: Sequence[Sequence[Number] | None] | None,
        activation: str | Sequence[str],
    ) -> None:
        if not weights or not weights[0]:
            raise ShapeError("weights: expected at least one layer with at least one neuron")
        activations = _activation_list(activation, len(weights))
        if biases is not None and len(biases) != len(weights):
            raise ShapeError(
                f"biases: expected {len(weights)} vectors (one per layer), got {len(biases)}"
            )
        self.n_inputs = len(weights[0][0])
        if self.n_inputs == 0:
            raise ShapeError("W1: expected at least one column (one weight per input), got none")
        fan_in = self.n_inputs
        self.layers = []
        for l, matrix in enumerate(weights, start=1):
            if not matrix:
                raise ShapeError(f"W{l}: expected at least one row (one per neuron), got none")
            lengths = {len(row) for row in matrix}
            if lengths != {fan_in}:
                got = (
                    f"{len(matrix)}×{lengths.pop()}"
                    if len(lengths) == 1
                    else f"rows of lengths {[len(row) for row in matrix]}"
                )
                source = "input" if l == 1 else f"neuron of layer {l - 1}"
                raise ShapeError(
                    f"W{l}: expected {len(matrix)}×{fan_in} (one column per {source}), got {got}"
                )
            layer_biases = None if biases is None else biases[l - 1]
            self.layers.append(Layer(matrix, layer_biases, activations[l - 1], index=l))
            fan_in = len(matrix)

    def inputs(self, x: Sequence[Input]) -> list[Value]:
        """The input vector as Values labelled ``x[i]`` (Values passed in are used as they are)."""
        if len(x) != self.n_inputs:
            raise ShapeError(f"input: expected {self.n_inputs} values, got {len(x)}")
        return [v if isinstance(v, Value) else Value(v, f"x[{i}]") for i, v in enumerate(x)]

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        """The output: a single Value when the last layer has one neuron, else a list."""
        out = self.inputs(x)
        for layer in self.layers:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    def trace(self, x: Sequence[Input]) -> Trace:
        """Forward pass keeping every z⁽ˡ⁾ and a⁽ˡ⁾ (after ``backward``, ``z[l][j].grad`` is δ⁽ˡ⁾ⱼ)."""
        inputs = self.inputs(x)
        zs, acts = [], []
        out = inputs
        for layer in self.layers:
            z, out = layer.pre_and_post(out)
            zs.append(z)
            acts.append(out)
        return Trace(inputs, zs, acts)

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def compiled_step(self, loss: LossFunction) -> CompiledStep:
        """One training step (forward, ``loss(ys, ts)``, backward) compiled to straight-line Python.

        See ``microgradnet.compiled``: ``step(xs, ts)`` adds the gradients to every parameter's
        ``.grad``, bit-identical to ``loss([mlp(x) for x in xs], ts).backward()``, and runs on
        the graph engine whenever the batch's structure differs from the traced one.
        """
        return CompiledStep(self, loss)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(p.label, p) for p in self.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def weights(self) -> list[list[list[float]]]:
        """Current W⁽ˡ⁾ as nested lists of floats."""
        return [[[w.data for w in n.weights] for n in layer.neurons] for layer in self.layers]

    def biases(self) -> list[list[float] | None]:
        """Current b⁽ˡ⁾ as lists of floats (None for a layer without biases)."""
        result: list[list[float] | None] = []
        for layer in self.layers:
            biases = [n.bias.data for n in layer.neurons if n.bias is not None]
            result.append(biases if biases else None)
        return result

    @property
    def activations(self) -> list[str]:
        return [layer.activation for layer in self.layers]

    def __repr__(self) -> str:
        sizes = "-".join(str(s) for s in [self.n_inputs, *(len(l.neurons) for l in self.layers)])
        return f"MLP({sizes}, activations={self.activations})"

    def _repr_svg_(self) -> str | None:
        """Jupyter shows an MLP as its network diagram (the text repr if it cannot be drawn)."""
        return display_svg(self)

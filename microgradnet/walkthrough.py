"""Replay a worked example step by step: every equation with its numbers, hand-derived beside autograd.

:func:`run` returns a :class:`Walkthrough` — sections of :class:`Line` s, each an equation
``lhs = formula = substituted numbers = … = value`` made of :class:`Token` s (symbols, numbers,
operators) so that :mod:`microgradnet.report` can write it as text, Markdown, LaTeX or JSON.
Nothing here prints.

The numbers come from two independent places: the hand-derived equations of
:mod:`microgradnet.deltas` (``Line.value``) and the autograd engine through :mod:`microgradnet.nn`
(``Line.autograd``: ``z.grad`` for a δ, ``a.grad`` for ∂L/∂a, ``W.grad`` for a gradient, the
activation node's local derivative for f′(z), the parameters after an SGD step), and the products
of each pre-activation are read from the engine's graph. The arithmetic done here is display
arithmetic (``1 − a``, ``η·∂L/∂θ``, ``|y − t|``, the reductions).

With ``hessian=True`` the record also holds the Hessian of the loss with respect to the output
layer's parameters, by second-order autograd and by central differences of the gradient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from microgradnet import deltas
from microgradnet.engine import Value
from microgradnet.example import Example, Printing
from microgradnet.functional import gradients, hessian_at
from microgradnet.losses import LOSSES
from microgradnet.nn import MLP, Trace
from microgradnet.notation import parse_key
from microgradnet.optim import SGD

__all__ = [
    "HessianTable",
    "Line",
    "Section",
    "StepLoss",
    "Token",
    "Walkthrough",
    "autograd_graph",
    "run",
]

_GIVEN = ("x", "t", "W", "b", "eta")


@dataclass(frozen=True)
class Token:
    """One piece of an equation: a quantity's symbol (``sym``), a number (``num``) or an operator (``op``).

    A number keeps the ``key`` of the quantity it is (empty for a constant such as the 1 of
    1 − a); ``paren`` asks for parentheses, as in the product ``(0.35)(0.2)``.
    """

    kind: Literal["sym", "num", "op"]
    key: str = ""
    value: float = 0.0
    text: str = ""
    latex: str = ""
    paren: bool = False

    @property
    def given(self) -> bool:
        """A number the example gives (input, target, weight, bias, η, or a constant): printed as given."""
        if self.kind != "num":
            return False
        if not self.key:
            return True
        key = parse_key(self.key)
        return key.kind in _GIVEN and not key.new


Side = tuple[Token, ...]


@dataclass(frozen=True)
class Line:
    """``key = sides[0] = sides[1] = … = value``, with autograd's number and the document's printings.

    ``published`` holds (key, printing) for the line's own quantity and for the intermediate
    quantities its sides show (the products of a pre-activation, the 1 − a of σ′, the step η·g).
    """

    key: str
    sides: tuple[Side, ...]
    value: float
    autograd: float | None = None
    published: tuple[tuple[str, Printing], ...] = ()
    unit: str = ""

    @property
    def difference(self) -> float | None:
        """hand − autograd (None when there is no autograd counterpart)."""
        return None if self.autograd is None else self.value - self.autograd


@dataclass(frozen=True)
class Section:
    """A titled group of lines (forward pass, loss, backward pass, …)."""

    title: str
    lines: tuple[Line, ...]


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

    keys: tuple[str, ...]
    autograd: tuple[tuple[float, ...], ...]
    numerical: tuple[tuple[float, ...], ...]
    eps: float


@dataclass(frozen=True)
class Walkthrough:
    """Everything a worked example shows: its sections, every quantity's value, the loss per step."""

    example: Example
    sections: tuple[Section, ...]
    values: Mapping[str, float] = field(compare=False)
    training: tuple[StepLoss, ...] = ()
    hessian: HessianTable | None = None

    def line(self, key: str) -> Line:
        """The line whose left-hand side is ``key``.

        Raises:
            KeyError: no line computes ``key``.
        """
        for section in self.sections:
            for line in section.lines:
                if line.key == key:
                    return line
        raise KeyError(key)


# ---- tokens -----------------------------------------------------------------------------------


def _sym(key: str) -> Token:
    return Token("sym", key)


def _num(key: str, value: float, paren: bool = False) -> Token:
    return Token("num", key, value, paren=paren)


def _const(value: float, paren: bool = False) -> Token:
    return Token("num", "", value, paren=paren)


def _op(text: str, latex: str | None = None) -> Token:
    return Token("op", text=text, latex=text if latex is None else latex)


PLUS, MINUS, TIMES = _op(" + "), _op(" − ", " - "), _op("·", r" \cdot ")


def _joined(parts: Sequence[Side], sep: Token = PLUS) -> Side:
    out: list[Token] = []
    for n, part in enumerate(parts):
        if n:
            out.append(sep)
        out.extend(part)
    return tuple(out)


# ---- the two computations ---------------------------------------------------------------------


@dataclass
class _Hand:
    """The hand-derived numbers: a backprop record before and after one SGD update."""

    before: deltas.Backprop
    after: deltas.Backprop
    weights_new: list[list[list[float]]]
    biases_new: list[list[float] | None] | None


@dataclass
class _Auto:
    """The autograd side: the network, its trace and loss before and after one SGD step."""

    mlp: MLP
    trace: Trace
    loss: Value
    grads: dict[str, float]
    after_params: dict[str, float]
    trace_new: Trace
    loss_new: Value


def _backprop(
    example: Example, weights: list[list[list[float]]], biases: list[list[float] | None] | None
) -> deltas.Backprop:
    """The hand-derived pass of the example's sample through a network with these parameters."""
    x, t = list(example.inputs), list(example.targets)
    return deltas.backprop(
        x, weights, biases, t, activations=example.activations, loss=example.loss
    )


def _hand(example: Example) -> _Hand:
    before = _backprop(example, example.weights, example.biases)
    weights, biases = deltas.sgd_update(
        example.weights, example.biases, before.dL_dW, before.dL_db, example.learning_rate
    )
    return _Hand(before, _backprop(example, weights, biases), weights, biases)


def _network(example: Example) -> MLP:
    return MLP.from_weights(example.weights, example.biases, example.activations)


def _loss(example: Example, trace: Trace) -> Value:
    loss = LOSSES[example.loss](trace.output, list(example.targets))
    loss.label = "L"  # so a picture of the graph names it
    return loss


def _auto(example: Example) -> _Auto:
    mlp = _network(example)
    trace = mlp.trace(list(example.inputs))
    loss = _loss(example, trace)
    loss.backward()
    grads = {name: p.grad for name, p in mlp.named_parameters()}
    SGD(mlp.parameters(), example.learning_rate).step()
    after = {name: p.data for name, p in mlp.named_parameters()}
    trace_new = mlp.trace(list(example.inputs))
    return _Auto(mlp, trace, loss, grads, after, trace_new, _loss(example, trace_new))


def autograd_graph(example: Example) -> tuple[MLP, Value]:
    """The example's network and its loss after ``backward()``: what ``--graph`` draws."""
    mlp = _network(example)
    loss = _loss(example, mlp.trace(list(example.inputs)))
    loss.backward()
    return mlp, loss


def _output_hessian(example: Example, eps: float = 1e-5) -> HessianTable:
    """The Hessian of the loss w.r.t. the output layer's parameters, both ways."""
    mlp = _network(example)
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
        tuple(p.label for p in params), tuple(map(tuple, autograd)), tuple(numerical), eps
    )


def _training(example: Example, steps: int) -> tuple[StepLoss, ...]:
    """The loss after each of ``steps`` SGD steps, by the hand equations and by autograd."""
    x = list(example.inputs)
    weights: list[list[list[float]]] = example.weights
    biases: list[list[float] | None] | None = example.biases
    mlp = _network(example)
    optimizer = SGD(mlp.parameters(), example.learning_rate)
    losses = []
    for step in range(steps + 1):
        hand = _backprop(example, weights, biases)
        optimizer.zero_grad()
        loss = _loss(example, mlp.trace(x))
        loss.backward()
        losses.append(StepLoss(step, hand.L, loss.data))
        weights, biases = deltas.sgd_update(
            weights, biases, hand.dL_dW, hand.dL_db, example.learning_rate
        )
        optimizer.step()
    return tuple(losses)


# ---- building the lines -----------------------------------------------------------------------


class _Builder:
    """Writes the lines of each section from the hand and autograd numbers."""

    def __init__(self, example: Example, hand: _Hand, auto: _Auto) -> None:
        self.ex, self.hand, self.auto = example, hand, auto
        self.values: dict[str, float] = {}
        self._givens()

    def _givens(self) -> None:
        ex = self.ex
        self.values.update({f"x[{i}]": v for i, v in enumerate(ex.inputs)})
        self.values.update({f"t[{j}]": v for j, v in enumerate(ex.targets)})
        self.values["eta"] = ex.learning_rate
        for l, layer in enumerate(ex.layers, start=1):
            for j, row in enumerate(layer.weights):
                self.values.update({f"W{l}[{j},{i}]": w for i, w in enumerate(row)})
                if layer.biases is not None:
                    self.values[f"b{l}[{j}]"] = layer.biases[j]

    def line(
        self,
        key: str,
        sides: Sequence[Side],
        value: float,
        autograd: float | None = None,
        unit: str = "",
    ) -> Line:
        self.values[key] = value
        shown = [
            t.key for side in sides for t in side if t.kind == "num" and _is_intermediate(t.key)
        ]
        published = [
            (k, p) for k in dict.fromkeys([*shown, key]) for p in self.ex.published.get(k, ())
        ]
        return Line(key, tuple(sides), value, autograd, tuple(published), unit)

    def given(self) -> Section:
        lines = [Line(key, (), value) for key, value in self.values.items()]
        return Section("Given", tuple(lines))

    def num(self, key: str, paren: bool = False) -> Token:
        return _num(key, self.values[key], paren)

    # -- forward --

    def forward(self, new: bool) -> Section:
        record, trace = (
            (self.hand.after, self.auto.trace_new) if new else (self.hand.before, self.auto.trace)
        )
        lines = []
        for l, layer in enumerate(self.ex.layers, start=1):
            for j in range(layer.size):
                lines.append(self.pre_activation(l, j, record.z[l - 1][j], trace, new))
                lines.append(self.activation(l, j, record.a[l][j], new))
        title = "Forward pass with the updated parameters" if new else "Forward pass"
        return Section(title, tuple(lines))

    def pre_activation(self, l: int, j: int, z: float, trace: Trace, new: bool) -> Line:
        sfx = "_new" if new else ""
        layer = self.ex.layers[l - 1]
        node = trace.z[l - 1][j]
        symbols: list[Side] = []
        numbers: list[Side] = []
        terms: list[Side] = []
        for i in range(len(layer.weights[j])):
            w, a = f"W{l}[{j},{i}]{sfx}", f"x[{i}]" if l == 1 else f"a{l - 1}[{i}]{sfx}"
            pair = (a, w) if self.ex.products == "input_first" else (w, a)
            symbols.append((_sym(pair[0]), TIMES, _sym(pair[1])))
            numbers.append((self.num(pair[0], True), self.num(pair[1], True)))
            self.values[f"term{l}[{j},{i}]{sfx}"] = node.parents[i].data
            terms.append((self.num(f"term{l}[{j},{i}]{sfx}"),))
        if layer.biases is not None:
            bias = f"b{l}[{j}]{sfx}"
            symbols.append((_sym(bias),))
            numbers.append((self.num(bias),))
            terms.append((self.num(bias),))
        sides = [_joined(symbols), _joined(numbers)]
        if len(terms) > 1:
            sides.append(_joined(terms))
        return self.line(f"z{l}[{j}]{sfx}", sides, z)

    def activation(self, l: int, j: int, a: float, new: bool) -> Line:
        sfx = "_new" if new else ""
        name = self.ex.layers[l - 1].activation
        z = f"z{l}[{j}]{sfx}"
        if name == "linear":
            return self.line(f"a{l}[{j}]{sfx}", [(_sym(z),)], a)
        fn = {
            "sigmoid": _op("σ(", r"\sigma("),
            "tanh": _op("tanh(", r"\tanh("),
            "relu": _op("relu(", r"\mathrm{relu}("),
        }[name]
        close = _op(")")
        return self.line(f"a{l}[{j}]{sfx}", [(fn, _sym(z), close), (fn, self.num(z), close)], a)

    # -- loss --

    def loss(self, new: bool) -> Section:
        sfx = "_new" if new else ""
        record, auto = (
            (self.hand.after, self.auto.loss_new) if new else (self.hand.before, self.auto.loss)
        )
        n_layers = len(self.ex.layers)
        outputs = [(f"a{n_layers}[{j}]{sfx}", f"t[{j}]") for j in range(len(self.ex.targets))]
        lines = [self.loss_line(f"L{sfx}", outputs, record.L, auto.data)]
        error = 0.0
        for y, t in outputs:
            error += abs(self.values[y] - self.values[t])
        bars = [
            (_op("|", r"\lvert "), _sym(y), MINUS, _sym(t), _op("|", r"\rvert "))
            for y, t in outputs
        ]
        numbers = [
            (_op("|", r"\lvert "), self.num(y), MINUS, self.num(t), _op("|", r"\rvert "))
            for y, t in outputs
        ]
        lines.append(self.line(f"error{sfx}", [_joined(bars), _joined(numbers)], error))
        if new:
            lines.extend(self.reductions())
        return Section("Loss after the update" if new else "Loss", tuple(lines))

    def loss_line(
        self, key: str, outputs: Sequence[tuple[str, str]], value: float, autograd: float
    ) -> Line:
        if self.ex.loss == "cross_entropy":
            symbolic = [_cross_entropy_term(_sym(y), _sym(t)) for y, t in outputs]
            numeric = [_cross_entropy_term(self.num(y), self.num(t)) for y, t in outputs]
            wrap = (_op("−[", "-["), _op("]"))
        else:
            symbolic = [(_op("("), _sym(y), MINUS, _sym(t), _op(")²", ")^2")) for y, t in outputs]
            numeric = [
                (_op("("), self.num(y), MINUS, self.num(t), _op(")²", ")^2")) for y, t in outputs
            ]
            wrap = (
                _op("½[", r"\tfrac{1}{2}[") if len(outputs) > 1 else _op("½", r"\tfrac{1}{2}"),
                _op("]") if len(outputs) > 1 else _op(""),
            )
        sides = [(wrap[0], *_joined(symbolic), wrap[1]), (wrap[0], *_joined(numeric), wrap[1])]
        return self.line(key, sides, value, autograd)

    def reductions(self) -> list[Line]:
        lines = []
        for name in ("L", "error"):
            before, after = self.values[name], self.values[f"{name}_new"]
            drop = before - after
            lines.append(
                self.line(
                    f"{name}_reduction",
                    [
                        (_sym(name), MINUS, _sym(f"{name}_new")),
                        (self.num(name), MINUS, self.num(f"{name}_new")),
                    ],
                    drop,
                )
            )
            percent = 100.0 * drop / before if before else float("nan")
            lines.append(
                self.line(
                    f"{name}_reduction_pct",
                    [
                        (
                            self.num(f"{name}_reduction"),
                            _op(" / ", " / "),
                            self.num(name),
                            _op(" × 100", r" \times 100"),
                        ),
                    ],
                    percent,
                    unit="%",
                )
            )
        return lines

    # -- backward --

    def backward(self) -> Section:
        lines: list[Line] = []
        n_layers = len(self.ex.layers)
        for l in range(n_layers, 0, -1):
            for j in range(self.ex.layers[l - 1].size):
                if l == n_layers:
                    lines.append(self.output_gradient(j))
                else:
                    lines.append(self.hidden_gradient(l, j))
                lines.append(self.derivative(l, j))
                lines.append(self.delta(l, j))
        return Section("Backward pass", tuple(lines))

    def output_gradient(self, j: int) -> Line:
        n_layers = len(self.ex.layers)
        y, t = f"a{n_layers}[{j}]", f"t[{j}]"
        sides: list[Side]
        if self.ex.loss == "cross_entropy":
            # the engine builds this loss from z, so autograd has no ∂L/∂y to show
            sides = [
                _cross_entropy_slope(_sym(y), _sym(t)),
                _cross_entropy_slope(self.num(y), self.num(t)),
            ]
            autograd = None
        else:
            sides = [(_sym(y), MINUS, _sym(t)), (self.num(y), MINUS, self.num(t))]
            autograd = self.auto.trace.a[-1][j].grad
        return self.line(f"dL_da{n_layers}[{j}]", sides, self.hand.before.dL_dy[j], autograd)

    def hidden_gradient(self, l: int, j: int) -> Line:
        """∂L/∂a⁽ˡ⁾ⱼ = Σₖ W⁽ˡ⁺¹⁾ₖⱼ δ⁽ˡ⁺¹⁾ₖ, as deltas.backprop forms it before multiplying by f′."""
        above = self.ex.layers[l]
        pairs = [(f"W{l + 1}[{k},{j}]", f"delta{l + 1}[{k}]") for k in range(above.size)]
        sides = [
            _joined([(_sym(w), TIMES, _sym(d)) for w, d in pairs]),
            _joined([(self.num(w, True), self.num(d, True)) for w, d in pairs]),
        ]
        value = self.hand.before.dL_da[l - 1][j]
        return self.line(f"dL_da{l}[{j}]", sides, value, self.auto.trace.a[l - 1][j].grad)

    def derivative(self, l: int, j: int) -> Line:
        name = self.ex.layers[l - 1].activation
        a, z = f"a{l}[{j}]", f"z{l}[{j}]"
        node = self.auto.trace.a[l - 1][j]
        local = 1.0 if name == "linear" else node.local_grads[0]  # the activation node's ∂a/∂z
        value = self.hand.before.f_prime[l - 1][j]
        key = f"fprime{l}[{j}]"
        if name == "sigmoid":
            self.values[f"1-a{l}[{j}]"] = 1.0 - self.values[a]
            sides = [
                (_sym(a), _op("("), _const(1), MINUS, _sym(a), _op(")")),
                (self.num(a, True), _op("("), _const(1), MINUS, self.num(a), _op(")")),
                (self.num(a, True), self.num(f"1-a{l}[{j}]", True)),
            ]
        elif name == "tanh":
            sides = [
                (_const(1), MINUS, _sym(a), _op("²", "^2")),
                (_const(1), MINUS, self.num(a, True), _op("²", "^2")),
            ]
        elif name == "relu":
            sides = [(_op("1 if "), _sym(z), _op(" > 0 else 0", r" > 0 \text{ else } 0"))]
        else:
            sides = []
        return self.line(key, sides, value, local)

    def delta(self, l: int, j: int) -> Line:
        n_layers = len(self.ex.layers)
        value = self.hand.before.delta[l - 1][j]
        autograd = self.auto.trace.z[l - 1][j].grad
        if l == n_layers and self.ex.loss == "cross_entropy":
            y, t = f"a{l}[{j}]", f"t[{j}]"
            sides: list[Side] = [(_sym(y), MINUS, _sym(t)), (self.num(y), MINUS, self.num(t))]
        else:
            g, f = f"dL_da{l}[{j}]", f"fprime{l}[{j}]"
            sides = [(_sym(g), TIMES, _sym(f)), (self.num(g, True), self.num(f, True))]
        return self.line(f"delta{l}[{j}]", sides, value, autograd)

    # -- gradients and updates --

    def gradients(self) -> Section:
        lines = []
        for l in range(len(self.ex.layers), 0, -1):
            layer = self.ex.layers[l - 1]
            for j in range(layer.size):
                d = f"delta{l}[{j}]"
                for i in range(len(layer.weights[j])):
                    a = f"x[{i}]" if l == 1 else f"a{l - 1}[{i}]"
                    key = f"dL_dW{l}[{j},{i}]"
                    lines.append(
                        self.line(
                            key,
                            [(_sym(d), TIMES, _sym(a)), (self.num(d, True), self.num(a, True))],
                            self.hand.before.dL_dW[l - 1][j][i],
                            self.auto.grads[f"W{l}[{j},{i}]"],
                        )
                    )
                if layer.biases is not None:
                    lines.append(
                        self.line(
                            f"dL_db{l}[{j}]",
                            [(_sym(d),)],
                            self.hand.before.dL_db[l - 1][j],
                            self.auto.grads[f"b{l}[{j}]"],
                        )
                    )
        return Section("Gradients", tuple(lines))

    def updates(self) -> Section:
        lines = []
        for l in range(len(self.ex.layers), 0, -1):
            layer = self.ex.layers[l - 1]
            for j in range(layer.size):
                for i in range(len(layer.weights[j])):
                    lines.append(self.update(f"W{l}[{j},{i}]", self.hand.weights_new[l - 1][j][i]))
                new_biases = self.hand.biases_new
                if new_biases is not None and (layer_biases := new_biases[l - 1]) is not None:
                    lines.append(self.update(f"b{l}[{j}]", layer_biases[j]))
        return Section("Parameter updates", tuple(lines))

    def update(self, name: str, new: float) -> Line:
        """θⁿᵉʷ = θ − η·∂L/∂θ for the parameter ``name`` (``W1[0,1]``, ``b2[0]``)."""
        grad, step = f"dL_d{name}", f"step_{name}"
        self.values[step] = self.values["eta"] * self.values[grad]
        sides = [
            (_sym(name), MINUS, _sym("eta"), TIMES, _sym(grad)),
            (self.num(name), MINUS, self.num("eta", True), self.num(grad, True)),
            (self.num(name), MINUS, self.num(step)),
        ]
        return self.line(f"{name}_new", sides, new, self.auto.after_params[name])


def _is_intermediate(key: str) -> bool:
    """A quantity computed on the way to another one's value (shown inside that one's line)."""
    return key.startswith(("term", "1-a", "step_"))


def _cross_entropy_slope(y: Token, t: Token) -> Side:
    """−t/y + (1 − t)/(1 − y)."""
    return (
        _op("−", "-"),
        t,
        _op("/"),
        y,
        PLUS,
        _op("(1 − ", "(1 - "),
        t,
        _op(")/(1 − ", ")/(1 - "),
        y,
        _op(")"),
    )


def _cross_entropy_term(y: Token, t: Token) -> Side:
    """t ln y + (1 − t) ln(1 − y)."""
    return (
        t,
        _op(" ln ", r" \ln "),
        y,
        PLUS,
        _op("(1 − ", "(1 - "),
        t,
        _op(")"),
        _op(" ln(1 − ", r" \ln(1 - "),
        y,
        _op(")"),
    )


def run(example: Example, *, steps: int | None = None, hessian: bool = False) -> Walkthrough:
    """Work ``example`` through: forward, loss, backward, gradients, update, forward again, reductions.

    ``steps`` (default: the example's own) is how many training steps to report the loss for;
    the equations always show the first step. ``hessian`` adds the Hessian of the loss with
    respect to the output layer's parameters.

    Raises:
        ValueError: ``steps`` is not a positive whole number.
    """
    steps = example.steps if steps is None else steps
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive whole number, got {steps!r}")
    builder = _Builder(example, _hand(example), _auto(example))
    sections = (
        builder.given(),
        builder.forward(new=False),
        builder.loss(new=False),
        builder.backward(),
        builder.gradients(),
        builder.updates(),
        builder.forward(new=True),
        builder.loss(new=True),
    )
    table = _output_hessian(example) if hessian else None
    return Walkthrough(example, sections, dict(builder.values), _training(example, steps), table)

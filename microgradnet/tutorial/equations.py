"""The equation model of a worked example: every quantity's key, formula, display and value, once.

Each :class:`Quantity` has a typed key (:mod:`microgradnet.tutorial.keys`), the keys it is
computed from (``deps``) and a function of their values (its formula, as data: the checker
re-evaluates it with some quantities pinned to printed numbers or some formulas replaced by a
slip), and its display template: the sides ``key = sides[0] = sides[1] = … = value`` as
:class:`Token` s in the document's notation. The walkthrough renders it, the checker evaluates it,
and the tests hold its numbers equal to :mod:`microgradnet.deltas` and to autograd.

Evaluated as built, the model gives the textbook numbers: the floats are combined in the same
order as :mod:`microgradnet.deltas` combines them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from microgradnet import numerics
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.format import Example, Layer
from microgradnet.tutorial.keys import Key

__all__ = [
    "SECTIONS",
    "Fn",
    "Model",
    "Quantity",
    "Side",
    "Token",
    "backprop_sum",
    "loss_quantities",
    "chain_delta",
    "output_gradient",
    "topological_order",
]

Fn = Callable[[Sequence[float]], float]

#: The walkthrough's sections: (name used by a quantity, title).
SECTIONS = (
    ("given", "Given"),
    ("forward", "Forward pass"),
    ("loss", "Loss"),
    ("backward", "Backward pass"),
    ("gradients", "Gradients"),
    ("updates", "Parameter updates"),
    ("forward_new", "Forward pass with the updated parameters"),
    ("loss_new", "Loss after the update"),
)


@dataclass(frozen=True)
class Token:
    """One piece of a displayed equation: a quantity's symbol (``sym``), its number (``num``) or an
    operator (``op``). A ``num`` with no key is a constant (the 1 of 1 − a) holding ``value``;
    ``paren`` asks for parentheses, as in the product ``(0.35)(0.2)``."""

    kind: Literal["sym", "num", "op"]
    key: Key | None = None
    value: float = 0.0
    text: str = ""
    latex: str = ""
    paren: bool = False

    @property
    def given(self) -> bool:
        """A number the example gives (or a constant): printed as given, not rounded."""
        return self.kind == "num" and (self.key is None or self.key.given)


Side = tuple[Token, ...]


@dataclass(frozen=True)
class Quantity:
    """``key = fn(values of deps)``, displayed as ``key = sides[0] = … = value``.

    ``section`` is the walkthrough section that shows it as a line of its own; an intermediate
    (a product term, 1 − a, a step η·g) has none and shows inside the line that uses it.
    """

    key: Key
    deps: tuple[Key, ...]
    fn: Fn = field(compare=False)
    sides: tuple[Side, ...] = ()
    section: str = ""
    unit: str = ""


# ---- display tokens ---------------------------------------------------------------------------


def sym(key: Key) -> Token:
    return Token("sym", key)


def num(key: Key, paren: bool = False) -> Token:
    return Token("num", key, paren=paren)


def const(value: float) -> Token:
    return Token("num", None, value)


def op(text: str, latex: str | None = None) -> Token:
    return Token("op", text=text, latex=text if latex is None else latex)


PLUS, MINUS, TIMES = op(" + "), op(" − ", " - "), op("·", r" \cdot ")


def joined(parts: Sequence[Side], sep: Token = PLUS) -> Side:
    out: list[Token] = []
    for n, part in enumerate(parts):
        if n:
            out.append(sep)
        out.extend(part)
    return tuple(out)


# ---- formulas ---------------------------------------------------------------------------------


def constant(value: float) -> Fn:
    return lambda _: value


def total(values: Sequence[float]) -> float:
    """v₀ + v₁ + … added left to right, as the textbook (and ``deltas``) adds."""
    out = values[0]
    for value in values[1:]:
        out += value
    return out


def product(values: Sequence[float]) -> float:
    return values[0] * values[1]


def pairs(term: Callable[[float, float], float]) -> Fn:
    """Σₖ term(uₖ, tₖ) over deps laid out as (u₀ … uₙ₋₁, t₀ … tₙ₋₁)."""

    def summed(v: Sequence[float]) -> float:
        half = len(v) // 2
        return total([term(u, t) for u, t in zip(v[:half], v[half:])])

    return summed


def square(value: float) -> float:
    """value², overflowing to inf (never OverflowError)."""
    return numerics.power(value, 2.0)


_ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "sigmoid": numerics.sigmoid,
    "tanh": numerics.tanh,
    "relu": numerics.relu,
    "linear": lambda v: v,
}
_APPLIED = {
    "sigmoid": (op("σ(", r"\sigma("), op(")")),
    "tanh": (op("tanh(", r"\tanh("), op(")")),
    "relu": (op("relu(", r"\mathrm{relu}("), op(")")),
}


# ---- the model --------------------------------------------------------------------------------

N = TypeVar("N", bound=Hashable)


def topological_order(roots: Iterable[N], parents: Callable[[N], Iterable[N]]) -> list[N]:
    """Every node reachable from ``roots``, each after its parents (iterative; roots in order)."""
    # TODO(merge): use graph.topological_order(parents=)
    order: list[N] = []
    done: set[N] = set()
    for root in roots:
        stack: list[tuple[N, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in done:
                continue
            if expanded:
                done.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(list(parents(node))) if p not in done)
    return order


class Model:
    """Every quantity of one worked example, in the order the walkthrough shows them."""

    def __init__(self, example: Example) -> None:
        self.example = example
        self.quantities: dict[Key, Quantity] = {}
        _Builder(self).build()
        self.order = topological_order(self.quantities, lambda key: self.quantities[key].deps)
        self.values = self.evaluate()

    def add(self, quantity: Quantity) -> None:
        self.quantities[quantity.key] = quantity

    def evaluate(
        self,
        pinned: Mapping[Key, float] | None = None,
        replaced: Iterable[Quantity] = (),
        round_all: int | None = None,
    ) -> dict[Key, float]:
        """Every quantity's value.

        ``pinned`` fixes quantities to given values; ``replaced`` swaps formulas (a slip);
        ``round_all`` rounds every computed quantity to that many decimals before it is used.
        """
        formulas = dict(self.quantities)
        swapped = [q for q in replaced if q.deps != formulas[q.key].deps]
        formulas.update((q.key, q) for q in replaced)
        order = self.order
        if swapped:  # a slip that reads other quantities can move a formula later
            order = topological_order(formulas, lambda key: formulas[key].deps)
        pinned = pinned or {}
        values: dict[Key, float] = {}
        for key in order:
            if key in pinned:
                values[key] = pinned[key]
                continue
            quantity = formulas[key]
            value = quantity.fn([values[d] for d in quantity.deps])
            if round_all is not None and quantity.deps:
                value = round(value, round_all)
            values[key] = value
        return values

    def section(self, name: str) -> list[Quantity]:
        return [q for q in self.quantities.values() if q.section == name]

    def is_given(self, key: Key) -> bool:
        return not self.quantities[key].deps

    def ancestors(self, key: Key) -> list[Key]:
        """The quantities ``key`` is computed from, directly or not, nearest first."""
        seen: dict[Key, None] = {}
        frontier = list(self.quantities[key].deps)
        while frontier:
            nxt: list[Key] = []
            for dep in frontier:
                if dep not in seen:
                    seen[dep] = None
                    nxt.extend(self.quantities[dep].deps)
            frontier = nxt
        return list(seen)

    def children(self) -> dict[Key, list[Key]]:
        """key -> the quantities computed directly from it."""
        found: dict[Key, list[Key]] = {}
        for quantity in self.quantities.values():
            for dep in quantity.deps:
                found.setdefault(dep, []).append(quantity.key)
        return found

    def outputs(self, new: bool = False) -> list[Key]:
        n_layers = len(self.example.layers)
        return [k.a(n_layers, j, new) for j in range(self.example.layers[-1].size)]

    def targets(self) -> list[Key]:
        return [k.t(j) for j in range(len(self.example.targets))]


class _Builder:
    """Adds every quantity of the example to a model: formula and display side by side."""

    def __init__(self, model: Model) -> None:
        self.m = model
        self.ex = model.example

    def add(
        self,
        key: Key,
        deps: Sequence[Key],
        fn: Fn,
        sides: Sequence[Side] = (),
        section: str = "",
        unit: str = "",
    ) -> None:
        self.m.add(Quantity(key, tuple(deps), fn, tuple(sides), section, unit))

    def build(self) -> None:
        self.given()
        self.forward(new=False)
        self.loss(new=False)
        self.backward()
        self.gradients()
        self.updates()
        self.forward(new=True)
        self.loss(new=True)
        self.reductions()

    def given(self) -> None:
        ex = self.ex
        for i, value in enumerate(ex.inputs):
            self.add(k.x(i), (), constant(value), section="given")
        for j, value in enumerate(ex.targets):
            self.add(k.t(j), (), constant(value), section="given")
        self.add(k.ETA, (), constant(ex.learning_rate), section="given")
        for l, layer in enumerate(ex.layers, start=1):
            for j, row in enumerate(layer.weights):
                for i, w in enumerate(row):
                    self.add(k.W(l, j, i), (), constant(w), section="given")
                if layer.biases is not None:
                    self.add(k.b(l, j), (), constant(layer.biases[j]), section="given")

    # -- forward --

    def forward(self, *, new: bool) -> None:
        section = "forward_new" if new else "forward"
        for l, layer in enumerate(self.ex.layers, start=1):
            for j in range(layer.size):
                self.pre_activation(l, j, layer, new, section)
                self.activation(l, j, layer.activation, new, section)

    def pre_activation(self, l: int, j: int, layer: Layer, new: bool, section: str) -> None:
        """z = Σᵢ wⱼᵢ·aᵢ + bⱼ: each product a term, then their sum."""
        symbols: list[Side] = []
        numbers: list[Side] = []
        terms: list[Key] = []
        for i in range(len(layer.weights[j])):
            w, a = k.W(l, j, i, new), k.layer_input(l, i, new)
            self.add(k.term(l, j, i, new), (w, a), product)
            terms.append(k.term(l, j, i, new))
            first, second = (a, w) if self.ex.products == "input_first" else (w, a)
            symbols.append((sym(first), TIMES, sym(second)))
            numbers.append((num(first, True), num(second, True)))
        if layer.biases is not None:
            bias = k.b(l, j, new)
            terms.append(bias)
            symbols.append((sym(bias),))
            numbers.append((num(bias),))
        sides = [joined(symbols), joined(numbers)]
        if len(terms) > 1:
            sides.append(joined([(num(term),) for term in terms]))
        self.add(k.z(l, j, new), terms, total, sides, section)

    def activation(self, l: int, j: int, name: str, new: bool, section: str) -> None:
        z = k.z(l, j, new)
        f = _ACTIVATIONS[name]
        sides: list[Side] = [(sym(z),)]
        if name != "linear":
            opening, closing = _APPLIED[name]
            sides = [(opening, sym(z), closing), (opening, num(z), closing)]
        self.add(k.a(l, j, new), (z,), lambda v: f(v[0]), sides, section)

    # -- loss --

    def loss(self, *, new: bool) -> None:
        section = "loss_new" if new else "loss"
        for quantity in loss_quantities(self.m, self.ex.loss, new=new):
            self.m.add(quantity)
        ys, ts = self.m.outputs(new), self.m.targets()
        bars = [
            (op("|", r"\lvert "), sym(y), MINUS, sym(t), op("|", r"\rvert "))
            for y, t in zip(ys, ts)
        ]
        numbers = [
            (op("|", r"\lvert "), num(y), MINUS, num(t), op("|", r"\rvert "))
            for y, t in zip(ys, ts)
        ]
        error = k.ERROR.renew(new)
        self.add(
            error,
            (*ys, *ts),
            pairs(lambda y, t: abs(y - t)),
            [joined(bars), joined(numbers)],
            section,
        )

    def reductions(self) -> None:
        for of in (k.LOSS, k.ERROR):
            drop, new = k.reduction(of), of.renew()
            self.add(
                drop,
                (of, new),
                lambda v: v[0] - v[1],
                [(sym(of), MINUS, sym(new)), (num(of), MINUS, num(new))],
                "loss_new",
            )
            ratio = (num(drop), op(" / "), num(of), op(" × 100", r" \times 100"))
            self.add(
                k.reduction(of, percent=True),
                (drop, of),
                lambda v: numerics.div(100.0 * v[0], v[1]),
                [ratio],
                "loss_new",
                "%",
            )

    # -- backward --

    def backward(self) -> None:
        layers = self.ex.layers
        for l in range(len(layers), 0, -1):
            for j in range(layers[l - 1].size):
                output = output_gradient(self.m, self.ex.loss, j) if l == len(layers) else []
                self.m.add(output[0] if output else backprop_sum(self.m, l, j))
                self.derivative(l, j, layers[l - 1].activation)
                # δ = ∂L/∂a·f′(z); for cross-entropy's output δ = y − t
                self.m.add(output[1] if len(output) > 1 else chain_delta(l, j))

    def derivative(self, l: int, j: int, name: str) -> None:
        """f′(z) of the layer's activation, written with a = f(z) where that is the textbook form."""
        a, z, key = k.a(l, j), k.z(l, j), k.fprime(l, j)
        if name == "sigmoid":
            rest = k.one_minus_a(l, j)
            self.add(rest, (a,), lambda v: 1.0 - v[0])
            sides: list[Side] = [
                (sym(a), op("("), const(1), MINUS, sym(a), op(")")),
                (num(a, True), op("("), const(1), MINUS, num(a), op(")")),
                (num(a, True), num(rest, True)),
            ]
            self.add(key, (a, rest), product, sides, "backward")
        elif name == "tanh":
            sides = [
                (const(1), MINUS, sym(a), op("²", "^2")),
                (const(1), MINUS, num(a, True), op("²", "^2")),
            ]
            self.add(key, (a,), lambda v: 1.0 - v[0] * v[0], sides, "backward")
        elif name == "relu":
            sides = [(op("1 if "), sym(z), op(" > 0 else 0", r" > 0 \text{ else } 0"))]
            self.add(key, (z,), lambda v: 1.0 if v[0] > 0.0 else 0.0, sides, "backward")
        else:
            self.add(key, (), constant(1.0), (), "backward")

    # -- gradients and updates --

    def parameters(self, l: int, j: int) -> list[Key]:
        layer = self.ex.layers[l - 1]
        params = [k.W(l, j, i) for i in range(len(layer.weights[j]))]
        return params + ([k.b(l, j)] if layer.biases is not None else [])

    def gradients(self) -> None:
        for l in range(len(self.ex.layers), 0, -1):
            for j in range(self.ex.layers[l - 1].size):
                d = k.delta(l, j)
                for param in self.parameters(l, j):
                    if param.kind == "b":
                        self.add(k.gradient(param), (d,), lambda v: v[0], [(sym(d),)], "gradients")
                        continue
                    a = k.layer_input(l, param.i)
                    sides = [(sym(d), TIMES, sym(a)), (num(d, True), num(a, True))]
                    self.add(k.gradient(param), (d, a), product, sides, "gradients")

    def updates(self) -> None:
        """θⁿᵉʷ = θ − η·∂L/∂θ for every weight and bias."""
        for l in range(len(self.ex.layers), 0, -1):
            for j in range(self.ex.layers[l - 1].size):
                for param in self.parameters(l, j):
                    grad, step = k.gradient(param), k.step(param)
                    self.add(step, (k.ETA, grad), product)
                    sides = [
                        (sym(param), MINUS, sym(k.ETA), TIMES, sym(grad)),
                        (num(param), MINUS, num(k.ETA, True), num(grad, True)),
                        (num(param), MINUS, num(step)),
                    ]
                    self.add(param.renew(), (param, step), lambda v: v[0] - v[1], sides, "updates")


def chain_delta(l: int, j: int) -> Quantity:
    """δ⁽ˡ⁾ⱼ = ∂L/∂a⁽ˡ⁾ⱼ · f′(z⁽ˡ⁾ⱼ)."""
    g, f = k.dL_da(l, j), k.fprime(l, j)
    sides = ((sym(g), TIMES, sym(f)), (num(g, True), num(f, True)))
    return Quantity(k.delta(l, j), (g, f), product, sides, "backward")


def backprop_sum(model: Model, l: int, j: int, *, updated: bool = False) -> Quantity:
    """∂L/∂a⁽ˡ⁾ⱼ = Σₖ W⁽ˡ⁺¹⁾ₖⱼ δ⁽ˡ⁺¹⁾ₖ (``updated``: with the already-updated weights, a slip)."""
    size = model.example.layers[l].size
    pairs_ = [(k.W(l + 1, q, j, updated), k.delta(l + 1, q)) for q in range(size)]
    sides = [
        joined([(sym(w), TIMES, sym(d)) for w, d in pairs_]),
        joined([(num(w, True), num(d, True)) for w, d in pairs_]),
    ]
    return Quantity(
        k.dL_da(l, j),
        tuple(key for pair in pairs_ for key in pair),
        lambda v: total([v[2 * q] * v[2 * q + 1] for q in range(size)]),
        tuple(sides),
        "backward",
    )


def loss_quantities(model: Model, loss: str, *, new: bool = False) -> list[Quantity]:
    """L (or Lⁿᵉʷ) for ``loss``: ``squared_error`` (½Σ(y − t)²), ``mse`` ((1/n)Σ(y − t)², a name
    the prose may use) or ``cross_entropy``."""
    ex = model.example
    n_layers, n_out = len(ex.layers), ex.layers[-1].size
    ys, ts = model.outputs(new), model.targets()
    section = "loss_new" if new else "loss"
    if loss == "cross_entropy":
        # L = Σ softplus(z) − t·z  (= −[t ln y + (1 − t) ln(1 − y)] for y = σ(z))
        zs = [k.z(n_layers, j, new) for j in range(n_out)]
        terms = [_cross_entropy_term(y, t, sym) for y, t in zip(ys, ts)]
        values = [_cross_entropy_term(y, t, num) for y, t in zip(ys, ts)]
        wrap = (op("−[", "-["), op("]"))
        fn = pairs(lambda z, t: numerics.softplus(z) - t * z)
        deps = (*zs, *ts)
    else:
        scale = 0.5 if loss == "squared_error" else 1.0 / n_out
        terms = [(op("("), sym(y), MINUS, sym(t), op(")²", ")^2")) for y, t in zip(ys, ts)]
        values = [(op("("), num(y), MINUS, num(t), op(")²", ")^2")) for y, t in zip(ys, ts)]
        several = len(ys) > 1
        wrap = (
            op("½[", r"\tfrac{1}{2}[") if several else op("½", r"\tfrac{1}{2}"),
            op("]") if several else op(""),
        )
        fn = pairs(lambda y, t: scale * square(y - t))
        deps = (*ys, *ts)
    sides = [(wrap[0], *joined(terms), wrap[1]), (wrap[0], *joined(values), wrap[1])]
    return [Quantity(k.LOSS.renew(new), deps, fn, tuple(sides), section)]


def output_gradient(model: Model, loss: str, j: int) -> list[Quantity]:
    """∂L/∂yⱼ for ``loss``, and for cross-entropy the output δⱼ = yⱼ − tⱼ as well."""
    n_layers, n_out = len(model.example.layers), model.example.layers[-1].size
    y, t = model.outputs()[j], model.targets()[j]
    dy, delta = k.dL_da(n_layers, j), k.delta(n_layers, j)
    if loss == "cross_entropy":
        # ∂L/∂y = −t/y + (1 − t)/(1 − y);  δ = y − t
        slope = Quantity(
            dy,
            (y, t),
            lambda v: numerics.div(-v[1], v[0]) + numerics.div(1.0 - v[1], 1.0 - v[0]),
            (_cross_entropy_slope(y, t, sym), _cross_entropy_slope(y, t, num)),
            "backward",
        )
        sides = ((sym(y), MINUS, sym(t)), (num(y), MINUS, num(t)))
        return [slope, Quantity(delta, (y, t), lambda v: v[0] - v[1], sides, "backward")]
    # ∂L/∂y = c·(y − t) with c = 1 (½Σ) or 2/n (mse)
    factor = 1.0 if loss == "squared_error" else 2.0 / n_out
    sides = ((sym(y), MINUS, sym(t)), (num(y), MINUS, num(t)))
    return [Quantity(dy, (y, t), lambda v: factor * (v[0] - v[1]), sides, "backward")]


def _cross_entropy_slope(y: Key, t: Key, show: Callable[[Key], Token]) -> Side:
    """−t/y + (1 − t)/(1 − y)."""
    return (
        op("−", "-"), show(t), op("/"), show(y), PLUS,
        op("(1 − ", "(1 - "), show(t), op(")/(1 − ", ")/(1 - "), show(y), op(")"),
    )  # fmt: skip


def _cross_entropy_term(y: Key, t: Key, show: Callable[[Key], Token]) -> Side:
    """t ln y + (1 − t) ln(1 − y)."""
    return (
        show(t), op(" ln ", r" \ln "), show(y), PLUS, op("(1 − ", "(1 - "), show(t), op(")"),
        op(" ln(1 − ", r" \ln(1 - "), show(y), op(")"),
    )  # fmt: skip

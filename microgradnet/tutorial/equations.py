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

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from microgradnet import numerics
from microgradnet.graph import topological_order
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
    shown: Quantity | None = field(default=None, compare=False)
    """The formula over the operands the display shows, where it differs from ``fn``'s (L of
    cross-entropy is computed from z for stability but displayed as −[t ln y + …]): the checker
    recomputes a value from the document's printed operands with it."""


# ---- display tokens ---------------------------------------------------------------------------


def sym(key: Key) -> Token:
    return Token("sym", key)


def num(key: Key, paren: bool = False) -> Token:
    return Token("num", key, paren=paren)


def const(value: float, paren: bool = False) -> Token:
    return Token("num", None, value, paren=paren)


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


def _order(formulas: Mapping[Key, Quantity]) -> list[Key]:
    """Every key after the keys it is computed from: the formulas in order, each's deps in order."""
    return topological_order(*formulas, parents=lambda key: reversed(formulas[key].deps))


#: An evaluation plan: the order, each key's position in it, and (formula, dep positions).
_Plan = tuple[list[Key], dict[Key, int], list[tuple[Fn, tuple[int, ...]]]]


class Model:
    """Every quantity of one worked example, in the order the walkthrough shows them."""

    def __init__(self, example: Example) -> None:
        self.example = example
        self.quantities: dict[Key, Quantity] = {}
        self._plans: dict[tuple[Quantity, ...], _Plan] = {}
        self._online: Model | None = None
        _Builder(self).build()
        if example.conventions.batch:
            self.quantities = _spread(self.quantities, example)
        self.order = _order(self.quantities)
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
        return self.evaluate_each([pinned or {}], replaced, round_all)[0]

    def evaluate_each(
        self,
        pins: Sequence[Mapping[Key, float]],
        replaced: Iterable[Quantity] = (),
        round_all: int | None = None,
    ) -> list[dict[Key, float]]:
        """:meth:`evaluate` once for each of ``pins``, the plan for ``replaced`` built once."""
        order, position, plan = self._plan(tuple(replaced))
        found = []
        for pinned in pins:
            values: list[float] = [0.0] * len(order)
            fixed = {position[key]: value for key, value in pinned.items()}
            for n, (fn, deps) in enumerate(plan):
                if n in fixed:
                    values[n] = fixed[n]
                    continue
                value = fn([values[d] for d in deps])
                if round_all is not None and deps:
                    value = round(value, round_all)
                values[n] = value
            found.append(dict(zip(order, values)))
        return found

    def _plan(self, replaced: tuple[Quantity, ...]) -> _Plan:
        """The evaluation order and (formula, positions of its deps) for each, with ``replaced``
        swapped in; positions index the order."""
        cached = self._plans.get(replaced)
        if cached is not None:
            return cached
        formulas = dict(self.quantities)
        swapped = [q for q in replaced if q.deps != formulas[q.key].deps]
        formulas.update((q.key, q) for q in replaced)
        order = self.order
        if swapped:  # a slip that reads other quantities can move a formula later
            order = _order(formulas)
        position = {key: n for n, key in enumerate(order)}
        plan = [(formulas[key].fn, tuple(position[d] for d in formulas[key].deps)) for key in order]
        found = (order, position, plan)
        if not replaced:  # formulas compare without their functions: cache only the model's own
            self._plans[replaced] = found
        return found

    @property
    def online(self) -> Model:
        """The model of the first pattern alone, online: every quantity without a pattern (the
        one to write a slip's formulas on; :meth:`spread` then makes them for every pattern)."""
        if not self.example.conventions.batch:
            return self
        if self._online is None:
            ex = self.example
            conventions = dataclasses.replace(ex.conventions, updates="online")
            single = dataclasses.replace(ex, conventions=conventions, patterns=(), at=())
            self._online = Model(single)
        return self._online

    def spread(self, formulas: Iterable[Quantity]) -> tuple[Quantity, ...]:
        """Formulas written on :attr:`online`, for every pattern of a batch update."""
        if not self.example.conventions.batch:
            return tuple(formulas)
        n = len(self.example.samples)
        return tuple(
            copy
            for q in formulas
            for copy in (
                [_for_pattern(q, p, self.example) for p in range(n)]
                if q.key.kind in k.PER_PATTERN
                else [q]
            )
        )

    def pattern(self, n: int) -> dict[Key, float]:
        """Pattern ``n``'s inputs and targets, to pin in :meth:`evaluate` (0-based, cycling);
        none in batch training, where every pattern has its own."""
        if self.example.conventions.batch:
            return {}
        x, t = self.example.samples[n % len(self.example.samples)]
        return {**{k.x(i): v for i, v in enumerate(x)}, **{k.t(j): v for j, v in enumerate(t)}}

    def run(self, steps: int, replaced: Sequence[Quantity] = ()) -> list[dict[Key, float]]:
        """Every value before each of ``steps`` + 1 online updates: entry s holds the parameters
        after s updates and the values of the pattern step s trains on (patterns in order)."""
        return [dict(zip(self._plan(tuple(replaced))[0], v)) for v in self._run(steps, replaced)]

    def _run(self, steps: int, replaced: Sequence[Quantity] = ()) -> list[list[float]]:
        """:meth:`run` on positions of the plan (no dict per step, so 10⁴ steps take a second)."""
        order, position, plan = self._plan(tuple(replaced))
        params = [key for _, key in parameters(self.example)]
        old = [position[p] for p in params]
        new = [position[p.renew()] for p in params]
        patterns = [
            [(position[key], value) for key, value in self.pattern(n).items()]
            for n in range(self.example.cycle)
        ]
        current = [self.values[p] for p in params]
        found = []
        for step in range(steps + 1):
            fixed = dict(zip(old, current))
            fixed.update(patterns[step % len(patterns)])
            values: list[float] = [0.0] * len(order)
            for n, (fn, deps) in enumerate(plan):
                values[n] = fixed[n] if n in fixed else fn([values[d] for d in deps])
            found.append(values)
            current = [values[n] for n in new]
        return found

    def losses(self, steps: int) -> list[float]:
        """L before each of ``steps`` + 1 updates (each on the pattern that step trains on)."""
        at = self._plan(())[1][k.LOSS]
        return [values[at] for values in self._run(steps)]

    def run_at(
        self, steps: Sequence[int], replaced: Sequence[Quantity] = ()
    ) -> dict[int, dict[Key, float]]:
        """The entries of :meth:`run` for ``steps`` only (no dict for the steps between)."""
        order = self._plan(tuple(replaced))[0]
        found = self._run(max(steps), replaced)
        return {step: dict(zip(order, found[step])) for step in steps}

    def at(self, state: Mapping[Key, float], pattern: int) -> dict[Key, float]:
        """Every value of ``pattern`` through the parameters of ``state`` (an entry of :meth:`run`)."""
        params = {key: state[key] for _, key in parameters(self.example)}
        return self.evaluate({**params, **self.pattern(pattern)})

    @property
    def displayed(self) -> tuple[Quantity, ...]:
        """The formulas as displayed, for the quantities computed otherwise (see Quantity.shown)."""
        return tuple(q.shown for q in self.quantities.values() if q.shown is not None)

    def section(self, name: str) -> list[Quantity]:
        return [q for q in self.quantities.values() if q.section == name]

    def is_given(self, key: Key) -> bool:
        return not self.quantities[key].deps

    def ancestors(self, key: Key, *, shown: bool = False) -> list[Key]:
        """The quantities ``key`` is computed from, directly or not, nearest first (``shown``:
        through the displayed formulas, so the y of a cross-entropy L counts as its operand)."""
        seen: dict[Key, None] = {}
        frontier = list(self._deps(key, shown))
        while frontier:
            nxt: list[Key] = []
            for dep in frontier:
                if dep not in seen:
                    seen[dep] = None
                    nxt.extend(self._deps(dep, shown))
            frontier = nxt
        return list(seen)

    def _deps(self, key: Key, shown: bool) -> tuple[Key, ...]:
        quantity = self.quantities[key]
        return quantity.shown.deps if shown and quantity.shown is not None else quantity.deps

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
                if layer.biases is not None and (j == 0 or not layer.shared):
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
            bias = bias_key(layer, l, j, new)
            terms.append(bias)
            if self.ex.conventions.bias == "input_unit":  # a weight from a unit that outputs 1
                symbols.append((sym(bias), TIMES, const(1)))
                numbers.append((num(bias, True), const(1, True)))
            else:
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
        flipped = self.ex.conventions.difference == "t_minus_y"
        for j, (y, t) in enumerate(zip(ys, ts)):  # the signed error eⱼ, as the document writes it
            pair = (t, y) if flipped else (y, t)
            shown = [(sym(pair[0]), MINUS, sym(pair[1])), (num(pair[0]), MINUS, num(pair[1]))]
            self.add(k.signed_error(j, new), pair, lambda v: v[0] - v[1], shown)
        self.error(new, section)

    def error(self, new: bool, section: str) -> None:
        """The "error" the document prints: Σ|y − t|, Σ(t − y), Σ(y − t) or the loss."""
        ys, ts, key = self.m.outputs(new), self.m.targets(), k.ERROR.renew(new)
        kind = self.ex.conventions.error
        if kind == "loss":
            loss = k.LOSS.renew(new)
            self.add(key, (loss,), lambda v: v[0], [(sym(loss),)], section)
            return
        if kind == "abs":
            bar, end = op("|", r"\lvert "), op("|", r"\rvert ")
            pairs_ = list(zip(ys, ts))
            fn = pairs(lambda y, t: abs(y - t))
        else:
            bar, end = op(""), op("")
            pairs_ = list(zip(ts, ys) if kind == "t_minus_y" else zip(ys, ts))
            fn = pairs(lambda u, v: u - v)
        symbols = [(bar, sym(u), MINUS, sym(v), end) for u, v in pairs_]
        numbers = [(bar, num(u), MINUS, num(v), end) for u, v in pairs_]
        deps = [u for u, _ in pairs_] + [v for _, v in pairs_]
        self.add(key, deps, fn, [joined(symbols), joined(numbers)], section)

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
                if not output:
                    for q in range(layers[l].size):
                        self.m.add(backprop_term(l, j, q))
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
                (const(1), MINUS, op("", "{"), sym(a), op("²", "}^2")),  # {a_1^{(1)}}^2 in TeX
                (const(1), MINUS, num(a, True), op("²", "^2")),
            ]
            self.add(key, (a,), lambda v: 1.0 - v[0] * v[0], sides, "backward")
        elif name == "relu":
            sides = [(op("1 if "), sym(z), op(" > 0 else 0", r" > 0 \text{ else } 0"))]
            self.add(key, (z,), lambda v: 1.0 if v[0] > 0.0 else 0.0, sides, "backward")
        else:
            self.add(key, (), constant(1.0), (), "backward")

    # -- gradients and updates --

    def gradients(self) -> None:
        """∂L/∂w = δ·a, ∂L/∂b = δ (a shared bias: Σⱼ δⱼ), in the document's sign."""
        for l, param in parameters(self.ex):
            if param.kind == "b":
                layer = self.ex.layers[l - 1]
                js = range(layer.size) if layer.shared else [param.j]
                ds = [k.delta(l, j) for j in js]
                sides = [joined([(sym(d),) for d in ds])]
                if len(ds) > 1:
                    sides.append(joined([(num(d),) for d in ds]))
                self.add(k.gradient(param), ds, total, sides, "gradients")
                continue
            d, a = k.delta(l, param.j), k.layer_input(l, param.i)
            sides = [(sym(d), TIMES, sym(a)), (num(d, True), num(a, True))]
            self.add(k.gradient(param), (d, a), product, sides, "gradients")

    def updates(self) -> None:
        """θⁿᵉʷ = θ − Δθ with Δθ = η·∂L/∂θ, in the document's sign conventions; fixed θ stay."""
        conv = self.ex.conventions
        added = conv.step == "added"
        factor = conv.sign * (-1.0 if added else 1.0)  # Δθ = factor·η·(the document's ∂L/∂θ)
        for _, param in parameters(self.ex):
            if param in conv.fixed:
                held = (sym(param), op(" (held fixed)", r" \ (\text{held fixed})"))
                self.add(param.renew(), (param,), lambda v: v[0], [held], "updates")
                continue
            grad, step = k.gradient(param), k.step(param)
            if factor > 0:
                self.add(step, (k.ETA, grad), product)
            else:
                self.add(step, (k.ETA, grad), lambda v: -(v[0] * v[1]))
            sign = PLUS if added else MINUS
            lead = (op("−", "-"),) if factor < 0 else ()
            sides = [
                (sym(param), sign, *lead, sym(k.ETA), TIMES, sym(grad)),
                (num(param), sign, *lead, num(k.ETA, True), num(grad, True)),
                (num(param), sign, num(step)),
            ]
            fn = _plus if added else _minus
            self.add(param.renew(), (param, step), fn, sides, "updates")


# ---- batch training ---------------------------------------------------------------------------


def _spread(quantities: Mapping[Key, Quantity], ex: Example) -> dict[Key, Quantity]:
    """Batch training: each per-pattern quantity once per pattern (pattern by pattern), then the
    rest, with the batch's gradients, loss and error the sum or mean over the patterns."""
    found: dict[Key, Quantity] = {}
    n = len(ex.samples)
    for p in range(n):
        for q in quantities.values():
            if q.key.kind in k.PER_PATTERN:
                copy = _for_pattern(q, p, ex)
                found[copy.key] = copy
    for q in quantities.values():
        if q.key.kind not in k.PER_PATTERN:
            found[q.key] = q
        elif q.key.kind in ("dL_dW", "dL_db") or q.key.is_scalar:
            found[q.key] = _over_patterns(q, n, ex.conventions.updates == "batch_mean")
    return found


def _for_pattern(q: Quantity, p: int, ex: Example) -> Quantity:
    """``q`` for pattern p: its key, deps and displayed symbols carry the pattern."""
    key = k.at_pattern(q.key, p)
    fn = q.fn
    if key.kind in ("x", "t"):
        x, t = ex.samples[p]
        fn = constant((x if key.kind == "x" else t)[key.j])
    sides = tuple(
        tuple(
            tok if tok.key is None else replace(tok, key=k.at_pattern(tok.key, p)) for tok in side
        )
        for side in q.sides
    )
    shown = None if q.shown is None else _for_pattern(q.shown, p, ex)
    deps = tuple(k.at_pattern(d, p) for d in q.deps)
    return Quantity(key, deps, fn, sides, q.section, q.unit, shown)


def _over_patterns(q: Quantity, n: int, mean: bool) -> Quantity:
    """The batch's ``q``: Σₚ q⟨p⟩, or (1/n)Σₚ q⟨p⟩."""
    parts = [k.at_pattern(q.key, p) for p in range(n)]
    sides = [joined([(sym(part),) for part in parts]), joined([(num(part),) for part in parts])]
    if mean:
        opening, closing = op(f"(1/{n})(", rf"\tfrac{{1}}{{{n}}}("), op(")")
        sides = [(opening, *side, closing) for side in sides]
    fn: Fn = (lambda v: total(v) / n) if mean else total
    return Quantity(q.key, tuple(parts), fn, tuple(sides), q.section, q.unit)


def _plus(v: Sequence[float]) -> float:
    return v[0] + v[1]


def _minus(v: Sequence[float]) -> float:
    return v[0] - v[1]


def bias_key(layer: Layer, l: int, j: int, new: bool = False) -> Key:
    """The bias neuron j of layer l adds (a shared bias is b{l}[0] for every neuron)."""
    return k.b(l, 0 if layer.shared else j, new)


def parameters(example: Example) -> list[tuple[int, Key]]:
    """(layer, key) of every weight and bias, output layer first, a shared bias after its rows."""
    found = []
    for l in range(len(example.layers), 0, -1):
        layer = example.layers[l - 1]
        for j, row in enumerate(layer.weights):
            found += [(l, k.W(l, j, i)) for i in range(len(row))]
            if layer.biases is not None and not layer.shared:
                found.append((l, k.b(l, j)))
        if layer.biases is not None and layer.shared:
            found.append((l, k.b(l, 0)))
    return found


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
    if updated:  # a slip: the sum over the already-updated weights, straight from its pairs
        deps = tuple(key for pair in pairs_ for key in pair)
        return Quantity(
            k.dL_da(l, j), deps, lambda v: total([v[2 * q] * v[2 * q + 1] for q in range(size)])
        )
    terms = [k.backterm(l, j, q) for q in range(size)]
    if size > 1:
        sides.append(joined([(num(term),) for term in terms]))
    return Quantity(k.dL_da(l, j), tuple(terms), total, tuple(sides), "backward")


def backprop_term(l: int, j: int, q: int) -> Quantity:
    """One term of ∂L/∂a⁽ˡ⁾ⱼ: W⁽ˡ⁺¹⁾_qj·δ⁽ˡ⁺¹⁾_q."""
    w, d = k.W(l + 1, q, j), k.delta(l + 1, q)
    return Quantity(k.backterm(l, j, q), (w, d), product)


#: The c of L = c·Σ(y − t)² for each squared loss (``mse`` divides by the number of outputs).
_SCALE = {"squared_error": 0.5, "sum_squared_error": 1.0}


def loss_scale(loss: str, n_out: int) -> float:
    return _SCALE.get(loss, 1.0 / n_out)


def loss_quantities(model: Model, loss: str, *, new: bool = False) -> list[Quantity]:
    """L (or Lⁿᵉʷ) for ``loss`` (``squared_error`` ½Σ(y − t)², ``sum_squared_error`` Σ(y − t)²,
    ``mse`` (1/n)Σ(y − t)², ``cross_entropy``), with one term L[j] per output when there are several."""
    ex = model.example
    n_layers, n_out = len(ex.layers), ex.layers[-1].size
    ys, ts = model.outputs(new), model.targets()
    flipped = ex.conventions.difference == "t_minus_y"
    section = "loss_new" if new else "loss"
    term_keys = [k.LOSS.renew(new)] if n_out == 1 else [k.loss_term(j, new) for j in range(n_out)]
    if loss == "cross_entropy":
        # Lⱼ = softplus(z) − t·z  (= −[t ln y + (1 − t) ln(1 − y)] for y = σ(z))
        zs = [k.z(n_layers, j, new) for j in range(n_out)]
        terms = [_cross_entropy_term(y, t, sym) for y, t in zip(ys, ts)]
        values = [_cross_entropy_term(y, t, num) for y, t in zip(ys, ts)]
        wrap = (op("−[", "-["), op("]"))
        fns = [_cross_entropy(zs[j], ts[j]) for j in range(n_out)]
    else:
        scale = loss_scale(loss, n_out)
        pairs_ = [(t, y) if flipped else (y, t) for y, t in zip(ys, ts)]
        terms = [(op("("), sym(u), MINUS, sym(v), op(")²", ")^2")) for u, v in pairs_]
        values = [(op("("), num(u), MINUS, num(v), op(")²", ")^2")) for u, v in pairs_]
        wrap = _scale_text(loss, n_out)
        fns = [_squared(scale, y, t) for y, t in zip(ys, ts)]
    sides = [(wrap[0], *joined(terms), wrap[1]), (wrap[0], *joined(values), wrap[1])]
    shown: list[Quantity | None] = [None] * n_out
    if loss == "cross_entropy":
        shown = [_shown_cross_entropy(key, y, t) for key, y, t in zip(term_keys, ys, ts)]
    if n_out == 1:
        deps, fn = fns[0]
        return [Quantity(k.LOSS.renew(new), deps, fn, tuple(sides), section, shown=shown[0])]
    found = [Quantity(k.loss_term(j, new), *fns[j], shown=shown[j]) for j in range(n_out)]
    parts = [k.loss_term(j, new) for j in range(n_out)]
    sides.append(joined([(num(part),) for part in parts]))
    found.append(Quantity(k.LOSS.renew(new), tuple(parts), total, tuple(sides), section))
    return found


def _shown_cross_entropy(key: Key, y: Key, t: Key) -> Quantity:
    """−[t ln y + (1 − t) ln(1 − y)] from y itself, as the document displays it."""
    return Quantity(key, (y, t), lambda v: -(_xlog(v[1], v[0]) + _xlog(1.0 - v[1], 1.0 - v[0])))


def _xlog(c: float, y: float) -> float:
    """c·ln y, 0 when c = 0 (so a target of 0 or 1 never makes 0·ln 0 = nan)."""
    return 0.0 if c == 0.0 else c * numerics.log(y)


def _squared(scale: float, y: Key, t: Key) -> tuple[tuple[Key, ...], Fn]:
    return (y, t), lambda v: scale * square(v[0] - v[1])


def _cross_entropy(z: Key, t: Key) -> tuple[tuple[Key, ...], Fn]:
    return (z, t), lambda v: numerics.softplus(v[0]) - v[1] * v[0]


def _scale_text(loss: str, n_out: int) -> tuple[Token, Token]:
    """The factor in front of Σ(y − t)² as the document writes it: ½, nothing, 1/n."""
    several = n_out > 1
    if loss == "squared_error":
        if several:
            return op("½[", r"\tfrac{1}{2}["), op("]")
        return op("½", r"\tfrac{1}{2}"), op("")
    if loss == "sum_squared_error":
        return op(""), op("")
    return op(f"(1/{n_out})[", rf"\tfrac{{1}}{{{n_out}}}["), op("]")


def output_gradient(model: Model, loss: str, j: int) -> list[Quantity]:
    """∂L/∂yⱼ for ``loss`` in the document's sign, and for cross-entropy the output δⱼ as well."""
    ex = model.example
    n_layers, n_out, sign = len(ex.layers), ex.layers[-1].size, ex.conventions.sign
    y, t = model.outputs()[j], model.targets()[j]
    dy, delta = k.dL_da(n_layers, j), k.delta(n_layers, j)
    minus = (op("−", "-"),) if sign < 0 else ()
    if loss == "cross_entropy":
        # ∂L/∂y = −t/y + (1 − t)/(1 − y);  δ = y − t (or t − y for δ = −∂L/∂z)
        slope = Quantity(
            dy,
            (y, t),
            lambda v: sign * (numerics.div(-v[1], v[0]) + numerics.div(1.0 - v[1], 1.0 - v[0])),
            (
                (*minus, *_cross_entropy_slope(y, t, sym)),
                (*minus, *_cross_entropy_slope(y, t, num)),
            ),
            "backward",
        )
        u, v = (y, t) if sign > 0 else (t, y)
        shown: tuple[Side, ...] = ((sym(u), MINUS, sym(v)), (num(u), MINUS, num(v)))
        return [slope, Quantity(delta, (u, v), _minus, shown, "backward")]
    # ∂L/∂y = 2c·(y − t): written y − t, −(t − y), or for δ = −∂L/∂z as t − y
    factor = 2.0 * loss_scale(loss, n_out)
    u, v = (y, t) if sign > 0 else (t, y)
    lead = () if factor == 1.0 else (op(_FACTOR_TEXT.get(loss, f"(2/{n_out})·")),)
    negated = ex.conventions.difference == "t_minus_y" and sign > 0  # written −(t − y)
    first, second = (t, y) if negated else (u, v)
    sides = tuple(_slope_side(f, first, second, negated, lead) for f in (sym, num))
    fn = _minus if factor == 1.0 else (lambda p: factor * (p[0] - p[1]))
    return [Quantity(dy, (u, v), fn, sides, "backward")]


def _slope_side(
    show: Callable[[Key], Token], first: Key, second: Key, negated: bool, lead: tuple[Token, ...]
) -> Side:
    """``first − second``, as ``−(first − second)`` when ``negated``, after a factor ``lead``."""
    body: Side = (show(first), MINUS, show(second))
    if negated:
        body = (op("−(", "-("), *body, op(")"))
    elif lead:
        body = (op("("), *body, op(")"))
    return (*lead, *body)


_FACTOR_TEXT = {"sum_squared_error": "2"}


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

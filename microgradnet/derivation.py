"""An example's hand derivation as a graph of one-line formulas, re-evaluable under substitutions and slips.

Each quantity of :mod:`microgradnet.notation` is a :class:`Formula`: the keys it is computed from
and a function of their values. Evaluating the graph gives the textbook numbers (the same as
:mod:`microgradnet.deltas`, which the tests confirm to 1e-12). The checker uses two more ways of
evaluating it:

- *substituted*: some quantities are pinned to given values (the numbers a document printed)
  and everything after them is recomputed from those;
- *slipped*: some formulas are replaced by a common hand-derivation mistake (:func:`slips`).

A slip is a named set of replacement formulas. Applying one and comparing with a printed
number tells whether that mistake reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from microgradnet import numerics
from microgradnet.example import Example

__all__ = ["Derivation", "Formula", "Slip", "loss_formulas", "rounded_site_slips", "slips"]

Fn = Callable[[Sequence[float]], float]


@dataclass(frozen=True)
class Formula:
    """``key = fn(values of deps)``; a leaf (a given number) has no deps and a constant fn."""

    key: str
    deps: tuple[str, ...]
    fn: Fn = field(compare=False)


def _const(value: float) -> Fn:
    return lambda _: value


def _sum(values: Sequence[float]) -> float:
    total = values[0]
    for value in values[1:]:
        total += value
    return total


def _product(values: Sequence[float]) -> float:
    return values[0] * values[1]


_ACT: dict[str, Callable[[float], float]] = {
    "sigmoid": numerics.sigmoid,
    "tanh": numerics.tanh,
    "relu": numerics.relu,
    "linear": lambda z: z,
}


class Derivation:
    """Every quantity of one worked example and how it is computed from the ones before it."""

    def __init__(self, example: Example) -> None:
        self.example = example
        self.formulas: dict[str, Formula] = {}
        self._build()

    # -- evaluation --

    def evaluate(
        self,
        pinned: Mapping[str, float] | None = None,
        replaced: Iterable[Formula] = (),
        round_all: int | None = None,
    ) -> dict[str, float]:
        """Every quantity's value.

        ``pinned`` fixes quantities to given values; ``replaced`` swaps formulas (a slip);
        ``round_all`` rounds every computed quantity to that many decimals before it is used.
        """
        formulas = dict(self.formulas)
        formulas.update((f.key, f) for f in replaced)
        pinned = pinned or {}
        values: dict[str, float] = {}
        for key in _order(formulas):
            if key in pinned:
                values[key] = pinned[key]
                continue
            formula = formulas[key]
            value = formula.fn([values[d] for d in formula.deps])
            if round_all is not None and formula.deps:
                value = round(value, round_all)
            values[key] = value
        return values

    def order(self) -> list[str]:
        """Every key, each after the keys it is computed from."""
        return _order(self.formulas)

    def ancestors(self, key: str) -> list[str]:
        """The quantities ``key`` is computed from, directly or not, nearest first."""
        seen: list[str] = []
        frontier = list(self.formulas[key].deps)
        while frontier:
            nxt: list[str] = []
            for dep in frontier:
                if dep not in seen:
                    seen.append(dep)
                    nxt.extend(self.formulas[dep].deps)
            frontier = nxt
        return seen

    def descendants(self, key: str) -> set[str]:
        """The quantities computed from ``key``, directly or not."""
        children: dict[str, list[str]] = {}
        for formula in self.formulas.values():
            for dep in formula.deps:
                children.setdefault(dep, []).append(formula.key)
        found: set[str] = set()
        frontier = [key]
        while frontier:
            for child in children.get(frontier.pop(), []):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        return found

    def is_given(self, key: str) -> bool:
        return not self.formulas[key].deps

    # -- building --

    def _add(self, key: str, deps: Sequence[str], fn: Fn) -> None:
        self.formulas[key] = Formula(key, tuple(deps), fn)

    def _build(self) -> None:
        ex = self.example
        for i, x in enumerate(ex.inputs):
            self._add(f"x[{i}]", (), _const(x))
        for j, t in enumerate(ex.targets):
            self._add(f"t[{j}]", (), _const(t))
        self._add("eta", (), _const(ex.learning_rate))
        for l, layer in enumerate(ex.layers, start=1):
            for j, row in enumerate(layer.weights):
                for i, w in enumerate(row):
                    self._add(f"W{l}[{j},{i}]", (), _const(w))
                if layer.biases is not None:
                    self._add(f"b{l}[{j}]", (), _const(layer.biases[j]))
        self._forward(new=False)
        self._loss(new=False)
        self._backward()
        self._update()
        self._forward(new=True)
        self._loss(new=True)
        self._reductions()

    def _forward(self, *, new: bool) -> None:
        suffix = "_new" if new else ""
        for l, layer in enumerate(self.example.layers, start=1):
            for j in range(layer.size):
                terms = []
                for i in range(len(layer.weights[j])):
                    source = _layer_input(l, i, suffix)
                    self._add(
                        f"term{l}[{j},{i}]{suffix}", (f"W{l}[{j},{i}]{suffix}", source), _product
                    )
                    terms.append(f"term{l}[{j},{i}]{suffix}")
                if layer.biases is not None:
                    terms.append(f"b{l}[{j}]{suffix}")
                self._add(f"z{l}[{j}]{suffix}", terms, _sum)
                act = _ACT[layer.activation]
                self._add(f"a{l}[{j}]{suffix}", (f"z{l}[{j}]{suffix}",), _applied(act))
                if layer.activation == "sigmoid" and not new:
                    self._add(f"1-a{l}[{j}]", (f"a{l}[{j}]",), lambda v: 1.0 - v[0])

    def _outputs(self, suffix: str = "") -> list[str]:
        n_layers = len(self.example.layers)
        return [f"a{n_layers}[{j}]{suffix}" for j in range(self.example.layers[-1].size)]

    def _loss(self, *, new: bool) -> None:
        suffix = "_new" if new else ""
        for formula in loss_formulas(self, self.example.loss, suffix=suffix, backward=not new):
            self.formulas[formula.key] = formula
        deps = [*self._outputs(suffix), *(f"t[{j}]" for j in range(len(self.example.targets)))]
        self._add(f"error{suffix}", deps, _pairs(lambda y, t: abs(y - t)))  # Σ|y − t|

    def _backward(self) -> None:
        layers = self.example.layers
        n_layers = len(layers)
        for l in range(n_layers, 0, -1):
            layer = layers[l - 1]
            for j in range(layer.size):
                self._fprime(l, j, layer.activation)
                if l < n_layers:
                    self.formulas[f"dL_da{l}[{j}]"] = _backprop_sum(l, j, layers[l].size)
                    self._add(f"delta{l}[{j}]", (f"dL_da{l}[{j}]", f"fprime{l}[{j}]"), _product)
                for i in range(len(layer.weights[j])):
                    self._add(
                        f"dL_dW{l}[{j},{i}]", (f"delta{l}[{j}]", _layer_input(l, i)), _product
                    )
                if layer.biases is not None:
                    self._add(f"dL_db{l}[{j}]", (f"delta{l}[{j}]",), lambda v: v[0])

    def _fprime(self, l: int, j: int, activation: str) -> None:
        key = f"fprime{l}[{j}]"
        if activation == "sigmoid":
            self._add(key, (f"a{l}[{j}]", f"1-a{l}[{j}]"), _product)
        elif activation == "tanh":
            self._add(key, (f"a{l}[{j}]",), lambda v: 1.0 - v[0] * v[0])
        elif activation == "relu":
            self._add(key, (f"z{l}[{j}]",), lambda v: 1.0 if v[0] > 0.0 else 0.0)
        else:
            self._add(key, (), _const(1.0))

    def _update(self) -> None:
        for l, layer in enumerate(self.example.layers, start=1):
            for j, row in enumerate(layer.weights):
                params = [f"W{l}[{j},{i}]" for i in range(len(row))]
                params += [f"b{l}[{j}]"] if layer.biases is not None else []
                for param in params:
                    kind, rest = param[0], param[1:]
                    step = f"step_{kind}{rest}"
                    self._add(step, ("eta", f"dL_d{kind}{rest}"), _product)
                    self._add(f"{param}_new", (param, step), lambda v: v[0] - v[1])

    def _reductions(self) -> None:
        for name in ("L", "error"):
            self._add(f"{name}_reduction", (name, f"{name}_new"), lambda v: v[0] - v[1])
            self._add(
                f"{name}_reduction_pct",
                (name, f"{name}_new"),
                lambda v: numerics.div(100.0 * (v[0] - v[1]), v[0]),
            )


def _backprop_sum(l: int, j: int, next_size: int, suffix: str = "") -> Formula:
    """∂L/∂a⁽ˡ⁾ⱼ = Σₖ W⁽ˡ⁺¹⁾ₖⱼ δ⁽ˡ⁺¹⁾ₖ (``suffix="_new"``: with the already-updated weights)."""
    deps = [
        d for k in range(next_size) for d in (f"W{l + 1}[{k},{j}]{suffix}", f"delta{l + 1}[{k}]")
    ]
    return Formula(
        f"dL_da{l}[{j}]",
        tuple(deps),
        lambda v: _sum([v[2 * k] * v[2 * k + 1] for k in range(next_size)]),
    )


def _layer_input(l: int, i: int, suffix: str = "") -> str:
    """The key of input i of layer l: x[i] for the first layer, else a{l-1}[i]."""
    return f"x[{i}]" if l == 1 else f"a{l - 1}[{i}]{suffix}"


def _applied(act: Callable[[float], float]) -> Fn:
    return lambda v: act(v[0])


def _scaled_error(factor: float) -> Fn:
    return lambda v: factor * (v[0] - v[1])


def _rounded(fn: Fn, k: int) -> Fn:
    return lambda v: round(fn(v), k)


def loss_formulas(
    derivation: Derivation, loss: str, *, suffix: str = "", backward: bool = True
) -> list[Formula]:
    """L, and (with ``backward``) ∂L/∂y and the output δ, for ``loss`` in squared_error, mse, cross_entropy."""
    ex = derivation.example
    n_layers, n_out = len(ex.layers), ex.layers[-1].size
    ys, ts = derivation._outputs(suffix), [f"t[{j}]" for j in range(n_out)]
    if loss == "cross_entropy":
        # L = Σ softplus(z) − t·z  (= −[t ln y + (1 − t) ln(1 − y)] for y = σ(z))
        zs = [f"z{n_layers}[{j}]{suffix}" for j in range(n_out)]
        formulas = [
            Formula(f"L{suffix}", (*zs, *ts), _pairs(lambda z, t: numerics.softplus(z) - t * z))
        ]
    else:
        # L = ½Σ(y − t)² (squared_error) or (1/n)Σ(y − t)² (mse)
        scale = 0.5 if loss == "squared_error" else 1.0 / n_out
        formulas = [Formula(f"L{suffix}", (*ys, *ts), _pairs(lambda y, t: scale * (y - t) ** 2))]
    if backward:
        for j in range(n_out):
            formulas += _output_delta(loss, n_layers, n_out, ys[j], ts[j], j)
    return formulas


def _pairs(term: Callable[[float, float], float]) -> Fn:
    """Σₖ term(uₖ, tₖ) over deps laid out as (u₀ … uₙ₋₁, t₀ … tₙ₋₁)."""

    def total(v: Sequence[float]) -> float:
        half = len(v) // 2
        return _sum([term(u, t) for u, t in zip(v[:half], v[half:])])

    return total


def _output_delta(loss: str, n_layers: int, n_out: int, y: str, t: str, j: int) -> list[Formula]:
    """∂L/∂yⱼ and δ⁽ᴸ⁾ⱼ for ``loss``."""
    dy, delta = f"dL_da{n_layers}[{j}]", f"delta{n_layers}[{j}]"
    if loss == "cross_entropy":
        # ∂L/∂y = −t/y + (1 − t)/(1 − y);  δ = y − t
        slope = Formula(
            dy, (y, t), lambda v: numerics.div(-v[1], v[0]) + numerics.div(1.0 - v[1], 1.0 - v[0])
        )
        return [slope, Formula(delta, (y, t), lambda v: v[0] - v[1])]
    # ∂L/∂y = c·(y − t) with c = 1 (½Σ) or 2/n (mse);  δ = ∂L/∂y · f′(z)
    factor = 1.0 if loss == "squared_error" else 2.0 / n_out
    return [
        Formula(dy, (y, t), _scaled_error(factor)),
        Formula(delta, (dy, f"fprime{n_layers}[{j}]"), _product),
    ]


def _order(formulas: Mapping[str, Formula]) -> list[str]:
    """Keys with every formula after its deps (iterative; insertion order where already valid)."""
    order: list[str] = []
    done: set[str] = set()
    for start in formulas:
        stack = [(start, False)]
        while stack:
            key, expanded = stack.pop()
            if key in done:
                continue
            if expanded:
                done.add(key)
                order.append(key)
                continue
            stack.append((key, True))
            stack.extend((dep, False) for dep in reversed(formulas[key].deps) if dep not in done)
    return order


# ---- common slips ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Slip:
    """A named hand-derivation mistake: ``name`` (an id), ``description`` and its replacement formulas.

    ``description`` is a template: ``{y}``, ``{t}``, ``{fprime}`` (of the output), ``{L}`` and
    ``{eta}`` stand for the document's own symbols. A rounding slip has ``site`` (the rounded
    quantity, or "" for every intermediate) and ``decimals``.
    """

    name: str
    description: str
    formulas: tuple[Formula, ...]
    round_all: int | None = None
    site: str = ""
    decimals: int = 0


def slips(derivation: Derivation, places: int) -> list[Slip]:
    """The mistakes to try on a number printed with ``places`` decimals, most specific first."""
    found = [
        *_delta_slips(derivation),
        *_half_slips(derivation),
        _sign_slip(derivation),
        *_updated_weight_slips(derivation),
    ]
    found += _rounding_slips(derivation, places)
    return [slip for slip in found if slip.formulas or slip.round_all is not None]


def _delta_slips(d: Derivation) -> list[Slip]:
    ex = d.example
    n_layers, n_out = len(ex.layers), ex.layers[-1].size
    ys, ts = d._outputs(), [f"t[{j}]" for j in range(n_out)]
    deltas = [f"delta{n_layers}[{j}]" for j in range(n_out)]
    if ex.loss == "cross_entropy":
        added = tuple(
            Formula(
                deltas[j], (ys[j], ts[j], f"fprime{n_layers}[{j}]"), lambda v: (v[0] - v[1]) * v[2]
            )
            for j in range(n_out)
        )
        flipped = tuple(
            Formula(deltas[j], (ys[j], ts[j]), lambda v: v[1] - v[0]) for j in range(n_out)
        )
        return [
            Slip(
                "derivative_added",
                "output delta with an extra {fprime}: the squared-error form ({y} − {t})·{fprime} "
                "used with cross-entropy, whose δ is {y} − {t}",
                added,
            ),
            Slip("error_sign", "sign of the error: {t} − {y} used instead of {y} − {t}", flipped),
        ]
    dropped = tuple(Formula(deltas[j], (ys[j], ts[j]), lambda v: v[0] - v[1]) for j in range(n_out))
    flipped = tuple(
        Formula(f"dL_da{n_layers}[{j}]", (ys[j], ts[j]), lambda v: v[1] - v[0])
        for j in range(n_out)
    )
    return [
        Slip(
            "derivative_dropped",
            "output delta without the activation derivative: {y} − {t} (the cross-entropy "
            "form) used instead of ({y} − {t})·{fprime}",
            dropped,
        ),
        Slip("error_sign", "sign of the error: {t} − {y} used instead of {y} − {t}", flipped),
    ]


def _half_slips(d: Derivation) -> list[Slip]:
    if d.example.loss != "squared_error":
        return []
    found = []
    for name, scale, words in (
        ("half_missing", 2.0, "missing ½ in the loss: {L} = ({y} − {t})²"),
        ("half_doubled", 0.5, "½ applied twice in the loss: {L} = ¼({y} − {t})²"),
    ):
        values = tuple(_scaled(d.formulas[key], scale) for key in ("L", "L_new"))
        found.append(Slip(name, words, values))
        n_layers = len(d.example.layers)
        grads = tuple(
            _scaled(d.formulas[f"dL_da{n_layers}[{j}]"], scale)
            for j in range(d.example.layers[-1].size)
        )
        found.append(Slip(name, words + " and ∂{L}/∂{y} scaled to match", values + grads))
    return found


def _scaled(formula: Formula, scale: float) -> Formula:
    fn = formula.fn
    return Formula(formula.key, formula.deps, lambda v: scale * fn(v))


def _sign_slip(d: Derivation) -> Slip:
    new = [
        f for f in d.formulas.values() if f.key.startswith(("W", "b")) and f.key.endswith("_new")
    ]
    return Slip(
        "update_sign",
        "sign of the update: θ + {eta}·∂{L}/∂θ instead of θ − {eta}·∂{L}/∂θ",
        tuple(Formula(f.key, f.deps, lambda v: v[0] + v[1]) for f in new),
    )


def _updated_weight_slips(d: Derivation) -> list[Slip]:
    layers = d.example.layers
    replaced = tuple(
        _backprop_sum(l, j, layers[l].size, "_new")
        for l in range(1, len(layers))
        for j in range(layers[l - 1].size)
    )
    return [
        Slip(
            "updated_weights",
            "hidden deltas computed with the already-updated weights of the "
            "layer above (W_new instead of W)",
            replaced,
        )
    ]


def _rounding_slips(d: Derivation, places: int) -> list[Slip]:
    found = []
    for k in range(min(places, 9), 0, -1):
        found.append(
            Slip("rounded", "every intermediate rounded and carried forward", (), k, "", k)
        )
    return found


def rounded_site_slips(d: Derivation, key: str, places: int) -> list[Slip]:
    """One intermediate ``key`` depends on, rounded to k ≤ ``places`` decimals before it is carried on."""
    found = []
    for site in d.ancestors(key):
        if d.is_given(site):
            continue
        formula = d.formulas[site]
        for k in range(min(places, 9), 0, -1):
            rounded = Formula(site, formula.deps, _rounded(formula.fn, k))
            found.append(
                Slip(
                    "rounded",
                    "an intermediate rounded and carried forward",
                    (rounded,),
                    None,
                    site,
                    k,
                )
            )
    return found

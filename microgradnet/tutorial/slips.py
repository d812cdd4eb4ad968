"""The catalogue of hand-derivation slips: each a named set of replacement formulas for the model.

Applying a slip (evaluating the equation model with its quantities replaced) and comparing with a
printed number tells whether that mistake reproduces it. Descriptions are templates: ``{y}``,
``{t}``, ``{fprime}`` (of the output), ``{L}`` and ``{eta}`` stand for the document's own symbols.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from microgradnet import numerics
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.equations import Fn, Model, Quantity, backprop_sum
from microgradnet.tutorial.keys import Key

__all__ = ["Slip", "in_symbols", "rounded_site_slips", "slips"]


@dataclass(frozen=True)
class Slip:
    """A named hand-derivation mistake: ``name`` (an id), ``description`` and its replacements.

    A rounding slip has ``site`` (the rounded quantity, or None for every intermediate) and
    ``decimals``; ``round_all`` rounds every intermediate.
    """

    name: str
    description: str
    formulas: tuple[Quantity, ...]
    round_all: int | None = None
    site: Key | None = None
    decimals: int = 0

    def at(self, site: Key) -> Slip:
        return Slip(self.name, self.description, self.formulas, self.round_all, site, self.decimals)


def in_symbols(template: str, symbol: Callable[[Key], str], n_layers: int) -> str:
    """A description template (see the module doc) in a document's symbols: ``symbol(key)``, for
    the first output of a network with ``n_layers`` layers."""
    return template.format(
        y=symbol(k.a(n_layers, 0)),
        t=symbol(k.t(0)),
        fprime=symbol(k.fprime(n_layers, 0)),
        L=symbol(k.LOSS),
        eta=symbol(k.ETA),
    )


def _formula(key: Key, deps: tuple[Key, ...], fn: Fn) -> Quantity:
    return Quantity(key, deps, fn)


def slips(model: Model, places: int) -> list[Slip]:
    """The mistakes to try on a number printed with ``places`` decimals, most specific first.

    Written on one pattern's equations and, in batch training, made on every pattern.
    """
    return [
        dataclasses.replace(slip, formulas=model.spread(slip.formulas))
        for slip in _catalogue(model.online, places)
    ]


def _catalogue(model: Model, places: int) -> list[Slip]:
    found = [
        *_delta_slips(model),
        *_half_slips(model),
        _sign_slip(model),
        *_updated_weight_slips(model),
        *_derivative_slips(model),
        _input_factor_slip(model),
        *_transposed_slips(model),
        *_layer_sign_slips(model),
    ]
    found += [
        Slip("rounded", "every intermediate rounded and carried forward", (), d, None, d)
        for d in range(min(places, 9), 0, -1)
    ]
    return [slip for slip in found if slip.formulas or slip.round_all is not None]


def _delta_slips(m: Model) -> list[Slip]:
    n_layers, n_out = len(m.example.layers), m.example.layers[-1].size
    ys, ts = m.outputs(), m.targets()
    deltas = [k.delta(n_layers, j) for j in range(n_out)]
    sign = Slip("error_sign", "sign of the error: {t} − {y} used instead of {y} − {t}", ())
    if m.example.loss == "cross_entropy":
        added = tuple(
            _formula(
                deltas[j], (ys[j], ts[j], k.fprime(n_layers, j)), lambda v: (v[0] - v[1]) * v[2]
            )
            for j in range(n_out)
        )
        flipped = tuple(
            _formula(deltas[j], (ys[j], ts[j]), lambda v: v[1] - v[0]) for j in range(n_out)
        )
        return [
            Slip(
                "derivative_added",
                "output delta with an extra {fprime}: the squared-error form ({y} − {t})·{fprime} "
                "used with cross-entropy, whose δ is {y} − {t}",
                added,
            ),
            Slip(sign.name, sign.description, flipped),
        ]
    dropped = tuple(
        _formula(deltas[j], (ys[j], ts[j]), lambda v: v[0] - v[1]) for j in range(n_out)
    )
    flipped = tuple(
        _formula(k.dL_da(n_layers, j), (ys[j], ts[j]), lambda v: v[1] - v[0]) for j in range(n_out)
    )
    return [
        Slip(
            "derivative_dropped",
            "output delta without the activation derivative: {y} − {t} (the cross-entropy "
            "form) used instead of ({y} − {t})·{fprime}",
            dropped,
        ),
        Slip(sign.name, sign.description, flipped),
    ]


def _half_slips(m: Model) -> list[Slip]:
    if m.example.loss != "squared_error":
        return []
    found = []
    n_layers = len(m.example.layers)
    for name, scale, words in (
        ("half_missing", 2.0, "missing ½ in the loss: {L} = ({y} − {t})²"),
        ("half_doubled", 0.5, "½ applied twice in the loss: {L} = ¼({y} − {t})²"),
    ):
        values = tuple(_scaled(m.quantities[key], scale) for key in (k.LOSS, k.LOSS.renew()))
        found.append(Slip(name, words, values))
        grads = tuple(
            _scaled(m.quantities[k.dL_da(n_layers, j)], scale)
            for j in range(m.example.layers[-1].size)
        )
        found.append(Slip(name, words + " and ∂{L}/∂{y} scaled to match", values + grads))
    return found


def _scaled(quantity: Quantity, scale: float) -> Quantity:
    fn = quantity.fn
    return _formula(quantity.key, quantity.deps, lambda v: scale * fn(v))


def _sign_slip(m: Model) -> Slip:
    """Every update with the other sign (a parameter held fixed has no update to flip)."""
    new = [q for q in m.quantities.values() if q.key.kind in ("W", "b") and q.key.new]
    added = m.example.conventions.step == "added"
    flipped: Fn = (lambda v: v[0] - v[1]) if added else (lambda v: v[0] + v[1])
    return Slip(
        "update_sign",
        "sign of the update: θ + {eta}·∂{L}/∂θ instead of θ − {eta}·∂{L}/∂θ",
        tuple(_formula(q.key, q.deps, flipped) for q in new if len(q.deps) == 2),
    )


def _updated_weight_slips(m: Model) -> list[Slip]:
    layers = m.example.layers
    replaced = tuple(
        backprop_sum(m, l, j, updated=True)
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


#: For f′ written with a = f(z): the derivative of another activation a student may put in.
_OTHER_DERIVATIVE: dict[str, tuple[str, Fn]] = {
    "sigmoid": ("tanh′ = 1 − a²", lambda v: 1.0 - v[0] * v[0]),
    "tanh": ("σ′ = a(1 − a)", lambda v: v[0] * (1.0 - v[0])),
}
#: f′ evaluated at the activation a instead of the pre-activation z.
_AT_ACTIVATION: dict[str, Fn] = {
    "sigmoid": lambda v: numerics.sigmoid(v[0]) * (1.0 - numerics.sigmoid(v[0])),
    "tanh": lambda v: 1.0 - numerics.tanh(v[0]) * numerics.tanh(v[0]),
}


def _derivative_slips(m: Model) -> list[Slip]:
    """Per layer: another activation's derivative, and f′ taken at a instead of at z."""
    found = []
    for l, layer in enumerate(m.example.layers, start=1):
        name = layer.activation
        if name not in _OTHER_DERIVATIVE:
            continue
        words, fn = _OTHER_DERIVATIVE[name]
        keys = [(k.fprime(l, j), k.a(l, j)) for j in range(layer.size)]
        found.append(
            Slip(
                "other_derivative",
                f"another activation's derivative in layer {l}: {words} used for a {name} layer",
                tuple(_formula(f, (a,), fn) for f, a in keys),
            )
        )
        found.append(
            Slip(
                "derivative_at_activation",
                f"{name}′ evaluated at the activation instead of the pre-activation in layer {l}: "
                f"{name}′(a) for {name}′(z)",
                tuple(_formula(f, (a,), _AT_ACTIVATION[name]) for f, a in keys),
            )
        )
    return found


def _input_factor_slip(m: Model) -> Slip:
    """∂L/∂w = δ, the input factor a (or x) left out."""
    grads = [q for q in m.quantities.values() if q.key.kind == "dL_dW"]
    return Slip(
        "input_factor_missing",
        "weight gradient without its input factor: ∂{L}/∂w = δ instead of δ·a",
        tuple(_formula(q.key, (q.deps[0],), lambda v: v[0]) for q in grads),
    )


def _transposed_slips(m: Model) -> list[Slip]:
    """∂L/∂a⁽ˡ⁾ⱼ = Σ_q W⁽ˡ⁺¹⁾_jq δ_q: the weight indices swapped (square weight matrices only)."""
    layers = m.example.layers
    found = []
    for l in range(1, len(layers)):
        size = layers[l].size
        if size != layers[l - 1].size or size < 2:
            continue
        replaced = []
        for j in range(size):
            deps = tuple(key for q in range(size) for key in (k.W(l + 1, j, q), k.delta(l + 1, q)))
            replaced.append(_formula(k.dL_da(l, j), deps, _pair_sum))
        found.append(
            Slip(
                "transposed_weights",
                f"transposed weight indices in the backprop sum of layer {l}: "
                f"Σ_q W⁽{l + 1}⁾_jq·δ_q instead of Σ_q W⁽{l + 1}⁾_qj·δ_q",
                tuple(replaced),
            )
        )
    return found


def _pair_sum(v: Sequence[float]) -> float:
    """v₀v₁ + v₂v₃ + … added left to right."""
    out = v[0] * v[1]
    for q in range(2, len(v), 2):
        out += v[q] * v[q + 1]
    return out


def _layer_sign_slips(m: Model) -> list[Slip]:
    """One layer's parameters updated with the wrong sign, the other layers' right."""
    added = m.example.conventions.step == "added"
    flipped: Fn = (lambda v: v[0] - v[1]) if added else (lambda v: v[0] + v[1])
    found = []
    for l in range(1, len(m.example.layers) + 1):
        new = [
            q
            for q in m.quantities.values()
            if q.key.kind in ("W", "b") and q.key.new and q.key.layer == l and len(q.deps) == 2
        ]
        found.append(
            Slip(
                "layer_update_sign",
                f"layer {l} updated with the wrong sign (θ + η·∂L/∂θ), the other layers right",
                tuple(_formula(q.key, q.deps, flipped) for q in new),
            )
        )
    return found if len(found) > 1 else []


def _rounded(fn: Fn, decimals: int) -> Fn:
    return lambda v: round(fn(v), decimals)


def rounded_site_slips(m: Model, key: Key, places: int) -> list[Slip]:
    """One intermediate ``key`` depends on, rounded to d ≤ ``places`` decimals before it is carried on."""
    found = []
    for site in m.ancestors(key):
        if m.is_given(site):
            continue
        quantity = m.quantities[site]
        for d in range(min(places, 9), 0, -1):
            rounded = _formula(site, quantity.deps, _rounded(quantity.fn, d))
            found.append(
                Slip(
                    "rounded",
                    "an intermediate rounded and carried forward",
                    (rounded,),
                    None,
                    site,
                    d,
                )
            )
    return found

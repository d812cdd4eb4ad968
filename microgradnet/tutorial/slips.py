"""The catalogue of hand-derivation slips: each a named set of replacement formulas for the model.

Applying a slip (evaluating the equation model with its quantities replaced) and comparing with a
printed number tells whether that mistake reproduces it. Descriptions are templates: ``{y}``,
``{t}``, ``{fprime}`` (of the output), ``{L}`` and ``{eta}`` stand for the document's own symbols.
"""

from __future__ import annotations

from dataclasses import dataclass

from microgradnet.tutorial import keys as k
from microgradnet.tutorial.equations import Fn, Model, Quantity, backprop_sum
from microgradnet.tutorial.keys import Key

__all__ = ["Slip", "rounded_site_slips", "slips"]


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


def _formula(key: Key, deps: tuple[Key, ...], fn: Fn) -> Quantity:
    return Quantity(key, deps, fn)


def slips(model: Model, places: int) -> list[Slip]:
    """The mistakes to try on a number printed with ``places`` decimals, most specific first."""
    found = [
        *_delta_slips(model),
        *_half_slips(model),
        _sign_slip(model),
        *_updated_weight_slips(model),
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

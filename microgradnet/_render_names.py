"""Display names for pictures: the document's symbols, else the default 1-based symbols.

A label such as ``W1[0,1]`` (what ``nn`` names a parameter: layer 1-based, indices 0-based) is
shown as the document's symbol when ``notation`` gives one, else as the symbol ``notation.Notation``
derives for it (``W⁽¹⁾₁₂``, ``a⁽¹⁾₁``, ``y``), so a picture never mixes 0-based indices with a
document's 1-based ones. Leaves whose label is a role word (:data:`ROLES`) are constants with a
known job, e.g. the target of a loss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from microgradnet.tutorial import keys as k
from microgradnet.tutorial.notation import Notation, Symbol

if TYPE_CHECKING:
    from microgradnet.nn import MLP

__all__ = ["ROLES", "Namer", "is_key", "namer"]

#: Labels that ``losses`` (and a caller) give to the constants they create: label -> shown text.
ROLES = {
    "target": "target",
    "½": "½",
    "1/N": "1/N (batch mean)",
    "lr": "learning rate η",
}

Namer = Callable[[str], str]


def namer(notation: Mapping[str, str] | None = None, mlp: MLP | None = None) -> Namer:
    """A function from a label to its display text (Unicode with ``_{…}`` groups; see runs())."""
    given = dict(notation or {})
    default = _default_notation(given, mlp)
    one_target = mlp is None or len(mlp.layers[-1].neurons) == 1

    def name(label: str) -> str:
        if label in given:
            return given[label]
        if label == "target" and one_target and (default is not None or "t[0]" in given):
            symbol = name("t[0]")  # single-output networks: the document's t
            return symbol if symbol.startswith("target") else f"target {symbol}"
        if label in ROLES:
            return ROLES[label]
        if default is None:
            return label
        try:
            return default(label).text
        except ValueError:  # not a quantity name: shown as it is
            return label

    return name


def _default_notation(given: Mapping[str, str], mlp: MLP | None) -> Notation | None:
    if mlp is None:
        return None
    symbols = {k.parse(key): Symbol(text, text) for key, text in given.items() if is_key(key)}
    sizes = [len(layer.neurons) for layer in mlp.layers]
    return Notation(symbols, sizes, mlp.activations)


def is_key(text: str) -> bool:
    """Whether ``text`` names a quantity (``z1[0]``, ``L``), not a role constant or other label."""
    try:
        k.parse(text)
    except ValueError:
        return False
    return True

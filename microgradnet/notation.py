"""Name every quantity of a worked example (``z1[0]``, ``delta2[0]``, …) and write it in a document's symbols.

Keys follow the engine's labels: layers are 1-based, neuron and input indices 0-based, and
row ``j`` of ``W⁽ˡ⁾`` holds the weights into neuron ``j`` (``W1[j,i]``). The full vocabulary:

==================  ====================================================================
``x[i]``, ``t[j]``   input i, target j                           (given)
``W2[j,i]``, ``b2[j]``  a weight and a bias                       (given; ``…_new`` after the update)
``eta``              the learning rate η                          (given)
``term2[j,i]``       one product of a pre-activation, ``W2[j,i]·a1[i]``
``z2[j]``, ``a2[j]`` pre-activation and activation (``a{L}`` is the output y)
``1-a2[j]``          the factor 1 − a of σ′(z) = a(1 − a)         (sigmoid layers)
``L``, ``error``     the loss, and Σⱼ|yⱼ − tⱼ|
``dL_da2[j]``        ∂L/∂a (for the output layer ∂L/∂y)
``fprime2[j]``       f′(z) of the layer's activation
``delta2[j]``        δ = ∂L/∂z
``dL_dW2[j,i]``, ``dL_db2[j]``  the gradients
``step_W2[j,i]``, ``step_b2[j]``  η·∂L/∂θ, the amount subtracted
``…_new``            the same quantity after the update: ``W2[j,i]_new``, ``z1[0]_new``, ``L_new``
``L_reduction``, ``L_reduction_pct``, ``error_reduction``, ``error_reduction_pct``
==================  ====================================================================

A document's own symbols come from an example's ``[notation]`` table; every key without one
gets the default symbol of example 004 (``W⁽¹⁾₁₂``, ``δ⁽²⁾``, ``y``) and derived keys are built
from their base symbol (``∂L/∂w_{x1→h1}`` from ``w_{x1→h1}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["SCALAR_KEYS", "Key", "Notation", "Symbol", "latex_from_text", "parse_key"]

#: Keys that name one number for the whole example.
SCALAR_KEYS = (
    "eta",
    "L",
    "L_new",
    "error",
    "error_new",
    "L_reduction",
    "L_reduction_pct",
    "error_reduction",
    "error_reduction_pct",
)

#: Indexed kinds: kind -> (has a layer number, number of indices, may carry ``_new``).
_KINDS: dict[str, tuple[bool, int, bool]] = {
    "x": (False, 1, False),
    "t": (False, 1, False),
    "W": (True, 2, True),
    "b": (True, 1, True),
    "term": (True, 2, True),
    "z": (True, 1, True),
    "a": (True, 1, True),
    "1-a": (True, 1, False),
    "dL_da": (True, 1, False),
    "fprime": (True, 1, False),
    "delta": (True, 1, False),
    "dL_dW": (True, 2, False),
    "dL_db": (True, 1, False),
    "step_W": (True, 2, False),
    "step_b": (True, 1, False),
}

_KEY_RE = re.compile(
    r"^(?P<kind>1-a|dL_da|dL_dW|dL_db|step_W|step_b|fprime|delta|term|[xtWbza])"
    r"(?P<layer>\d*)\[(?P<idx>\d+(?:,\d+)?)\](?P<new>_new)?$"
)


@dataclass(frozen=True, order=True)
class Key:
    """One quantity: ``kind`` (``"z"``, ``"delta"``, ``"L"``…), 1-based ``layer`` (0 if none), indices."""

    kind: str
    layer: int = 0
    j: int = -1
    i: int = -1
    new: bool = False

    def __str__(self) -> str:
        if self.kind in SCALAR_KEYS:
            return self.kind
        layer = str(self.layer) if self.layer else ""
        index = f"{self.j},{self.i}" if self.i >= 0 else f"{self.j}"
        return f"{self.kind}{layer}[{index}]{'_new' if self.new else ''}"

    def renew(self, new: bool = True) -> Key:
        """The same quantity before (``new=False``) or after (``new=True``) the update."""
        if self.kind in SCALAR_KEYS:
            base = self.kind.removesuffix("_new")
            return Key(base + "_new" if new else base)
        return Key(self.kind, self.layer, self.j, self.i, new)


def parse_key(text: str) -> Key:
    """The Key for ``text`` (``"W2[0,1]"``, ``"L_new"``…).

    Raises:
        ValueError: ``text`` is not in the vocabulary (the message shows the accepted forms).
    """
    if text in SCALAR_KEYS:
        return Key(text)
    match = _KEY_RE.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a quantity name; use forms like x[0], W1[0,1], z2[0], delta1[0], "
            f"dL_dW2[0,1], W1[0,1]_new or one of {', '.join(SCALAR_KEYS)}"
        )
    kind, layer_text, idx, new = match["kind"], match["layer"], match["idx"], bool(match["new"])
    has_layer, n_idx, may_be_new = _KINDS[kind]
    indices = [int(part) for part in idx.split(",")]
    if has_layer != bool(layer_text) or len(indices) != n_idx or (new and not may_be_new):
        raise ValueError(
            f"{text!r} is not a quantity name: {kind} takes "
            f"{'a layer number and ' if has_layer else ''}{n_idx} "
            f"ind{'ices' if n_idx > 1 else 'ex'}{'' if may_be_new else ' and no _new'}"
        )
    return Key(kind, int(layer_text or 0), indices[0], indices[1] if n_idx == 2 else -1, new)


@dataclass(frozen=True)
class Symbol:
    """A quantity written for a terminal (``text``, Unicode) and for LaTeX math mode (``latex``)."""

    text: str
    latex: str


# ---- Unicode text -> LaTeX, for symbols given only as text ------------------------------------

_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ", "0123456789+-=()aeoxhklmnpstij"))
_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀᵉʷ", "0123456789+-=()niTew"))
_WORDS = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "Δ": r"\Delta",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "θ": r"\theta",
    "Θ": r"\Theta",
    "λ": r"\lambda",
    "μ": r"\mu",
    "σ": r"\sigma",
    "τ": r"\tau",
    "φ": r"\varphi",
    "ω": r"\omega",
    "∂": r"\partial",
    "∇": r"\nabla",
    "→": r"\rightarrow",
    "·": r"\cdot",
    "×": r"\times",
    "⊙": r"\odot",
    "≈": r"\approx",
    "Σ": r"\sum",
    "ℓ": r"\ell",
}
_PLAIN = {"′": "'", "−": "-", "|": "|", "%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$"}


def latex_from_text(text: str) -> str:
    """LaTeX math for a Unicode symbol: ``δ⁽²⁾₁`` → ``\\delta^{(2)}_{1}``, ``w_{x1→h1}`` kept as TeX."""
    out: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        for table, mark in ((_SUB, "_"), (_SUP, "^")):
            if char in table:
                end = pos
                while end < len(text) and text[end] in table:
                    end += 1
                out.append(mark + "{" + "".join(table[c] for c in text[pos:end]) + "}")
                pos = end
                break
        else:
            out.append(_WORDS[char] + " " if char in _WORDS else _PLAIN.get(char, char))
            pos += 1
    # a space after a command is needed only before a letter: "\\rightarrow h1", "\\sigma'(z)"
    return re.sub(r"(\\[A-Za-z]+) (?![A-Za-z])", r"\1", "".join(out)).strip()


# ---- default symbols --------------------------------------------------------------------------

_SUP_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB_DIGITS = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")
_PRIME = {
    "sigmoid": ("σ′", r"\sigma'"),
    "tanh": ("tanh′", r"\tanh'"),
    "relu": ("relu′", r"\mathrm{relu}'"),
}


def _indexed(base: str, layer: int, indices: Sequence[int]) -> Symbol:
    """``base⁽ˡ⁾ⱼᵢ`` with 1-based subscripts (comma-separated once any index has two digits)."""
    numbers = [str(n + 1) for n in indices]
    joined = ("," if any(len(n) > 1 for n in numbers) else "").join(numbers)
    text = base + (f"⁽{str(layer).translate(_SUP_DIGITS)}⁾" if layer else "")
    latex = base + (f"^{{({layer})}}" if layer else "")
    if joined:
        text += joined.translate(_SUB_DIGITS)
        latex += f"_{{{joined}}}"
    return Symbol(text, latex)


class Notation:
    """The symbol of every quantity of one network, in a document's notation where it gives one.

    ``overrides`` maps key strings (``"W1[0,0]"``) to symbols; ``layer_sizes`` are the neurons per
    layer (not counting the inputs) and ``activations`` the activation name of each layer;
    ``input_first`` writes a product term as ``x₁·w`` instead of ``w·x₁``.
    """

    def __init__(
        self,
        overrides: Mapping[str, Symbol],
        layer_sizes: Sequence[int],
        activations: Sequence[str],
        *,
        input_first: bool = False,
    ) -> None:
        self.overrides = dict(overrides)
        self.layer_sizes = list(layer_sizes)
        self.activations = list(activations)
        self.input_first = input_first

    def __call__(self, key: Key | str) -> Symbol:
        """The symbol of ``key``: the document's own if given, else one derived from its base."""
        key = parse_key(key) if isinstance(key, str) else key
        given = self.overrides.get(str(key))
        if given is not None:
            return given
        if key.new:
            return _newer(self(key.renew(False)))
        if key.kind in SCALAR_KEYS:
            return self._scalar(key.kind)
        return self._derived(key)

    def _scalar(self, kind: str) -> Symbol:
        if kind == "eta":
            return Symbol("η", r"\eta")
        if kind == "L":
            return Symbol("L", "L")
        if kind.endswith("_new"):
            return _newer(self(kind.removesuffix("_new")))
        if kind == "error":
            y, t = self(Key("a", len(self.layer_sizes), 0)), self(Key("t", 0, 0))
            bars = (f"|{y.text} − {t.text}|", rf"\lvert {y.latex} - {t.latex} \rvert")
            if self.layer_sizes[-1] == 1:
                return Symbol(*bars)
            return Symbol("Σ|y − t|", r"\sum \lvert y - t \rvert")
        words = {
            "L_reduction": "loss reduction",
            "L_reduction_pct": "loss reduction (%)",
            "error_reduction": "error reduction",
            "error_reduction_pct": "error reduction (%)",
        }[kind]
        return Symbol(words, r"\text{" + words.replace("%", r"\%") + "}")

    def _single(self, layer: int) -> bool:
        return self.layer_sizes[layer - 1] == 1

    def _derived(self, key: Key) -> Symbol:
        kind, layer, j = key.kind, key.layer, key.j
        if kind == "x":
            return _indexed("x", 0, [j])
        if kind == "t":
            return _indexed("t", 0, [] if self.layer_sizes[-1] == 1 else [j])
        if kind in ("W", "b", "z", "delta"):
            base = {"W": "W", "b": "b", "z": "z", "delta": "δ"}[kind]
            indices = [j, key.i] if kind == "W" else ([] if self._single(layer) else [j])
            symbol = _indexed(base, layer, indices)
            return Symbol(symbol.text, symbol.latex.replace("δ", r"\delta"))
        if kind == "a":
            if layer == len(self.layer_sizes):
                return _indexed("y", 0, [] if self._single(layer) else [j])
            return _indexed("a", layer, [] if self._single(layer) else [j])
        return self._composite(key)

    def _composite(self, key: Key) -> Symbol:
        kind, layer, j = key.kind, key.layer, key.j
        if kind == "term":
            w = self(Key("W", layer, j, key.i))
            a = self(Key("x", 0, key.i) if layer == 1 else Key("a", layer - 1, key.i))
            first, second = (a, w) if self.input_first else (w, a)
            return Symbol(f"{first.text}·{second.text}", f"{first.latex} {second.latex}")
        if kind == "1-a":
            a = self(Key("a", layer, j))
            return Symbol(f"1 − {a.text}", f"1 - {a.latex}")
        if kind == "fprime":
            z = self(Key("z", layer, j))
            text, latex = _PRIME.get(self.activations[layer - 1], ("f′", "f'"))
            return Symbol(f"{text}({z.text})", rf"{latex}({z.latex})")
        if kind in ("dL_da", "dL_dW", "dL_db"):
            of = self(Key(kind[-1], layer, j, key.i))
            loss = self("L")
            return Symbol(
                f"∂{loss.text}/∂{of.text}",
                rf"\frac{{\partial {loss.latex}}}{{\partial {of.latex}}}",
            )
        of = self(Key(kind[-1], layer, j, key.i))  # step_W, step_b
        return Symbol(f"Δ{of.text}", rf"\Delta {of.latex}")


def _newer(symbol: Symbol) -> Symbol:
    """The symbol of a quantity after the update: ``wⁿᵉʷ``."""
    return Symbol(symbol.text + "ⁿᵉʷ", "{" + symbol.latex + r"}^{\text{new}}")

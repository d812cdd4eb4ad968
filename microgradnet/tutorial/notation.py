"""Write every quantity of a worked example in a document's symbols (text and LaTeX).

A document's own symbols come from an example's ``[notation]`` table; every key without one
gets the default symbol of example 004 (``W⁽¹⁾₁₂``, ``δ⁽²⁾``, ``y``) and derived keys are built
from their base symbol (``∂L/∂w_{x1→h1}`` from ``w_{x1→h1}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from microgradnet.tutorial import keys as k
from microgradnet.tutorial.keys import Key

__all__ = ["Notation", "Symbol", "latex_from_text"]


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
    "⟨": r"\langle",
    "⟩": r"\rangle",
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

    ``overrides`` maps keys to symbols; ``layer_sizes`` are the neurons per layer (not counting
    the inputs) and ``activations`` the activation name of each layer; ``input_first`` writes a
    product term as ``x₁·w`` instead of ``w·x₁``; ``negative``: the document's signals are
    −∂L/∂· (δ = −∂E/∂net), so their default symbols carry the minus; ``from_to``: a weight's
    default subscripts read from-to (wᵢⱼ: from input i to neuron j) instead of to-from (wⱼᵢ).
    """

    def __init__(
        self,
        overrides: Mapping[Key, Symbol],
        layer_sizes: Sequence[int],
        activations: Sequence[str],
        *,
        input_first: bool = False,
        negative: bool = False,
        from_to: bool = False,
    ) -> None:
        self.overrides = dict(overrides)
        self.layer_sizes = list(layer_sizes)
        self.activations = list(activations)
        self.input_first = input_first
        self.negative = negative
        self.from_to = from_to

    def __call__(self, key: Key | str) -> Symbol:
        """The symbol of ``key`` (a Key, or its name ``"W1[0,0]"``): the document's own if given,
        else one derived from its base.

        Raises:
            ValueError: ``key`` is a name that is not a quantity name.
        """
        key = k.parse(key) if isinstance(key, str) else key
        given = self.overrides.get(key)
        if given is not None:
            return given
        if key.p >= 0:  # pattern p's quantity in batch training: z⁽¹⁾₁⟨2⟩, ∂L⟨2⟩/∂W⁽¹⁾₁₁
            if key.kind.startswith("dL_d"):
                return self._gradient(key, self(k.at_pattern(k.LOSS, key.p)))
            symbol = self(k.at_pattern(key, -1))
            return Symbol(
                f"{symbol.text}⟨{key.p + 1}⟩",
                f"{{{symbol.latex}}}^{{\\langle {key.p + 1}\\rangle}}",
            )
        if key.new:
            return _newer(self(key.renew(False)))
        if key.is_scalar:
            return self._scalar(key.kind)
        return self._derived(key)

    def names(self, keys: Sequence[Key]) -> dict[str, str]:
        """``{"W1[0,0]": "w_{x1→h1}", …}``: text symbols by the engine's labels, for pictures."""
        return {str(key): self(key).text for key in keys}

    def _scalar(self, kind: str) -> Symbol:
        if kind == "eta":
            return Symbol("η", r"\eta")
        if kind == "L":
            return Symbol("L", "L")
        if kind == "error":
            y, t = self(k.a(len(self.layer_sizes), 0)), self(k.t(0))
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
        if kind in ("t", "e", "L"):  # target, signed error, loss term of output j
            return _indexed(kind, 0, [] if self.layer_sizes[-1] == 1 else [j])
        if kind in ("W", "b", "z", "delta"):
            base = {"W": "W", "b": "b", "z": "z", "delta": "δ"}[kind]
            indices = [] if self._single(layer) else [j]
            if kind == "W":
                indices = [key.i, j] if self.from_to else [j, key.i]
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
            w = self(k.W(layer, j, key.i))
            a = self(k.layer_input(layer, key.i))
            first, second = (a, w) if self.input_first else (w, a)
            return Symbol(f"{first.text}·{second.text}", f"{first.latex} {second.latex}")
        if kind == "backterm":  # W⁽ˡ⁺¹⁾_qj·δ⁽ˡ⁺¹⁾_q
            w, d = self(k.W(layer + 1, key.i, j)), self(k.delta(layer + 1, key.i))
            return Symbol(f"{w.text}·{d.text}", f"{w.latex} {d.latex}")
        if kind == "1-a":
            a = self(k.a(layer, j))
            return Symbol(f"1 − {a.text}", f"1 - {a.latex}")
        if kind == "fprime":
            z = self(k.z(layer, j))
            text, latex = _PRIME.get(self.activations[layer - 1], ("f′", "f'"))
            return Symbol(f"{text}({z.text})", rf"{latex}({z.latex})")
        if kind.startswith("dL_d"):
            return self._gradient(key, self(k.LOSS))
        of = self(Key(kind[-1], layer, j, key.i))  # the W or b of step_W, step_b
        return Symbol(f"Δ{of.text}", rf"\Delta {of.latex}")

    def _gradient(self, key: Key, loss: Symbol) -> Symbol:
        """∂L/∂θ (−∂L/∂θ for δ = −∂E/∂net) for dL_da, dL_dW, dL_db, of the loss ``loss``."""
        of = self(Key(key.kind[-1], key.layer, key.j, key.i))  # the a, W or b
        minus = ("−", "-") if self.negative else ("", "")
        return Symbol(
            f"{minus[0]}∂{loss.text}/∂{of.text}",
            rf"{minus[1]}\frac{{\partial {loss.latex}}}{{\partial {of.latex}}}",
        )


def _newer(symbol: Symbol) -> Symbol:
    """The symbol of a quantity after the update: ``wⁿᵉʷ``."""
    return Symbol(symbol.text + "ⁿᵉʷ", "{" + symbol.latex + r"}^{\text{new}}")

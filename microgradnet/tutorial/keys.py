"""The one vocabulary of a worked example's quantities: typed keys, their builders and their names.

Every quantity is a :class:`Key`; code builds keys with the functions here (``z(2, 0)``,
``dL_dW(1, 0, 1)``, ``W(1, 0, 0).renew()``), never with f-strings. The name a file writes
(``"z2[0]"``, ``"W1[0,1]_new"``) is ``str(key)``, and :func:`parse` reads it back.

Layers are 1-based, neuron and input indices 0-based, and row ``j`` of ``W⁽ˡ⁾`` holds the
weights into neuron ``j`` (``W1[j,i]``):

==================  ====================================================================
``x[i]``, ``t[j]``   input i, target j                           (given)
``W2[j,i]``, ``b2[j]``  a weight and a bias                       (given; ``…_new`` after the update)
``eta``              the learning rate η                          (given)
``term2[j,i]``       one product of a pre-activation, ``W2[j,i]·a1[i]``
``z2[j]``, ``a2[j]`` pre-activation and activation (``a{L}`` is the output y)
``1-a2[j]``          the factor 1 − a of σ′(z) = a(1 − a)         (sigmoid layers)
``L``, ``error``     the loss, and the error the document prints (Σⱼ|yⱼ − tⱼ| by default)
``L[j]``, ``e[j]``   output j's term of the loss, and its signed error (y − t or t − y)
``dL_da2[j]``        ∂L/∂a (for the output layer ∂L/∂y)
``backterm1[j,k]``   term k of ∂L/∂a⁽¹⁾ⱼ, W⁽²⁾ₖⱼ·δ⁽²⁾ₖ
``fprime2[j]``       f′(z) of the layer's activation
``delta2[j]``        δ = ∂L/∂z
``dL_dW2[j,i]``, ``dL_db2[j]``  the gradients
``step_W2[j,i]``, ``step_b2[j]``  Δθ as the document prints it (η·∂L/∂θ, subtracted, by default)
``…_new``            the same quantity after the update: ``W2[j,i]_new``, ``z1[0]_new``, ``L_new``
``L_reduction``, ``L_reduction_pct``, ``error_reduction``, ``error_reduction_pct``
``…@p``              in batch training, pattern p's quantity (1-based): ``z1[0]@2``, ``L@1``,
                     ``dL_dW2[0,1]@2``; without it ``L``, ``error`` and the gradients are the batch's
==================  ====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ERROR",
    "ETA",
    "GIVEN_KINDS",
    "LOSS",
    "SCALAR_KEYS",
    "Key",
    "W",
    "PER_PATTERN",
    "a",
    "at_pattern",
    "b",
    "backterm",
    "dL_da",
    "dL_db",
    "dL_dW",
    "delta",
    "fprime",
    "gradient",
    "layer_input",
    "loss_term",
    "one_minus_a",
    "parse",
    "reduction",
    "signed_error",
    "step",
    "t",
    "term",
    "x",
    "z",
]

#: Kinds the example gives rather than computes (before the update).
GIVEN_KINDS = ("x", "t", "W", "b", "eta")

#: Kinds that name one number for the whole example, with whether they carry ``_new``.
_SCALARS: dict[str, bool] = {
    "eta": False,
    "L": True,
    "error": True,
    "L_reduction": False,
    "L_reduction_pct": False,
    "error_reduction": False,
    "error_reduction_pct": False,
}

#: The names of the scalar keys as a file writes them.
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
#: Longest names first, so that reading a name tries ``dL_dW`` before ``dL_da``'s prefix ``d``.
_KINDS: dict[str, tuple[bool, int, bool]] = {
    "backterm": (True, 2, False),
    "fprime": (True, 1, False),
    "step_W": (True, 2, False),
    "step_b": (True, 1, False),
    "dL_da": (True, 1, False),
    "dL_dW": (True, 2, False),
    "dL_db": (True, 1, False),
    "delta": (True, 1, False),
    "term": (True, 2, True),
    "1-a": (True, 1, False),
    "x": (False, 1, False),
    "t": (False, 1, False),
    "W": (True, 2, True),
    "b": (True, 1, True),
    "z": (True, 1, True),
    "a": (True, 1, True),
    "L": (False, 1, True),
    "e": (False, 1, True),
}


#: Kinds computed once per pattern: in batch training each carries its pattern (``z1[0]@2``).
PER_PATTERN = (
    "x", "t", "term", "z", "a", "1-a", "L", "e", "error", "backterm", "dL_da", "fprime", "delta",
    "dL_dW", "dL_db",
)  # fmt: skip


@dataclass(frozen=True, order=True)
class Key:
    """One quantity: ``kind`` (``"z"``, ``"delta"``, ``"L"``…), 1-based ``layer`` (0 if none), indices.

    Build keys with this module's functions; ``str(key)`` is the name a file writes.
    """

    kind: str
    layer: int = 0
    j: int = -1
    i: int = -1
    new: bool = False
    p: int = -1  # the pattern (0-based) in batch training; -1: none (online, or the batch's own)

    def __str__(self) -> str:
        suffix = ("_new" if self.new else "") + (f"@{self.p + 1}" if self.p >= 0 else "")
        if self.is_scalar:
            return self.kind + suffix
        layer = str(self.layer) if self.layer else ""
        index = f"{self.j},{self.i}" if self.i >= 0 else f"{self.j}"
        return f"{self.kind}{layer}[{index}]{suffix}"

    def renew(self, new: bool = True) -> Key:
        """The same quantity before (``new=False``) or after (``new=True``) the update."""
        return Key(self.kind, self.layer, self.j, self.i, new, self.p)

    @property
    def given(self) -> bool:
        """A number the example gives (input, target, weight, bias before the update, η)."""
        return self.kind in GIVEN_KINDS and not self.new

    @property
    def is_scalar(self) -> bool:
        return self.kind in _SCALARS and self.j < 0


# ---- builders ---------------------------------------------------------------------------------

ETA = Key("eta")
LOSS = Key("L")
ERROR = Key("error")


def x(i: int) -> Key:
    return Key("x", 0, i)


def t(j: int) -> Key:
    return Key("t", 0, j)


def W(l: int, j: int, i: int, new: bool = False) -> Key:
    return Key("W", l, j, i, new)


def b(l: int, j: int, new: bool = False) -> Key:
    return Key("b", l, j, -1, new)


def term(l: int, j: int, i: int, new: bool = False) -> Key:
    return Key("term", l, j, i, new)


def z(l: int, j: int, new: bool = False) -> Key:
    return Key("z", l, j, -1, new)


def a(l: int, j: int, new: bool = False) -> Key:
    return Key("a", l, j, -1, new)


def one_minus_a(l: int, j: int) -> Key:
    return Key("1-a", l, j)


def loss_term(j: int, new: bool = False) -> Key:
    """Output j's term of the loss (the document's E_o1, E_o2)."""
    return Key("L", 0, j, -1, new)


def signed_error(j: int, new: bool = False) -> Key:
    """Output j's signed error, y − t or t − y as the document writes it."""
    return Key("e", 0, j, -1, new)


def backterm(l: int, j: int, q: int) -> Key:
    """Term q of ∂L/∂a⁽ˡ⁾ⱼ: W⁽ˡ⁺¹⁾_qj·δ⁽ˡ⁺¹⁾_q."""
    return Key("backterm", l, j, q)


def dL_da(l: int, j: int) -> Key:
    return Key("dL_da", l, j)


def fprime(l: int, j: int) -> Key:
    return Key("fprime", l, j)


def delta(l: int, j: int) -> Key:
    return Key("delta", l, j)


def dL_dW(l: int, j: int, i: int) -> Key:
    return Key("dL_dW", l, j, i)


def dL_db(l: int, j: int) -> Key:
    return Key("dL_db", l, j)


def at_pattern(key: Key, p: int) -> Key:
    """``key`` for pattern ``p`` (0-based; -1: none) if its kind is computed per pattern, else ``key``."""
    if key.kind not in PER_PATTERN:
        return key
    return Key(key.kind, key.layer, key.j, key.i, key.new, p)


def layer_input(l: int, i: int, new: bool = False) -> Key:
    """Input i of layer l: x[i] for the first layer, else a{l-1}[i]."""
    return x(i) if l == 1 else a(l - 1, i, new)


def gradient(param: Key) -> Key:
    """∂L/∂θ for a weight or bias θ."""
    return Key("dL_d" + param.kind, param.layer, param.j, param.i)


def step(param: Key) -> Key:
    """η·∂L/∂θ, the amount a weight or bias moves."""
    return Key("step_" + param.kind, param.layer, param.j, param.i)


def reduction(of: Key, percent: bool = False) -> Key:
    """``L_reduction`` (of = LOSS) or ``error_reduction``, as an amount or a percentage."""
    return Key(f"{of.kind}_reduction{'_pct' if percent else ''}")


# ---- reading a name ---------------------------------------------------------------------------


def parse(text: str) -> Key:
    """The Key named ``text`` (``"W2[0,1]"``, ``"L_new"``…).

    Raises:
        ValueError: ``text`` is not in the vocabulary (the message shows the accepted forms).
    """
    base, at, number = text.rpartition("@") if "@" in text else (text, "", "")
    if at and not (number.isascii() and number.isdigit() and int(number) >= 1):
        raise ValueError(f"{text!r} is not a quantity name: after @ comes a pattern number from 1")
    key = _parse(base, text)
    if at and key.kind not in PER_PATTERN:
        raise ValueError(f"{text!r} is not a quantity name: {key.kind} is not computed per pattern")
    return at_pattern(key, int(number) - 1) if at else key


def _parse(text: str, whole: str) -> Key:
    """The Key named ``text`` (no pattern), error messages naming ``whole``."""
    base, new = (text[:-4], True) if text.endswith("_new") else (text, False)
    if base in _SCALARS and (_SCALARS[base] or not new):
        return Key(base, new=new)
    kind = next((k for k in _KINDS if base.startswith(k)), None)
    if kind is None or not base.endswith("]") or "[" not in base:
        raise ValueError(_unknown(whole))
    layer_text, _, index_text = base[len(kind) : -1].partition("[")
    parts = index_text.split(",")
    has_layer, n_idx, may_be_new = _KINDS[kind]
    numbers = [layer_text, *parts] if layer_text else parts
    if not all(p.isascii() and p.isdigit() for p in numbers):
        raise ValueError(_unknown(whole))
    if has_layer != bool(layer_text) or len(parts) != n_idx or (new and not may_be_new):
        raise ValueError(
            f"{whole!r} is not a quantity name: {kind} takes "
            f"{'a layer number and ' if has_layer else ''}{n_idx} "
            f"ind{'ices' if n_idx > 1 else 'ex'}{'' if may_be_new else ' and no _new'}"
        )
    indices = [int(p) for p in parts]
    return Key(kind, int(layer_text or 0), indices[0], indices[1] if n_idx == 2 else -1, new)


def _unknown(text: str) -> str:
    return (
        f"{text!r} is not a quantity name; use forms like x[0], W1[0,1], z2[0], delta1[0], "
        f"dL_dW2[0,1], W1[0,1]_new or one of {', '.join(SCALAR_KEYS)}"
    )

"""What an exercise asks for: the options a teacher gives, validated, and the questions they mean.

An :class:`Spec` is the whole recipe: with the same spec (seed included) :mod:`.draw` gives the same
numbers on any machine. Question groups name sets of quantities (keys from
:mod:`microgradnet.tutorial.keys`), asked in derivation order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from microgradnet.checks import shown
from microgradnet.errors import FileError
from microgradnet.files import read_text
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.equations import Model
from microgradnet.tutorial.format import ACTIVATION_NAMES, LOSS_NAMES
from microgradnet.tutorial.keys import Key

__all__ = [
    "CONVENTIONS",
    "QUESTION_GROUPS",
    "ExerciseError",
    "Spec",
    "from_record",
    "questions",
    "read_file",
    "refusal",
    "spec",
]

#: Question groups, in the order a worked solution reaches them.
QUESTION_GROUPS = ("forward", "loss", "deltas", "gradients", "update", "next-forward")

#: Named conventions -> the ``[conventions]`` table of the example they give.
CONVENTIONS: dict[str, dict[str, str]] = {
    "gradient": {},  # δ = ∂L/∂z, w ← w − η·∂L/∂w, losses written with (y − t)
    "textbook": {  # δ = −∂E/∂net = (t − o)·f′, Δw = η·δ·x added: w ← w + Δw
        "error_signal": "negative_gradient",
        "step": "added",
        "difference": "t_minus_y",
    },
}

MAX_WIDTH = 4  # neurons per layer (and inputs): more is not hand work
MAX_LAYERS = 3
MIN_PLACES = 2
MAX_PLACES = 8
MAX_SEED = 2**63  # --seed's range is 0 to MAX_SEED


class ExerciseError(ValueError):
    """Options, a key or an answers file that cannot be used; ``str()`` is one line saying which."""


def read_file(path: Path) -> str:
    """A key's or an answers file's text; a file that cannot be read is an :class:`ExerciseError`."""
    try:
        return read_text(path)
    except FileError as error:
        raise ExerciseError(str(error)) from None


@dataclass(frozen=True)
class Spec:
    """Everything that decides an exercise: ``seed``, ``arch`` (``"2-2-1"``), one activation per
    layer, ``loss``, ``bias``, ``convention`` (a name in CONVENTIONS), ``places`` and ``groups``."""

    seed: int
    arch: tuple[int, ...] = (2, 2, 1)
    activations: tuple[str, ...] = ("sigmoid", "sigmoid")
    loss: str = "squared_error"
    bias: bool = True
    convention: str = "gradient"
    places: int = 4
    groups: tuple[str, ...] = QUESTION_GROUPS

    def record(self) -> dict[str, Any]:
        """The spec as JSON-ready data (what a key stores)."""
        data = asdict(self)
        data["arch"] = self.architecture
        return data

    @property
    def architecture(self) -> str:
        return "-".join(str(n) for n in self.arch)

    @property
    def ident(self) -> str:
        """A short name of the exercise that answers files repeat: seed and a digest of the options
        (so answers to seed 7 of another architecture are told apart)."""
        text = json.dumps(self.record(), sort_keys=True, separators=(",", ":"))
        return f"{self.seed}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def spec(
    seed: int,
    *,
    arch: str = "2-2-1",
    activation: str = "sigmoid",
    loss: str = "squared_error",
    bias: bool = True,
    convention: str = "gradient",
    places: int = 4,
    questions: str = ",".join(QUESTION_GROUPS),
) -> Spec:
    """A validated :class:`Spec` from command-line style text options.

    ``activation`` is one name for every layer or one per layer (``"tanh,sigmoid"``).

    Raises:
        ExerciseError: an unknown architecture, activation, loss, convention or question group.
    """
    sizes = _arch(arch)
    acts = _activations(activation, len(sizes) - 1)
    if loss not in LOSS_NAMES:
        raise ExerciseError(f"unknown loss {loss!r}; use one of {', '.join(LOSS_NAMES)}")
    if loss == "cross_entropy" and acts[-1] != "sigmoid":
        raise ExerciseError("cross_entropy needs a sigmoid output layer (--activation …,sigmoid)")
    if convention not in CONVENTIONS:
        raise ExerciseError(
            f"unknown convention {convention!r}; use one of {', '.join(CONVENTIONS)}"
        )
    if not MIN_PLACES <= places <= MAX_PLACES:
        raise ExerciseError(
            f"--places: expected {MIN_PLACES} to {MAX_PLACES} (with fewer decimals the hidden "
            f"layer's gradients round to 0), got {places}"
        )
    return Spec(seed, sizes, acts, loss, bias, convention, places, _groups(questions))


def from_record(data: Any) -> Spec:
    """The Spec a key stored (see :meth:`Spec.record`).

    Raises:
        ExerciseError: the record is not a spec (a field missing or of the wrong type).
    """
    if not isinstance(data, Mapping):
        raise ExerciseError(f"options: expected a table of options, got {type(data).__name__}")
    for name, kind in _RECORD.items():
        value = data.get(name)
        if name not in data or not _is(value, kind):
            raise ExerciseError(f"options.{name}: expected {kind}, got {shown(value)}")
    if not 0 <= data["seed"] <= MAX_SEED:
        raise ExerciseError(f"options.seed: expected 0 to {MAX_SEED}, got {shown(data['seed'])}")
    return spec(
        data["seed"],
        arch=data["arch"],
        activation=",".join(data["activations"]),
        loss=data["loss"],
        bias=data["bias"],
        convention=data["convention"],
        places=data["places"],
        questions=",".join(data["groups"]),
    )


#: Each field of a stored spec and the JSON type it must have.
_RECORD = {
    "seed": "a whole number",
    "arch": "text",
    "activations": "a list of names",
    "loss": "text",
    "bias": "true or false",
    "convention": "text",
    "places": "a whole number",
    "groups": "a list of names",
}


def _is(value: Any, kind: str) -> bool:
    if kind == "a whole number":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "true or false":
        return isinstance(value, bool)
    if kind == "text":
        return isinstance(value, str)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def refusal(error: Exception) -> str:
    """A parser's refusal (JSON, TOML) in our words where Python's own would puzzle."""
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if "integer string conversion" in str(error):
        return "a whole number of more than 4,300 digits"
    return str(error)


def _arch(text: str) -> tuple[int, ...]:
    parts = text.split("-")
    if len(parts) < 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ExerciseError(
            f"unknown architecture {text!r}: write the layer sizes with dashes, inputs first (2-2-1)"
        )
    sizes = tuple(int(p) for p in parts)
    if len(sizes) - 1 > MAX_LAYERS or not all(1 <= n <= MAX_WIDTH for n in sizes):
        raise ExerciseError(
            f"architecture {text!r} is not hand work: at most {MAX_LAYERS} layers of 1 to "
            f"{MAX_WIDTH} units"
        )
    return sizes


def _activations(text: str, n_layers: int) -> tuple[str, ...]:
    names = tuple(text.split(","))
    for name in names:
        if name not in ACTIVATION_NAMES:
            raise ExerciseError(
                f"unknown activation {name!r}; use one of {', '.join(ACTIVATION_NAMES)}"
            )
    if len(names) == 1:
        return names * n_layers
    if len(names) != n_layers:
        raise ExerciseError(
            f"--activation names {len(names)} layers but the architecture has {n_layers}"
        )
    return names


def _groups(text: str) -> tuple[str, ...]:
    asked = [g.strip() for g in text.split(",") if g.strip()]
    unknown = [g for g in asked if g not in QUESTION_GROUPS]
    if unknown or not asked:
        raise ExerciseError(
            f"unknown question group {(unknown or [text])[0]!r}; use some of "
            f"{','.join(QUESTION_GROUPS)}"
        )
    return tuple(g for g in QUESTION_GROUPS if g in asked)


# ---- the quantities each group asks -------------------------------------------------------------


def _in_group(key: Key, group: str) -> bool:
    if group == "forward":
        return key.kind in ("z", "a") and not key.new
    if group == "loss":
        return key == k.LOSS
    if group == "deltas":
        return key.kind == "delta"
    if group == "gradients":
        return key.kind in ("dL_dW", "dL_db")
    if group == "update":
        return key.kind in ("W", "b") and key.new
    return (key.kind in ("z", "a") and key.new) or key == k.LOSS.renew()


def questions(model: Model, groups: Sequence[str]) -> list[Key]:
    """The quantities ``groups`` ask about, in derivation order (a fixed parameter is not asked)."""
    fixed = model.example.conventions.fixed
    return [
        key
        for key in model.order
        if any(_in_group(key, g) for g in groups) and key.renew(False) not in fixed
    ]

"""Read a worked example from TOML and validate it, naming the key path of anything wrong.

The loader needs no network code: it imports neither the engine nor ``nn``.

A worked example is a small human-editable file (see ``microgradnet/examples/*.toml``)::

    name = "glickert"                        # what `microgradnet walkthrough NAME` calls it
    description = "2-2-1 sigmoid network …"  # one line, for `walkthrough --list`
    title = "…"                              # the document's title (optional)
    source = "…"                             # author, date, where it is from (optional)

    inputs = [0.35, 0.7]                     # one sample
    targets = [0.5]                          # one per output neuron (a bare number for one)
    loss = "squared_error"                   # ½Σ(y − t)²; or "cross_entropy" (sigmoid output)
    learning_rate = 1.0
    steps = 1                                # training steps the walkthrough runs (default 1)
    places = 6                               # decimals the walkthrough prints (default 6)
    products = "input_first"                 # x₁·w₁ as the document writes it (default weight_first)

    [[layers]]                               # one table per layer, input side first
    activation = "sigmoid"                   # sigmoid, tanh, relu or linear
    weights = [[0.2, 0.2], [0.3, 0.3]]       # row j = the weights into neuron j
    biases = [0.0, 0.0]                      # optional: omit for a layer without biases

    [notation]                               # optional: the document's symbols
    "W1[0,0]" = "w_{x1→h1}"                  # text (LaTeX derived), or {text = …, latex = …}

    [published]                              # optional: the numbers the document printed
    "z1[0]" = "0.21"                         # a string keeps the printed decimals
    "a2[0]" = ["0.5285101", "0.5285"]        # printed more than once
    "delta1[0]" = { value = "0.012245", where = "§Hidden Layer Deltas",
                    uses = { "delta2[0]" = "0.165074" } }  # numbers shown in its substitution

    [[stated_loss]]                          # optional: how the prose names the loss
    name = "cross_entropy"                   # squared_error, mse or cross_entropy
    where = "Introduction"

    document = "notes.md"                    # optional: read the claims from this document's
                                             # text (relative to this file), not [published]

Omit every layer's ``weights`` (and give each layer a ``size``) to draw them from ``seed``.
Keys of ``[notation]`` and ``[published]`` are quantity names from :mod:`microgradnet.tutorial.keys`.

Limits, checked before any work: at most ``MAX_LAYERS`` layers of ``MAX_WIDTH`` neurons (and
inputs), ``MAX_PARAMETERS`` weights and biases, ``MAX_PUBLISHED`` printed values, printed numbers of
``MAX_DIGITS`` characters, and files of ``microgradnet.files.MAX_INPUT_BYTES`` bytes.
"""

from __future__ import annotations

import difflib
import math
import os
import random
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from microgradnet import deltas
from microgradnet.errors import FileError
from microgradnet.files import MAX_INPUT_BYTES, read_text
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.formatting import escaped, number
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.notation import Notation, Symbol, latex_from_text

__all__ = [
    "within",
    "ACTIVATION_NAMES",
    "LOSS_NAMES",
    "PRODUCT_ORDERS",
    "STATED_LOSS_NAMES",
    "Example",
    "ExampleError",
    "MAX_DIGITS",
    "MAX_LAYERS",
    "MAX_PARAMETERS",
    "MAX_PUBLISHED",
    "MAX_WIDTH",
    "Layer",
    "Printing",
    "StatedLoss",
    "load",
    "parse",
    "shipped",
]

LOSS_NAMES = deltas.TEXTBOOK_LOSS_NAMES
ACTIVATION_NAMES = deltas.ACTIVATION_NAMES
#: Names the prose of a document may give its loss (``mse``: the mean of (y − t)², no ½).
STATED_LOSS_NAMES = ("squared_error", "mse", "cross_entropy")

_TOP_KEYS = (
    "name",
    "title",
    "description",
    "source",
    "inputs",
    "targets",
    "loss",
    "learning_rate",
    "steps",
    "places",
    "products",
    "seed",
    "patterns",
    "conventions",
    "at",
    "layers",
    "notation",
    "published",
    "stated_loss",
    "document",
)
_LAYER_KEYS = ("size", "activation", "weights", "biases", "bias")
_CONVENTION_KEYS = (
    "error_signal", "step", "difference", "error", "bias", "fixed", "weight_index", "updates",
)  # fmt: skip
#: [conventions] key -> its valid values, the default first.
CONVENTIONS: dict[str, tuple[str, ...]] = {
    "error_signal": ("gradient", "negative_gradient"),
    "step": ("subtracted", "added"),
    "difference": ("y_minus_t", "t_minus_y"),
    "error": ("abs", "t_minus_y", "y_minus_t", "loss"),
    "bias": ("per_neuron", "shared", "input_unit"),
    "weight_index": ("to_from", "from_to"),
    "updates": ("online", "batch_sum", "batch_mean"),
}
_PRINTING_KEYS = ("value", "places", "where", "uses")
_AT_KEYS = ("step", "pattern", "where", "published")
#: How a product term is written: W·x (example 004) or x·W (example 000).
PRODUCT_ORDERS = ("weight_first", "input_first")
_NUMBER = re.compile(r"^[+\-−]?\d+(\.\d+)?([eE][+\-−]?\d{1,3})?$")
_GIVEN_KINDS = ("x", "t", "W", "b")
MAX_STEPS = 100_000
"""The most training steps an example (or ``--steps``) may ask for."""
MAX_PLACES = 15
"""The most decimals a number is printed with (float64 carries about 15–17 digits)."""
_FLOAT_MAX = int(sys.float_info.max)
#: Size limits, checked before any work starts (see the module docstring).
MAX_LAYERS = 20
MAX_WIDTH = 100
MAX_PARAMETERS = 10_000
MAX_PUBLISHED = 5_000
MAX_DIGITS = 40


class ExampleError(ValueError):
    """A worked-example file that cannot be used; ``str()`` is one line naming file, place and fault.

    Attributes: ``file`` (path or example name), ``key`` (key path such as ``layers[1].weights``,
    or None), ``line`` and ``column`` (1-based, for TOML syntax errors, else None), ``reason``.
    """

    def __init__(
        self,
        file: str,
        reason: str,
        *,
        key: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.file, self.reason, self.key, self.line, self.column = file, reason, key, line, column
        place = f"{file}:{line}:{column}" if line is not None else file
        message = f"{place}: {key}: {reason}" if key else f"{place}: {reason}"
        super().__init__(escaped(message))


@dataclass(frozen=True)
class Layer:
    """One layer: ``size`` neurons, their ``activation``, ``weights`` (row j = into neuron j), ``biases``.

    ``shared``: one bias for the whole layer (``biases`` then repeats it once per neuron).
    """

    size: int
    activation: str
    weights: tuple[tuple[float, ...], ...]
    biases: tuple[float, ...] | None
    shared: bool = False


@dataclass(frozen=True)
class Conventions:
    """How the document writes its equations (``[conventions]``; every field has a default).

    ``error_signal``: ``gradient`` (δ = ∂E/∂net, w ← w − η·δ·x) or ``negative_gradient``
    (δ = −∂E/∂net = (t − y)·f′, w ← w + η·δ·x). ``step``: Δw printed as the amount
    ``subtracted`` (w − Δw) or ``added`` (w + Δw). ``difference``: the loss written with
    (y − t) or (t − y). ``error``: the printed "error": Σ|y − t| (``abs``), Σ(t − y), Σ(y − t) or
    the loss itself. ``bias``: per neuron, ``shared`` by a layer, or an ``input_unit`` (written
    w₀ⱼ·1). ``fixed``: the weights and biases held fixed (not updated). ``weight_index``: how the
    document subscripts a weight: ``to_from`` (wⱼᵢ feeds neuron j from input i, example 004's
    W⁽¹⁾₁₂) or ``from_to`` (wᵢⱼ goes from i to j); keys stay ``W1[j,i]`` either way.
    ``updates``: ``online`` (one update per pattern, in order) or one batch update per epoch
    with the ``batch_sum`` or ``batch_mean`` of the patterns' gradients (and losses).
    """

    error_signal: str = "gradient"
    step: str = "subtracted"
    difference: str = "y_minus_t"
    error: str = "abs"
    bias: str = "per_neuron"
    fixed: frozenset[Key] = frozenset()
    weight_index: str = "to_from"
    updates: str = "online"

    @property
    def batch(self) -> bool:
        return self.updates != "online"

    @property
    def sign(self) -> float:
        """+1 when the document's δ, ∂L/∂θ are the gradient, −1 when they are its negative."""
        return 1.0 if self.error_signal == "gradient" else -1.0


def within(a: float, b: float, bound: float) -> bool:
    """|a − b| ≤ ``bound`` up to float noise (a relative 1e-9 of it plus 4 ulp of the larger): the
    one rule for "agrees", with bound ½·10⁻ᵖ for a printing (:meth:`Printing.matches`)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    noise = 4.0 * math.ulp(max(abs(a), abs(b), 1e-300))
    return abs(a - b) <= bound * (1.0 + 1e-9) + noise


@dataclass(frozen=True)
class Printing:
    """One number as a document printed it: ``text`` ("0.036770"), its ``value`` and decimal ``places``.

    ``where`` says where it appears; ``uses`` holds the operand values the document shows in the
    substitution that produced it (quantity name -> Printing), for example ``½(0.5285 − 1)²``.
    """

    text: str
    value: float
    places: int
    where: str = ""
    uses: tuple[tuple[Key, Printing], ...] = ()
    scientific: bool = False  # printed as 2.406e-3: ``places`` counts from the exponent

    def matches(self, value: float) -> bool:
        """``value`` rounds to this printing: |printed − value| ≤ ½·10⁻ᵖ (plus float noise).

        This is the one rule for "agrees", used by the walkthrough's marks and by the checker; for
        ``-2.406e-3`` the printed significant digits set p (here 6), so the tolerance is ½·10⁻⁶.
        """
        return within(self.value, value, 0.5 * 10.0**-self.places)

    def show(self, value: float, extra: int = 0) -> str:
        """``value`` written as this printing is: as many decimals (or significant digits), plus ``extra``."""
        if self.scientific:
            digits = len(self.text.lower().partition("e")[0].partition(".")[2]) + extra
            return f"{value:.{digits}e}"
        return number(value, self.places + extra)


@dataclass(frozen=True)
class StatedLoss:
    """The loss as the prose names it (``name`` in STATED_LOSS_NAMES) and where it says so."""

    name: str
    where: str


@dataclass(frozen=True)
class At:
    """Numbers a document prints about a later state: after ``step`` updates (0: the start), the
    forward and backward values of pattern ``pattern`` (0-based) through those parameters."""

    step: int
    pattern: int
    where: str
    published: Mapping[Key, tuple[Printing, ...]]


@dataclass(frozen=True)
class Example:
    """A validated worked example: one sample through a fully specified network, plus what was printed."""

    name: str
    description: str
    title: str
    source: str
    file: str
    inputs: tuple[float, ...]
    targets: tuple[float, ...]
    layers: tuple[Layer, ...]
    loss: str
    learning_rate: float
    steps: int
    places: int
    products: str
    notation: Notation = field(compare=False)
    published: Mapping[Key, tuple[Printing, ...]] = field(compare=False)
    stated_losses: tuple[StatedLoss, ...] = ()
    conventions: Conventions = Conventions()
    patterns: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...] = ()
    at: tuple[At, ...] = ()
    document: str = ""  # the document whose text gives the claims (relative to ``file``)

    @property
    def samples(self) -> tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]:
        """(inputs, targets) of every pattern in training order (one pattern unless ``patterns``)."""
        return self.patterns or ((self.inputs, self.targets),)

    @property
    def cycle(self) -> int:
        """How many patterns the updates cycle through: each one online, 1 for a batch update."""
        return 1 if self.conventions.batch else len(self.samples)

    @property
    def weights(self) -> list[list[list[float]]]:
        """W⁽ˡ⁾ for every layer as nested lists (``weights[l][j][i]``)."""
        return [[list(row) for row in layer.weights] for layer in self.layers]

    @property
    def biases(self) -> list[list[float] | None]:
        """b⁽ˡ⁾ for every layer (None for a layer without biases)."""
        return [None if layer.biases is None else list(layer.biases) for layer in self.layers]

    @property
    def activations(self) -> list[str]:
        return [layer.activation for layer in self.layers]

    @property
    def layer_sizes(self) -> list[int]:
        return [layer.size for layer in self.layers]

    @property
    def architecture(self) -> str:
        """``2-2-1``: inputs, then the neurons of each layer."""
        return "-".join(str(n) for n in [len(self.inputs), *self.layer_sizes])


# ---- finding and reading files ------------------------------------------------------------------


def shipped() -> dict[str, str]:
    """The examples shipped with microgradnet: name -> one-line description, sorted by name."""
    found = {}
    for entry in sorted(resources.files("microgradnet.examples").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            example = parse(entry.read_text(encoding="utf-8"), file=entry.name)
            found[example.name] = example.description
    return found


def load(name_or_path: str) -> Example:
    """The example in the file ``name_or_path``, or the shipped example of that name.

    Raises:
        ExampleError: no such file or example, unreadable file, bad TOML, or an invalid example.
    """
    path = Path(name_or_path)
    if name_or_path == "" or os.path.lexists(path):
        return parse(_read(name_or_path), file=name_or_path, default_name=path.stem)
    packaged = resources.files("microgradnet.examples").joinpath(f"{name_or_path}.toml")
    if "/" not in name_or_path and packaged.is_file():
        return parse(packaged.read_text(encoding="utf-8"), file=name_or_path)
    names = ", ".join(shipped())
    raise ExampleError(name_or_path, f"no such file or shipped example (shipped examples: {names})")


def _read(path: str) -> str:
    try:
        return read_text(path)
    except FileError as error:
        raise ExampleError(path, str(error).split(": ", 1)[-1]) from None


def _syntax_error(file: str, error: tomllib.TOMLDecodeError) -> ExampleError:
    message = str(error)
    match = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if match is None:
        return ExampleError(file, f"invalid TOML: {message}")
    reason = message[: match.start()].strip()
    return ExampleError(file, f"invalid TOML: {reason}", line=int(match[1]), column=int(match[2]))


# ---- parsing ----------------------------------------------------------------------------------


def parse(text: str, *, file: str = "<example>", default_name: str = "example") -> Example:
    """Validate the TOML ``text`` of a worked example (``file`` names it in error messages).

    Raises:
        ExampleError: the first problem found, with its key path (or line and column).
    """
    if len(text) > MAX_INPUT_BYTES:
        raise ExampleError(file, f"longer than the limit of {MAX_INPUT_BYTES:,} characters")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(file, error) from None
    except RecursionError:
        raise ExampleError(file, "invalid TOML: arrays or tables nested too deeply") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise ExampleError(file, f"invalid TOML: {error}") from None
    return _Parser(file).example(data, default_name)


class _Parser:
    """Turns the parsed TOML tables into an Example, raising ExampleError with key paths."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.batch_patterns = 0  # patterns of a batch update (0: online), for pattern keys

    def fail(self, key: str | None, reason: str) -> ExampleError:
        return ExampleError(self.file, reason, key=key)

    def example(self, data: dict[str, Any], default_name: str) -> Example:
        self.check_keys(data, _TOP_KEYS, None)
        raw_patterns = self.raw_patterns(data)
        first = raw_patterns[0] if raw_patterns else data
        path = "patterns[0]." if raw_patterns else ""
        inputs = self.vector(self.required(first, "inputs", path), path + "inputs")
        raw_targets = self.required(first, "targets", path)
        n_targets = len(raw_targets) if isinstance(raw_targets, list) else 1
        layers = self.layers(data, len(inputs), n_targets)
        sizes, activations = [l.size for l in layers], [l.activation for l in layers]
        targets = self.targets(raw_targets, sizes[-1])
        loss = self.loss(data.get("loss", "squared_error"), activations[-1])
        products = self.products(data)
        conventions = self.conventions(data.get("conventions", {}), layers)
        self.batch_patterns = max(len(raw_patterns), 1) if conventions.batch else 0
        notation = Notation(
            self.notation(data.get("notation", {}), layers),
            sizes,
            activations,
            input_first=products == "input_first",
            negative=conventions.sign < 0,
            from_to=conventions.weight_index == "from_to",
        )
        published = self.published(data.get("published", {}), layers)
        patterns = self.patterns(raw_patterns, len(inputs), sizes[-1])
        at = self.at(data.get("at", []), layers, max(len(patterns), 1))
        name = self.text(data, "name", default_name)
        return Example(
            name=name,
            description=self.text(data, "description", name),
            title=self.text(data, "title", ""),
            source=self.text(data, "source", ""),
            file=self.file,
            inputs=tuple(inputs),
            targets=tuple(targets),
            layers=tuple(layers),
            loss=loss,
            learning_rate=self.learning_rate(data),
            steps=self.steps(data),
            places=self.places(data),
            products=products,
            notation=notation,
            published=published,
            stated_losses=self.stated_losses(data.get("stated_loss", [])),
            conventions=conventions,
            patterns=patterns,
            at=at,
            document=self.text(data, "document", ""),
        )

    # -- several patterns and later states --

    def raw_patterns(self, data: Mapping[str, Any]) -> list[dict[str, Any]]:
        raw = data.get("patterns")
        if raw is None:
            return []
        if "inputs" in data or "targets" in data:
            raise self.fail("patterns", "give patterns or inputs and targets, not both")
        if not isinstance(raw, list) or not raw or not all(isinstance(p, dict) for p in raw):
            raise self.fail("patterns", "expected a list of { inputs = [...], targets = [...] }")
        if len(raw) > MAX_WIDTH:
            raise self.fail("patterns", f"expected at most {MAX_WIDTH} patterns, got {len(raw)}")
        return raw

    def patterns(
        self, raw: list[dict[str, Any]], n_inputs: int, n_outputs: int
    ) -> tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]:
        found = []
        for n, table in enumerate(raw):
            path = f"patterns[{n}]"
            self.check_keys(table, ("inputs", "targets"), path)
            x = self.vector(self.required(table, "inputs", path + "."), path + ".inputs")
            if len(x) != n_inputs:
                raise self.fail(f"{path}.inputs", f"expected {n_inputs} values, got {len(x)}")
            raw_t = self.required(table, "targets", path + ".")
            t = (
                [self.number(raw_t, path + ".targets")]
                if not isinstance(raw_t, list)
                else self.vector(raw_t, path + ".targets")
            )
            if len(t) != n_outputs:
                raise self.fail(f"{path}.targets", f"expected {n_outputs} values, got {len(t)}")
            found.append((tuple(x), tuple(t)))
        return tuple(found)

    def at(self, tables: Any, layers: Sequence[Layer], n_patterns: int) -> tuple[At, ...]:
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise self.fail("at", "expected [[at]] tables with step, pattern and published")
        found = []
        for n, table in enumerate(tables):
            path = f"at[{n}]"
            self.check_keys(table, _AT_KEYS, path)
            step = table.get("step", 0)
            if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= MAX_STEPS:
                raise self.fail(
                    f"{path}.step",
                    f"expected a whole number from 0 to {MAX_STEPS}, got {_kind(step)}",
                )
            if self.batch_patterns and "pattern" in table:
                raise self.fail(
                    f"{path}.pattern",
                    "a batch update trains every pattern: name the pattern in the key "
                    '("z1[0]@2"), not in [[at]]',
                )
            pattern = table.get("pattern", step % n_patterns + 1 if not self.batch_patterns else 1)
            if (
                isinstance(pattern, bool)
                or not isinstance(pattern, int)
                or not 1 <= pattern <= n_patterns
            ):
                raise self.fail(
                    f"{path}.pattern",
                    f"expected a pattern number from 1 to {n_patterns}, got {_kind(pattern)}",
                )
            where = self.text(table, "where", "", path + ".")
            raw = self.required(table, "published", path + ".")
            published = self.published(raw, layers, f"{path}.published", step)
            found.append(At(step, pattern - 1, where, published))
        return tuple(found)

    # -- scalars and containers --

    def required(self, data: Mapping[str, Any], key: str, path: str = "") -> Any:
        if key not in data:
            raise self.fail(f"{path}{key}", "missing (required)")
        return data[key]

    def check_keys(
        self, table: Mapping[str, Any], allowed: Sequence[str], path: str | None
    ) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f" (did you mean {close[0]!r}?)"
                    if close
                    else f"; valid keys: {', '.join(allowed)}"
                )
                raise self.fail(f"{path}.{key}" if path else key, f"unknown key{hint}")

    def text(self, data: Mapping[str, Any], key: str, default: str, path: str = "") -> str:
        """A string (control characters escaped, so no output ever echoes them raw)."""
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(path + key, f"expected a string, got {_kind(value)}")
        return escaped(value)

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(path, f"expected a number, got {_kind(value)}")
        if isinstance(value, int) and not -_FLOAT_MAX <= value <= _FLOAT_MAX:
            raise self.fail(path, f"expected a number within float range, got {_kind(value)}")
        if not math.isfinite(value):
            raise self.fail(path, f"expected a finite number, got {value}")
        return float(value)

    def vector(self, value: Any, path: str) -> list[float]:
        if not isinstance(value, list) or not value:
            raise self.fail(path, f"expected a non-empty list of numbers, got {_kind(value)}")
        if any(isinstance(item, list) for item in value):
            raise self.fail(
                path, "expected one sample as a list of numbers (batches are not supported)"
            )
        return [self.number(item, f"{path}[{n}]") for n, item in enumerate(value)]

    def targets(self, value: Any, n_outputs: int) -> list[float]:
        values = (
            [self.number(value, "targets")]
            if not isinstance(value, list)
            else self.vector(value, "targets")
        )
        if len(values) != n_outputs:
            raise self.fail(
                "targets",
                f"expected {n_outputs} value{_s(n_outputs)} (one per output neuron), "
                f"got {len(values)}",
            )
        return values

    def loss(self, value: Any, output_activation: str) -> str:
        if value not in LOSS_NAMES:
            raise self.fail("loss", f"unknown loss {value!r}; valid names: {', '.join(LOSS_NAMES)}")
        if value == "cross_entropy" and output_activation != "sigmoid":
            raise self.fail(
                "loss",
                f"cross_entropy needs a sigmoid output layer, the last layer's "
                f"activation is {output_activation!r}",
            )
        return str(value)

    def learning_rate(self, data: Mapping[str, Any]) -> float:
        rate = self.number(self.required(data, "learning_rate"), "learning_rate")
        if rate <= 0:
            raise self.fail("learning_rate", f"expected a positive number, got {rate:g}")
        return rate

    def steps(self, data: Mapping[str, Any]) -> int:
        steps = data.get("steps", 1)
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
            raise self.fail(
                "steps", f"expected a whole number from 1 to {MAX_STEPS}, got {steps!r}"
            )
        return steps

    def places(self, data: Mapping[str, Any]) -> int:
        places = data.get("places", 6)
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= MAX_PLACES:
            raise self.fail(
                "places", f"expected a whole number from 0 to {MAX_PLACES}, got {places!r}"
            )
        return places

    def products(self, data: Mapping[str, Any]) -> str:
        order = data.get("products", "weight_first")
        if order not in PRODUCT_ORDERS:
            raise self.fail(
                "products", f"unknown order {order!r}; valid: {', '.join(PRODUCT_ORDERS)}"
            )
        return str(order)

    # -- layers --

    def layers(self, data: Mapping[str, Any], n_inputs: int, n_targets: int) -> list[Layer]:
        """Every layer; the output layer has one neuron per target unless its ``size`` says otherwise."""
        tables = self.required(data, "layers")
        if (
            not isinstance(tables, list)
            or not tables
            or not all(isinstance(t, dict) for t in tables)
        ):
            raise self.fail("layers", "expected one [[layers]] table per layer, input side first")
        if len(tables) > MAX_LAYERS:
            raise self.fail("layers", f"expected at most {MAX_LAYERS} layers, got {len(tables)}")
        if n_inputs > MAX_WIDTH:
            raise self.fail("inputs", f"expected at most {MAX_WIDTH} inputs, got {n_inputs}")
        self.check_sizes(tables, n_inputs, n_targets)
        with_weights = ["weights" in table for table in tables]
        if any(with_weights) and not all(with_weights):
            missing = with_weights.index(False)
            raise self.fail(
                f"layers[{missing}].weights", "missing: give weights for every layer or for none"
            )
        drawn = None if all(with_weights) else self.drawn_weights(data, tables, n_inputs)
        layers, fan_in = [], n_inputs
        for l, table in enumerate(tables):
            rows = n_targets if l == len(tables) - 1 and "size" not in table else None
            layers.append(self.layer(table, l, fan_in, None if drawn is None else drawn[l], rows))
            fan_in = layers[-1].size
        return layers

    def drawn_weights(
        self, data: Mapping[str, Any], tables: list[dict[str, Any]], n_inputs: int
    ) -> list[Any]:
        seed = data.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise self.fail("seed", f"expected a whole number, got {_kind(seed)}")
        sizes = [
            self.size(self.required(t, "size", f"layers[{l}]."), l) for l, t in enumerate(tables)
        ]
        return drawn_weights(n_inputs, sizes, random.Random(seed))

    def size(self, value: Any, l: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WIDTH:
            raise self.fail(
                f"layers[{l}].size",
                f"expected a whole number from 1 to {MAX_WIDTH}, got {_kind(value)}",
            )
        return value

    def check_sizes(self, tables: list[dict[str, Any]], n_inputs: int, n_targets: int) -> None:
        """Refuse a network over the limits before any weight is read or drawn."""
        fan_in, total = n_inputs, 0
        for l, table in enumerate(tables):
            raw = table.get("weights")
            if "size" in table:
                width = self.size(table["size"], l)
            elif isinstance(raw, list):
                width = len(raw)
            else:
                width = n_targets if l == len(tables) - 1 else 1
            if width > MAX_WIDTH:
                raise self.fail(
                    f"layers[{l}].weights", f"expected at most {MAX_WIDTH} rows, got {width}"
                )
            total += width * (fan_in + 1)
            fan_in = width
        if total > MAX_PARAMETERS:
            raise self.fail(
                "layers", f"expected at most {MAX_PARAMETERS:,} weights and biases, got {total:,}"
            )

    def layer(
        self, table: Mapping[str, Any], l: int, fan_in: int, drawn: Any, rows: int | None
    ) -> Layer:
        path = f"layers[{l}]"
        self.check_keys(table, _LAYER_KEYS, path)
        activation = table.get("activation", "sigmoid")
        if activation not in ACTIVATION_NAMES:
            raise self.fail(
                f"{path}.activation",
                f"unknown activation {activation!r}; valid names: {', '.join(ACTIVATION_NAMES)}",
            )
        raw = table["weights"] if drawn is None else drawn
        rows = self.size(table["size"], l) if "size" in table else rows
        weights = self.matrix(raw, f"{path}.weights", rows, fan_in)
        if "bias" in table:
            if "biases" in table:
                raise self.fail(
                    f"{path}.bias", "give biases (one per neuron) or bias (shared), not both"
                )
            shared = self.number(table["bias"], f"{path}.bias")
            return Layer(
                len(weights),
                str(activation),
                tuple(tuple(r) for r in weights),
                (shared,) * len(weights),
                shared=True,
            )
        biases = None
        if "biases" in table:
            biases = self.vector(table["biases"], f"{path}.biases")
            if len(biases) != len(weights):
                raise self.fail(
                    f"{path}.biases", f"expected {len(weights)} (one per neuron), got {len(biases)}"
                )
        return Layer(
            len(weights),
            str(activation),
            tuple(tuple(r) for r in weights),
            None if biases is None else tuple(biases),
        )

    def matrix(self, value: Any, path: str, rows: int | None, cols: int) -> list[list[float]]:
        if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
            raise self.fail(
                path,
                f"expected a list of rows (row j = the {cols} weights into neuron j), "
                f"got {_kind(value)}",
            )
        want_rows = len(value) if rows is None else rows
        lengths = {len(r) for r in value}
        if len(value) != want_rows or lengths != {cols}:
            got = (
                f"{len(value)}×{lengths.pop()}"
                if len(lengths) == 1
                else f"{len(value)} rows of lengths {', '.join(str(len(r)) for r in value)}"
            )
            raise self.fail(path, f"expected {want_rows}×{cols}, got {got}")
        return [
            [self.number(w, f"{path}[{j}][{i}]") for i, w in enumerate(r)]
            for j, r in enumerate(value)
        ]

    # -- conventions --

    def conventions(self, table: Any, layers: Sequence[Layer]) -> Conventions:
        if not isinstance(table, dict):
            raise self.fail("conventions", f"expected a table, got {_kind(table)}")
        self.check_keys(table, _CONVENTION_KEYS, "conventions")
        chosen = {}
        for name, valid in CONVENTIONS.items():
            value = table.get(name, valid[0])
            if value not in valid:
                raise self.fail(
                    f"conventions.{name}",
                    f"expected one of {', '.join(valid)}, got {_kind(value)}",
                )
            chosen[name] = str(value)
        shared = any(layer.shared for layer in layers)
        if shared and chosen["bias"] != "shared":
            raise self.fail(
                "conventions.bias", 'a layer gives one shared bias: set bias = "shared"'
            )
        if chosen["bias"] == "shared" and not shared:
            raise self.fail("conventions.bias", "shared needs a layer with bias = <number>")
        fixed = self.fixed(table.get("fixed", []), layers)
        return Conventions(**chosen, fixed=fixed)

    def fixed(self, value: Any, layers: Sequence[Layer]) -> frozenset[Key]:
        """Parameters held fixed: names (``W1[0,1]``, ``b2[0]``) or whole layers (``W1``, ``b2``)."""
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail("conventions.fixed", f"expected a list of names, got {_kind(value)}")
        found: set[Key] = set()
        for n, name in enumerate(value):
            path = f"conventions.fixed[{n}]"
            whole = name[:1] in ("W", "b") and name[1:].isdigit() and name[1:].isascii()
            if whole:
                found.update(self.layer_parameters(name[0], int(name[1:]), path, layers))
                continue
            key = self.key(name, path, layers)
            if not key.given or key.kind not in ("W", "b"):
                raise self.fail(
                    path, f"expected a weight or bias (W1[0,1], b2[0], W1, b2), got {name!r}"
                )
            found.add(key)
        return frozenset(found)

    def layer_parameters(self, kind: str, l: int, path: str, layers: Sequence[Layer]) -> list[Key]:
        if not 1 <= l <= len(layers):
            raise self.fail(path, f"no layer {l}: the network has layers 1 to {len(layers)}")
        layer = layers[l - 1]
        if kind == "W":
            return [k.W(l, j, i) for j, row in enumerate(layer.weights) for i in range(len(row))]
        if layer.biases is None:
            raise self.fail(path, f"layer {l} has no biases")
        return [k.b(l, j) for j in range(1 if layer.shared else layer.size)]

    # -- notation, published values and stated losses --

    def key(self, text: str, path: str, layers: Sequence[Layer]) -> Key:
        try:
            key = k.parse(text)
        except ValueError as error:
            raise self.fail(path, str(error)) from None
        problem = _out_of_range(key, layers) or _pattern_problem(key, self.batch_patterns)
        if problem:
            raise self.fail(path, problem)
        return key

    def value_key(self, text: str, path: str, layers: Sequence[Layer]) -> Key:
        """A key naming one number; in batch training a per-pattern quantity needs its pattern."""
        key = self.key(text, path, layers)
        aggregate = key.kind in ("dL_dW", "dL_db") or key.is_scalar
        if self.batch_patterns and key.p < 0 and key.kind in k.PER_PATTERN and not aggregate:
            raise self.fail(
                path,
                f"in batch training name the pattern: expected {key}@1 to "
                f"{key}@{self.batch_patterns}, got {text}",
            )
        return key

    def notation(self, table: Any, layers: Sequence[Layer]) -> dict[Key, Symbol]:
        if not isinstance(table, dict):
            raise self.fail("notation", f"expected a table, got {_kind(table)}")
        symbols = {}
        for name, value in table.items():
            path = f'notation."{name}"'
            key = self.key(name, path, layers)
            if isinstance(value, str):
                symbols[key] = Symbol(escaped(value), latex_from_text(escaped(value)))
            elif isinstance(value, dict) and set(value) <= {"text", "latex"} and "text" in value:
                text = self.text(value, "text", "", path + ".")
                latex = self.text(value, "latex", latex_from_text(text), path + ".")
                symbols[key] = Symbol(text, latex)
            else:
                raise self.fail(
                    path, f'expected a string or {{ text = "…", latex = "…" }}, got {_kind(value)}'
                )
        return symbols

    def published(
        self, table: Any, layers: Sequence[Layer], where: str = "published", step: int = 0
    ) -> dict[Key, tuple[Printing, ...]]:
        """Printed values by key; after ``step`` > 0 updates a weight or bias is a claim too."""
        if not isinstance(table, dict):
            raise self.fail(where, f"expected a table, got {_kind(table)}")
        count = sum(len(v) if isinstance(v, list) else 1 for v in table.values())
        if count > MAX_PUBLISHED:
            raise self.fail(where, f"expected at most {MAX_PUBLISHED:,} values, got {count:,}")
        printed = {}
        for name, value in table.items():
            path = f'{where}."{name}"'
            key = self.value_key(name, path, layers)
            if key.given and not (step > 0 and key.kind in ("W", "b")):
                raise self.fail(
                    path,
                    f"{name} is given by the example, not computed; "
                    "put it in a printing's uses to check a quoted value",
                )
            items = value if isinstance(value, list) else [value]
            if not items:
                raise self.fail(path, "expected at least one printed value")
            printed[key] = tuple(
                self.printing(item, f"{path}[{n}]" if isinstance(value, list) else path, layers)
                for n, item in enumerate(items)
            )
        return printed

    def printing(self, value: Any, path: str, layers: Sequence[Layer]) -> Printing:
        if isinstance(value, str):
            return self.printed_number(value, path)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise self.fail(
                path,
                f'write the number as printed, in quotes ("{value}"), so its decimals are '
                f"kept, or as {{ value = {value}, places = N }}",
            )
        if not isinstance(value, dict):
            raise self.fail(
                path, f'expected "0.123" or {{ value = "0.123", where = "…" }}, got {_kind(value)}'
            )
        self.check_keys(value, _PRINTING_KEYS, path)
        base = self.printing_value(
            self.required(value, "value", f"{path}."), value.get("places"), path
        )
        where = self.text(value, "where", "", path + ".")
        uses = self.uses(value.get("uses", {}), f"{path}.uses", layers)
        return Printing(base.text, base.value, base.places, where, uses, base.scientific)

    def printing_value(self, value: Any, places: Any, path: str) -> Printing:
        if isinstance(value, str):
            printed = self.printed_number(value, f"{path}.value")
            if places is not None and places != printed.places:
                raise self.fail(
                    f"{path}.places", f"{value!r} has {printed.places} decimals, not {places!r}"
                )
            return printed
        number = self.number(value, f"{path}.value")
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 15:
            raise self.fail(
                f"{path}.places",
                "needed for a value given as a number: the decimals printed (0-15)",
            )
        return Printing(f"{number:.{places}f}", number, places)

    def printed_number(self, text: str, path: str) -> Printing:
        if len(text) > MAX_DIGITS:
            raise self.fail(
                path,
                f"expected a printed number of at most {MAX_DIGITS} characters, got {len(text)}",
            )
        if not _NUMBER.match(text.strip()):
            raise self.fail(
                path, f'{text!r} is not a decimal number as printed (like "0.036770" or "-0.2")'
            )
        clean = text.strip().replace("−", "-")
        mantissa, _, exponent = clean.lower().partition("e")
        places = len(mantissa.partition(".")[2]) - int(exponent or 0)
        value = float(clean)
        if math.isinf(value) or abs(places) > 308:  # 1e400, or 1e-400: beyond a float's range
            raise self.fail(path, f"{clean!r} is beyond the range of a floating-point number")
        return Printing(clean, value, places, scientific=bool(exponent))

    def uses(
        self, table: Any, path: str, layers: Sequence[Layer]
    ) -> tuple[tuple[Key, Printing], ...]:
        if not isinstance(table, dict):
            raise self.fail(
                path, f'expected a table of quantity = "printed value", got {_kind(table)}'
            )
        used = []
        for name, value in table.items():
            key = self.value_key(name, f'{path}."{name}"', layers)
            if not isinstance(value, str):
                raise self.fail(f'{path}."{name}"', "expected the value as printed, in quotes")
            used.append((key, self.printed_number(value, f'{path}."{name}"')))
        return tuple(used)

    def stated_losses(self, tables: Any) -> tuple[StatedLoss, ...]:
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise self.fail("stated_loss", "expected [[stated_loss]] tables with name and where")
        stated = []
        for n, table in enumerate(tables):
            self.check_keys(table, ("name", "where"), f"stated_loss[{n}]")
            name = table.get("name")
            if name not in STATED_LOSS_NAMES:
                raise self.fail(
                    f"stated_loss[{n}].name",
                    f"unknown loss {name!r}; valid names: {', '.join(STATED_LOSS_NAMES)}",
                )
            stated.append(
                StatedLoss(str(name), self.text(table, "where", "", f"stated_loss[{n}]."))
            )
        return tuple(stated)


def _out_of_range(key: Key, layers: Sequence[Layer]) -> str:
    """Why ``key`` names nothing in this network ("" when it is fine)."""
    if key.is_scalar:
        return ""
    if key.kind == "x":
        return _index_problem("input", key.j, len(layers[0].weights[0]))
    if key.kind in ("t", "L", "e"):
        return _index_problem("output", key.j, layers[-1].size)
    if not 1 <= key.layer <= len(layers):
        return f"no layer {key.layer}: the network has layers 1 to {len(layers)}"
    layer = layers[key.layer - 1]
    problem = _index_problem(f"neuron of layer {key.layer}", key.j, layer.size)
    if not problem and key.kind == "backterm":
        if key.layer == len(layers):
            return f"the output layer {key.layer} has no backpropagated sum"
        return _index_problem(f"neuron of layer {key.layer + 1}", key.i, layers[key.layer].size)
    if not problem and key.i >= 0:
        problem = _index_problem(f"input of layer {key.layer}", key.i, len(layer.weights[0]))
    if not problem and key.kind in ("b", "dL_db", "step_b") and layer.biases is None:
        problem = f"layer {key.layer} has no biases"
    if not problem and key.kind in ("b", "dL_db", "step_b") and layer.shared and key.j > 0:
        problem = f"layer {key.layer} has one shared bias: b{key.layer}[0]"
    if not problem and key.kind == "1-a" and layer.activation != "sigmoid":
        problem = f"1-a is the factor of σ′ = a(1 − a); layer {key.layer} is {layer.activation}"
    return problem


def _pattern_problem(key: Key, patterns: int) -> str:
    """Why the pattern of ``key`` is wrong ("" when it is fine); ``patterns`` 0 means online."""
    if key.p < 0:
        return ""
    if not patterns:
        return (
            f'{key} names a pattern, which only batch training does (updates = "batch_sum" or '
            '"batch_mean" under [conventions]); online, use [[at]] with pattern = N'
        )
    if key.p >= patterns:
        return f"no pattern {key.p + 1}: patterns run from 1 to {patterns}"
    return ""


def _index_problem(what: str, index: int, count: int) -> str:
    return "" if 0 <= index < count else f"no {what} {index}: indices run from 0 to {count - 1}"


def _kind(value: object) -> str:
    """A short description of a TOML value for error messages."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int) and abs(value) > _FLOAT_MAX:
        return f"a whole number of {len(str(abs(value)))} digits"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def drawn_weights(
    n_inputs: int, sizes: Sequence[int], rng: random.Random
) -> list[list[list[float]]]:
    """Weights drawn as ``nn.MLP`` draws them: uniform in ±1/√fan_in, row by row, from ``rng``."""
    weights, fan_in = [], n_inputs
    for fan_out in sizes:
        scale = math.sqrt(fan_in)
        weights.append(
            [[rng.uniform(-1.0, 1.0) / scale for _ in range(fan_in)] for _ in range(fan_out)]
        )
        fan_in = fan_out
    return weights

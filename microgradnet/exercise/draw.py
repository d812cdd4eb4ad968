"""Draw an exercise's numbers for hand work from its seed: the same spec gives the same example anywhere.

Only ``random.Random(seed)`` draws, and only integers: every given number is a small integer over
20 (0.35, −0.6), written with ``repr`` of a float built from that integer, so the example text does
not depend on the platform. A draw is kept when its numbers suit hand work (:func:`problems` is
empty), else the next draw from the same generator is tried, at most ``MAX_DRAWS`` times.

Hand work means, on the exact values and at the printed precision ``P`` (printed unit u = 10⁻ᴾ):

- no saturated activation: σ′ ≥ 0.05 (0.053 ≤ a ≤ 0.947), tanh′ ≥ 0.1, relu's z ≥ 0.05;
- every δ, gradient and update step is at least one printed unit: |v| ≥ u (none rounds to 0);
- no computed value is within 10⁻³·u of a rounding boundary: with s = |v|/u, the distance from
  s − ⌊s⌋ to ½ is at least 10⁻³ (so rounding the exact value is never a coin toss). The products
  w·x of two given numbers are exempt: exact short decimals, shown in the key, never asked.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

from microgradnet.exercise.spec import CONVENTIONS, ExerciseError, Spec, questions
from microgradnet.tutorial.equations import Model
from microgradnet.tutorial.format import Example, parse
from microgradnet.tutorial.formatting import decimals
from microgradnet.tutorial.keys import Key

__all__ = [
    "MAX_DRAWS",
    "Exercise",
    "draw",
    "exact_product",
    "near_boundary",
    "problems",
    "toml_text",
]

MAX_DRAWS = 500
BOUNDARY = 1e-3  # in printed units
_MIN_SLOPE = {"sigmoid": 0.05, "tanh": 0.1}
_RATES = (0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Exercise:
    """A drawn exercise: its spec, the example file's text, the example, the model, the questions."""

    spec: Spec
    toml: str
    example: Example
    model: Model
    questions: tuple[Key, ...]
    draws: int  # how many draws it took


def draw(spec: Spec) -> Exercise:
    """The exercise for ``spec``: the first draw from ``random.Random(spec.seed)`` that suits hand work.

    Raises:
        ExerciseError: no draw in MAX_DRAWS suits hand work (the options leave no room).
    """
    rng = random.Random(spec.seed)
    obstacles: Counter[str] = Counter()
    for attempt in range(1, MAX_DRAWS + 1):
        text = toml_text(spec, rng)
        example = parse(text, file=f"exercise seed {spec.seed}")
        model = Model(example)
        found = problems(model, spec.places)
        if not found:
            asked = tuple(questions(model, spec.groups))
            return Exercise(spec, text, example, model, asked, attempt)
        obstacles[found[0].split(" is ", 1)[1].split(" = ")[0]] += 1
    raise ExerciseError(
        f"no numbers suited to hand work in {MAX_DRAWS:,} draws for seed {spec.seed} "
        f"({spec.architecture}, {'/'.join(spec.activations)}, {spec.places} decimals; most "
        f"often a value {obstacles.most_common(1)[0][0]}): try more --places, another seed "
        "or other options"
    )


def _twentieths(rng: random.Random, low: int, high: int, *, zero: bool = False) -> float:
    """k/20 for a whole k in [low, high] (never 0 unless ``zero``)."""
    while True:
        n = rng.randint(low, high)
        if n or zero:
            return n / 20


def _targets(spec: Spec, rng: random.Random) -> list[float]:
    n_out = spec.arch[-1]
    if spec.loss == "cross_entropy":
        return [float(rng.randint(0, 1)) for _ in range(n_out)]
    if spec.activations[-1] == "sigmoid":
        return [_twentieths(rng, 1, 19) for _ in range(n_out)]
    return [_twentieths(rng, -18, 18) for _ in range(n_out)]


def toml_text(spec: Spec, rng: random.Random) -> str:
    """One draw: the worked-example file (:mod:`microgradnet.tutorial.format`) of the exercise."""
    inputs = [_twentieths(rng, 1, 20) for _ in range(spec.arch[0])]
    targets = _targets(spec, rng)
    rate = rng.choice(_RATES)
    lines = [
        f'name = "exercise-{spec.seed}"',
        f'description = "exercise {spec.seed}: {"-".join(map(str, spec.arch))} network"',
        f"inputs = {_list(inputs)}",
        f"targets = {_list(targets)}",
        f'loss = "{spec.loss}"',
        f"learning_rate = {rate!r}",
        f"places = {spec.places}",
    ]
    for n_in, size, act in zip(spec.arch, spec.arch[1:], spec.activations):
        rows = [[_twentieths(rng, -18, 18) for _ in range(n_in)] for _ in range(size)]
        lines += ["", "[[layers]]", f'activation = "{act}"', f"weights = {_rows(rows)}"]
        if spec.bias:
            lines.append(
                f"biases = {_list([_twentieths(rng, -10, 10, zero=True) for _ in range(size)])}"
            )
    table = CONVENTIONS[spec.convention]
    if table:
        lines += ["", "[conventions]", *(f'{key} = "{value}"' for key, value in table.items())]
    return "\n".join(lines) + "\n"


def _list(values: list[float]) -> str:
    return "[" + ", ".join(repr(v) for v in values) + "]"


def _rows(rows: list[list[float]]) -> str:
    return "[" + ", ".join(_list(row) for row in rows) + "]"


# ---- what makes numbers hand work -----------------------------------------------------------------


def problems(model: Model, places: int) -> list[str]:
    """Why the model's numbers do not suit hand work at ``places`` decimals (empty: they do)."""
    unit = 10.0**-places
    found = []
    for key in model.order:
        value = model.values[key]
        if model.is_given(key):
            continue
        if not math.isfinite(value):
            return [f"{key} is not finite"]
        if key.kind == "fprime" and _saturated(model, key):
            found.append(f"{key} = {value:.4g} is saturated")
        if key.kind in ("delta", "dL_dW", "dL_db", "step_W", "step_b") and abs(value) < unit:
            found.append(f"{key} = {value:.3g} is under one printed unit")
        shown = decimals(places, model.quantities[key].unit)
        if not exact_product(key) and near_boundary(value, shown):
            found.append(f"{key} = {value!r} is within {BOUNDARY:g} units of a rounding boundary")
    return found


def exact_product(key: Key) -> bool:
    """A product w·x of a given weight and a given input: an exact short decimal, never asked."""
    return key.kind == "term" and key.layer == 1 and not key.new


def _saturated(model: Model, key: Key) -> bool:
    activation = model.example.layers[key.layer - 1].activation
    if activation == "relu":
        return model.values[Key("z", key.layer, key.j)] < 0.05
    return activation in _MIN_SLOPE and model.values[key] < _MIN_SLOPE[activation]


def near_boundary(value: float, places: int) -> bool:
    """``value`` at ``places`` decimals is within BOUNDARY printed units of a rounding boundary."""
    scaled = abs(value) * 10.0**places
    return abs(scaled - math.floor(scaled) - 0.5) < BOUNDARY

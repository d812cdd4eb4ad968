"""Round trip: a random worked example written by the walkthrough's Markdown and LaTeX writers,
its formatting perturbed as authors vary it, read back — every printed value under its key."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import SEED_000, SEED_004, NetCase, net_cases

from microgradnet.tutorial import claims
from microgradnet.tutorial import write_walkthrough as writer
from microgradnet.tutorial.checker import check
from microgradnet.tutorial.equations import Model
from microgradnet.tutorial.format import Example, load, parse, shipped
from microgradnet.tutorial.formatting import number
from microgradnet.tutorial.walkthrough import run

#: Decimals printed; 3 to 8 as in the equation-model tests (below 3 many values print as 0.00).
PLACES = st.integers(3, 8)
#: (spacing, product sign, boxed results, aligned rows / joined lines, line breaks)
PERTURBATIONS = st.tuples(
    st.sampled_from(["=", " = ", "  =   "]),
    st.sampled_from([r" \cdot ", " ", r" \times ", "·"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


def example_text(case: NetCase, places: int, input_first: bool) -> str:
    lines = [
        f"inputs = {case.X[0]!r}",
        f"targets = {case.T[0]!r}",
        f'loss = "{case.loss}"',
        "learning_rate = 0.5",
        f"places = {places}",
        f'products = "{"input_first" if input_first else "weight_first"}"',
    ]
    for l, weights in enumerate(case.weights):
        lines += ["[[layers]]", f'activation = "{case.activations[l]}"', f"weights = {weights!r}"]
        if case.biases is not None and case.biases[l] is not None:
            lines.append(f"biases = {case.biases[l]!r}")
    return "\n".join(lines) + "\n"


def printed(ex: Example) -> set[tuple[str, str]]:
    """Every computed value the walkthrough prints as a line of its own, as it prints it."""
    model = Model(ex)
    return {
        (str(q.key), number(model.values[q.key], ex.places, unit=q.unit))
        for q in model.quantities.values()
        if q.section and q.sides and not q.key.given and math.isfinite(model.values[q.key])
    }


_NUM = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def perturbed(text: str, fmt: str, choice: tuple[str, str, bool, bool, bool]) -> str:
    """``text`` as another author would type it: spacing, products, boxes, rows, line breaks."""
    equals, times, boxed, rows, breaks = choice
    text = text.replace(r" \cdot ", times)
    if fmt == "markdown":
        if boxed:  # the result of each formula boxed
            text = re.sub(rf"= ({_NUM})(\\%)?\$", r"= \\boxed{\1\2}$", text)
        if rows:  # each formula as an aligned display, one stage per row
            text = re.sub(r"\| \$([^$]*)\$ \|", _aligned, text)
        elif breaks:  # a line break before each stage of an inline formula
            text = re.sub(r"\$[^$\n]*\$", lambda m: m[0].replace(" = ", "\n= "), text)
    else:
        if boxed:
            text = re.sub(rf"&= ({_NUM})( \\\\|\n)", r"&= \\boxed{\1}\2", text)
        if rows:  # align* rows joined onto one line
            text = text.replace("\\\\\n&=", "\\\\ &=")
        elif breaks:
            text = text.replace("&= ", "&=\n  ")
    return text.replace(" = ", equals)


def _aligned(m: re.Match[str]) -> str:
    first, *rest = m[1].split(" = ")
    body = f"{first} &= " + r" \\ &= ".join(rest)
    return f"|\n$$\\begin{{aligned}} {body} \\end{{aligned}}$$\n|"


def _assert_round_trip(ex: Example, fmt: str, choice: tuple[str, str, bool, bool, bool]) -> None:
    text = perturbed(writer.walkthrough(run(ex), fmt), fmt, choice)
    reading = claims.read(ex, text, file=f"walkthrough.{fmt}")
    read = {(str(c.key), c.text) for c in reading.claims}
    missing = printed(ex) - read
    assert not missing, (sorted(missing), text)
    # precision: every number read, claim or operand, is its own key's value as printed (the
    # writer prints every value rounded to its decimals, so the agree rule holds for each) …
    values = Model(ex).values
    for c in reading.claims:
        for key, shown in [(c.key, c.text), *((u, t) for u, t, _, _ in c.uses)]:
            assert claims.printing(shown, "").matches(values[key]), (str(key), shown, text)
    # … and the checker, judging exactly what was read, agrees with every claim
    result = check(claims.with_claims(ex, reading))
    wrong = [(str(r.claim.key), r.claim.printing.text, r.verdict) for r in result.rows]
    assert result.ok and not result.findings, ([w for w in wrong if "agree" not in w[2]], text)


@settings(max_examples=40)
@given(
    net_cases(max_layers=2, max_width=2, max_batch=1),
    PLACES,
    st.booleans(),
    st.sampled_from(["markdown", "latex"]),
    PERTURBATIONS,
)
@example(SEED_000, 6, True, "markdown", ("=", " ", True, True, False))
@example(SEED_004, 7, False, "latex", (" = ", r" \times ", True, False, True))
def test_every_printed_value_is_read_back_under_its_key(
    case: NetCase,
    places: int,
    input_first: bool,
    fmt: str,
    choice: tuple[str, str, bool, bool, bool],
) -> None:
    _assert_round_trip(parse(example_text(case, places, input_first)), fmt, choice)


@pytest.mark.parametrize("name", sorted(shipped()))
@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize(
    "choice", [(" = ", r" \cdot ", False, False, False), ("=", " ", True, True, False)]
)
def test_every_shipped_example_in_its_own_notation_round_trips(
    name: str, fmt: str, choice: tuple[str, str, bool, bool, bool]
) -> None:
    """The document's own symbols (w_{x1→h1}, net_{h1}, θ …) and conventions, read back."""
    _assert_round_trip(dataclasses.replace(load(name), published={}, at=()), fmt, choice)

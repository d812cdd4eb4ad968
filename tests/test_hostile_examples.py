"""Hostile example files and inputs: one line naming the key and the limit, exit 2, IEEE inf/nan."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from microgradnet import deltas
from microgradnet.cli import main
from microgradnet.errors import ShapeError
from microgradnet.tutorial.format import MAX_DIGITS, MAX_WIDTH, ExampleError, parse
from microgradnet.tutorial.keys import parse as key
from microgradnet.tutorial.walkthrough import run
from microgradnet.tutorial.write_walkthrough import walkthrough

HUGE = """\
inputs = [1e200]
targets = [0.5]
learning_rate = 0.1
[[layers]]
activation = "linear"
weights = [[1.0]]
[[layers]]
activation = "relu"
weights = [[2.0]]
"""

SMALL = """\
inputs = [1.0, 2.0]
targets = [0.5]
learning_rate = 0.1
[[layers]]
activation = "linear"
weights = [[1.0, 1.0]]
"""


def _error(text: str) -> str:
    with pytest.raises(ExampleError) as info:
        parse(text, file="ex.toml")
    message = str(info.value)
    assert "\n" not in message
    return message


# ---- IEEE: huge values and a diverging learning rate give inf/nan, never OverflowError -----------


def test_a_huge_input_through_linear_and_relu_gives_inf_not_overflow_error() -> None:
    w = run(parse(HUGE))
    assert w.values[key("a2[0]")] == pytest.approx(2e200, rel=1e-12)
    assert w.values[key("L")] == math.inf  # ½(2e200 − 0.5)² overflows to inf, as IEEE says
    record = deltas.backprop(
        [1e200], [[[1.0]], [[2.0]]], None, [0.5], activations=["linear", "relu"]
    )
    assert record.L == math.inf and record.delta[-1][0] == pytest.approx(2e200, rel=1e-12)
    text = walkthrough(w, "text")
    assert "inf" in text and max(len(line) for line in text.splitlines()) <= 130


def test_a_diverging_learning_rate_under_steps_reaches_nan_quietly() -> None:
    text = SMALL.replace("learning_rate = 0.1", "learning_rate = 100.0")
    losses = [s.hand for s in run(parse(text), steps=200).training]
    assert math.isinf(losses[150]) or math.isnan(losses[150])
    assert all(not math.isfinite(s) for s in losses[-10:])


def test_the_cli_prints_a_diverging_walkthrough(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "diverge.toml"
    file.write_text(SMALL.replace("learning_rate = 0.1", "learning_rate = 100.0"), encoding="utf-8")
    assert main(["walkthrough", str(file), "--steps", "300"]) == 0
    out = capsys.readouterr().out
    assert "nan" in out


# ---- size and number limits, checked before any work -----------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "inputs = [1.0, 2.0]",
            "inputs = [1.0, 1" + "0" * 400 + "]",
            "ex.toml: inputs[1]: expected a number within float range, got a whole number of 401 digits",
        ),
        (
            "inputs = [1.0, 2.0]",
            "inputs = [1.0, " + "9" * 5000 + "]",
            (
                "ex.toml: invalid TOML: Exceeds the limit (4300 digits) for integer string "
                "conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase "
                "the limit"
            ),
        ),
        (
            "inputs = [1.0, 2.0]",
            "inputs = " + "[" * 5000 + "]" * 5000,
            "ex.toml: invalid TOML: arrays or tables nested too deeply",
        ),
        (
            "weights = [[1.0, 1.0]]",
            "size = 1" + "0" * 399,
            (
                "ex.toml: layers[0].size: expected a whole number from 1 to 100, "
                "got a whole number of 400 digits"
            ),
        ),
        (
            "weights = [[1.0, 1.0]]",
            "size = 1000000",
            (
                f"ex.toml: layers[0].size: expected a whole number from 1 to {MAX_WIDTH}, "
                "got a number (1000000)"
            ),
        ),
    ],
)
def test_limits_are_refused_in_one_line(old: str, new: str, message: str) -> None:
    assert old in SMALL
    assert _error(SMALL.replace(old, new)) == message


def test_too_many_parameters_are_refused_before_drawing_them() -> None:
    layers = "".join("[[layers]]\nsize = 100\n" for _ in range(3))
    text = "inputs = [1.0]\ntargets = 0.5\nlearning_rate = 0.1\n" + layers
    assert _error(text) == "ex.toml: layers: expected at most 10,000 weights and biases, got 20,400"


def test_a_printed_value_of_5000_digits_is_refused_not_read_as_inf() -> None:
    text = SMALL + '[published]\n"z1[0]" = "' + "9" * 5000 + '"\n'
    assert _error(text) == (
        f'ex.toml: published."z1[0]": expected a printed number of at most {MAX_DIGITS} '
        "characters, got 5000"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[notation]\n"x[0]" = { text = "x", latex = 1 }\n',
            'ex.toml: notation."x[0]".latex: expected a string, got a number (1)',
        ),
        (
            '[published]\n"z1[0]" = { value = "3.0", where = 1 }\n',
            'ex.toml: published."z1[0]".where: expected a string, got a number (1)',
        ),
        (
            '[[stated_loss]]\nname = "mse"\nwhere = 1\n',
            "ex.toml: stated_loss[0].where: expected a string, got a number (1)",
        ),
    ],
)
def test_text_fields_must_be_strings(table: str, message: str) -> None:
    assert _error(SMALL + table) == message


@pytest.mark.parametrize("char", ["\x00", "\x1b[31m", "\u202e"])
def test_control_characters_are_escaped_in_messages_and_outputs(char: str) -> None:
    toml = "".join(f"\\u{ord(c):04x}" for c in char)  # TOML's own escape puts the raw char in
    message = _error(SMALL.replace("learning_rate = 0.1", f'learning_rate = 0.1\n"k{toml}" = 1'))
    assert message.isprintable()
    title = SMALL.replace("learning_rate = 0.1", f'learning_rate = 0.1\ntitle = "T{toml}"')
    ex = parse(title)
    assert ex.title.isprintable() and ex.title.startswith("T\\")
    assert all(line.isprintable() for line in walkthrough(run(ex), "text").splitlines())


def test_the_cli_refuses_a_hostile_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "big.toml"
    file.write_text(SMALL.replace("weights = [[1.0, 1.0]]", "size = 1000000"), encoding="utf-8")
    assert main(["check", str(file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "layers[0].size" in err


# ---- deltas refuse mismatched lengths -----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: deltas.backprop([1.0], [[[0.1, 0.2]]], None, [0.5], activations=["sigmoid"]),
            r"weights\[0\]\[0\]: expected 1 weights",
        ),
        (
            lambda: deltas.backprop([1.0], [[[0.1]]], None, [0.5, 0.2], activations=["sigmoid"]),
            "target: expected 1 values",
        ),
        (
            lambda: deltas.backprop([1.0], [[[0.1]]], [[0.0, 0.0]], [0.5], activations=["sigmoid"]),
            r"biases\[0\]: expected 1 values",
        ),
        (
            lambda: deltas.backprop([1.0], [[[0.1]]], None, [0.5], activations=["sigmoid"] * 2),
            "activations: expected 1 names",
        ),
        (
            lambda: deltas.backprop_221([1.0, 2.0, 3.0], [[0.1, 0.2]] * 2, [0.1, 0.2], 0.5),
            "x: expected 2 inputs, got 3",
        ),
        (
            lambda: deltas.sgd_update([[[0.1]]], None, [[[0.1]], [[0.2]]], [], 0.1),
            "dL_dW: expected 1 matrices",
        ),
        (
            lambda: deltas.sgd_update([], None, [], [], 0.1),
            "weights: expected at least one layer, got none",
        ),
        (
            lambda: deltas.sgd_update([[]], None, [[]], [[]], 0.1),
            r"weights\[0\]: expected at least one row, got none",
        ),
    ],
)
def test_deltas_name_the_mismatched_argument(call: object, message: str) -> None:
    with pytest.raises(ShapeError, match=message):
        call()  # type: ignore[operator]

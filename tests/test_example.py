"""Worked-example files: the shipped seeds load with every printed value, and bad files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from microgradnet.tutorial.format import ExampleError, Printing, load, parse, shipped
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.keys import parse as parse_key
from microgradnet.tutorial.notation import latex_from_text

DATA = Path(__file__).parent / "data"

#: A valid minimal file, edited by the error cases below.
BASE = """\
inputs = [1.0, 0.5]
targets = [1.0]
learning_rate = 0.1

[[layers]]
weights = [[0.2, -0.4], [0.7, 0.1]]
biases = [0.0, 0.0]

[[layers]]
weights = [[0.3, -0.2]]
biases = [0.1]
"""


def test_shipped_examples_are_listed_with_descriptions() -> None:
    examples = shipped()
    assert list(examples) == [
        "glickert",
        "han-kamber",
        "manual-221",
        "mazur",
        "nnwj-online",
        "schiendorfer",
    ]
    assert examples["glickert"].startswith("2-2-1 sigmoid network, no biases")
    assert examples["manual-221"].startswith("2-2-1 sigmoid network with biases")


def test_seed_000_loads_with_its_notation_and_printed_decimals() -> None:
    ex = load("glickert")
    assert (ex.architecture, ex.loss, ex.learning_rate, ex.places) == (
        "2-2-1",
        "squared_error",
        1.0,
        6,
    )
    assert ex.biases == [None, None]
    assert ex.notation(parse_key("W1[0,0]")).text == "w_{x1→h1}"
    assert ex.notation(parse_key("dL_dW1[0,0]")).text == "∂L/∂w_{x1→h1}"
    assert ex.notation(parse_key("fprime2[0]")).text == "σ′(z_o)"
    assert ex.notation(parse_key("term1[0,0]")).text == "x₁·w_{x1→h1}"  # products = "input_first"
    delta = ex.published[parse_key("delta2[0]")][0]
    assert (delta.text, delta.places, delta.where) == ("0.036770", 6, "Output Layer Error")
    assert delta.value == pytest.approx(0.03677, abs=1e-15)
    assert dict(delta.uses)[parse_key("fprime2[0]")].text == "0.222774"
    assert [p.text for p in ex.published[parse_key("delta1[0]")]] == ["0.012245", "0.002728"]
    assert sum(len(p) for p in ex.published.values()) == 44
    assert [s.name for s in ex.stated_losses] == ["cross_entropy", "mse"]


def test_seed_004_loads_with_the_default_notation() -> None:
    ex = load("manual-221")
    assert (ex.architecture, ex.learning_rate, ex.places, ex.targets) == ("2-2-1", 0.1, 7, (1.0,))
    assert ex.biases == [[0.0, 0.0], [0.1]]
    assert ex.notation(parse_key("W1[0,1]")).text == "W⁽¹⁾₁₂"
    assert ex.notation(parse_key("W1[0,1]")).latex == "W^{(1)}_{12}"
    assert ex.notation(parse_key("delta2[0]")).text == "δ⁽²⁾"
    assert ex.notation(parse_key("a2[0]")).text == "y"
    assert ex.notation(parse_key("z1[0]_new")).text == "z⁽¹⁾₁ⁿᵉʷ"
    assert ex.notation(parse_key("fprime2[0]")).text == "dy/dz⁽²⁾"
    assert [p.text for p in ex.published[parse_key("a2[0]")]] == ["0.5285101", "0.5285"]
    assert [p.places for p in ex.published[parse_key("L")]] == [5, 2]
    assert sum(len(p) for p in ex.published.values()) == 50


def test_every_quantity_has_a_default_symbol() -> None:
    two_outputs = BASE.replace("targets = [1.0]", "targets = [1.0, 0.0]").replace(
        "weights = [[0.3, -0.2]]\nbiases = [0.1]", "weights = [[0.3, -0.2], [0.1, 0.4]]"
    )
    notation = parse(two_outputs).notation
    assert notation(parse_key("e[1]")).text == "e₂"  # output 2's signed error
    assert notation(parse_key("L[0]")).text == "L₁"  # output 1's term of the loss
    assert notation(parse_key("L[0]_new")).text == "L₁ⁿᵉʷ"
    assert notation(parse_key("backterm1[0,1]")).text == "W⁽²⁾₂₁·δ⁽²⁾₂"  # term 2 of ∂L/∂a⁽¹⁾₁
    assert parse(BASE).notation(parse_key("e[0]")).text == "e"  # one output: no subscript


def test_a_printing_matches_within_half_a_unit_in_its_last_place() -> None:
    printed = Printing("0.036770", 0.03677, 6)
    assert printed.matches(0.0367704999)
    assert printed.matches(0.0367695001)
    assert not printed.matches(0.0367705001)
    assert not printed.matches(0.036769)


# ---- errors: one line naming the place and the fault --------------------------------------------


def _error(text: str) -> ExampleError:
    with pytest.raises(ExampleError) as info:
        parse(text, file="ex.toml")
    return info.value


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "[[0.3, -0.2]]",
            "[[0.3, -0.2], [0.1, 0.1]]",
            "ex.toml: layers[1].weights: expected 1×2, got 2×2",
        ),
        (
            "[[0.3, -0.2]]",
            "[[0.3, -0.2, 0.5]]",
            "ex.toml: layers[1].weights: expected 1×2, got 1×3",
        ),
        (
            "[[0.2, -0.4], [0.7, 0.1]]",
            "[[0.2, -0.4], [0.7, 0.1, 0.3]]",
            "ex.toml: layers[0].weights: expected 2×2, got 2 rows of lengths 2, 3",
        ),
        (
            "biases = [0.1]",
            "biases = [0.1, 0.2]",
            "ex.toml: layers[1].biases: expected 1 (one per neuron), got 2",
        ),
        (
            "[[layers]]\nweights = [[0.3",
            '[[layers]]\nactivation = "sigmod"\nweights = [[0.3',
            "ex.toml: layers[1].activation: unknown activation 'sigmod'; valid names: sigmoid, tanh, relu, linear",
        ),
        (
            "learning_rate = 0.1",
            'learning_rate = 0.1\nloss = "mae"',
            (
                "ex.toml: loss: unknown loss 'mae'; valid names: squared_error, sum_squared_error, "
                "mse, cross_entropy"
            ),
        ),
        (
            "learning_rate = 0.1",
            "learnig_rate = 0.1",
            "ex.toml: learnig_rate: unknown key (did you mean 'learning_rate'?)",
        ),
        (
            "learning_rate = 0.1",
            "learning_rate = -0.1",
            "ex.toml: learning_rate: expected a positive number, got -0.1",
        ),
        (
            "learning_rate = 0.1",
            "learning_rate = 0.1\nsteps = 0",
            "ex.toml: steps: expected a whole number from 1 to 100000, got 0",
        ),
        ("inputs = [1.0, 0.5]\n", "", "ex.toml: inputs: missing (required)"),
        (
            "inputs = [1.0, 0.5]",
            'inputs = [1.0, "x"]',
            "ex.toml: inputs[1]: expected a number, got a string ('x')",
        ),
        (
            "inputs = [1.0, 0.5]",
            "inputs = [[1.0, 0.5], [0.2, 0.3]]",
            "ex.toml: inputs: expected one sample as a list of numbers (batches are not supported)",
        ),
        (
            "[[layers]]\nweights = [[0.3",
            "[[layers]]\nsize = 2\nweights = [[0.3",
            "ex.toml: layers[1].weights: expected 2×2, got 1×2",
        ),
    ],
)
def test_an_invalid_file_gets_one_line_with_the_key_path(old: str, new: str, message: str) -> None:
    assert old in BASE
    assert str(_error(BASE.replace(old, new, 1))) == message


@pytest.mark.parametrize(
    ("published", "message"),
    [
        (
            '"a1[0]" = 0.5',
            (
                'ex.toml: published."a1[0]": write the number as printed, in quotes ("0.5"), so its '
                "decimals are kept, or as { value = 0.5, places = N }"
            ),
        ),
        (
            '"a3[0]" = "0.5"',
            'ex.toml: published."a3[0]": no layer 3: the network has layers 1 to 2',
        ),
        (
            '"a1[2]" = "0.5"',
            'ex.toml: published."a1[2]": no neuron of layer 1 2: indices run from 0 to 1',
        ),
        (
            '"W1[0,0]" = "0.2"',
            (
                'ex.toml: published."W1[0,0]": W1[0,0] is given by the example, not computed; '
                "put it in a printing's uses to check a quoted value"
            ),
        ),
        (
            '"zz[0]" = "0.5"',
            (
                "ex.toml: published.\"zz[0]\": 'zz[0]' is not a quantity name; use forms like x[0], "
                "W1[0,1], z2[0], delta1[0], dL_dW2[0,1], W1[0,1]_new or one of eta, L, L_new, error, "
                "error_new, L_reduction, L_reduction_pct, error_reduction, error_reduction_pct"
            ),
        ),
        (
            '"a1[0]" = "0.5x"',
            (
                "ex.toml: published.\"a1[0]\": '0.5x' is not a decimal number as printed "
                '(like "0.036770" or "-0.2")'
            ),
        ),
        (
            '"a1[0]" = "1e400"',
            "ex.toml: published.\"a1[0]\": '1e400' is beyond the range of a floating-point number",
        ),
        (
            '"a1[0]" = "5e-400"',
            "ex.toml: published.\"a1[0]\": '5e-400' is beyond the range of a floating-point number",
        ),
        (
            '"a1[0]" = { value = "0.5", places = 3 }',
            "ex.toml: published.\"a1[0]\".places: '0.5' has 1 decimals, not 3",
        ),
    ],
)
def test_a_bad_published_value_names_its_key(published: str, message: str) -> None:
    assert str(_error(BASE + "\n[published]\n" + published + "\n")) == message


def test_cross_entropy_needs_a_sigmoid_output() -> None:
    text = BASE.replace("learning_rate = 0.1", 'learning_rate = 0.1\nloss = "cross_entropy"')
    text = text.replace(
        "[[layers]]\nweights = [[0.3", '[[layers]]\nactivation = "tanh"\nweights = [[0.3'
    )
    assert str(_error(text)) == (
        "ex.toml: loss: cross_entropy needs a sigmoid output layer, the last "
        "layer's activation is 'tanh'"
    )


def test_a_toml_syntax_error_gives_file_line_and_column() -> None:
    path = str(DATA / "bad_syntax.toml")
    with pytest.raises(ExampleError) as info:
        load(path)
    error = info.value
    assert (error.file, error.line, error.column) == (path, 4, 20)
    assert (
        str(error)
        == f"{path}:4:20: invalid TOML: Expected newline or end of document after a statement"
    )


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(
        ExampleError,
        match=r"^nope: no such file or shipped example \(shipped examples: "
        r"glickert, han-kamber, manual-221, mazur, nnwj-online, schiendorfer\)$",
    ):
        load("nope")
    with pytest.raises(ExampleError, match="is a directory"):
        load(str(tmp_path))
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"inputs = [\xff]\n")
    with pytest.raises(ExampleError, match=r"binary.toml: not UTF-8 text \(byte 10\)$"):
        load(str(binary))


def test_a_file_takes_its_name_from_the_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(BASE, encoding="utf-8")
    ex = load(str(path))
    assert (ex.name, ex.description, ex.file) == ("mine", "mine", str(path))


def test_weights_omitted_are_drawn_from_the_seed() -> None:
    text = "inputs = [1.0, 0.5, -0.3]\ntargets = [0.0, 1.0]\nlearning_rate = 0.5\nseed = 7\n"
    text += "[[layers]]\nsize = 4\nactivation = 'tanh'\n[[layers]]\nsize = 2\n"
    first, again = parse(text), parse(text)
    assert first.weights == again.weights
    assert [len(W) for W in first.weights] == [4, 2] and len(first.weights[1][0]) == 4
    bound = 1 / 3**0.5  # nn.MLP draws uniformly in ±1/√fan_in
    assert all(abs(w) <= bound for row in first.weights[0] for w in row)
    assert parse(text.replace("seed = 7", "seed = 8")).weights != first.weights
    assert str(_error(BASE.replace("weights = [[0.3, -0.2]]", "size = 1"))) == (
        "ex.toml: layers[1].weights: missing: give weights for every layer or for none"
    )


# ---- quantity names and symbols ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x[0]",
        "t[1]",
        "W2[0,1]",
        "b1[3]",
        "term1[1,0]",
        "z2[0]",
        "a1[1]",
        "1-a1[0]",
        "dL_da1[0]",
        "fprime2[0]",
        "delta1[1]",
        "dL_dW1[1,0]",
        "dL_db2[0]",
        "step_W2[0,1]",
        "step_b1[0]",
        "W1[0,1]_new",
        "b2[0]_new",
        "z1[0]_new",
        "a2[0]_new",
        "term2[0,1]_new",
        "eta",
        "L",
        "L_new",
        "error_reduction_pct",
    ],
)
def test_quantity_names_round_trip(text: str) -> None:
    assert str(parse_key(text)) == text


@pytest.mark.parametrize(
    "text", ["W[0,1]", "z1[0,1]", "x1[0]", "delta1[0]_new", "dL_dW1[0]", "L2", "y"]
)
def test_malformed_quantity_names_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a quantity name"):
        parse_key(text)


def test_renew_moves_a_key_across_the_update() -> None:
    assert parse_key("W1[0,1]").renew() == Key("W", 1, 0, 1, True)
    assert str(parse_key("L").renew()) == "L_new"
    assert str(parse_key("L_new").renew(False)) == "L"


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("δ⁽²⁾₁", r"\delta^{(2)}_{1}"),
        ("w_{x1→h1}", r"w_{x1\rightarrow h1}"),
        ("σ′(z_o)", r"\sigma'(z_o)"),
        ("Δw", r"\Delta w"),
        ("x₁₂", "x_{12}"),
        ("h₁", "h_{1}"),
    ],
)
def test_latex_from_unicode_symbols(text: str, latex: str) -> None:
    assert latex_from_text(text) == latex


# ---- the weight index convention --------------------------------------------------------------


def test_weight_index_from_to_writes_the_default_subscripts_from_then_to() -> None:
    to_from = parse(BASE).notation
    from_to = parse(BASE + '[conventions]\nweight_index = "from_to"\n').notation
    assert to_from(parse_key("W1[0,1]")).text == "W⁽¹⁾₁₂"  # into neuron 1 from input 2
    assert from_to(parse_key("W1[0,1]")).text == "W⁽¹⁾₂₁"  # from input 2 to neuron 1
    assert from_to(parse_key("W1[0,1]")).latex == "W^{(1)}_{21}"
    assert from_to(parse_key("dL_dW2[0,1]")).text == "∂L/∂W⁽²⁾₂₁"
    assert from_to(parse_key("backterm1[1,0]")).text == "W⁽²⁾₂₁·δ⁽²⁾"  # W2[0,1]·δ⁽²⁾
    assert from_to(parse_key("W1[1,0]")).text == to_from(parse_key("W1[0,1]")).text


def test_weight_index_is_validated() -> None:
    assert str(_error(BASE + '[conventions]\nweight_index = "ij"\n')) == (
        "ex.toml: conventions.weight_index: expected one of to_from, from_to, got a string ('ij')"
    )
    assert str(_error(BASE + "[conventions]\nweight_index = 1\n")) == (
        "ex.toml: conventions.weight_index: expected one of to_from, from_to, got a number (1)"
    )


# ---- batch training ---------------------------------------------------------------------------

BATCH = (Path(__file__).parent / "data" / "batch.toml").read_text(encoding="utf-8")


def test_batch_keys_name_their_pattern() -> None:
    ex = parse(
        BATCH + '[published]\n"a2[0]@2" = "0.5242"\n"dL_dW2[0,1]" = "0.0143"\n"L" = "0.12"\n'
    )
    assert ex.cycle == 1 and ex.conventions.batch
    assert [str(key) for key in ex.published] == ["a2[0]@2", "dL_dW2[0,1]", "L"]
    assert ex.notation(parse_key("a1[0]@2")).text == "a⁽¹⁾₁⟨2⟩"
    assert ex.notation(parse_key("a1[0]@2")).latex == r"{a^{(1)}_{1}}^{\langle 2\rangle}"
    assert ex.notation(parse_key("dL_dW2[0,1]@1")).text == "∂L⟨1⟩/∂W⁽²⁾₁₂"
    assert parse(BASE).cycle == 1 and parse(BATCH.replace("batch_mean", "online")).cycle == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BATCH.replace('"batch_mean"', '"batch"'),
            (
                "ex.toml: conventions.updates: expected one of online, batch_sum, batch_mean, "
                "got a string ('batch')"
            ),
        ),
        (
            BATCH + '[published]\n"z1[0]" = "0.5"\n',
            (
                'ex.toml: published."z1[0]": in batch training name the pattern: expected z1[0]@1 '
                "to z1[0]@2, got z1[0]"
            ),
        ),
        (
            BATCH + '[published]\n"z1[0]@3" = "0.5"\n',
            'ex.toml: published."z1[0]@3": no pattern 3: patterns run from 1 to 2',
        ),
        (
            BATCH + '[published]\n"W1[0,0]_new@1" = "0.5"\n',
            (
                "ex.toml: published.\"W1[0,0]_new@1\": 'W1[0,0]_new@1' is not a quantity name: "
                "W is not computed per pattern"
            ),
        ),
        (
            BATCH + '[published]\n"L" = { value = "0.1", uses = { "a2[0]" = "0.5" } }\n',
            (
                'ex.toml: published."L".uses."a2[0]": in batch training name the pattern: '
                "expected a2[0]@1 to a2[0]@2, got a2[0]"
            ),
        ),
        (
            BATCH + '[[at]]\nstep = 1\npattern = 2\npublished = { "L" = "0.1" }\n',
            (
                "ex.toml: at[0].pattern: a batch update trains every pattern: name the pattern in "
                'the key ("z1[0]@2"), not in [[at]]'
            ),
        ),
        (
            BASE + '[published]\n"z1[0]@1" = "0.5"\n',
            (
                'ex.toml: published."z1[0]@1": z1[0]@1 names a pattern, which only batch training '
                'does (updates = "batch_sum" or "batch_mean" under [conventions]); online, use '
                "[[at]] with pattern = N"
            ),
        ),
    ],
)
def test_bad_batch_input_names_the_key_path(text: str, message: str) -> None:
    assert str(_error(text)) == message

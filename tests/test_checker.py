"""The derivation checker: what it finds in both seed documents, and each slip it claims to recognise."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import SEED_000, NetCase, net_cases
from test_walkthrough import toml_from_case

from microgradnet.tutorial import keys as k
from microgradnet.tutorial.checker import Check, Row, check
from microgradnet.tutorial.equations import Model, Quantity
from microgradnet.tutorial.format import load, parse
from microgradnet.tutorial.keys import parse as parse_key
from microgradnet.tutorial.walkthrough import run
from microgradnet.tutorial.write_check import check as check_text
from microgradnet.tutorial.write_walkthrough import walkthrough

DATA = Path(__file__).parent / "data"


def _not_agreeing(result: Check) -> list[tuple[str, str, str, int | None]]:
    return [
        (str(r.claim.key), r.claim.printing.text, r.verdict, r.finding)
        for r in result.shown()
        if r.verdict not in ("agrees", "agrees_rounded")
    ]


def _row(result: Check, key: str, text: str) -> Row:
    return next(r for r in result.rows if str(r.claim.key) == key and r.claim.printing.text == text)


# ---- seed document 000 ------------------------------------------------------------------------


def test_seed_000_has_two_root_causes_and_two_consequences() -> None:
    result = check(load("glickert"))
    assert not result.ok
    assert _not_agreeing(result) == [
        ("fprime2[0]", "0.222774", "differs", 1),
        ("delta2[0]", "0.165074", "differs", 2),  # δ_o as substituted into δ_h1
        ("delta1[0]", "0.012245", "consequence", 2),
        ("delta2[0]", "0.165074", "differs", 2),  # … and into δ_h2
        ("delta1[1]", "0.036235", "consequence", 2),
    ]
    assert len(list(result.shown())) == 46


def test_seed_000_sigma_prime_of_z_o_is_an_isolated_misprint() -> None:
    result = check(load("glickert"))
    first = result.findings[0]
    assert first.slip is None and str(first.site) == "fprime2[0]"
    assert first.site_exact == pytest.approx(0.2227507, abs=0.5e-7)  # o(1 − o)
    assert first.consequences == ()
    assert [str(result.rows[n].claim.key) for n in first.unaffected] == [
        "delta2[0]"
    ]  # δ_o = 0.036770 is right
    assert _row(result, "delta2[0]", "0.036770").substituted == pytest.approx(0.036774, abs=0.5e-6)


def test_seed_000_hidden_deltas_use_the_cross_entropy_output_delta() -> None:
    result = check(load("glickert"))
    second = result.findings[1]
    assert second.slip is not None and second.slip.name == "derivative_dropped"
    assert str(second.site) == "delta2[0]"
    assert second.site_value == pytest.approx(0.165074, abs=0.5e-6)  # o − y
    assert [result.rows[n].claim.printing.where for n in second.consequences] == [
        "Hidden Layer Deltas"
    ] * 2
    # the weight updates use the right δ_h1 = 0.002728 and δ_h2 = 0.008071: nothing further is affected
    assert {str(result.rows[n].claim.key) for n in second.unaffected} == {
        "step_W1[0,0]",
        "step_W1[0,1]",
        "step_W1[1,0]",
        "step_W1[1,1]",
    }
    assert _row(result, "delta1[0]", "0.002728").verdict == "agrees"


def test_seed_000_names_the_loss_inconsistently() -> None:
    stated = check(load("glickert")).stated
    assert [(s.stated.name, s.verdict, str(s.key)) for s in stated] == [
        ("cross_entropy", "differs", "delta2[0]"),
        ("mse", "loose", "delta2[0]"),
    ]
    assert stated[0].value == pytest.approx(0.165074, abs=0.5e-6)  # δ_o = o − y under cross-entropy
    assert stated[1].value == pytest.approx(0.073541, abs=0.5e-6)  # 2(o − y)σ′(z_o) under (o − y)²


# ---- seed document 004 ------------------------------------------------------------------------


def test_seed_004_agrees_everywhere() -> None:
    result = check(load("manual-221"))
    assert result.ok
    assert _not_agreeing(result) == [] and result.findings == ()
    assert len(list(result.shown())) == 50


def test_seed_004_prints_full_precision_values_beside_rounded_substitutions() -> None:
    result = check(load("manual-221"))
    notes = {
        (str(r.claim.key), r.claim.printing.text): r.substituted
        for r in result.rows
        if r.substituted is not None
    }
    assert set(notes) == {("L", "0.11115"), ("z2[0]_new", "0.13447")}
    assert notes["L", "0.11115"] == pytest.approx(0.111156125, abs=1e-12)  # ½(0.5285 − 1)²
    assert notes["z2[0]_new", "0.13447"] == pytest.approx(
        0.13447644, abs=1e-8
    )  # from a⁽¹⁾ⁿᵉʷ = 0.5005, 0.6789


def test_seed_004_calls_half_the_squared_error_mse() -> None:
    (stated,) = check(load("manual-221")).stated
    assert (stated.verdict, str(stated.key)) == ("loose", "L")
    assert stated.value == pytest.approx(0.2223027, abs=1e-7)  # (y − t)², twice the printed L


def test_the_seed_reports_say_what_was_found() -> None:
    text = check_text(check(load("glickert")))
    assert "46 printed values: 41 agree, 3 differ, 2 are consequences, 2 root causes." in text
    assert "[1] σ′(z_o): printed 0.222774, recomputed 0.222751; unexplained: no catalogued" in text
    assert "output delta without the activation derivative: o − y (the cross-entropy form)" in text
    assert "δ_{h1} (Hidden Layer Deltas) = 0.012245 (should be 0.002728)" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "50 printed values: 50 agree, 0 root causes." in check_text(check(load("manual-221")))


# ---- deliberately wrong files -----------------------------------------------------------------

SLIPS = [
    (
        "slip_derivative_dropped.toml",
        "derivative_dropped",
        "delta2[0]",
        ["delta2[0]"],
        [
            "dL_da1[0]",
            "delta1[0]",
            "dL_da1[1]",
            "delta1[1]",
            "dL_dW2[0,0]",
            "dL_dW2[0,1]",
            "dL_db2[0]",
            "W2[0,0]_new",
            "W2[0,1]_new",
        ],
    ),
    (
        "slip_derivative_added.toml",
        "derivative_added",
        "delta2[0]",
        ["delta2[0]"],
        ["dL_dW2[0,0]", "dL_dW2[0,1]"],
    ),
    ("slip_mixed_forms.toml", "derivative_dropped", "delta2[0]", ["delta1[0]", "delta1[1]"], []),
    ("slip_half_missing.toml", "half_missing", "L", ["L"], []),
    ("slip_half_doubled.toml", "half_doubled", "L", ["L"], []),
    (
        "slip_update_sign.toml",
        "update_sign",
        "W2[0,0]_new",
        [
            "W2[0,0]_new",
            "W2[0,1]_new",
            "b2[0]_new",
            "W1[0,0]_new",
            "W1[0,1]_new",
            "b1[0]_new",
            "W1[1,0]_new",
            "W1[1,1]_new",
            "b1[1]_new",
        ],
        ["z1[0]_new", "z1[1]_new", "a2[0]_new", "L_new"],
    ),
    (
        "slip_updated_weights.toml",
        "updated_weights",
        "dL_da1[0]",
        ["dL_da1[0]", "dL_da1[1]"],
        ["delta1[0]", "delta1[1]", "dL_dW1[0,0]", "dL_dW1[0,1]", "dL_dW1[1,0]", "dL_dW1[1,1]"],
    ),
    ("slip_rounded.toml", "rounded", "a2[0]", ["L"], []),
    (
        "slip_error_sign.toml",
        "error_sign",
        "dL_da2[0]",
        ["dL_da2[0]"],
        ["delta2[0]", "dL_dW2[0,0]", "dL_dW2[0,1]", "W2[0,0]_new", "W2[0,1]_new"],
    ),
    (
        "slip_propagated.toml",
        None,
        "z1[0]",
        ["z1[0]"],
        ["a1[0]", "z2[0]", "a2[0]", "L", "delta2[0]", "dL_dW2[0,0]", "W2[0,0]_new"],
    ),
]


@pytest.mark.parametrize(
    ("file", "slip", "site", "roots", "consequences"), SLIPS, ids=[s[0] for s in SLIPS]
)
def test_each_deliberate_slip_is_named_once_with_its_consequences(
    file: str, slip: str | None, site: str, roots: list[str], consequences: list[str]
) -> None:
    result = check(load(str(DATA / file)))
    assert not result.ok
    (finding,) = result.findings  # one root cause, reported once
    assert (None if finding.slip is None else finding.slip.name) == slip
    assert str(finding.site) == site
    assert [str(result.rows[n].claim.key) for n in finding.roots] == roots
    assert [str(result.rows[n].claim.key) for n in finding.consequences] == consequences
    wrong = {n for n in (*finding.roots, *finding.consequences)}
    for n, row in enumerate(result.rows):  # and nothing else is flagged
        assert (row.verdict in ("differs", "consequence")) == (n in wrong), str(row.claim.key)


#: The slips students make, each planted in a 2-2-2 network by the catalogue's own formulas.
STUDENT_SLIPS = [
    ("other_derivative", "fprime1[0]", ["fprime1[0]", "fprime1[1]"]),
    ("derivative_at_activation", "fprime2[0]", ["fprime2[0]", "fprime2[1]"]),
    (
        "input_factor_missing",
        "dL_dW2[0,0]",
        ["dL_dW2[0,0]", "dL_dW2[1,1]", "dL_dW1[0,0]", "dL_dW1[1,1]"],
    ),
    ("transposed_weights", "dL_da1[0]", ["dL_da1[0]", "dL_da1[1]"]),
    ("layer_update_sign", "W1[0,0]_new", ["W1[0,0]_new", "b1[0]_new", "W1[1,1]_new"]),
]


@pytest.mark.parametrize(
    ("slip", "site", "roots"), STUDENT_SLIPS, ids=[s[0] for s in STUDENT_SLIPS]
)
def test_each_student_slip_is_the_one_root_cause(slip: str, site: str, roots: list[str]) -> None:
    result = check(load(str(DATA / f"slip_{slip}.toml")))
    (finding,) = result.findings
    assert finding.slip is not None and finding.slip.name == slip
    assert str(finding.site) == site
    assert [str(result.rows[n].claim.key) for n in finding.roots] == roots
    wrong = {*finding.roots, *finding.consequences}
    for n, row in enumerate(result.rows):  # every other value agrees
        assert (row.verdict in ("differs", "consequence")) == (n in wrong), row.claim.key


def test_a_rounded_intermediate_is_named_with_its_decimals() -> None:
    (finding,) = check(load(str(DATA / "slip_rounded.toml"))).findings
    assert finding.slip is not None and (str(finding.slip.site), finding.slip.decimals) == (
        "a2[0]",
        2,
    )
    assert finding.site_value == pytest.approx(0.59, abs=1e-15)


def test_the_update_sign_is_preferred_to_an_error_sign_the_printed_gradients_contradict() -> None:
    result = check(load(str(DATA / "slip_update_sign.toml")))
    gradients = [r for r in result.rows if str(r.claim.key).startswith("dL_d")]
    assert len(gradients) == 7 and all(r.verdict == "agrees" for r in gradients)
    assert result.findings[0].slip is not None and result.findings[0].slip.name == "update_sign"


# ---- never flags a correct number -------------------------------------------------------------


@settings(max_examples=25)
@given(net_cases(max_layers=3, max_width=3, max_batch=1), st.integers(0, 9))
def test_a_document_that_prints_the_right_numbers_passes(case: NetCase, places: int) -> None:
    """Every computed quantity printed correctly rounded to ``places`` decimals: nothing is flagged."""
    text = toml_from_case(case)
    values = run(parse(text)).values
    printed = [
        f'"{key}" = "{value:.{places}f}"'
        for key, value in values.items()
        if not key.given and math.isfinite(value)
    ]  # a zero loss has no percent reduction
    result = check(parse(text + "[published]\n" + "\n".join(printed) + "\n"))
    assert result.ok, [
        (str(r.claim.key), r.claim.printing.text) for r in result.rows if r.verdict != "agrees"
    ]
    assert result.findings == ()


# ---- conventions are never slips --------------------------------------------------------------


def test_numbers_that_fit_only_the_other_sign_convention_get_a_one_line_hint() -> None:
    text = (Path(__file__).parent.parent / "microgradnet/examples/han-kamber.toml").read_text(
        "utf-8"
    )
    text = text.replace('error_signal = "negative_gradient"', 'error_signal = "gradient"')
    text = text.replace('step = "added"', 'step = "subtracted"')
    result = check(parse(text))
    assert result.hint.startswith("the printed numbers fit the other sign convention")
    assert 'error_signal = "negative_gradient" and step = "added"' in result.hint
    assert check(load("han-kamber")).ok and check(load("han-kamber")).hint == ""


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("han-kamber", "ok"),
        ("nnwj-online", "ok"),
        ("mazur", "3 findings"),
        ("schiendorfer", "1 finding"),
    ],
)
def test_the_new_shipped_examples_verdicts(name: str, verdict: str) -> None:
    result = check(load(name))
    if verdict == "ok":
        assert result.ok and result.findings == ()
        return
    names = [None if f.slip is None else f.slip.name for f in result.findings]
    expected = {
        "mazur": ["rounded", "updated_weights", "step_count"],
        "schiendorfer": ["truncated"],
    }[name]
    assert names == expected


def test_mazur_after_one_round_is_the_updated_weights_slip_and_10000_steps_one_off() -> None:
    result = check(load("mazur"))
    rounded, updated, steps = result.findings
    assert rounded.slip is not None and (str(rounded.slip.site), rounded.slip.decimals) == (
        "delta2[1]",
        9,
    )
    keys = [(str(result.rows[n].claim.key), result.rows[n].claim.at) for n in updated.roots]
    assert keys == [("L_new", None), ("a2[0]", 0), ("a2[1]", 0)]
    assert steps.slip is not None and "9,999 updates, not 10,000" in steps.slip.description
    # the text's own algorithm after exactly 10,000 updates (recomputed by the research notes)
    (row,) = [result.rows[n] for n in steps.roots]
    assert row.recomputed == pytest.approx(3.510187782978859e-05, rel=1e-9)


# ---- judged from the operands the document prints ---------------------------------------------

#: One sigmoid neuron, x = 1, w = 1: y = σ(1) = 0.7310586, which a document may print as 0.73.
ONE_NEURON = """\
inputs = [1.0]
targets = [1.0]
loss = "LOSS"
learning_rate = 0.5
[[layers]]
weights = [[1.0]]
[published]
"a1[0]" = "0.73"
"""


@pytest.mark.parametrize(
    ("loss", "printed", "exact"),
    [
        ("cross_entropy", "0.3147", 0.3132617),  # −ln 0.73 = 0.314711; −ln σ(1) = 0.313262
        ("squared_error", "0.0365", 0.0361647),  # ½(0.73 − 1)² = 0.03645; ½(σ(1) − 1)² = 0.036165
    ],
)
def test_a_loss_from_the_printed_output_agrees_given_the_printed_operands_whatever_the_loss(
    loss: str, printed: str, exact: float
) -> None:
    text = ONE_NEURON.replace("LOSS", loss) + f'"L" = "{printed}"\n'
    result = check(parse(text))
    row = _row(result, "L", printed)
    assert row.verdict == "agrees_rounded" and result.ok
    assert row.recomputed == pytest.approx(exact, abs=0.5e-7)
    assert [str(result.claims[s].key) for s in row.sources] == ["a1[0]"]
    # the walkthrough marks it with the same rule
    (line,) = [
        ln for s in json.loads(walkthrough(run(parse(text)), "json"))["sections"]
        for ln in s["lines"] if ln["key"] == "L"
    ]  # fmt: skip
    assert [(p["text"], p["verdict"]) for p in line["published"]] == [(printed, "agrees_rounded")]


def test_a_slip_made_on_the_printed_rounded_operands_is_named() -> None:
    """δ = y − t from the printed y = 0.73 is −0.2700; from the exact y it would be −0.2689."""
    result = check(parse(ONE_NEURON.replace("LOSS", "squared_error") + '"delta1[0]" = "-0.2700"\n'))
    (finding,) = result.findings
    assert finding.slip is not None and finding.slip.name == "derivative_dropped"
    assert _row(result, "delta1[0]", "-0.2700").reproduced == pytest.approx(-0.27, abs=1e-12)


def test_a_drift_note_names_the_one_operand_that_causes_it() -> None:
    """δ⁽²⁾ = (y − t)·y(1 − y) from the printed y = 0.53 (exact 0.534573): z⁽¹⁾₁, a⁽¹⁾₁, a⁽¹⁾₂ are
    printed too, rounded, but only y moves δ⁽²⁾ past its last printed digit."""
    text = """\
inputs = [1.0, 0.5]
targets = [1.0]
learning_rate = 0.5
[[layers]]
weights = [[0.4, -0.3], [0.2, 0.6]]
[[layers]]
weights = [[0.8, -0.5]]
[published]
"z1[0]" = "0.25"
"a1[0]" = "0.56"
"a1[1]" = "0.62"
"a2[0]" = "0.53"
"delta2[0]" = "-0.117077"
"""
    result = check(parse(text))
    row = _row(result, "delta2[0]", "-0.117077")
    assert row.verdict == "agrees_rounded"
    assert row.recomputed == pytest.approx(-0.1158005, abs=1e-7)
    assert [str(result.claims[s].key) for s in row.sources] == ["a2[0]"]
    assert "δ⁽²⁾ = -0.117077 follows from the printed y = 0.53; at full precision" in check_text(
        result
    )


def test_the_readme_batch_example_checks_out() -> None:
    """The README's batch-training block is a real example: every number it prints agrees."""
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    blocks = [b.split("```")[0] for b in readme.split("```toml\n")[1:]]
    (block,) = [b for b in blocks if 'updates = "batch_mean"' in b]
    result = check(parse(block))
    assert result.ok and len(result.rows) == 4
    assert [r.verdict for r in result.rows] == ["agrees"] * 4


def test_values_a_found_rounding_implies_are_its_consequences_not_new_roots() -> None:
    """Seed 000's network with δ_o rounded to 0.037 (unprinted) and carried into everything after
    it: one root cause, the rounding, and every printed value after it explained by it."""
    base = toml_from_case(SEED_000)
    model = Model(parse(base))
    quantity = model.quantities[k.delta(2, 0)]
    rounded = Quantity(quantity.key, quantity.deps, lambda v: round(quantity.fn(v), 3))
    slipped = model.evaluate(None, [rounded])
    names = ["dL_dW2[0,0]", "dL_dW2[0,1]", "dL_da1[0]", "delta1[0]", "delta1[1]", "dL_dW1[0,0]",
             "dL_dW1[1,1]", "W2[0,0]_new", "W1[1,1]_new"]  # fmt: skip
    printed = [f'"{name}" = "{slipped[parse_key(name)]:.6f}"' for name in names]
    result = check(parse(base + "[published]\n" + "\n".join(printed) + "\n"))
    (finding,) = result.findings
    assert finding.slip is not None and finding.slip.name == "rounded"
    assert (str(finding.site), finding.slip.decimals) == ("delta2[0]", 3)
    assert len(finding.roots) + len(finding.consequences) == len(names)
    assert not any(r.verdict.startswith("agrees") for r in result.rows)

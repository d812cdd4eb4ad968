"""Exercises: seeded problems whose key is the walkthrough's and autograd's numbers, graded with
follow-through; the same seed gives the same files byte for byte."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from latex import compile_latex, needs_pdflatex

from microgradnet.cli import main
from microgradnet.exercise.answers import Answers
from microgradnet.exercise.draw import Exercise, draw, exact_product, near_boundary
from microgradnet.exercise.grade import grade
from microgradnet.exercise.judge import judge, tolerance
from microgradnet.exercise.keyfile import key_data
from microgradnet.exercise.plant import FindTheSlip, candidates, find_the_slip, planted
from microgradnet.exercise.solution import printed, shown_keys, worked
from microgradnet.exercise.spec import ExerciseError, spec
from microgradnet.nn import MLP
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.autograd import autograd_values
from microgradnet.tutorial.checker import check
from microgradnet.tutorial.equations import Token
from microgradnet.tutorial.formatting import number
from microgradnet.tutorial.walkthrough import run

#: Options a teacher may give (architecture, activation, loss, bias, convention, places).
OPTIONS = st.fixed_dictionaries(
    {
        "arch": st.sampled_from(["2-2-1", "2-2-2", "3-2-1", "2-3-1"]),
        "activation": st.sampled_from(["sigmoid", "tanh", "sigmoid,linear"]),
        "loss": st.sampled_from(["squared_error", "mse", "sum_squared_error"]),
        "bias": st.booleans(),
        "convention": st.sampled_from(["gradient", "textbook"]),
        "places": st.integers(3, 5),
    }
)
SEEDS = st.integers(0, 10**6)


def _exercise(seed: int, options: dict[str, object]) -> Exercise:
    return draw(spec(seed, **options))  # type: ignore[arg-type]


def _printed(ex: Exercise, values: dict) -> dict:  # type: ignore[type-arg]
    """The answers a student writes: each value at the asked decimals."""
    return {q: float(number(values[q], ex.spec.places)) for q in ex.questions}


# ---- the key's numbers --------------------------------------------------------------------------


@settings(max_examples=12)
@given(SEEDS, OPTIONS)
def test_the_keys_numbers_are_the_walkthroughs_and_autograds(seed: int, options: dict) -> None:  # type: ignore[type-arg]
    ex = _exercise(seed, options)
    w, auto = run(ex.example), autograd_values(ex.example)
    answers = {a["key"]: a for a in key_data(ex)["answers"]}
    assert list(answers) == [str(q) for q in ex.questions]
    for q in ex.questions:
        value = answers[str(q)]["value"]
        assert value == w.line(q).value  # the same float: the key is the walkthrough
        if q in auto:  # autograd's own number, through the engine: float noise only
            assert value == pytest.approx(auto[q], rel=1e-12, abs=1e-12)
        assert answers[str(q)]["printed"] == number(value, ex.spec.places)
    for q, value in _engine_forward(ex, auto).items():  # z, a before and after, by the engine
        if q in ex.questions:
            assert answers[str(q)]["value"] == pytest.approx(value, rel=1e-12, abs=1e-12), q


def _engine_forward(ex: Exercise, auto: dict) -> dict:  # type: ignore[type-arg]
    """z⁽ˡ⁾ and a⁽ˡ⁾ through ``nn`` with the given parameters, and with autograd's updated ones."""
    found = {}
    for new in (False, True):
        weights = [
            [
                [auto[k.W(l, j, i).renew()] if new else w for i, w in enumerate(row)]
                for j, row in enumerate(layer.weights)
            ]
            for l, layer in enumerate(ex.example.layers, start=1)
        ]
        biases = [
            None
            if layer.biases is None
            else [auto[k.b(l, j).renew()] if new else b for j, b in enumerate(layer.biases)]
            for l, layer in enumerate(ex.example.layers, start=1)
        ]
        trace = MLP.from_weights(weights, biases, ex.example.activations).trace(
            list(ex.example.inputs)
        )
        for l, (zs, acts) in enumerate(zip(trace.z, trace.a), start=1):
            for j, (z, a) in enumerate(zip(zs, acts)):
                found[k.z(l, j, new)], found[k.a(l, j, new)] = z.data, a.data
    return found


@settings(max_examples=12)
@given(SEEDS, OPTIONS)
def test_numbers_are_chosen_for_hand_work(seed: int, options: dict) -> None:  # type: ignore[type-arg]
    ex = _exercise(seed, options)
    unit = 10.0**-ex.spec.places
    for key in ex.model.order:
        value = ex.model.values[key]
        if ex.model.is_given(key):  # k/20: at most two decimals
            assert round(value * 20) == pytest.approx(value * 20, abs=1e-9)
            continue
        if ex.model.quantities[key].unit != "%" and not exact_product(key):
            assert not near_boundary(value, ex.spec.places), key
        if key.kind in ("delta", "dL_dW", "dL_db"):
            assert abs(value) >= unit, key  # no gradient rounds to 0
        if key.kind == "fprime" and ex.example.layers[key.layer - 1].activation == "sigmoid":
            assert value >= 0.05, key  # σ′ not saturated


# ---- grading -----------------------------------------------------------------------------------


@settings(max_examples=12)
@given(SEEDS, OPTIONS)
def test_the_key_graded_against_itself_gets_full_marks(seed: int, options: dict) -> None:  # type: ignore[type-arg]
    ex = _exercise(seed, options)
    (report,) = grade(ex, [Answers("key", "key", _printed(ex, ex.model.values))])
    assert report.score == report.out_of == len(ex.questions)
    assert {m.verdict for m in report.marks} == {"correct"}


def _lost(ex: Exercise, site, values: dict) -> set:  # type: ignore[no-untyped-def,type-arg]
    """The asked quantities a slip at ``site`` makes wrong that cannot follow through: reached
    from the site by a path through no other asked quantity, and printed differently."""
    asked, found, frontier = set(ex.questions), set(), [site]
    children = ex.model.children()
    seen = set()
    while frontier:
        key = frontier.pop()
        if key in seen:
            continue
        seen.add(key)
        if key in asked:  # answered: what comes after can follow through
            found.add(key)
            continue
        frontier.extend(children.get(key, []))
    places = ex.spec.places
    return {q for q in found if number(values[q], places) != number(ex.model.values[q], places)}


@settings(max_examples=25)
@given(SEEDS, OPTIONS, st.data())
def test_one_planted_slip_loses_exactly_its_question_and_is_named(
    seed: int,
    options: dict,
    data: st.DataObject,  # type: ignore[type-arg]
) -> None:
    ex = _exercise(seed, options)
    pool = candidates(ex.model, ex.spec.places)
    planting = data.draw(st.sampled_from(pool))
    values = planted(ex.model, [planting])
    marks = judge(ex.model, ex.questions, _printed(ex, values), ex.spec.places)
    lost = {m.key for m in marks if m.verdict == "wrong"}
    expected = _lost(ex, planting.site, values)
    # A slip that moves a value by under ~2 printed units can be the rounding of the student's
    # own answers carried on (β ≤ τ·(1 + Σ|local derivatives|), and these are ≤ ~3 here), which
    # earns the benefit of the doubt; one that moves it by 10 units is never absorbed.
    unit = 10.0**-ex.spec.places
    clear = {q for q in expected if abs(values[q] - ex.model.values[q]) > 10 * unit}
    assert clear <= lost <= expected
    for m in marks:
        if m.verdict == "wrong":  # the slip made is among those named
            assert planting.slip.name in {s.name for s in m.mistakes}
        else:
            assert m.verdict in ("correct", "follow-through") and m.credit == 1.0
    descendants = {d for d in ex.questions if planting.site in ex.model.ancestors(d)}
    assert {m.key for m in marks if m.verdict == "follow-through"} <= descendants


def test_missing_answers_earn_nothing_and_follow_through_credit_is_the_teachers() -> None:
    ex = _exercise(1, {})
    pool = [p for p in candidates(ex.model, 4) if p.slip.name == "derivative_dropped"]
    answers = _printed(ex, planted(ex.model, pool))
    del answers[ex.questions[0]]
    (report,) = grade(ex, [Answers("s", "s", answers)], follow_through=0.5)
    verdicts = [m.verdict for m in report.marks]
    assert verdicts[0] == "missing" and verdicts.count("wrong") == 1
    assert report.score == pytest.approx(
        verdicts.count("correct") + 0.5 * verdicts.count("follow-through")
    )


def test_the_tolerance_is_half_a_printed_unit() -> None:
    assert tolerance(4) == pytest.approx(5e-5, rel=1e-15)


# ---- files and the command line ---------------------------------------------------------------


def _new(tmp: Path, *extra: str) -> int:
    return main(["exercise", "new", "--seed", "7", *extra, "-o", str(tmp)])


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    assert _new(tmp_path / "a", "--arch", "2-3-1", "--convention", "textbook") == 0
    assert _new(tmp_path / "b", "--arch", "2-3-1", "--convention", "textbook") == 0
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(files) == 11
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert _new(tmp_path / "c", "--arch", "2-3-1") == 0
    assert (tmp_path / "c" / "key.json").read_bytes() != (tmp_path / "a" / "key.json").read_bytes()


def test_an_existing_sheet_is_kept_without_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(tmp_path) == 0
    (tmp_path / "sheet.md").write_text("mine", encoding="utf-8")
    assert _new(tmp_path) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "sheet.md").read_text(encoding="utf-8") == "mine"
    assert _new(tmp_path, "--overwrite") == 0
    assert (tmp_path / "sheet.md").read_text(encoding="utf-8").startswith("# Backpropagation")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--arch", "2-9-1"], "not hand work"),
        (["--arch", "two"], "unknown architecture"),
        (["--convention", "sideways"], "unknown convention"),
        (["--activation", "swish"], "unknown activation"),
        (["--questions", "forward,everything"], "unknown question group"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    options: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(tmp_path / "x", *options) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_the_moodle_quiz_has_one_numerical_question_per_asked_quantity(tmp_path: Path) -> None:
    assert _new(tmp_path, "--places", "3", "--questions", "deltas,update") == 0
    root = ET.parse(tmp_path / "quiz.xml").getroot()
    assert root.tag == "quiz"
    numerical = [q for q in root if q.get("type") == "numerical"]
    key = json.loads((tmp_path / "key.json").read_text(encoding="utf-8"))
    assert len(numerical) == len(key["answers"]) > 0
    for question, answer in zip(numerical, key["answers"]):
        (correct,) = question.findall("answer")
        assert correct.get("fraction") == "100"
        assert float(correct.findtext("tolerance") or "nan") == pytest.approx(5e-4, rel=1e-12)
        assert float(correct.findtext("text") or "nan") == pytest.approx(answer["value"], abs=1e-6)
    (problem,) = [q for q in root if q.get("type") == "description"]
    picture = problem.find("questiontext/file")
    assert picture is not None and picture.get("encoding") == "base64"


def _answers_csv(path: Path, ex: Exercise, rows: list[tuple[str, int, dict]]) -> None:  # type: ignore[type-arg]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "seed", *map(str, ex.questions)])
        for student, seed, values in rows:
            writer.writerow(
                [student, seed, *(number(values[q], ex.spec.places) for q in ex.questions)]
            )


def test_grading_a_class_names_the_slip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _new(tmp_path / "ex") == 0
    ex = _exercise(7, {})
    slip = next(p for p in candidates(ex.model, 4) if p.slip.name == "input_factor_missing")
    _answers_csv(
        tmp_path / "class.csv",
        ex,
        [("Ada", 7, dict(ex.model.values)), ("Bob", 7, planted(ex.model, [slip]))],
    )
    capsys.readouterr()
    assert (
        main(
            [
                "exercise",
                "grade",
                str(tmp_path / "ex"),
                str(tmp_path / "class.csv"),
                "--format",
                "json",
            ]
        )
        == 0
    )
    students = json.loads(capsys.readouterr().out)["students"]
    assert [s["score"] for s in students] == [35, 34]
    (wrong,) = [m for m in students[1]["marks"] if m["verdict"] == "wrong"]
    assert wrong["key"] == str(slip.site)
    assert wrong["mistakes"][0]["slip"] == "input_factor_missing"
    assert (
        main(
            [
                "exercise",
                "grade",
                str(tmp_path / "ex" / "key.json"),
                str(tmp_path / "class.csv"),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert [r[0] for r in rows] == ["student", "Ada", "Bob"] and rows[2][2] == "34"


def test_answers_to_another_seed_or_malformed_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(tmp_path / "ex") == 0
    ex = _exercise(7, {})
    _answers_csv(tmp_path / "other.csv", ex, [("Ada", 8, dict(ex.model.values))])
    (tmp_path / "bad.toml").write_text('seed = 7\n[answers]\n"z1[0]" = "zero"\n', encoding="utf-8")
    (tmp_path / "odd.toml").write_text('seed = 7\n[answers]\n"z9[0]" = 1\n', encoding="utf-8")
    for name, message in [
        ("other.csv", "answers to seed 8, but the key is for seed 7"),
        ("bad.toml", "z1[0]: expected a number, got 'zero'"),
        ("odd.toml", "'z9[0]' is not a question"),
    ]:
        capsys.readouterr()
        assert main(["exercise", "grade", str(tmp_path / "ex"), str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    out = tmp_path / "ex" / "key.json"
    assert main(["exercise", "grade", str(out), str(tmp_path / "bad.toml"), "-o", str(out)]) == 2


def test_find_the_slip_key_says_where_and_which(tmp_path: Path) -> None:
    args = ["exercise", "find-the-slip", "--seed", "3", "--slips", "2", "-o", str(tmp_path)]
    assert main(args) == 0
    key = json.loads((tmp_path / "key.json").read_text(encoding="utf-8"))
    assert len(key["slips"]) == 2 and len({s["slip"] for s in key["slips"]}) == 2
    sheet = (tmp_path / "sheet.md").read_text(encoding="utf-8")
    for s in key["slips"]:
        assert s["printed"] != s["correct"] and s["printed"] in sheet
        assert s["slip"] not in sheet and s["description"] not in sheet  # stated nowhere
    assert main([*args[:-1], str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "sheet.md").read_bytes() == sheet.encode("utf-8")


@pytest.mark.latex
@needs_pdflatex
@pytest.mark.parametrize(
    "options",
    [[], ["--arch", "3-2-2", "--convention", "textbook", "--activation", "tanh", "--loss", "mse"]],
)
def test_every_latex_sheet_compiles(options: list[str], tmp_path: Path) -> None:
    assert _new(tmp_path / "ex", *options) == 0
    for name in ("sheet", "key"):
        compile_latex(tmp_path, name, (tmp_path / "ex" / f"{name}.tex").read_text(encoding="utf-8"))
    slips = tmp_path / "slips"
    assert main(["exercise", "find-the-slip", "--seed", "3", *options, "-o", str(slips)]) == 0
    compile_latex(tmp_path, "slips", (slips / "sheet.tex").read_text(encoding="utf-8"))


@settings(max_examples=6)
@given(st.integers(0, 10**4), OPTIONS, st.integers(1, 2))
@example(  # a flipped update sign: the sheet shows θ + η·g, which only its words tell apart
    193,
    {
        "arch": "2-2-1",
        "places": 3,
        "activation": "sigmoid",
        "convention": "gradient",
        "bias": True,
        "loss": "sum_squared_error",
    },
    2,
)
def test_the_checker_finds_exactly_the_planted_slips_where_the_key_says(
    seed: int,
    options: dict,
    count: int,  # type: ignore[type-arg]
) -> None:
    ex = _exercise(seed, options)
    try:
        sheet = find_the_slip(ex, count)
    except ExerciseError as error:  # options that allow fewer slips: said so, never a bad sheet
        assert "--slips" in str(error) or "found no" in str(error)
        return
    assert len(sheet.plantings) == count == len({p.slip.name for p in sheet.plantings})
    shown = printed(worked(ex.model, sheet.values), sheet.values, ex.spec.places)
    result = check(replace(ex.example, published=shown))
    assert sorted(f.slip.name for f in result.findings if f.slip) == sorted(
        p.slip.name for p in sheet.plantings
    )
    assert len(result.findings) == count
    for p in sheet.plantings:  # each shows a number other than the right one
        assert number(sheet.values[p.site], ex.spec.places) != number(
            ex.model.values[p.site], ex.spec.places
        )
    _shows_what_it_computes(sheet)
    _carried_forward(sheet)


def _shows_what_it_computes(sheet: FindTheSlip) -> None:
    """No line shows the right formula beside a slipped number: a line displaying the model's own
    formula holds that formula of the numbers it shows (to float rounding, 1e-12 relative)."""
    model = sheet.exercise.model
    for section in sheet.solution().sections:
        for line in section.lines:
            q = model.quantities[line.key]
            if line.sides and _tokens(line.sides) == _tokens(q.sides):
                want = q.fn([sheet.values[d] for d in q.deps])
                assert line.value == pytest.approx(want, rel=1e-12, abs=1e-15), line.key


def _tokens(sides: Sequence[Sequence[Token]]) -> list[list[tuple[object, str]]]:
    """A display compared by its quantities and its words: θ + η·g is not θ − η·g."""
    return [[(t.key, t.text) for t in side] for side in sides]


def _carried_forward(sheet: FindTheSlip) -> None:
    """Every planted site some step reads in the right solution is read by a shown step of the
    slipped one (nothing downstream of it is lost to a later planting)."""
    model = sheet.exercise.model
    shown = set(shown_keys(sheet.solution()))
    formulas = {p.site: p.formula for p in sheet.plantings}
    for p in sheet.plantings:
        if not any(p.site in model.ancestors(key) for key in model.quantities if key != p.site):
            continue
        values = model.evaluate(None, list(formulas.values()))
        nudged = model.evaluate({p.site: values[p.site] + 1.0}, list(formulas.values()))
        assert any(nudged[key] != values[key] for key in shown if key != p.site), p.site


@pytest.mark.parametrize(("seed", "count"), [(7, 1), (7, 2), (3, 2), (11, 2), (2026, 1)])
def test_pinned_seeds_plant_their_slips(seed: int, count: int) -> None:
    """Seeds that must succeed with the default options (the property above accepts a refusal)."""
    ex = _exercise(seed, {})
    sheet = find_the_slip(ex, count)
    assert len(sheet.plantings) == count
    _shows_what_it_computes(sheet)
    _carried_forward(sheet)


def test_a_slip_hidden_by_a_later_one_is_refused() -> None:
    """σ′ at the activation at σ′(z⁽²⁾), then δ⁽²⁾ = y − t: nothing reads the wrong σ′ any more,
    so the set is refused; the same σ′ with the update sign flipped later is kept."""
    from microgradnet.exercise.plant import _carried

    model = _exercise(7, {}).model
    pool = {(p.slip.name, str(p.site)): p for p in candidates(model, 4)}
    at_a = pool[("derivative_at_activation", "fprime2[0]")]
    assert not _carried(model, [at_a, pool[("derivative_dropped", "delta2[0]")]])
    assert _carried(model, [at_a, pool[("input_factor_missing", "dL_dW1[0,0]")]])


def test_folders_toml_and_markdown_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(tmp_path / "ex", "--questions", "forward,loss") == 0
    folder = tmp_path / "answers"
    folder.mkdir()
    template = (tmp_path / "ex" / "answers.toml").read_text(encoding="utf-8")
    (folder / "blank.toml").write_text(template, encoding="utf-8")  # nothing answered
    ex = _exercise(7, {"questions": "forward,loss"})
    lines = [f'"{q}" = {number(ex.model.values[q], 4)}' for q in ex.questions]
    (folder / "eve.toml").write_text(
        'student = "Eve"\nseed = 7\n[answers]\n' + "\n".join(lines) + "\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert (
        main(["exercise", "grade", str(tmp_path / "ex"), str(folder), "--format", "markdown"]) == 0
    )
    out = capsys.readouterr().out
    assert "## blank: 0 / 7 (0 %)" in out and "## Eve: 7 / 7 (100 %)" in out
    assert out.count("| missing |") == 7


def test_an_edited_key_or_a_ragged_csv_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _new(tmp_path / "ex") == 0
    key = tmp_path / "ex" / "key.json"
    (tmp_path / "ragged.csv").write_text("student,seed,z1[0]\nAda,7\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["exercise", "grade", str(key), str(tmp_path / "ragged.csv")]) == 2
    assert "ragged.csv:2: expected 3 cells, got 2" in capsys.readouterr().err
    data = json.loads(key.read_text(encoding="utf-8"))
    data["answers"][0]["printed"] = "0.1234"
    key.write_text(json.dumps(data), encoding="utf-8")
    assert main(["exercise", "grade", str(key), str(tmp_path / "ragged.csv")]) == 2
    assert "not those of exercise 7-" in capsys.readouterr().err


@pytest.mark.parametrize("value", [0.1234, 1234.5678, 98765.4321])
def test_the_judge_agrees_by_printings_rule(value: float) -> None:
    """The judge's "within τ" is Printing.matches's rule: at ½·10⁻⁴ from a large value the float
    sum lands an ulp past τ, which a fixed 1e-15 of noise rejected and 4 ulp accept."""
    from microgradnet.exercise.judge import _close
    from microgradnet.tutorial.format import Printing

    tau = tolerance(4)
    printing = Printing(f"{value:.4f}", value, 4)
    for edge in (value + tau, value - tau, value + 1.01 * tau, value - 1.01 * tau):
        assert _close(value, edge, tau) == printing.matches(edge)
    assert _close(value, value + tau, tau) and not _close(value, value + 1.01 * tau, tau)


def test_the_report_shows_each_answer_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "-0.0340" and "0.0090" keep their zeros (a TOML number's source text, a TOML string, a CSV
    cell); a TOML number whose line cannot be found falls back to repr."""
    assert _new(tmp_path / "ex", "--questions", "forward") == 0
    ex = _exercise(7, {"questions": "forward"})
    first, second, third = (str(q) for q in ex.questions[:3])
    (tmp_path / "ada.toml").write_text(
        f'seed = 7\nanswers = {{ "{third}" = 1.50 }}\n', encoding="utf-8"
    )
    (tmp_path / "eve.toml").write_text(
        f'seed = 7\n[answers]\n"{first}" = -0.0340\n"{second}" = "0.0090"\n', encoding="utf-8"
    )
    (tmp_path / "class.csv").write_text(f"student,seed,{first}\nBo,7,0.1200\n", encoding="utf-8")
    capsys.readouterr()
    files = [str(tmp_path / f) for f in ("ada.toml", "eve.toml", "class.csv")]
    assert main(["exercise", "grade", str(tmp_path / "ex"), *files, "--format", "json"]) == 0
    written = {
        (s["student"], m["key"]): m["written"]
        for s in json.loads(capsys.readouterr().out)["students"]
        for m in s["marks"]
    }
    assert written[("eve", first)] == "-0.0340" and written[("eve", second)] == "0.0090"
    assert written[("Bo", first)] == "0.1200" and written[("ada", third)] == "1.5"
    assert written[("eve", third)] == ""
    assert main(["exercise", "grade", str(tmp_path / "ex"), files[1]]) == 0
    assert "-0.0340" in capsys.readouterr().out


def test_textbook_gradient_names_say_what_they_hold(tmp_path: Path) -> None:
    """Under the textbook convention dL_dW2[0,0] holds −∂L/∂W: the sheet, key and answers file
    say so beside the names; a gradient-convention sheet has no such note."""
    assert _new(tmp_path / "tb", "--convention", "textbook") == 0
    assert _new(tmp_path / "gr") == 0
    note = "the names dL_dW... and dL_db... in the answers file hold −∂L/∂w and −∂L/∂b"
    for name in ("sheet.md", "key.md", "answers.toml"):
        assert note in (tmp_path / "tb" / name).read_text(encoding="utf-8"), name
        assert "hold −∂L/∂w" not in (tmp_path / "gr" / name).read_text(encoding="utf-8")
    assert r"hold $-\partial L/\partial w$" in (tmp_path / "tb" / "sheet.tex").read_text(
        encoding="utf-8"
    )


def test_a_slipped_line_shows_the_formula_the_student_used(tmp_path: Path) -> None:
    """Seed 3, two slips: σ′(z⁽¹⁾₁) is written as tanh′ = 1 − a² with a's slipped-solution value,
    and its number is that formula's; the weight gradient without its input factor reads ∂L/∂w = δ."""
    ex = _exercise(3, {})
    sheet = find_the_slip(ex, 2)
    assert [(p.slip.name, str(p.site)) for p in sheet.plantings] == [
        ("other_derivative", "fprime1[0]"),
        ("input_factor_missing", "dL_dW1[1,1]"),
    ]
    a = sheet.values[k.a(1, 0)]
    assert sheet.values[k.fprime(1, 0)] == 1.0 - a * a
    assert (
        main(["exercise", "find-the-slip", "--seed", "3", "--slips", "2", "-o", str(tmp_path)]) == 0
    )
    text = (tmp_path / "sheet.md").read_text(encoding="utf-8")
    a4, f4 = number(a, 4), number(1.0 - a * a, 4)
    assert rf"$\sigma'(z^{{(1)}}_{{1}}) = 1 - {{a^{{(1)}}_{{1}}}}^2 = 1 - ({a4})^2 = {f4}$" in text
    d = number(sheet.values[k.delta(1, 1)], 4)
    assert rf"W^{{(1)}}_{{22}}}} = \delta^{{(1)}}_{{2}} = {d}$" in text

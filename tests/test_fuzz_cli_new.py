"""Fuzz ``check DOCUMENT --example`` and ``exercise new|find-the-slip|grade`` with hostile input.

The contract is the CLI's (see ``test_fuzz_cli``): status 0 or 1 (check), 0 (exercise), or 2 with
exactly one line on stderr naming what is wrong; never a traceback; no file of the user's changed
except the output they named, and never an input. ``exercise new`` takes seconds a call, so its
fuzzing always includes one bad option or output path (refused before any drawing); the real
generation runs in a few fixed cases only.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzz_strategies import FUZZ_CLI, hostile_text, snapshot
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_fuzz_cli import ROOT, _capture, assert_cli_contract

DOCUMENTS = ROOT / "microgradnet" / "examples" / "documents"


def _one_refusal(argv: list[str], code: int, out: str, err: str) -> None:
    assert_cli_contract(argv, code, out, err)
    assert code == 2, f"{argv!r} exited {code}, not 2: {err!r}"


def _changed(before: dict[str, object], after: dict[str, object]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


# ---- exercise new / find-the-slip: options --------------------------------------------------------

#: Per option: values that are fine alone, and values refused whatever the others are, with the
#: words the one-line refusal must contain.
_GOOD = {
    "--seed": ["0", "7", str(2**63)],
    "--arch": ["2-2-1", "1-1", "4-4-4-4"],
    "--activation": ["sigmoid", "tanh", "relu", "linear"],
    "--loss": ["squared_error", "sum_squared_error", "mse"],
    "--convention": ["gradient", "textbook"],
    "--places": ["3", "4", "8"],
    "--questions": ["loss", "deltas,gradients", " forward , loss "],
}
_BAD = {
    "--seed": (["-1", str(2**63 + 1), "10**30", "9" * 400, "x", "", "1e3", "7.0"], "--seed"),
    "--arch": (
        ["0-0", "100-100-100", "2", "2-", "2--1", "5-1", "2-2-2-2-1", "２-2-1", "", "2-2-1 "],
        "architecture",
    ),
    "--activation": (["bogus", "", "sigmoid,", "tanh,,sigmoid", "σ", "tanh," * 4], "activation"),
    "--loss": (["", "bogus", "cross entropy", "MSE"], "loss"),
    "--convention": (["", "bogus", "Textbook"], "convention"),
    "--places": (["0", "1", "9", "99", "-1", "x", "", "2.5"], "--places"),
    "--questions": (["", ",,,", "loss,bogus", "Loss"], "question group"),
    "--slips": (["0", "21", "1000", "-1", "x", ""], "--slips"),
}
_BAD_OUTPUTS = ["", "file.txt", "file.txt/sub", "nodir/sub", "full", "/dev/null"]


def _exercise_folder(folder: Path) -> None:
    (folder / "file.txt").write_text("a teacher's notes\n", encoding="utf-8")
    (folder / "full").mkdir()
    (folder / "full" / "sheet.md").write_text("last year's sheet\n", encoding="utf-8")
    (folder / "full" / "key.json").write_text("{}\n", encoding="utf-8")


@st.composite
def exercise_argvs(draw: st.DrawFn) -> tuple[list[str], str]:
    """``exercise new`` or ``find-the-slip`` with exactly one bad option or output path, and the
    words its refusal must contain."""
    command = draw(st.sampled_from(["new", "find-the-slip"]))
    options = [o for o in _BAD if o != "--slips" or command == "find-the-slip"]
    bad = draw(st.sampled_from([*options, "-o"]))
    argv = ["exercise", command]
    for option in [*_GOOD, "--slips"]:
        if option == bad:
            value = draw(st.sampled_from(_BAD[option][0]))
        elif option == "--slips" or (option != "--seed" and draw(st.booleans())):
            continue  # --seed is required; the others have defaults
        else:
            value = draw(st.sampled_from(_GOOD[option]))
        argv += [f"{option}={value}"] if draw(st.booleans()) else [option, value]
    output = draw(st.sampled_from(_BAD_OUTPUTS)) if bad == "-o" else "out"
    argv += ["-o", output] + (["--no-bias"] if draw(st.booleans()) else [])
    words = _BAD[bad][1] if bad != "-o" else repr(output) if output else "''"
    return argv, words if output != "full" else "already exists"


@FUZZ_CLI
@given(case=exercise_argvs())
@example(case=(["exercise", "new", "--seed", "7", "-o", ""], "''"))
@example(case=(["exercise", "new", "--seed", "7", "--arch", "9-9", "-o", "full"], "architecture"))
@example(case=(["exercise", "find-the-slip", "--seed", "7", "--slips", "0", "-o", "o"], "--slips"))
def test_a_bad_exercise_option_is_one_line_before_any_work(case: tuple[list[str], str]) -> None:
    argv, words = case
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        _exercise_folder(folder)
        before = snapshot(folder)
        code, out, err = _capture(argv, folder)
        assert not _changed(before, snapshot(folder)), f"{argv!r} changed files"
        assert not (folder / "out").exists(), f"{argv!r} made its folder before refusing"
    _one_refusal(argv, code, out, err)
    assert words in err, f"{argv!r}: {err!r} does not name {words!r}"


# ---- exercise: a few real sheets (seconds each) ---------------------------------------------------


@pytest.fixture(scope="module")
def sheet() -> Iterator[Path]:
    """``exercise new --seed 7`` written once: the key and blank answers every grade case uses."""
    with tempfile.TemporaryDirectory() as temp:
        code, _, err = _capture(["exercise", "new", "--seed", "7", "-o", "s7"], Path(temp))
        assert code == 0, err
        yield Path(temp) / "s7"


def test_new_into_a_used_folder_keeps_every_file_without_overwrite(sheet: Path) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        _exercise_folder(folder)
        before = snapshot(folder)
        argv = ["exercise", "new", "--seed", "7", "-o", "full"]
        code, out, err = _capture(argv, folder)
        _one_refusal(argv, code, out, err)
        assert "'full/sheet.md' already exists" in err
        assert not _changed(before, snapshot(folder))
        code, out, err = _capture([*argv, "--overwrite"], folder)
        assert code == 0, err
        changed = _changed(before, snapshot(folder))
        assert changed == {str(folder / "full" / p.name) for p in sheet.iterdir()}
        assert (folder / "full" / "key.json").read_bytes() == (sheet / "key.json").read_bytes()
        assert (folder / "file.txt").read_text(encoding="utf-8") == "a teacher's notes\n"


def test_find_the_slip_writes_a_fresh_folder_and_refuses_a_second_time() -> None:
    with tempfile.TemporaryDirectory() as temp:
        argv = ["exercise", "find-the-slip", "--seed", "7", "-o", "slips"]
        code, _, err = _capture(argv, Path(temp))
        assert code == 0, err
        names = sorted(p.name for p in (Path(temp) / "slips").iterdir())
        assert names == ["key.json", "key.md", "network.svg", "sheet.md", "sheet.tex"]
        before = snapshot(Path(temp))
        code, out, err = _capture(argv, Path(temp))
        _one_refusal(argv, code, out, err)
        assert not _changed(before, snapshot(Path(temp)))


# ---- exercise grade: hostile keys and answers files ----------------------------------------------

_ANSWER_VALUES = [
    '"-1.0325"',
    "-1.0325",
    '"−1.0325"',
    '""',
    "nan",
    "inf",
    "-inf",
    "1e400",
    "9" * 400,
    "9" * 5000,
    '"nan"',
    '"1e400"',
    '"' + "9" * 5000 + '"',
    "true",
    "[1]",
    "{a = 1}",
    "1979-05-27",
    '"٣"',
    '"0,5"',
    '"\\u001b[2J\\u0000"',
    "5e-324",
    "1e308",
]
_SEEDS = ["7", "8", '"7"', "7.0", "-7", "99999999999999999999", "9" * 5000, "true", "nan", "[7]"]
_NAMES = ['"z1[0]"', '"delta2[0]"', '"L"', '"zz"', '"z\\u001b[2J"', '""', "z1"]


@st.composite
def answers_tomls(draw: st.DrawFn) -> str:
    """An answers TOML with hostile seeds, names, values, extra keys or broken syntax."""
    lines = [f"seed = {draw(st.sampled_from(_SEEDS))}"] if draw(st.integers(0, 5)) else []
    if draw(st.booleans()):
        lines.append("student = " + draw(st.sampled_from(['"Ann"', "5", '""', "[1]"])))
    if draw(st.integers(0, 4)) == 0:
        lines.append("exercise = " + draw(st.sampled_from(['"7-404c44b0"', "5", '"x"'])))
    if draw(st.integers(0, 6)) == 0:
        lines.append(draw(st.sampled_from(["foo = 1", "answers = [1]", "x = " + "[" * 3000])))
    lines.append("[answers]")
    for _ in range(draw(st.integers(0, 4))):
        name, value = draw(st.sampled_from(_NAMES)), draw(st.sampled_from(_ANSWER_VALUES))
        lines.append(f"{name} = {value}")
    text = "\n".join(lines) + "\n"
    if draw(st.integers(0, 6)) == 0:
        text = text[: draw(st.integers(0, len(text)))] + draw(hostile_text)
    return text


_CELLS = ["-1.0325", "", "nan", "1e400", "9" * 5000, "x", "٧", "²", "7", "-7", '"', "\x00"]


@st.composite
def answers_csvs(draw: st.DrawFn) -> str:
    """A class CSV with hostile headers, ragged rows and hostile cells."""
    header = draw(
        st.sampled_from(
            [
                "student,seed,exercise,z1[0],delta2[0]",
                "student,seed,z1[0],z1[0]",
                "student,x",
                "",
                "seed",
                "student,seed,zz",
            ]
        )
    )
    rows = [header]
    for _ in range(draw(st.integers(0, 3))):
        width = draw(st.integers(0, 6))
        rows.append(",".join(draw(st.sampled_from(_CELLS)) for _ in range(width)))
    if draw(st.integers(0, 8)) == 0:
        rows.append("x" * 140_000 + ",7")  # over the csv module's field limit
    return "\n".join(rows) + "\n"


def _hostile_key(key: dict[str, object], field: str, value: object) -> str:
    edited = json.loads(json.dumps(key))
    if field in ("options", "answers", "format"):
        edited[field] = value
    else:
        edited["options"][field] = value
    return json.dumps(edited)


_KEY_VALUES = [None, "7", -1, 10**30, 4.7, True, [], {}, ["x"], "sigmoid", "100-100-100", 99]
_KEY_FIELDS = ["seed", "arch", "activations", "loss", "bias", "places", "groups", "options"]


@st.composite
def keys(draw: st.DrawFn, key: str) -> str:
    """The sheet's key.json, intact or edited: truncated, a field replaced, or not JSON at all."""
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return key
    if choice == 1:
        return key[: draw(st.integers(0, len(key) - 1))]
    if choice == 2:
        return draw(st.sampled_from(["", "[" * 100_000, "null", "NaN", "1" * 5000, "\x00"]))
    data = json.loads(key)
    field = draw(st.sampled_from([*_KEY_FIELDS, "answers"]))
    return _hostile_key(data, field, draw(st.sampled_from(_KEY_VALUES)))


def _grade_folder(folder: Path, sheet: Path, key: str, files: dict[str, str]) -> None:
    (folder / "key.json").write_text(key, encoding="utf-8")
    (folder / "class").mkdir()
    (folder / "class" / "nested").mkdir()
    (folder / "class" / "nested" / "late.toml").write_text("seed = 7\n", encoding="utf-8")
    for name, text in files.items():
        (folder / "class" / name).write_text(text, encoding="utf-8")
    (folder / "blank.toml").write_bytes((sheet / "answers.toml").read_bytes())


@settings(FUZZ_CLI, max_examples=60)
@given(
    data=st.data(),
    tomls=st.lists(answers_tomls(), max_size=2),
    csvs=st.lists(answers_csvs(), max_size=1),
    target=st.sampled_from(
        [None, "report.txt", "key.json", "blank.toml", "class/a0.toml", "class", "", "no/x.txt"]
    ),
    fmt=st.sampled_from(["text", "markdown", "json", "csv"]),
)
def test_grade_hostile_keys_and_answers(
    sheet: Path,
    data: st.DataObject,
    tomls: list[str],
    csvs: list[str],
    target: str | None,
    fmt: str,
) -> None:
    key = data.draw(keys((sheet / "key.json").read_text(encoding="utf-8")))
    files = {f"a{n}.toml": t for n, t in enumerate(tomls)} | {
        f"c{n}.csv": t for n, t in enumerate(csvs)
    }
    key_arg = data.draw(st.sampled_from(["key.json", ".", "", "class"]))
    answers = data.draw(st.sampled_from([["class"], ["blank.toml"], ["blank.toml", "class"], [""]]))
    argv = ["exercise", "grade", key_arg, *answers, "--format", fmt]
    argv += [] if target is None else ["-o", target]
    read = {"key.json" if key_arg == "." else f"{key_arg}/key.json", key_arg, *answers}
    read |= {f"class/{name}" for name in files} if "class" in answers else set()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        _grade_folder(folder, sheet, key, files)
        before = snapshot(folder)
        code, out, err = _capture(argv, folder)
        changed = _changed(before, snapshot(folder))
    assert_cli_contract(argv, code, out, err)
    assert code in (0, 2), f"{argv!r} exited {code}: {err}"
    allowed = {str(folder / target)} if code == 0 and target else set()
    assert changed <= allowed, f"{argv!r} changed {sorted(changed - allowed)}"
    if target in read:
        assert code == 2, f"{argv!r} wrote onto one of its inputs"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["k.json", "class", "-o", "class/b.toml"], "one of this command's inputs"),
        (["kd", "blank.toml", "-o", "kd/key.json"], "one of this command's inputs"),
        (["", "blank.toml"], "key '': the path is empty"),
        (["k.json", ""], "answers '': the path is empty"),
        (["k.json", "only-header.csv"], "no student's answers"),
        (["k.json", "twice.csv"], "column 'seed' appears twice"),
        (["k.json", "huge.toml"], "z1[0]: expected a number, got 9999"),
        (["k.json", "deep.toml"], "nested too deeply"),
        (["bool.json", "blank.toml"], "options.bias: expected true or false, got 'no'"),
        (["places.json", "blank.toml"], "options.places: expected a whole number, got 4.7"),
        (["none.json", "blank.toml"], "its answers are not those of exercise"),
    ],
)
def test_grade_refusals_name_what_is_wrong(sheet: Path, argv: list[str], words: str) -> None:
    key = json.loads((sheet / "key.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "k.json").write_text(json.dumps(key), encoding="utf-8")
        (folder / "kd").mkdir()
        (folder / "kd" / "key.json").write_text(json.dumps(key), encoding="utf-8")
        (folder / "bool.json").write_text(_hostile_key(key, "bias", "no"), encoding="utf-8")
        (folder / "places.json").write_text(_hostile_key(key, "places", 4.7), encoding="utf-8")
        (folder / "none.json").write_text(_hostile_key(key, "answers", None), encoding="utf-8")
        (folder / "blank.toml").write_bytes((sheet / "answers.toml").read_bytes())
        (folder / "class").mkdir()
        (folder / "class" / "b.toml").write_text('seed = 7\nstudent = "Bob"\n', encoding="utf-8")
        header = (sheet / "answers.csv").read_text(encoding="utf-8").splitlines()[0]
        (folder / "only-header.csv").write_text(header + "\n", encoding="utf-8")
        (folder / "twice.csv").write_text("student,seed,seed\nAnn,7,7\n", encoding="utf-8")
        (folder / "huge.toml").write_text('seed = 7\n[answers]\n"z1[0]" = ' + "9" * 400 + "\n")
        (folder / "deep.toml").write_text("seed = 7\nx = " + "[" * 5000 + "]" * 5000 + "\n")
        before = snapshot(folder)
        code, out, err = _capture(["exercise", "grade", *argv], folder)
        assert not _changed(before, snapshot(folder))
    _one_refusal(argv, code, out, err)
    assert words in err, err


# ---- check DOCUMENT --example: hostile documents --------------------------------------------------

_GLICKERT = (DOCUMENTS / "glickert.txt").read_text(encoding="utf-8")
_MANUAL = (DOCUMENTS / "manual-221.txt").read_text(encoding="utf-8")
_FRAGMENTS = [
    "$z^{(1)}_1 = 0.35 + 0.5 = 0.85$",
    "$$a^{(1)} = \\sigma(0.75) = 0.679179$$",
    "\\[ L = \\frac{1}{2}(0.7 - 0.5)^2 = 0.02 \\]",
    "\\begin{equation} z = 0.1 \\end{equation}",
    "\\begin{bmatrix} 0.1 & 0.2 \\\\ 0.3 \\end{bmatrix}",
    "h₁ = σ(0.21) = 0.552308",
    "o = 0.5 = 1e400",
    "o = 0.5 = 9e999",
    "o = 0.5 = 1e-400",
    "o = 0." + "5" * 45,
    "$",
    "$$",
    "\\[",
    "\\$",
    "{" * 120,
    "}" * 50,
    "_{" * 20,
    "^" * 30,
    "\\\\ ",
    "=",
    " = = ",
    "≈",
    "−−0.5",
    "0.5.5.5",
    "\x00",
    "\ufeff",
    "\x1b[2J\u202e",
    "\r\n",
    "\n\n",
    "\\text{new}",
    "\\left(\\right)",
    "%",
]


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A document: seed text cut and spliced with hostile math, maybe in another encoding."""
    base = draw(st.sampled_from([_GLICKERT, _MANUAL, ""]))
    start = draw(st.integers(0, len(base)))
    end = draw(st.integers(start, min(len(base), start + 3000)))
    pieces = [base[start:end]]
    for _ in range(draw(st.integers(0, 8))):
        pieces.insert(draw(st.integers(0, len(pieces))), draw(st.sampled_from(_FRAGMENTS)))
    text = "".join(pieces)
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@settings(FUZZ_CLI, max_examples=30)
@given(
    document=documents(),
    network=st.sampled_from(["manual-221", "glickert", "ex.toml"]),
    fmt=st.sampled_from(["text", "markdown", "json"]),
    emit=st.sampled_from([None, "out.toml", "doc.txt", "ex.toml", "", "keep.toml", "no/x.toml"]),
    overwrite=st.booleans(),
)
@example(
    document=b"o = 0.5 = 1e400\n", network="manual-221", fmt="text", emit=None, overwrite=False
)
@example(document=b"", network="manual-221", fmt="json", emit="out.toml", overwrite=False)
@example(document=b"\xff\xfe", network="glickert", fmt="text", emit=None, overwrite=False)
def test_check_hostile_documents(
    document: bytes, network: str, fmt: str, emit: str | None, overwrite: bool
) -> None:
    argv = ["check", "doc.txt", "--example", network, "--format", fmt]
    argv += ([] if emit is None else ["--emit-published", emit]) + (
        ["--overwrite"] if overwrite else []
    )
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "doc.txt").write_bytes(document)
        (folder / "ex.toml").write_text(
            (ROOT / "microgradnet" / "examples" / "manual-221.toml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        (folder / "keep.toml").write_text("# mine\n", encoding="utf-8")
        before = snapshot(folder)
        code, out, err = _capture(argv, folder)
        changed = _changed(before, snapshot(folder))
    assert_cli_contract(argv, code, out, err)
    inputs = {"doc.txt"} | ({"ex.toml"} if network == "ex.toml" else set())
    refused = emit == "" or emit in inputs or emit == "no/x.toml"
    refused |= emit in ("ex.toml", "keep.toml") and not overwrite  # they exist already
    allowed = {str(folder / emit)} if emit and not refused and code in (0, 1) else set()
    assert changed <= allowed, f"{argv!r} changed {sorted(changed - allowed)}"
    if refused:
        assert code == 2, f"{argv!r} exited {code}"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check", "doc.txt", "--example", ""], "argument --example"),
        (["check", "doc.txt", "--example", "manual-221", "--emit-published", ""], "empty"),
        (
            ["check", "big.txt", "--example", "manual-221"],
            "big.txt:1:11: 1e400 is beyond float range",
        ),
        (
            ["check", "glickert.txt", "--example", "glickert", "--emit-published", "SHIPPED"],
            "one of this command's inputs",
        ),
        (
            ["check", "manual-221.txt", "--example", "manual-221", "--emit-published", "SHIPPED"],
            "one of this command's inputs",
        ),
    ],
)
def test_check_refusals_name_what_is_wrong(argv: list[str], words: str) -> None:
    shipped = {
        "glickert": DOCUMENTS.parent / "glickert.toml",
        "manual-221": DOCUMENTS / "manual-221.txt",
    }
    argv = [shipped[argv[3]].as_posix() if a == "SHIPPED" else a for a in argv]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "doc.txt").write_text(_MANUAL, encoding="utf-8")
        (folder / "big.txt").write_text("o = 0.5 = 1e400 = 1\n", encoding="utf-8")
        before = snapshot(ROOT / "microgradnet" / "examples")
        code, out, err = _capture(argv, folder)
        assert snapshot(ROOT / "microgradnet" / "examples") == before
    _one_refusal(argv, code, out, err)
    assert words in err, err

"""Fuzz the command line with hostile arguments and files: one escaped line, no traceback, no lost file.

Every example runs ``main([...])`` in a fresh temporary folder holding hostile files (a FIFO, a
folder, binary and non-UTF-8 bytes, a byte-order mark, control characters in a name, an example
that carries a picture's suffix) and asserts the CLI's contract: status 0, 1 or 2; on failure
exactly one line on stderr; no character a terminal would act on; no file changed outside the
command's output; the repository and the working folder untouched.

The hostile *contents* of example files (numbers past float range, 5,000-digit values, deep
nesting, huge layer sizes) are validated by the example loader (``microgradnet.tutorial.format``)
before any work, and the equations follow the IEEE policy.
"""

from __future__ import annotations

import io
import itertools
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from fuzz_strategies import FUZZ_CLI, has_raw_control, hostile_text, snapshot, unchanged
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from microgradnet.cli import main

ROOT = Path(__file__).resolve().parent.parent
MANUAL = ROOT / "microgradnet" / "examples" / "manual-221.toml"
OUTPUTS = ("out.gv", "out.dot", "out.svg", "图" * 80 + ".gv")  # what a command may create


def _hostile_files(folder: Path) -> None:
    """The files every example may name: good ones, hostile ones, and things that are not files."""
    text = MANUAL.read_text(encoding="utf-8")
    (folder / "good.toml").write_text(text, encoding="utf-8")
    (folder / "ex.gv").write_text(text, encoding="utf-8")  # an example with a picture's suffix
    (folder / "bom.toml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (folder / "crlf.toml").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    (folder / "binary.toml").write_bytes(bytes(range(256)) * 4)
    (folder / "latin1.toml").write_bytes('name = "café"\n'.encode("latin-1"))
    (folder / "empty.toml").write_bytes(b"")
    (folder / "nul.toml").write_bytes(b'name = "a\x00b"\n')
    (folder / "big.toml").write_bytes(b"# " + b"x" * 1_000_000 + b"\n")
    (folder / "a\x1b[2J\u202e.toml").write_text(text, encoding="utf-8")
    (folder / "dir.toml").mkdir()
    os.mkfifo(folder / "fifo.toml")
    (folder / "loop.toml").symlink_to(folder / "loop.toml")
    (folder / "dangling.gv").symlink_to(folder / "nowhere.gv")


_EXAMPLES = [
    "glickert",
    "manual-221",
    "good.toml",
    "ex.gv",
    "bom.toml",
    "crlf.toml",
    "binary.toml",
    "latin1.toml",
    "empty.toml",
    "nul.toml",
    "big.toml",
    "a\x1b[2J\u202e.toml",
    "dir.toml",
    "fifo.toml",
    "loop.toml",
    "missing.toml",
    "",
    ".",
    "/dev/null",
    "/dev/zero",
    "x" * 300 + ".toml",
    "no/such/dir/x.toml",
    "../" * 40 + "etc/passwd",
]
_TARGETS = [
    *OUTPUTS,
    "good.toml",
    "ex.gv",
    "bom.toml",
    "dangling.gv",
    "dir.toml",
    "fifo.toml",
    "loop.toml",
    "",
    ".",
    "/",
    "/dev/null",
    "/dev/full",
    "missing/out.gv",
    "good.toml/out.gv",
    "out.txt",
    "x" * 300 + ".gv",
    "out\x00.gv",
]
_NUMBERS = ["0", "1", "3", "15", "16", "-1", "x", "", "1e3", "9" * 400, " 2", "٣"]

_OPTIONS = {
    "walkthrough": [
        st.tuples(st.just("--places"), st.sampled_from(_NUMBERS)),
        st.tuples(st.just("--steps"), st.sampled_from(_NUMBERS)),
        st.tuples(
            st.just("--format"), st.sampled_from(["text", "json", "latex", "markdown", "pdf"])
        ),
        st.tuples(st.sampled_from(["--graph", "--graph="]), st.sampled_from(_TARGETS)),
        st.tuples(st.sampled_from(["--hessian", "--list"])),
    ],
    "check": [
        st.tuples(st.just("--format"), st.sampled_from(["text", "json", "markdown", "latex"]))
    ],
    "graph": [
        st.tuples(st.sampled_from(["-o", "--output"]), st.sampled_from(_TARGETS)),
        st.tuples(st.just("--kind"), st.sampled_from(["computation", "network", "bogus"])),
    ],
}


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    """A command line that is mostly well formed, with hostile values in its slots."""
    command = draw(st.sampled_from(["walkthrough", "check", "graph"] * 4 + ["bogus", ""]))
    argv = [command] if command else []
    argv += draw(
        st.lists(st.sampled_from(_EXAMPLES), min_size=1, max_size=1)
        | st.lists(st.sampled_from(_EXAMPLES), max_size=2)
    )
    if command == "graph" and draw(st.integers(0, 9)):  # -o is required: mostly give it
        argv += ["-o", draw(st.sampled_from(_TARGETS))]
    for group in draw(
        st.lists(st.one_of(_OPTIONS.get(command, [st.tuples(hostile_text)])), max_size=3)
    ):
        glued = len(group) == 2 and group[0].endswith("=")
        argv += [group[0] + group[1]] if glued else list(group)
    if draw(st.integers(0, 9)) == 0:  # a stray token after the command
        argv.insert(draw(st.integers(1, max(1, len(argv)))), draw(hostile_text))
    return argv


@pytest.fixture(scope="module")
def repository_unchanged() -> Iterator[None]:
    with unchanged(ROOT):
        yield


def run_in_hostile_folder(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` run from a fresh folder of hostile files; checks what it may not touch."""
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "work"
        folder.mkdir()
        _hostile_files(folder)
        before = snapshot(folder)
        code, out, err = _capture(argv, folder)
        after = snapshot(folder)
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        allowed = {str(folder / name) for name in OUTPUTS + _named_outputs(argv)}
        assert changed <= allowed, f"{argv!r} changed {sorted(changed - allowed)}"
        inputs = {str(folder / token) for token in argv if token in _EXAMPLES}
        assert not changed & inputs, f"{argv!r} wrote over its input"
        assert not [p for p in Path(temp).iterdir() if p.name != "work"]
        return code, out, err


def _named_outputs(argv: list[str]) -> tuple[str, ...]:
    """The files the user named as outputs (replacing them is the CLI's job)."""
    named = [b for a, b in itertools.pairwise(argv) if a in ("-o", "--output", "--graph")]
    return tuple(named + [t.split("=", 1)[1] for t in argv if t.startswith("--graph=")])


def _capture(argv: list[str], folder: Path) -> tuple[int, str, str]:
    """``main(argv)`` run from ``folder``: its status, stdout and stderr."""
    cwd = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    os.chdir(folder)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def assert_cli_contract(argv: list[str], code: int, out: str, err: str) -> None:
    """Status 0/1/2; a failure is one line; nothing a terminal would act on; no traceback."""
    assert code in (0, 1, 2), f"{argv!r} exited {code}: {err}"
    assert "Traceback" not in err
    assert not has_raw_control(out) and not has_raw_control(err), f"{argv!r} printed raw controls"
    if code == 2:
        assert err.count("\n") == 1 and err.endswith("\n"), f"{argv!r}: not one line: {err!r}"
    else:
        assert all(line.startswith("microgradnet: wrote ") for line in err.splitlines()), err


@FUZZ_CLI
@given(argv=argvs())
@example(argv=["graph", "ex.gv", "-o", "ex.gv"])
@example(argv=["walkthrough", "ex.gv", "--graph", "ex.gv"])
@example(argv=["walkthrough", "good.toml", "--graph", ""])
@example(argv=["check", "fifo.toml"])
@example(argv=["check", "bom.toml"])
@example(argv=["check", "a\x1b[2J\u202e.toml"])
@example(argv=["graph", "glickert", "-o", "x" * 300 + ".gv"])
def test_hostile_arguments_and_files(repository_unchanged: None, argv: list[str]) -> None:
    code, out, err = run_in_hostile_folder(argv)
    assert_cli_contract(argv, code, out, err)


# ---- hostile example contents: the loader's and the equations' limits (issue-10's branch) --------

_BASE = MANUAL.read_text(encoding="utf-8")
_HIDDEN_LAYER = (
    'activation = "sigmoid"\nweights = [[0.2, -0.4],\n           [0.7, 0.1]]\nbiases = [0.0, 0.0]'
)


def _edit(old: str, new: str) -> str:
    assert old in _BASE, old
    return _BASE.replace(old, new, 1)


def _sizes(size: str) -> str:
    return (
        "inputs = [1.0]\ntargets = 0.5\nlearning_rate = 1.0\nseed = 0\n"
        f"[[layers]]\nsize = {size}\n[[layers]]\nsize = 1\n"
    )


_LINEAR = _BASE.replace('activation = "sigmoid"', 'activation = "linear"')
#: (case, file text, extra arguments, the status the policy asks for)
CONTENT_CASES = [
    pytest.param("bom", "\ufeff" + _BASE, [], 0, id="bom"),
    pytest.param("where=1", _edit('where = "§5 Step 4" }', "where = 1 }"), [], 2, id="where-1"),
    pytest.param(
        "control characters in a name",
        _edit('name = "manual-221"', 'name = "a\\u001b[2J\\u0000\\u202eb"'),
        [],
        0,
        id="control-name",
    ),
    pytest.param(
        "an int beyond float range",
        _edit("learning_rate = 0.1", "learning_rate = " + "9" * 400),
        [],
        2,
        id="int-400-digits",
    ),
    pytest.param(
        "an int over 4,300 digits",
        _edit("learning_rate = 0.1", "learning_rate = " + "9" * 4301),
        [],
        2,
        id="int-4301-digits",
    ),
    pytest.param(
        "deeply nested arrays",
        _edit("steps = 1", "steps = 1\nextra = " + "[" * 5000 + "]" * 5000),
        [],
        2,
        id="deep-nesting",
    ),
    pytest.param(
        "inputs = [1e200] through linear layers",
        _LINEAR.replace("inputs = [1.0, 0.5]", "inputs = [1e200, 0.5]", 1),
        [],
        0,
        id="inputs-1e200",
    ),
    pytest.param(
        "a learning rate that diverges under --steps",
        _LINEAR.replace("learning_rate = 0.1", "learning_rate = 1e150", 1),
        ["--steps", "50"],
        0,
        id="diverging-steps",
    ),
    pytest.param(
        "latex = 1",
        _edit('latex = "\\\\frac{dy}{dz^{(2)}}"', "latex = 1"),
        [],
        2,
        id="latex-1",
    ),
    pytest.param(
        "a 5,000-digit printed value",
        _edit('"z1[1]" = "0.75"', '"z1[1]" = "' + "9" * 5000 + '"'),
        [],
        2,
        id="printed-5000-digits",
    ),
]


@pytest.mark.parametrize(("case", "text", "extra", "status"), CONTENT_CASES)
@pytest.mark.parametrize("command", ["walkthrough", "check"])
def test_hostile_example_contents(
    repository_unchanged: None, case: str, text: str, extra: list[str], status: int, command: str
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "ex.toml"
        path.write_text(text, encoding="utf-8")
        argv = [command, str(path), *(extra if command == "walkthrough" else [])]
        code, out, err = _capture(argv, Path(temp))
    assert_cli_contract(argv, code, out, err)
    # check exits 1 when a printed value differs: the policy only asks that a refusal be a 2.
    allowed = {status} if command == "walkthrough" or status == 2 else {0, 1}
    assert code in allowed, f"{case}: status {code}: {err}"


def _limited() -> None:  # in the child: 3 s of CPU (load-independent), 2 GB of address space
    resource.setrlimit(resource.RLIMIT_CPU, (3, 3))
    resource.setrlimit(resource.RLIMIT_AS, (2**31, 2**31))


@pytest.mark.parametrize("size", ["9" * 400, "1000000"])
def test_a_huge_layer_size_is_refused_before_work(tmp_path: Path, size: str) -> None:
    path = tmp_path / "ex.toml"
    path.write_text(_sizes(size), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "microgradnet", "walkthrough", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        preexec_fn=_limited,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr[-300:]


_TOML_NUMBERS = [
    "1e308",
    "-1e308",
    "1e200",
    "inf",
    "-inf",
    "nan",
    "-0.0",
    "5e-324",
    "9" * 30,
    "9" * 400,
    "0",
]


#: Where manual-221 has a number that a hostile file may replace (each prefix appears once).
_SLOTS = ["inputs = [1.0, ", "targets = [", "learning_rate = ", "weights = [[0.3, ", "biases = ["]


@st.composite
def hostile_examples(draw: st.DrawFn) -> str:
    """manual-221 with one number replaced by an extreme one, and maybe its name by controls."""
    slot = draw(st.sampled_from(_SLOTS))
    start = _BASE.index(slot) + len(slot)
    end = min(i for i in (_BASE.find(c, start) for c in ",]\n") if i >= 0)
    text = _BASE[:start] + draw(st.sampled_from(_TOML_NUMBERS)) + _BASE[end:]
    if draw(st.booleans()):
        name = "".join(f"\\u{ord(c):04x}" for c in draw(hostile_text))  # as TOML escapes
        text = text.replace('name = "manual-221"', f'name = "{name}"', 1)
    return text


@settings(FUZZ_CLI, phases=[Phase.explicit, Phase.generate])
@given(text=hostile_examples(), command=st.sampled_from(["walkthrough", "check"]))
@example(text=_edit("learning_rate = 0.1", "learning_rate = " + "9" * 400), command="check")
@example(text=_edit("inputs = [1.0, 0.5]", "inputs = [1.0, 1e308]"), command="walkthrough")
def test_hostile_numbers_in_an_example(repository_unchanged: None, text: str, command: str) -> None:
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "ex.toml"
        path.write_text(text, encoding="utf-8")
        code, out, err = _capture([command, str(path)], Path(temp))
    assert_cli_contract([command, str(path)], code, out, err)

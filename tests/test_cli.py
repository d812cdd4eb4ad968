"""The command line: exit codes, exact output, one-line errors, and files written only where asked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from microgradnet.cli import main

DATA = Path(__file__).parent / "data"
SNAPSHOTS = Path(__file__).parent / "snapshots" / "walkthrough"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- walkthrough --------------------------------------------------------------------------------


def test_list_shows_each_shipped_example_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "walkthrough", "--list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "glickert",
        "han-kamber",
        "manual-221",
        "mazur",
        "nnwj-online",
        "schiendorfer",
    ]
    assert lines[0] == (
        "glickert      2-2-1 sigmoid network, no biases, ½(o − y)², η = 1: one step and a second "
        "forward pass"
    )
    assert all(line[14:] and line[12:14] == "  " for line in lines)  # names padded to one column


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("markdown", "md"), ("latex", "tex")])
@pytest.mark.parametrize("name", ["glickert", "manual-221"])
def test_walkthrough_prints_the_snapshot(
    capsys: pytest.CaptureFixture[str], name: str, fmt: str, suffix: str
) -> None:
    code, out, err = _run(capsys, "walkthrough", name, "--format", fmt)
    assert (code, err) == (0, "")
    assert out == (SNAPSHOTS / f"{name}.{suffix}").read_text(encoding="utf-8")


def test_walkthrough_json_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "walkthrough", "manual-221", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["example"]["name"] == "manual-221" and data["places"] == 7


def test_places_and_steps(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "walkthrough", "glickert", "--places", "3", "--steps", "4")
    assert code == 0
    assert out == (SNAPSHOTS / "glickert-places3-steps4.txt").read_text(encoding="utf-8")
    assert "  h₁ = σ(z_{h1}) = σ(0.210) = 0.552\n" in out


def test_walkthrough_of_a_file_by_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "walkthrough", str(DATA / "slip_rounded.toml"))
    assert code == 0 and out.startswith("slip-rounded\n")


# ---- check --------------------------------------------------------------------------------------


def test_check_exits_1_on_seed_000_and_0_on_seed_004(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "check", "glickert")
    assert (code, err) == (1, "")
    assert (
        out.splitlines()[1]
        == "46 printed values: 41 agree, 3 differ, 2 are consequences, 2 root causes."
    )
    code, out, err = _run(capsys, "check", "manual-221")
    assert (code, err) == (0, "")
    assert (
        out.splitlines()[2] == "50 printed values: 50 agree, 0 root causes."
    )  # the title takes 2 lines


def test_check_table_rows(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "check", "glickert")
    assert "  σ′(z_o)                       0.222774    0.222751  differs [1]\n" in out
    assert "  δ_{h1} (Hidden Layer Deltas)  0.012245    0.002728  consequence of [2]\n" in out
    assert "  δ_{h1} (Weight Updates)       0.002728    0.002728  agrees\n" in out


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_check_formats(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = _run(capsys, "check", str(DATA / "slip_half_missing.toml"), "--format", fmt)
    assert code == 1
    if fmt == "json":
        data = json.loads(out)
        assert data["ok"] is False and [f["slip"] for f in data["findings"]] == ["half_missing"]
    else:
        assert "| L | 0.150765 | 0.075383 | differs [1] |" in out


def test_check_never_changes_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    shutil.copy(DATA / "slip_update_sign.toml", path)
    before = path.read_bytes()
    assert _run(capsys, "check", str(path))[0] == 1
    assert _run(capsys, "walkthrough", str(path))[0] == 0
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [
        "mine.toml"
    ]


# ---- errors: one line on stderr, exit 2 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["check", "tests/data/bad_syntax.toml"],
            (
                "microgradnet: tests/data/bad_syntax.toml:4:20: invalid TOML: Expected newline or end of document after "
                "a statement"
            ),
        ),
        (
            ["check", "tests/data/bad_shape.toml"],
            "microgradnet: tests/data/bad_shape.toml: layers[1].weights: expected 1×2, got 2×2",
        ),
        (
            ["walkthrough", "tests/data/bad_activation.toml"],
            (
                "microgradnet: tests/data/bad_activation.toml: layers[0].activation: unknown activation 'sigmod'; "
                "valid names: sigmoid, tanh, relu, linear"
            ),
        ),
        (
            ["check", "tests/data/bad_loss.toml"],
            (
                "microgradnet: tests/data/bad_loss.toml: loss: unknown loss 'hinge'; valid names: squared_error, "
                "sum_squared_error, mse, cross_entropy"
            ),
        ),
        (
            ["walkthrough", "nope"],
            (
                "microgradnet: nope: no such file or shipped example (shipped examples: glickert, "
                "han-kamber, manual-221, mazur, nnwj-online, schiendorfer)"
            ),
        ),
        (["walkthrough"], "microgradnet walkthrough: give an example name or file (see --list)"),
        (
            ["walkthrough", "glickert", "--places", "16"],
            "microgradnet walkthrough: argument --places: expected 0 to 15, got 16 (see --help)",
        ),
        (
            ["walkthrough", "glickert", "--steps", "x"],
            "microgradnet walkthrough: argument --steps: expected a whole number, got 'x' (see --help)",
        ),
        (
            ["walkthrough", "glickert", "--format", "pdf"],
            (
                "microgradnet walkthrough: argument --format: expected one of text, markdown, latex, json, got 'pdf' "
                "(see --help)"
            ),
        ),
        ([], "microgradnet: the following arguments are required: command (see --help)"),
        (
            ["graph", "glickert"],
            "microgradnet graph: the following arguments are required: -o/--output (see --help)",
        ),
        (
            ["graph", "glickert", "-o", "out.txt"],
            "microgradnet: cannot write 'out.txt': unknown suffix '.txt'; use .svg, .png, .pdf, .dot, .gv, .tex, .html, .htm, .gif, .apng",
        ),
    ],
)
def test_expected_failures_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    code, out, err = _run(capsys, *argv)
    assert (code, out, err) == (2, "", line + "\n")


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "--help")
    assert code == 0 and out.startswith("usage: microgradnet check")


# ---- pictures -----------------------------------------------------------------------------------


def test_graph_writes_the_picture_the_user_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "g.svg"
    code, out, err = _run(capsys, "graph", "glickert", "-o", str(target))
    assert (code, err) == (0, "") and out.startswith(f"wrote {target} (")
    svg = target.read_text(encoding="utf-8")
    # The computation graph speaks the document's symbols too (W1[0,0] is w_{x1→h1} in 000).
    assert "<svg" in svg and ">x1→h1</tspan>" in svg and "W1[0,0]" not in svg


def test_graph_network_uses_the_documents_notation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "n.svg"
    assert _run(capsys, "graph", "glickert", "-o", str(target), "--kind", "network")[0] == 0
    assert ">x1→h1</tspan>" in target.read_text(encoding="utf-8")


def test_a_named_output_is_replaced_but_nothing_else_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "g.svg"
    target.write_text("old", encoding="utf-8")
    assert _run(capsys, "graph", "manual-221", "-o", str(target))[0] == 0
    assert target.read_text(encoding="utf-8").lstrip().startswith("<")
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_walkthrough_graph_writes_beside_the_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "w.svg"
    code, out, err = _run(capsys, "walkthrough", "manual-221", "--graph", str(target))
    assert code == 0 and out == (SNAPSHOTS / "manual-221.txt").read_text(encoding="utf-8")
    assert err.startswith(f"microgradnet: wrote {target} (") and err.count("\n") == 1
    assert target.stat().st_size > 1000


def test_an_unwritable_picture_path_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "graph", "glickert", "-o", str(tmp_path / "missing" / "g.svg"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("microgradnet: cannot write")


def test_python_dash_m_runs_the_cli() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "microgradnet", "check", "tests/data/bad_shape.toml"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr
        == "microgradnet: tests/data/bad_shape.toml: layers[1].weights: expected 1×2, got 2×2\n"
    )


def test_check_of_a_file_without_published_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bare.toml"
    path.write_text(
        "inputs = [1.0]\ntargets = 0.5\nlearning_rate = 1.0\n[[layers]]\nweights = [[0.5]]\n"
    )
    code, out, _ = _run(capsys, "check", str(path))
    assert code == 0
    assert out == (
        "check bare\n0 printed values: 0 agree, 0 root causes.\n\n"
        "  Nothing to compare: the file has no [published] values.\n"
    )


# ---- hostile input: one sanitized line, never a traceback, never a lost file ---------------------

GLICKERT = Path(__file__).parent.parent / "microgradnet" / "examples" / "glickert.toml"


def _subprocess(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parent.parent),
        "PYTHONIOENCODING": "utf-8",
    }
    env.update(kwargs.pop("env", {}))  # type: ignore[call-overload]
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "microgradnet", *argv],
        capture_output=kwargs.pop("capture_output", True),
        text=True,
        env=env,
        check=False,
        timeout=120,
        **kwargs,
    )


@pytest.mark.parametrize("command", ["graph", "walkthrough"])
@pytest.mark.parametrize("alias", ["same", "dot-slash", "symlink", "hardlink"])
def test_the_output_is_never_one_of_the_inputs(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    alias: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    example = tmp_path / "ex.gv"  # a TOML example that happens to carry a picture's suffix
    shutil.copy(GLICKERT, example)
    before = example.read_bytes()
    target = {"same": "ex.gv", "dot-slash": "./ex.gv", "symlink": "link.gv", "hardlink": "hard.gv"}
    if alias == "symlink":
        (tmp_path / "link.gv").symlink_to(example)
    if alias == "hardlink":
        os.link(example, tmp_path / "hard.gv")
    option = ["-o"] if command == "graph" else ["--graph"]
    code, out, err = _run(capsys, command, "ex.gv", *option, target[alias])
    assert (code, out) == (2, "")
    assert err == (
        f"microgradnet: refusing to write {str(Path(target[alias]))!r}: it is one of this command's inputs; "
        "choose another output file\n"
    )
    assert example.read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["walkthrough", "glickert", "--graph", ""],
            "microgradnet: cannot write '': the path is empty",
        ),
        (["graph", "glickert", "-o", ""], "microgradnet: cannot write '': the path is empty"),
        (
            ["walkthrough", "glickert", "--graph", "nowhere/g.svg"],
            "microgradnet: cannot write 'nowhere/g.svg': folder 'nowhere' does not exist",
        ),
        (
            ["walkthrough", "glickert", "--steps", "100000", "--graph", "g.txt"],
            "microgradnet: cannot write 'g.txt': unknown suffix '.txt'; use .svg, .png, .pdf, .dot, .gv, .tex",
        ),
        (
            ["graph", "glickert", "-o", "."],
            "microgradnet: cannot write '.': unknown suffix '(none)'; use .svg, .png, .pdf, .dot, .gv, .tex, .html, .htm, .gif, .apng",
        ),
        (
            ["graph", "glickert", "-o", "d.svg"],
            "microgradnet: cannot write 'd.svg': it is a directory",
        ),
    ],
)
def test_the_output_path_is_checked_before_any_work(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    line: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.svg").mkdir()
    from microgradnet import cli

    def no_work(*_: object, **__: object) -> None:
        raise AssertionError("the example was loaded before the output path was checked")

    monkeypatch.setattr(cli, "load", no_work)
    code, out, err = _run(capsys, *argv)
    assert (code, out, err) == (2, "", line + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.svg"]


def test_control_characters_are_shown_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "check", "bad\x1b[2J\x00\u202ename\nx")
    assert (code, out) == (2, "")
    assert err.startswith("microgradnet: bad\\x1b[2J\\x00\\u202ename\\nx: no such file")
    assert err.count("\n") == 1
    # A string from the file itself (a TOML escape is legal) is escaped in the report too.
    text = GLICKERT.read_text(encoding="utf-8").replace(
        'name = "glickert"', 'name = "g\\u001b[31mred\\u202e"', 1
    )
    (tmp_path / "ctl.toml").write_text(text, encoding="utf-8")
    code, out, err = _run(capsys, "walkthrough", "ctl.toml")
    assert (code, err) == (0, "")
    assert out.startswith("g\\x1b[31mred\\u202e: Backpropagation")
    assert "\x1b" not in out and "\u202e" not in out


def test_a_path_component_over_255_bytes_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    long = str(tmp_path / ("a" * 300 + ".svg"))
    code, out, err = _run(capsys, "graph", "glickert", "-o", long)
    assert (code, out, err) == (2, "", f"microgradnet: cannot write {long!r}: file name too long\n")
    code, out, err = _run(capsys, "check", "b" * 300 + ".toml")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.endswith(": file name too long\n")


def test_a_folder_without_search_permission_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_stat, real_lstat = os.stat, os.lstat

    def refuse(real):  # as stat(2) answers under a folder without x permission
        def stat(path, *args, **kwargs):
            if Path(path).parent == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)

        return stat

    monkeypatch.setattr(os, "stat", refuse(real_stat))  # chmod 000 does not stop root (CI)
    monkeypatch.setattr(os, "lstat", refuse(real_lstat))
    code, out, err = _run(capsys, "graph", "glickert", "-o", str(locked / "g.svg"))
    assert (code, out) == (2, "")
    assert err == f"microgradnet: cannot write {str(locked / 'g.svg')!r}: permission denied\n"
    # Reading: the example loader takes an unreachable path for a name (issue-10's loader).
    code, out, err = _run(capsys, "check", str(locked / "ex.toml"))
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith(f"microgradnet: {locked / 'ex.toml'}: ")


def test_an_unexpected_error_is_one_line_asking_for_a_bug_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from microgradnet import cli

    def broken(*_: object, **__: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(cli, "check", broken)
    monkeypatch.delenv("MICROGRADNET_TRACEBACK", raising=False)
    code, out, err = _run(capsys, "check", "glickert")
    assert (code, out) == (70, "")
    assert err == (
        "microgradnet: internal error (RecursionError: maximum recursion depth exceeded); this is "
        "a bug in microgradnet 0.1.0, please report it with the command you ran "
        "(MICROGRADNET_TRACEBACK=1 shows the traceback)\n"
    )
    monkeypatch.setenv("MICROGRADNET_TRACEBACK", "1")
    with pytest.raises(RecursionError):
        main(["check", "glickert"])


def test_ctrl_c_exits_130_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from microgradnet import cli

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted)
    assert _run(capsys, "walkthrough", "glickert") == (130, "", "")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_ctrl_c_during_a_long_run_exits_130_without_a_traceback() -> None:
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    process = subprocess.Popen(
        [sys.executable, "-m", "microgradnet", "walkthrough", "glickert", "--steps", "100000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # Interrupt once the steps run: after 1.5 s of CPU time (a whole run without --steps takes
    # 0.4 s; 100,000 steps take about 13 s), however loaded the machine is.
    while _cpu_seconds(process.pid) < 1.5 and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (130, "")


def test_stdout_on_a_full_disk_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        done = _subprocess(
            "walkthrough", "glickert", stdout=full, capture_output=False, stderr=subprocess.PIPE
        )
    assert (done.returncode, done.stderr) == (
        2,
        "microgradnet: cannot write the output: no space left on device\n",
    )


def test_stdout_closed_early_is_one_line() -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        done = _subprocess(
            "walkthrough", "glickert", stdout=write, capture_output=False, stderr=subprocess.PIPE
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (
        2,
        "microgradnet: standard output was closed before everything was written (broken pipe)\n",
    )


def test_an_output_encoding_without_the_symbols_is_one_line() -> None:
    done = _subprocess("walkthrough", "glickert", env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("microgradnet: cannot print '")
    assert done.stderr.endswith("in the output's encoding (ascii); set PYTHONIOENCODING=utf-8\n")


@pytest.mark.parametrize("command", ["walkthrough", "check", "graph"])
def test_an_empty_example_argument_is_named(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    extra = ["-o", "g.svg"] if command == "graph" else []
    code, out, err = _run(capsys, command, "", *extra)
    assert (code, out) == (2, "")
    assert err == (
        f"microgradnet {command}: argument example: expected a shipped example's name or a "
        ".toml file, got '' (see --help)\n"
    )

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
    assert out == (
        "glickert    2-2-1 sigmoid network, no biases, ½(o − y)², η = 1: one step and a second forward pass\n"
        "manual-221  2-2-1 sigmoid network with biases, L = ½(y − t)², η = 0.1: one update and the new loss\n"
    )


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
                "cross_entropy"
            ),
        ),
        (
            ["walkthrough", "nope"],
            "microgradnet: nope: no such file or shipped example (shipped examples: glickert, manual-221)",
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
            "microgradnet: cannot write 'out.txt': unknown suffix '.txt'; use .svg, .png, .pdf, .dot, .gv, .tex",
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

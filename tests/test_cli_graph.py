"""Tests for the graph command's picture options and ``walkthrough --graph-kind`` (issue 13)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from microgradnet.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def svg_size(path: Path) -> tuple[float, float]:
    found = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', path.read_text("utf-8"))
    assert found is not None
    return float(found.group(1)), float(found.group(2))


@pytest.mark.parametrize("kind", ["computation", "network", "backward", "update"])
def test_every_kind_is_drawn(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str) -> None:
    target = tmp_path / f"{kind}.svg"
    code, out, err = run(capsys, "graph", "manual-221", "-o", str(target), "--kind", kind)
    assert (code, err) == (0, "") and out.startswith(f"wrote {target} (")
    svg = target.read_text("utf-8")
    expected = {
        "computation": "target t",
        "network": "hidden layer 1",
        "backward": "= −0.1175",  # δ of the output: 0.2492 × −0.4715 (seed 004's −0.1175)
        "update": "loss 0.1112 → 0.1088",
    }[kind]
    assert expected in re.sub(r"<[^>]+>", "", svg)


def test_png_is_twice_graphviz_resolution_by_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, "graph", "glickert", "-o", str(tmp_path / "g.svg"))[0] == 0
    assert run(capsys, "graph", "glickert", "-o", str(tmp_path / "g.png"))[0] == 0
    width_pt, height_pt = svg_size(tmp_path / "g.svg")
    width, height = png_size(tmp_path / "g.png")
    # 192 dpi: 192/72 px per point, give or take the rounding of each side to whole pixels.
    assert width == pytest.approx(width_pt * 192 / 72, abs=2)
    assert height == pytest.approx(height_pt * 192 / 72, abs=2)
    assert run(capsys, "graph", "glickert", "-o", str(tmp_path / "h.png"), "--dpi", "96")[0] == 0
    assert png_size(tmp_path / "h.png")[0] == pytest.approx(width_pt * 96 / 72, abs=2)


def test_size_font_direction_and_precision_reach_the_picture(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "g.dot"
    options = ["--size", "slide", "--font-size", "18", "--direction", "TB", "--precision", "2"]
    assert run(capsys, "graph", "glickert", "-o", str(target), *options)[0] == 0
    source = target.read_text("utf-8")
    assert 'size="10,5.625"' in source and "rankdir=TB" in source and "fontsize=18" in source
    assert "0.0027" in source and "0.002728" not in source  # 2 significant digits
    assert run(capsys, "graph", "glickert", "-o", str(target), "--size", "4x3")[0] == 0
    assert 'size="4,3"' in target.read_text("utf-8")


def test_one_neuron_is_counted_from_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "n.dot"
    argv = ["graph", "glickert", "-o", str(target), "--kind", "network", "--neuron", "2,1"]
    assert run(capsys, *argv)[0] == 0
    source = target.read_text("utf-8")
    assert "a2_0 [" in source and "a1_1 -> w2_0_1" in source and "x_0" not in source
    code, out, err = run(capsys, *argv[:-1], "3,1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--neuron 3,1 is not in this network: layers 1 to 2" in err
    code, _, err = run(capsys, "graph", "glickert", "-o", str(target), "--neuron", "1,1")
    assert code == 2 and "--neuron needs --kind network" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--size", "huge"], "expected slide, paper or WIDTHxHEIGHT"),
        (["--dpi", "5"], "expected 18 to 1200"),
        (["--precision", "0"], "expected 1 to 17"),
        (["--neuron", "2"], "expected L,J"),
        (["--neuron", "0,1"], "counted from 1"),
        (["--direction", "up"], "invalid choice"),
    ],
)
def test_bad_options_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "graph", "glickert", "-o", str(tmp_path / "g.svg"), *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_size_errors_suggest_cli_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["graph", "glickert", "-o", str(tmp_path / "g.svg"), "--max-nodes", "10"]
    code, _, err = run(capsys, *argv)
    assert code == 2 and "--max-depth 5" in err and "--view neuron" in err
    assert "max_depth=" not in err and "max_nodes" not in err  # no Python argument names
    code, _, err = run(capsys, *argv[:4], "--view", "neuron")
    assert code == 0


def test_walkthrough_draws_the_kind_asked_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for kind in ("backward", "update"):
        target = tmp_path / f"{kind}.svg"
        argv = ["walkthrough", "glickert", "--graph", str(target), "--graph-kind", kind]
        code, out, err = run(capsys, *argv)
        assert code == 0 and out and err.startswith(f"microgradnet: wrote {target}")
    update = re.sub(r"<[^>]+>", "", (tmp_path / "update.svg").read_text("utf-8"))
    # Glickert: w_{h1→o} 0.3 → 0.2797 (η = 1, ∂L/∂w = 0.02031); Lⁿᵉʷ = 0.012729 as it computes.
    assert "0.3 → 0.2797" in update and "loss 0.01362 → 0.01273" in update


def test_tex_output_is_a_tikz_picture(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "net.tex"
    assert run(capsys, "graph", "glickert", "-o", str(target), "--kind", "network")[0] == 0
    tikz = target.read_text("utf-8")
    assert tikz.startswith("% microgradnet network diagram") and "\\begin{tikzpicture}" in tikz
    assert tikz.count("\\draw[->]") == 6  # one per weight of the 2-2-1

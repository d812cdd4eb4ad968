"""Every demo runs in its fast mode as a user would run it, and its pictures are real images.

Each demo is started with ``sys.executable demos/NAME.py --fast --out TMP`` in a subprocess, so
the test sees exactly what a user sees: exit status, printed text and the files written. The
notebook ``demos/tour.ipynb`` is executed top to bottom in a fresh kernel with nbclient.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbclient
import nbformat
import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"
IMAGES = DEMOS / "images"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_demo(name: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, str(DEMOS / f"{name}.py"), "--fast", "--out", str(out), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
    )


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the PNG signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR", f"{path} has no IHDR chunk first"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def svg_text(path: Path) -> str:
    """The SVG's text after checking it parses as XML with an <svg> root."""
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag.endswith("svg"), f"{path}: root element is {root.tag}"
    return text


def test_seed_walkthroughs(tmp_path: Path) -> None:
    result = run_demo("seed_walkthroughs", tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("glickert", "manual-221"):
        assert f"Seed example {name!r}" in out and f"What the checker finds in {name!r}" in out
    # Glickert's printed numbers in its own notation, marked against the document.
    assert "h₁ = σ(z_{h1}) = σ(0.210000) = 0.552308" in out
    assert "δ_{h1} = ∂L/∂h₁·σ′(z_{h1}) = (0.011031)(0.247264) = 0.002728" in out
    gaps = [float(g) for g in re.findall(r"largest \|hand − autograd\| = (\S+)", out)]
    assert len(gaps) == 2 and all(gap <= 1e-12 for gap in gaps)  # same floats, same order: ~exact
    network_svg = tmp_path / "seed-glickert-network.svg"
    network = svg_text(network_svg)
    assert ">x1→h1</tspan>" in network and ">o</tspan>" in network  # the document's notation
    graph = svg_text(tmp_path / "seed-manual-221-graph.svg")
    assert ">σ</tspan>" in graph
    for name in ("glickert", "manual-221"):
        for kind in ("graph", "network"):
            width, height = png_size(tmp_path / f"seed-{name}-{kind}.png")
            assert width > 300 and height > 100
    check_readme_image("seed-glickert-network.svg", network_svg, exact=False)


def svg_words(path: Path) -> list[str]:
    """Every piece of text an SVG shows, sorted: its content, whatever the layout or route drew."""
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    texts = (el for el in root.iter() if el.tag.endswith("}text") or el.tag == "text")
    return sorted("".join(el.itertext()).strip() for el in texts)


def check_readme_image(name: str, produced: Path, *, exact: bool) -> None:
    """README's committed picture matches what the demo produces now (see make_readme_images.py)."""
    committed = IMAGES / name
    hint = f"demos/images/{name} is stale: run `python demos/make_readme_images.py`"
    if exact:  # pure-Python SVG: the same bytes
        assert committed.read_text(encoding="utf-8") == produced.read_text(encoding="utf-8"), hint
    else:  # drawn by Graphviz, whose layout may differ by version/route: the same text content
        assert svg_words(committed) == svg_words(produced), hint


def test_train_classifier_fast(tmp_path: Path) -> None:
    result = run_demo("train_classifier", tmp_path)
    assert result.returncode == 0, result.stderr
    match = re.search(r"training accuracy (\d+\.\d)%", result.stdout)
    assert match is not None, result.stdout
    assert float(match.group(1)) >= 85.0  # the fast mode's own target; the full mode's is 95 %
    # The progress bar (not a terminal here): one line per tenth of the run, the last at the end.
    assert re.search(r"epoch 40/40 \[#{24}\] loss \d\.\d{4}  acc +\d+\.\d%", result.stderr)
    assert png_size(tmp_path / "moons.png") == (2000, 1000)  # 1000×500 SVG at scale 2
    svg = svg_text(tmp_path / "moons.svg")
    assert "Decision boundary" in svg and "Training loss" in svg
    assert svg.count("<circle") == 100  # every training point is drawn
    assert "<polyline" in svg  # the loss curve
    assert 'stroke="#222"' in svg  # at least one segment of the p = 0.5 boundary
    check_readme_image("moons.svg", tmp_path / "moons.svg", exact=True)


def test_autograd_internals(tmp_path: Path) -> None:
    result = run_demo("autograd_internals", tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Topological order: inputs first, L last, v·v stored as two operand occurrences.
    assert re.search(r"^4 +s +\* +v, v ", out, re.MULTILINE)
    assert re.search(r"^5 +L +tanh ", out, re.MULTILINE)
    # The replay marks both accumulations: v (used twice by s) and x (used by u and by v).
    assert re.search(r"v\.grad \+= .*accumulates", out)
    assert re.search(r"x\.grad \+= .*accumulates", out)
    assert out.count("agree") == 6 and "DIFFER" not in out
    before = svg_text(tmp_path / "internals-before.svg")
    after = svg_text(tmp_path / "internals-after.svg")
    assert "tanh" in before and "grad" not in before
    assert ">0.3899</tspan>" in after  # ∂L/∂x = (1 − tanh²(0.16))·2(−0.4)·(−0.5)
    width, height = png_size(tmp_path / "internals-after.png")
    assert width > 300 and height > 50
    check_readme_image("internals-after.svg", tmp_path / "internals-after.svg", exact=False)


def test_gradcheck_demo(tmp_path: Path) -> None:
    result = run_demo("gradcheck_demo", tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"correct cube at x = 1\.7 +passes", out)
    assert re.search(
        r"buggy cube at x = 1\.7 +FAILS: gradient for input 0: analytical 5\.1, numerical 8\.66",
        out,
    )
    assert re.search(r"buggy cube at x = 1 .* passes", out)  # where 3x = 3x², the bug hides
    assert re.search(r"f\(x, y\).* FAILS: gradient for input 0", out)
    assert "cube" in svg_text(tmp_path / "gradcheck-graph.svg")


def test_demo_never_overwrites_unasked(tmp_path: Path) -> None:
    first = run_demo("autograd_internals", tmp_path)
    assert first.returncode == 0, first.stderr
    target = tmp_path / "internals-before.svg"
    target.write_text("mine", encoding="utf-8")
    again = run_demo("autograd_internals", tmp_path)
    assert again.returncode == 2
    assert "already exist" in again.stderr and "--overwrite" in again.stderr
    assert target.read_text(encoding="utf-8") == "mine"
    forced = run_demo("autograd_internals", tmp_path, "--overwrite")
    assert forced.returncode == 0, forced.stderr
    assert "tanh" in svg_text(target)


def test_tour_notebook_runs_top_to_bottom() -> None:
    """demos/tour.ipynb executes in a fresh kernel, from its own folder, with no cell failing."""
    notebook = nbformat.read(DEMOS / "tour.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(DEMOS)}}
    )
    client.execute()  # raises CellExecutionError naming the first cell that fails
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert not [output for output in outputs if output.output_type == "error"]
    data = [output.get("data", {}) for output in outputs]
    svgs = [item["image/svg+xml"] for item in data if "image/svg+xml" in item]
    assert len(svgs) >= 5  # seed network and graph, internals before/after, the classifier
    assert any(">x1→h1</tspan>" in svg for svg in svgs)  # the seed network in its notation
    assert any("tanh" in svg and ">0.3899</tspan>" in svg for svg in svgs)
    assert any("Decision boundary" in svg for svg in svgs)
    markdown = "".join(item["text/markdown"] for item in data if "text/markdown" in item)
    assert r"\delta_{h1}" in markdown and "0.012245 ✗" in markdown  # the walkthrough, marked
    printed = "".join(output.get("text", "") for output in outputs)
    assert "FAILS: gradient for input 0" in printed and "accumulates" in printed


# ---- hostile options: one line before any work, Ctrl-C quiet, no lost file -------------------------


def test_an_out_that_is_a_file_is_one_line_before_training(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    result = run_demo("train_classifier", tmp_path / "afile")
    assert (result.returncode, result.stdout) == (2, "")  # nothing trained, nothing printed
    assert (
        result.stderr
        == f"error: --out {str(tmp_path / 'afile')!r} is a file, not a folder; pick a folder with --out\n"
    )
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine"


def test_an_output_that_is_a_folder_is_one_line_before_work(tmp_path: Path) -> None:
    (tmp_path / "gradcheck-graph.svg").mkdir()
    result = run_demo("gradcheck_demo", tmp_path, "--overwrite")
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr
        == f"error: cannot write {str(tmp_path / 'gradcheck-graph.svg')!r}: it is a directory\n"
    )


def test_a_bad_places_is_an_argparse_style_line(tmp_path: Path) -> None:
    result = run_demo("seed_walkthroughs", tmp_path, "--places", "-1")
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr
        == "seed_walkthroughs.py: error: argument --places: expected 0 to 15, got -1 (see --help)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_stdout_on_a_full_disk_is_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, str(DEMOS / "gradcheck_demo.py"), "--out", str(tmp_path)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
    assert (result.returncode, result.stderr) == (
        2,
        "error: cannot print the output: no space left on device\n",
    )


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    import signal
    import time

    process = subprocess.Popen(  # the full run: about 7 s of training
        [sys.executable, str(DEMOS / "train_classifier.py"), "--out", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    while _cpu_seconds(process.pid) < 1.5 and process.poll() is None:  # imports take ~0.5 s
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert list(tmp_path.iterdir()) == []  # interrupted before writing: nothing half-written


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_a_failed_overwrite_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(DEMOS))
    import _common

    from microgradnet.errors import FileError

    old = tmp_path / "moons.svg"
    old.write_text("the previous run", encoding="utf-8")
    out = _common.Outputs(tmp_path, ["moons.svg"], overwrite=True)

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(FileError, match="no space left on device"):
        out.write_text("moons.svg", "<svg>new</svg>")
    assert old.read_text(encoding="utf-8") == "the previous run"
    assert [p.name for p in tmp_path.iterdir()] == ["moons.svg"]  # no temporary file left


def test_demos_write_files_only_through_outputs() -> None:
    """Every file a demo writes goes through _common.Outputs (atomic, declared, never clobbering)."""
    writes = re.compile(r"\bopen\(|\.write_(text|bytes)\(|shutil\.copy|\.mkdir\(|savefig")
    for script in sorted(DEMOS.glob("*.py")):
        if script.name == "_common.py":
            continue
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), start=1):
            if writes.search(line):
                assert re.search(r"\bout\.write_(text|bytes)\(|IMAGES\.mkdir", line), (
                    f"{script.name}:{number} writes a file outside Outputs: {line.strip()}"
                )

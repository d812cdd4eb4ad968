"""Tests for microgradnet.render: DOT building (pure), the rendering routes, and safe writing."""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
from pathlib import Path

import pytest

from microgradnet import _render_backend
from microgradnet._render_backend import Route
from microgradnet.engine import Value
from microgradnet.errors import RenderError
from microgradnet.losses import half_squared_error
from microgradnet.nn import MLP
from microgradnet.render import (
    computation_graph,
    network_diagram,
    network_values,
    route_for,
    to_svg,
    write,
)

SNAPSHOTS = Path(__file__).parent / "snapshots" / "render"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="the Graphviz `dot` program is not on PATH")

# Seed 000 (Glickert): 2-2-1, sigmoid, no biases, x = (0.35, 0.7), target 0.5.
SEED_000 = {
    "weights": [[[0.2, 0.2], [0.3, 0.3]], [[0.3, 0.9]]],
    "biases": None,
    "x": [0.35, 0.7],
    "t": 0.5,
}
# Seed 004: 2-2-1, sigmoid, biases, x = (1.0, 0.5), target 1.0, L = ½(y − t)².
SEED_004 = {
    "weights": [[[0.2, -0.4], [0.7, 0.1]], [[0.3, -0.2]]],
    "biases": [[0.0, 0.0], [0.1]],
    "x": [1.0, 0.5],
    "t": 1.0,
}
NOTATION_000 = {
    "x[0]": "x1",
    "x[1]": "x2",
    "a1[0]": "h1",
    "a1[1]": "h2",
    "a2[0]": "o",
    "W1[0,0]": "w_{x1→h1}",
    "W1[0,1]": "w_{x2→h1}",
    "W1[1,0]": "w_{x1→h2}",
    "W1[1,1]": "w_{x2→h2}",
    "W2[0,0]": "w_{h1→o}",
    "W2[0,1]": "w_{h2→o}",
}
NASTY = 'a{b}|c<d>"e\\f'


def seed_network(seed: dict[str, object]) -> tuple[MLP, Value, dict[str, float]]:
    """The seed's MLP, its loss ½(y − t)² after backward, and the diagram values of that pass."""
    mlp = MLP.from_weights(seed["weights"], seed["biases"], "sigmoid")  # type: ignore[arg-type]
    trace = mlp.trace(seed["x"])  # type: ignore[arg-type]
    loss = half_squared_error(trace.output[0], seed["t"])  # type: ignore[arg-type]
    loss.backward()
    return mlp, loss, network_values(mlp, trace)


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element, XML entities decoded."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the PNG signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def check_snapshot(name: str, source: str) -> None:
    """Compare with tests/snapshots/render/<name>; UPDATE_SNAPSHOTS=1 rewrites it instead."""
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    assert source == path.read_text(encoding="utf-8"), (
        f"{name} changed; UPDATE_SNAPSHOTS=1 if intended"
    )


# ---- DOT snapshots of the seed networks ------------------------------------------------------
@pytest.mark.parametrize(("name", "seed"), [("000", SEED_000), ("004", SEED_004)])
def test_computation_graph_snapshot(name: str, seed: dict[str, object]) -> None:
    mlp, loss, _ = seed_network(seed)
    check_snapshot(f"seed{name}_loss.dot", computation_graph(loss, mlp=mlp).source)


def test_network_diagram_snapshot_000_in_document_notation() -> None:
    mlp, _, _ = seed_network(SEED_000)
    check_snapshot("seed000_network.dot", network_diagram(mlp, notation=NOTATION_000).source)


def test_network_diagram_snapshot_004_with_values_after_a_pass() -> None:
    mlp, _, values = seed_network(SEED_004)
    check_snapshot("seed004_network.dot", network_diagram(mlp, values=values).source)


# ---- computation graph contents -----------------------------------------------------------
def test_one_edge_per_operand_occurrence() -> None:
    a = Value(3.0, "a")
    square = a * a
    source = computation_graph(square).source
    # a is index 0, a*a index 1: two edges a -> (*), one (*) -> result.
    assert source.count("n0 -> n1op") == 2
    assert source.count("n1op -> n1") == 1
    assert "rankdir=LR" in source


def test_node_ids_are_deterministic_across_rebuilds() -> None:
    first = computation_graph(seed_network(SEED_004)[1]).source
    second = computation_graph(seed_network(SEED_004)[1]).source
    assert first == second
    assert "0x" not in first  # no id()-style names


def test_small_gradients_keep_their_digits() -> None:
    x = Value(1e-7, "x")
    y = x * x  # dy/dx = 2e-7
    y.backward()
    source = computation_graph(y, precision=4).source
    assert "grad 2e-07" in source
    assert "0.0000" not in source


def test_show_grad_false_omits_gradients() -> None:
    y = Value(2.0, "x").tanh()
    assert "grad" not in computation_graph(y, show_grad=False).source


def test_highlight_kinds_and_plain_mode() -> None:
    mlp, loss, _ = seed_network(SEED_004)
    source = computation_graph(loss, mlp=mlp).source
    assert re.search(r'\{ W1\[0,0\] \|[^\n]*fillcolor="#dbe9f6"', source)  # parameter
    assert re.search(r'\{ x\[0\] \|[^\n]*fillcolor="#e2f0d9"', source)  # input
    assert re.search(r'\n\tn\d+ \[[^\n]*fillcolor="#f8d7d5"', source)  # the loss
    plain = computation_graph(loss, highlight=False).source
    assert "#dbe9f6" not in plain and "#f8d7d5" not in plain


def test_color_by_grad_spans_the_scale() -> None:
    a, b = Value(1.0, "a"), Value(1e-6, "b")
    out = a * b  # grad of a is 1e-6, of b is 1, of out is 1
    out.backward()
    zero = Value(0.0, "z") * Value(5.0, "w")  # not part of out: draw separately
    source = computation_graph(out, color_by_grad=True).source
    assert re.search(r'\{ a \|[^\n]*fillcolor="#fee6ce"', source)  # smallest |grad|: palest
    assert re.search(r'\{ b \|[^\n]*fillcolor="#7f2704"', source)  # largest: darkest
    unflowed = computation_graph(zero, color_by_grad=True).source
    assert re.search(r'\{ z \|[^\n]*fillcolor="#ffffff"', unflowed)  # zero grad stays white


def test_mlp_clusters_group_each_neuron() -> None:
    mlp, loss, _ = seed_network(SEED_004)
    source = computation_graph(loss, mlp=mlp).source
    start = source.index("subgraph cluster_layer1_neuron1 {")
    body = source[start : source.index("}\n", source.index("\n", start))]
    for label in ("W1[1,0]", "W1[1,1]", "b1[1]", "z1[1]", "a1[1]"):
        assert "{ " + label + " |" in body
    assert body.count('label="*"') == 2  # the products w·x joined the neuron
    assert "W1[0,0]" not in body and "x[0]" not in body


@pytest.mark.parametrize(
    "route", ["embedded", pytest.param("dot", marks=[pytest.mark.dot, needs_dot])]
)
def test_labels_render_literally(route: Route) -> None:
    value = Value(1.0, NASTY).exp()
    texts = svg_texts(to_svg(computation_graph(value), route=route))
    assert NASTY in texts
    mlp = MLP.from_weights([[[0.5]]], None, "sigmoid")
    notation = {"x[0]": "<b>x</b>", "W1[0,0]": NASTY}
    texts = svg_texts(to_svg(network_diagram(mlp, notation=notation), route=route))
    assert "<b>x</b>" in texts
    assert f"{NASTY} = 0.5" in texts


def test_too_many_nodes_names_a_max_depth_that_fits() -> None:
    node = Value(0.5, "x")
    for _ in range(3000):
        node = node.tanh()
    with pytest.raises(RenderError, match=r"max_depth=(\d+)") as caught:
        computation_graph(node)
    depth = int(re.search(r"max_depth=(\d+)", str(caught.value)).group(1))  # type: ignore[union-attr]
    # tanh values at depths 0..d draw 2 nodes each, plus 1 collapsed node: 2(d + 1) + 1 <= 5000.
    assert depth == 2498
    source = computation_graph(node, max_depth=depth).source
    assert source.count("op [label=tanh") == depth + 1
    assert 'collapsed [label="... 502 more values' in source  # 3001 values, 2499 drawn


def test_max_depth_zero_draws_the_root_and_one_collapsed_node() -> None:
    y = Value(1.0, "a") * Value(2.0, "b")
    source = computation_graph(y, max_depth=0).source
    assert "{ a |" not in source and "collapsed ->" in source
    with pytest.raises(ValueError, match="max_depth"):
        computation_graph(y, max_depth=-1)


# ---- network diagram --------------------------------------------------------------------
def test_single_neuron_subnetwork_like_figure_4() -> None:
    mlp, _, _ = seed_network(SEED_000)
    source = network_diagram(mlp, notation=NOTATION_000, neuron=(2, 0)).source
    assert "x_0" not in source
    assert 'a1_0 -> a2_0 [label="w_{h1→o} = 0.3"]' in source
    assert 'a1_1 -> a2_0 [label="w_{h2→o} = 0.9"]' in source
    figure_2 = network_diagram(mlp, notation=NOTATION_000, neuron=(1, 0)).source
    assert "a1_1" not in figure_2 and "x_0 -> a1_0" in figure_2


def test_network_diagram_rejects_bad_input() -> None:
    mlp, _, _ = seed_network(SEED_000)
    with pytest.raises(ValueError, match=r"neuron=\(3, 0\).*layers are 1\.\.2"):
        network_diagram(mlp, neuron=(3, 0))
    with pytest.raises(TypeError, match=r"values\['x\[0\]'\]"):
        network_diagram(mlp, values={"x[0]": "0.35"})  # type: ignore[dict-item]
    with pytest.raises(RenderError, match=r"neuron=\(layer, j\)"):
        network_diagram(mlp, max_edges=5)


def test_biases_are_shown_when_present() -> None:
    mlp, _, _ = seed_network(SEED_004)
    source = network_diagram(mlp).source
    assert "b2[0] = 0.1" in source
    assert "b1" not in network_diagram(seed_network(SEED_000)[0]).source


# ---- rendering routes -------------------------------------------------------------------
@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without Graphviz: PATH is empty, as in xflr6/graphviz's own tests."""
    monkeypatch.setenv("PATH", "")


@pytest.mark.usefixtures("no_dot")
def test_empty_path_still_renders_svg_png_and_pdf(tmp_path: Path) -> None:
    mlp, loss, _ = seed_network(SEED_004)
    graph = computation_graph(loss, mlp=mlp)
    assert write(graph, tmp_path / "g.svg") == "wasm"
    texts = svg_texts((tmp_path / "g.svg").read_text(encoding="utf-8"))
    assert {"W1[0,0]", "z2[0]", "data 0.5285", "sigmoid"} <= set(texts)
    assert write(graph, tmp_path / "g.png") == "wasm+vl-convert"
    width, height = png_size((tmp_path / "g.png").read_bytes())
    assert 1000 < width < 20000 and 200 < height < 5000
    assert write(graph, tmp_path / "g.pdf") == "wasm+vl-convert"
    assert (tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.usefixtures("no_dot")
def test_missing_converter_is_one_line_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_render_backend, "_vl_convert_available", lambda: False)
    graph = computation_graph(Value(1.0, "a"))
    assert route_for("png") is None and route_for("svg") == "wasm"
    with pytest.raises(RenderError, match="pip install vl-convert-python") as caught:
        write(graph, tmp_path / "g.png")
    assert "\n" not in str(caught.value)
    monkeypatch.setattr(_render_backend, "_wasm_available", lambda: False)
    with pytest.raises(RenderError, match="install Graphviz"):
        write(graph, tmp_path / "g.svg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name == "nt", reason="the stand-in dot is a POSIX shell script")
def test_a_dot_that_cannot_write_the_format_falls_back_to_the_embedded_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "dot"  # like a Graphviz built without cairo: no PNG
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Format: \"png\" not recognized.' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert write(computation_graph(Value(1.0, "a")), tmp_path / "g.png") == "wasm+vl-convert"
    assert png_size((tmp_path / "g.png").read_bytes())[0] > 10


@pytest.mark.dot
@needs_dot
def test_dot_program_is_used_when_present(tmp_path: Path) -> None:
    mlp, loss, _ = seed_network(SEED_004)
    graph = computation_graph(loss, mlp=mlp)
    assert write(graph, tmp_path / "g.svg") == "dot"
    assert "W1[0,0]" in svg_texts((tmp_path / "g.svg").read_text(encoding="utf-8"))
    assert write(graph, tmp_path / "g.png") == "dot"
    assert png_size((tmp_path / "g.png").read_bytes())[0] > 1000
    assert write(graph, tmp_path / "g.pdf") == "dot"
    assert (tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


# ---- writing ----------------------------------------------------------------------------
def test_dot_and_gv_suffixes_write_the_source(tmp_path: Path) -> None:
    graph = computation_graph(Value(1.0, "a"))
    assert write(graph, tmp_path / "g.gv") == "source"
    assert (tmp_path / "g.gv").read_text(encoding="utf-8") == graph.source


def test_unknown_suffix_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"unknown suffix '\.jpg'; use \.svg, \.png"):
        write(computation_graph(Value(1.0)), tmp_path / "g.jpg")


def test_existing_file_is_kept_unless_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "g.dot"
    target.write_text("old", encoding="utf-8")
    graph = computation_graph(Value(1.0, "a"))
    with pytest.raises(RenderError, match="already exists"):
        write(graph, target)
    assert target.read_text(encoding="utf-8") == "old"
    write(graph, target, overwrite=True)
    assert target.read_text(encoding="utf-8") == graph.source


@pytest.mark.usefixtures("no_dot")
def test_failed_render_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    import graphviz  # type: ignore[import-untyped]

    target = tmp_path / "g.svg"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RenderError, match="Graphviz"):
        write(graphviz.Source("digraph { a -> }"), target, overwrite=True)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_missing_folder_and_directory_target(tmp_path: Path) -> None:
    graph = computation_graph(Value(1.0))
    with pytest.raises(RenderError, match="does not exist"):
        write(graph, tmp_path / "nowhere" / "g.dot")
    (tmp_path / "d.dot").mkdir()
    with pytest.raises(RenderError, match="is a directory"):
        write(graph, tmp_path / "d.dot", overwrite=True)


def test_new_file_gets_normal_permissions(tmp_path: Path) -> None:
    write(computation_graph(Value(1.0)), tmp_path / "g.dot")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "g.dot").stat().st_mode & 0o777 == 0o666 & ~umask


# ---- notebook display ------------------------------------------------------------------
def test_value_and_mlp_display_as_svg_in_notebooks() -> None:
    mlp, loss, _ = seed_network(SEED_000)
    loss_svg = loss._repr_svg_()
    assert loss_svg is not None and "sigmoid" in svg_texts(loss_svg)
    mlp_svg = mlp._repr_svg_()
    assert mlp_svg is not None and "W2[0,1] = 0.9" in svg_texts(mlp_svg)
    chain = Value(0.5, "x")
    for _ in range(3000):
        chain = chain.tanh()
    assert chain._repr_svg_() is None  # too big to draw: Jupyter falls back to the text repr


def test_computation_graph_shows_labels_in_a_given_notation() -> None:
    a = Value(2.0, "W1[0,0]")
    b = Value(3.0, "x[0]")
    source = computation_graph(a * b, notation={"W1[0,0]": "w_{x1→h1}"}).source
    assert "w_\\{x1→h1\\}" in source  # escaped for the record label, shown literally
    assert "x[0]" in source  # a label the notation does not name is shown as it is
    assert "W1[0,0]" not in source

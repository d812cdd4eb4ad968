"""Tests for microgradnet.render: DOT building (pure), the rendering routes, and safe writing."""

from __future__ import annotations

import html
import itertools
import math
import os
import random
import re
import shutil
import struct
from pathlib import Path

import pytest
from latex import compile_latex, needs_pdflatex

from microgradnet import _render_backend
from microgradnet._render_backend import Route
from microgradnet._render_example import KINDS, example_figure
from microgradnet._render_graph import Direction
from microgradnet._render_style import contrast
from microgradnet._render_text import inks_in, marked
from microgradnet.engine import Value
from microgradnet.errors import RenderError
from microgradnet.graph import topological_order
from microgradnet.losses import half_squared_error, mean
from microgradnet.nn import MLP
from microgradnet.render import (
    TooLargeError,
    backward_graph,
    computation_graph,
    network_diagram,
    network_values,
    route_for,
    to_svg,
    write,
)
from microgradnet.tutorial.autograd import autograd_graph
from microgradnet.tutorial.format import load, shipped

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
    """The text of every <text> element (its tspans joined), XML entities decoded."""
    return svg_words(svg)


def svg_words(svg: str) -> list[str]:
    """What each <text> element shows: its content with the <tspan> tags removed."""
    bodies = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.DOTALL)
    return [html.unescape(re.sub(r"<[^>]+>", "", body)) for body in bodies]


def svg_size(svg: str) -> tuple[float, float]:
    """(width, height) of the SVG in points."""
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert size is not None
    return float(size.group(1)), float(size.group(2))


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


SHIPPED = sorted(shipped())  # every example that ships, the seeds and the transcribed ones


# ---- DOT snapshots of the shipped examples, per kind ----------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", SHIPPED)
def test_snapshot_per_shipped_example_and_kind(name: str, kind: str) -> None:
    check_snapshot(f"{name}_{kind}.dot", example_figure(load(name), kind).source)


def test_snapshot_of_the_neuron_view_and_one_neuron() -> None:
    example = load("glickert")
    check_snapshot(
        "glickert_network_neuron2_1.dot", example_figure(example, "network", neuron=(2, 0)).source
    )
    mlp, loss, _ = seed_network(SEED_004)
    check_snapshot("seed004_neurons.dot", computation_graph(loss, mlp=mlp, view="neuron").source)


# ---- computation graph contents -----------------------------------------------------------
def test_one_edge_per_operand_occurrence() -> None:
    a = Value(3.0, "a")
    square = a * a
    source = computation_graph(square).source
    # a is index 0, a*a index 1: two edges a -> a*a.
    assert source.count("n0 -> n1") == 2
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
    assert "2e−07" in source
    assert "0.0000" not in source


def test_operand_roles_of_non_commutative_ops_are_marked() -> None:
    a, b = Value(3.0, "a"), Value(2.0, "b")
    source = computation_graph((a - b) / a).source
    # a - b: a is n0, b is n1, a - b is n2; then (a - b) / a is n3.
    assert re.search(r"n0 -> n2 \[[^\]]*headlabel=a", source)
    assert re.search(r"n1 -> n2 \[[^\]]*headlabel=b", source)
    assert re.search(r"n2 -> n3 \[[^\]]*headlabel=a", source)
    assert re.search(r"n0 -> n3 \[[^\]]*headlabel=b", source)
    power = computation_graph(a**b).source
    assert "headlabel=base" in power and "headlabel=exponent" in power


def test_constants_show_the_role_the_loss_gave_them() -> None:
    _, loss, _ = seed_network(SEED_000)
    texts = svg_texts(to_svg(computation_graph(loss), route="embedded"))
    assert "target" in texts and "½" in texts
    assert "constant" not in texts  # every constant of ½(y − t)² has a role


def test_color_by_grad_is_signed_and_has_a_key() -> None:
    a, b = Value(1.0, "a"), Value(-1e-6, "b")
    out = a * b  # grad of a is −1e-6 (small, negative), of b is 1 (large, positive)
    out.backward()
    source = computation_graph(out, color_by_grad=True).source
    assert re.search(r'label="a\\n[^\]]*fillcolor="#d1e5f0"', source)  # small negative: pale blue
    assert re.search(r'label="b\\n[^\]]*fillcolor="#b2182b"', source)  # large positive: dark red
    assert "cluster_key" in source and source.count("key") >= 9


@pytest.mark.parametrize("kind", KINDS)
def test_text_contrast_is_at_least_4_5_on_every_fill(kind: str) -> None:
    pictures = [example_figure(load(name), kind) for name in SHIPPED]
    if kind == "computation":
        mlp, loss, _ = seed_network(SEED_004)
        pictures.append(computation_graph(loss, mlp=mlp, color_by_grad=True))
    worst = min(min_contrast(p.source) for p in pictures)
    assert worst >= 4.5, worst


def min_contrast(source: str) -> float:
    """The lowest WCAG contrast of any text part on its fill, over every filled node."""
    worst = 21.0
    for attrs in re.findall(r"\n\t+\w+ \[(.*)\]", source):
        fill = re.search(r'fillcolor="(#\w{6})"', attrs)
        if fill is None:
            continue
        inks = re.findall(r'fontcolor="(#\w{6})"', attrs)
        comment = re.search(r'comment="([^"]*)"', attrs)
        inks += inks_in(comment.group(1)) if comment else []
        assert inks, f"a filled node with no ink: {attrs[:80]}"
        worst = min([worst, *(contrast(ink, fill.group(1)) for ink in inks)])
    return worst


def test_mlp_clusters_group_each_neuron_and_put_the_inputs_in_layer_1() -> None:
    mlp, loss, _ = seed_network(SEED_004)
    source = computation_graph(loss, mlp=mlp).source
    start = source.index("subgraph cluster_layer1_neuron1 {")
    body = source[start : source.index("\n\t\t}\n", start)]
    assert 'label="neuron a(1)2"' in body  # titled by its 1-based symbol (drawn from the id)
    for label in ("W(1)21", "W(1)22", "b(1)2", "z(1)2", "a(1)2"):  # the 1-based symbols
        assert f'label="{label}' in body
    assert body.count('label="×') == 2  # the products w·x joined the neuron
    layer1 = source[source.index("subgraph cluster_layer1 {") :]
    assert 'label="x1' in layer1.split("subgraph cluster_layer2")[0]


def test_neuron_clusters_are_titled_by_the_documents_symbol() -> None:
    svg = to_svg(example_figure(load("glickert"), "computation"), route="embedded")
    sub = '<tspan baseline-shift="-0.25em" font-size="72%">'
    clusters = re.findall(r'class="cluster">(.*?)</g>', svg, re.DOTALL)
    titles = [t for body in clusters for t in re.findall(r"<text[^>]*>(.*?)</text>", body)]
    assert sorted(titles) == [
        "layer 1",
        "layer 2",
        f"neuron h{sub}1</tspan>",
        f"neuron h{sub}2</tspan>",
        "neuron o",
    ]


def test_too_many_nodes_names_a_max_depth_that_fits() -> None:
    node = Value(0.5, "x")
    for _ in range(3000):
        node = node.tanh()
    with pytest.raises(TooLargeError, match=r"max_depth=(\d+)") as caught:
        computation_graph(node)
    depth = int(re.search(r"max_depth=(\d+)", str(caught.value)).group(1))  # type: ignore[union-attr]
    # values at depths 0..d draw 1 box each, plus 1 collapsed box: (d + 1) + 1 <= 2500.
    assert depth == 2498
    assert f"--max-depth {depth}" in caught.value.cli_message
    source = computation_graph(node, max_depth=depth).source
    assert source.count('label="tanh') == depth + 1
    assert 'collapsed [label="… 502 more values' in source  # 3001 values, 2499 drawn


def test_max_depth_zero_draws_the_root_and_one_collapsed_node() -> None:
    y = Value(1.0, "a") * Value(2.0, "b")
    source = computation_graph(y, max_depth=0).source
    assert 'label="a' not in source and "collapsed ->" in source
    with pytest.raises(ValueError, match="max_depth"):
        computation_graph(y, max_depth=-1)


def test_backward_graph_shows_the_chain_rule_on_every_edge() -> None:
    a = Value(3.0, "a")
    b = Value(2.0, "b")
    out = a * b + a  # a is used twice: grad a = b + 1 = 3
    out.backward()
    source = backward_graph(out).source
    assert "2 × 1\\n= 2" in source  # ∂(a·b)/∂a = b = 2, upstream 1
    assert "3 × 1\\n= 3" in source  # ∂(a·b)/∂b = a = 3
    assert "1 × 1\\n= 1" in source  # ∂(ab + a)/∂a = 1
    assert "Σ = 3" in source  # a's two contributions, 2 + 1
    assert source.count("dir=back") == 4


def test_neuron_view_makes_a_big_mlp_viewable() -> None:
    rng = random.Random(0)
    mlp = MLP(2, [16, 16, 1], "sigmoid", rng=rng)
    loss = half_squared_error(mlp([0.5, -0.25]), 1.0)
    loss.backward()
    with pytest.raises(TooLargeError):
        computation_graph(loss, mlp=mlp, max_nodes=500)
    source = computation_graph(loss, mlp=mlp, view="neuron").source
    boxes = re.findall(r"\n\t+(\w+) \[label=", source)
    assert len([b for b in boxes if "_a" in b]) == 33  # 16 + 16 + 1 neurons
    drawn = [line for line in source.splitlines() if " -> " in line and "invis" not in line]
    assert len(drawn) == 2 * 16 + 16 * 16 + 16 + 5  # + the 5 edges of ½(y − t)²
    width, height = svg_size(
        to_svg(computation_graph(loss, mlp=mlp, view="neuron"), route="embedded")
    )
    assert width < 2000 and height < 2000  # points: a page, not a strip


def test_per_sample_grouping_of_a_batch_loss() -> None:
    mlp = MLP.from_weights([[[0.5, -0.5]], [[1.0]]], None, "sigmoid")
    batch = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
    loss = mean([half_squared_error(mlp(x), 1.0) for x in batch])  # type: ignore[arg-type]
    loss.backward()
    source = computation_graph(loss, mlp=mlp, view="neuron", by_sample=True).source
    for k in (1, 2, 3):
        assert f'label="sample {k}"' in source
    assert source.count("\ts2_a1_0 [label") == 1 and source.count("\ts0_x_1 [label") == 1


# ---- typography ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "route", ["embedded", pytest.param("dot", marks=[pytest.mark.dot, needs_dot])]
)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", SHIPPED)
def test_no_literal_tex_in_any_text(name: str, kind: str, route: Route) -> None:
    svg = to_svg(example_figure(load(name), kind), route=route)
    words = svg_words(svg)
    assert words and not [w for w in words if "_{" in w or "^{" in w or "\\" in w]
    if name in ("glickert", "manual-221"):  # notations with subscripts (nnwj-online has none)
        assert '<tspan baseline-shift="-0.25em"' in svg  # real subscripts


def test_symbols_become_real_subscripts_and_superscripts() -> None:
    assert marked("w_{x1→h1}") == "w\ue000x1→h1\ue002"
    assert marked("h₁") == "h\ue0001\ue002"
    assert marked("W⁽¹⁾₁₂") == "W\ue001(1)\ue002\ue00012\ue002"
    svg = to_svg(
        network_diagram(seed_network(SEED_000)[0], notation=NOTATION_000), route="embedded"
    )
    assert '<tspan baseline-shift="-0.25em" font-size="72%">x1→h1</tspan>' in svg


def test_default_names_are_1_based_symbols() -> None:
    mlp, _, _ = seed_network(SEED_004)
    words = svg_words(to_svg(network_diagram(mlp), route="embedded"))
    assert "W(1)11 = 0.2" in words and "y" in " ".join(words)
    assert not [w for w in words if "[0" in w]  # no 0-based canonical name anywhere


SLIDE_WIDTH_PT, SLIDE_HEIGHT_PT = 720.0, 405.0  # a 16:9 slide, 10 × 5.625 in


def slide_text_pt(svg: str) -> float:
    """The smallest main text size, in points, once the picture is scaled to fill a 16:9 slide.

    font-size of each <text> (SVG user units = points at the picture's own size) times the
    drawing's scale, times the slide fit min(720 / width, 405 / height) in points. Sub- and
    superscripts (72 % of their line) are not counted: the measure is of the line text.
    """
    width, height = svg_size(svg)
    scale = re.search(r'transform="scale\(([\d.]+)', svg)
    drawing = float(scale.group(1)) if scale else 1.0
    sizes = [float(f) for f in re.findall(r'<text[^>]*font-size="([\d.]+)"', svg)]
    return min(sizes) * drawing * min(SLIDE_WIDTH_PT / width, SLIDE_HEIGHT_PT / height)


@pytest.mark.parametrize(
    "route", ["embedded", pytest.param("dot", marks=[pytest.mark.dot, needs_dot])]
)
def test_default_computation_graph_fits_a_slide_with_text_of_9_pt(route: Route) -> None:
    svg = to_svg(example_figure(load("glickert"), "computation"), route=route)
    assert slide_text_pt(svg) >= 9.0


def test_each_weight_is_a_box_on_its_own_edge() -> None:
    mlp = MLP(3, [4, 4, 1], "sigmoid", rng=random.Random(1))
    source = network_diagram(mlp).source
    for layer, n_in, n_out in ((1, 3, 4), (2, 4, 4), (3, 4, 1)):
        for j in range(n_out):
            for i in range(n_in):
                box = f"w{layer}_{j}_{i}"
                source_id = f"x_{i}" if layer == 1 else f"a{layer - 1}_{i}"
                assert f"{source_id} -> {box} [arrowhead=none]" in source
                assert f"{box} -> a{layer}_{j}\n" in source


def pdf_fonts(data: bytes) -> set[str]:
    """The font families a PDF embeds (subset prefix and style suffix dropped)."""
    names = re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([A-Za-z]+)", data)
    return {name.decode() for name in names}


@pytest.mark.parametrize(
    "route", ["embedded", pytest.param("dot", marks=[pytest.mark.dot, needs_dot])]
)
def test_every_route_draws_in_one_font_family(route: Route, tmp_path: Path) -> None:
    mlp, _, _ = seed_network(SEED_004)
    example = load("glickert")
    for k, picture in enumerate([example_figure(example, "computation"), network_diagram(mlp)]):
        write(picture, tmp_path / f"{k}.pdf", route=route)
        assert pdf_fonts((tmp_path / f"{k}.pdf").read_bytes()) == {"LiberationSans"}


# ---- network diagram --------------------------------------------------------------------
def test_single_neuron_subnetwork_like_figure_4() -> None:
    mlp, _, _ = seed_network(SEED_000)
    source = network_diagram(mlp, notation=NOTATION_000, neuron=(2, 0)).source
    assert "x_0" not in source
    assert 'w2_0_0 [label="wh1→o = 0.3"' in source
    assert "a1_0 -> w2_0_0" in source and "w2_0_1 -> a2_0" in source
    figure_2 = network_diagram(mlp, notation=NOTATION_000, neuron=(1, 0)).source
    assert "a1_1" not in figure_2 and "x_0 -> w1_0_0" in figure_2


def test_network_diagram_rejects_bad_input() -> None:
    mlp, _, _ = seed_network(SEED_000)
    with pytest.raises(ValueError, match=r"neuron=\(3, 0\).*layers are 1\.\.2"):
        network_diagram(mlp, neuron=(3, 0))
    with pytest.raises(TypeError, match=r"values\['x\[0\]'\]"):
        network_diagram(mlp, values={"x[0]": "0.35"})  # type: ignore[dict-item]
    with pytest.raises(TooLargeError, match=r"neuron=\(layer, j\)") as caught:
        network_diagram(mlp, max_edges=5)
    assert "--neuron L,J" in caught.value.cli_message


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda m, l: network_diagram(m, values=[1.0]),
            TypeError,
            r"values must be a mapping.*got list",
        ),
        (
            lambda m, l: network_diagram(m, precision=-1),
            ValueError,
            r"precision must be 1 to 17.*got -1",
        ),
        (
            lambda m, l: computation_graph(l, precision=2.5),
            TypeError,
            r"precision must be an int.*float",
        ),
        (lambda m, l: network_diagram(m, neuron=(1,)), TypeError, r"neuron must be a pair.*\(1,\)"),
        (lambda m, l: computation_graph(3.0), TypeError, r"root must be a Value.*got float"),
        (lambda m, l: network_diagram("mlp"), TypeError, r"mlp must be an MLP.*got str"),
        (lambda m, l: write("g", "g.svg"), TypeError, r"graph must be a picture.*got str"),
        (
            lambda m, l: to_svg(network_diagram(m), route="bogus"),
            ValueError,
            r"route must be 'auto'.*got 'bogus'",
        ),
        (
            lambda m, l: computation_graph(l, direction="up"),
            ValueError,
            r"direction must be.*got 'up'",
        ),
        (lambda m, l: computation_graph(l, size=(0, 1)), ValueError, r"size must be.*got \(0, 1\)"),
        (lambda m, l: computation_graph(l, view="neuron"), ValueError, r"view='neuron' needs mlp="),
    ],
)
def test_bad_arguments_name_the_argument_what_came_and_what_is_expected(
    call: object, error: type[Exception], message: str
) -> None:
    mlp, loss, _ = seed_network(SEED_000)
    with pytest.raises(error, match=message):
        call(mlp, loss)  # type: ignore[operator]


def test_biases_are_shown_when_present() -> None:
    mlp, _, _ = seed_network(SEED_004)
    source = network_diagram(mlp).source
    assert "b(2) = 0.1" in source
    assert "b(1)" not in network_diagram(seed_network(SEED_000)[0]).source


def test_a_shared_bias_shows_its_one_symbol_on_every_neuron() -> None:
    # Mazur's b1 feeds both hidden neurons (and b2 both outputs), held fixed by the example.
    network = example_figure(load("mazur"), "network").source
    assert network.count("\\nb1 = 0.35") == 2 and network.count("\\nb2 = 0.6") == 2
    update = example_figure(load("mazur"), "update").source
    assert update.count("\\nb1: 0.35 → 0.35\\nΔ = 0") == 2


def test_a_target_named_target_by_the_document_is_not_named_twice() -> None:
    source = example_figure(load("nnwj-online"), "computation").source
    assert 'label="target\\n0\\n' in source and "target target" not in source


def test_update_diagram_shows_old_new_and_step() -> None:
    example = load("manual-221")
    source = example_figure(example, "update").source
    # W⁽²⁾₁₁ = 0.3, ∂L/∂w = −0.0587…, η = 0.1: 0.3 → 0.3059, Δ = 0.005874 (seed 004's numbers).
    assert 'label="W(2)11: 0.3 → 0.3059\\nΔ = 0.005874"' in source
    assert "loss 0.1112 → 0.1088" in source


@pytest.mark.latex
@needs_pdflatex
def test_tikz_network_compiles_in_a_beamer_slide(tmp_path: Path) -> None:
    example = load("glickert")
    write(example_figure(example, "network"), tmp_path / "net.tex")
    tikz = (tmp_path / "net.tex").read_text(encoding="utf-8")
    assert r"$w_{x1\rightarrow h1}$ $= 0.2$" in tikz
    slide = (
        "\\documentclass{beamer}\n\\usepackage{tikz}\n\\begin{document}\n"
        "\\begin{frame}{Glickert's network}\n\\input{net.tex}\n\\end{frame}\n\\end{document}\n"
    )
    compile_latex(tmp_path, "slide", slide)


def test_tex_is_only_for_network_diagrams(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="only a network diagram"):
        write(computation_graph(Value(1.0, "a")), tmp_path / "g.tex")


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
    words = {w for t in texts for w in t.split()}
    assert {"W(1)11", "z(2)", "0.5285", "σ"} <= words
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
    assert "0.5285" in svg_texts((tmp_path / "g.svg").read_text(encoding="utf-8"))
    assert write(graph, tmp_path / "g.png") == "dot+vl-convert"
    assert png_size((tmp_path / "g.png").read_bytes())[0] > 1000
    assert write(graph, tmp_path / "g.pdf") == "dot+vl-convert"
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
    assert loss_svg is not None and "σ" in " ".join(svg_texts(loss_svg))
    mlp_svg = mlp._repr_svg_()
    assert mlp_svg is not None and "W(2)12 = 0.9" in svg_texts(mlp_svg)
    chain = Value(0.5, "x")
    for _ in range(3000):
        chain = chain.tanh()
    assert chain._repr_svg_() is None  # too big to draw: Jupyter falls back to the text repr


@pytest.mark.usefixtures("no_dot")
def test_pictures_display_in_jupyter_without_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    mlp, loss, _ = seed_network(SEED_004)
    for picture in (computation_graph(loss, mlp=mlp), network_diagram(mlp)):
        bundle = picture._repr_mimebundle_()
        assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    monkeypatch.setattr(_render_backend, "INLINE_LIMIT", 1000)
    note = network_diagram(mlp)._repr_mimebundle_()
    assert list(note) == ["text/plain"] and "not shown inline" in note["text/plain"]


def test_computation_graph_shows_labels_in_a_given_notation() -> None:
    a = Value(2.0, "W1[0,0]")
    b = Value(3.0, "x[0]")
    source = computation_graph(a * b, notation={"W1[0,0]": "w_{x1→h1}"}).source
    assert 'label="wx1→h1' in source and 'comment="\ue003w\ue000x1→h1' in source
    assert "x[0]" in source  # a label the notation does not name is shown as it is (no mlp)
    assert "W1[0,0]" not in source


@pytest.mark.parametrize(
    "route", ["embedded", pytest.param("dot", marks=[pytest.mark.dot, needs_dot])]
)
def test_network_neurons_stand_in_index_order(route: Route) -> None:
    for seed in range(3):
        mlp = MLP(3, [4, 4, 1], "sigmoid", rng=random.Random(seed))
        svg = to_svg(network_diagram(mlp), route=route)
        for layer, width in ((0, 3), (1, 4), (2, 4)):
            ids = [f"x_{j}" if layer == 0 else f"a{layer}_{j}" for j in range(width)]
            ys = [node_y(svg, node) for node in ids]
            assert ys == sorted(ys), (seed, layer, ys)  # top to bottom: 1, 2, 3, 4


@pytest.mark.parametrize(
    "route", ["embedded", pytest.param("dot", marks=[pytest.mark.dot, needs_dot])]
)
@pytest.mark.parametrize("direction", ["LR", "TB"])
@pytest.mark.parametrize("kind", ["computation", "backward"])
@pytest.mark.parametrize("name", SHIPPED)
def test_inputs_and_neurons_stand_in_index_order(
    name: str, kind: str, direction: Direction, route: Route
) -> None:
    # Measured from the laid-out boxes: top to bottom when the ranks are columns (LR, the
    # computation graph's default), left to right when they are rows (TB, the backward figure's).
    # Columns of one box are skipped; every shipped example has one of two or more (its inputs).
    example = load(name)
    _, loss = autograd_graph(example)
    ids = {v.label: f"n{i}" for i, v in enumerate(topological_order(loss)) if v.label}
    picture = example_figure(example, kind, direction=direction)
    boxes = node_boxes(to_svg(picture, route=route))
    axis = 1 if direction == "LR" else 0  # SVG y grows downwards
    widths = [len(example.inputs), *(len(layer.weights) for layer in example.layers)]
    columns = [
        [ids[f"x[{i}]" if layer == 0 else f"a{layer}[{i}]"] for i in range(width)]
        for layer, width in enumerate(widths)
        if width > 1
    ]
    assert columns
    for column in columns:
        starts = [boxes[node][axis] for node in column]
        assert starts == sorted(starts), (column, starts)


def node_y(svg: str, node: str) -> float:
    """The y of a node's first text line in the SVG (larger is lower)."""
    group = re.search(rf"<title>{node}</title>.*?<text[^>]*y=\"([-\d.]+)\"", svg, re.DOTALL)
    assert group is not None, node
    return float(group.group(1))


# ---- no edge crosses another at its arrowhead -------------------------------------------------
Point = tuple[float, float]


def edge_geometry(svg: str) -> list[tuple[str, list[Point], list[Point] | None]]:
    """(node the arrow points at, path ending there, arrowhead or None) for every drawn edge.

    The path is the edge's Bézier curve sampled at 16 points per segment; for ``dir=back`` it
    is reversed so that it always ends at the arrowhead. An edge with no arrowhead (a weight's
    incoming edge in a network diagram) can still cross another's arrowhead, so it is listed.
    """
    found: list[tuple[str, list[Point], list[Point] | None]] = []
    boxes = node_boxes(svg)
    pattern = r'<g id="edge\d+" class="edge">\s*<title>(.*?)</title>(.*?)</g>'
    for title, body in re.findall(pattern, svg, re.DOTALL):
        path = re.search(r'<path[^>]* d="M([^"]+)"', body)
        if path is None or 'stroke="transparent"' in body:
            continue
        polyline = bezier_points(path.group(1))
        arrow = re.search(r'<polygon[^>]* points="([^"]+)"', body)
        polygon = None if arrow is None else [point(pair) for pair in arrow.group(1).split()]
        tail, head = (end.split(":")[0] for end in html.unescape(title).split("->"))
        if polygon is not None:
            corners = polygon[:-1] if polygon[0] == polygon[-1] else polygon  # closed outline
            centre = (sum(p[0] for p in corners) / 3, sum(p[1] for p in corners) / 3)
            if math.dist(polyline[0], centre) < math.dist(polyline[-1], centre):
                polyline = polyline[::-1]  # the path is written from the arrowhead's end
            if box_distance(boxes[tail], centre) < box_distance(boxes[head], centre):
                head = tail  # dir=back: the arrow points at the tail
        found.append((head, polyline, polygon))
    return found


def node_boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """Each node's bounding box (x0, y0, x1, y1) from its outline's points."""
    boxes = {}
    pattern = r'<g id="node\d+" class="node">\s*<title>(.*?)</title>\s*<(?:polygon|path)[^>]* (?:points|d)="M?([^"]+)"'
    for title, points in re.findall(pattern, svg):
        numbers = [float(v) for v in re.findall(r"-?[\d.]+", points)]
        xs, ys = numbers[::2], numbers[1::2]
        boxes[html.unescape(title)] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def box_distance(box: tuple[float, float, float, float], p: Point) -> float:
    dx = max(box[0] - p[0], 0.0, p[0] - box[2])
    dy = max(box[1] - p[1], 0.0, p[1] - box[3])
    return math.hypot(dx, dy)


def point(pair: str) -> Point:
    x, y = pair.split(",")
    return float(x), float(y)


def bezier_points(path: str) -> list[Point]:
    """The cubic Bézier path ``x,y c1 c2 end …`` (SVG "M…C…") sampled 16 times per segment."""
    numbers = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", path)]
    controls = list(zip(numbers[::2], numbers[1::2]))
    polyline = [controls[0]]
    for k in range(1, len(controls) - 2, 3):
        p0, p1, p2, p3 = controls[k - 1 : k + 3]
        for step in range(1, 17):
            t = step / 16
            weights = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3)
            polyline.append(
                (
                    sum(w * c[0] for w, c in zip(weights, (p0, p1, p2, p3))),
                    sum(w * c[1] for w, c in zip(weights, (p0, p1, p2, p3))),
                )
            )
    return polyline


def crosses(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segments ab and cd properly intersect."""

    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def last_stretch(polyline: list[Point], length: float) -> list[Point]:
    """The last ``length`` points of path along ``polyline`` (cut exactly), start to end."""
    stretch = [polyline[-1]]
    left = length
    for a, b in itertools.pairwise(polyline[::-1]):
        step = math.dist(a, b)
        if step >= left:
            t = left / step if step else 0.0
            stretch.append((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
            break
        stretch.append(b)
        left -= step
    return stretch[::-1]


def arrowhead_crossings(svg: str) -> list[tuple[str, str]]:
    """(head, other edge's head) where another edge crosses an arrowhead or the 10 pt before it.

    10 pt is a little more than the longest arrowhead drawn (arrowsize 0.7 × 10 pt = 7 pt), so
    the zone is the arrowhead and the stretch of line the eye follows into it. Edges ending at
    the same node may meet there: that is a fan-in, not a crossing.
    """
    edges_ = edge_geometry(svg)
    hits = []
    for head, polyline, polygon in edges_:
        if polygon is None:
            continue
        near = last_stretch(polyline, 10.0)
        zone = [*itertools.pairwise(near), *itertools.pairwise([*polygon, polygon[0]])]
        for other_head, other, _ in edges_:
            if other_head == head or other is polyline:
                continue
            if any(crosses(a, b, c, d) for a, b in zone for c, d in itertools.pairwise(other)):
                hits.append((head, other_head))
    return hits


def two_edges_svg(x: float) -> str:
    """a → b along y = 5, its arrowhead at x 90–100; c → d straight down the line x = ``x``."""
    nodes = {"a": (0, 0), "b": (100, 0), "c": (x - 5, -30), "d": (x - 5, 30)}
    parts = [
        f'<g id="node{k}" class="node"><title>{n}</title>'
        f'<polygon points="{x0},{y0} {x0 + 10},{y0} {x0 + 10},{y0 + 10} {x0},{y0 + 10} {x0},{y0}"/>'
        "</g>"
        for k, (n, (x0, y0)) in enumerate(nodes.items())
    ]
    parts.append(
        '<g id="edge1" class="edge"><title>a&#45;&gt;b</title><path d="M10,5C40,5 60,5 90,5"/>'
        '<polygon points="90,2 100,5 90,8 90,2"/></g>'
    )
    parts.append(
        f'<g id="edge2" class="edge"><title>c&#45;&gt;d</title><path d="M{x},-20C{x},0 {x},10 '
        f'{x},23"/><polygon points="{x - 3},23 {x},30 {x + 3},23 {x - 3},23"/></g>'
    )
    return "\n".join(parts)


def test_the_crossing_check_finds_an_edge_through_an_arrowhead() -> None:
    assert arrowhead_crossings(two_edges_svg(95.0)) == [("b", "d")]  # through the arrowhead
    assert arrowhead_crossings(two_edges_svg(84.0)) == [("b", "d")]  # 6 pt before it
    assert arrowhead_crossings(two_edges_svg(50.0)) == []  # midway: an ordinary crossing


ROUTES = ["embedded", pytest.param("dot", marks=[pytest.mark.dot, needs_dot])]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", SHIPPED)
def test_no_edge_crosses_another_at_an_arrowhead(name: str, kind: str, route: Route) -> None:
    svg = to_svg(example_figure(load(name), kind), route=route)
    assert edge_geometry(svg), "no edges found: the test would pass vacuously"
    assert arrowhead_crossings(svg) == []


@pytest.mark.parametrize(
    ("picture", "name", "kind"),
    [
        ("glickert-graph.svg", "glickert", "computation"),
        ("glickert-backward.svg", "glickert", "backward"),
        ("manual-221-update.svg", "manual-221", "update"),
    ],
)
def test_readme_figures_are_current(picture: str, name: str, kind: str) -> None:
    committed = (Path(__file__).parent.parent / "demos" / "images" / picture).read_text("utf-8")
    produced = to_svg(example_figure(load(name), kind), route="embedded")
    hint = f"demos/images/{picture} is stale: run `python demos/make_readme_images.py`"
    assert sorted(svg_words(committed)) == sorted(svg_words(produced)), hint

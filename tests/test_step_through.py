"""The step-through page without a browser: its steps against the engine, the file, the animation, the CLI.

The browser half (the page's script driven by Chromium) is tests/test_step_through_browser.py.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from microgradnet import render
from microgradnet._render_steps import Num, Step
from microgradnet._render_text import format_number
from microgradnet.cli import main
from microgradnet.engine import Value
from microgradnet.graph import topological_order
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.format import load
from microgradnet.tutorial.walkthrough import autograd_graph, run

#: The steps sum each gradient's contributions in backward()'s own order, so they reproduce its
#: floats; 1e-15 relative is a few ulps, far too tight for a missing or doubled term to pass.
SAME_FLOATS = 1e-15
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="the Graphviz `dot` program is not on PATH"
)


def small_graph() -> Value:
    """tanh(a·a + a·b) − b: ``a`` used three times (twice by one op), ``b`` twice."""
    a, b = Value(0.6, "a"), Value(-1.3, "b")
    out = (a * a + a * b).tanh() - b
    out.label = "out"
    out.backward()
    return out


def numbers(step: Step) -> list[float]:
    return [part.value for row in step.rows for part in row if isinstance(part, Num)]


def test_forward_steps_follow_topological_order_with_each_operations_numbers() -> None:
    out = small_graph()
    order = topological_order(out)
    page = render.step_through(out)
    forward = [s for s in page.steps if s.phase == "forward"]
    assert [s.node for s in forward] == [i for i, v in enumerate(order) if v.parents]
    for step in forward:
        node = order[step.node]
        expected = [p.data for p in node.parents] + [node.data]
        assert numbers(step) == pytest.approx(expected, rel=SAME_FLOATS)  # copied, not computed


def test_backward_steps_show_local_times_upstream_and_the_running_sum() -> None:
    out = small_graph()
    order = topological_order(out)
    page = render.step_through(out)
    backward = [s for s in page.steps if s.phase == "backward"]
    assert [s.node for s in backward] == list(range(len(order) - 1, -1, -1))
    a = next(i for i, v in enumerate(order) if v.label == "a")
    step = next(s for s in backward if s.node == a)
    uses = [
        (c, p)
        for c in range(len(order) - 1, -1, -1)
        for p, v in enumerate(order[c].parents)
        if v is order[a]
    ]
    assert len(uses) == 3 and len(step.rows) == 4  # three uses, then the total
    running = 0.0
    for row, (c, position) in zip(step.rows, uses):
        local, upstream = order[c].local_grads[position], order[c].grad
        running += local * upstream
        shown = [part.value for part in row if isinstance(part, Num)]
        assert shown == pytest.approx([local, upstream, local * upstream, running], rel=SAME_FLOATS)
    assert numbers(step)[-1] == pytest.approx(order[a].grad, rel=SAME_FLOATS)


def test_every_backward_total_is_the_engines_gradient() -> None:
    out = small_graph()
    order = topological_order(out)
    for step in render.step_through(out).steps:
        if step.phase == "backward":
            assert numbers(step)[-1] == pytest.approx(order[step.node].grad, rel=SAME_FLOATS)


def test_a_value_without_gradients_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match=r"call backward\(\)"):
        render.step_through(Value(2.0) * 3.0)
    with pytest.raises(TypeError, match="Value or a Walkthrough, got int"):
        render.step_through(3)  # type: ignore[arg-type]


def test_walkthrough_steps_carry_the_documents_lines_in_its_notation() -> None:
    walk = run(load("manual-221"))
    page = render.step_through(walk)
    order = topological_order(autograd_graph(walk.example)[1])  # the graph the page draws
    notes = {(s.phase, order[s.node].label): n for s, n in zip(page.steps, page.notes) if n}
    delta = notes[("backward", "z2[0]")]
    assert [n.equation.split(" = ")[0] for n in delta] == ["dy/dz⁽²⁾", "δ⁽²⁾"]
    line = walk.line(k.delta(2, 0))
    assert delta[1].hand == "-0.1174892" and delta[1].autograd == "-0.1174892"
    assert line.autograd == pytest.approx(-0.1174892, abs=0.5e-7)  # printed to 7 decimals
    assert delta[1].printed == (("-0.1174892", True),)
    assert notes[("forward", "a2[0]")][0].printed == (("0.5285101", True), ("0.5285", True))
    assert ("backward", "W1[0,1]") in notes  # ∂L/∂W⁽¹⁾₁₂ beside W1[0,1]'s gradient
    assert all(ok for n in page.notes for note in n for _, ok in note.printed)


def test_the_page_makes_no_request_and_is_small(tmp_path: Path) -> None:
    page = render.step_through(run(load("manual-221")))
    text = page.html
    assert "default-src 'none'" in text  # the browser itself refuses every request
    assert not re.search(r"\s(src|href|xlink:href|srcset|action)\s*=", text)
    assert not re.search(r"url\(|@import|@font-face|fetch\(|XMLHttpRequest|WebSocket", text)
    assert text.count("<svg") == 1 and text.count("<script") == 2
    size = len(text.encode("utf-8"))
    assert size < 300_000, f"the 2-2-1 walkthrough page is {size:,} bytes"


def test_labels_cannot_close_the_script_or_inject_markup() -> None:
    x = Value(1.5, "</script><b>x</b>")
    y = x * x
    y.backward()
    text = render.step_through(y).html
    assert "</script><b>" not in text
    data = text.split('<script type="application/json" id="mg-data">')[1].split("</script>")[0]
    steps = json.loads(data)["steps"]
    assert "</script><b>x</b>" in steps[-1][3]  # the heading of x's backward step, intact


def test_jupyter_shows_the_same_page_in_an_iframe() -> None:
    page = render.step_through(small_graph())
    shown = page._repr_html_()
    assert shown.startswith('<iframe srcdoc="') and "</iframe>" in shown
    assert html.unescape(shown.split('srcdoc="')[1].split('" title=')[0]) == page.html


def test_write_html_is_atomic_and_never_clobbers(tmp_path: Path) -> None:
    page = render.step_through(small_graph())
    target = tmp_path / "page.html"
    assert render.write(page, target) == "html"
    assert target.read_text(encoding="utf-8") == page.html
    with pytest.raises(render.RenderError, match="already exists"):
        render.write(page, target)
    with pytest.raises(render.RenderError, match=r"\.html, \.htm, \.gif, \.apng, not '\.svg'"):
        render.write(page, tmp_path / "page.svg")
    with pytest.raises(render.RenderError, match="pass render.step_through"):
        render.write(render.computation_graph(small_graph()), tmp_path / "graph.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]  # no temporary left


@pytest.mark.parametrize(("suffix", "fmt"), [(".gif", "GIF"), (".apng", "PNG")])
def test_animation_has_one_frame_per_step(tmp_path: Path, suffix: str, fmt: str) -> None:
    page = render.step_through(small_graph())
    target = tmp_path / f"steps{suffix}"
    assert render.write(page, target) == "vl-convert+pillow"
    with Image.open(target) as image:
        assert image.format == fmt
        assert image.n_frames == len(page.steps)
        first = image.convert("RGB")
        image.seek(len(page.steps) // 2)
        assert image.convert("RGB").tobytes() != first.tobytes()  # frames differ


def test_animation_refuses_more_frames_than_the_limit(tmp_path: Path) -> None:
    page = render.step_through(small_graph())
    n = len(page.steps)
    with pytest.raises(render.RenderError, match=rf"{n} frames, more than max_frames={n - 1}"):
        render.write(page, tmp_path / "x.gif", max_frames=n - 1)
    assert not (tmp_path / "x.gif").exists()


def test_cli_writes_the_page_and_the_animation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    assert main(["graph", "manual-221", "-o", str(page)]) == 0
    assert capsys.readouterr().out == f"wrote {page} (html)\n"
    assert 'aria-live="polite"' in page.read_text(encoding="utf-8")
    walk = tmp_path / "walk.html"
    assert main(["walkthrough", "manual-221", "--html", str(walk)]) == 0
    assert capsys.readouterr().err == f"microgradnet: wrote {walk} (html)\n"
    assert walk.read_bytes() == page.read_bytes()


def test_cli_refuses_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "manual-221", "-o", str(tmp_path / "x.gif"), "--max-frames", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "more than max_frames=5" in err and "--max-frames" in err
    assert main(["graph", "manual-221", "-o", str(tmp_path / "x.html"), "--kind", "network"]) == 2
    assert capsys.readouterr().err == (
        "microgradnet graph: a step-through page shows --kind computation\n"
    )
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "route", ["embedded", pytest.param("dot", marks=[pytest.mark.dot, needs_dot])]
)
def test_every_field_is_found_in_either_routes_svg(route: render.Route) -> None:
    """The page finds each node's data and grad text by the DOT node name, whichever Graphviz drew."""
    out = small_graph()
    page = render.step_through(out, route=route)
    assert all(t.data is not None and t.grad is not None for t in page.texts)
    for i, node in enumerate(topological_order(out)):
        assert f'id="g-n{i}"' in page.html and f'id="n{i}-grad"' in page.html
        assert page.texts[i].grad == (format_number(node.grad, 4), "?")

"""The step-through page in a real browser: headless Chromium driven through WebDriver.

Each page is opened from a file with the network switched off (DevTools ``emulateNetworkConditions``)
and the browser's console and network logs recorded. At every step the highlighted node and every
number on screen are compared with the engine's own numbers for that step, which the test derives
from the graph itself (``parents``, ``local_grads``, ``grad``), not from the page's data.

Screenshots: the mid-backward screenshot goes to ``$MICROGRADNET_SCREENSHOT_DIR`` when set (README's
demos/images/step-through.png is made that way), else to pytest's temporary folder.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from microgradnet import render
from microgradnet._render_html_bench import mlp_loss, start_chromium
from microgradnet.engine import Value
from microgradnet.files import write_atomic
from microgradnet.graph import topological_order
from microgradnet.tutorial.format import load
from microgradnet.tutorial.walkthrough import autograd_graph, run

pytestmark = pytest.mark.browser

#: The panel prints 6 significant digits and the graph 4: a shown number may differ from the
#: engine's by half a unit in its last digit, at most 5e-6 (5e-4) of its size.
PANEL, GRAPH = 5e-6, 5e-4

_STATE = """
const ids = el => Array.from(document.querySelectorAll(el)).map(e => e.id).sort();
const fields = {};
document.querySelectorAll("[id$='-data'], [id$='-grad']").forEach(e => fields[e.id] = e.textContent);
return {
  hash: location.hash, counter: document.getElementById("mg-counter").textContent,
  current: ids(".mg-current"),
  numbers: Array.from(document.querySelectorAll("#mg-panel > p .mg-num")).map(e => e.textContent),
  notes: Array.from(document.querySelectorAll("#mg-panel .mg-note")).map(e => e.textContent),
  fields: fields,
};
"""


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    browser = start_chromium()
    if browser is None:
        pytest.skip(
            "needs selenium and Chromium with chromedriver on PATH (apt: chromium chromium-driver)"
        )
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def walk_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Value]:
    path = tmp_path_factory.mktemp("pages") / "manual-221.html"
    render.write(render.step_through(run(load("manual-221"))), path)
    return path, autograd_graph(load("manual-221"))[1]


def open_offline(driver: Any, path: Path, fragment: str = "") -> list[str]:
    """Load ``path`` with the network off; return every URL the page requested."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.enable", {})
    conditions = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", conditions)
    driver.get_log("browser"), driver.get_log("performance")  # drop what came before
    driver.get(path.as_uri() + fragment)
    events = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    return [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]


def press(driver: Any, key: str, times: int = 1) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    for _ in range(times):
        chain.send_keys(key)
    chain.perform()


def state(driver: Any) -> dict[str, Any]:
    result: dict[str, Any] = driver.execute_script(_STATE)
    return result


# ---- what the engine says each step shows -------------------------------------------------
def expected_steps(root: Value) -> list[tuple[str, int, list[float]]]:
    """(phase, node, the panel's numbers) per step, from the graph alone."""
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    steps: list[tuple[str, int, list[float]]] = [("start", -1, [])]
    for i, node in enumerate(order):
        if node.parents:
            steps.append(("forward", i, [p.data for p in node.parents] + [node.data]))
    steps.append(("backward", len(order) - 1, [root.grad]))
    for i in range(len(order) - 2, -1, -1):
        uses = [
            (c, p)
            for c in range(len(order) - 1, -1, -1)
            for p, parent in enumerate(order[c].parents)
            if index[parent] == i
        ]
        shown, running = [], 0.0
        for c, p in uses:
            local, upstream = order[c].local_grads[p], order[c].grad
            running += local * upstream
            shown += [local, upstream, local * upstream] + ([running] if len(uses) > 1 else [])
        steps.append(("backward", i, [*shown, order[i].grad]))
    return steps


def close(shown: str, value: float, rel: float) -> bool:
    """``shown`` (its minus sign the typographic "−", as pictures print it) is ``value``."""
    return abs(float(shown.replace("−", "-")) - value) <= rel * abs(value) * (1 + 1e-9)


def check_graph_fields(
    fields: dict[str, str], order: list[Value], k: int, steps: list[Any]
) -> None:
    """Each node's data is shown once its forward step (or from the start, for a leaf) is past,
    its grad once its backward step is; shown numbers are the engine's, hidden ones are "?"."""
    reached = {(phase, node) for phase, node, _ in steps[: k + 1]}
    for i, node in enumerate(order):
        data, grad = fields[f"n{i}-data"], fields[f"n{i}-grad"]
        if not node.parents or ("forward", i) in reached:
            assert close(data.split()[-1], node.data, GRAPH), (k, i, data, node.data)
        else:
            assert data.endswith("?"), (k, i, data)
        if ("backward", i) in reached:
            assert close(grad.split()[-1], node.grad, GRAPH), (k, i, grad, node.grad)
        else:
            assert grad.endswith("?"), (k, i, grad)


def check_step(driver: Any, root: Value, k: int, steps: list[Any]) -> dict[str, Any]:
    order = topological_order(root)
    phase, node, numbers = steps[k]
    shown = state(driver)
    assert shown["counter"] == f"Step {k} of {len(steps) - 1}"
    assert shown["hash"] == f"#step={k}"
    highlighted = [] if node < 0 else [f"g-n{node}"]  # an op's box is its result's box
    assert shown["current"] == highlighted, (k, phase)
    assert len(shown["numbers"]) == len(numbers), (k, shown["numbers"], numbers)
    for text, value in zip(shown["numbers"], numbers):
        assert close(text, value, PANEL), (k, text, value)
    check_graph_fields(shown["fields"], order, k, steps)
    return shown


# ---- the tests ------------------------------------------------------------------------------
def test_offline_page_requests_nothing_and_logs_no_error(driver: Any, walk_page: Any) -> None:
    path, _ = walk_page
    requests = open_offline(driver, path)
    assert requests == [path.as_uri()]  # the file itself, nothing else
    assert [entry for entry in driver.get_log("browser") if entry["level"] != "INFO"] == []


def test_each_arrow_press_shows_the_engines_step(driver: Any, walk_page: Any) -> None:
    path, root = walk_page
    steps = expected_steps(root)
    open_offline(driver, path)
    check_step(driver, root, 0, steps)
    for k in range(1, len(steps)):
        press(driver, "\ue014")  # →
        check_step(driver, root, k, steps)
    press(driver, "\ue014")  # past the end: stays on the last step
    check_step(driver, root, len(steps) - 1, steps)
    for k in range(len(steps) - 2, len(steps) - 6, -1):
        press(driver, "\ue012")  # ←
        check_step(driver, root, k, steps)
    assert driver.get_log("browser") == []


def test_end_shows_every_gradient_and_home_hides_them(driver: Any, walk_page: Any) -> None:
    path, root = walk_page
    steps = expected_steps(root)
    open_offline(driver, path)
    press(driver, "\ue010")  # End
    check_step(driver, root, len(steps) - 1, steps)
    press(driver, "\ue011")  # Home
    check_step(driver, root, 0, steps)


def test_document_lines_beside_the_steps(driver: Any, walk_page: Any) -> None:
    path, root = walk_page
    order = topological_order(root)
    steps = expected_steps(root)
    z2 = next(i for i, node in enumerate(order) if node.label == "z2[0]")
    k = steps.index(next(s for s in steps if s[:2] == ("backward", z2)))
    open_offline(driver, path, f"#step={k}")
    notes = check_step(driver, root, k, steps)["notes"]
    assert len(notes) == 2 and notes[1].startswith("δ⁽²⁾ = ∂L/∂y·dy/dz⁽²⁾")
    assert "autograd -0.1174892" in notes[1] and notes[1].endswith("document -0.1174892 ✓")
    assert f"{order[z2].grad:.7f}" == "-0.1174892"  # the engine's δ⁽²⁾, to the printed places


def test_the_fragment_round_trips(driver: Any, walk_page: Any) -> None:
    path, root = walk_page
    steps = expected_steps(root)
    open_offline(driver, path, "#step=17")
    check_step(driver, root, 17, steps)
    press(driver, "\ue014")
    check_step(driver, root, 18, steps)
    driver.refresh()  # a teacher's link: the same address opens the same step
    check_step(driver, root, 18, steps)
    driver.execute_script("location.hash = '#step=5'")
    check_step(driver, root, 5, steps)
    driver.execute_script("location.hash = '#step=9999'")  # clamped to the last step
    check_step(driver, root, len(steps) - 1, steps)


def test_buttons_slider_and_play(driver: Any, walk_page: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    path, root = walk_page
    steps = expected_steps(root)
    open_offline(driver, path)
    click = lambda name: driver.find_element("id", f"mg-{name}").click()
    click("next"), click("next"), click("prev")
    check_step(driver, root, 1, steps)
    click("last")
    check_step(driver, root, len(steps) - 1, steps)
    click("first")
    check_step(driver, root, 0, steps)
    driver.execute_script(
        "const s = document.getElementById('mg-slider'); s.value = 20;"
        "s.dispatchEvent(new Event('input'));"
    )
    check_step(driver, root, 20, steps)
    driver.execute_script("document.getElementById('mg-speed').value = '250'")
    click("play")
    play = driver.find_element("id", "mg-play")
    assert play.get_attribute("aria-pressed") == "true"
    WebDriverWait(driver, 10).until(lambda d: state(d)["counter"].startswith("Step 22 "))
    click("play")
    assert play.get_attribute("aria-pressed") == "false"
    k = int(state(driver)["counter"].split()[1])
    check_step(driver, root, k, steps)


def test_keyboard_and_screen_reader_affordances(driver: Any, walk_page: Any) -> None:
    path, _ = walk_page
    open_offline(driver, path)
    names = driver.execute_script(
        "return Array.from(document.querySelectorAll('button, input, select')).map("
        "e => e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent)"
        " || e.textContent.trim())"
    )
    assert all(name and name.strip() for name in names), names
    panel = driver.find_element("id", "mg-panel")
    assert panel.get_attribute("aria-live") == "polite"
    press(driver, "\ue004")  # Tab onto the first button: its focus ring must show
    outline = driver.execute_script(
        "const e = document.activeElement; return [e.id, getComputedStyle(e).outlineStyle]"
    )
    assert outline == ["mg-first", "solid"]
    press(driver, "\ue00d")  # Space on a focused button presses it (First), not Play
    assert driver.find_element("id", "mg-play").get_attribute("aria-pressed") == "false"


def test_zoom_scales_the_graph_without_redrawing_it(driver: Any, walk_page: Any) -> None:
    path, _ = walk_page
    open_offline(driver, path)
    width = "return document.querySelector('.mg-graph svg').getBoundingClientRect().width"
    natural = driver.execute_script(width)
    for zoom, expected in (("0.5", natural / 2), ("fit", None), ("1", natural)):
        driver.execute_script(
            "const z = document.getElementById('mg-zoom'); z.value = arguments[0];"
            "z.dispatchEvent(new Event('change'))",
            zoom,
        )
        if expected is None:  # as wide as its frame (less the frame's 1 px borders)
            expected = driver.execute_script(
                "return document.querySelector('.mg-graph').clientWidth"
            )
        assert driver.execute_script(width) == pytest.approx(expected, abs=1.0)  # whole pixels


def test_mid_backward_screenshot(driver: Any, walk_page: Any, tmp_path: Path) -> None:
    path, root = walk_page
    order = topological_order(root)
    steps = expected_steps(root)
    z1 = next(i for i, node in enumerate(order) if node.label == "z1[1]")
    k = steps.index(next(s for s in steps if s[:2] == ("backward", z1)))
    open_offline(driver, path, f"#step={k}")
    check_step(driver, root, k, steps)
    png = driver.get_screenshot_as_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000 and height >= 600
    folder = Path(os.environ.get("MICROGRADNET_SCREENSHOT_DIR", tmp_path))
    write_atomic(folder / "step-through.png", png, overwrite=True)


def test_mlp_page_steps_by_toggling_classes_and_text_only(driver: Any, tmp_path: Path) -> None:
    root = mlp_loss()
    path = tmp_path / "mlp.html"
    render.write(render.step_through(root), path)
    steps = expected_steps(root)
    assert open_offline(driver, path) == [path.as_uri()]
    driver.execute_script(
        "window.seen = []; new MutationObserver(list => list.forEach(m => window.seen.push("
        "[m.type, m.attributeName, (m.target.closest ? m.target : m.target.parentElement)"
        ".closest('text') ? 'text' : m.target.tagName]))).observe(document.querySelector("
        "'.mg-graph svg'), {subtree: true, childList: true, attributes: true, characterData: true})"
    )
    elements = driver.execute_script("return document.querySelectorAll('.mg-graph *').length")
    press(driver, "\ue014", 40)
    check_step(driver, root, 40, steps)
    press(driver, "\ue010")  # End: every one of the ~700 gradients is the engine's
    check_step(driver, root, len(steps) - 1, steps)
    seen = driver.execute_script("return window.seen")
    kinds = {(kind, attribute, target) for kind, attribute, target in seen}
    assert kinds <= {("attributes", "class", "g"), ("childList", None, "text")}, kinds
    assert (
        driver.execute_script("return document.querySelectorAll('.mg-graph *').length") == elements
    )
    assert driver.get_log("browser") == []

"""Measure the step-through page: its size, and a step's time in headless Chromium (prints; not a test).

Run: ``python -m microgradnet._render_html_bench`` (the browser part needs ``selenium`` — the
``test`` extra — and Chromium with chromedriver on PATH; without them only sizes are printed).
Pages: the 2-2-1 walkthrough (manual-221) and one sample through an MLP(2, [16, 16, 1]). A step
is timed inside the page (keydown → the step applied → a forced style and layout), against the
peer a page that re-drew its graph per step would pay: re-parsing the same SVG markup.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microgradnet.engine import Value
from microgradnet.losses import half_squared_error
from microgradnet.nn import MLP
from microgradnet.render import StepThrough, step_through, write
from microgradnet.tutorial.format import load
from microgradnet.tutorial.walkthrough import Walkthrough, run

__all__ = ["CHROMIUM_FLAGS", "mlp_loss", "start_chromium"]

#: Headless and quiet: no background connections (refused on a closed network), a fresh profile.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
)
_BROWSERS = ("chromium", "chromium-browser", "google-chrome")

_STEP_SCRIPT = """
const n = arguments[0], t0 = performance.now();
for (let k = 0; k < n; k++) {
  document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
  document.body.offsetHeight;
}
const t1 = performance.now(), figure = document.querySelector(".mg-graph");
const markup = figure.innerHTML;
for (let k = 0; k < 5; k++) { figure.innerHTML = markup; document.body.offsetHeight; }
return [(t1 - t0) / n, (performance.now() - t1) / 5];
"""


def mlp_loss(seed: int = 0) -> Value:
    """½(y − 1)² of one sample through MLP(2, [16, 16, 1]), after ``backward()``."""
    rng = random.Random(seed)
    mlp = MLP(2, [16, 16, 1], rng=rng)
    output = mlp([rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)])
    assert isinstance(output, Value)
    loss = half_squared_error(output, 1.0)
    loss.label = "L"
    loss.backward()
    return loss


def start_chromium() -> Any:
    """A WebDriver for headless Chromium with a new empty profile, or None if either is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    browser = next((path for name in _BROWSERS if (path := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='microgradnet-chromium-')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


def _time_steps(driver: Any, path: Path, steps: int) -> tuple[float, float]:
    driver.get(path.as_uri())
    result = driver.execute_script(_STEP_SCRIPT, steps)
    return float(result[0]), float(result[1])


def main() -> None:
    pages: dict[str, StepThrough] = {}
    sources: dict[str, Callable[[], Value | Walkthrough]] = {
        "2-2-1 walkthrough (manual-221)": lambda: run(load("manual-221")),
        "MLP(2, [16, 16, 1]), one sample": mlp_loss,
    }
    for name, source in sources.items():
        start = time.perf_counter()
        pages[name] = step_through(source())
        built = time.perf_counter() - start
        size = len(pages[name].html.encode("utf-8"))
        print(f"{name}: {size:,} bytes, {len(pages[name].steps)} steps, built in {built:.2f} s")
    driver = start_chromium()
    if driver is None:
        print("no selenium/Chromium/chromedriver here: browser timings skipped")
        return
    try:
        with tempfile.TemporaryDirectory() as folder:
            for name, page in pages.items():
                path = Path(folder) / "page.html"
                write(page, path, overwrite=True)
                steps = min(200, len(page.steps) - 1)
                step, redraw = _time_steps(driver, path, steps)
                print(
                    f"{name}: one step {step:.3f} ms (mean of {steps}, style+layout included); "
                    f"re-parsing the SVG instead {redraw:.1f} ms ({redraw / step:.0f}× a step)"
                )
    finally:
        driver.quit()


if __name__ == "__main__":
    main()

"""Smoke test of the benchmark at tiny sizes: its gradient checks, its table, its command line.

Nothing here asserts a time: timings are the benchmark's output, not a test's pass condition.
micrograd and PyTorch run when installed (the ``bench`` extra); otherwise their cells must say
"not installed", which is itself checked.
"""

from __future__ import annotations

import importlib
import importlib.util
import math

import pytest

from microgradnet.benchmark import peers
from microgradnet.benchmark.base import Result
from microgradnet.benchmark.cli import main
from microgradnet.benchmark.harness import check, longest_chain
from microgradnet.benchmark.problems import two_moons, w1_problem, w2_problem
from microgradnet.benchmark.reference import PlainFloats, w3_reference, w4_reference
from microgradnet.benchmark.report import format_seconds, format_table, ratio
from microgradnet.benchmark.run import ENGINE_KEYS, Report, Row, Settings, load_engines, run

TINY = Settings(repeat=1, sizes=(30, 1500), points=6, min_seconds=0.0, memory=False)


def _quiet(message: str) -> None:
    pass


@pytest.fixture(scope="module")
def tiny_report() -> Report:
    return run(load_engines(tuple(ENGINE_KEYS)), TINY, _quiet)


def test_every_engine_passes_every_check_at_tiny_sizes(tiny_report: Report) -> None:
    assert tiny_report.checks, "no check ran"
    failed = [c for c in tiny_report.checks if not c.ok]
    assert not failed, failed
    engines = {c.engine for c in tiny_report.checks}
    assert {"microgradnet", "compiled", "plain floats"} <= engines


def test_table_has_a_row_per_measure_and_absent_peers_say_why(tiny_report: Report) -> None:
    measures = [(row.workload, row.measure) for row in tiny_report.rows]
    assert ("W1", "one step: forward + backward + SGD") in measures
    assert ("W3", "longest chain that back-propagates") in measures
    assert ("W4", "total, N = 1,500") in measures
    for peer, module in (("micrograd", "micrograd"), ("PyTorch", "torch")):
        cell = tiny_report.rows[0].cells[peer]
        if importlib.util.find_spec(module) is None:
            assert cell == "not installed"
        else:
            assert isinstance(cell, float) and cell > 0.0
    longest = next(r for r in tiny_report.rows if r.measure.startswith("longest")).cells
    assert longest["microgradnet"] == "≥ 1,500"
    if not isinstance(longest["micrograd"], str) or longest["micrograd"] != "not installed":
        # micrograd's recursive sort: about 500 links (two frames per link, limit 1000)
        reach = int(str(longest["micrograd"]).split()[0].replace(",", ""))
        assert 300 < reach < 1000, longest["micrograd"]


def test_check_flags_the_first_wrong_gradient() -> None:
    want = Result(1.0, [0.5, -2.0])
    assert check("e", "W", Result(1.0, [0.5, -2.0 + 1e-14]), want, rel=1e-12, abs_=0.0).ok
    verdict = check("e", "W", Result(1.0, [0.5, -2.2]), want, rel=1e-12, abs_=0.0)
    assert not verdict.ok
    assert "gradient 1 -2.2, reference -2.0" in verdict.detail
    assert verdict.max_abs_error == pytest.approx(0.2, rel=1e-12)
    assert not check("e", "W", Result(1.0, [0.5]), want, rel=1e-12, abs_=0.0).ok


def test_references_are_the_closed_forms() -> None:
    # W1 at example 000: ∂L/∂w_h1→o = δ_o·h1 = 0.036770 · 0.552308 (6 printed decimals)
    grads = PlainFloats().w1(w1_problem()).gradients().grads
    assert grads[4] == pytest.approx(0.020309, abs=5e-7)
    assert grads[0] == pytest.approx(0.000955, abs=5e-7)
    # W3: y after n links solves y_n = 1.0001ⁿ(y₀ + 1) − 1; dy/dy₀ = 1.0001ⁿ
    result = w3_reference(1000)
    assert result.grads[0] == pytest.approx(1.0001**1000, rel=1e-12)
    assert result.value == pytest.approx(1.0001**1000 * 1.5 - 1.0, rel=1e-12)
    # W4: Σ aᵢbᵢ, ∂/∂aᵢ = bᵢ, ∂/∂bᵢ = aᵢ
    assert w4_reference([1.0, 2.0], [3.0, 4.0]) == Result(11.0, [3.0, 4.0, 1.0, 2.0])


def test_w2_plain_gradients_match_central_differences() -> None:
    """The hand-derived W2 deltas, against (L(θ+h) − L(θ−h))/2h on a few parameters.

    h = 1e-6: truncation ~h² and rounding ~1e-16/h ≈ 1e-10 on a loss of size ~1, so 1e-7 is
    a thousand times the expected error and far below any wrong delta (a dropped term).
    """
    from microgradnet.benchmark.reference import w2_gradients

    problem = w2_problem(8)
    weights = [[list(row) for row in w] for w in problem.net.weights]
    biases = [list(b) for b in problem.net.biases or ()]
    _, g_w, g_b = w2_gradients(weights, biases, problem)
    for l, j, i in ((0, 3, 1), (1, 5, 7), (2, 0, 4)):
        saved = weights[l][j][i]
        weights[l][j][i] = saved + 1e-6
        up = w2_gradients(weights, biases, problem)[0]
        weights[l][j][i] = saved - 1e-6
        down = w2_gradients(weights, biases, problem)[0]
        weights[l][j][i] = saved
        assert g_w[l][j][i] == pytest.approx((up - down) / 2e-6, abs=1e-7)
    assert all(math.isfinite(g) for b in g_b for g in b)


def test_two_moons_is_deterministic_and_balanced() -> None:
    points, labels = two_moons(10, seed=3)
    assert two_moons(10, seed=3) == (points, labels)
    assert labels.count(-1.0) == labels.count(1.0) == 5
    assert two_moons(10, seed=4)[0] != points


def test_longest_chain_bisects_to_the_last_working_length() -> None:
    from microgradnet.benchmark.base import Phases

    def make(n: int) -> Phases:  # "back-propagates" up to 37 links
        def backward(handle: object) -> None:
            if n > 37:
                raise RecursionError

        return Phases(lambda: None, backward, lambda h: Result(0.0, []))

    assert longest_chain(make, 1000) == 37


def test_format_seconds_picks_the_unit() -> None:
    assert [format_seconds(x) for x in (2.5, 0.0123, 4.56e-5, 7e-8)] == [
        "2.5 s",
        "12.3 ms",
        "45.6 µs",
        "70 ns",
    ]


def test_table_formats_cells_and_ratios() -> None:
    rows = [
        Row(
            "W2",
            "step",
            "seconds",
            {"microgradnet": 0.05, "micrograd": 1.0, "PyTorch": "not installed"},
        ),
        Row(
            "W4",
            "bytes",
            "bytes",
            {"microgradnet": 150.0, "micrograd": 700.0, "PyTorch": "not installed"},
        ),
    ]
    assert ratio(rows[0], "micrograd", "microgradnet") == "20.0×"
    assert ratio(rows[0], "PyTorch", "microgradnet") == ""
    one_off = Row("W2", "set-up", "seconds", {"microgradnet": 0.5, "micrograd": 1.0}, ratios=False)
    assert ratio(one_off, "micrograd", "microgradnet") == ""
    table = format_table(rows).splitlines()
    assert table[0] == (
        "| workload | measure | microgradnet | micrograd | PyTorch | micrograd ÷ microgradnet "
        "| PyTorch ÷ microgradnet |"
    )
    assert table[2] == "| W2 | step | 50 ms | 1 s | not installed | 20.0× |  |"
    assert table[3] == "| W4 | bytes | 150 B | 700 B | not installed | 4.7× |  |"


def test_a_missing_peer_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", missing)
    assert peers.load_peer("torch") == "not installed"


def test_command_line_runs_and_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["--workloads", "W1", "--engines", "microgradnet,plain", "--repeat", "1", "--quick"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "ok     W1                 microgradnet" in out
    assert "| W1 | one step: forward + backward + SGD |" in out


def test_command_line_rejects_unknown_names(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--workloads", "W9"])
    assert exit_info.value.code == 2
    assert "unknown workload W9; choose from W1, W2, W3, W4" in capsys.readouterr().err


def test_memory_probe_prints_bytes_per_node(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--memory-probe", "microgradnet", "20000"]) == 0
    assert float(capsys.readouterr().out) >= 0.0


def test_a_baseline_checkout_runs_beside_this_one_without_mixing_modules() -> None:
    """--baseline DIR imports that folder's package under its own module objects."""
    import sys
    from pathlib import Path

    import microgradnet
    from microgradnet.benchmark.engines import load_baseline

    root = str(Path(microgradnet.__file__).resolve().parent.parent)  # this checkout, loaded twice
    before = {
        name: module for name, module in sys.modules.items() if name.startswith("microgradnet")
    }
    baseline = load_baseline(root)
    assert not isinstance(baseline, str) and baseline.name == "baseline"
    assert baseline.lib is not microgradnet and baseline.lib.Value is not microgradnet.Value
    after = {
        name: module for name, module in sys.modules.items() if name.startswith("microgradnet")
    }
    assert after == before  # ours are back, none of the baseline's left behind
    problem = w1_problem()
    got = baseline.w1(problem).gradients()
    want = PlainFloats().w1(problem).gradients()
    assert check("baseline", "W1", got, want, rel=1e-12, abs_=1e-15).ok
    assert load_baseline("/nonexistent") == "no microgradnet package in /nonexistent"
    assert load_engines(("baseline",)) == {"baseline": "needs --baseline DIR"}


def test_help_describes_the_workloads_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "issue" not in text
    assert "W2  one training step of MLP(2, [16, 16, 1]) on 100 two-moons points" in text
    assert "--baseline DIR" in text

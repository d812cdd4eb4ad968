"""Run the workloads W1–W4 on every engine: check against the reference first, then time; rows for the table."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from operator import methodcaller

from microgradnet.benchmark import harness
from microgradnet.benchmark.base import Engine, Phases, Result, Stepper
from microgradnet.benchmark.engines import Compiled, Microgradnet, PausedCollector, load_baseline
from microgradnet.benchmark.peers import load_peer
from microgradnet.benchmark.problems import w1_problem, w2_problem, w4_pairs
from microgradnet.benchmark.reference import PlainFloats, w3_reference, w4_reference

__all__ = [
    "ENGINE_KEYS",
    "Report",
    "Row",
    "Settings",
    "load_engines",
    "make_engine",
    "memory_probe",
    "run",
]

#: Command-line key → column, in table order.
ENGINE_KEYS = {
    "microgradnet": "microgradnet",
    "baseline": "baseline",  # only with --baseline DIR: another checkout's graph engine
    "paused": "gc paused",
    "compiled": "compiled",
    "micrograd": "micrograd",
    "torch": "PyTorch",
    "plain": "plain floats",
}
#: Nodes per pair in W4: aᵢ, bᵢ, aᵢ·bᵢ and one +.
NODES_PER_PAIR = 4
#: Sizes at which W3 and W4 are checked against the reference before timing.
CHECK_LINKS, CHECK_PAIRS = 100, 1000

Cell = float | str  # a measurement, or why there is none
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    workloads: tuple[str, ...] = ("W1", "W2", "W3", "W4")
    repeat: int = 3
    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    points: int = 100
    min_seconds: float = 0.2
    memory: bool = True
    baseline: str | None = None  # another checkout whose graph engine is timed beside this one


@dataclass(frozen=True)
class Row:
    """One line of the table: a measure of one workload, one cell per engine column."""

    workload: str
    measure: str
    kind: str  # "seconds", "bytes" or "text": how cells are printed
    cells: dict[str, Cell]
    ratios: bool = True  # False: a one-off cost, not a figure to compare engines by


@dataclass
class Report:
    checks: list[harness.Check] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


def make_engine(key: str, baseline: str | None = None) -> Engine | str:
    """The engine for a command-line key, or the reason it is unavailable."""
    if key == "baseline":
        return load_baseline(baseline) if baseline else "needs --baseline DIR"
    if key == "microgradnet":
        return Microgradnet()
    if key == "compiled":
        return Compiled()
    if key == "paused":
        return PausedCollector()
    if key == "plain":
        return PlainFloats()
    return load_peer(key)


def load_engines(keys: tuple[str, ...], baseline: str | None = None) -> dict[str, Engine | str]:
    return {ENGINE_KEYS[key]: make_engine(key, baseline) for key in ENGINE_KEYS if key in keys}


def _available(engines: dict[str, Engine | str]) -> dict[str, Engine]:
    return {name: engine for name, engine in engines.items() if not isinstance(engine, str)}


def _absent(engines: dict[str, Engine | str], cells: dict[str, Cell]) -> dict[str, Cell]:
    """``cells`` plus the reason for every engine that could not run."""
    return {
        name: engine if isinstance(engine, str) else cells.get(name, "–")
        for name, engine in engines.items()
    }


def _train(
    workload: str,
    engines: dict[str, Engine | str],
    settings: Settings,
    report: Report,
    make: Callable[[Engine], Stepper | None],
    want: Result,
    tolerance: tuple[float, float],
) -> dict[str, Result]:
    """W1/W2: set up, check against the plain floats, then time one step per engine.

    Returns each engine's gradients on the initial parameters (for comparing engines pairwise).
    """
    setup: dict[str, Cell] = {}
    steps: dict[str, Callable[[], None]] = {}
    cells: dict[str, Cell] = {}
    results: dict[str, Result] = {}
    for name, engine in _available(engines).items():
        start = time.perf_counter()
        stepper = make(engine)
        setup[name] = time.perf_counter() - start
        if stepper is None:
            continue
        results[name] = stepper.gradients()
        verdict = harness.check(
            name, workload, results[name], want, rel=tolerance[0], abs_=tolerance[1]
        )
        report.checks.append(verdict)
        if verdict.ok:
            steps[name] = stepper.step
        else:
            cells[name] = "wrong gradients"
    cells.update(harness.time_steps(steps, settings.repeat, settings.min_seconds))
    report.rows.append(
        Row(workload, "one step: forward + backward + SGD", "seconds", _absent(engines, cells))
    )
    if "compiled" in steps:
        report.rows.append(
            Row(
                workload,
                "set-up, once (compiled: trace + compile)",
                "seconds",
                _absent(engines, {k: v for k, v in setup.items() if k in steps}),
                ratios=False,
            )
        )
    return results


def _phases(
    engines: dict[str, Engine], make: Callable[[Engine], Phases | None]
) -> dict[str, Phases]:
    """Each engine's phases for one graph workload, leaving out engines that do not run it."""
    made = {name: make(engine) for name, engine in engines.items()}
    return {name: phases for name, phases in made.items() if phases is not None}


def _check_graph(
    workload: str,
    engines: dict[str, Engine],
    make: Callable[[Engine], Phases | None],
    want: Result,
    report: Report,
) -> dict[str, Engine]:
    """Check W3/W4 at a small size; return the engines that run the workload and pass."""
    passed = {}
    for name, phases in _phases(engines, make).items():
        handle = phases.build()
        phases.backward(handle)
        result = harness.check(name, workload, phases.result(handle), want, rel=1e-12, abs_=0.0)
        del handle
        report.checks.append(result)
        if result.ok:
            passed[name] = engines[name]
    return passed


def _must(phases: Phases | None) -> Phases:
    if phases is None:
        raise ValueError("this engine does not run the workload")
    return phases


def _chain_of(engine: Engine, n: int) -> Phases:
    return _must(engine.w3(n))


def _w3(
    engines: dict[str, Engine | str], settings: Settings, report: Report, progress: Progress
) -> None:
    want = w3_reference(CHECK_LINKS)
    runners = _check_graph("W3", _available(engines), lambda e: e.w3(CHECK_LINKS), want, report)
    failed_at: dict[str, tuple[int, str]] = {}
    for size in settings.sizes:
        progress(f"W3: chain of {size:,} links")
        live = {name: e for name, e in runners.items() if name not in failed_at}
        times = harness.time_phases(_phases(live, methodcaller("w3", size)), settings.repeat)
        cells: dict[str, Cell] = {}
        for name in runners:
            measured = times.get(name)
            if isinstance(measured, harness.PhaseTimes):
                cells[name] = measured.total / size
            else:
                failed_at.setdefault(name, (size, measured or "failed"))
                cells[name] = failed_at[name][1]
        report.rows.append(
            Row(
                "W3",
                f"per link, n = {size:,} (build+backward+free)",
                "seconds",
                _absent(engines, cells),
            )
        )
    longest: dict[str, Cell] = {}
    for name, engine in runners.items():
        if name in failed_at:
            size, error = failed_at[name]
            progress(f"W3: longest chain {name} back-propagates")
            reach = harness.longest_chain(partial(_chain_of, engine), size)
            longest[name] = f"{reach:,} ({error} beyond)"
        else:
            longest[name] = f"≥ {max(settings.sizes):,}"
    report.rows.append(
        Row("W3", "longest chain that back-propagates", "text", _absent(engines, longest))
    )


def _w4(
    engines: dict[str, Engine | str], settings: Settings, report: Report, progress: Progress
) -> None:
    a, b = w4_pairs(CHECK_PAIRS)
    runners = _check_graph(
        "W4", _available(engines), lambda e: e.w4(a, b), w4_reference(a, b), report
    )
    for size in settings.sizes:
        progress(f"W4: Σ aᵢ·bᵢ over {size:,} pairs")
        pairs = w4_pairs(size)
        times = harness.time_phases(_phases(runners, methodcaller("w4", *pairs)), settings.repeat)
        for phase in ("build", "backward", "free", "total"):
            cells: dict[str, Cell] = {
                name: getattr(t, phase) if isinstance(t, harness.PhaseTimes) else t
                for name, t in times.items()
            }
            report.rows.append(
                Row("W4", f"{phase}, N = {size:,}", "seconds", _absent(engines, cells))
            )
        if settings.memory:
            progress(f"W4: memory for {size:,} pairs (one child process per engine)")
            memory: dict[str, Cell] = {
                name: _probe_in_child(name, size, settings.baseline) for name in runners
            }
            report.rows.append(
                Row("W4", f"bytes per node (RSS), N = {size:,}", "bytes", _absent(engines, memory))
            )
        del pairs


def _probe_in_child(name: str, size: int, baseline: str | None) -> Cell:
    """Bytes per node of W4's graph, measured in a fresh interpreter (see ``memory_probe``)."""
    key = next(k for k, v in ENGINE_KEYS.items() if v == name)
    command = [sys.executable, "-m", "microgradnet.benchmark", "--memory-probe", key, str(size)]
    if baseline:
        command += ["--baseline", baseline]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"probe failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
    return float(done.stdout.strip())


def memory_probe(key: str, size: int, baseline: str | None = None) -> float:
    """In this (fresh) process: RSS growth while W4's graph for ``size`` pairs is built, per node.

    RSS rather than tracemalloc: tracemalloc sees only Python's allocator, so it would miss
    PyTorch's tensors (allocated in C++) and flatter it; RSS counts every engine the same way.
    A fresh process per measurement keeps memory freed by an earlier run from being reused.
    """
    engine = make_engine(key, baseline)
    if isinstance(engine, str):
        raise RuntimeError(f"engine {key!r}: {engine}")  # noqa: TRY004 - unavailable, not a type error
    a, b = w4_pairs(size)
    return harness.probe_memory(_must(engine.w4(a, b))) / (NODES_PER_PAIR * size)


def run(engines: dict[str, Engine | str], settings: Settings, progress: Progress) -> Report:
    """Every selected workload on every engine; engines that are absent get their reason as cells.

    Everything alive before the first measurement (PyTorch's modules alone are ~150,000
    objects) is moved out of the collector's reach with ``gc.freeze()``; otherwise every full
    collection triggered by one engine's graph would rescan the other engines' imports.
    """
    report = Report()
    gc.collect()
    gc.freeze()
    if "W1" in settings.workloads:
        progress("W1: the 2-2-1 sigmoid network of example 000")
        problem1 = w1_problem()
        want = PlainFloats().w1(problem1).gradients()
        _train("W1", engines, settings, report, lambda e: e.w1(problem1), want, (1e-12, 1e-15))
    if "W2" in settings.workloads:
        progress(f"W2: MLP(2, [16, 16, 1]) on {settings.points} two-moons points")
        problem2 = w2_problem(settings.points)
        want = PlainFloats().w2(problem2).gradients()
        results = _train(
            "W2", engines, settings, report, lambda e: e.w2(problem2), want, (1e-9, 1e-12)
        )
        report.checks += _pairwise("W2", results)
    if "W3" in settings.workloads:
        _w3(engines, settings, report, progress)
    if "W4" in settings.workloads:
        _w4(engines, settings, report, progress)
    return report


def _pairwise(workload: str, results: dict[str, Result]) -> list[harness.Check]:
    """Gradients engine against engine, element by element (not only against the reference)."""
    names = [
        n for n in ("microgradnet", "baseline", "micrograd", "PyTorch", "compiled") if n in results
    ]
    return [
        harness.check(
            first, f"{workload} vs {second}", results[first], results[second], rel=1e-9, abs_=1e-12
        )
        for i, first in enumerate(names)
        for second in names[i + 1 :]
    ]

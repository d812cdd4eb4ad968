"""Check each engine against the plain-float reference, then time engines round-robin and take medians.

Engines are interleaved: every repeat runs each engine once in turn, so a slow minute of the
machine is shared by all of them. ``gc.collect()`` runs before each sample, outside the timing,
so no engine pays for another's garbage; the collector stays enabled while timing, because
it is part of what a training loop really costs (it is most of micrograd's time).
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from microgradnet.benchmark.base import Phases, Result

__all__ = [
    "Check",
    "PhaseTimes",
    "check",
    "longest_chain",
    "probe_memory",
    "rss_bytes",
    "time_phases",
    "time_steps",
]


@dataclass(frozen=True)
class Check:
    """One engine's values and gradients against the reference: largest error, and pass/fail."""

    engine: str
    workload: str
    ok: bool
    max_abs_error: float
    detail: str


def check(
    engine: str, workload: str, got: Result, want: Result, *, rel: float, abs_: float
) -> Check:
    """Compare value and every gradient with ``math.isclose(rel_tol=rel, abs_tol=abs_)``."""
    if len(got.grads) != len(want.grads):
        return Check(
            engine,
            workload,
            False,
            math.inf,
            f"{len(got.grads)} gradients, expected {len(want.grads)}",
        )
    pairs = [("value", got.value, want.value)] + [
        (f"gradient {i}", g, w) for i, (g, w) in enumerate(zip(got.grads, want.grads))
    ]
    worst = max(abs(g - w) for _, g, w in pairs)
    bad = [
        (what, g, w) for what, g, w in pairs if not math.isclose(g, w, rel_tol=rel, abs_tol=abs_)
    ]
    if bad:
        what, g, w = bad[0]
        return Check(
            engine,
            workload,
            False,
            worst,
            f"{len(bad)} mismatches; first: {what} {g!r}, reference {w!r}",
        )
    return Check(
        engine, workload, True, worst, f"{len(pairs)} numbers agree (rel {rel:g}, abs {abs_:g})"
    )


def _calibrate(step: Callable[[], None], min_seconds: float) -> int:
    """How many calls make one sample last at least ``min_seconds`` (the calls also warm up)."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            step()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds or number >= 1 << 20:
            return number
        number *= max(2, min(10, int(min_seconds / max(elapsed, 1e-9))))


def time_steps(
    steps: dict[str, Callable[[], None]], repeat: int, min_seconds: float
) -> dict[str, float]:
    """Median seconds per call of each step function, engines interleaved in every repeat."""
    numbers = {name: _calibrate(step, min_seconds) for name, step in steps.items()}
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            gc.collect()
            number = numbers[name]
            start = time.perf_counter()
            for _ in range(number):
                step()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


@dataclass(frozen=True)
class PhaseTimes:
    """Median seconds of build, backward and free (and their sum) for one graph size."""

    build: float
    backward: float
    free: float

    @property
    def total(self) -> float:
        return self.build + self.backward + self.free


def _one_run(phases: Phases) -> tuple[float, float, float]:
    """Time build, backward and free once. Free = drop the graph and collect, less a bare collect."""
    gc.collect()
    start = time.perf_counter()
    handle = phases.build()
    built = time.perf_counter()
    try:
        phases.backward(handle)
        done = time.perf_counter()
    finally:
        del handle
    gc.collect()
    freed = time.perf_counter()
    gc.collect()  # what a collection costs with nothing to free: not the graph's cost
    idle = time.perf_counter() - freed
    return built - start, done - built, max(freed - done - idle, 0.0)


def time_phases(runs: dict[str, Phases], repeat: int) -> dict[str, PhaseTimes | str]:
    """Median phase times per engine, interleaved; an engine that raises gets the error's name."""
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runs}
    failed: dict[str, str] = {}
    for _ in range(repeat):
        for name, phases in runs.items():
            if name in failed:
                continue
            try:
                samples[name].append(_one_run(phases))
            except (RecursionError, MemoryError) as error:
                failed[name] = type(error).__name__
                gc.collect()
    result: dict[str, PhaseTimes | str] = dict(failed)
    for name, values in samples.items():
        if name not in failed:
            build, backward, free = (statistics.median(v) for v in zip(*values))
            result[name] = PhaseTimes(build, backward, free)
    return result


def _works(make: Callable[[int], Phases], n: int) -> bool:
    phases = make(n)
    handle = phases.build()
    try:
        phases.backward(handle)
        return True
    except RecursionError:
        return False
    finally:
        del handle
        gc.collect()


def longest_chain(make: Callable[[int], Phases], failing: int) -> int:
    """The longest chain (≤ ``failing``, which is known to fail) that back-propagates, by bisection."""
    good, bad = 0, failing
    while bad - good > 1:
        middle = (good + bad) // 2
        if _works(make, middle):
            good = middle
        else:
            bad = middle
    return good


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; elsewhere the peak, from getrusage)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def probe_memory(phases: Phases) -> int:
    """Bytes the process grows by while ``phases.build()`` makes a graph (graph kept alive)."""
    gc.collect()
    before = rss_bytes()
    handle = phases.build()
    grown = rss_bytes() - before
    del handle
    return grown

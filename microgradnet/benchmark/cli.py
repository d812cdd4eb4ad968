"""The benchmark's command line: parse options, run, print checks, the table and how it was measured."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
from collections.abc import Mapping, Sequence

from microgradnet.benchmark.report import format_checks, format_table
from microgradnet.benchmark.run import ENGINE_KEYS, Settings, load_engines, memory_probe, run

__all__ = ["main"]

WORKLOADS = ("W1", "W2", "W3", "W4")
QUICK = Settings(repeat=2, sizes=(1_000, 10_000), min_seconds=0.05)

NOTES = """\
Medians of --repeat samples; engines interleaved round-robin in every repeat; gc.freeze() after
all imports, so no engine's collections rescan another's modules (PyTorch's alone triple
microgradnet's W2 time otherwise). W1/W2: time per step (forward + backward + SGD update),
each sample long enough to time (≥ {min_seconds} s).
W3/W4: build, backward and free timed separately; free = drop the graph + gc.collect(), less
a collection with nothing to free. Memory: growth of the resident set size while W4's graph
is built, in a fresh interpreter per engine and size, divided by 4N nodes (RSS, not
tracemalloc, which cannot see PyTorch's C++ allocations). Ratios: column ÷ column, so
"micrograd ÷ microgradnet" = 20× means microgradnet takes 1/20 of micrograd's time or memory."""


def _names(text: str, valid: Sequence[str], what: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) if unknown else repr(text)}; "
            f"choose from {', '.join(valid)}"
        )
    return names


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(float(part)) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be comma-separated integers (like 1e4,1e5), got {text!r}"
        ) from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be at least 1, got {text!r}")
    return sizes


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


DESCRIPTION = """\
Check, then time, microgradnet against micrograd, PyTorch and plain floats on four workloads:
  W1  one training step of the 2-2-1 sigmoid network of worked example 000 (26 nodes)
  W2  one training step of MLP(2, [16, 16, 1]) on 100 two-moons points (micrograd's demo)
  W3  a chain y = y*1.0001 + 0.0001, n links deep: time per link, and how deep backward can go
  W4  the sum of a_i*b_i over N pairs: build, backward and free times, and bytes per node
The default run takes about 15 minutes on 2 cores."""
DEFAULT_ENGINES = tuple(key for key in ENGINE_KEYS if key != "baseline")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m microgradnet.benchmark",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes (1e3, 1e4), 2 repeats: under a minute"
    )
    parser.add_argument(
        "--workloads",
        type=lambda t: _names(t.upper(), WORKLOADS, "workload"),
        default=WORKLOADS,
        help="comma-separated subset of W1,W2,W3,W4 (default: all; see above)",
    )
    parser.add_argument(
        "--engines",
        type=lambda t: _names(t, list(ENGINE_KEYS), "engine"),
        default=DEFAULT_ENGINES,
        help=f"comma-separated subset of {','.join(ENGINE_KEYS)} (default: all but baseline)",
    )
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="also time the graph engine of the microgradnet package in DIR (another checkout, "
        "e.g. the main branch) in the same run, as the column 'baseline'",
    )
    parser.add_argument(
        "--repeat", type=_positive, help="samples per engine, median taken (default 3; --quick 2)"
    )
    parser.add_argument(
        "--sizes", type=_sizes, help="W3 links / W4 pairs (default 1e4,1e5,1e6; --quick 1e3,1e4)"
    )
    parser.add_argument(
        "--points", type=_positive, default=100, help="two-moons points in W2 (default 100)"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip W4's bytes-per-node measurement"
    )
    parser.add_argument("--memory-probe", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    base = QUICK if args.quick else Settings()
    return Settings(
        workloads=args.workloads,
        repeat=args.repeat or base.repeat,
        sizes=args.sizes or base.sizes,
        points=args.points,
        min_seconds=base.min_seconds,
        memory=not args.no_memory,
        baseline=args.baseline,
    )


def _describe(name: str, engine: object) -> str:
    if isinstance(engine, str):
        return f"{name} ({engine})"
    distribution = {"micrograd": "micrograd", "PyTorch": "torch"}.get(name)
    return f"{name} {importlib.metadata.version(distribution)}" if distribution else name


def _header(engines: Mapping[str, object], settings: Settings, argv: Sequence[str]) -> str:
    return (
        f"microgradnet benchmark: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores; medians of {settings.repeat}\n"
        f"command: python -m microgradnet.benchmark {' '.join(argv)}\n"
        f"engines: {', '.join(_describe(name, engine) for name, engine in engines.items())}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every engine's gradients matched the reference, else 1."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.memory_probe:
        key, size = args.memory_probe
        print(f"{memory_probe(key, int(size), args.baseline):.1f}")
        return 0
    settings = _settings(args)
    keys = args.engines + (
        ("baseline",) if args.baseline and "baseline" not in args.engines else ()
    )
    engines = load_engines(keys, args.baseline)

    def progress(message: str) -> None:
        print(f"... {message}", file=sys.stderr, flush=True)

    report = run(engines, settings, progress)
    print(_header(engines, settings, argv))
    print("\nGradient checks (before timing):")
    print(format_checks(report.checks))
    print()
    print(format_table(report.rows))
    print()
    print(NOTES.format(min_seconds=settings.min_seconds))
    return 0 if all(check.ok for check in report.checks) else 1

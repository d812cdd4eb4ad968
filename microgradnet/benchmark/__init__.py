"""Measure microgradnet against micrograd, PyTorch and plain floats on four workloads, W1–W4.

Run ``python -m microgradnet.benchmark`` (``--help`` for options). micrograd and PyTorch are
optional: install them with ``pip install 'microgradnet[bench]'``; an absent one is reported as
"not installed". Layout: ``problems`` (the workloads as data), ``reference`` (plain-float
hand-derived deltas), ``engines`` / ``peers`` (one adapter per engine), ``harness`` (checking
and interleaved timing), ``run`` (rows of the table), ``report`` (text), ``cli`` (``main``).
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """The benchmark's command line (see ``microgradnet.benchmark.cli``)."""
    from microgradnet.benchmark.cli import main as cli_main

    return cli_main(argv)

"""Run the benchmark: ``python -m microgradnet.benchmark``."""

from microgradnet.benchmark.cli import main

raise SystemExit(main())

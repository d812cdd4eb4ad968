"""Run the command-line interface: ``python -m microgradnet``."""

from microgradnet.cli import main

raise SystemExit(main())

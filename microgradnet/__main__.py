"""Run the command-line interface: ``python -m microgradnet``."""

try:
    from microgradnet.cli import main
except KeyboardInterrupt:  # Ctrl-C while the modules load: as quiet as during the run
    raise SystemExit(130) from None

raise SystemExit(main())

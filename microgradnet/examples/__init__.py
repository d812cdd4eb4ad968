"""The worked examples shipped with microgradnet, as TOML data files (read by ``microgradnet.tutorial.format``)."""

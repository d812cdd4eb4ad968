"""Shared test configuration: Hypothesis profiles and markers."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI: deterministic (same examples every run), no per-example deadline on shared machines.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=100,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# Local default: explores new examples each run.
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

from hypothesis import strategies as st

#: Well-scaled finite floats (inputs, weights, targets).
moderate = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)

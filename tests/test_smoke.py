"""The seed network 004 end to end through autograd and the hand deltas (a first smoke test)."""

from __future__ import annotations

import pytest

from microgradnet import MLP, deltas, half_squared_error

X, W1, B1, W2, B2, T = [1.0, 0.5], [[0.2, -0.4], [0.7, 0.1]], [0.0, 0.0], [[0.3, -0.2]], [0.1], 1.0


def test_seed_004_loss_and_output_delta() -> None:
    mlp = MLP.from_weights([W1, W2], [B1, B2])
    trace = mlp.trace(X)
    loss = half_squared_error(trace.output, T)
    loss.backward()
    hand = deltas.backprop_221(X, W1, W2[0], T, B1, B2[0])
    # Printed with 7 decimals in the document: compare at half a unit in the last place.
    assert trace.output[0].data == pytest.approx(0.5285101, abs=5e-8)
    assert trace.z[1][0].grad == pytest.approx(-0.1174892, abs=5e-8)
    assert hand.delta2 == pytest.approx(trace.z[1][0].grad, rel=1e-12)

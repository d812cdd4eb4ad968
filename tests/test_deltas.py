"""Hand-derived deltas (plain floats) == autograd, for every intermediate, over random networks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import (
    SEED_000,
    SEED_000_CROSS_ENTROPY,
    SEED_004,
    SEED_BATCH,
    NetCase,
    moderate,
    net_cases,
    network_loss,
    unit,
)

from microgradnet import MLP, SGD, deltas
from microgradnet.losses import LOSSES

# Tolerance: 1e-12 relative, with an absolute floor of FLOOR × scale.
# The engine adds the same floats in the same order as ``deltas`` (z = Σ w·x left to right then
# + b; δ⁽ˡ⁾ = (Σₖ W[k][j]·δ⁽ˡ⁺¹⁾ₖ)·f′), so most entries agree to the last bit (≈ 91% over 1,500
# explored networks). They differ only where summation order or the batch average differ
# ((Σₙ gₙ)/N by hand, Σₙ gₙ·(1/N) by autograd) — a few ulps of the *terms*. When the terms
# cancel (a hidden δ whose contributions from two output neurons nearly cancel, or a gradient
# averaged over samples pulling opposite ways) the result is near 0 and those ulps are huge
# relative to it, so a relative test alone would fail on correct code. The floor is measured
# against ``scale`` = the largest term magnitude in the record (max |δ|·max(1, |W|), max |∂L/∂W|,
# at least 1): FLOOR = 1e-14 is ≈ 16 times the largest difference seen (6.1e-16·scale) and still
# 12 orders of magnitude below any real error in a gradient of size ~scale.
REL = 1e-12
FLOOR = 1e-14


def flat(nested: Iterable[object]) -> list[float]:
    out: list[float] = []
    for item in nested:
        if isinstance(item, (list, tuple)):
            out += flat(item)
        elif item is not None:
            out.append(float(item))  # type: ignore[arg-type]
    return out


def scale_of(case: NetCase, records: Sequence[deltas.Backprop]) -> float:
    w_max = max(1.0, *(abs(w) for w in flat(case.weights)))
    d_max = max(
        [1.0]
        + [abs(d) for r in records for d in flat(r.delta)]
        + [abs(g) for r in records for g in flat(r.dL_dW)]
    )
    return d_max * w_max


def assert_close(auto: Sequence[float], hand: Sequence[float], scale: float, what: str) -> None:
    assert len(auto) == len(hand), what
    for i, (a, h) in enumerate(zip(auto, hand)):
        assert abs(a - h) <= REL * abs(h) + FLOOR * scale, (
            f"{what}[{i}]: autograd {a!r}, hand {h!r}"
        )


def hand_parameter_grads(
    case: NetCase, dL_dW: Sequence[Sequence[Sequence[float]]], dL_db: Sequence[Sequence[float]]
) -> list[float]:
    """Hand gradients in the library's parameter order: per layer W row-major, then b."""
    grads: list[float] = []
    for l in range(len(case.weights)):
        grads += [g for row in dL_dW[l] for g in row]
        if case.biases is not None and case.biases[l] is not None:
            grads += list(dL_db[l])
    return grads


def mlp_of(case: NetCase) -> MLP:
    return MLP.from_weights(case.weights, case.biases, case.activations)


# ---- one sample: every intermediate ------------------------------------------------------------


@settings(max_examples=400)
@given(net_cases(max_batch=1))
@example(SEED_004)
@example(SEED_000)
@example(SEED_000_CROSS_ENTROPY)
def test_single_sample_every_intermediate_matches_autograd(case: NetCase) -> None:
    x, t = case.X[0], case.T[0]
    hand = deltas.backprop(
        x, case.weights, case.biases, t, activations=case.activations, loss=case.loss
    )
    mlp = mlp_of(case)
    trace = mlp.trace(x)
    loss = LOSSES[case.loss](trace.output, t)
    loss.backward()
    s = scale_of(case, [hand])

    assert_close([v.data for v in trace.inputs], hand.a[0], s, "x")
    for l in range(len(case.weights)):
        assert_close([v.data for v in trace.z[l]], hand.z[l], s, f"z{l + 1}")
        assert_close([v.data for v in trace.a[l]], hand.a[l + 1], s, f"a{l + 1}")
        # δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾ is the gradient autograd leaves on each pre-activation node.
        assert_close([v.grad for v in trace.z[l]], hand.delta[l], s, f"delta{l + 1}")
        # f′(z⁽ˡ⁾) is the local derivative autograd stored on each activation node.
        if case.activations[l] != "linear":
            assert_close(
                [v.local_grads[0] for v in trace.a[l]], hand.f_prime[l], s, f"f'(z{l + 1})"
            )
    assert_close([v.data for v in trace.output], hand.y, s, "y")
    assert loss.data == pytest.approx(hand.L, rel=REL, abs=FLOOR)
    if case.loss == "squared_error":
        # ∂L/∂y; with cross-entropy the stable loss is built from z, so y is not on its graph.
        assert_close([v.grad for v in trace.output], hand.dL_dy, s, "dL/dy")
    assert_close(
        [p.grad for p in mlp.parameters()],
        hand_parameter_grads(case, hand.dL_dW, hand.dL_db),
        s,
        "grad",
    )


# ---- mini-batches: the 1/N average of §13 ------------------------------------------------------


@settings(max_examples=400)
@given(net_cases())
@example(SEED_004)
@example(SEED_000)
@example(SEED_000_CROSS_ENTROPY)
@example(SEED_BATCH)
def test_batch_gradients_match_autograd_mean_loss(case: NetCase) -> None:
    hand = deltas.backprop_batch(
        case.X, case.T, case.weights, case.biases, activations=case.activations, loss=case.loss
    )
    mlp = mlp_of(case)
    loss = network_loss(mlp, case)
    loss.backward()
    s = scale_of(case, hand.samples)
    assert loss.data == pytest.approx(hand.L, rel=REL, abs=FLOOR * s)
    assert_close(
        [p.grad for p in mlp.parameters()],
        hand_parameter_grads(case, hand.dL_dW, hand.dL_db),
        s,
        "grad",
    )


@settings(max_examples=100)
@given(net_cases(), st.floats(0.001, 1.0))
@example(SEED_004, 0.1)
@example(SEED_000, 1.0)
def test_sgd_update_matches_sgd_step(case: NetCase, lr: float) -> None:
    hand = deltas.backprop_batch(
        case.X, case.T, case.weights, case.biases, activations=case.activations, loss=case.loss
    )
    new_weights, new_biases = deltas.sgd_update(
        case.weights, case.biases, hand.dL_dW, hand.dL_db, lr
    )
    mlp = mlp_of(case)
    network_loss(mlp, case).backward()
    SGD(mlp.parameters(), lr).step()
    s = scale_of(case, hand.samples)
    assert_close(flat(mlp.weights()), flat(new_weights), s, "W_new")
    assert_close(flat(mlp.biases()), flat(new_biases or []), s, "b_new")


def test_batch_gradient_is_the_mean_of_per_sample_gradients() -> None:
    """§13: ∂L/∂W = (1/N)(∂L/∂Z)Xᵀ — exactly the average of the single-sample gradients."""
    case = SEED_BATCH
    batch = deltas.backprop_batch(
        case.X, case.T, case.weights, case.biases, activations=case.activations
    )
    singles = [
        deltas.backprop(x, case.weights, case.biases, t, activations=case.activations)
        for x, t in zip(case.X, case.T)
    ]
    for l in range(2):
        for j, row in enumerate(batch.dL_dW[l]):
            for i, g in enumerate(row):
                assert g == pytest.approx(
                    (singles[0].dL_dW[l][j][i] + singles[1].dL_dW[l][j][i]) / 2, rel=1e-15
                )
        for j, g in enumerate(batch.dL_db[l]):
            assert g == pytest.approx(
                (singles[0].dL_db[l][j] + singles[1].dL_db[l][j]) / 2, rel=1e-15
            )
    assert batch.L == pytest.approx((singles[0].L + singles[1].L) / 2, rel=1e-15)


def test_a_summed_batch_is_twice_the_mean_of_two_samples() -> None:
    """reduction="sum": Σₙ without the 1/N (a document that adds its patterns' gradients)."""
    case = SEED_BATCH
    args = (case.X, case.T, case.weights, case.biases)
    mean = deltas.backprop_batch(*args, activations=case.activations)
    summed = deltas.backprop_batch(*args, activations=case.activations, reduction="sum")
    assert summed.L == pytest.approx(2 * mean.L, rel=1e-15)
    assert summed.dL_dW[0][1][0] == pytest.approx(2 * mean.dL_dW[0][1][0], rel=1e-15)
    assert summed.dL_db[1][0] == pytest.approx(2 * mean.dL_db[1][0], rel=1e-15)
    assert summed.dL_db[1][0] != pytest.approx(mean.dL_db[1][0], rel=1e-3)
    with pytest.raises(ValueError, match="unknown reduction 'total'; valid: mean, sum"):
        deltas.backprop_batch(*args, activations=case.activations, reduction="total")


# ---- the 2-2-1 network written out (§5, §8) == the general L-layer form == autograd -------------

two_by_two = st.lists(st.lists(moderate, min_size=2, max_size=2), min_size=2, max_size=2)
pair = st.lists(moderate, min_size=2, max_size=2)


@settings(max_examples=300)
@given(
    pair,
    two_by_two,
    pair,
    moderate | unit,
    st.booleans(),
    pair,
    moderate,
    st.sampled_from(deltas.LOSS_NAMES),
)
@example(
    [1.0, 0.5], [[0.2, -0.4], [0.7, 0.1]], [0.3, -0.2], 1.0, True, [0.0, 0.0], 0.1, "squared_error"
)
@example(
    [0.35, 0.7], [[0.2, 0.2], [0.3, 0.3]], [0.3, 0.9], 0.5, False, [0.0, 0.0], 0.0, "squared_error"
)
@example(
    [0.35, 0.7], [[0.2, 0.2], [0.3, 0.3]], [0.3, 0.9], 0.5, False, [0.0, 0.0], 0.0, "cross_entropy"
)
def test_backprop_221_matches_general_form_and_autograd(
    x: list[float],
    W1: list[list[float]],
    W2: list[float],
    t: float,
    with_bias: bool,
    b1: list[float],
    b2: float,
    loss: str,
) -> None:
    if loss == "cross_entropy":
        t = min(max(t, 0.0), 1.0)
    biases = [b1, [b2]] if with_bias else None
    r = deltas.backprop_221(
        x, W1, W2, t, b1 if with_bias else None, b2 if with_bias else None, loss=loss
    )
    g = deltas.backprop(x, [W1, [W2]], biases, [t], activations=["sigmoid", "sigmoid"], loss=loss)
    s = scale_of(NetCase([W1, [W2]], biases, ["sigmoid", "sigmoid"], [x], [[t]], loss), [g])
    assert_close(
        r.z1 + r.a1 + [r.z2, r.y, r.L], g.z[0] + g.a[1] + g.z[1] + g.y + [g.L], s, "forward"
    )
    assert_close([r.dL_dy, r.delta2] + r.delta1, g.dL_dy + g.delta[1] + g.delta[0], s, "deltas")
    assert_close([r.dy_dz2] + r.da1_dz1, g.f_prime[1] + g.f_prime[0], s, "f'")
    assert_close(
        r.dL_dW2 + [r.dL_db2] + flat(r.dL_dW1) + r.dL_db1,
        flat(g.dL_dW[1]) + g.dL_db[1] + flat(g.dL_dW[0]) + g.dL_db[0],
        s,
        "grads",
    )
    # ∂L/∂a⁽¹⁾ = (W⁽²⁾)ᵀδ⁽²⁾ and δ⁽¹⁾ = ∂L/∂a⁽¹⁾ ⊙ a⁽¹⁾(1 − a⁽¹⁾)
    assert_close(r.dL_da1, [W2[0] * r.delta2, W2[1] * r.delta2], s, "dL/da1")
    assert_close(r.delta1, [r.dL_da1[j] * r.da1_dz1[j] for j in range(2)], s, "delta1")
    # and autograd on the same network
    case = NetCase([W1, [W2]], biases, ["sigmoid", "sigmoid"], [x], [[t]], loss)
    mlp = mlp_of(case)
    trace = mlp.trace(x)
    LOSSES[loss](trace.output, t).backward()
    assert_close(
        [trace.z[1][0].grad] + [z.grad for z in trace.z[0]],
        [r.delta2] + r.delta1,
        s,
        "autograd deltas",
    )


def test_output_delta_depends_on_the_loss() -> None:
    """δ⁽ᴸ⁾ = (y − t)·y(1 − y) for ½(y − t)², and y − t for cross-entropy with a sigmoid output."""
    x, W1, W2, t = [0.35, 0.7], [[0.2, 0.2], [0.3, 0.3]], [0.3, 0.9], 0.5
    se = deltas.backprop_221(x, W1, W2, t)
    ce = deltas.backprop_221(x, W1, W2, t, loss="cross_entropy")
    assert se.delta2 == pytest.approx((se.y - t) * se.y * (1 - se.y), rel=1e-15)
    assert ce.delta2 == pytest.approx(ce.y - t, rel=1e-15)
    # The cross-entropy ∂L/∂y, times dy/dz, is that same y − t (the y(1 − y) cancels).
    assert ce.dL_dy * ce.dy_dz2 == pytest.approx(ce.delta2, rel=1e-12)
    assert ce.L == pytest.approx(-(t * math.log(ce.y) + (1 - t) * math.log(1 - ce.y)), rel=1e-12)


def test_no_bias_and_zero_bias_agree() -> None:
    r_none = deltas.backprop_221([1.0, 0.5], [[0.2, -0.4], [0.7, 0.1]], [0.3, -0.2], 1.0)
    r_zero = deltas.backprop_221(
        [1.0, 0.5], [[0.2, -0.4], [0.7, 0.1]], [0.3, -0.2], 1.0, [0.0, 0.0], 0.0
    )
    assert r_none.y == pytest.approx(r_zero.y, rel=1e-15)
    assert r_none.delta1 == pytest.approx(r_zero.delta1, rel=1e-15)


def test_record_is_frozen() -> None:
    r = deltas.backprop_221([1.0, 0.5], [[0.2, -0.4], [0.7, 0.1]], [0.3, -0.2], 1.0)
    with pytest.raises(AttributeError):
        r.y = 0.0  # type: ignore[misc]


# ---- bad input ---------------------------------------------------------------------------------


def test_unknown_loss_lists_valid_names() -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown loss 'mae'.*squared_error, sum_squared_error, mse, cross_entropy",
    ):
        deltas.backprop([1.0], [[[1.0]]], None, [0.0], activations=["sigmoid"], loss="mae")


def test_unknown_activation_names_the_layer_and_valid_names() -> None:
    with pytest.raises(
        ValueError, match=r"layer 2: unknown activation 'gelu'.*sigmoid, tanh, relu, linear"
    ):
        deltas.backprop([1.0], [[[1.0]], [[1.0]]], None, [0.0], activations=["sigmoid", "gelu"])


def test_cross_entropy_needs_a_sigmoid_output() -> None:
    with pytest.raises(ValueError, match=r"cross_entropy needs a sigmoid output layer, got 'tanh'"):
        deltas.backprop([1.0], [[[1.0]]], None, [0.0], activations=["tanh"], loss="cross_entropy")


def test_batch_needs_matching_targets() -> None:
    with pytest.raises(ValueError, match=r"2 inputs, 1 targets"):
        deltas.backprop_batch([[1.0], [2.0]], [[0.0]], [[[1.0]]], None, activations=["sigmoid"])
    with pytest.raises(ValueError, match=r"0 inputs, 0 targets"):
        deltas.backprop_batch([], [], [[[1.0]]], None, activations=["sigmoid"])

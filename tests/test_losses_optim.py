"""Losses (½(y−t)², batch MSE, stable binary cross-entropy, mean) and SGD with mini-batch averaging."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import SEED_BATCH, NetCase, net_cases, network_loss, unit

from microgradnet import (
    MLP,
    SGD,
    ShapeError,
    Value,
    binary_cross_entropy,
    deltas,
    half_squared_error,
    mean,
    mse,
    no_grad,
)
from microgradnet import numerics
from microgradnet.losses import LOSSES, binary_cross_entropy_with_logits

# ---- ½(y − t)² -------------------------------------------------------------------------------


def test_half_squared_error_of_one_output() -> None:
    y = Value(0.8)
    loss = half_squared_error(y, 0.5)
    assert loss.data == pytest.approx(0.5 * 0.3**2, rel=1e-15)
    loss.backward()
    assert y.grad == pytest.approx(0.3, rel=1e-14)  # ∂L/∂y = y − t


def test_half_squared_error_sums_over_outputs() -> None:
    ys = [Value(0.8), Value(-0.1)]
    loss = half_squared_error(ys, [0.5, 0.4])
    assert loss.data == pytest.approx(0.5 * (0.3**2 + 0.5**2), rel=1e-15)
    loss.backward()
    assert [y.grad for y in ys] == [pytest.approx(0.3, rel=1e-14), pytest.approx(-0.5, rel=1e-14)]


def test_half_squared_error_target_count_must_match() -> None:
    with pytest.raises(ShapeError, match=r"target: expected 2 values \(one per output\), got 1"):
        half_squared_error([Value(0.0), Value(1.0)], [0.0])


def test_integer_targets_are_accepted() -> None:
    assert half_squared_error(Value(3.0), 1).data == pytest.approx(2.0, rel=1e-15)


# ---- mse and mean over a batch ------------------------------------------------------------------


def test_mse_is_the_batch_mean_of_summed_squares() -> None:
    ys = [[Value(1.0), Value(2.0)], [Value(0.5), Value(0.0)]]
    ts = [[0.0, 0.0], [1.0, 1.0]]
    loss = mse(ys, ts)
    assert loss.data == pytest.approx(((1 + 4) + (0.25 + 1)) / 2, rel=1e-15)
    loss.backward()
    # ∂/∂yₙₖ = 2(yₙₖ − tₙₖ)/N
    assert [y.grad for row in ys for y in row] == [
        pytest.approx(g, rel=1e-14) for g in [1.0, 2.0, -0.5, -1.0]
    ]


def test_mse_accepts_single_value_outputs() -> None:
    loss = mse([Value(1.0), Value(3.0)], [0.0, 1.0])
    assert loss.data == pytest.approx((1 + 4) / 2, rel=1e-15)


def test_mse_batch_sizes_must_match() -> None:
    with pytest.raises(ShapeError, match=r"targets: expected 2 \(one per sample\), got 1"):
        mse([Value(1.0), Value(2.0)], [0.0])


def test_mean_averages_and_spreads_the_gradient() -> None:
    vs = [Value(1.0), Value(2.0), Value(6.0), Value(3.0)]
    m = mean(vs)
    assert m.data == pytest.approx(3.0, rel=1e-15)
    m.backward()
    assert all(v.grad == pytest.approx(0.25, rel=1e-15) for v in vs)
    with pytest.raises(ValueError, match="empty batch"):
        mean([])


def test_loss_names() -> None:
    assert LOSSES == {"squared_error": half_squared_error, "cross_entropy": binary_cross_entropy}
    assert set(LOSSES) == set(deltas.LOSS_NAMES)


# ---- binary cross-entropy, stable at any logit --------------------------------------------------


def direct_bce(y: float, t: float) -> float:
    return -(t * math.log(y) + (1 - t) * math.log(1 - y))


@given(st.floats(-10.0, 10.0), unit)
@example(0.685987, 0.5)
def test_bce_from_a_sigmoid_equals_the_textbook_formula_and_has_gradient_y_minus_t(
    z: float, t: float
) -> None:
    zv = Value(z)
    y = zv.sigmoid()
    loss = binary_cross_entropy(y, t)
    # The direct formula loses a little to ln(1 − y) when y is near 1 (|z| ≤ 10: 1 − y ≥ 4.5e-5,
    # so its relative error is ≤ u/4.5e-5 ≈ 5e-12); the stable form is exact to a few ulps.
    assert loss.data == pytest.approx(direct_bce(y.data, t), rel=1e-10, abs=1e-12)
    loss.backward()
    assert zv.grad == pytest.approx(y.data - t, rel=1e-14, abs=1e-16)


@pytest.mark.parametrize(
    ("z", "t", "loss", "dz"),
    [
        (1000.0, 0.0, 1000.0, 1.0),
        (1000.0, 1.0, 0.0, 0.0),
        (-1000.0, 1.0, 1000.0, -1.0),
        (-1000.0, 0.0, 0.0, 0.0),
        (1000.0, 0.25, 750.0, 0.75),
        (-1000.0, 0.25, 250.0, -0.25),
        (40.0, 1.0, math.exp(-40.0), -math.exp(-40.0)),
    ],
)
def test_bce_is_stable_at_extreme_logits(z: float, t: float, loss: float, dz: float) -> None:
    zv = Value(z)
    out = binary_cross_entropy(zv.sigmoid(), t)
    # softplus(z) − t·z is exact up to the rounding of its two terms, each of size ~|z|: an
    # absolute 4u·(1 + |z|). (At z = 40, t = 1 the true loss 4.2e-18 comes out as 0.0.)
    assert out.data == pytest.approx(loss, rel=1e-12, abs=1e-15 * (1 + abs(z)))
    out.backward()
    assert zv.grad == pytest.approx(dz, rel=1e-12, abs=1e-15)


def test_bce_is_stable_under_no_grad_too() -> None:
    """Under no_grad() a sigmoid result is a plain leaf, so the documented logits form is the stable one."""
    with no_grad():
        from_logit = binary_cross_entropy_with_logits(Value(1000.0), 0.0)
        from_probability = binary_cross_entropy(Value(1000.0).sigmoid(), 0.0)
    assert from_logit.data == pytest.approx(1000.0, rel=1e-12)
    assert from_probability.data == math.inf  # -ln(1 - 1.0): the IEEE result, as documented


def test_bce_of_an_mlp_output_uses_the_logit() -> None:
    mlp = MLP.from_weights([[[1000.0]]], None)
    trace = mlp.trace([1.0])
    loss = binary_cross_entropy(trace.output, [0.0])
    assert loss.data == pytest.approx(1000.0, rel=1e-15)
    loss.backward()
    assert trace.z[0][0].grad == pytest.approx(1.0, rel=1e-15)


def test_bce_of_plain_probabilities() -> None:
    y = Value(0.25)
    loss = binary_cross_entropy(y, 1.0)
    assert loss.data == pytest.approx(-math.log(0.25), rel=1e-15)
    loss.backward()
    assert y.grad == pytest.approx(-1 / 0.25, rel=1e-14)
    # a probability of exactly 0 with target 1: IEEE inf, not an exception
    y0 = Value(0.0)
    loss0 = binary_cross_entropy(y0, 1.0)
    loss0.backward()
    assert math.isinf(loss0.data) and loss0.data > 0 and math.isinf(y0.grad) and y0.grad < 0


def test_bce_sums_over_outputs() -> None:
    zs = [Value(0.3), Value(-1.2)]
    loss = binary_cross_entropy([z.sigmoid() for z in zs], [1.0, 0.0])
    expected = direct_bce(1 / (1 + math.exp(-0.3)), 1.0) + direct_bce(1 / (1 + math.exp(1.2)), 0.0)
    assert loss.data == pytest.approx(expected, rel=1e-14)


# ---- SGD -----------------------------------------------------------------------------------


def test_sgd_step_subtracts_lr_times_grad() -> None:
    a, b = Value(1.0, "a"), Value(-2.0, "b")
    loss = a * a * 3 + b
    loss.backward()  # ∂/∂a = 6a = 6, ∂/∂b = 1
    opt = SGD([a, b], lr=0.1)
    opt.step()
    assert a.data == pytest.approx(1.0 - 0.1 * 6.0, rel=1e-15)
    assert b.data == pytest.approx(-2.0 - 0.1, rel=1e-15)
    assert a.parents == () and a.grad == pytest.approx(
        6.0, rel=1e-15
    )  # grads are kept until zero_grad
    opt.zero_grad()
    assert a.grad == pytest.approx(0.0, abs=0) and b.grad == pytest.approx(0.0, abs=0)


def test_sgd_touches_only_its_parameters() -> None:
    a, b = Value(1.0), Value(2.0)
    (a * b).backward()
    opt = SGD([a], lr=1.0)
    opt.step()
    opt.zero_grad()
    assert b.data == pytest.approx(2.0, rel=0) and b.grad == pytest.approx(1.0, rel=0)


def test_sgd_accepts_any_iterable_of_parameters() -> None:
    mlp = MLP(2, [2, 1])
    opt = SGD((p for p in mlp.parameters()), 0.1)
    assert opt.parameters == mlp.parameters() and len(opt.parameters) == 9


@pytest.mark.parametrize("lr", [0, -0.1, math.nan, math.inf, -math.inf])
def test_sgd_rejects_a_learning_rate_that_is_not_finite_and_positive(lr: float) -> None:
    with pytest.raises(ValueError, match=r"SGD: lr must be a finite positive number, got "):
        SGD([Value(1.0)], lr)


@pytest.mark.parametrize("lr", [True, "0.1", None, [0.1]])
def test_sgd_rejects_a_learning_rate_that_is_not_a_number(lr: object) -> None:
    with pytest.raises(TypeError, match=rf"SGD: lr: expected a real number, got {type(lr).__name__}"):
        SGD([Value(1.0)], lr)  # type: ignore[arg-type]


def test_sgd_rejects_non_values_naming_the_position_and_type() -> None:
    with pytest.raises(TypeError, match=r"SGD: parameters\[1\] must be a Value, got float: 2.0"):
        SGD([Value(1.0), 2.0], 0.1)  # type: ignore[list-item]


# ---- hostile targets and outputs -------------------------------------------------------------


@pytest.mark.parametrize("loss", [half_squared_error, binary_cross_entropy])
def test_a_string_target_is_refused_not_read_as_two_targets(loss: Callable[..., Value]) -> None:
    y = [Value(0.3).sigmoid(), Value(-0.2).sigmoid()]
    with pytest.raises(TypeError, match=r"target: expected a number or a sequence of numbers, got str: '10'"):
        loss(y, "10")
    with pytest.raises(TypeError, match=r"target\[1\]: expected a real number, got str \('0'\)"):
        loss(y, [1.0, "0"])
    with pytest.raises(TypeError, match=r"output\[0\]: expected a Value, got float: 0.5"):
        loss([0.5], [1.0])


# ---- binary cross-entropy: ∂L/∂y is right after backward() -------------------------------------


@given(st.floats(-30.0, 30.0), unit)
@example(0.685987, 0.5)
@example(-3.0, 1.0)
def test_bce_leaves_dL_dy_on_the_sigmoid_output_and_y_minus_t_on_the_logit(z: float, t: float) -> None:
    """y.grad = ∂L/∂y = −t/y + (1−t)/(1−y) (analytic), and z.grad = y − t, on one graph."""
    zv = Value(z)
    y = zv.sigmoid()
    loss = binary_cross_entropy(y, t)
    loss.backward()
    analytic = -t / y.data + (1.0 - t) / (1.0 - y.data)
    # The same two terms, summed in the same order: a few ulps of the larger term (|z| ≤ 30 keeps
    # 1 − y ≥ 9e-14, so the analytic value is finite and computed to ~1e-15 relative).
    assert y.grad == pytest.approx(analytic, rel=1e-13)
    assert zv.grad == pytest.approx(y.data - t, rel=1e-13, abs=1e-15)


def test_bce_where_sigmoid_saturates_caps_dL_dy_and_keeps_dL_dz() -> None:
    z = Value(1000.0)
    y = z.sigmoid()  # exactly 1.0: ∂L/∂y = 1/(1 − y) overflows
    binary_cross_entropy(y, 0.0).backward()
    assert y.grad == numerics.BCE_SLOPE_CAP and z.grad == 1.0


# ---- mini-batch averaging over N, as §13 of 004 and as deltas.backprop_batch --------------------


def test_minibatch_gradient_is_the_average_of_the_per_sample_gradients() -> None:
    case = SEED_BATCH
    per_sample = []
    for x, t in zip(case.X, case.T):
        mlp = MLP.from_weights(case.weights, case.biases)
        half_squared_error(mlp(x), t).backward()
        per_sample.append([p.grad for p in mlp.parameters()])
    mlp = MLP.from_weights(case.weights, case.biases)
    network_loss(mlp, case).backward()
    for p, g0, g1 in zip(mlp.parameters(), *per_sample):
        assert p.grad == pytest.approx((g0 + g1) / 2, rel=1e-14, abs=1e-17)


@settings(max_examples=100)
@given(net_cases(max_batch=4), st.floats(0.01, 1.0))
@example(SEED_BATCH, 0.1)
def test_sgd_on_the_batch_mean_matches_deltas_backprop_batch(case: NetCase, lr: float) -> None:
    hand = deltas.backprop_batch(
        case.X, case.T, case.weights, case.biases, activations=case.activations, loss=case.loss
    )
    new_w, new_b = deltas.sgd_update(case.weights, case.biases, hand.dL_dW, hand.dL_db, lr)
    mlp = MLP.from_weights(case.weights, case.biases, case.activations)
    loss = network_loss(mlp, case)
    opt = SGD(mlp.parameters(), lr)
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert loss.data == pytest.approx(hand.L, rel=1e-12, abs=1e-14)
    # θ − η·g, with g equal to autograd's within the tolerance of test_deltas: so the updates agree
    # to 1e-12 of the largest step η·|g| (plus the rounding of θ itself).
    step = lr * max(
        [1.0]
        + [abs(g) for layer in hand.dL_dW for row in layer for g in row]
        + [abs(g) for b in hand.dL_db for g in b]
    )
    got = [w for layer in mlp.weights() for row in layer for w in row]
    want = [w for layer in new_w for row in layer for w in row]
    for b_list, nb in zip(mlp.biases(), new_b or [None] * len(case.weights)):
        assert (b_list is None) == (nb is None)
        got += b_list or []
        want += nb or []
    for a, b in zip(got, want):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12 * step)

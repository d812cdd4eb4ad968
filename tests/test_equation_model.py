"""The equation model under every convention: == deltas == autograd, no false flags, planted slips.

Random small networks are drawn with tests/strategies.py and written as example files with a
random [conventions] table. The model is built in the document's convention, so its δ, ∂L/∂a and
∂L/∂θ are the textbook ones times the convention's sign; a shared bias's gradient is the sum of
its neurons' δ. Tolerance 1e-12 relative: the model, ``deltas`` and the engine combine the same
floats in the same order, so they agree to a few ulps (a factor-of-two bug is off by 0.5).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import NetCase, net_cases

from microgradnet import deltas
from microgradnet.tutorial import check, parse
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.autograd import autograd_values
from microgradnet.tutorial.equations import Model
from microgradnet.tutorial.format import Example
from microgradnet.tutorial.slips import slips

ULPS = 1e-12
#: (error_signal, step, difference, bias, loss) — every convention the format knows.
CONVENTIONS = st.tuples(
    st.sampled_from([("gradient", "subtracted"), ("negative_gradient", "added"),
                     ("gradient", "added"), ("negative_gradient", "subtracted")]),
    st.sampled_from(["y_minus_t", "t_minus_y"]),
    st.sampled_from(["per_neuron", "shared", "input_unit"]),
    st.sampled_from(["squared_error", "sum_squared_error", "mse", "cross_entropy"]),
)  # fmt: skip


def example_text(case: NetCase, conventions: tuple[object, ...], updates: str = "online") -> str:
    """An example file for the case's first sample (every sample in batch training), in the
    drawn conventions."""
    (signal, step), difference, bias, loss = conventions  # type: ignore[misc]
    if loss == "cross_entropy" and case.activations[-1] != "sigmoid":
        loss = "squared_error"
    if updates == "online":
        lines = [f"inputs = {case.X[0]!r}", f"targets = {case.T[0]!r}"]
    else:
        rows = [f"{{ inputs = {x!r}, targets = {t!r} }}" for x, t in zip(case.X, case.T)]
        lines = [f"patterns = [{', '.join(rows)}]"]
    lines += [
        f'loss = "{loss}"',
        "learning_rate = 0.5",
        "[conventions]",
        f'error_signal = "{signal}"',
        f'step = "{step}"',
        f'difference = "{difference}"',
        f'updates = "{updates}"',
    ]
    shared = bias == "shared" and case.biases is not None and any(case.biases)
    lines.append(
        f'bias = "{"shared" if shared else ("input_unit" if bias == "input_unit" else "per_neuron")}"'
    )
    for l, W in enumerate(case.weights):
        lines += ["[[layers]]", f'activation = "{case.activations[l]}"', f"weights = {W!r}"]
        if case.biases is not None and case.biases[l] is not None:
            b = case.biases[l]
            lines.append(f"bias = {b[0]!r}" if shared else f"biases = {b!r}")
    return "\n".join(lines) + "\n"


def _close(a: float, b: float) -> bool:
    return a == pytest.approx(b, rel=ULPS, abs=1e-15, nan_ok=True)


def _textbook(ex: Example) -> deltas.Backprop:
    return deltas.backprop(
        list(ex.inputs), ex.weights, ex.biases, list(ex.targets),
        activations=ex.activations, loss=ex.loss,
    )  # fmt: skip


@settings(max_examples=40)
@given(net_cases(max_layers=3, max_width=3, max_batch=1), CONVENTIONS)
def test_model_equals_deltas_and_autograd_under_every_convention(
    case: NetCase, conventions: tuple[object, ...]
) -> None:
    ex = parse(example_text(case, conventions))
    values, hand, auto = Model(ex).values, _textbook(ex), autograd_values(ex)
    sign = ex.conventions.sign
    for l, layer in enumerate(ex.layers, start=1):
        for j in range(layer.size):
            assert _close(values[k.z(l, j)], hand.z[l - 1][j])
            assert _close(values[k.a(l, j)], hand.a[l][j])
            assert _close(values[k.delta(l, j)], sign * hand.delta[l - 1][j])
            assert _close(values[k.fprime(l, j)], hand.f_prime[l - 1][j])
            for i in range(len(layer.weights[j])):
                g = k.dL_dW(l, j, i)
                assert _close(values[g], sign * hand.dL_dW[l - 1][j][i])
        if layer.biases is not None:
            js = range(layer.size) if not layer.shared else [0]
            for j in js:
                summed = sum(hand.dL_db[l - 1]) if layer.shared else hand.dL_db[l - 1][j]
                assert values[k.dL_db(l, j)] == pytest.approx(sign * summed, rel=1e-9, abs=1e-15)
    assert _close(values[k.LOSS], hand.L)
    for key, value in auto.items():  # autograd, mapped through the convention by autograd_values
        assert value == pytest.approx(values[key], rel=1e-9, abs=1e-12, nan_ok=True), key


UPDATES = st.sampled_from(["online", "batch_sum", "batch_mean"])


@settings(max_examples=30)
@given(
    net_cases(max_layers=3, max_width=3, max_batch=3),
    CONVENTIONS.filter(lambda c: c[2] != "shared"),
    st.sampled_from(["batch_sum", "batch_mean"]),
)
def test_batch_updates_equal_deltas_and_autograd(
    case: NetCase, conventions: tuple[object, ...], updates: str
) -> None:
    """Each pattern's quantities are ``deltas.backprop``'s for that pattern; the batch's loss and
    gradients ``backprop_batch``'s sum or mean; θⁿᵉʷ = θ − η·(that gradient); autograd agrees."""
    ex = parse(example_text(case, conventions, updates))
    values, auto, sign = Model(ex).values, autograd_values(ex), ex.conventions.sign
    hand = deltas.backprop_batch(
        [list(x) for x, _ in ex.samples], [list(t) for _, t in ex.samples], ex.weights,
        ex.biases, activations=ex.activations, loss=ex.loss, reduction=updates[len("batch_"):],
    )  # fmt: skip
    for p, one in enumerate(hand.samples):
        assert _close(values[k.at_pattern(k.LOSS, p)], one.L)
        for l, layer in enumerate(ex.layers, start=1):
            for j in range(layer.size):
                assert _close(values[k.at_pattern(k.a(l, j), p)], one.a[l][j])
                assert _close(values[k.at_pattern(k.delta(l, j), p)], sign * one.delta[l - 1][j])
                assert _close(values[k.dL_dW(l, j, 0)], sign * hand.dL_dW[l - 1][j][0])
    new, _ = deltas.sgd_update(ex.weights, ex.biases, hand.dL_dW, hand.dL_db, 0.5)
    for l, layer in enumerate(ex.layers, start=1):
        for j, row in enumerate(layer.weights):
            for i in range(len(row)):
                assert _close(values[k.W(l, j, i, new=True)], new[l - 1][j][i])
    assert _close(values[k.LOSS], hand.L)
    assert k.at_pattern(k.delta(1, 0), len(ex.samples) - 1) in auto  # every pattern by autograd
    for key, value in auto.items():
        assert value == pytest.approx(values[key], rel=1e-9, abs=1e-12, nan_ok=True), key


@settings(max_examples=20)
@given(
    net_cases(max_layers=2, max_width=3, max_batch=2),
    CONVENTIONS,
    st.integers(3, 8),
    UPDATES,
)
def test_claims_rounded_from_exact_values_all_agree(
    case: NetCase, conventions: tuple[object, ...], places: int, updates: str
) -> None:
    """Every computed quantity printed rounded to ``places`` decimals: no false flag."""
    text = example_text(case, conventions, updates)
    values = Model(parse(text)).values
    printed = [
        f'"{key}" = "{value:.{places}f}"'
        for key, value in values.items()
        if not key.given and math.isfinite(value) and abs(value) < 1e6
    ]
    result = check(parse(text + "[published]\n" + "\n".join(printed) + "\n"))
    assert result.findings == (), [
        (str(r.claim.key), r.claim.printing.text) for r in result.rows if r.verdict != "agrees"
    ]
    assert result.ok and result.hint == ""


#: Slips that change the numbers in a way no other catalogued slip imitates, when planted.
PLANTABLE = (
    "derivative_dropped", "error_sign", "half_missing", "update_sign", "updated_weights",
    "other_derivative", "input_factor_missing", "layer_update_sign",
)  # fmt: skip


@settings(max_examples=20)
@given(
    net_cases(max_layers=2, max_width=2, max_batch=2, activations=("sigmoid", "tanh")),
    st.sampled_from(PLANTABLE),
    st.integers(0, 3),
    UPDATES,
)
def test_a_planted_slip_is_the_only_root_cause(
    case: NetCase, name: str, choice: int, updates: str
) -> None:
    """One catalogued slip planted (in batch training: on every pattern): exactly that slip is
    the one root cause, and every other wrong value is its consequence."""
    text = example_text(
        case, (("gradient", "subtracted"), "y_minus_t", "per_neuron", "squared_error"), updates
    )
    model = Model(parse(text))
    candidates = [s for s in slips(model, 6) if s.name == name and s.formulas]
    assume(candidates)
    slip = candidates[choice % len(candidates)]
    planted = model.evaluate(None, slip.formulas)
    shown = [key for key in model.order if not key.given and math.isfinite(planted[key])]
    assume(all(abs(planted[key]) < 1e3 for key in shown))
    changed = [key for key in shown if abs(planted[key] - model.values[key]) > 1e-4]
    assume(changed)
    for other in slips(model, 6):  # identifiable: no other catalogued slip gives the same numbers
        if other.name != name and other.formulas:
            alike = model.evaluate(None, other.formulas)
            assume(any(abs(alike[key] - planted[key]) > 1e-5 for key in shown))
    printed = [f'"{key}" = "{planted[key]:.6f}"' for key in shown]
    result = check(parse(text + "[published]\n" + "\n".join(printed) + "\n"))
    names = [None if f.slip is None else f.slip.name for f in result.findings]
    assert names == [name], [(str(r.claim.key), r.verdict) for r in result.rows]
    (finding,) = result.findings
    wrong = {n for n, r in enumerate(result.rows) if r.verdict in ("differs", "consequence")}
    assert wrong == {*finding.roots, *finding.consequences}

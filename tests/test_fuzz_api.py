"""Fuzz the public API with extreme numbers, wrong types and wrong lengths.

Every name in ``microgradnet.__all__``, ``microgradnet.render``, the gradcheck functions and the
``deltas`` functions is called with hostile arguments; each call must return, or raise an error
the input policy documents (README, "Input policy") whose message is the project's, not Python's
raw one (see ``fuzz_strategies.assert_documented``). Numeric results follow the IEEE policy:
finite floats in, inf/nan out, never an ``OverflowError``. Nothing outside the test's temporary
folder may change.

Areas once found wanting carry an ``@example`` of the case that failed, so it is tried on every run.
"""

from __future__ import annotations

import math
import operator
import pickle
import random
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_strategies import (
    FUZZ,
    assert_documented,
    call,
    finite_floats,
    hostile_text,
    numbers,
    scalars,
    unchanged,
    vectors,
    wrong_types,
)
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

import microgradnet
from microgradnet import (
    MLP,
    SGD,
    Layer,
    Neuron,
    Value,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    deltas,
    dot,
    grad,
    gradients,
    half_squared_error,
    hessian,
    hessian_at,
    hvp,
    mean,
    mse,
    render,
    topological_order,
    vsum,
)
from microgradnet.files import check_target, read_text, write_atomic
from microgradnet.gradcheck import gradcheck, gradgradcheck, numerical_gradient, parameter_gradcheck
from microgradnet.terminal import one_line, printable

ROOT = Path(__file__).resolve().parent.parent
#: The pinned examples first, then generated ones; no shrinking (a failure shows the case as drawn).
PINNED_FIRST = settings(FUZZ, phases=[Phase.explicit, Phase.generate])


@pytest.fixture(scope="module", autouse=True)
def nothing_outside_tmp_changes() -> Iterator[None]:
    with unchanged(ROOT):
        yield


def test_every_public_name_is_fuzzed_here() -> None:
    """A name added to ``__all__`` must get a fuzz test (listed here once it has one)."""
    covered = {
        "Value", "vsum", "dot", "no_grad", "detect_anomaly", "is_grad_enabled", "gc_paused",
        "topological_order", "gradients", "grad", "hessian", "hessian_at", "hvp", "gradcheck",
        "gradgradcheck", "numerical_gradient", "MLP", "Layer", "Neuron", "SGD",
        "half_squared_error", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse",
        "mean", "AnomalyError", "GradcheckError", "ShapeError", "__version__",
    }  # fmt: skip
    assert set(microgradnet.__all__) == covered


# ---- the engine: IEEE arithmetic, documented refusals ---------------------------------------------

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]
UNARY = ["exp", "log", "tanh", "sigmoid", "relu", "softplus", "sqrt"]


@FUZZ
@given(a=numbers, b=scalars, op=st.sampled_from(BINARY), reflected=st.booleans())
def test_value_arithmetic_is_ieee_or_a_documented_refusal(
    a: Any, b: Any, op: Callable[[Any, Any], Any], reflected: bool
) -> None:
    x = call(Value, a)
    if x is None:
        return
    out = call(op, b, x) if reflected else call(op, x, b)
    if isinstance(b, float) and isinstance(a, float):  # IEEE: floats in, a Value out, always
        assert isinstance(out, Value)
    if isinstance(out, Value):
        out.backward()
        assert isinstance(x.grad, float)


@FUZZ
@given(
    a=finite_floats | st.sampled_from([math.inf, -math.inf, math.nan]), op=st.sampled_from(UNARY)
)
def test_unary_ops_return_ieee_values(a: float, op: str) -> None:
    x = Value(a)
    out = getattr(x, op)()
    out.backward()
    assert isinstance(out.data, float) and isinstance(x.grad, float)


@FUZZ
@given(arg=scalars | vectors)
def test_grad_and_hessian_take_numbers_or_refuse(arg: Any) -> None:
    call(lambda: grad(lambda x: x * x.tanh())(arg))
    call(lambda: hessian(lambda x: x * x.tanh())(arg))


@FUZZ
@given(flag=scalars)
def test_the_context_managers_take_what_they_document(flag: Any) -> None:
    def enter() -> None:
        with microgradnet.detect_anomaly(flag), microgradnet.no_grad(), microgradnet.gc_paused():
            assert isinstance(microgradnet.is_grad_enabled(), bool)

    call(enter)


@PINNED_FIRST
@given(arg=scalars | vectors)
@example(arg=None)
def test_graph_functions_refuse_what_is_not_a_value(arg: Any) -> None:
    call(topological_order, arg)
    call(dot, arg, [Value(1.0)])
    call(dot, [Value(1.0)], arg)
    call(vsum, arg)
    call(mean, arg)


def test_a_deep_chain_pickles() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert pickle.loads(pickle.dumps(y)).data == 0.5


@PINNED_FIRST
@given(arg=scalars | vectors)
@example(arg=0.5)
def test_gradients_refuse_what_is_not_a_sequence_of_values(arg: Any) -> None:
    x = Value(0.5)
    y = x * x
    call(gradients, y, arg)
    call(hessian_at, y, arg)
    call(hvp, y, [x], arg)


# ---- nn, losses, optim (issue-12) -----------------------------------------------------------------


@PINNED_FIRST
@given(n=scalars, sizes=vectors, activation=scalars | st.just("sigmoid"), rng=scalars)
@example(n=2, sizes=[1], activation="sigmoid", rng=5)
def test_networks_refuse_bad_shapes_and_types(
    n: Any, sizes: Any, activation: Any, rng: Any
) -> None:
    call(MLP, n, sizes, activation, rng=rng)
    call(Layer, sizes, None)
    call(Neuron, sizes, n)


@PINNED_FIRST
@given(parameters=scalars | vectors, lr=scalars)
@example(parameters=0.5, lr=0.1)
def test_sgd_refuses_bad_parameters_and_rates(parameters: Any, lr: Any) -> None:
    call(SGD, parameters, lr)
    call(SGD, [Value(1.0)], lr)


@PINNED_FIRST
@given(y=scalars | vectors, t=scalars | vectors)
@example(y=[Value(0.5)], t="10")
def test_losses_refuse_bad_outputs_and_targets(y: Any, t: Any) -> None:
    for loss in (half_squared_error, binary_cross_entropy, binary_cross_entropy_with_logits):
        call(loss, Value(0.5), t)
        call(loss, y, 0.5)
    call(mse, y, t)


# ---- render (issue-13) ------------------------------------------------------------------------------


@PINNED_FIRST
@given(
    arg=scalars | vectors | hostile_text, option=st.sampled_from(["precision", "neuron", "values"])
)
@example(arg=1.0, option="precision")
def test_render_refuses_bad_arguments(arg: Any, option: str) -> None:
    mlp = MLP(2, [1], rng=random.Random(0))
    call(render.computation_graph, arg)
    call(render.network_diagram, arg)
    call(
        render.computation_graph, Value(1.0), **{"precision": arg} if option == "precision" else {}
    )
    call(render.network_diagram, mlp, **{option: arg})
    call(render.to_svg, arg)
    call(render.route_for, arg, arg)


# ---- deltas (issue-10) ------------------------------------------------------------------------------


@PINNED_FIRST
@given(x=vectors, W=st.lists(vectors, max_size=3) | wrong_types, t=scalars | vectors)
@example(x=[1.0, 1.0], W=[[1.0]], t=0.5)  # mismatched lengths: a ShapeError since issue-10
@example(x=[1.0], W=[[1.0]], t=0.5)  # backprop(target=0.5): a TypeError naming target
def test_deltas_refuse_bad_shapes_and_types(x: Any, W: Any, t: Any) -> None:
    call(deltas.backprop_221, x, W, [0.5, 0.6], t)
    call(deltas.backprop, x, [W], None, t, activations=["sigmoid"], loss="squared_error")
    call(deltas.forward, x, [W], None, ["linear"])
    call(deltas.sgd_update, [W], None, [W], [x], t)


@PINNED_FIRST
@given(
    x=st.lists(finite_floats, min_size=2, max_size=2),
    w=finite_floats,
    activation=st.sampled_from(["linear", "relu", "sigmoid", "tanh"]),
    loss=st.sampled_from(["squared_error", "cross_entropy"]),
)
@example(x=[1e200, 1.0], w=1.0, activation="linear", loss="squared_error")
def test_deltas_are_ieee_on_finite_floats(
    x: list[float], w: float, activation: str, loss: str
) -> None:
    output = "sigmoid" if loss == "cross_entropy" else activation
    record = deltas.backprop(
        x, [[[w, 0.5]], [[0.3]]], None, [0.5], activations=[activation, output], loss=loss
    )
    assert isinstance(record.L, float)


# ---- gradcheck (this branch) ------------------------------------------------------------------------


@FUZZ
@given(inputs=vectors, eps=scalars, atol=scalars, rtol=scalars)
@example(inputs=[0.7], eps=0.0, atol=1e-5, rtol=1e-3)
@example(inputs=[0.7], eps=float("nan"), atol=1e-5, rtol=1e-3)
def test_gradcheck_functions_refuse_bad_steps_tolerances_and_inputs(
    inputs: Any, eps: Any, atol: Any, rtol: Any
) -> None:
    def f(*xs: Value) -> Value:
        return vsum([x * x.tanh() for x in xs]) if xs else Value(0.0)

    p = Value(0.3, "w")
    call(numerical_gradient, f, inputs, eps=eps)
    call(gradcheck, f, inputs, eps=eps, atol=atol, rtol=rtol)
    call(gradgradcheck, f, inputs, eps=eps, atol=atol, rtol=rtol)
    call(parameter_gradcheck, lambda: p * p, [p], eps=eps, atol=atol, rtol=rtol)
    call(numerical_gradient, lambda *xs: 1.0, inputs)  # a float, not a Value: a TypeError


# ---- files and terminal text (this branch) ----------------------------------------------------------

_NAMES = [
    "",
    ".",
    "..",
    "/",
    "/dev/null",
    "/dev/zero",
    "a\x00b",
    "x" * 300,
    "图" * 90,
    "a\x1b[2J\u202e",
]


@FUZZ
@given(
    name=st.sampled_from(_NAMES) | hostile_text,
    overwrite=st.booleans(),
    data=st.binary(max_size=64),
)
def test_files_refuse_hostile_paths_with_a_file_error(
    name: str, overwrite: bool, data: bytes
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "input.toml").write_text("keep", encoding="utf-8")
        path = name if name.startswith("/") or name == "" else str(folder / name)
        call(read_text, path)
        call(check_target, path, overwrite=overwrite, inputs=[folder / "input.toml"])
        written = call(
            write_atomic, path, data, overwrite=overwrite, inputs=[folder / "input.toml"]
        )
        if written is not None:  # only inside the temporary folder, with exactly the bytes
            assert Path(written).resolve().is_relative_to(folder.resolve())
            assert Path(written).read_bytes() == data
        assert (folder / "input.toml").read_text(encoding="utf-8") == "keep"
        leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
        assert not leftovers


@FUZZ
@given(text=st.text() | hostile_text)
def test_printed_text_has_no_character_a_terminal_acts_on(text: str) -> None:
    import unicodedata

    shown, line = printable(text), one_line(text)
    hidden = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
    assert all(unicodedata.category(c) not in hidden or c in "\n\t" for c in shown)
    assert all(unicodedata.category(c) not in hidden for c in line)
    shown.encode("utf-8"), line.encode("utf-8")  # lone surrogates escaped: always encodable
    if text.isprintable():
        assert shown == text  # ordinary text, σ and ½ included, is shown as it is


def test_a_documented_error_with_a_raw_message_is_caught_by_the_oracle() -> None:
    """The oracle can fail: Python's own messages are not the project's."""
    with pytest.raises(AssertionError, match="raw TypeError"):
        assert_documented(TypeError("'float' object is not iterable"))
    with pytest.raises(AssertionError, match="undocumented AttributeError"):
        assert_documented(AttributeError("x"))
    assert_documented(ValueError("eps: expected a finite number > 0, got 0.0"))


def test_messages_stay_short_for_huge_arguments() -> None:
    """A 5,000-digit int (which Python cannot even print) or a 1,000-item list in a message."""
    for weights in (10**5000, [[1] * 1000]):
        with pytest.raises(TypeError) as caught:
            dot(weights, [Value(1.0)])  # type: ignore[arg-type]
        assert len(str(caught.value)) < 200, str(caught.value)[:300]

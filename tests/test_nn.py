"""Neurons, layers and MLPs: shapes and their errors, parameter names and order, seeded init,
bias off, activations per layer, traces."""

from __future__ import annotations

import math
import random

import pytest

from microgradnet import MLP, Layer, Neuron, ShapeError, Value
from microgradnet.errors import SizeLimitError
from microgradnet.nn import ACTIVATIONS, MAX_LAYER_WIDTH, MAX_PARAMETERS

W_004 = [[[0.2, -0.4], [0.7, 0.1]], [[0.3, -0.2]]]
B_004 = [[0.0, 0.0], [0.1]]


# ---- parameter names and order -------------------------------------------------------------------


def test_parameter_names_and_documented_order() -> None:
    mlp = MLP(3, [2, 1], rng=random.Random(0))
    names = [name for name, _ in mlp.named_parameters()]
    assert names == [
        "W1[0,0]", "W1[0,1]", "W1[0,2]", "W1[1,0]", "W1[1,1]", "W1[1,2]", "b1[0]", "b1[1]",
        "W2[0,0]", "W2[0,1]", "b2[0]",
    ]  # fmt: skip
    assert [p for _, p in mlp.named_parameters()] == mlp.parameters()
    assert all(p.label == name for name, p in mlp.named_parameters())


def test_from_weights_places_each_number_where_the_convention_says() -> None:
    """weights[l][j][i] is the weight into neuron j of layer l+1 from input i (row j of W⁽ˡ⁺¹⁾)."""
    mlp = MLP.from_weights(W_004, B_004)
    params = dict(mlp.named_parameters())
    assert params["W1[0,1]"].data == pytest.approx(-0.4, rel=0)
    assert params["W1[1,0]"].data == pytest.approx(0.7, rel=0)
    assert params["b2[0]"].data == pytest.approx(0.1, rel=0)
    assert mlp.layers[0].neurons[1].weights[0] is params["W1[1,0]"]
    assert mlp.layers[1].neurons[0].bias is params["b2[0]"]
    assert mlp.weights() == W_004 and mlp.biases() == B_004
    # z1[1] = 0.7·x0 + 0.1·x1 + 0
    trace = mlp.trace([1.0, 0.5])
    assert trace.z[0][1].data == pytest.approx(0.75, rel=1e-15)


def test_no_biases_anywhere_or_in_one_layer() -> None:
    none = MLP.from_weights(W_004, None)
    assert [n for n, _ in none.named_parameters()] == [
        "W1[0,0]",
        "W1[0,1]",
        "W1[1,0]",
        "W1[1,1]",
        "W2[0,0]",
        "W2[0,1]",
    ]
    assert none.biases() == [None, None]
    assert all(n.bias is None for layer in none.layers for n in layer.neurons)
    mixed = MLP.from_weights(W_004, [None, [0.1]])
    assert [n for n, _ in mixed.named_parameters()][-1] == "b2[0]" and mixed.biases() == [
        None,
        [0.1],
    ]
    off = MLP(2, [3, 1], bias=False, rng=random.Random(1))
    assert len(off.parameters()) == 2 * 3 + 3 * 1
    assert not any(name.startswith("b") for name, _ in off.named_parameters())


# ---- seeded initialisation --------------------------------------------------------------------


def test_seeded_init_is_reproducible_and_depends_on_the_seed() -> None:
    a = MLP(4, [3, 2], rng=random.Random(42))
    b = MLP(4, [3, 2], rng=random.Random(42))
    c = MLP(4, [3, 2], rng=random.Random(43))
    assert a.weights() == b.weights()
    assert a.weights() != c.weights()


def test_init_scale_and_zero_biases() -> None:
    mlp = MLP(4, [16, 9], rng=random.Random(7))
    for layer, fan_in in zip(mlp.layers, [4, 16]):
        for neuron in layer.neurons:
            assert all(abs(w.data) <= 1 / math.sqrt(fan_in) for w in neuron.weights)
            assert neuron.bias is not None and neuron.bias.data == pytest.approx(0.0, abs=0)
    spread = max(
        abs(w.data) for w in mlp.layers[0].neurons[0].weights + mlp.layers[0].neurons[1].weights
    )
    assert spread > 0.1  # really drawn from ±1/√4, not all ~0


def test_init_does_not_touch_the_global_random_state() -> None:
    random.seed(123)
    expected = random.random()
    random.seed(123)
    MLP(3, [4, 1], rng=random.Random(5))
    assert random.random() == pytest.approx(expected, rel=0)


def test_unseeded_init_works() -> None:
    mlp = MLP(2, [2, 1])
    assert len(mlp.parameters()) == 9


# ---- activations per layer -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear"])
def test_each_activation(name: str) -> None:
    mlp = MLP.from_weights([[[2.0, -1.0]]], [[0.25]], activation=name)
    z = 2.0 * 0.5 + (-1.0) * 2.0 + 0.25  # -0.75
    expected = {"sigmoid": 1 / (1 + math.exp(-z)), "tanh": math.tanh(z), "relu": 0.0, "linear": z}[
        name
    ]
    out = mlp([0.5, 2.0])
    assert isinstance(out, Value)
    assert out.data == pytest.approx(expected, rel=1e-15, abs=0)
    assert mlp.activations == [name] and mlp.layers[0].neurons[0].activation == name


def test_activation_list_applies_per_layer() -> None:
    mlp = MLP.from_weights([[[1.0]], [[1.0]], [[1.0]]], None, activation=["tanh", "relu", "linear"])
    trace = mlp.trace([-0.5])
    assert trace.a[0][0].op == "tanh"
    assert trace.a[1][0].op == "relu"
    assert trace.a[2][0] is trace.z[2][0]  # linear: the output is the pre-activation itself
    assert trace.output[0].data == pytest.approx(0.0, abs=0)


def test_unknown_activation_lists_valid_names() -> None:
    valid = ", ".join(ACTIVATIONS)
    assert valid == "sigmoid, tanh, relu, linear"
    with pytest.raises(ValueError, match=f"unknown activation 'softmax'; valid names: {valid}"):
        MLP(2, [1], activation="softmax")
    with pytest.raises(ValueError, match=r"activation\[1\]: unknown activation 'gelu'"):
        MLP.from_weights(W_004, None, activation=["sigmoid", "gelu"])
    with pytest.raises(ValueError, match="unknown activation"):
        Neuron([1.0], None, "Sigmoid")


def test_activation_list_of_the_wrong_length() -> None:
    with pytest.raises(ShapeError, match="activation: expected 2 names .one per layer., got 3"):
        MLP.from_weights(W_004, None, activation=["sigmoid"] * 3)


# ---- shapes: outputs and errors that say expected and actual ---------------------------------------


def test_single_output_is_a_value_and_several_are_a_list() -> None:
    assert isinstance(MLP(2, [3, 1], rng=random.Random(0))([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], rng=random.Random(0))([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_input_of_the_wrong_length() -> None:
    mlp = MLP.from_weights(W_004, B_004)
    with pytest.raises(ShapeError, match="input: expected 2 values, got 3"):
        mlp([1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match="input: expected 2 values, got 1"):
        mlp.trace([1.0])


def test_weight_matrix_that_does_not_fit_the_layer_before() -> None:
    with pytest.raises(ShapeError, match=r"W2: expected 1×2 \(one column per neuron of layer 1\), got 1×3"):
        MLP.from_weights([W_004[0], [[0.3, -0.2, 0.5]]])


def test_ragged_weight_matrix_names_the_row_lengths() -> None:
    with pytest.raises(ShapeError, match=r"W1: expected 2×2 .*got rows of lengths \[2, 1\]"):
        MLP.from_weights([[[0.2, -0.4], [0.7]], [[0.3, -0.2]]])


def test_bias_vectors_of_the_wrong_length_or_count() -> None:
    with pytest.raises(ShapeError, match=r"b1: expected 2 biases \(one per row of W1\), got 3"):
        MLP.from_weights(W_004, [[0.0, 0.0, 0.0], [0.1]])
    with pytest.raises(ShapeError, match=r"biases: expected 2 vectors \(one per layer\), got 1"):
        MLP.from_weights(W_004, [[0.0, 0.0]])


def test_no_layers_is_a_shape_error() -> None:
    with pytest.raises(ShapeError, match="at least one layer"):
        MLP.from_weights([])
    with pytest.raises(ShapeError, match="W2"):
        MLP.from_weights([W_004[0], []])


def test_zero_input_network_is_rejected_at_construction() -> None:
    with pytest.raises(ShapeError, match="W1: expected at least one column"):
        MLP.from_weights([[[]]])


@pytest.mark.parametrize(
    ("n_inputs", "sizes", "error", "message"),
    [
        (0, [1], ValueError, r"MLP: n_inputs must be at least 1, got 0"),
        (2, [0], ValueError, r"MLP: layer_sizes\[0\] must be at least 1, got 0"),
        (2, [3, -1], ValueError, r"MLP: layer_sizes\[1\] must be at least 1, got -1"),
        (2, [True], TypeError, r"MLP: layer_sizes\[0\] must be an int, got bool: True"),
        (2.0, [1], TypeError, r"MLP: n_inputs must be an int, got float: 2.0"),
        (2, [1.5], TypeError, r"MLP: layer_sizes\[0\] must be an int, got float: 1.5"),
        (2, "3", TypeError, r"MLP: layer_sizes must be a sequence of ints, got str"),
    ],
)
def test_bad_layer_sizes_name_the_argument(
    n_inputs: object, sizes: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        MLP(n_inputs, sizes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n_inputs", "sizes", "message"),
    [
        (10**9, [1], r"n_inputs is 1,000,000,000, over the limit MAX_LAYER_WIDTH = 100,000"),
        (2, [10**400], r"layer_sizes\[0\] is a number of more than 20 digits, over the limit"),
        (5000, [5000], r"25,005,000 parameters for sizes \[5000, 5000\], over the limit "
         r"MAX_PARAMETERS = 10,000,000"),
    ],
)  # fmt: skip
def test_huge_networks_are_refused_before_any_work(
    n_inputs: int, sizes: list[int], message: str
) -> None:
    """Refused at once (the 25-million-parameter one would take minutes and gigabytes to build)."""
    with pytest.raises(SizeLimitError, match=message):
        MLP(n_inputs, sizes)
    assert issubclass(SizeLimitError, ValueError)
    assert MAX_PARAMETERS == 10**7 and MAX_LAYER_WIDTH == 10**5


@pytest.mark.parametrize("rng", [5, "seed", random])
def test_rng_must_be_a_random_instance(rng: object) -> None:
    with pytest.raises(TypeError, match=r"MLP: rng must be a random.Random or None, got "):
        MLP(2, [1], rng=rng)  # type: ignore[arg-type]


def test_shape_error_is_a_value_error() -> None:
    assert issubclass(ShapeError, ValueError)


# ---- traces, inputs, neurons and layers ----------------------------------------------------------


def test_trace_labels_every_node() -> None:
    mlp = MLP.from_weights(W_004, B_004)
    trace = mlp.trace([1.0, 0.5])
    assert [v.label for v in trace.inputs] == ["x[0]", "x[1]"]
    assert [[v.label for v in layer] for layer in trace.z] == [["z1[0]", "z1[1]"], ["z2[0]"]]
    assert [[v.label for v in layer] for layer in trace.a] == [["a1[0]", "a1[1]"], ["a2[0]"]]
    assert trace.output == trace.a[-1]
    z = trace.z[0][0]
    assert z.op == "+" and [p.op for p in z.parents] == [
        "*",
        "*",
        "",
    ]  # w·x, w·x, then the bias leaf
    assert z.parents[2] is mlp.layers[0].neurons[0].bias


def test_value_inputs_are_used_as_given_so_inputs_get_gradients() -> None:
    mlp = MLP.from_weights([[[3.0, -2.0]]], None, activation="linear")
    x = [Value(1.0, "u"), Value(2.0, "v")]
    out = mlp(x)
    assert isinstance(out, Value)
    out.backward()
    assert x[0].grad == pytest.approx(3.0, rel=0) and x[1].grad == pytest.approx(-2.0, rel=0)
    assert mlp.trace(x).inputs[0] is x[0]


def test_neuron_and_layer_on_their_own() -> None:
    n = Neuron([0.5, -1.0], 0.25, "tanh", layer=2, index=1)
    assert (
        [w.label for w in n.weights] == ["W2[1,0]", "W2[1,1]"]
        and n.bias is not None
        and n.bias.label == "b2[1]"
    )
    out = n([Value(1.0), Value(1.0)])
    assert out.data == pytest.approx(math.tanh(-0.25), rel=1e-15)
    assert out.label == "a2[1]" and n.parameters() == [*n.weights, n.bias]
    with pytest.raises(ShapeError, match="expected 2 inputs, got 1"):
        n([Value(1.0)])
    layer = Layer([[1.0], [2.0]], None, "relu", index=3)
    outs = layer([Value(-1.0)])
    assert [o.data for o in outs] == [pytest.approx(0.0, abs=0), pytest.approx(0.0, abs=0)]
    assert [p.label for p in layer.parameters()] == ["W3[0,0]", "W3[1,0]"]
    with pytest.raises(ShapeError, match="b3: expected 2 biases"):
        Layer([[1.0], [2.0]], [0.0], "relu", index=3)


def test_reprs_say_the_shape() -> None:
    mlp = MLP.from_weights(W_004, B_004, activation=["tanh", "sigmoid"])
    assert repr(mlp) == "MLP(2-2-1, activations=['tanh', 'sigmoid'])"
    assert repr(mlp.layers[0]) == "Layer(2→2, tanh)"
    assert repr(mlp.layers[0].neurons[0]) == "Neuron(tanh, 2 inputs, bias=True)"

"""The scalar autograd engine: ``Value``, its primitive ops and their local derivatives, ``backward``.

Every op computes its result and, right beside it, the local derivative of the result with
respect to each operand. A node stores its operands (``parents``, in operand order, so ``a * a``
has two) and those local derivatives (``local_grads``) — no closures, so no reference cycles, and
a graph is freed by reference counting the moment it is no longer used.

Derivative cheat sheet (``out`` is the op's result)::

    a + b + …   ∂/∂each = 1
    a - b       ∂/∂a = 1          ∂/∂b = -1
    a * b       ∂/∂a = b          ∂/∂b = a
    a / b       ∂/∂a = 1/b        ∂/∂b = -a/b² = -out/b
    -a          ∂/∂a = -1
    a ** k      ∂/∂a = k·a^(k-1)                       (k a plain number)
    a ** b      ∂/∂a = b·a^(b-1)  ∂/∂b = out·ln a      (b a Value)
    exp a       ∂/∂a = out
    log a       ∂/∂a = 1/a
    tanh a      ∂/∂a = 1 - out²
    σ(a)        ∂/∂a = out·(1 - out)
    relu a      ∂/∂a = 1 if a > 0 else 0
    softplus a  ∂/∂a = σ(a)

Gradient accumulation rule: ``backward()`` *adds* this call's gradients to ``.grad`` of every node
it reaches — parameters, inputs, intermediates and the output itself alike. Calling it twice on
the same graph therefore doubles every ``.grad``; gradients of several losses that share
parameters add up. Zero them with ``optimizer.zero_grad()`` / ``mlp.zero_grad()`` (parameters) or
``value.zero_grad()`` (every node of that value's graph).

Numerics: IEEE-754 results (inf, nan), never a Python exception; see ``microgradnet.numerics``.
``detect_anomaly()`` names the first op that produced a nan or inf, forward or backward.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from numbers import Real
from operator import attrgetter
from typing import Union

from microgradnet import numerics
from microgradnet.errors import AnomalyError, ShapeError
from microgradnet.graph import topological_order

__all__ = [
    "Value",
    "vsum",
    "dot",
    "no_grad",
    "detect_anomaly",
    "is_grad_enabled",
    "gc_paused",
    "local_derivatives",
]

Number = Union[int, float]
Operand = Union["Value", int, float]

_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)
_MINUS_ONE = (-1.0,)
_NO_PARENTS: tuple[Value, ...] = ()
_NO_GRADS: tuple[float, ...] = ()


def _check_number(data: object, where: str) -> float:
    """Return data as a float, or raise TypeError naming its type."""
    if type(data) is float:
        return data
    if isinstance(data, Real) and not isinstance(data, bool):
        try:
            return float(data)
        except OverflowError:  # an int beyond float range: ±inf, by the IEEE policy
            return math.inf if data > 0 else -math.inf  # type: ignore[operator]
    raise TypeError(
        f"{where} needs a real number (int or float), got {type(data).__name__}: {data!r}"
    )


class Value:
    """A scalar that remembers how it was computed, so its gradient can be found.

    ``Value(data, label="")`` makes a leaf (an input, a parameter or a constant). Arithmetic on
    Values makes new nodes; ``out.backward()`` then fills ``.grad`` of every node with
    ∂out/∂node, added to what was there before (see the module docstring for the rule).

    Public, read-only graph: ``parents`` (operands in order), ``local_grads`` (∂self/∂parent_i in
    the same order), ``op`` ("" for a leaf) and ``label``.

    Raises:
        TypeError: ``data`` is not a real number (str, None, complex, bool ...).
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    data: float
    grad: float
    parents: tuple[Value, ...]
    local_grads: tuple[float, ...]
    op: str
    label: str

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _check_number(data, "Value")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.grad = 0.0
        self.parents = _NO_PARENTS
        self.local_grads = _NO_GRADS
        self.op = ""
        self.label = label
        if _anomaly_mode and not math.isfinite(self.data):
            raise AnomalyError(f"leaf Value({self.data!r}) is not finite")

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a Value as its computation graph (the text repr if it cannot be drawn)."""
        from microgradnet.render import RenderError, computation_graph, to_svg

        try:
            return to_svg(computation_graph(self))
        except RenderError:
            return None

    # ---- binary primitives --------------------------------------------------------------
    def __add__(self, other: Operand) -> Value:
        """a + b;  ∂/∂a = 1,  ∂/∂b = 1."""
        if type(other) is not Value:
            other = _lift(other, "+")
        return _record(self.data + other.data, (self, other), _ONE_ONE, "+")

    def __sub__(self, other: Operand) -> Value:
        """a - b;  ∂/∂a = 1,  ∂/∂b = -1."""
        if type(other) is not Value:
            other = _lift(other, "-")
        return _record(self.data - other.data, (self, other), _ONE_MINUS_ONE, "-")

    def __mul__(self, other: Operand) -> Value:
        """a · b;  ∂/∂a = b,  ∂/∂b = a."""
        if type(other) is not Value:
            other = _lift(other, "*")
        a, b = self.data, other.data
        return _record(a * b, (self, other), (b, a), "*")

    def __truediv__(self, other: Operand) -> Value:
        """a / b;  ∂/∂a = 1/b,  ∂/∂b = -a/b² = -out/b."""
        if type(other) is not Value:
            other = _lift(other, "/")
        a, b = self.data, other.data
        out = numerics.div(a, b)
        return _record(out, (self, other), (numerics.div(1.0, b), numerics.div(-out, b)), "/")

    def __pow__(self, other: Operand) -> Value:
        """a ** k (k a number): ∂/∂a = k·a^(k-1).  a ** b (b a Value): also ∂/∂b = out·ln a."""
        if isinstance(other, Value):
            return self._pow_value(other)
        k = _check_number(other, "** exponent")
        a = self.data
        op = _POW_OPS.get(k) or _pow_op(k)
        return _record(numerics.power(a, k), (self,), (numerics.pow_grad_base(a, k),), op)

    def _pow_value(self, other: Value) -> Value:
        a, b = self.data, other.data
        out = numerics.power(a, b)
        return _record(
            out,
            (self, other),
            (numerics.pow_grad_base(a, b), numerics.pow_grad_exponent(a, b, out)),
            "**",
        )

    # ---- unary primitives ---------------------------------------------------------------
    def __neg__(self) -> Value:
        """-a;  ∂/∂a = -1."""
        return _record(-self.data, (self,), _MINUS_ONE, "neg")

    def exp(self) -> Value:
        """e^a;  ∂/∂a = e^a = out."""
        out = numerics.exp(self.data)
        return _record(out, (self,), (out,), "exp")

    def log(self) -> Value:
        """ln a;  ∂/∂a = 1/a."""
        a = self.data
        return _record(numerics.log(a), (self,), (numerics.div(1.0, a),), "log")

    def tanh(self) -> Value:
        """tanh a;  ∂/∂a = 1 - out²."""
        out = numerics.tanh(self.data)
        return _record(out, (self,), (1.0 - out * out,), "tanh")

    def sigmoid(self) -> Value:
        """σ(a) = 1/(1+e^-a);  ∂/∂a = out·(1 - out)."""
        out = numerics.sigmoid(self.data)
        return _record(out, (self,), (out * (1.0 - out),), "sigmoid")

    def relu(self) -> Value:
        """max(a, 0);  ∂/∂a = 1 if a > 0 else 0."""
        a = self.data
        return _record(numerics.relu(a), (self,), (1.0 if a > 0.0 else 0.0,), "relu")

    def softplus(self) -> Value:
        """ln(1 + e^a);  ∂/∂a = σ(a)."""
        a = self.data
        return _record(numerics.softplus(a), (self,), (numerics.sigmoid(a),), "softplus")

    # ---- compositions -------------------------------------------------------------------
    def __radd__(self, other: Operand) -> Value:
        return _lift(other, "+") + self

    def __rsub__(self, other: Operand) -> Value:
        return _lift(other, "-") - self

    def __rmul__(self, other: Operand) -> Value:
        return _lift(other, "*") * self

    def __rtruediv__(self, other: Operand) -> Value:
        return _lift(other, "/") / self

    def __rpow__(self, other: Operand) -> Value:
        return _lift(other, "**")._pow_value(self)

    def __pos__(self) -> Value:
        return self

    def sqrt(self) -> Value:
        """√a = a ** 0.5."""
        return self**0.5

    # ---- gradients ----------------------------------------------------------------------
    def backward(self, gradient: Number = 1.0) -> None:
        """Add ∂self/∂node · gradient to ``.grad`` of every node this value depends on.

        Walks the graph once in reverse topological order, iteratively (a chain of millions of
        ops is fine). Reused nodes get the sum over every path. Existing ``.grad`` values are
        kept and added to: call ``zero_grad()`` first for fresh gradients.
        """
        seed = _check_number(gradient, "backward gradient")
        collecting = gc.isenabled()  # gc_paused(), inlined: this runs once per training step
        gc.disable()  # backward makes no cycles; the collector would only rescan the graph
        try:
            order = topological_order(self)
            # A fresh graph (the usual case) needs no bookkeeping.
            accumulated = any(map(_get_grad, order))
            if accumulated:
                earlier = list(map(_get_grad, order))
                for node in order:
                    node.grad = 0.0
            self.grad = seed
            if _anomaly_mode:
                _propagate_checked(order)
            else:
                _propagate(order)
            if accumulated:
                for node, grad in zip(order, earlier):
                    node.grad += grad
        finally:
            if collecting:
                gc.enable()

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this value and every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


_get_grad = attrgetter("grad")


def _propagate(order: list[Value]) -> None:
    """The chain rule, output to inputs: parent.grad += ∂node/∂parent · node.grad."""
    for node in reversed(order):
        parents = node.parents
        if len(parents) == 2:  # most ops: the same loop, unrolled
            (a, b), (da, db) = parents, node.local_grads
            grad = node.grad
            a.grad += da * grad
            b.grad += db * grad
        elif parents:
            grad = node.grad
            for parent, local in zip(parents, node.local_grads):
                parent.grad += local * grad


def _propagate_checked(order: list[Value]) -> None:
    """``_propagate``, raising AnomalyError at the first op whose backward makes a nan or inf."""
    for node in reversed(order):
        grad = node.grad
        for i, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            contribution = local * grad
            if math.isfinite(grad) and not math.isfinite(contribution):
                raise AnomalyError(
                    f"backward of {_describe(node)} gave {contribution!r} for operand {i} "
                    f"(local derivative {local!r} × upstream gradient {grad!r})"
                )
            parent.grad += contribution


# ---- the same local derivatives as Values, for higher-order gradients ----------------------
# Each rule mirrors the float rule stored by the op above; it gets the node (``out``) and its
# parents as Values and returns ∂out/∂parent_i, so a gradient built from them is differentiable.


def _symbolic_pow_value(out: Value, a: Value, b: Value) -> tuple[Operand, ...]:
    d_db: Operand = 0.0 if a.data == 0.0 and b.data >= 0.0 else out * a.log()
    return (b * a ** (b - 1.0), d_db)


SYMBOLIC_DERIVATIVES: dict[str, Callable[..., tuple[Operand, ...]]] = {
    "+": lambda out, *xs: _ones(len(xs)),
    "-": lambda out, a, b: _ONE_MINUS_ONE,
    "*": lambda out, a, b: (b, a),
    "/": lambda out, a, b: (1.0 / b, -out / b),
    "neg": lambda out, a: _MINUS_ONE,
    "**": _symbolic_pow_value,
    "exp": lambda out, a: (out,),
    "log": lambda out, a: (1.0 / a,),
    "tanh": lambda out, a: (1.0 - out * out,),
    "sigmoid": lambda out, a: (out * (1.0 - out),),
    "relu": lambda out, a: (1.0 if a.data > 0.0 else 0.0,),
    "softplus": lambda out, a: (a.sigmoid(),),
}


def local_derivatives(node: Value) -> tuple[Operand, ...]:
    """∂node/∂parent_i as Values (or constants), for building a differentiable backward pass."""
    if node.op.startswith("**") and node.op != "**":  # a ** k, k a constant
        (a,) = node.parents
        k = float(node.op[2:])
        if k == 0.0:  # a ** 0 = 1 is flat, even at a = 0 where k·a^(k-1) would be 0·inf
            return (0.0,)
        if k == 1.0:  # the constant 1, not 1·a**0 (whose own derivative 0·a^-1 is nan at a = 0)
            return (1.0,)
        return (k * a ** (k - 1.0),)
    return SYMBOLIC_DERIVATIVES[node.op](node, *node.parents)


def _pow_op(k: float) -> str:
    """The op name of ``a ** k``: "**2", "**0.5" — k written so that float() gives it back."""
    return f"**{int(k)}" if k.is_integer() and abs(k) < 1e15 else f"**{k!r}"


_POW_OPS = {k: _pow_op(k) for k in (2.0, 3.0, 0.5, -1.0, -2.0, 1.0)}


def _lift(other: object, op: str) -> Value:
    """Wrap a plain number as a constant leaf; anything else is a TypeError naming its type."""
    if isinstance(other, Value):
        return other
    if type(other) is float or (isinstance(other, Real) and not isinstance(other, bool)):
        # a constant leaf
        return _record_graph(_check_number(other, op), _NO_PARENTS, _NO_GRADS, "")
    raise TypeError(
        f"unsupported operand type for {op} with a Value: {type(other).__name__} ({other!r})"
    )


def vsum(values: Iterable[Operand]) -> Value:
    """One n-ary sum node: v₀ + v₁ + … (added left to right);  ∂/∂each = 1.

    Raises:
        ValueError: ``values`` is empty.
    """
    parents = tuple(v if type(v) is Value else _lift(v, "+") for v in values)
    if not parents:
        raise ValueError("vsum needs at least one value")
    total = parents[0].data
    for v in parents[1:]:
        total += v.data
    return _record(total, parents, _ones(len(parents)), "+")


def dot(weights: Sequence[Value], inputs: Sequence[Value], bias: Value | None = None) -> Value:
    """Σᵢ wᵢ·xᵢ (+ b): one "*" node per pair feeding one n-ary "+" node.

    Exactly the graph (and the floats) of ``vsum([w * x for w, x in zip(weights, inputs)] + [b])``,
    built in one loop because a neuron's weighted sum is the hottest path of a network.

    Raises:
        ShapeError: ``weights`` and ``inputs`` differ in length, or both are empty.
    """
    if len(weights) != len(inputs) or not weights:
        raise ShapeError(
            f"dot: expected as many inputs as weights (at least one), got {len(weights)} weights and {len(inputs)} inputs"
        )
    record = _record
    xs = [x if type(x) is Value else _lift(x, "*") for x in inputs]
    terms = [record(w.data * x.data, (w, x), (x.data, w.data), "*") for w, x in zip(weights, xs)]
    if bias is not None:
        terms.append(bias)
    total = terms[0].data
    for term in terms[1:]:
        total += term.data
    return record(total, tuple(terms), _ones(len(terms)), "+")


_ONES_CACHE: dict[int, tuple[float, ...]] = {}


def _ones(n: int) -> tuple[float, ...]:
    ones = _ONES_CACHE.get(n)
    if ones is None:
        ones = _ONES_CACHE[n] = (1.0,) * n
    return ones


# ---- recording: one function makes every node; the modes swap it -----------------------
_new_value = object.__new__


def _record_graph(
    data: float, parents: tuple[Value, ...], local_grads: tuple[float, ...], op: str
) -> Value:
    """Make a node that remembers its operands and local derivatives (the normal mode)."""
    out: Value = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.parents = parents
    out.local_grads = local_grads
    out.op = op
    out.label = ""
    return out


def _record_no_grad(
    data: float, parents: tuple[Value, ...], local_grads: tuple[float, ...], op: str
) -> Value:
    """Make a result that remembers nothing: a new leaf (inside ``no_grad()``)."""
    return _record_graph(data, _NO_PARENTS, _NO_GRADS, "")


def _record_checked(
    data: float, parents: tuple[Value, ...], local_grads: tuple[float, ...], op: str
) -> Value:
    """``_record_graph``, raising AnomalyError when finite operands give a nan or inf."""
    if not math.isfinite(data) and all(math.isfinite(p.data) for p in parents):
        operands = ", ".join(repr(p.data) for p in parents)
        raise AnomalyError(f"forward of {op!r} gave {data!r} from operands ({operands})")
    record = _record_no_grad if not _grad_enabled else _record_graph
    return record(data, parents, local_grads, op)


def _describe(node: Value) -> str:
    label = f" (label {node.label!r})" if node.label else ""
    operands = ", ".join(repr(p.data) for p in node.parents)
    return f"{node.op!r}{label} with operands ({operands})"


_grad_enabled = True
_anomaly_mode = False
_record: Callable[[float, tuple[Value, ...], tuple[float, ...], str], Value] = _record_graph


def _select_recorder() -> None:
    global _record
    if _anomaly_mode:
        _record = _record_checked
    elif _grad_enabled:
        _record = _record_graph
    else:
        _record = _record_no_grad


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block (restored on exit).

    Safe for microgradnet graphs: they contain no reference cycles, so reference counting frees
    each one the moment it is dropped. Worth it around a training step: while a graph is being
    built the collector otherwise rescans every live node again and again (a third or more of a
    step on a 40,000-node graph). Cycles your own code makes inside the block are collected
    later, once the collector runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``."""
    return _grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block, ops record no graph: results are plain leaves (for updates, evaluation)."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    _select_recorder()
    try:
        yield
    finally:
        _grad_enabled = previous
        _select_recorder()


@contextmanager
def detect_anomaly(enabled: bool = True) -> Iterator[None]:
    """Inside this block, the first op to turn finite numbers into nan/inf raises AnomalyError.

    Checked in the forward pass (as each op runs) and in ``backward()`` (as each local gradient
    is applied). Slower; meant for hunting a nan, not for training.
    """
    global _anomaly_mode
    previous = _anomaly_mode
    _anomaly_mode = enabled
    _select_recorder()
    try:
        yield
    finally:
        _anomaly_mode = previous
        _select_recorder()

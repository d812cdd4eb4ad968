"""The scalar autograd engine: ``Value``, the one table of primitive ops (``OPS``), ``backward``.

Every primitive op is one row of ``OPS``: its name, its arity, its result and its local
derivatives on floats (written once, as code templates), and the same derivatives as Values for
higher-order gradients. The ``Value`` methods are generated from the rows, the compiler
(``microgradnet.codegen``) writes its straight-line code from the same templates, and the property
tests iterate over the table, so a new op is one new row. The table is the cheat sheet.

A node stores its operands (``parents``, in operand order, so ``a * a`` has two) and the local
derivatives of the result with respect to each (``local_grads``) — no closures, so no reference
cycles, and a graph is freed by reference counting the moment it is no longer used. The constant
exponent of ``a ** k`` is kept on the node as ``const`` (None for every other op).

Gradient accumulation rule: ``backward()`` *adds* this call's gradients to ``.grad`` of every node
it reaches — parameters, inputs, intermediates and the output itself alike. Calling it twice on
the same graph therefore doubles every ``.grad``; gradients of several losses that share
parameters add up. Zero them with ``optimizer.zero_grad()`` / ``mlp.zero_grad()`` (parameters) or
``value.zero_grad()`` (every node of that value's graph).

Numerics: IEEE-754 results (inf, nan), never a Python exception; see ``microgradnet.numerics``.
``detect_anomaly()`` names the first op that produced a nan or inf, forward or backward.
``no_grad()`` and ``detect_anomaly()`` hold per thread and per asyncio task (``contextvars``).

Nothing here imports from the rest of the package except the float functions, the errors and the
graph walk; notebook display is a hook (``set_display_hook``) that a higher layer fills.
"""

from __future__ import annotations

import contextvars
import gc
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from numbers import Real
from operator import attrgetter
from typing import TYPE_CHECKING, Union

from microgradnet.checks import expect_sequence, shown
from microgradnet.errors import AnomalyError, ShapeError
from microgradnet.graph import topological_order
from microgradnet.numerics import (
    bce_rest,
    bce_slope,
    div,
    exp,
    log,
    pow_grad_base,
    pow_grad_exponent,
    power,
    sigmoid,
    softplus,
    tanh,
)

__all__ = [
    "OPS",
    "Op",
    "Value",
    "vsum",
    "dot",
    "no_grad",
    "detect_anomaly",
    "is_grad_enabled",
    "gc_paused",
    "local_derivatives",
    "op_of",
    "apply",
    "set_display_hook",
]

Number = Union[int, float]
Operand = Union["Value", int, float]
#: ∂out/∂operand_i as Values (or constants), given the node and its operands as Values.
Symbolic = Callable[..., tuple[Operand, ...]]

_NO_PARENTS: tuple[Value, ...] = ()
_NO_GRADS: tuple[float, ...] = ()
#: The names generated code may call: the IEEE float functions of ``numerics``.
RUNTIME: dict[str, object] = {
    f.__name__: f
    for f in (  # (math.tanh's __name__ is "tanh" too)
        div, exp, log, power, pow_grad_base, pow_grad_exponent, sigmoid, softplus, tanh,
        bce_slope, bce_rest,
    )
}  # fmt: skip


# ---- the op table ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Op:
    """One primitive op, everything about it in one place.

    ``forward`` and ``local`` are Python expressions over the operands ``{0}``, ``{1}``, the result
    ``{out}`` and the constant ``{k}``; they are the float rule (``evaluate``/``derivatives`` are
    compiled from them), the body of the ``Value`` method and the compiler's output. Each local
    derivative is one factor: the chain rule multiplies it by the upstream gradient.
    ``symbolic(node, *operands)`` gives the same derivatives as Values, so they can be
    differentiated again. ``arity`` 0 means any number of operands (the sum).
    """

    name: str
    arity: int
    forward: str
    local: tuple[str, ...]
    symbolic: Symbolic
    has_const: bool = field(init=False)
    evaluate: Callable[..., float] = field(init=False, repr=False, compare=False)
    derivatives: Callable[..., tuple[float, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "has_const", "{k}" in self.forward)
        args = ", ".join(_OPERANDS[: self.arity or 2]) + (", k" if self.has_const else "")
        out = self.forward_code(_OPERANDS[: self.arity or 2], "k")
        n = len(self.local) if self.arity else 2
        locals_ = ", ".join(self.local_code(i, _OPERANDS, "out", "k") for i in range(n))
        evaluate = _function(f"lambda {args}: {out}")
        derivatives = _function(f"lambda out, {args}: ({locals_},)")
        object.__setattr__(self, "evaluate", evaluate)
        object.__setattr__(self, "derivatives", derivatives)

    def forward_code(self, operands: Sequence[str], k: str = "k") -> str:
        """The result as code, for these operand expressions (the n-ary sum joins them all)."""
        if self.arity == 0:
            return " + ".join(operands)
        return self.forward.format(*operands, k=k)

    def local_code(self, position: int, operands: Sequence[str], out: str, k: str = "k") -> str:
        """∂out/∂operand[position] as code (the sum's is 1.0 for every operand)."""
        template = self.local[0] if self.arity == 0 else self.local[position]
        return template.format(*operands, out=out, k=k)


_OPERANDS = ("a", "b", "c")


def _function(source: str) -> Callable[..., object]:
    namespace = dict(RUNTIME)
    return eval(source, namespace)  # type: ignore[no-any-return]  # the table's own templates


def _pow_value_rule(out: Value, a: Value, b: Value) -> tuple[Operand, ...]:
    d_db: Operand = 0.0 if a.data == 0.0 and b.data >= 0.0 else out * a.log()
    return (b * a ** (b - 1.0), d_db)


def _pow_k_rule(out: Value, a: Value) -> tuple[Operand, ...]:
    k = out.const
    assert k is not None  # an internal invariant: every "**k" node carries its exponent
    if k == 0.0:  # a ** 0 = 1 is flat, even at a = 0 where k·a^(k-1) would be 0·inf
        return (0.0,)
    if k == 1.0:  # the constant 1, not 1·a**0 (whose own derivative 0·a^-1 is nan at a = 0)
        return (1.0,)
    return (k * a ** (k - 1.0),)


def _bce_rule(out: Value, a: Value, b: Value, c: Value) -> tuple[Operand, ...]:
    slope = (a - c) / (a * (1.0 - a))  # ∂L/∂a
    return (slope, (a - c) - slope * (a * (1.0 - a)), -b)  # the middle one is 0 as a function of b


# fmt: off
#: Every primitive: name, arity, result, ∂result/∂operand_i (floats, as code), the same as Values.
OPS: dict[str, Op] = {op.name: op for op in [
    #  name        arity  result               ∂/∂a, ∂/∂b  (floats)                      as Values (higher order)
    Op("+",          0,   "{0} + {1}",         ("1.0",),                                  lambda out, *xs: (1.0,) * len(xs)),
    Op("-",          2,   "{0} - {1}",         ("1.0", "-1.0"),                           lambda out, a, b: (1.0, -1.0)),
    Op("*",          2,   "{0} * {1}",         ("{1}", "{0}"),                            lambda out, a, b: (b, a)),
    Op("/",          2,   "div({0}, {1})",     ("div(1.0, {1})", "div(-{out}, {1})"),     lambda out, a, b: (1.0 / b, -out / b)),
    Op("**",         2,   "power({0}, {1})",   ("pow_grad_base({0}, {1})", "pow_grad_exponent({0}, {1}, {out})"), _pow_value_rule),
    Op("**k",        1,   "power({0}, {k})",   ("pow_grad_base({0}, {k})",),              _pow_k_rule),
    Op("neg",        1,   "-{0}",              ("-1.0",),                                 lambda out, a: (-1.0,)),
    Op("exp",        1,   "exp({0})",          ("{out}",),                                lambda out, a: (out,)),
    Op("log",        1,   "log({0})",          ("div(1.0, {0})",),                        lambda out, a: (1.0 / a,)),
    Op("tanh",       1,   "tanh({0})",         ("1.0 - {out} * {out}",),                  lambda out, a: (1.0 - out * out,)),
    Op("sigmoid",    1,   "sigmoid({0})",      ("{out} * (1.0 - {out})",),                lambda out, a: (out * (1.0 - out),)),
    Op("relu",       1,   "0.0 if {0} <= 0.0 else {0}", ("1.0 if {0} > 0.0 else 0.0",),   lambda out, a: (1.0 if a.data > 0.0 else 0.0,)),
    Op("softplus",   1,   "softplus({0})",     ("sigmoid({0})",),                         lambda out, a: (a.sigmoid(),)),
    # binary cross-entropy of a = σ(b) against the target c, evaluated from the logit b (stable)
    Op("bce",        3,   "softplus({1}) - {2} * {1}", ("bce_slope({0}, {2})", "bce_rest({0}, {2})", "-{1}"), _bce_rule),
]}
# fmt: on
#: The Value method of each op (``a ** k`` and ``a ** b`` share ``__pow__``).
_METHODS = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "neg": "__neg__"}


def op_of(node: Value) -> Op:
    """The table row of the op that made ``node`` (KeyError for a leaf or an unknown op)."""
    op = node.op
    return OPS[op.row] if type(op) is OpName else OPS[op]


def local_derivatives(node: Value) -> tuple[Operand, ...]:
    """∂node/∂parent_i as Values (or constants), for building a differentiable backward pass."""
    return op_of(node).symbolic(node, *node.parents)


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
    the same order), ``op`` ("" for a leaf, "**2" for ``a ** 2``), ``const`` (the exponent k of
    ``a ** k``, else None) and ``label``. The ops themselves are the rows of ``OPS``.

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
        if _open_blocks and _MODE.get().anomaly and not math.isfinite(self.data):
            raise AnomalyError(f"leaf Value({self.data!r}) is not finite")

    @property
    def const(self) -> float | None:
        """The op's constant argument: k of ``a ** k`` (carried by its op name), else None."""
        op = self.op
        return op.const if type(op) is OpName else None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a Value as its computation graph (the text repr if it cannot be drawn)."""
        return _display_hook(self)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle a whole graph as one flat table, so a million-deep chain needs no recursion."""
        if not self.parents:
            return (_leaf, (self.data, self.grad, self.label))
        return (_rebuild, (_flatten(self),))

    if TYPE_CHECKING:  # generated from OPS below; declared here for type checkers

        def __add__(self, other: Operand) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __neg__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def softplus(self) -> Value: ...

    def __pow__(self, other: Operand) -> Value:
        """a ** k (k a number, op "**k"), or a ** b (b a Value, op "**"); see ``OPS``."""
        if isinstance(other, Value):
            return _APPLY["**"](self, other)
        return _APPLY["**k"](self, _check_number(other, "** exponent"))

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
        return _APPLY["**"](_lift(other, "**"), self)

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
            if _open_blocks and _MODE.get().anomaly:
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


# ---- the Value methods, generated from the table -----------------------------------------------
_SOURCE = '''
def {function}({params}):
    """{doc}"""
{prologue}    out = {forward}
    return _record(out, ({parents},), ({locals},), {name})
'''
_LIFT = """\
    if type({x}) is not Value:
        {x} = _lift({x}, "{name}")
"""


def _source(op: Op, function: str) -> str:
    """The function applying ``op``: its float rule and local derivatives are the table's code."""
    n = op.arity or 2
    xs = [f"x{i}" for i in range(n)]
    locals_ = ", ".join(op.local_code(i, _OPERANDS, "out") for i in range(n))
    doc = f"{op.forward_code(_OPERANDS[:n])};  " + ",  ".join(
        f"∂/∂{_OPERANDS[i]} = {op.local_code(i, _OPERANDS, 'out')}" for i in range(n)
    )
    prologue = "".join(_LIFT.format(x=x, name=op.name) for x in xs[1:])
    prologue += "".join(f"    {_OPERANDS[i]} = {x}.data\n" for i, x in enumerate(xs))
    return _SOURCE.format(
        function=function,
        params=", ".join(xs) + (", k" if op.has_const else ""),
        doc=doc,
        prologue=prologue,
        forward=op.forward_code(_OPERANDS[:n]),
        parents=", ".join(xs),
        locals=locals_,
        name=f'(_OP_NAMES["{op.name}"].get(k) or _op_name("{op.name}", k))'
        if op.has_const
        else f'"{op.name}"',
    )


#: Table op -> the generated function applying it (``apply`` and the Value methods call these).
_APPLY: dict[str, Callable[..., Value]] = {}


def _generate() -> None:
    for op in OPS.values():
        _OP_NAMES[op.name] = {}
        method = _METHODS.get(op.name, op.name)
        function = f"_apply_{method.strip('_').replace('**', 'pow')}"
        exec(_source(op, function), globals())  # noqa: S102 - our own templates
        _APPLY[op.name] = globals()[function]
        if op.name not in _NOT_METHODS:
            setattr(Value, method, _APPLY[op.name])


_NOT_METHODS = {"**", "**k", "bce"}  # reached through __pow__ and losses.binary_cross_entropy


def apply(op: str, *operands: Operand, const: float | None = None) -> Value:
    """Apply the table op named ``op`` to Values (``const``: its constant, e.g. k of "**k").

    ``apply("*", a, b)`` is ``a * b``; tests use it to run every row of ``OPS`` the same way.

    Raises:
        KeyError: no op of that name.  TypeError: wrong number of operands or a missing constant.
    """
    row = OPS[op]
    if len(operands) != (row.arity or 2) or (const is None) == row.has_const:
        raise TypeError(
            f"apply: {op!r} takes {row.arity or 2} operands"
            + (" and const=" if row.has_const else " and no const")
            + f", got {len(operands)} operands and const={const!r}"
        )
    first = _lift(operands[0], op)
    extra = () if const is None else (_check_number(const, f"{op} const"),)
    return _APPLY[op](first, *operands[1:], *extra)


class OpName(str):
    """An op name carrying the op's constant (``a ** 2``: text "**2", ``row`` "**k", ``const`` 2.0).

    Stored in the node's ``op`` and read as ``node.const``: nothing parses the text, and a node
    needs no extra slot. One object per (op, constant) in use, cached.
    """

    row: str
    const: float


def _op_name(row: str, k: float) -> OpName:
    """The cached name of ``row`` with constant ``k`` (0.0 and -0.0 share one: a ** ±0 = 1)."""
    names = _OP_NAMES.setdefault(row, {})
    name = names.get(k)
    if name is None:
        if row == "**k":
            text = f"**{int(k)}" if k.is_integer() and abs(k) < 1e15 else f"**{k!r}"
        else:
            text = row
        name = OpName(text)
        name.row, name.const = row, k
        if len(names) < 256:  # the usual constants; any other gets a fresh name
            names[k] = name
    return name


_OP_NAMES: dict[str, dict[float, OpName]] = {}


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
    """One n-ary sum node: v₀ + v₁ + … (added left to right);  ∂/∂each = 1 (``OPS["+"]``).

    Raises:
        ValueError: ``values`` is empty.
    """
    try:
        parents = tuple(v if type(v) is Value else _lift(v, "+") for v in values)
    except TypeError as error:
        if isinstance(values, Iterable):
            raise
        raise TypeError(
            f"vsum: expected an iterable of Values, got {type(values).__name__}"
        ) from error
    if not parents:
        raise ValueError("vsum needs at least one value")
    total = parents[0].data
    for v in parents[1:]:
        total += v.data
    return _record(total, parents, _ones(len(parents)), "+")


def dot(weights: Sequence[Value], inputs: Sequence[Operand], bias: Value | None = None) -> Value:
    """Σᵢ wᵢ·xᵢ (+ b): one "*" node per pair feeding one n-ary "+" node.

    Exactly the graph (and the floats) of ``vsum([w * x for w, x in zip(weights, inputs)] + [b])``
    (a test holds it to ``OPS["*"]``), built in one loop because a neuron's weighted sum is the
    hottest path of a network.

    Raises:
        TypeError: a weight or the bias is not a Value, or an input is not a Value or a number.
        ShapeError: ``weights`` and ``inputs`` differ in length, or both are empty.
    """
    try:
        mismatched = len(weights) != len(inputs) or not weights
    except TypeError:
        expect_sequence(weights, "dot: weights", "a list of Values")
        expect_sequence(inputs, "dot: inputs", "a list of Values or numbers")
        raise
    if mismatched:
        raise ShapeError(
            f"dot: expected as many inputs as weights (at least one), "
            f"got {len(weights)} weights and {len(inputs)} inputs"
        )
    record = _record
    xs = [x if type(x) is Value else _lift(x, "*") for x in inputs]
    try:
        terms = [
            record(w.data * x.data, (w, x), (x.data, w.data), "*") for w, x in zip(weights, xs)
        ]
    except AttributeError:
        raise _dot_type_error(weights, bias) from None
    if bias is not None:
        if not isinstance(bias, Value):
            raise _dot_type_error(weights, bias)
        terms.append(bias)
    total = terms[0].data
    for term in terms[1:]:
        total += term.data
    return record(total, tuple(terms), _ones(len(terms)), "+")


def _dot_type_error(weights: Sequence[object], bias: object) -> TypeError:
    for i, w in enumerate(weights):
        if not isinstance(w, Value):
            return TypeError(
                f"dot: weights[{i}] must be a Value (a parameter), got {type(w).__name__}: {shown(w)}"
            )
    return TypeError(f"dot: bias must be a Value or None, got {type(bias).__name__}: {shown(bias)}")


_ONES_CACHE: dict[int, tuple[float, ...]] = {}


def _ones(n: int) -> tuple[float, ...]:
    ones = _ONES_CACHE.get(n)
    if ones is None:
        ones = _ONES_CACHE[n] = (1.0,) * n
    return ones


# ---- pickling: a graph as a flat table (no recursion) ------------------------------------------
Record = tuple[float, float, tuple[int, ...], tuple[float, ...], str, str]


def _flatten(root: Value) -> list[Value | Record]:
    """Leaves as themselves (so they keep their identity), other nodes as records of indices."""
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    return [
        node
        if not node.parents
        else (
            node.data,
            node.grad,
            tuple(index[p] for p in node.parents),
            node.local_grads,
            node.op,
            node.label,
        )
        for node in order
    ]


def _leaf(data: float, grad: float, label: str) -> Value:
    leaf = Value(data, label)
    leaf.grad = grad
    return leaf


def _rebuild(table: list[Value | Record]) -> Value:
    nodes: list[Value] = []
    for entry in table:
        if isinstance(entry, Value):
            nodes.append(entry)
            continue
        data, grad, parents, local_grads, op, label = entry
        node = _record_graph(data, tuple(nodes[i] for i in parents), local_grads, op)
        node.grad, node.label = grad, label
        nodes.append(node)
    return nodes[-1]


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


def _record_by_mode(
    data: float, parents: tuple[Value, ...], local_grads: tuple[float, ...], op: str
) -> Value:
    """Make a node as this thread's / task's mode says: a graph node, a leaf, checked or not."""
    mode = _MODE.get()
    if mode.anomaly and not math.isfinite(data) and all(math.isfinite(p.data) for p in parents):
        operands = ", ".join(repr(p.data) for p in parents)
        raise AnomalyError(f"forward of {op!r} gave {data!r} from operands ({operands})")
    if mode.grad:
        return _record_graph(data, parents, local_grads, op)
    return _record_graph(data, _NO_PARENTS, _NO_GRADS, "")  # no_grad: a new leaf


def _describe(node: Value) -> str:
    label = f" (label {node.label!r})" if node.label else ""
    operands = ", ".join(repr(p.data) for p in node.parents)
    return f"{node.op!r}{label} with operands ({operands})"


# ---- modes: per thread and per asyncio task ------------------------------------------------
@dataclass(frozen=True)
class _Mode:
    grad: bool = True
    anomaly: bool = False


_RECORDING = _Mode()  # frozen: the default of every thread and task
_MODE: contextvars.ContextVar[_Mode] = contextvars.ContextVar(
    "microgradnet_mode", default=_RECORDING
)
#: How many no_grad / detect_anomaly blocks are open in any thread or task. While there are none
#: (training), every op records through ``_record_graph`` without consulting the context at all;
#: while there are some, ops ask ``_MODE`` (a context variable) what their own context wants.
_open_blocks = 0
_lock = threading.Lock()
_record: Callable[[float, tuple[Value, ...], tuple[float, ...], str], Value] = _record_graph


@contextmanager
def _mode(**changes: bool) -> Iterator[None]:
    global _open_blocks, _record
    token = _MODE.set(_Mode(**{**_MODE.get().__dict__, **changes}))
    with _lock:
        _open_blocks += 1
        _record = _record_by_mode
    try:
        yield
    finally:
        _MODE.reset(token)
        with _lock:
            _open_blocks -= 1
            if _open_blocks == 0:
                _record = _record_graph


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` (in this thread or task)."""
    return _MODE.get().grad


def no_grad() -> AbstractContextManager[None]:
    """Inside this block, ops record no graph: results are plain leaves (for updates, evaluation).

    The mode belongs to the thread or asyncio task that opened the block; others keep recording.
    """
    return _mode(grad=False)


def detect_anomaly(enabled: bool = True) -> AbstractContextManager[None]:
    """Inside this block, the first op to turn finite numbers into nan/inf raises AnomalyError.

    Checked in the forward pass (as each op runs) and in ``backward()`` (as each local gradient
    is applied). Slower; meant for hunting a nan, not for training. Per thread and task.
    """
    return _mode(anomaly=bool(enabled))


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


# ---- notebook display: filled by a higher layer ------------------------------------------------
def _no_picture(obj: object) -> str | None:
    return None


_display_hook: Callable[[object], str | None] = _no_picture


def set_display_hook(draw: Callable[[object], str | None]) -> None:
    """Set how Jupyter draws a Value or an MLP: ``draw(obj)`` returns SVG text, or None for text.

    ``microgradnet.display`` installs the pictures of ``microgradnet.render`` when the package is
    imported; the engine itself draws nothing and imports nothing above it.
    """
    global _display_hook
    _display_hook = draw


def display_svg(obj: object) -> str | None:
    """The picture of ``obj`` through the display hook (None: let Jupyter show the text repr)."""
    return _display_hook(obj)


_generate()

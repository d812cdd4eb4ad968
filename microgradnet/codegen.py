"""Turn a traced Value graph into straight-line Python source for its forward and backward pass.

Trace a fixed computation once (a network's loss on a batch, say), name which leaves are inputs
and which are parameters, and :func:`compile_graph` writes the hand-derived delta code for it:
one assignment per op in the forward pass, then one chain-rule line per operand in the backward
pass, local derivative first and upstream gradient last::

    z1_0 = v0 + v1 + b1_0
    a1_0 = sigmoid(z1_0)                 # ∂/∂z1_0 = a1_0 * (1.0 - a1_0)
    ...
    dL_dz1_0 = a1_0 * (1.0 - a1_0) * dL_da1_0
    dL_db1_0 = dL_dz1_0

The source is executed once into a function of new inputs and parameters that returns the
output value and the gradient of every parameter. It runs on plain floats, so it is several
times faster than building a graph. Branches (relu) are re-evaluated on every call.

Exactness: every op is evaluated with the same expression as the engine — both come from the
code templates of the engine's op table ``OPS`` — and gradients are accumulated in the engine's order (reverse
topological order, operands in order), so results are bit-for-bit those of ``backward()``.
The one difference: a gradient the engine computes as ``0.0 + (-0.0)`` is written here as
``-0.0`` (the first contribution is assigned, not added to zero); the two compare equal.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from microgradnet.engine import RUNTIME, Value, op_of
from microgradnet.graph import topological_order

__all__ = ["CompiledGraph", "compile_graph"]

CompiledFunction = Callable[[Sequence[float], Sequence[float]], tuple[float, list[float]]]

#: Names the generated code calls (the engine's float functions); labels never shadow them.
_RUNTIME: dict[str, object] = {**RUNTIME, "inf": math.inf, "nan": math.nan}
_LABEL_SHAPE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+(,\s*[0-9]+)*\])?")


@dataclass(frozen=True)
class CompiledGraph:
    """Straight-line forward/backward code for one traced graph, and the function made from it.

    ``compiled(inputs, params)`` returns ``(output value, [∂output/∂param for each param])``.
    ``source`` is the Python code, ready to print; ``function`` is the same without the length
    checks (for tight loops).
    """

    source: str
    input_names: tuple[str, ...]
    param_names: tuple[str, ...]
    function: CompiledFunction

    def __call__(
        self, inputs: Sequence[float], params: Sequence[float]
    ) -> tuple[float, list[float]]:
        """Run the compiled pass on new values (one per input leaf, one per parameter leaf).

        Raises:
            ValueError: ``inputs`` or ``params`` has the wrong length.
        """
        for what, given, names in (
            ("inputs", inputs, self.input_names),
            ("params", params, self.param_names),
        ):
            if len(given) != len(names):
                raise ValueError(
                    f"compiled graph: expected {len(names)} {what} ({', '.join(names)}), got {len(given)}"
                )
        return self.function(inputs, params)


def compile_graph(
    output: Value,
    inputs: Sequence[Value] = (),
    params: Sequence[Value] = (),
    *,
    name: str = "forward_backward",
    comments: bool = True,
    watch: Sequence[Value] = (),
    inline: bool = False,
) -> CompiledGraph:
    """Trace ``output``'s graph into Python source and compile it (see the module docstring).

    ``inputs`` and ``params`` are leaves of the graph whose values the compiled function takes
    as arguments, in that order; gradients are returned for ``params`` (use ``params`` for any
    leaf whose gradient you want). Every other leaf is frozen as a constant. With ``watch``
    (nodes of the graph) the function returns a third item: their values, in that order.
    ``inline=True`` writes shorter code that runs faster and gives the same floats: a product
    used only by one sum is written inside the sum, and a gradient that equals another (a sum's
    operand used once) is not copied into a variable of its own.

    Raises:
        TypeError: ``output`` or a listed leaf is not a Value.
        ValueError: a listed leaf is not a leaf, is listed twice, or ``name`` is not an identifier;
            the graph has an op this compiler does not know.
    """
    order = _checked_order(output, inputs, params)
    if not name.isidentifier() or keyword.iskeyword(name) or name in _RUNTIME:
        raise ValueError(f"compile_graph: name {name!r} is not a usable Python identifier")
    in_graph = set(order)
    if any(node not in in_graph for node in watch):
        raise ValueError("compile_graph: every watched node must be part of the output's graph")
    writer = _Writer(order, list(inputs), list(params), comments, list(watch), inline)
    source = writer.source(name)
    namespace: dict[str, object] = dict(_RUNTIME)
    exec(compile(source, f"<compiled {name}>", "exec"), namespace)  # noqa: S102 - our own generated source
    function: CompiledFunction = namespace[name]  # type: ignore[assignment]  # defined by the source
    input_names = tuple(_display(v, i, "input") for i, v in enumerate(inputs))
    param_names = tuple(_display(v, i, "param") for i, v in enumerate(params))
    return CompiledGraph(source, input_names, param_names, function)


def _display(leaf: Value, index: int, kind: str) -> str:
    return leaf.label or f"{kind} {index}"


def _checked_order(output: Value, inputs: Sequence[Value], params: Sequence[Value]) -> list[Value]:
    """The graph in topological order, after checking what the caller listed."""
    if not isinstance(output, Value):
        raise TypeError(f"compile_graph: output must be a Value, got {type(output).__name__}")
    seen: dict[Value, str] = {}
    for kind, leaves in (("inputs", inputs), ("params", params)):
        for i, leaf in enumerate(leaves):
            where = f"{kind}[{i}]" + (
                f" ({leaf.label!r})" if isinstance(leaf, Value) and leaf.label else ""
            )
            if not isinstance(leaf, Value):
                raise TypeError(
                    f"compile_graph: {where} must be a Value, got {type(leaf).__name__}"
                )
            if leaf.parents:
                raise ValueError(f"compile_graph: {where} is the result of {leaf.op!r}, not a leaf")
            if leaf in seen:
                raise ValueError(f"compile_graph: {where} is the same leaf as {seen[leaf]}")
            seen[leaf] = where
    order = topological_order(output)
    for node in order:
        if node.parents and not _known(node):
            raise ValueError(
                f"compile_graph: op {node.op!r} (label {node.label!r}) is not supported"
            )
    return order


def _known(node: Value) -> bool:
    """An op of the engine's table (every op but a hand-made one such as a test's "cube")."""
    try:
        op_of(node)
    except KeyError:
        return False
    return True


def _constant(node: Value) -> str:
    """The op's constant (k of a ** k) as source text; "" for ops without one."""
    return "" if node.const is None else _literal(node.const)


def _factor(expression: str) -> str:
    """``expression`` as the left factor of a product: parenthesised unless it binds tighter."""
    depth, loose = 0, False
    for i, char in enumerate(expression):
        depth += (char == "(") - (char == ")")
        if depth == 0 and (expression.startswith((" + ", " - ", " if "), i)):
            loose = True
    return f"({expression})" if loose else expression


def _literal(x: float) -> str:
    """Source text for a float that reads back as exactly the same float."""
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


class _Namer:
    """Unique identifiers: from labels where they look like names (``W1[0,1]`` → ``W1_0_1``)."""

    def __init__(self, reserved: Sequence[str]) -> None:
        self.taken = set(reserved)

    def claim(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.taken or keyword.iskeyword(name):
            n += 1
            name = f"{wanted}__{n}"
        self.taken.add(name)
        return name

    def for_node(self, node: Value, fallback: str) -> str:
        wanted = _identifier(node.label)
        return self.claim(wanted if wanted else fallback)


class _Writer:
    """Writes the source of one compiled graph (forward lines, backward lines, return)."""

    def __init__(
        self,
        order: list[Value],
        inputs: list[Value],
        params: list[Value],
        comments: bool,
        watch: list[Value],
        inline: bool,
    ) -> None:
        self.order, self.inputs, self.params, self.comments = order, inputs, params, comments
        self.watch, self.inline = watch, inline
        self.uses = _uses(order)
        namer = _Namer([*_RUNTIME, "inputs", "params"])
        designated = set(inputs) | set(params)
        self.ref: dict[Value, str] = {}
        for kind, leaves in (("input", inputs), ("param", params)):
            for i, leaf in enumerate(leaves):
                self.ref[leaf] = namer.for_node(leaf, f"{kind}_{i}")
        self.constants: list[tuple[str, float]] = []
        for i, node in enumerate(order):
            if node in designated:
                continue
            if node.parents or node.label:
                self.ref[node] = namer.for_node(node, f"v{i}")
                if not node.parents:
                    self.constants.append((self.ref[node], node.data))
            else:
                self.ref[node] = _literal(node.data)
        self.carrying = _carrying(order, set(params))
        out = _identifier(order[-1].label) or "out"
        self.grad = {
            node: namer.claim(f"d{out}_d{self.ref[node]}")
            for node in order
            if node in self.carrying
        }

    def source(self, name: str) -> str:
        lines = [f"def {name}(inputs, params):", f'    """{self._summary()}"""']
        lines += _unpack([self.ref[v] for v in self.inputs], "inputs")
        lines += _unpack([self.ref[v] for v in self.params], "params")
        lines += [
            f"    {ref} = {_literal(data)}  # a constant leaf" for ref, data in self.constants
        ]
        lines.append("    # forward: each op, with its local derivatives")
        lines += [self._forward_line(node) for node in self.order if node.parents]
        lines = [line for line in lines if line]
        lines.append(
            "    # backward: ∂out/∂parent = local derivative · ∂out/∂node, output to inputs"
        )
        lines += self._backward_lines()
        grads = [self.grad.get(p, "0.0") for p in self.params]
        tail = "]"
        if self.watch:
            lines += _wrapped("    watched = [", [self.ref[v] for v in self.watch], "]")
            tail = "], watched"
        lines += _wrapped(f"    return {self.ref[self.order[-1]]}, [", grads, tail)
        return "\n".join(lines) + "\n"

    def _summary(self) -> str:
        ops = sum(1 for node in self.order if node.parents)
        return (
            f"{ops} ops; takes {len(self.inputs)} inputs and {len(self.params)} params, "
            f"returns (output, gradients of the params)."
        )

    def _forward_line(self, node: Value) -> str:
        """``name = expression`` for one op ("" for a product written inside its one sum)."""
        operands = [self.ref[p] for p in node.parents]
        expression = op_of(node).forward_code(operands, _constant(node))
        if self._inlined(node):
            self.ref[node] = expression  # a product: binds tighter than the sum it goes into
            return ""
        line = f"    {self.ref[node]} = {expression}"
        if self.comments and node.op not in ("+", "-", "*", "neg"):
            locals_ = ", ".join(
                f"∂/∂{operands[i]} = {self._local(node, i)}" for i in range(len(operands))
            )
            line += f"  # {locals_}"
        return line

    def _inlined(self, node: Value) -> bool:
        """A product whose only use is as an operand of one sum (and nothing else reads it)."""
        if not self.inline or node.op != "*" or node in self.watch or node is self.order[-1]:
            return False
        consumers = self.uses.get(node, [])
        return len(consumers) == 1 and consumers[0].op == "+"

    def _local(self, node: Value, position: int) -> str:
        operands = [self.ref[p] for p in node.parents]
        return op_of(node).local_code(position, operands, self.ref[node], _constant(node))

    def _alias(self, node: Value, position: int, parent: Value) -> bool:
        """In inline mode: ``parent``'s whole gradient is ``node``'s, times exactly 1."""
        return (
            self.inline
            and len(self.uses.get(parent, [])) == 1
            and self._local(node, position) == "1.0"
        )

    def _contribution(self, node: Value, position: int) -> str:
        """local derivative · upstream gradient, as the engine multiplies them."""
        upstream = self.grad[node]
        local = self._local(node, position)
        if local == "1.0":
            return upstream  # 1.0 · g is exactly g
        if local == "-1.0":
            return f"-{upstream}"  # -1.0 · g is exactly -g
        return f"{_factor(local)} * {upstream}"

    def _backward_lines(self) -> list[str]:
        root = self.order[-1]
        if root not in self.carrying:
            return ["    pass  # no parameter reaches the output"]
        lines = [f"    {self.grad[root]} = 1.0"]
        assigned = {root}
        for node in reversed(self.order):
            if node not in self.carrying:
                continue
            for position, parent in enumerate(node.parents):
                if parent in self.carrying:
                    if self._alias(node, position, parent):
                        self.grad[parent] = self.grad[node]  # the same number: no copy
                        assigned.add(parent)
                        continue
                    sign = "+=" if parent in assigned else "="
                    assigned.add(parent)
                    lines.append(
                        f"    {self.grad[parent]} {sign} {self._contribution(node, position)}"
                    )
        return lines


def _uses(order: list[Value]) -> dict[Value, list[Value]]:
    """The consumers of each node, one entry per operand occurrence."""
    uses: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            uses.setdefault(parent, []).append(node)
    return uses


def _carrying(order: list[Value], params: set[Value]) -> set[Value]:
    """Nodes that depend on a parameter: the only ones whose gradient the backward pass needs."""
    carrying: set[Value] = set()
    for node in order:
        if node in params or any(p in carrying for p in node.parents):
            carrying.add(node)
    return carrying


def _identifier(label: str) -> str:
    """``W1[0,1]`` → ``W1_0_1``; "" for a label that does not look like a name."""
    label = label.strip()
    if not _LABEL_SHAPE.fullmatch(label):
        return ""
    return re.sub(r"[\[\],\s]+", "_", label).rstrip("_")


def _unpack(names: list[str], source: str) -> list[str]:
    if not names:
        return []
    if len(names) == 1:
        return [f"    {names[0]}, = {source}"]
    return _wrapped("    (", names, f") = {source}")


def _wrapped(head: str, items: list[str], tail: str, width: int = 100) -> list[str]:
    """``head item, item, … tail`` broken into lines of at most ``width`` characters."""
    lines, line = [], head
    for item in items:
        if len(line) + len(item) + 2 > width and line != head:
            lines.append(line.rstrip())
            line = "        "
        line += f"{item}, "
    lines.append(line.rstrip(", ") + tail)
    return lines

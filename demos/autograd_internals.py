"""Watch reverse-mode autodiff: the graph in topological order, then backward one step at a time.

    python demos/autograd_internals.py [--fast] [--out DIR]

The expression reuses nodes on purpose, because that is where gradients *accumulate*:

    u = x · w        v = u + x   (x used twice)        s = v · v   (v used twice)        L = tanh(s)

The demo prints every node in topological order with the local derivative it stores for each
operand, then replays backward by hand using only the public graph (``topological_order``,
``parents``, ``local_grads``): each line is one ``parent.grad += local · node.grad``. It checks the
result against ``L.backward()`` and writes the graph before and after backward
(``internals-before.svg``, ``internals-after.svg`` and ``internals-after.png``).
``--fast`` is accepted for uniformity; the demo is already instant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import _common

from microgradnet import Value, topological_order
from microgradnet.render import computation_graph

OUTPUTS = ("internals-before.svg", "internals-after.svg", "internals-after.png")


def build() -> tuple[Value, dict[str, Value]]:
    """L = tanh((x·w + x)²), with x and v each used twice; returns L and its nodes by label."""
    x = Value(0.8, "x")
    w = Value(-1.5, "w")
    u = x * w
    u.label = "u"
    v = u + x  # x's second use
    v.label = "v"
    s = v * v  # one node, two operand occurrences: two edges from v
    s.label = "s"
    L = s.tanh()
    L.label = "L"
    return L, {n.label: n for n in (x, w, u, v, s, L)}


def name(node: Value) -> str:
    return node.label or f"const {node.data:g}"


def describe_order(order: Sequence[Value]) -> str:
    """One row per node: position, label, op, operands, value and the stored local derivatives."""
    rows = [["#", "node", "op", "operands", "data", "local derivatives ∂node/∂operand"]]
    for i, node in enumerate(order):
        operands = ", ".join(name(p) for p in node.parents) or "(leaf)"
        locals_ = ", ".join(
            f"∂{name(node)}/∂{name(p)} = {g:.6g}" for p, g in zip(node.parents, node.local_grads)
        )
        rows.append(
            [str(i), name(node), node.op or "—", operands, f"{node.data:.6g}", locals_ or "—"]
        )
    return _common.columns(rows)


def backward_by_hand(root: Value) -> list[str]:
    """The chain rule, output to inputs, with one printed line per operand occurrence.

    Exactly what ``root.backward()`` does on a fresh graph: seed ∂root/∂root = 1, then for each
    node in reverse topological order, ``parent.grad += local · node.grad`` for every operand.
    """
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    lines = [f"seed: {name(root)}.grad = 1"]
    contributions = {node: 0 for node in order}
    for node in reversed(order):
        if not node.parents:
            continue
        lines.append(f"visit {name(node)} (op {node.op}, {name(node)}.grad = {node.grad:.6g}):")
        for parent, local in zip(node.parents, node.local_grads):
            before = parent.grad
            parent.grad += local * node.grad
            contributions[parent] += 1
            again = "   <- accumulates: used more than once" if contributions[parent] > 1 else ""
            lines.append(
                f"  {name(parent)}.grad += ∂{name(node)}/∂{name(parent)} · {name(node)}.grad"
                f" = {local:.6g} × {node.grad:.6g}: {before:.6g} → {parent.grad:.6g}{again}"
            )
    return lines


def check_against_backward(root: Value, nodes: dict[str, Value]) -> list[str]:
    """Rebuild the expression, call ``backward()``, compare every gradient with the hand replay."""
    by_hand = {label: node.grad for label, node in nodes.items()}
    fresh_root, fresh = build()
    fresh_root.backward()
    lines = []
    for label, node in fresh.items():
        agree = math.isclose(node.grad, by_hand[label], rel_tol=1e-12, abs_tol=1e-15)
        lines.append(
            f"  {label}: by hand {by_hand[label]:+.10f}   backward() {node.grad:+.10f}   "
            f"{'agree' if agree else 'DIFFER'}"
        )
        if not agree:
            raise SystemExit(f"error: the hand replay disagrees with backward() at {label}")
    return lines


def closed_form(nodes: dict[str, Value]) -> str:
    """∂L/∂x from calculus, to show the two paths through x adding up."""
    x, w = nodes["x"].data, nodes["w"].data
    v = x * w + x
    dL_ds = 1.0 - math.tanh(v * v) ** 2
    return (
        f"  calculus: ∂L/∂x = (1 − tanh²(s)) · 2v · (w + 1)"
        f" = {dL_ds:.6g} × {2 * v:.6g} × {w + 1:.6g} = {dL_ds * 2 * v * (w + 1):.10f}\n"
        f"  the (w + 1) is the two uses of x: 'w' through u = x·w, '1' straight into v = u + x"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _common.parser(__doc__.splitlines()[0] if __doc__ else "").parse_args(argv)
    out = _common.Outputs(args.out, OUTPUTS, overwrite=args.overwrite)

    L, nodes = build()
    print("L = tanh(s),  s = v·v,  v = u + x,  u = x·w,  with x = 0.8, w = −1.5")
    print(_common.heading("1. The graph in topological order (inputs first, L last)"))
    order = topological_order(L)
    print(describe_order(order))
    print(
        "\nNote v·v: one node with two operand occurrences, so two edges and two local derivatives."
    )
    out.write_graph("internals-before.svg", computation_graph(L, show_grad=False))

    print(_common.heading("2. Backward, one chain-rule step at a time"))
    print("\n".join(backward_by_hand(L)))

    print(_common.heading("3. The same gradients from L.backward()"))
    print("\n".join(check_against_backward(L, nodes)))
    print(closed_form(nodes))

    graph = computation_graph(L)
    out.write_graph("internals-after.svg", graph)
    out.write_graph("internals-after.png", graph)
    print()
    print(out.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(_common.run(main))

"""Plant a wrong derivative in a custom op and watch ``gradcheck`` catch it.

    python demos/gradcheck_demo.py [--fast] [--out DIR]

``cube(x) = x³`` is added as a new primitive the way any op is: a ``Value`` made with the public
constructor, given its operand (``parents``), the local derivative (``local_grads``) and a name
(``op``). The buggy version stores 3x instead of 3x². Autograd trusts whatever local derivative a
node stores, so the gradient is silently wrong — until ``gradcheck`` compares it with central
differences, (f(x + ε) − f(x − ε)) / 2ε, which never look at ``local_grads``.

Two lessons on the way: check at an ordinary point (at x = 1 and x = 0 the bug is invisible,
because 3x = 3x² there), and a check of a bigger function names the input whose gradient is wrong.
Writes ``gradcheck-graph.svg``: the buggy gradient in the computation graph. Exit status 1 if
gradcheck fails to catch the bug (it never should). ``--fast`` is accepted for uniformity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import _common

from microgradnet import GradcheckError, Value, gradcheck, gradients, numerical_gradient
from microgradnet.render import computation_graph

OUTPUTS = ("gradcheck-graph.svg",)


def cube(x: Value) -> Value:
    """x³;  ∂/∂x = 3x²  (the correct op)."""
    out = Value(x.data**3)
    out.parents = (x,)
    out.local_grads = (3.0 * x.data**2,)
    out.op = "cube"
    return out


def buggy_cube(x: Value) -> Value:
    """x³ with a planted bug: the stored local derivative is 3x, not 3x²."""
    out = Value(x.data**3)
    out.parents = (x,)
    out.local_grads = (3.0 * x.data,)  # BUG: should be 3.0 * x.data**2
    out.op = "cube"
    return out


def f(x: Value, y: Value) -> Value:
    """f(x, y) = cube(x) · σ(y): x goes through the buggy op, y does not."""
    return buggy_cube(x) * y.sigmoid()


def check(title: str, function: Callable[..., Value], inputs: list[float]) -> GradcheckError | None:
    """Run gradcheck and print its verdict; return the error it raised, if any."""
    try:
        gradcheck(function, inputs)
    except GradcheckError as error:
        print(f"{title:<42} FAILS: {error}")
        return error
    print(f"{title:<42} passes")
    return None


def side_by_side(function: Callable[..., Value], names: list[str], point: list[float]) -> str:
    """Each input's gradient from autograd and from central differences, with their ratio."""
    xs = [Value(v, n) for v, n in zip(point, names)]
    analytical = gradients(function(*xs), xs)
    numerical = numerical_gradient(function, point)
    rows = [["input", "autograd", "central difference", "autograd / numerical"]]
    for n, a, d in zip(names, analytical, numerical):
        rows.append([n, f"{a:.8f}", f"{d:.8f}", f"{a / d:.6f}"])
    return _common.columns(rows)


def main(argv: Sequence[str] | None = None) -> int:
    args = _common.parser(__doc__.splitlines()[0] if __doc__ else "").parse_args(argv)
    out = _common.Outputs(args.out, OUTPUTS, overwrite=args.overwrite)

    x = Value(1.7, "x")
    y = buggy_cube(x)
    y.backward()
    print(
        f"buggy cube at x = 1.7: autograd says dy/dx = {x.grad:.6f}, "
        f"the truth is 3x² = {3 * 1.7**2:.6f} — and nothing complains."
    )

    print(_common.heading("gradcheck: autograd against central differences"))
    check("correct cube at x = 1.7", cube, [1.7])
    caught = check("buggy cube at x = 1.7", buggy_cube, [1.7])
    check("buggy cube at x = 1 (3x = 3x² there)", buggy_cube, [1.0])
    check("buggy cube at x = 0 (3x = 3x² there)", buggy_cube, [0.0])
    named = check("f(x, y) = cube(x)·σ(y) at (1.7, -0.4)", f, [1.7, -0.4])
    print()
    print(side_by_side(f, ["x", "y"], [1.7, -0.4]))
    print(
        f"x's ratio is 3x / 3x² = 1/x = {1 / 1.7:.6f}: the bug's signature. y's gradient is right."
    )
    print("\nThe message names the input (input 0, x), both gradients and the tolerance broken.")
    print("Checking at x = 0 or 1 would have passed the bug: pick ordinary, non-integer points.")

    xv, yv = Value(1.7, "x"), Value(-0.4, "y")
    fv = f(xv, yv)
    fv.label = "f"
    fv.backward()
    out.write_graph("gradcheck-graph.svg", computation_graph(fv))
    print()
    print(out.summary())
    if caught is None or named is None or "input 0" not in str(named):
        print("FAILED: gradcheck did not catch the planted bug", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(_common.run(main))

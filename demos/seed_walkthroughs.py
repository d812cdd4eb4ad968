"""Replay both seed documents from Python: every step, hand deltas beside autograd, pictures.

    python demos/seed_walkthroughs.py [--fast] [--out DIR] [--example NAME] [--places N]

For each worked example shipped with microgradnet (the two hand-worked backprop tutorials of
``shared/seeds``) the demo uses the library's Python API the way a script of your own would:

1. ``example.load(name)`` reads the example (network, weights, input, target, loss, η, the
   document's notation and the numbers it printed);
2. ``walkthrough.run(ex)`` computes every step twice — by the hand-derived equations
   (``microgradnet.deltas``) and by autograd — and ``report.walkthrough(w)`` prints it in the
   document's own notation, each number marked against what the document printed;
3. ``checker.check(ex)`` names the root cause of every number the document got wrong;
4. ``render`` draws the autograd computation graph and the network diagram (weights on the edges,
   values and deltas in the neurons) as ``seed-NAME-graph.svg/.png`` and
   ``seed-NAME-network.svg/.png``.

``--fast`` is accepted for uniformity (the demo takes about a second either way).
"""

from __future__ import annotations

from collections.abc import Sequence

import _common

from microgradnet.render import computation_graph, network_diagram
from microgradnet.tutorial import checker, walkthrough
from microgradnet.tutorial import format as example
from microgradnet.tutorial import write_check as check_report
from microgradnet.tutorial import write_walkthrough as report
from microgradnet.tutorial.format import Example

#: The two seed documents this demo replays by default (the other shipped examples: --example).
SEEDS = ("glickert", "manual-221")


def outputs(names: Sequence[str]) -> list[str]:
    return [
        f"seed-{name}-{kind}.{suffix}"
        for name in names
        for kind in ("graph", "network")
        for suffix in ("svg", "png")
    ]


def diagram_notation(ex: Example) -> dict[str, str]:
    """Canonical name -> the document's symbol, for every quantity the network diagram can show."""
    keys = [f"x[{i}]" for i in range(len(ex.inputs))]
    fan_in = len(ex.inputs)
    for l, layer in enumerate(ex.layers, start=1):
        for j in range(layer.size):
            keys += [f"a{l}[{j}]", f"z{l}[{j}]", f"delta{l}[{j}]", f"b{l}[{j}]"]
            keys += [f"W{l}[{j},{i}]" for i in range(fan_in)]
        fan_in = layer.size
    return {key: ex.notation(key).text for key in keys}


def agreement(w: walkthrough.Walkthrough) -> str:
    """One line: how many numbers were computed both ways, and the largest hand − autograd gap."""
    gaps = [
        abs(line.difference)
        for section in w.sections
        for line in section.lines
        if line.difference is not None
    ]
    return (
        f"hand-derived vs autograd: {len(gaps)} quantities computed both ways, "
        f"largest |hand − autograd| = {max(gaps):.3g}"
    )


def replay(name: str, places: int | None, out: _common.Outputs) -> None:
    """Print one example's walkthrough and checker verdicts, and draw its two pictures."""
    ex = example.load(name)
    print(_common.heading(f"Seed example {name!r}: {ex.description}"))
    w = walkthrough.run(ex)
    print(report.walkthrough(w, "text", places))
    print(agreement(w))

    print(_common.heading(f"What the checker finds in {name!r}"))
    print(check_report.check(checker.check(ex), "text"))

    mlp, loss = walkthrough.autograd_graph(ex)  # the network with its loss after backward()
    graph = computation_graph(loss, mlp=mlp)
    diagram = network_diagram(mlp, notation=diagram_notation(ex), values=w.by_label)
    for kind, picture in (("graph", graph), ("network", diagram)):
        for suffix in ("svg", "png"):
            out.write_graph(f"seed-{name}-{kind}.{suffix}", picture)


def main(argv: Sequence[str] | None = None) -> int:
    p = _common.parser(__doc__.splitlines()[0] if __doc__ else "")
    shipped = example.shipped()
    p.add_argument(
        "--example",
        choices=sorted(shipped),
        action="append",
        help="replay only this example (repeatable; default: the two seeds)",
    )
    p.add_argument(
        "--places",
        type=_common.places,
        default=None,
        help="decimals for computed numbers (default: as many as the document printed)",
    )
    args = p.parse_args(argv)
    names = args.example or list(SEEDS)
    out = _common.Outputs(args.out, outputs(names), overwrite=args.overwrite)
    for name in names:
        replay(name, args.places, out)
    print()
    print(out.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(_common.run(main))

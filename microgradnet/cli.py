"""The ``microgradnet`` command: ``walkthrough``, ``check`` and ``graph``; formatting only, no arithmetic.

Expected failures (a bad example file, an unwritable picture path, a bad option) print one line on
stderr and return 2; ``check`` returns 1 when a printed value differs. Never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from microgradnet import render
from microgradnet.tutorial import keys as k
from microgradnet.tutorial import write_check as check_report
from microgradnet.tutorial import write_walkthrough as report
from microgradnet.tutorial.autograd import autograd_graph
from microgradnet.tutorial.checker import check
from microgradnet.tutorial.format import Example, ExampleError, load, shipped
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.walkthrough import run

__all__ = ["main"]

_MAX_STEPS = 100_000


class _UsageError(Exception):
    """A command-line mistake, reported as one line by :func:`main`."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message} (see --help)")


def _count(text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected {low} to {high}, got {value}")
    return value


def _places(text: str) -> int:
    return _count(text, 0, 15)


def _steps(text: str) -> int:
    return _count(text, 1, _MAX_STEPS)


def _format(choices: Sequence[str]) -> Callable[[str], str]:
    """A --format type: one of ``choices`` (the same message on every Python version)."""

    def parse(text: str) -> str:
        if text not in choices:
            raise argparse.ArgumentTypeError(f"expected one of {', '.join(choices)}, got {text!r}")
        return text

    return parse


def _parser() -> _Parser:
    parser = _Parser(
        prog="microgradnet",
        description="See inside reverse-mode autodiff: replay and check "
        "worked backpropagation examples.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    walk = commands.add_parser("walkthrough", help="replay a worked example step by step")
    walk.add_argument("example", nargs="?", help="a shipped example's name or a .toml file")
    walk.add_argument("--list", action="store_true", help="list the shipped examples")
    walk.add_argument("--places", type=_places, help="decimals to print (default: the example's)")
    walk.add_argument(
        "--format", type=_format(report.FORMATS), default="text", metavar="|".join(report.FORMATS)
    )
    walk.add_argument("--steps", type=_steps, help="training steps to report the loss for")
    walk.add_argument(
        "--graph", metavar="FILE", help="also write the computation graph (.svg, .png, .pdf)"
    )
    walk.add_argument(
        "--hessian",
        action="store_true",
        help="also print the Hessian of the loss w.r.t. the output layer's parameters",
    )
    chk = commands.add_parser("check", help="check every number an example file publishes")
    chk.add_argument("example", help="a .toml file (or a shipped example's name)")
    chk.add_argument(
        "--format",
        type=_format(check_report.FORMATS),
        default="text",
        metavar="|".join(check_report.FORMATS),
    )
    graph = commands.add_parser("graph", help="draw an example's computation graph or network")
    graph.add_argument("example", help="a shipped example's name or a .toml file")
    graph.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="picture to write (.svg, .png, .pdf)"
    )
    graph.add_argument("--kind", choices=("computation", "network"), default="computation")
    return parser


# ---- commands ---------------------------------------------------------------------------------


def _list() -> str:
    examples = shipped()
    width = max(len(name) for name in examples)
    return "".join(f"{name:<{width}}  {description}\n" for name, description in examples.items())


def _walkthrough(args: argparse.Namespace) -> int:
    if args.list:
        sys.stdout.write(_list())
        return 0
    if args.example is None:
        raise _UsageError("microgradnet walkthrough: give an example name or file (see --list)")
    example = load(args.example)
    record = run(example, steps=args.steps, hessian=args.hessian)
    sys.stdout.write(report.walkthrough(record, args.format, args.places))
    if args.graph:
        route = _write_graph(example, args.graph, "computation")
        sys.stderr.write(f"microgradnet: wrote {args.graph} ({route})\n")
    return 0


def _check(args: argparse.Namespace) -> int:
    result = check(load(args.example))
    sys.stdout.write(check_report.check(result, args.format))
    return 0 if result.ok else 1


def _graph(args: argparse.Namespace) -> int:
    route = _write_graph(load(args.example), args.output, args.kind)
    sys.stdout.write(f"wrote {args.output} ({route})\n")
    return 0


def _write_graph(example: Example, path: str, kind: str) -> str:
    """Draw the example and write it to ``path``, which the user named (so it may be replaced)."""
    mlp, loss = autograd_graph(example)
    names = example.notation.names(_network_keys(example))
    if kind == "network":
        picture = render.network_diagram(mlp, notation=names)
    else:
        picture = render.computation_graph(loss, mlp=mlp, notation=names)
    return render.write(picture, path, overwrite=True)


def _network_keys(example: Example) -> list[Key]:
    keys = [k.LOSS] + [k.x(i) for i in range(len(example.inputs))]
    for l, layer in enumerate(example.layers, start=1):
        for j, row in enumerate(layer.weights):
            keys += [k.z(l, j), k.a(l, j), k.delta(l, j)]
            keys += [k.W(l, j, i) for i in range(len(row))]
            keys += [] if layer.biases is None else [k.b(l, j)]
    return keys


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 check found a difference, 2 error)."""
    try:
        args = _parser().parse_args(argv)
        handler = {"walkthrough": _walkthrough, "check": _check, "graph": _graph}[args.command]
        return handler(args)
    except (_UsageError, ExampleError, render.RenderError) as error:
        sys.stderr.write(
            f"{error}\n" if isinstance(error, _UsageError) else f"microgradnet: {error}\n"
        )
        return 2
    except SystemExit as exit_:  # --help and --version
        return exit_.code if isinstance(exit_.code, int) else 0
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130

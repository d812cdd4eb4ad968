"""The ``microgradnet`` command: ``walkthrough``, ``check`` and ``graph``; formatting only, no arithmetic.

Expected failures (a bad example file, an unwritable picture path, a bad option) print one line on
stderr and return 2; ``check`` returns 1 when a printed value differs. Never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from microgradnet import check_report, render, report
from microgradnet._render_example import KINDS, example_figure
from microgradnet.checker import check
from microgradnet.example import Example, ExampleError, load, shipped
from microgradnet.walkthrough import run

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
        "--graph-kind", choices=KINDS, default="computation", help="what --graph draws"
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
    graph.add_argument("--kind", choices=KINDS, default="computation")
    _picture_options(graph)
    return parser


def _picture_options(graph: argparse.ArgumentParser) -> None:
    """Layout and content options of the graph command (the render keywords, CLI-spelled)."""
    graph.add_argument("--size", type=_size, help="slide (10x5.625 in), paper (6.5x9 in) or WxH")
    graph.add_argument("--dpi", type=_real(18, 1200), default=render.DEFAULT_DPI, help="PNG dpi")
    graph.add_argument("--font-size", type=_real(4, 72), default=14.0, help="points")
    graph.add_argument("--direction", choices=("LR", "TB"), help="default: LR (backward: TB)")
    graph.add_argument("--precision", type=lambda t: _count(t, 1, 17), default=4)
    graph.add_argument(
        "--neuron", type=_neuron, metavar="L,J", help="network: one neuron (1-based)"
    )
    graph.add_argument("--view", choices=("value", "neuron"), default="value")
    graph.add_argument("--max-depth", type=lambda t: _count(t, 0, 10**6))
    graph.add_argument("--max-nodes", type=lambda t: _count(t, 1, 10**6))
    graph.add_argument("--color-by-grad", action="store_true", help="fill by signed gradient")


def _real(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low:g} to {high:g}, got {text}")
        return value

    return parse


def _size(text: str) -> str | tuple[float, float]:
    if text in render.SIZES:
        return text
    try:
        width, height = (float(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected slide, paper or WIDTHxHEIGHT in inches, got {text!r}"
        ) from None
    if not (width > 0 and height > 0):
        raise argparse.ArgumentTypeError(f"expected sizes above 0, got {text!r}")
    return width, height


def _neuron(text: str) -> tuple[int, int]:
    try:
        layer, j = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected L,J (e.g. 2,1), got {text!r}") from None
    if layer < 1 or j < 1:
        raise argparse.ArgumentTypeError(f"expected L,J counted from 1, got {text!r}")
    return layer, j - 1


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
        route = _write_graph(example, args.graph, args.graph_kind)
        sys.stderr.write(f"microgradnet: wrote {args.graph} ({route})\n")
    return 0


def _check(args: argparse.Namespace) -> int:
    result = check(load(args.example))
    sys.stdout.write(check_report.check(result, args.format))
    return 0 if result.ok else 1


def _graph(args: argparse.Namespace) -> int:
    route = _write_graph(load(args.example), args.output, args.kind, args)
    sys.stdout.write(f"wrote {args.output} ({route})\n")
    return 0


def _write_graph(
    example: Example, path: str, kind: str, args: argparse.Namespace | None = None
) -> str:
    """Draw the example and write it to ``path``, which the user named (so it may be replaced)."""
    layout, dpi, neuron = _layout(kind, args)
    try:
        picture = example_figure(example, kind, neuron=neuron, **layout)
        return render.write(picture, path, overwrite=True, dpi=dpi)
    except render.TooLargeError as error:
        raise render.RenderError(error.cli_message) from None
    except ValueError as error:  # --neuron outside the network
        if neuron is None:
            raise
        layers = [len(layer.weights) for layer in example.layers]
        raise _UsageError(
            f"microgradnet graph: --neuron {neuron[0]},{neuron[1] + 1} is not in this network: "
            f"layers 1 to {len(layers)} with {', '.join(map(str, layers))} neurons, counted from 1"
        ) from error


def _layout(
    kind: str, args: argparse.Namespace | None
) -> tuple[dict[str, object], float, tuple[int, int] | None]:
    """The render keywords the options ask for (none given: the defaults)."""
    if args is None:
        return {}, render.DEFAULT_DPI, None
    layout: dict[str, object] = {
        "font_size": args.font_size,
        "size": args.size,
        "precision": args.precision,
    }
    layout.update({} if args.direction is None else {"direction": args.direction})
    if kind == "computation":
        layout.update(view=args.view, max_depth=args.max_depth, color_by_grad=args.color_by_grad)
        layout.update({} if args.max_nodes is None else {"max_nodes": args.max_nodes})
    if args.neuron is not None and kind != "network":
        raise _UsageError("microgradnet graph: --neuron needs --kind network")
    return layout, args.dpi, args.neuron


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

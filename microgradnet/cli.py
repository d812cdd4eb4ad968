"""The ``microgradnet`` command: ``walkthrough``, ``check``, ``graph``, ``exercise``; formatting only.

Exit status: 0 done; 1 ``check`` found a printed value that differs; 2 an expected failure (a bad
option, example file or output path, a full disk, a closed pipe) reported as one line on stderr;
70 a bug in microgradnet, reported as one line asking for a bug report (set
``MICROGRADNET_TRACEBACK=1`` to see the traceback); 130 interrupted by Ctrl-C. Never a traceback.
Everything printed passes :func:`microgradnet.terminal.printable`, so control characters from a
file or an argument are shown escaped, never acted on by the terminal. An output file is checked
(folder, suffix, not one of the command's inputs) before any work starts.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, TextIO

from microgradnet import __version__, files, render
from microgradnet._render_backend import FORMATS
from microgradnet._render_example import KINDS, example_figure
from microgradnet.arguments import real, whole
from microgradnet.errors import FileError
from microgradnet.exercise import cli as exercise_cli
from microgradnet.exercise.spec import ExerciseError
from microgradnet.files import check_target
from microgradnet.terminal import one_line, printable
from microgradnet.tutorial import claims, document
from microgradnet.tutorial import write_check as check_report
from microgradnet.tutorial import write_document as document_report
from microgradnet.tutorial import write_walkthrough as report
from microgradnet.tutorial.checker import check
from microgradnet.tutorial.document import DocumentError
from microgradnet.tutorial.format import MAX_PLACES, MAX_STEPS, Example, ExampleError, load, shipped
from microgradnet.tutorial.walkthrough import run

__all__ = ["main"]

EXIT_ERROR, EXIT_BUG, EXIT_INTERRUPTED = 2, 70, 130  # 70 is sysexits' EX_SOFTWARE


class _UsageError(Exception):
    """A command-line mistake, reported as one line by :func:`main`."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message} (see --help)")


_places = whole(0, MAX_PLACES)
_steps = whole(1, MAX_STEPS)


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
    walk.add_argument("--html", metavar="FILE", help="also write the step-through page (.html)")
    walk.add_argument(
        "--graph-kind", choices=KINDS, default="computation", help="what --graph draws"
    )
    walk.add_argument(
        "--hessian",
        action="store_true",
        help="also print the Hessian of the loss w.r.t. the output layer's parameters",
    )
    chk = commands.add_parser(
        "check", help="check every number an example file publishes, or a document's own text"
    )
    chk.add_argument(
        "example",
        metavar="EXAMPLE|DOCUMENT",
        help="a .toml file or shipped example's name; with --example, the document to read",
    )
    chk.add_argument(
        "--example",
        dest="network",
        metavar="NAME|FILE",
        help="the example giving network, data and notation; the claims come from the document",
    )
    chk.add_argument(
        "--emit-published", metavar="FILE", help="write the claims read as a [published] table"
    )
    chk.add_argument("--overwrite", action="store_true", help="let --emit-published replace FILE")
    chk.add_argument(
        "--format",
        type=_format(check_report.FORMATS),
        default="text",
        metavar="|".join(check_report.FORMATS),
    )
    graph = commands.add_parser("graph", help="draw an example's computation graph or network")
    graph.add_argument("example", help="a shipped example's name or a .toml file")
    graph.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="picture to write (.svg, .png, .pdf), step-through page (.html) or animation (.gif, .apng)",
    )
    graph.add_argument("--kind", choices=KINDS, default="computation")
    _picture_options(graph)
    graph.add_argument(
        "--max-frames",
        type=_steps,
        default=render.DEFAULT_MAX_FRAMES,
        help=f"most frames in a .gif/.apng (default {render.DEFAULT_MAX_FRAMES})",
    )
    exercise_cli.add_parser(commands)
    return parser


def _picture_options(graph: argparse.ArgumentParser) -> None:
    """Layout and content options of the graph command (the render keywords, CLI-spelled)."""
    graph.add_argument("--size", type=_size, help="slide (10x5.625 in), paper (6.5x9 in) or WxH")
    graph.add_argument("--dpi", type=real(18, 1200), default=render.DEFAULT_DPI, help="PNG dpi")
    graph.add_argument("--font-size", type=real(4, 72), default=14.0, help="points")
    graph.add_argument("--direction", choices=("LR", "TB"), help="default: LR (backward: TB)")
    graph.add_argument("--precision", type=whole(1, 17), default=4)
    graph.add_argument(
        "--neuron", type=_neuron, metavar="L,J", help="network: one neuron (1-based)"
    )
    graph.add_argument("--view", choices=("value", "neuron"), default="value")
    graph.add_argument("--max-depth", type=whole(0, 10**6))
    graph.add_argument("--max-nodes", type=whole(1, 10**6))
    graph.add_argument("--color-by-grad", action="store_true", help="fill by signed gradient")


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
    _check_output(args.graph, args.example)
    if args.html is not None:
        _check_output(args.html, args.example, pages=True)
    example = load(args.example)
    record = run(example, steps=args.steps, hessian=args.hessian)
    sys.stdout.write(report.walkthrough(record, args.format, args.places))
    if args.graph:
        route = _write_graph(example, args.graph, args.graph_kind)
        sys.stderr.write(f"microgradnet: wrote {args.graph} ({route})\n")
    if args.html:
        route = render.write(render.step_through(record), args.html, overwrite=True)
        sys.stderr.write(f"microgradnet: wrote {args.html} ({route})\n")
    return 0


def _check(args: argparse.Namespace) -> int:
    if args.network == "":
        raise _UsageError("microgradnet check: argument --example: expected a name or file, got ''")
    example = load(args.network or args.example)
    name = args.example if args.network else example.document
    emit = args.emit_published is not None  # '' too: refused as an empty path, not ignored
    if not name:
        if emit:
            raise _UsageError("microgradnet check: --emit-published needs a document to read")
        result = check(example)
        sys.stdout.write(check_report.check(result, args.format))
        return 0 if result.ok else 1
    path, text = document.load(name, example)
    if emit:
        inputs = [document.source(path), document.source(example.file, ".toml")]
        files.check_target(args.emit_published, overwrite=args.overwrite, inputs=inputs)
    reading = claims.read(example, text, file=path)
    result = check(claims.with_claims(example, reading))
    sys.stdout.write(document_report.check(result, reading, args.format))
    if emit:
        table = document_report.published(reading).encode("utf-8")
        files.write_atomic(args.emit_published, table, overwrite=args.overwrite, inputs=inputs)
        sys.stderr.write(f"microgradnet: wrote {args.emit_published}\n")
    return 0 if result.ok else 1


def _graph(args: argparse.Namespace) -> int:
    _check_output(args.output, args.example, pages=True)
    if Path(args.output).suffix.lower() in render.PAGE_FORMATS:
        if args.kind == "network":
            raise _UsageError("microgradnet graph: a step-through page shows --kind computation")
        page = render.step_through(run(load(args.example)))
        route = render.write(page, args.output, overwrite=True, max_frames=args.max_frames)
        sys.stdout.write(f"wrote {args.output} ({route})\n")
        return 0
    route = _write_graph(load(args.example), args.output, args.kind, args)
    sys.stdout.write(f"wrote {args.output} ({route})\n")
    return 0


def _check_output(path: str | None, example: str, *, pages: bool = False) -> None:
    """Refuse, before any work, an output path that cannot be written or is the example itself.

    ``pages``: the step-through page and its animations (.html, .gif, .apng) are allowed too.
    """
    if path is None:
        return
    suffix = Path(path).suffix.lower()
    allowed = [*FORMATS, ".tex", *(render.PAGE_FORMATS if pages else ())]
    if path and suffix not in allowed:
        known = ", ".join(allowed)
        raise FileError(
            f"cannot write {path!r}: unknown suffix {suffix or '(none)'!r}; use {known}"
        )
    check_target(path, overwrite=True, inputs=[example])


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
    """Run the command line; return the exit status (see the module docstring)."""
    try:
        with _printable_output():
            args = _parser().parse_args(argv)
            if getattr(args, "example", None) == "":
                raise _UsageError(
                    f"microgradnet {args.command}: argument example: expected a shipped "
                    "example's name or a .toml file, got '' (see --help)"
                )
            handler = {
                "walkthrough": _walkthrough,
                "check": _check,
                "graph": _graph,
                "exercise": exercise_cli.run,
            }[args.command]
            status = handler(args)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
            return status
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except _UsageError as error:
        return _fail(str(error))
    except (ExampleError, DocumentError, ExerciseError, render.RenderError, FileError) as error:
        return _fail(f"microgradnet: {error}")
    except OSError as error:  # the output streams, or a file system refusing a path
        return _fail(f"microgradnet: {_os_reason(error)}")
    except UnicodeEncodeError as error:
        return _fail(
            f"microgradnet: cannot print {error.object[error.start : error.end]!r} in the "
            f"output's encoding ({error.encoding}); set PYTHONIOENCODING=utf-8"
        )
    except Exception as error:  # the last resort: a bug, never a traceback
        if os.environ.get("MICROGRADNET_TRACEBACK"):
            raise
        return _fail(
            f"microgradnet: internal error ({type(error).__name__}: {error}); this is a bug in "
            f"microgradnet {__version__}, please report it with the command you ran "
            "(MICROGRADNET_TRACEBACK=1 shows the traceback)",
            EXIT_BUG,
        )


def _fail(message: str, status: int = EXIT_ERROR) -> int:
    """Print ``message`` as one safe line on stderr (if stderr still works); return ``status``."""
    try:
        sys.stderr.write(one_line(message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed or full too: the status is all that is left
        pass
    return status


def _os_reason(error: OSError) -> str:
    reason = (error.strerror or str(error)).lower()
    if error.errno == errno.EPIPE:
        return "standard output was closed before everything was written (broken pipe)"
    if error.filename is None:
        return f"cannot write the output: {reason}"
    return f"{str(error.filename)!r}: {reason}"


@contextmanager
def _printable_output() -> Iterator[None]:
    """Send everything printed through :func:`printable`; silence stdout after a failed write.

    A failed write (disk full, pipe closed) leaves unwritten bytes in the buffer, which Python
    would try again at exit with an "Exception ignored" message; pointing the stream's file at
    /dev/null first makes that last flush succeed quietly.
    """
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(out), _Printable(err)
    try:
        yield
    except OSError:
        _silence(out)
        raise
    finally:
        sys.stdout, sys.stderr = out, err


class _Printable:
    """A text stream wrapper that escapes control characters (keeping newlines and tabs)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> object:  # encoding, isatty(), fileno(): the stream's
        return getattr(self._stream, name)


def _silence(stream: TextIO) -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture buffer)
        pass

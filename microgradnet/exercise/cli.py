"""The ``microgradnet exercise`` subcommands ``new``, ``find-the-slip`` and ``grade``: options and files.

Every output path is checked (folder writable, not one of the inputs, not an existing file unless
``--overwrite``) before any work, and written atomically through :mod:`microgradnet.files`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from microgradnet import render
from microgradnet._render_example import example_figure
from microgradnet.arguments import real, whole
from microgradnet.exercise import moodle, write_grade, write_sheet, write_slips
from microgradnet.exercise.answers import answer_files, read_answers
from microgradnet.exercise.draw import Exercise, draw
from microgradnet.exercise.grade import grade
from microgradnet.exercise.keyfile import key_file, load_key
from microgradnet.exercise.plant import find_the_slip
from microgradnet.exercise.spec import (
    CONVENTIONS,
    MAX_PLACES,
    MAX_SEED,
    MIN_PLACES,
    QUESTION_GROUPS,
    ExerciseError,
    Spec,
    spec,
)
from microgradnet.files import check_target, write_atomic
from microgradnet.tutorial.format import ACTIVATION_NAMES, LOSS_NAMES

__all__ = ["add_parser", "run"]

DIAGRAM = "network.svg"


def _options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=whole(0, MAX_SEED), required=True)
    p.add_argument("--arch", default="2-2-1", help="layer sizes, inputs first (default 2-2-1)")
    p.add_argument(
        "--activation",
        default="sigmoid",
        help=f"one of {', '.join(ACTIVATION_NAMES)}, or one per layer",
    )
    p.add_argument("--loss", default="squared_error", help=f"one of {', '.join(LOSS_NAMES)}")
    p.add_argument("--bias", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--convention", default="gradient", help=f"one of {', '.join(CONVENTIONS)}")
    p.add_argument(
        "--places", type=whole(MIN_PLACES, MAX_PLACES), default=4, help="decimals asked (default 4)"
    )
    p.add_argument(
        "--questions", default=",".join(QUESTION_GROUPS), help="groups asked, in any order"
    )
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--overwrite", action="store_true", help="replace files already there")


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``exercise`` and its subcommands to the main parser's ``commands``."""
    exercise = commands.add_parser("exercise", help="make exercises, answer keys; grade answers")
    sub = exercise.add_subparsers(
        dest="exercise_command", required=True, parser_class=type(exercise)
    )
    new = sub.add_parser("new", help="a problem sheet and its answer key")
    _options(new)
    slips = sub.add_parser(
        "find-the-slip", help="a worked solution with slips to find, and its key"
    )
    _options(slips)
    slips.add_argument("--slips", type=whole(1, 20), default=1, help="how many slips (default 1)")
    marks = sub.add_parser("grade", help="grade answers files against a key")
    marks.add_argument("key", help="key.json (or the folder holding it)")
    marks.add_argument("answers", nargs="+", help="answers files (.toml, .csv) or folders of them")
    marks.add_argument("--format", choices=write_grade.FORMATS, default="text")
    marks.add_argument("--follow-through-credit", type=real(0, 1), default=1.0, metavar="X")
    marks.add_argument("-o", "--output", metavar="FILE", help="write the report here, not stdout")


def _spec(args: argparse.Namespace) -> Spec:
    return spec(
        args.seed,
        arch=args.arch,
        activation=args.activation,
        loss=args.loss,
        bias=args.bias,
        convention=args.convention,
        places=args.places,
        questions=args.questions,
    )


def _write_all(folder: str, overwrite: bool, files: dict[str, Callable[[], str]]) -> None:
    """Check every target first, then make and write each file (atomically)."""
    out = Path(folder)
    if not out.exists():
        out.mkdir()
    targets = {name: check_target(out / name, overwrite=overwrite) for name in files}
    for name, make in files.items():
        write_atomic(targets[name], make().encode("utf-8"), overwrite=overwrite)
    sys.stdout.write(f"wrote {', '.join(files)} in {out}\n")


def _diagram(ex: Exercise) -> tuple[str, str]:
    """The network as SVG (embedded Graphviz, so every machine writes the same bytes) and TikZ."""
    picture = example_figure(ex.example, "network")
    return render.to_svg(picture, route="embedded"), picture.tikz or ""


def _new(args: argparse.Namespace) -> int:
    files = ["sheet.md", "sheet.tex", "sheet.json", "key.md", "key.tex", "key.json", "quiz.xml"]
    files += [DIAGRAM, "example.toml", "answers.toml", "answers.csv"]
    options = _spec(args)  # the options first: a mistake there is named before the folder's
    _check(args.output, args.overwrite, files)
    ex = draw(options)
    svg, tikz = _diagram(ex)
    _write_all(
        args.output,
        args.overwrite,
        {
            "sheet.md": lambda: write_sheet.sheet_markdown(ex, DIAGRAM),
            "sheet.tex": lambda: write_sheet.sheet_latex(ex, tikz),
            "sheet.json": lambda: write_sheet.sheet_json(ex, DIAGRAM),
            "key.md": lambda: write_sheet.key_markdown(ex),
            "key.tex": lambda: write_sheet.key_latex(ex),
            "key.json": lambda: write_sheet.key_json(ex),
            "quiz.xml": lambda: moodle.quiz(ex, svg, DIAGRAM),
            DIAGRAM: lambda: svg,
            "example.toml": lambda: ex.toml,
            "answers.toml": lambda: write_sheet.answers_toml(ex),
            "answers.csv": lambda: write_sheet.answers_csv(ex),
        },
    )
    return 0


def _find_the_slip(args: argparse.Namespace) -> int:
    options = _spec(args)
    _check(args.output, args.overwrite, ["sheet.md", "sheet.tex", "key.md", "key.json", DIAGRAM])
    planted = find_the_slip(draw(options), args.slips)
    svg, tikz = _diagram(planted.exercise)
    _write_all(
        args.output,
        args.overwrite,
        {
            "sheet.md": lambda: write_slips.sheet_markdown(planted, DIAGRAM),
            "sheet.tex": lambda: write_slips.sheet_latex(planted, tikz),
            "key.md": lambda: write_slips.key_markdown(planted),
            "key.json": lambda: write_slips.key_json(planted),
            DIAGRAM: lambda: svg,
        },
    )
    return 0


def _check(folder: str, overwrite: bool, names: list[str]) -> None:
    if folder == "":
        raise ExerciseError("-o '': the path is empty; name the folder to write into")
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise ExerciseError(f"-o {folder!r}: expected a folder, got a file")
    if not out.exists():
        check_target(out, overwrite=False)  # its parent must exist and be writable
        return
    for name in names:
        check_target(out / name, overwrite=overwrite)


def _grade(args: argparse.Namespace) -> int:
    inputs = [key_file(args.key), *answer_files(args.answers)]  # the files inside folders too
    if args.output is not None:
        check_target(args.output, overwrite=True, inputs=inputs)
    ex = load_key(args.key)
    reports = grade(ex, read_answers(args.answers, ex), args.follow_through_credit)
    text = write_grade.report(ex, reports, args.format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomic(args.output, text.encode("utf-8"), overwrite=True, inputs=inputs)
        sys.stdout.write(f"wrote {args.output}\n")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the ``exercise`` subcommand ``args`` asks for; return the exit status."""
    handlers = {"new": _new, "find-the-slip": _find_the_slip, "grade": _grade}
    return handlers[args.exercise_command](args)

"""Plumbing shared by the demo scripts: the common options and writing outputs without clobbering.

Every demo takes ``--fast`` (a smaller run, used by CI), ``--out DIR`` (default ``./demo-output``)
and ``--overwrite``. A demo lists the files it will write before it starts; if any of them already
exists it stops with one line saying so, unless ``--overwrite`` was given — so a demo never
replaces a file the user did not ask it to replace. The folder and every output are checked before
any work starts, every file is written atomically (an interrupted or failed write leaves the old
file intact), and :func:`run` turns a bad option, a file error or Ctrl-C into one line and an exit
status (2, or 130 for Ctrl-C), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from microgradnet.arguments import whole
from microgradnet.errors import FileError, RenderError
from microgradnet.files import check_target, write_atomic
from microgradnet.terminal import one_line
from microgradnet.tutorial.format import MAX_PLACES

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]  # the package ships no type information

DEFAULT_OUT = Path("demo-output")


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (``prog: error: …``), as in the microgradnet CLI."""

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see --help)", prog=self.prog)


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every demo shares."""
    p = _Parser(description=description)
    p.add_argument("--fast", action="store_true", help="a small, quick run (what CI checks)")
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder for the pictures (default: ./{DEFAULT_OUT})",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files a previous run left in the output folder",
    )
    return p


class Outputs:
    """The files one demo run writes into one folder, each written once and never clobbered."""

    def __init__(self, folder: Path, names: Iterable[str], *, overwrite: bool) -> None:
        self.folder = folder
        self.overwrite = overwrite
        self.names = list(names)
        existing = [name for name in self.names if (folder / name).exists()]
        if existing and not overwrite:
            shown = ", ".join(str(folder / name) for name in existing)
            fail(
                f"{shown} already exist{'s' if len(existing) == 1 else ''}; "
                "pass --overwrite to replace them or --out to pick another folder"
            )
        _make_folder(folder)
        for name in self.names:  # a folder in the way, a non-file, no permission: say so now
            try:
                check_target(folder / name, overwrite=True)
            except FileError as error:
                fail(str(error))
        self.written: list[Path] = []

    def path(self, name: str) -> Path:
        if name not in self.names:
            raise ValueError(f"{name!r} is not one of this demo's declared outputs {self.names}")
        return self.folder / name

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = write_atomic(self.path(name), data, overwrite=self.overwrite)
        self.written.append(path)
        return path

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def write_graph(self, name: str, graph: graphviz.Digraph) -> Path:
        """Render a graph to SVG/PNG/PDF (by the file's suffix) with ``microgradnet.render``."""
        from microgradnet import render

        path = self.path(name)
        render.write(graph, path, overwrite=self.overwrite)
        self.written.append(path)
        return path

    def summary(self) -> str:
        return "wrote:\n" + "\n".join(f"  {path}" for path in self.written)


def _make_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        fail(f"--out {str(folder)!r} is a file, not a folder; pick a folder with --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot create the output folder {str(folder)!r}: {error.strerror or error}")


def fail(message: str, *, prog: str | None = None) -> NoReturn:
    """Stop the demo with one line on stderr and exit status 2."""
    print(one_line(f"{prog + ': ' if prog else ''}error: {message}"), file=sys.stderr)
    raise SystemExit(2)


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """``main(argv)``'s status; a file error is one line (status 2), Ctrl-C exits 130 quietly."""
    try:
        status = main(argv)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return status
    except KeyboardInterrupt:
        return 130
    except (FileError, RenderError) as error:
        print(one_line(f"error: {error}"), file=sys.stderr)
        return 2
    except OSError as error:  # stdout on a full disk or into a closed pipe
        print(
            one_line(f"error: cannot print the output: {(error.strerror or str(error)).lower()}"),
            file=sys.stderr,
        )
        _silence_stdout()
        return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's flush at exit does not fail a second time."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


#: An argparse type: decimals to print, as the microgradnet CLI's --places.
places = whole(0, MAX_PLACES)


def heading(title: str) -> str:
    """A section heading for the demos' printed output."""
    return f"\n{title}\n{'=' * len(title)}"


def columns(rows: Sequence[Sequence[str]], gap: str = "  ") -> str:
    """Rows of cells as left-aligned text columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        gap.join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows
    )

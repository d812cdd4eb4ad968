"""Plumbing shared by the demo scripts: the common options and writing outputs without clobbering.

Every demo takes ``--fast`` (a smaller run, used by CI), ``--out DIR`` (default ``./demo-output``)
and ``--overwrite``. A demo lists the files it will write before it starts; if any of them already
exists it stops with one line saying so, unless ``--overwrite`` was given — so a demo never
replaces a file the user did not ask it to replace.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from microgradnet.files import write_atomic

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]  # the package ships no type information

DEFAULT_OUT = Path("demo-output")


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every demo shares."""
    p = argparse.ArgumentParser(description=description)
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
        folder.mkdir(parents=True, exist_ok=True)
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


def fail(message: str) -> None:
    """Stop the demo with one line on stderr and exit status 2."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def heading(title: str) -> str:
    """A section heading for the demos' printed output."""
    return f"\n{title}\n{'=' * len(title)}"


def columns(rows: Sequence[Sequence[str]], gap: str = "  ") -> str:
    """Rows of cells as left-aligned text columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        gap.join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows
    )

"""Compile a LaTeX document with pdflatex for the tests marked ``latex``: one way, one skip rule."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

#: Mark a test that compiles LaTeX: it runs where pdflatex is on PATH (CI installs TeX Live).
needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="needs the pdflatex program (TeX Live)"
)


def compile_latex(folder: Path, name: str, source: str) -> str:
    """Write ``source`` to ``folder/name.tex``, compile it, check the PDF; return pdflatex's log.

    Fails the test with the end of pdflatex's output if it does not compile.
    """
    (folder / f"{name}.tex").write_text(source, encoding="utf-8")
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (folder / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
    return (folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")

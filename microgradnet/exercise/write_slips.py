"""Write a find-the-slip sheet (a worked solution with slips, not said where) and its key."""

from __future__ import annotations

import json

from microgradnet.exercise.judge import describe
from microgradnet.exercise.plant import FindTheSlip
from microgradnet.exercise.text import PREAMBLE, intro, spread, walkthrough_latex
from microgradnet.tutorial import write_walkthrough as report
from microgradnet.tutorial.formatting import latex_text, number
from microgradnet.tutorial.walkthrough import run

__all__ = ["key_json", "key_markdown", "sheet_latex", "sheet_markdown"]


def _task(f: FindTheSlip) -> str:
    count = len(f.plantings)
    return (
        f"The worked solution below has {count} slip{'s' if count > 1 else ''} in it: a step "
        "where the working goes wrong, every later step carried forward correctly from it. Find "
        "each: the first number that is wrong, and what went wrong there."
    )


def sheet_markdown(f: FindTheSlip, diagram: str) -> str:
    ex = f.exercise
    body = report.walkthrough(f.solution(), "markdown", ex.spec.places)
    head = [f"# Find the slip: exercise {ex.spec.ident}", "", intro(ex), "", _task(f), ""]
    head += [f"![The network]({diagram})", "", "## The worked solution", ""]
    return (
        "\n".join(head)
        + "\n"
        + "\n".join("#" + line if line.startswith("#") else line for line in body.split("\n"))
    )


def sheet_latex(f: FindTheSlip, tikz: str) -> str:
    ex = f.exercise
    body = walkthrough_latex(f.solution(), ex.spec.places)
    body = body.replace(r"\section*{", r"\subsection*{The worked solution: ", 1)
    head = [PREAMBLE + rf"\section*{{Find the slip: exercise {ex.spec.ident}}}"]
    head += [intro(ex, True), "", latex_text(_task(f)), "", r"\begin{center}", spread(tikz)]
    return "\n".join([*head, r"\end{center}", body]) + "\\end{document}\n"


def _findings(f: FindTheSlip) -> list[dict[str, str]]:
    ex = f.exercise
    places, notation, n_layers = ex.spec.places, ex.example.notation, len(ex.example.layers)
    return [
        {
            "quantity": str(p.site),
            "symbol": notation(p.site).text,
            "printed": number(f.values[p.site], places),
            "correct": number(ex.model.values[p.site], places),
            "slip": p.slip.name,
            "description": describe(p.slip, notation, n_layers),
        }
        for p in f.plantings
    ]


def key_markdown(f: FindTheSlip) -> str:
    ex = f.exercise
    rows = [f"# Key: find the slip, exercise {ex.spec.ident}", "", "## Where and which", ""]
    rows += ["| # | quantity | printed | correct | slip |", "|---|---|---|---|---|"]
    rows += [
        f"| {n} | {d['symbol']} (`{d['quantity']}`) | {d['printed']} | {d['correct']} | "
        f"{d['slip']}: {d['description']} |"
        for n, d in enumerate(_findings(f), start=1)
    ]
    body = report.walkthrough(run(ex.example), "markdown", ex.spec.places)
    body = "\n".join("#" + line if line.startswith("#") else line for line in body.split("\n"))
    return "\n".join(rows) + "\n\n## The correct worked solution\n\n" + body


def key_json(f: FindTheSlip) -> str:
    ex = f.exercise
    data = {"exercise": ex.spec.ident, "options": ex.spec.record(), "slips": _findings(f)}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

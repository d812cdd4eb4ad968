"""Write an exercise's problem sheet and answer key: Markdown, LaTeX, JSON; formatting only.

The key's worked solution is the walkthrough (:mod:`microgradnet.tutorial.write_walkthrough`),
after a table of the answers. Every text is a pure function of the exercise, so the same seed
gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json

from microgradnet.exercise.draw import Exercise
from microgradnet.exercise.keyfile import key_data
from microgradnet.exercise.text import (
    PREAMBLE,
    answer_text,
    given,
    intro,
    names_note,
    pairs,
    question_rows,
    rules,
    spread,
    walkthrough_latex,
)
from microgradnet.tutorial import write_walkthrough as report
from microgradnet.tutorial.formatting import latex_text
from microgradnet.tutorial.walkthrough import run

__all__ = [
    "answers_csv",
    "answers_toml",
    "key_json",
    "key_latex",
    "key_markdown",
    "sheet_json",
    "sheet_latex",
    "sheet_markdown",
]

_GLOSSARY = (
    "z: a neuron's pre-activation, a: its activation (y: the output), δ: its error signal, "
    "∂L/∂w: a gradient; ⁿᵉʷ: after one update (the next forward pass uses the same input)."
)


# ---- the problem sheet ----------------------------------------------------------------------


def sheet_markdown(ex: Exercise, diagram: str) -> str:
    rows = [f"# Backpropagation exercise {ex.spec.ident}", "", intro(ex), ""]
    rows += [f"![The network]({diagram})", "", "## Given", ""]
    rows += [f"- {line}" for line in given(ex)]
    rows += ["", "## Questions", "", rules(ex), "", _GLOSSARY, ""]
    rows += ["| # | quantity | name in the answers file | answer |", "|---|---|---|---|"]
    rows += [f"| {n} | {sym} | `{name}` | |" for n, sym, name in question_rows(ex)]
    return "\n".join(rows) + "\n"


def sheet_latex(ex: Exercise, tikz: str) -> str:
    rows = [PREAMBLE + rf"\section*{{Backpropagation exercise {ex.spec.ident}}}", intro(ex, True)]
    rows += ["", r"\begin{center}", spread(tikz), r"\end{center}", "", r"\subsection*{Given}"]
    rows += [r"\begin{itemize}"] + [rf"\item {line}" for line in given(ex, True)]
    rows += [
        r"\end{itemize}",
        r"\subsection*{Questions}",
        latex_text(rules(ex, False)) + names_note(ex, True),
        "",
    ]
    rows += [
        r"\renewcommand{\arraystretch}{2}\begin{longtable}{rlll}",
        r"\# & quantity & name in the answers file & answer \\ \hline",
    ]
    rows += [
        rf"{n} & {sym} & \texttt{{{latex_text(name)}}} & \rule{{3cm}}{{0.4pt}} \\[4pt]"
        for n, sym, name in question_rows(ex, True)
    ]
    rows += [r"\end{longtable}", r"\end{document}"]
    return "\n".join(rows) + "\n"


def sheet_json(ex: Exercise, diagram: str) -> str:
    data = {
        "exercise": ex.spec.ident,
        "options": ex.spec.record(),
        "text": intro(ex),
        "rules": rules(ex),
        "diagram": diagram,
        "given": {str(q.key): q.fn(()) for q in ex.model.section("given")},
        "questions": [
            {"number": n, "key": name, "symbol": sym} for n, sym, name in question_rows(ex)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ---- the answer key ---------------------------------------------------------------------------


def key_markdown(ex: Exercise) -> str:
    rows = [f"# Answer key: backpropagation exercise {ex.spec.ident}", "", intro(ex), ""]
    rows += ["| # | quantity | name | answer |", "|---|---|---|---|"]
    rows += [f"| {n} | {s} | `{name}` | {answer_text(ex, q)} |" for (n, s, name), q in pairs(ex)]
    rows += ["", names_note(ex).strip()] if names_note(ex) else []
    body = report.walkthrough(run(ex.example), "markdown", ex.spec.places)
    return "\n".join(rows) + "\n\n## Worked solution\n\n" + _demote(body)


def key_latex(ex: Exercise) -> str:
    rows = [PREAMBLE + rf"\section*{{Answer key: exercise {ex.spec.ident}}}", intro(ex, True), ""]
    rows += [
        r"\renewcommand{\arraystretch}{2}\begin{longtable}{rlll}",
        r"\# & quantity & name & answer \\ \hline",
    ]
    rows += [
        rf"{n} & {s} & \texttt{{{latex_text(name)}}} & ${answer_text(ex, q)}$ \\"
        for (n, s, name), q in pairs(ex, True)
    ]
    rows.append(r"\end{longtable}")
    rows += [names_note(ex, True).strip()] if names_note(ex) else []
    body = walkthrough_latex(run(ex.example), ex.spec.places)
    body = body.replace(r"\section*{", r"\subsection*{Worked solution: ", 1)
    return "\n".join(rows) + "\n" + body + "\\end{document}\n"


def _demote(markdown: str) -> str:
    """The walkthrough's headings one level down, under the key's own."""
    return "\n".join("#" + line if line.startswith("#") else line for line in markdown.split("\n"))


# ---- blank answers files ----------------------------------------------------------------------


def answers_toml(ex: Exercise) -> str:
    rows = [
        "# Answers to microgradnet exercise " + ex.spec.ident + ": fill in, one file per student",
        'student = ""',
        f"seed = {ex.spec.seed}",
        f'exercise = "{ex.spec.ident}"',
        "",
        "[answers]",
    ]
    rows += ["#" + names_note(ex)] if names_note(ex) else []
    rows += [f'"{key}" = ""' for key in ex.questions]
    return "\n".join(rows) + "\n"


def answers_csv(ex: Exercise) -> str:
    """A class sheet: one row per student (this one has the header only)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        ["student", "seed", "exercise", *map(str, ex.questions)]
    )
    return buffer.getvalue()


def key_json(ex: Exercise) -> str:
    return json.dumps(key_data(ex), ensure_ascii=False, indent=2) + "\n"

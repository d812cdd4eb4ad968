"""Write an exercise's problem sheet and answer key: Markdown, LaTeX, JSON; formatting only.

The key's worked solution is the walkthrough (:mod:`microgradnet.tutorial.write_walkthrough`),
after a table of the answers. Every text is a pure function of the exercise, so the same seed
gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from microgradnet.exercise.draw import Exercise
from microgradnet.exercise.judge import tolerance
from microgradnet.tutorial import write_walkthrough as report
from microgradnet.tutorial.formatting import latex_text, number
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.walkthrough import Walkthrough, run

__all__ = [
    "FORMAT",
    "PREAMBLE",
    "answers_csv",
    "answers_toml",
    "given",
    "intro",
    "key_json",
    "key_latex",
    "key_markdown",
    "printed",
    "rules",
    "sheet_json",
    "sheet_latex",
    "sheet_markdown",
    "spread",
    "walkthrough_latex",
]

FORMAT = "microgradnet exercise key 1"  # what key.json says it is
_LOSS = {
    "squared_error": ("L = ½Σ(y − t)²", r"L = \tfrac{1}{2}\sum (y - t)^2"),
    "sum_squared_error": ("L = Σ(y − t)²", r"L = \sum (y - t)^2"),
    "mse": ("L = (1/n)Σ(y − t)²", r"L = \tfrac{1}{n}\sum (y - t)^2"),
    "cross_entropy": (
        "L = −Σ[t ln y + (1 − t) ln(1 − y)]",
        r"L = -\sum [t \ln y + (1 - t) \ln(1 - y)]",
    ),
}
_CONVENTION = {
    "gradient": (
        "δ = ∂L/∂z, and each weight moves w ← w − η·∂L/∂w",
        r"$\delta = \partial L/\partial z$, and each weight moves $w \leftarrow w - \eta\,\partial L/\partial w$",
    ),
    "textbook": (
        (
            "δ = −∂E/∂net = (t − y)·f′(net), Δw = η·δ·x is added: w ← w + Δw "
            "(the gradients asked are −∂L/∂w)"
        ),
        (
            r"$\delta = -\partial E/\partial net = (t - y)\,f'(net)$, $\Delta w = \eta\,\delta\,x$ is "
            r"added: $w \leftarrow w + \Delta w$ (the gradients asked are $-\partial L/\partial w$)"
        ),
    ),
}


def printed(ex: Exercise, key: Key) -> str:
    """The key's answer for ``key``: the exact value at the exercise's decimals."""
    return number(ex.model.values[key], ex.spec.places)


def intro(ex: Exercise, latex: bool = False) -> str:
    s, n = ex.spec, 1 if latex else 0
    acts = "/".join(dict.fromkeys(s.activations))
    bias = "with biases" if s.bias else "without biases"
    loss = f"${_LOSS[s.loss][1]}$" if latex else _LOSS[s.loss][0]
    eta = number(ex.example.learning_rate, 0, given=True)
    eta = f"$\\eta = {eta}$" if latex else f"η = {eta}"
    return (
        f"A {s.architecture} network ({acts} units, {bias}) sees one training example; "
        f"the loss is {loss} and the learning rate is {eta}. "
        f"Convention: {_CONVENTION[s.convention][n]}."
    )


def rules(ex: Exercise, note: bool = True) -> str:
    places = ex.spec.places
    tau = f"{tolerance(places):.{places + 1}f}"
    return (
        f"Give every answer to {places} decimals (an answer within ±{tau} of the exact value is "
        "right). Carry full precision between steps; round only what you write down. An answer "
        "worked correctly from one of your own earlier answers earns credit even if that earlier "
        "answer was wrong." + (names_note(ex) if note else "")
    )


def names_note(ex: Exercise, latex: bool = False) -> str:
    """Under a negative-gradient convention, what the gradient names hold (else nothing): the
    answers file keeps the model's names, so the sheet says the number they take is −∂L/∂θ."""
    if ex.example.conventions.sign > 0 or not any(
        q.kind in ("dL_dW", "dL_db") for q in ex.questions
    ):
        return ""
    held = (
        (r"$-\partial L/\partial w$", r"$-\partial L/\partial b$")
        if latex
        else ("−∂L/∂w", "−∂L/∂b")
    )
    names = (r"\texttt{dL\_dW}", r"\texttt{dL\_db}") if latex else ("dL_dW", "dL_db")
    return (
        f" Under this convention the names {names[0]}... and {names[1]}... in the answers file "
        f"hold {held[0]} and {held[1]}, as the quantity column shows: write that number, sign "
        "included."
    )


def given(ex: Exercise, latex: bool = False) -> list[str]:
    """The given numbers, one line per group (inputs and targets, then each layer's parameters)."""
    notation = ex.example.notation
    groups: dict[str, list[str]] = {}
    for q in ex.model.section("given"):
        group = f"layer {q.key.layer}" if q.key.layer else "data"
        symbol = notation(q.key)
        text = f"${symbol.latex}$" if latex else symbol.text
        value = number(q.fn(()), 0, given=True)
        groups.setdefault(group, []).append(f"{text} = {'$' + value + '$' if latex else value}")
    return [", ".join(items) for items in groups.values()]


def _questions(ex: Exercise, latex: bool = False) -> list[tuple[int, str, str]]:
    notation = ex.example.notation
    out = []
    for n, key in enumerate(ex.questions, start=1):
        symbol = notation(key)
        out.append((n, f"${symbol.latex}$" if latex else symbol.text, str(key)))
    return out


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
    rows += [f"| {n} | {sym} | `{name}` | |" for n, sym, name in _questions(ex)]
    return "\n".join(rows) + "\n"


PREAMBLE = (
    "\\documentclass{article}\n\\usepackage[margin=2cm]{geometry}\n"
    "\\usepackage{amsmath,amssymb,tikz,longtable}\n\\begin{document}\n"
)


def spread(tikz: str) -> str:
    """The TikZ network with its columns 1.8 cm and rows 1.3 cm apart (nodes keep their size), so
    the weight labels of the first layer clear the input circles on a page."""
    return tikz.strip().replace(
        r"\begin{tikzpicture}[", r"\begin{tikzpicture}[x=1.8cm, y=1.3cm,", 1
    )


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
        for n, sym, name in _questions(ex, True)
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
        "questions": [{"number": n, "key": name, "symbol": sym} for n, sym, name in _questions(ex)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ---- the answer key ---------------------------------------------------------------------------


def key_markdown(ex: Exercise) -> str:
    rows = [f"# Answer key: backpropagation exercise {ex.spec.ident}", "", intro(ex), ""]
    rows += ["| # | quantity | name | answer |", "|---|---|---|---|"]
    rows += [f"| {n} | {s} | `{name}` | {printed(ex, q)} |" for (n, s, name), q in _pairs(ex)]
    rows += ["", names_note(ex).strip()] if names_note(ex) else []
    body = report.walkthrough(run(ex.example), "markdown", ex.spec.places)
    return "\n".join(rows) + "\n\n## Worked solution\n\n" + _demote(body)


def walkthrough_latex(w: Walkthrough, places: int) -> str:
    """The walkthrough's LaTeX body (the worked solution of a key or a find-the-slip sheet)."""
    return report.walkthrough(w, "latex", places)


def key_latex(ex: Exercise) -> str:
    rows = [PREAMBLE + rf"\section*{{Answer key: exercise {ex.spec.ident}}}", intro(ex, True), ""]
    rows += [
        r"\renewcommand{\arraystretch}{2}\begin{longtable}{rlll}",
        r"\# & quantity & name & answer \\ \hline",
    ]
    rows += [
        rf"{n} & {s} & \texttt{{{latex_text(name)}}} & ${printed(ex, q)}$ \\"
        for (n, s, name), q in _pairs(ex, True)
    ]
    rows.append(r"\end{longtable}")
    rows += [names_note(ex, True).strip()] if names_note(ex) else []
    body = walkthrough_latex(run(ex.example), ex.spec.places)
    body = body.replace(r"\section*{", r"\subsection*{Worked solution: ", 1)
    return "\n".join(rows) + "\n" + body + "\\end{document}\n"


def key_data(ex: Exercise) -> dict[str, Any]:
    """What key.json holds: the options (grading redraws the exercise from them) and the answers."""
    places = ex.spec.places
    return {
        "format": FORMAT,
        "exercise": ex.spec.ident,
        "options": ex.spec.record(),
        "answers": [
            {
                "number": n,
                "key": name,
                "symbol": s,
                "value": ex.model.values[q],
                "printed": printed(ex, q),
                "tolerance": tolerance(places),
            }
            for (n, s, name), q in _pairs(ex)
        ],
        "walkthrough": json.loads(report.walkthrough(run(ex.example), "json", places)),
    }


def key_json(ex: Exercise) -> str:
    return json.dumps(key_data(ex), ensure_ascii=False, indent=2) + "\n"


def _pairs(ex: Exercise, latex: bool = False) -> list[tuple[tuple[int, str, str], Key]]:
    return list(zip(_questions(ex, latex), ex.questions))


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

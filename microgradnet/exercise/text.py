"""The words every exercise page shares: the introduction, the rules, the given numbers, the
question rows, each answer as the key prints it, and the LaTeX preamble (text only, no files)."""

from __future__ import annotations

from microgradnet.exercise.draw import Exercise
from microgradnet.exercise.judge import tolerance
from microgradnet.tutorial import write_walkthrough as report
from microgradnet.tutorial.formatting import number
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.walkthrough import Walkthrough

__all__ = [
    "PREAMBLE",
    "answer_text",
    "given",
    "intro",
    "names_note",
    "pairs",
    "question_rows",
    "rules",
    "spread",
    "walkthrough_latex",
]

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


def answer_text(ex: Exercise, key: Key) -> str:
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


def question_rows(ex: Exercise, latex: bool = False) -> list[tuple[int, str, str]]:
    notation = ex.example.notation
    out = []
    for n, key in enumerate(ex.questions, start=1):
        symbol = notation(key)
        out.append((n, f"${symbol.latex}$" if latex else symbol.text, str(key)))
    return out


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


def walkthrough_latex(w: Walkthrough, places: int) -> str:
    """The walkthrough's LaTeX body (the worked solution of a key or a find-the-slip sheet)."""
    return report.walkthrough(w, "latex", places)


def pairs(ex: Exercise, latex: bool = False) -> list[tuple[tuple[int, str, str], Key]]:
    return list(zip(question_rows(ex, latex), ex.questions))

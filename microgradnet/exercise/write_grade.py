"""Write grading reports as text, Markdown, JSON or CSV (one row per student); formatting only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from microgradnet.exercise.draw import Exercise
from microgradnet.exercise.grade import Report
from microgradnet.exercise.judge import Mark, describe
from microgradnet.tutorial.formatting import number

__all__ = ["FORMATS", "report"]

FORMATS = ("text", "markdown", "json", "csv")


def _score(r: Report) -> str:
    percent = 100.0 * r.score / r.out_of if r.out_of else 0.0
    return f"{r.score:g} / {r.out_of} ({percent:.0f} %)"


def _note(ex: Exercise, m: Mark) -> str:
    places = ex.spec.places
    if m.verdict == "follow-through":
        return f"follows from your earlier answers ({number(m.recomputed or 0.0, places)})"
    if m.verdict != "wrong":
        return ""
    if not m.mistakes:
        return "no catalogued slip explains it"
    n_layers = len(ex.example.layers)
    words = [describe(s, ex.example.notation, n_layers) for s in m.mistakes]
    return "; or ".join(words)


def _rows(ex: Exercise, r: Report) -> list[list[str]]:
    places, notation = ex.spec.places, ex.example.notation
    return [
        [
            str(n),
            notation(m.key).text,
            r.answers.text(m.key),
            number(m.expected, places),
            m.verdict,
            _note(ex, m),
        ]
        for n, m in enumerate(r.marks, start=1)
    ]


_HEAD = ["#", "quantity", "answer", "key", "verdict", "note"]


def _text(ex: Exercise, reports: Sequence[Report]) -> str:
    out = []
    for r in reports:
        out += [f"{r.answers.student} ({r.answers.source}): {_score(r)}"]
        rows = [_HEAD, *_rows(ex, r)]
        widths = [max(len(row[c]) for row in rows) for c in range(5)]
        for row in rows:
            cells = [f"{cell:<{w}}" for cell, w in zip(row[:5], widths)]
            out.append(("  " + "  ".join(cells) + "  " + row[5]).rstrip())
        out.append("")
    return "\n".join(out)


def _markdown(ex: Exercise, reports: Sequence[Report]) -> str:
    out = [f"# Grades: exercise {ex.spec.ident}", ""]
    for r in reports:
        out += [f"## {r.answers.student}: {_score(r)}", "", f"From `{r.answers.source}`.", ""]
        out += ["| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
        out += [
            "| " + " | ".join(c.replace("|", r"\|") for c in row) + " |" for row in _rows(ex, r)
        ]
        out.append("")
    return "\n".join(out)


def _mark_data(ex: Exercise, r: Report, m: Mark) -> dict[str, Any]:
    n_layers = len(ex.example.layers)
    return {
        "key": str(m.key),
        "answer": m.answer,
        "written": r.answers.text(m.key),
        "expected": m.expected,
        "verdict": m.verdict,
        "credit": m.credit,
        "recomputed": m.recomputed,
        "mistakes": [
            {"slip": s.name, "description": describe(s, ex.example.notation, n_layers)}
            for s in m.mistakes
        ],
    }


def _json(ex: Exercise, reports: Sequence[Report]) -> str:
    data = {
        "exercise": ex.spec.ident,
        "students": [
            {
                "student": r.answers.student,
                "source": r.answers.source,
                "score": r.score,
                "out_of": r.out_of,
                "marks": [_mark_data(ex, r, m) for m in r.marks],
            }
            for r in reports
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _csv(ex: Exercise, reports: Sequence[Report]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "source", "score", "out_of", *map(str, ex.questions)])
    for r in reports:
        verdicts = [m.verdict for m in r.marks]
        writer.writerow([r.answers.student, r.answers.source, f"{r.score:g}", r.out_of, *verdicts])
    return buffer.getvalue()


def report(ex: Exercise, reports: Sequence[Report], fmt: str = "text") -> str:
    """The reports in ``fmt`` (one of FORMATS).

    Raises:
        ValueError: an unknown format.
    """
    writers = {"text": _text, "markdown": _markdown, "json": _json, "csv": _csv}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    return writers[fmt](ex, reports)

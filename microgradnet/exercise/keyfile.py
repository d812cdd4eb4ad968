"""The answer key's file (key.json): its format tag, what it holds, and reading it back.

Grading redraws the exercise from the key's options and refuses a key whose stored answers are
not those this microgradnet draws, so an edited key or another version's is never trusted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from microgradnet.exercise.draw import Exercise, draw
from microgradnet.exercise.judge import tolerance
from microgradnet.exercise.spec import ExerciseError, from_record, read_file, refusal
from microgradnet.exercise.text import answer_text, pairs
from microgradnet.tutorial import write_walkthrough as report
from microgradnet.tutorial.walkthrough import run

__all__ = ["FORMAT", "key_data", "key_file", "key_json", "load_key"]

FORMAT = "microgradnet exercise key 1"  # what key.json says it is


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
                "printed": answer_text(ex, q),
                "tolerance": tolerance(places),
            }
            for (n, s, name), q in pairs(ex)
        ],
        "walkthrough": json.loads(report.walkthrough(run(ex.example), "json", places)),
    }


def key_json(ex: Exercise) -> str:
    return json.dumps(key_data(ex), ensure_ascii=False, indent=2) + "\n"


def key_file(path: str) -> Path:
    """The key file ``path`` names: itself, or ``key.json`` in the folder it names."""
    if path == "":
        raise ExerciseError("key '': the path is empty (give key.json or its folder)")
    return Path(path) / "key.json" if Path(path).is_dir() else Path(path)


def load_key(path: str) -> Exercise:
    """The exercise an answer key (``key.json``, or the folder holding it) was made for.

    Raises:
        ExerciseError: not a key, or this microgradnet draws other numbers for its options.
    """
    target = key_file(path)
    try:
        data = json.loads(read_file(target))
    except (ValueError, RecursionError) as error:  # JSONDecodeError, an int over 4,300 digits
        raise ExerciseError(
            f"{target}: not an answer key (invalid JSON: {refusal(error)})"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExerciseError(f'{target}: not an answer key (no "format": "{FORMAT}")')
    try:
        exercise = draw(from_record(data.get("options")))
    except ExerciseError as error:
        raise ExerciseError(f"{target}: not a usable answer key: {error}") from None
    answers = data.get("answers")
    stored = {
        str(a.get("key")): a.get("printed")
        for a in (answers if isinstance(answers, list) else [])
        if isinstance(a, dict)
    }
    if stored != {str(q): answer_text(exercise, q) for q in exercise.questions}:
        raise ExerciseError(
            f"{target}: its answers are not those of exercise {exercise.spec.ident} as this "
            "microgradnet draws it (edited, or made by another version)"
        )
    return exercise

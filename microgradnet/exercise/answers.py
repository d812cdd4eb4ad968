"""Read students' answers (TOML or CSV, a file each, a folder, or a class CSV).

An answers file names its exercise, so answers to another seed are refused::

    student = "Ada"                 # TOML: one student (default: the file's name)
    seed = 7
    exercise = "7-31289d5e"         # optional; checked when given
    [answers]
    "z1[0]" = 0.9800                # a number, or "0.9800"; "" or absent: not answered

A CSV has a header ``student,seed,exercise,z1[0],a1[0],…`` (``exercise`` optional) and one row
per student; an empty cell is not answered. Every problem is an :class:`ExerciseError` naming the
file, the row or key, and what is wrong.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microgradnet.checks import shown
from microgradnet.exercise.draw import Exercise
from microgradnet.exercise.spec import ExerciseError, read_file, refusal
from microgradnet.tutorial.keys import Key

__all__ = ["Answers", "answer_files", "read_answers"]


@dataclass(frozen=True)
class Answers:
    """One student's answers: ``student``, where they came from (``source``), ``values`` by key
    and ``texts``, each answer as the student wrote it ("-0.0340", not -0.034): the CSV cell or
    TOML string, for a TOML number its source text (repr where that cannot be found)."""

    student: str
    source: str
    values: Mapping[Key, float]
    texts: Mapping[Key, str] = field(default_factory=dict)

    def text(self, key: Key) -> str:
        """The answer to ``key`` as written ("" when not answered)."""
        if key not in self.values:
            return ""
        return self.texts.get(key) or repr(self.values[key])


def answer_files(paths: Sequence[str]) -> list[Path]:
    """The answers files ``paths`` name: each file, and the .toml and .csv files of each folder
    (not of its subfolders).

    Raises:
        ExerciseError: an empty path, or a folder with no answers file.
    """
    files: list[Path] = []
    for path in paths:
        if path == "":
            raise ExerciseError("answers '': the path is empty (give a file or a folder)")
        p = Path(path)
        if p.is_dir():
            try:
                found = sorted(f for f in p.iterdir() if f.suffix.lower() in (".toml", ".csv"))
            except OSError as error:
                raise ExerciseError(f"{p}: cannot list this folder: {error.strerror}") from None
            if not found:
                raise ExerciseError(f"{p}: no .toml or .csv answers files in this folder")
            files += found
        else:
            files.append(p)
    return files


def read_answers(paths: Sequence[str], exercise: Exercise) -> list[Answers]:
    """Every student's answers in ``paths`` (files, or folders of .toml and .csv files).

    Raises:
        ExerciseError: a file that is not an answers file, or no student's answers at all.
    """
    out: list[Answers] = []
    for f in answer_files(paths):
        if f.suffix.lower() == ".csv":
            out += _csv(f, exercise)
        elif f.suffix.lower() == ".toml":
            out.append(_toml(f, exercise))
        else:
            raise ExerciseError(f"{f}: expected a .toml or .csv answers file")
    if not out:
        raise ExerciseError(f"{', '.join(paths)}: no student's answers (only header rows)")
    return out


def _toml(path: Path, ex: Exercise) -> Answers:
    text = read_file(path)
    try:
        data = tomllib.loads(text)
    except (ValueError, RecursionError) as error:  # TOMLDecodeError, an int over 4,300 digits
        raise ExerciseError(f"{path}: invalid TOML: {refusal(error)}") from None
    unknown = sorted(set(data) - {"student", "seed", "exercise", "answers"})
    if unknown:
        raise ExerciseError(
            f"{path}: {unknown[0]}: unknown key; expected student, seed, exercise, answers"
        )
    _same_exercise(str(path), data.get("seed"), data.get("exercise"), ex)
    table = data.get("answers", {})
    if not isinstance(table, dict):
        raise ExerciseError(f"{path}: answers: expected a table of quantity = number")
    student = data.get("student") or path.stem
    if not isinstance(student, str):
        raise ExerciseError(f"{path}: student: expected a name in quotes")
    values = _values(str(path), table, ex)
    return Answers(student, str(path), values, _toml_texts(text, table, values, ex))


def _csv(path: Path, ex: Exercise) -> list[Answers]:
    try:
        rows = list(csv.reader(io.StringIO(read_file(path))))
    except csv.Error as error:  # a cell over the csv module's field limit (128 KiB)
        raise ExerciseError(f"{path}: not a CSV table ({error})") from None
    header = [h.strip() for h in rows[0]] if rows else []
    if "seed" not in header:
        raise ExerciseError(f"{path}: expected a header row with student, seed and question names")
    twice = next((h for n, h in enumerate(header) if h in header[:n]), None)
    if twice is not None:
        raise ExerciseError(f"{path}:1: column {twice!r} appears twice in the header")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ExerciseError(f"{path}:{n}: expected {len(header)} cells, got {len(row)}")
        cells = dict(zip(header, (c.strip() for c in row)))
        where = f"{path}:{n}"
        seed = cells.pop("seed")
        whole = seed.isascii() and seed.isdigit() and len(seed) <= 20
        _same_exercise(where, int(seed) if whole else seed, cells.pop("exercise", None) or None, ex)
        student = cells.pop("student", "") or f"{path.stem} row {n}"
        values = _values(where, cells, ex)
        texts = {key: cells[str(key)] for key in values}
        out.append(Answers(student, where, values, texts))
    return out


#: ``"z1[0]" = -0.0340`` (or unquoted) on a line of its own: a TOML number's source text.
_NUMBER_LINE = re.compile(
    r'^\s*"?([^"=\s]+)"?\s*=\s*([-+]?[0-9][0-9_.eE+-]*)\s*(?:#.*)?$', re.MULTILINE
)


def _toml_texts(
    text: str, table: Mapping[str, Any], values: Mapping[Key, float], ex: Exercise
) -> dict[Key, str]:
    """Each answer's text: a string as written; a number's text from its source line when that
    line reads back to the same number (else none: shown by repr)."""
    source = {name: written for name, written in _NUMBER_LINE.findall(text)}
    out = {}
    for key in values:
        raw = table[str(key)]
        if isinstance(raw, str):
            out[key] = raw
        elif _number(source.get(str(key), "").replace("_", "")) == values[key]:
            out[key] = source[str(key)]
    return out


def _same_exercise(where: str, seed: Any, ident: Any, ex: Exercise) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ExerciseError(
            f"{where}: seed: expected the exercise's seed (a whole number), got {shown(seed)}"
        )
    if seed != ex.spec.seed:
        raise ExerciseError(
            f"{where}: answers to seed {shown(seed)}, but the key is for seed {ex.spec.seed}"
        )
    if ident is not None and ident != ex.spec.ident:
        raise ExerciseError(
            f"{where}: answers to exercise {shown(ident)}, but the key is for {ex.spec.ident!r} "
            "(same seed, other options)"
        )


def _values(where: str, table: Mapping[str, Any], ex: Exercise) -> dict[Key, float]:
    names = {str(q): q for q in ex.questions}
    out = {}
    for name, value in table.items():
        if name not in names:
            raise ExerciseError(
                f"{where}: {shown(name)} is not a question of exercise {ex.spec.ident} "
                f"(questions: {', '.join(names)})"
            )
        if value == "":
            continue
        number = _number(value)
        if number is None:
            raise ExerciseError(f"{where}: {name}: expected a number, got {shown(value)}")
        out[names[name]] = number
    return out


def _number(value: Any) -> float | None:
    """``value`` as a finite float (a number, or text such as "−0.0912"); None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value.replace("−", "-") if isinstance(value, str) else value)
    except (ValueError, OverflowError):  # not a number; an int beyond float range
        return None
    return number if math.isfinite(number) else None

"""Grade students' answers against an exercise: every question judged, a score with partial credit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microgradnet.exercise.answers import Answers
from microgradnet.exercise.draw import Exercise
from microgradnet.exercise.judge import Mark, judge

__all__ = ["Report", "grade"]


@dataclass(frozen=True)
class Report:
    """One student's marks (in question order), their score and the most it could be."""

    answers: Answers
    marks: tuple[Mark, ...]

    @property
    def score(self) -> float:
        return sum(m.credit for m in self.marks)

    @property
    def out_of(self) -> int:
        return len(self.marks)


def grade(ex: Exercise, students: Sequence[Answers], follow_through: float = 1.0) -> list[Report]:
    """Each student's report; ``follow_through`` is the credit (0 to 1) an honest carry earns."""
    return [
        Report(a, tuple(judge(ex.model, ex.questions, a.values, ex.spec.places, follow_through)))
        for a in students
    ]

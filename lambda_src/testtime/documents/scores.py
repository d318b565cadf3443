"""A student's ``<subject>/<test>/<studentId>/score.json``, written by the scorer.

Written as ``{"studentId", "subjectName", "testId", "correct", "questions", "percent", "grade", "wrong",
"scoredAt"}`` (ARCHITECTURE.md); read also in the original 2019 service's shape ``{"score": N}``, a grade without
the counts it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from testtime.documents.codec import MalformedDocument, dumps, is_count, loads, require

Grade = int | float | str


@dataclass(frozen=True)
class WrongAnswer:
    question_id: str
    answer: str | None  # what the student chose; None when unanswered
    correct_answer: str

    def to_json(self) -> dict[str, Any]:
        return {"questionId": self.question_id, "answer": self.answer, "correctAnswer": self.correct_answer}


@dataclass(frozen=True)
class Score:
    """One student's result on one test, as the scorer computed it."""

    student_id: str
    subject: str
    test_id: str
    correct: int
    questions: int
    percent: float
    grade: Grade
    wrong: tuple[WrongAnswer, ...] = field(default=())


def score_document(score: Score, scored_at: str) -> bytes:
    """``score.json``: the only shape written."""
    return dumps(
        {
            "studentId": score.student_id,
            "subjectName": score.subject,
            "testId": score.test_id,
            "correct": score.correct,
            "questions": score.questions,
            "percent": score.percent,
            "grade": score.grade,
            "wrong": [item.to_json() for item in score.wrong],
            "scoredAt": scored_at,
        }
    )


@dataclass(frozen=True)
class ScoreRecord:
    """A stored score as a reader needs it; the counts are None for a 2019 ``{"score": N}``."""

    grade: Grade
    correct: int | None
    questions: int | None
    percent: float | None
    legacy: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"correct": self.correct, "questions": self.questions, "percent": self.percent, "grade": self.grade}


def _is_grade(value: Any) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def parse_score(key: str, body: bytes | None) -> ScoreRecord:
    document = loads(key, require(key, body))
    if not isinstance(document, dict):
        raise MalformedDocument(key, "is not an object")
    if "grade" not in document and _is_grade(document.get("score")):
        return ScoreRecord(document["score"], None, None, None, legacy=True)
    correct, questions, percent, grade = (document.get(name) for name in ("correct", "questions", "percent", "grade"))
    if not (is_count(correct) and is_count(questions) and _is_grade(grade)):
        raise MalformedDocument(key, "lacks correct, questions or grade")
    if correct > questions:
        raise MalformedDocument(key, f"counts {correct} correct of {questions} questions")
    if isinstance(percent, bool) or not isinstance(percent, int | float):
        raise MalformedDocument(key, "has no numeric percent")
    return ScoreRecord(grade, correct, questions, float(percent))

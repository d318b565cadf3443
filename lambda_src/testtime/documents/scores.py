"""A student's ``<subject>/<test>/<studentId>/score.json``, written by the scorer.

Written as ``{"studentId", "subjectName", "testId", "correct", "questions", "percent", "grade", "wrong",
"scoredAt"}`` (ARCHITECTURE.md); read also in the original 2019 service's shape ``{"score": N}``, a grade without
the counts it came from. A weighted test's score (points, or multiple-answer questions) adds ``points`` and
``maxPoints``, and ``earned`` and ``points`` to each ``wrong`` item; a score of a submission's version 2 or later
its ``version``. Unweighted scores of first versions keep their bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from testtime.documents.codec import MalformedDocument, dumps, is_count, loads, require

Grade = int | float | str


Answer = str | tuple[str, ...]


def _listed(answer: Answer | None) -> str | list[str] | None:
    return list(answer) if isinstance(answer, tuple) else answer


@dataclass(frozen=True)
class WrongAnswer:
    """A question not fully right: what the student chose (None: unanswered; a tuple for a multiple-answer
    question) and the right answer; ``earned`` and ``points`` only on a weighted test."""

    question_id: str
    answer: Answer | None
    correct_answer: Answer
    earned: float | None = None
    points: float | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "questionId": self.question_id,
            "answer": _listed(self.answer),
            "correctAnswer": _listed(self.correct_answer),
        }
        if self.points is not None:
            document["earned"] = self.earned
            document["points"] = self.points
        return document


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
    points: float | None = None  # earned, on a weighted test only
    max_points: float | None = None
    version: int = 1  # the submission version scored
    # Per answer-key entry, in key order, the student's answer (None: unanswered): for the item analysis and the
    # state cache; not part of score.json.
    answers: tuple[tuple[str, Answer | None], ...] = ()

    @property
    def weighted(self) -> bool:
        return self.max_points is not None


def score_document(score: Score, scored_at: str) -> bytes:
    """``score.json``: the only shape written."""
    document: dict[str, Any] = {
        "studentId": score.student_id,
        "subjectName": score.subject,
        "testId": score.test_id,
        "correct": score.correct,
        "questions": score.questions,
        "percent": score.percent,
        "grade": score.grade,
    }
    if score.max_points is not None:
        document["points"] = score.points
        document["maxPoints"] = score.max_points
    document["wrong"] = [item.to_json() for item in score.wrong]
    if score.version != 1:
        document["version"] = score.version
    document["scoredAt"] = scored_at
    return dumps(document)


@dataclass(frozen=True)
class ScoreRecord:
    """A stored score as a reader needs it; the counts are None for a 2019 ``{"score": N}``."""

    grade: Grade
    correct: int | None
    questions: int | None
    percent: float | None
    legacy: bool = False
    points: float | None = None  # a weighted test's points earned and possible; None otherwise
    max_points: float | None = None
    version: int = 1  # the submission version scored (a resubmit test's latest)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "correct": self.correct,
            "questions": self.questions,
            "percent": self.percent,
            "grade": self.grade,
        }
        if self.max_points is not None:
            document["points"] = self.points
            document["maxPoints"] = self.max_points
        return document


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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
    if not _is_number(percent):
        raise MalformedDocument(key, "has no numeric percent")
    version = document.get("version", 1)
    if not is_count(version) or version < 1:
        raise MalformedDocument(key, f"has version {version!r}, not a whole number from 1")
    points, max_points = document.get("points"), document.get("maxPoints")
    if max_points is None:
        return ScoreRecord(grade, correct, questions, float(percent), version=version)
    if not (_is_number(points) and _is_number(max_points) and 0 <= points <= max_points):
        raise MalformedDocument(key, f"has points {points!r} of {max_points!r}, not 0 to maxPoints")
    return ScoreRecord(grade, correct, questions, float(percent), points=points, max_points=max_points, version=version)

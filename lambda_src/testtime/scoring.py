"""Grading: a submission against a test's answer key, on a configurable grade scale. Pure (no I/O).

Tolerant of the original 2019 service's data: its ``testResult.json`` may carry ``testResult`` instead of
``answers`` (as a list of ``{"questionId", "answer"}`` or as a ``{questionId: answer}`` object) and has no
``receivedAt``. Anything else that cannot be read as a submission raises :class:`CorruptSubmission`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Grade = int | float | str

# Bumped when the content of score.json changes shape, so existing score.json files get rewritten.
SCORE_FORMAT = 1


class CorruptSubmission(ValueError):
    """A testResult.json that cannot be scored; the message says why, for the trainer's summary."""


class CorruptAnswerKey(ValueError):
    """A questionsKey.json that cannot be used; the whole test is reported instead of scored."""


@dataclass(frozen=True)
class GradeScale:
    """``bands`` as ``(min_percent, grade)`` sorted by min_percent descending; empty means the original rule."""

    bands: tuple[tuple[float, Grade], ...] = ()

    def grade(self, correct: int, questions: int) -> Grade:
        if questions <= 0:
            return 0 if not self.bands else self.bands[-1][1]
        if not self.bands:
            # The original service's rule, Python's round (half to even) included.
            return round(correct / questions * 5)
        percent = correct * 100 / questions  # exact, not the rounded percent, so 59.996 % is not 60 %
        for minimum, grade in self.bands:
            if percent >= minimum:
                return grade
        return self.bands[-1][1]

    def describe(self) -> str:
        """Canonical text of the scale; part of the scoring version."""
        return json.dumps([[m, g] for m, g in self.bands]) if self.bands else "round(correct/questions*5)"


def parse_grade_scale(text: str | None) -> GradeScale:
    """A scale from settings: JSON ``[[min_percent, grade], ...]`` with a band starting at 0; empty for default."""
    if text is None or not text.strip():
        return GradeScale()
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise ValueError(f"GRADE_SCALE is not JSON: {error}") from None
    if not isinstance(raw, list):
        raise ValueError("GRADE_SCALE must be a JSON list of [min_percent, grade] pairs")
    if not raw:
        return GradeScale()  # group_vars' grade_scale: [] means the original round(correct / questions * 5)
    bands: list[tuple[float, Grade]] = []
    for item in raw:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or isinstance(item[0], bool)
            or not isinstance(item[0], int | float)
            or not isinstance(item[1], int | float | str)
            or isinstance(item[1], bool)
        ):
            raise ValueError(f"GRADE_SCALE entry {item!r} is not a [min_percent, grade] pair")
        minimum = float(item[0])
        if not math.isfinite(minimum) or not 0 <= minimum <= 100:
            raise ValueError(f"GRADE_SCALE minimum {item[0]!r} is not between 0 and 100")
        bands.append((minimum, item[1]))
    if len({m for m, _ in bands}) != len(bands):
        raise ValueError("GRADE_SCALE has two bands with the same minimum")
    if min(m for m, _ in bands) != 0:
        raise ValueError("GRADE_SCALE needs a band starting at 0, so that every score has a grade")
    return GradeScale(tuple(sorted(bands, key=lambda band: band[0], reverse=True)))


def _norm(value: Any) -> str | None:
    """Answers compare case- and space-insensitively; the legacy data has ids like "a" and numbers as ids."""
    if value is None or isinstance(value, bool | list | dict):
        return None
    return str(value).strip().lower() or None


def _pairs(raw: Any, what: str, error: type[ValueError]) -> list[tuple[str, Any]]:
    """``(questionId, answer)`` pairs from a list of objects or a ``{questionId: answer}`` object."""
    if isinstance(raw, dict):
        return [(str(qid), answer) for qid, answer in raw.items()]
    if not isinstance(raw, list):
        raise error(f"{what} is neither a list nor an object")
    pairs: list[tuple[str, Any]] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "questionId" not in item:
            raise error(f"{what} entry {index} has no questionId")
        qid = item["questionId"]
        if qid is None or isinstance(qid, bool | list | dict) or not str(qid).strip():
            raise error(f"{what} entry {index} has an invalid questionId")
        pairs.append((str(qid).strip(), item.get("answer")))
    return pairs


@dataclass(frozen=True)
class AnswerKey:
    """The right answer per question id, in the order of questionsKey.json."""

    answers: tuple[tuple[str, str], ...]
    digest: str

    @property
    def questions(self) -> int:
        return len(self.answers)


def parse_answer_key(body: bytes) -> AnswerKey:
    try:
        raw = json.loads(body)
    except ValueError as error:
        raise CorruptAnswerKey(f"questionsKey.json is not JSON: {error}") from None
    pairs = _pairs(raw, "questionsKey.json", CorruptAnswerKey)
    seen: set[str] = set()
    answers: list[tuple[str, str]] = []
    for qid, answer in pairs:
        normalised = _norm(answer)
        if normalised is None:
            raise CorruptAnswerKey(f"questionsKey.json has no answer for question {qid}")
        if qid in seen:
            raise CorruptAnswerKey(f"questionsKey.json lists question {qid} twice")
        seen.add(qid)
        answers.append((qid, str(answer).strip()))
    if not answers:
        raise CorruptAnswerKey("questionsKey.json has no questions")
    return AnswerKey(tuple(answers), hashlib.sha256(body).hexdigest())


def scoring_version(key: AnswerKey, scale: GradeScale) -> str:
    """Equal versions give equal score.json content for the same (immutable) submission."""
    text = f"{SCORE_FORMAT}\n{key.digest}\n{scale.describe()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Submission:
    student_id: str
    answers: Mapping[str, str | None]  # question id -> normalised answer (None: unanswered)
    received_at: str | None
    legacy: bool


def parse_submission(body: bytes, student_id: str) -> Submission:
    """A submission from testResult.json bytes; ``student_id`` comes from the key, which the API wrote."""
    try:
        raw = json.loads(body)
    except ValueError as error:
        raise CorruptSubmission(f"testResult.json is not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise CorruptSubmission("testResult.json is not a JSON object")
    legacy = "answers" not in raw
    if legacy and "testResult" not in raw:
        raise CorruptSubmission('testResult.json has neither "answers" nor "testResult"')
    answers: dict[str, str | None] = {}
    for qid, answer in _pairs(raw["testResult" if legacy else "answers"], "testResult.json answers", CorruptSubmission):
        answers.setdefault(qid, _norm(answer))  # a repeated question counts once, first answer wins
    received = raw.get("receivedAt")
    return Submission(student_id, answers, received if isinstance(received, str) else None, legacy)


@dataclass(frozen=True)
class WrongAnswer:
    question_id: str
    answer: str | None  # what the student chose; None when unanswered
    correct_answer: str

    def to_json(self) -> dict[str, Any]:
        return {"questionId": self.question_id, "answer": self.answer, "correctAnswer": self.correct_answer}


@dataclass(frozen=True)
class Score:
    student_id: str
    subject: str
    test_id: str
    correct: int
    questions: int
    percent: float
    grade: Grade
    wrong: tuple[WrongAnswer, ...] = field(default=())

    def to_json(self, scored_at: str) -> dict[str, Any]:
        """The content of score.json (ARCHITECTURE.md)."""
        return {
            "studentId": self.student_id,
            "subjectName": self.subject,
            "testId": self.test_id,
            "correct": self.correct,
            "questions": self.questions,
            "percent": self.percent,
            "grade": self.grade,
            "wrong": [item.to_json() for item in self.wrong],
            "scoredAt": scored_at,
        }

    def row(self) -> dict[str, Any]:
        """What the trainer's summary needs, kept in the scorer's state."""
        return {"correct": self.correct, "questions": self.questions, "percent": self.percent, "grade": self.grade}


def score(submission: Submission, key: AnswerKey, scale: GradeScale, subject: str, test_id: str) -> Score:
    """Correct answers over the questions of the key; answers to unknown questions are ignored."""
    correct = 0
    wrong: list[WrongAnswer] = []
    for qid, right in key.answers:
        given = submission.answers.get(qid)
        if given is not None and given == _norm(right):
            correct += 1
        else:
            wrong.append(WrongAnswer(qid, given, right))
    questions = key.questions
    percent = round(correct * 100 / questions, 2) if questions else 0.0
    return Score(
        submission.student_id,
        subject,
        test_id,
        correct,
        questions,
        percent,
        scale.grade(correct, questions),
        tuple(wrong),
    )


def missing_students(class_ids: Iterable[str], submitted: Iterable[str]) -> list[str]:
    """Students of the class list without a submission, sorted."""
    done = set(submitted)
    return sorted({sid for sid in class_ids if sid not in done})

"""``GET /api/v1/history``'s answer, built from what the store read (pure, no I/O).

One entry per submitted test: when it was submitted, the caller's deadline, and once scored the score. The review
of each question (in the order the student was shown it: their answer, the right one, whether theirs was right, the
points and the explanation) comes only once the test is closed for everybody
(:meth:`CatalogTest.closed_for_everybody`, the latest extension included): before that another student may still
submit, and a right answer shown to one would reach the others. The student's own answers wait as well: beside the
score they give the key away (a 100% score makes them the key), which is why the scorer holds the score emails of
such a test too (scorer/run.py). Without extensions a test is closed for everybody when it is scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from testtime.deadlines import parse_instant, to_iso
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import AnswerKey, Question, normalise
from testtime.documents.scores import ScoreRecord
from testtime.documents.submissions import Given, Submission
from testtime.ordering import student_order
from testtime.scoring import question_points


@dataclass(frozen=True)
class Submitted:
    """What the store found of one submitted test: the submission time from the marker (a resubmit test's
    receipt, else the marker's last write), the version, and once scored the score with what its review needs."""

    test: CatalogTest
    student_id: str
    submitted_at: str
    version: int | None = None  # a resubmit test's latest version; None for the others
    score: ScoreRecord | None = None
    questions: tuple[Question, ...] = ()
    submission: Submission | None = None
    key: AnswerKey | None = None  # read only once the test is closed for everybody


def score_json(record: ScoreRecord) -> dict[str, Any]:
    """The contract's ``score``: an unweighted test's points are its right answers. A 2019 score (a grade only)
    has null counts."""
    points = record.points if record.max_points is not None else record.correct
    max_points = record.max_points if record.max_points is not None else record.questions
    return {
        "correct": record.correct,
        "questions": record.questions,
        "points": points,
        "maxPoints": max_points,
        "percent": record.percent,
        "grade": record.grade,
    }


def _picked(question: Question, given: Given) -> list[str]:
    """The choice ids ``given`` names, as published and in the order shown; an id the question lacks as given."""
    wanted = {given} if isinstance(given, str) else set(given or ())
    picked = [choice.answer_id for choice in question.choices if normalise(choice.answer_id) in wanted]
    known = {normalise(choice) for choice in picked}
    return picked + sorted(choice for choice in wanted if choice not in known)


def _shown(question: Question, choices: Sequence[str]) -> str | list[str] | None:
    """A multiple-answer question's answer as a list, another's as one id; None when unanswered."""
    if not choices:
        return None
    return list(choices) if question.multiple else choices[0]


def _texts(question: Question, choices: Iterable[str]) -> list[str]:
    return [text for text in (question.choice_body(choice) for choice in choices) if text is not None]


def review(entry: Submitted, show_right: bool) -> list[dict[str, Any]]:
    """Each question, in the order the student saw it: their answer and its text; with ``show_right`` also the
    right answer, whether theirs was right, the points and the explanation the key gives."""
    test, submission = entry.test, entry.submission
    shown = entry.questions
    if test.shuffle:
        shown = student_order(entry.questions, test.subject, test.test_id, entry.student_id)
    answers = submission.answers if submission is not None else {}
    items: list[dict[str, Any]] = []
    for question in shown:
        given = answers.get(question.question_id)
        picked = _picked(question, given)
        item: dict[str, Any] = {
            "questionId": question.question_id,
            "text": question.text,
            "answer": _shown(question, picked),
            "answerText": _texts(question, picked),
        }
        key_entry = entry.key.entry(question.question_id) if entry.key is not None else None
        if show_right and key_entry is not None:
            right = list(key_entry.right_choices)
            earned = question_points(key_entry, given)
            item["right"] = right if key_entry.multiple else right[0]
            item["rightText"] = _texts(question, right)
            item["correct"] = earned >= key_entry.points
            item["points"] = int(earned) if earned == int(earned) else earned
            item["maxPoints"] = key_entry.points
            if key_entry.explanation:
                item["explanation"] = key_entry.explanation
        items.append(item)
    return items


def history_entry(entry: Submitted, now: datetime) -> dict[str, Any]:
    """One test of the history, as the contract gives it."""
    test = entry.test
    closed = test.closed_for_everybody(now)
    listed: dict[str, Any] = {
        "subjectName": test.subject,
        "subjectTitle": test.subject_display,
        "testId": test.test_id,
        "title": test.title,
        "submittedAt": entry.submitted_at,
    }
    if test.resubmit and entry.version is not None:
        listed["version"] = entry.version
    listed |= {
        "deadline": to_iso(test.deadline_for(entry.student_id)),
        "closedForEverybody": closed,
        "answersShownAfter": to_iso(test.closes_for_everybody),
        "status": "scored" if entry.score is not None else "submitted",
    }
    if entry.score is not None:
        listed["score"] = score_json(entry.score)
        if closed:
            listed["review"] = review(entry, show_right=True)
    return listed


def _newest_first(listed: dict[str, Any]) -> tuple[float, str, str]:
    return (-parse_instant(listed["submittedAt"]).timestamp(), listed["subjectName"], listed["testId"])


def history(student_id: str, student_name: str, entries: Iterable[Submitted], now: datetime) -> dict[str, Any]:
    """The whole answer: the caller and their submitted tests, the newest submission first."""
    tests = [history_entry(entry, now) for entry in entries]
    tests.sort(key=_newest_first)
    return {"studentId": student_id, "studentName": student_name, "tests": tests}

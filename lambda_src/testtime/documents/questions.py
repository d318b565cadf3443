"""A test's ``questions.json`` (what students see) and ``questionsKey.json`` (the answer key, never shown to them).

Both keep the original 2019 shapes: ``[{"questionId", "question", "answers": [{"answerId", "answerBody"}]}]`` and
``[{"questionId", "answer"}]``. The answer key of 2019 data may also be a ``{questionId: answer}`` object and carry
numbers as ids; it is read as text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from testtime.documents.codec import MalformedDocument, dumps, loads, require


@dataclass(frozen=True)
class Choice:
    answer_id: str
    body: str


@dataclass(frozen=True)
class Question:
    question_id: str
    text: str
    choices: tuple[Choice, ...]

    def choice_ids(self) -> list[str]:
        return [choice.answer_id for choice in self.choices]

    def choice_body(self, answer_id: str | None) -> str | None:
        """The text of the choice ``answer_id`` names, compared ignoring case and spaces; None when none does."""
        wanted = normalise(answer_id)
        return next((choice.body for choice in self.choices if normalise(choice.answer_id) == wanted), None)


def normalise(value: Any) -> str | None:
    """How answers compare: case- and space-insensitively, numbers as their text; None for no answer."""
    if value is None or isinstance(value, bool | list | dict):
        return None
    return str(value).strip().lower() or None


def _text(value: Any) -> str:
    """A question's or a choice's text; a missing or null one is empty (``str(None)`` would show "None")."""
    return "" if value is None else str(value)


def parse_questions(key: str, body: bytes | None) -> tuple[Question, ...]:
    """The published questions in order; MalformedDocument for a missing or malformed file."""
    document = loads(key, require(key, body))
    if not isinstance(document, list):
        raise MalformedDocument(key, "is not a list of questions")
    questions: list[Question] = []
    seen: set[str] = set()
    for index, item in enumerate(document):
        if not isinstance(item, dict) or not isinstance(item.get("questionId"), str):
            raise MalformedDocument(key, f"entry {index} has no string questionId")
        answers = item.get("answers")
        if not isinstance(answers, list) or not all(
            isinstance(a, dict) and isinstance(a.get("answerId"), str) for a in answers
        ):
            raise MalformedDocument(key, f"entry {index}: answers is not a list of objects with a string answerId")
        question_id = item["questionId"]
        if question_id in seen:
            raise MalformedDocument(key, f"entry {index} repeats questionId {question_id!r}")
        seen.add(question_id)
        choices = tuple(Choice(a["answerId"], _text(a.get("answerBody"))) for a in answers)
        questions.append(Question(question_id, _text(item.get("question")), choices))
    return tuple(questions)


def questions_document(questions: Iterable[Question]) -> bytes:
    """``questions.json``: it never carries an answer."""
    return dumps(public_questions(questions))


def public_questions(questions: Iterable[Question]) -> list[dict[str, Any]]:
    """The questions as a student sees them (the API's answer and ``questions.json`` alike)."""
    return [
        {
            "questionId": question.question_id,
            "question": question.text,
            "answers": [{"answerId": c.answer_id, "answerBody": c.body} for c in question.choices],
        }
        for question in questions
    ]


@dataclass(frozen=True)
class AnswerKey:
    """The right answer per question id, in the order of questionsKey.json, and the digest of its bytes."""

    answers: tuple[tuple[str, str], ...]
    digest: str

    @property
    def questions(self) -> int:
        return len(self.answers)


def answer_pairs(key: str, raw: Any, what: str = "") -> list[tuple[str, Any]]:
    """``(questionId, answer)`` pairs from a list of ``{"questionId", "answer"}`` or a ``{questionId: answer}``
    object (the shapes of answer keys and submissions, old and new); ``what`` names a field inside the document,
    e.g. ``"answers "``, empty for the document itself."""
    if isinstance(raw, dict):
        if any(not str(qid).strip() for qid in raw):  # the same rule as a list entry's questionId
            raise MalformedDocument(key, f"{what}has an empty questionId".lstrip())
        return [(str(qid).strip(), answer) for qid, answer in raw.items()]
    if not isinstance(raw, list):
        raise MalformedDocument(key, f"{what}is neither a list nor an object".lstrip())
    pairs: list[tuple[str, Any]] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "questionId" not in item:
            raise MalformedDocument(key, f"{what}entry {index} has no questionId".lstrip())
        qid = item["questionId"]
        if qid is None or isinstance(qid, bool | list | dict) or not str(qid).strip():
            raise MalformedDocument(key, f"{what}entry {index} has an invalid questionId".lstrip())
        pairs.append((str(qid).strip(), item.get("answer")))
    return pairs


def parse_answer_key(key: str, body: bytes | None) -> AnswerKey:
    body = require(key, body)
    seen: set[str] = set()
    answers: list[tuple[str, str]] = []
    for qid, answer in answer_pairs(key, loads(key, body)):
        if normalise(answer) is None:
            raise MalformedDocument(key, f"has no answer for question {qid}")
        if qid in seen:
            raise MalformedDocument(key, f"lists question {qid} twice")
        seen.add(qid)
        answers.append((qid, str(answer).strip()))
    if not answers:
        raise MalformedDocument(key, "has no questions")
    return AnswerKey(tuple(answers), hashlib.sha256(body).hexdigest())


def answer_key_document(answers: Iterable[tuple[str, str]]) -> bytes:
    return dumps([{"questionId": question_id, "answer": answer} for question_id, answer in answers])

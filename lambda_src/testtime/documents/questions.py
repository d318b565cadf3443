"""A test's ``questions.json`` (what students see) and ``questionsKey.json`` (the answer key, never shown to them).

Both keep the original 2019 shapes: ``[{"questionId", "question", "answers": [{"answerId", "answerBody"}]}]`` and
``[{"questionId", "answer"}]``. The answer key of 2019 data may also be a ``{questionId: answer}`` object and carry
numbers as ids; it is read as text.

Optional fields, written only when a question uses them, so a test without them keeps the 2019 bytes:
``questions.json`` entries may carry ``points`` (when not 1), ``multiple: true`` (more than one choice may be right)
and ``partial: true`` (partial credit); ``questionsKey.json`` entries the same ``points`` and ``partial``, a list
``answer`` for a multiple-answer question, and an ``explanation`` shown with the right answer once the test has
closed for everybody. The students' file never carries an answer or an explanation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from testtime.documents.codec import MalformedDocument, dumps, loads, require


@dataclass(frozen=True)
class Choice:
    answer_id: str
    body: str


# The most points one question may be worth: beyond it a figure is a typo, and sums stay exact in floats.
MAX_POINTS = 1000
POINTS_DECIMALS = 4  # points as stored: 1/3 of a point is 0.3333


@dataclass(frozen=True)
class Question:
    question_id: str
    text: str
    choices: tuple[Choice, ...]
    points: float = 1
    multiple: bool = False  # any number of choices may be picked (checkboxes)
    partial: bool = False  # a multiple-answer question scored with partial credit

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


def is_points(value: Any) -> bool:
    """A question's worth: a positive finite number up to :data:`MAX_POINTS` (not a boolean)."""
    # The range first: comparing a 400-digit int is fine, math.isfinite on it raises OverflowError (NaN fails both).
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= MAX_POINTS


def _points(key: str, where: str, item: dict[str, Any]) -> float:
    value = item.get("points", 1)
    if not is_points(value):
        raise MalformedDocument(key, f"{where}: points {value!r} is not a number above 0 and at most {MAX_POINTS}")
    return value


def _flag(key: str, where: str, item: dict[str, Any], name: str) -> bool:
    value = item.get(name, False)
    if not isinstance(value, bool):
        raise MalformedDocument(key, f"{where}: {name} {value!r} is not true or false")
    return value


def _optional_fields(question: Question) -> dict[str, Any]:
    """The optional fields a question uses, in the order they are written."""
    fields: dict[str, Any] = {}
    if question.points != 1:
        fields["points"] = question.points
    if question.multiple:
        fields["multiple"] = True
    if question.partial:
        fields["partial"] = True
    return fields


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
        where = f"entry {index}"
        questions.append(
            Question(
                question_id,
                _text(item.get("question")),
                choices,
                points=_points(key, where, item),
                multiple=_flag(key, where, item, "multiple"),
                partial=_flag(key, where, item, "partial"),
            )
        )
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
            **_optional_fields(question),
        }
        for question in questions
    ]


Answer = str | tuple[str, ...]  # a choice id, or the right choices of a multiple-answer question


@dataclass(frozen=True)
class KeyEntry:
    """One question of the answer key: the right answer, what it is worth, and why (the explanation)."""

    question_id: str
    answer: Answer
    points: float = 1
    partial: bool = False
    explanation: str | None = None

    @property
    def multiple(self) -> bool:
        return isinstance(self.answer, tuple)

    @property
    def right_choices(self) -> tuple[str, ...]:
        return self.answer if isinstance(self.answer, tuple) else (self.answer,)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "questionId": self.question_id,
            "answer": list(self.answer) if isinstance(self.answer, tuple) else self.answer,
        }
        if self.points != 1:
            document["points"] = self.points
        if self.partial:
            document["partial"] = True
        if self.explanation:
            document["explanation"] = self.explanation
        return document


@dataclass(frozen=True)
class AnswerKey:
    """The answer key's entries in the order of questionsKey.json, and the digest of its bytes."""

    entries: tuple[KeyEntry, ...]
    digest: str

    @property
    def answers(self) -> tuple[tuple[str, Answer], ...]:
        """``(question_id, answer)`` per question."""
        return tuple((entry.question_id, entry.answer) for entry in self.entries)

    @property
    def questions(self) -> int:
        return len(self.entries)

    @property
    def max_points(self) -> float:
        """The points of every question, summed exactly (0.1 + 0.7 is 0.8, not 0.7999999999999999), as the scorer
        sums the points earned; a whole sum as an int."""
        total = sum((Fraction(str(entry.points)) for entry in self.entries), Fraction(0))
        return total.numerator if total.denominator == 1 else round(float(total), POINTS_DECIMALS)

    @property
    def weighted(self) -> bool:
        """Whether scores are in points rather than a count of right answers (any points or list answer)."""
        return any(entry.points != 1 or entry.multiple for entry in self.entries)

    def entry(self, question_id: str) -> KeyEntry | None:
        return next((entry for entry in self.entries if entry.question_id == question_id), None)

    @property
    def explanations(self) -> dict[str, str]:
        return {entry.question_id: entry.explanation for entry in self.entries if entry.explanation}


def answer_pairs(key: str, raw: Any, what: str = "") -> list[tuple[str, Any]]:
    """``(questionId, answer)`` pairs from a list of ``{"questionId", "answer"}`` or a ``{questionId: answer}``
    object (the shapes of answer keys and submissions, old and new); ``what`` names a field inside the document,
    e.g. ``"answers "``, empty for the document itself."""
    return [(qid, item.get("answer") if isinstance(item, dict) else item) for qid, item in _keyed_items(key, raw, what)]


def _keyed_items(key: str, raw: Any, what: str = "") -> list[tuple[str, Any]]:
    """``(questionId, the whole entry)`` for a list of entries; ``(questionId, answer)`` for an object."""
    if isinstance(raw, dict):
        if any(not str(qid).strip() for qid in raw):  # the same rule as a list entry's questionId
            raise MalformedDocument(key, f"{what}has an empty questionId".lstrip())
        return [(str(qid).strip(), answer) for qid, answer in raw.items()]
    if not isinstance(raw, list):
        raise MalformedDocument(key, f"{what}is neither a list nor an object".lstrip())
    items: list[tuple[str, Any]] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "questionId" not in item:
            raise MalformedDocument(key, f"{what}entry {index} has no questionId".lstrip())
        qid = item["questionId"]
        if qid is None or isinstance(qid, bool | list | dict) or not str(qid).strip():
            raise MalformedDocument(key, f"{what}entry {index} has an invalid questionId".lstrip())
        items.append((str(qid).strip(), item))
    return items


def _key_answer(key: str, qid: str, answer: Any) -> Answer:
    """A key's answer: a choice id as text, or a non-empty list of distinct ones (a multiple-answer question)."""
    if isinstance(answer, list):
        choices = [str(choice).strip() for choice in answer if normalise(choice) is not None]
        if not choices or len(choices) != len(answer):
            raise MalformedDocument(key, f"has an empty or invalid answer list for question {qid}")
        if len({normalise(choice) for choice in choices}) != len(choices):
            raise MalformedDocument(key, f"repeats a choice in the answer of question {qid}")
        return tuple(choices)
    if normalise(answer) is None:
        raise MalformedDocument(key, f"has no answer for question {qid}")
    return str(answer).strip()


def _key_entry(key: str, qid: str, item: Any) -> KeyEntry:
    if not isinstance(item, dict):  # the 2019 {questionId: answer} object
        return KeyEntry(qid, _key_answer(key, qid, item))
    answer = _key_answer(key, qid, item.get("answer"))
    where = f"question {qid}"
    partial = _flag(key, where, item, "partial")
    if partial and not isinstance(answer, tuple):
        raise MalformedDocument(key, f"{where}: partial applies only to a list answer")
    explanation = item.get("explanation")
    if explanation is not None and not isinstance(explanation, str):
        raise MalformedDocument(key, f"{where}: explanation is not text")
    return KeyEntry(qid, answer, _points(key, where, item), partial, explanation or None)


def parse_answer_key(key: str, body: bytes | None) -> AnswerKey:
    body = require(key, body)
    seen: set[str] = set()
    entries: list[KeyEntry] = []
    for qid, item in _keyed_items(key, loads(key, body)):
        entry = _key_entry(key, qid, item)
        if qid in seen:
            raise MalformedDocument(key, f"lists question {qid} twice")
        seen.add(qid)
        entries.append(entry)
    if not entries:
        raise MalformedDocument(key, "has no questions")
    return AnswerKey(tuple(entries), hashlib.sha256(body).hexdigest())


def answer_key_document(entries: Iterable[KeyEntry | tuple[str, str]]) -> bytes:
    """``questionsKey.json``; plain ``(question_id, answer)`` pairs are single-answer entries worth one point."""
    return dumps([(entry if isinstance(entry, KeyEntry) else KeyEntry(*entry)).to_json() for entry in entries])

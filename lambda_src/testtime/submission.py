"""Validation of ``POST /api/v1/test`` bodies against a test's published questions (pure, no I/O).

The questions come parsed (:mod:`testtime.documents.questions`); the document stored is written by
:func:`testtime.documents.submissions.submission_document`.

Every rejection is an ``ApiError`` with status 400 whose message names the offending field, e.g.
``answers[2].answer: 'e' is not a choice of question 3 (choices: a, b, c, d)`` or, in the list a multiple-answer
question takes, ``answers[0].answer[1]: choice 'a' is given more than once``.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from testtime.documents.questions import Question
from testtime.errors import ApiError
from testtime.layout import SAFE_ID_MAX_LENGTH, is_safe_id

# The original 2019 client sent the answers as "testResult"; both names are accepted.
ANSWER_FIELDS = ("answers", "testResult")


@dataclass(frozen=True)
class SubmitRequest:
    subject: str
    test_id: str
    answers_field: str  # which of ANSWER_FIELDS the body used, so messages name what the client sent
    answers: list[Any]


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def invalid_answer(message: str) -> ApiError:
    return ApiError(400, "invalid_answer", message)


def require_id(container: dict[str, Any], name: str, where: str | None = None) -> str:
    """The id ``container[name]``: present, a string, and usable as an S3 key part."""
    label = where or name
    if name not in container:
        raise bad_request(f"{label}: this field is required")
    return check_id(container[name], label)


ID_RULE = "ids are 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, without '..'"
_ID_START = frozenset(string.ascii_letters + string.digits)
_ID_CHARACTERS = _ID_START | frozenset("._-")


def id_problem(value: str) -> str:
    """Why ``value`` is not a usable id, in plain words (the first reason found)."""
    if not value:
        return "it is empty"
    if value != value.strip():
        return "it starts or ends with a space or line break"
    if len(value) > SAFE_ID_MAX_LENGTH:
        return f"it is {len(value)} characters long, more than {SAFE_ID_MAX_LENGTH}"
    bad = next((character for character in value if character not in _ID_CHARACTERS), None)
    if bad is not None:
        return f"it contains {bad!r}"
    if value[0] not in _ID_START:
        return f"it starts with {value[0]!r}"
    return "it contains '..'"


def check_id(value: object, label: str) -> str:
    """``value`` as an id, else 400 naming ``label`` and what is wrong (:func:`testtime.layout.is_safe_id`)."""
    if not isinstance(value, str):
        raise bad_request(f"{label}: must be a string, not {json_kind(value)}")
    if not is_safe_id(value):
        raise bad_request(f"{label}: {value[:80]!r} is not a valid id: {id_problem(value)} ({ID_RULE})")
    return value


def json_kind(value: object) -> str:
    """What a JSON value is, in words: "a number", "null", ..."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", list: "an array", dict: "an object", str: "text"}
    return names.get(type(value), type(value).__name__)


def parse_request(body: dict[str, Any]) -> SubmitRequest:
    """The fields of a submission body; unknown top-level fields are ignored."""
    subject = require_id(body, "subjectName")
    test_id = require_id(body, "testId")
    present = [name for name in ANSWER_FIELDS if name in body]
    if not present:
        raise bad_request('answers: this field is required (a list of {"questionId", "answer"} objects)')
    if len(present) > 1:
        raise bad_request("answers: send either answers or testResult, not both")
    answers_field = present[0]
    answers = body[answers_field]
    if not isinstance(answers, list):
        raise bad_request(f'{answers_field}: must be a list of {{"questionId", "answer"}} objects')
    return SubmitRequest(subject=subject, test_id=test_id, answers_field=answers_field, answers=answers)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _folded(choice: str) -> str:
    """A choice id compared ignoring case and surrounding spaces. Only ASCII case is folded, only spaces and tabs
    stripped: Unicode folding makes lookalikes equal (the Kelvin sign folds to "k", "ſ" to "s", "ß" to "ss")."""
    trimmed = choice.strip(" \t")
    return trimmed.translate(_ASCII_LOWER) if trimmed.isascii() else trimmed


def match_choice(answer: str, options: list[str]) -> str | None:
    """The published answerId ``answer`` stands for: exact, else the one option equal ignoring case and spaces."""
    if answer in options:
        return answer
    folded = _folded(answer)
    matches = [option for option in options if _folded(option) == folded]
    return matches[0] if len(matches) == 1 else None


StoredAnswer = str | list[str]  # a choice id; for a multiple-answer question the list of choice ids chosen


def _single_choice(question: Question, value: Any, where: str) -> str:
    """The one published choice ``value`` names (400 naming ``where`` otherwise)."""
    if not isinstance(value, str):
        raise bad_request(f"{where}: must be a string, not {json_kind(value)}")
    options = question.choice_ids()
    match = match_choice(value, options)
    if match is None:
        raise invalid_answer(
            f"{where}: {value[:80]!r} is not a choice of question {question.question_id} "
            f"(choices: {', '.join(options)})"
        )
    return match


def _answer_of(question: Question, value: Any, where: str) -> StoredAnswer | None:
    """The stored form of one answer: a choice id, or for a multiple-answer question the chosen ids in the
    question's choice order (a single string is one choice, an empty list is no answer: None)."""
    if not question.multiple:
        if isinstance(value, list):
            raise bad_request(
                f"{where}: must be a string, not an array (question {question.question_id} takes one answer)"
            )
        return _single_choice(question, value, where)
    if not isinstance(value, list):
        return [_single_choice(question, value, where)]
    picked: set[str] = set()
    for index, item in enumerate(value):
        match = _single_choice(question, item, f"{where}[{index}]")
        if match in picked:
            raise invalid_answer(f"{where}[{index}]: choice {match!r} is given more than once")
        picked.add(match)
    return [choice for choice in question.choice_ids() if choice in picked] or None


def normalise_answers(
    raw: list[Any], questions: Sequence[Question], field_name: str = "answers"
) -> list[dict[str, StoredAnswer]]:
    """The answers with published ids, sorted by question order; 400 naming the first problem found. A
    multiple-answer question answered with an empty list counts as unanswered and is left out."""
    by_id = {question.question_id: question for question in questions}
    seen: set[str] = set()
    chosen: dict[str, StoredAnswer] = {}
    for index, item in enumerate(raw):
        where = f"{field_name}[{index}]"
        if not isinstance(item, dict):
            raise bad_request(f"{where}: must be an object with questionId and answer")
        for name, kinds in (("questionId", str), ("answer", str | list)):
            if name not in item:
                raise bad_request(f"{where}.{name}: this field is required")
            if not isinstance(item[name], kinds):  # a list only for a multiple-answer question (_answer_of)
                raise bad_request(f"{where}.{name}: must be a string, not {json_kind(item[name])}")
        question_id = item["questionId"]
        if question_id not in by_id:
            raise invalid_answer(
                f"{where}.questionId: {question_id[:80]!r} is not a question of this test "
                f"(questions: {', '.join(by_id)})"
            )
        if question_id in seen:
            raise invalid_answer(f"{where}.questionId: question {question_id} is answered more than once")
        seen.add(question_id)
        answer = _answer_of(by_id[question_id], item["answer"], f"{where}.answer")
        if answer is not None:
            chosen[question_id] = answer
    return [{"questionId": qid, "answer": chosen[qid]} for qid in by_id if qid in chosen]

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
from testtime.i18n import API
from testtime.layout import SAFE_ID_MAX_LENGTH, is_safe_id

_ = API.gettext

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
        raise bad_request(_("{label}: this field is required", label=label))
    return check_id(container[name], label)


def id_rule() -> str:
    return _("ids are 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit, without '..'")


_ID_START = frozenset(string.ascii_letters + string.digits)
_ID_CHARACTERS = _ID_START | frozenset("._-")


def id_problem(value: str) -> str:
    """Why ``value`` is not a usable id, in plain words (the first reason found)."""
    if not value:
        return _("it is empty")
    if value != value.strip():
        return _("it starts or ends with a space or line break")
    if len(value) > SAFE_ID_MAX_LENGTH:
        return _("it is {length} characters long, more than {limit}", length=len(value), limit=SAFE_ID_MAX_LENGTH)
    bad = next((character for character in value if character not in _ID_CHARACTERS), None)
    if bad is not None:
        return _("it contains {character!r}", character=bad)
    if value[0] not in _ID_START:
        return _("it starts with {character!r}", character=value[0])
    return _("it contains '..'")


def check_id(value: object, label: str) -> str:
    """``value`` as an id, else 400 naming ``label`` and what is wrong (:func:`testtime.layout.is_safe_id`)."""
    if not isinstance(value, str):
        raise bad_request(_("{label}: must be a string, not {kind}", label=label, kind=json_kind(value)))
    if not is_safe_id(value):
        message = _(
            "{label}: {value!r} is not a valid id: {problem} ({rule})",
            label=label,
            value=value[:80],
            problem=id_problem(value),
            rule=id_rule(),
        )
        raise bad_request(message)
    return value


def json_kind(value: object) -> str:
    """What a JSON value is, in words: "a number", "null", ..."""
    if value is None:
        return "null"
    names = {
        bool: _("a boolean"),
        int: _("a number"),
        float: _("a number"),
        list: _("an array"),
        dict: _("an object"),
        str: _("text"),
    }
    return names.get(type(value), type(value).__name__)


def parse_request(body: dict[str, Any]) -> SubmitRequest:
    """The fields of a submission body; unknown top-level fields are ignored."""
    subject = require_id(body, "subjectName")
    test_id = require_id(body, "testId")
    present = [name for name in ANSWER_FIELDS if name in body]
    if not present:
        raise bad_request(_("answers: this field is required (a list of objects with questionId and answer)"))
    if len(present) > 1:
        raise bad_request(_("answers: send either answers or testResult, not both"))
    answers_field = present[0]
    answers = body[answers_field]
    if not isinstance(answers, list):
        raise bad_request(_("{field}: must be a list of objects with questionId and answer", field=answers_field))
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
        raise bad_request(_("{where}: must be a string, not {kind}", where=where, kind=json_kind(value)))
    options = question.choice_ids()
    match = match_choice(value, options)
    if match is None:
        message = _(
            "{where}: {value!r} is not a choice of question {question} (choices: {choices})",
            where=where,
            value=value[:80],
            question=question.question_id,
            choices=", ".join(options),
        )
        raise invalid_answer(message)
    return match


def _answer_of(question: Question, value: Any, where: str) -> StoredAnswer | None:
    """The stored form of one answer: a choice id, or for a multiple-answer question the chosen ids in the
    question's choice order (a single string is one choice, an empty list is no answer: None)."""
    if not question.multiple:
        if isinstance(value, list):
            message = _(
                "{where}: must be a string, not an array (question {question} takes one answer)",
                where=where,
                question=question.question_id,
            )
            raise bad_request(message)
        return _single_choice(question, value, where)
    if not isinstance(value, list):
        return [_single_choice(question, value, where)]
    picked: set[str] = set()
    for index, item in enumerate(value):
        match = _single_choice(question, item, f"{where}[{index}]")
        if match in picked:
            label = f"{where}[{index}]"
            message = _("{where}: choice {choice!r} is given more than once", where=label, choice=match)
            raise invalid_answer(message)
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
            raise bad_request(_("{where}: must be an object with questionId and answer", where=where))
        for name, kinds in (("questionId", str), ("answer", str | list)):
            label = f"{where}.{name}"
            if name not in item:
                raise bad_request(_("{label}: this field is required", label=label))
            if not isinstance(item[name], kinds):  # a list only for a multiple-answer question (_answer_of)
                kind = json_kind(item[name])
                raise bad_request(_("{where}: must be a string, not {kind}", where=label, kind=kind))
        question_id = item["questionId"]
        label = f"{where}.questionId"
        if question_id not in by_id:
            message = _(
                "{where}: {value!r} is not a question of this test (questions: {questions})",
                where=label,
                value=question_id[:80],
                questions=", ".join(by_id),
            )
            raise invalid_answer(message)
        if question_id in seen:
            message = _(
                "{where}: question {question} is answered more than once",
                where=label,
                question=question_id,
            )
            raise invalid_answer(message)
        seen.add(question_id)
        answer = _answer_of(by_id[question_id], item["answer"], f"{where}.answer")
        if answer is not None:
            chosen[question_id] = answer
    return [{"questionId": qid, "answer": chosen[qid]} for qid in by_id if qid in chosen]

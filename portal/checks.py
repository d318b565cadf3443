"""What the portal checks before anything a person typed reaches a header, a URL or the API.

Each check answers a sentence for the page (or ``None`` when the value is fine), never an exception: a key in
Cyrillic would otherwise raise ``UnicodeEncodeError`` in ``requests`` (HTTP headers are Latin-1), and CR/LF in it
would be a header injection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter, ValidationError

from portal.words import _

# The ids of lambda_src/testtime/layout.py (SAFE_ID, is_safe_id): the container holds portal/ only, so the rule is
# repeated here; tests/unit/portal/test_portal_input.py proves the two agree. Matched whole (re.fullmatch): a `$`
# anchor would let a trailing newline through.
SAFE_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_SAFE_ID = re.compile(SAFE_ID_PATTERN)

# An API Gateway key value is 20 to 128 characters ("an alphanumeric string between 20 and 128 characters",
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html). Any visible
# ASCII character is let through (an imported key might carry a sign); the API decides whether it is a key.
API_KEY_MIN, API_KEY_MAX = 20, 128
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
_SPACES = re.compile(r"\s")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Only these are taken off the ends of a pasted key (str.strip() would also take Unicode separators).
_PASTE_WHITESPACE = " \t\r\n"


def is_safe_id(value: object) -> bool:
    """Whether ``value`` is a subject, test or student id exactly as the README defines them."""
    return isinstance(value, str) and _SAFE_ID.fullmatch(value) is not None and ".." not in value


class SafeIdConverter(BaseConverter):
    """``<safe_id:name>`` in a route: anything else in that part of the path is a 404, and never reaches the API."""

    regex = SAFE_ID_PATTERN

    def to_python(self, value: str) -> str:
        if not is_safe_id(value):
            raise ValidationError()
        return value


def refuse_unreadable_forms() -> None:
    """Before every request (and before CSRFProtect's check): a multipart part without a name is stored under
    ``None``, on which Flask-WTF's token lookup raised AttributeError (a 500); such a form is a 400 page."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if any(not isinstance(name, str) for name in (*request.form.keys(), *request.files.keys())):
        abort(400)


def cleaned_key(raw: object) -> str:
    """The key as typed, without the spaces or line break a copy and paste may add at either end."""
    return raw.strip(_PASTE_WHITESPACE) if isinstance(raw, str) else ""


def api_key_problem(key: str) -> str | None:
    """Why ``key`` (already cleaned) cannot be an API key, in words for the sign-in page; ``None`` if it can."""
    if not key:
        return _("Enter your API key.")
    if len(key) > API_KEY_MAX:
        why = _("it is longer than {limit} characters.", limit=API_KEY_MAX)
    elif _VISIBLE_ASCII.fullmatch(key) is None:
        if _SPACES.search(key):
            why = _("it has a space or a line break inside.")
        elif _CONTROL.search(key):
            why = _("it has an invisible control character inside.")
        else:
            why = _("it has characters other than the Latin letters A to Z, digits and signs such as - or _.")
    elif len(key) < API_KEY_MIN:
        why = _("it is shorter than {limit} characters.", limit=API_KEY_MIN)
    else:
        return None
    return _("This is not an API key: {why} Copy the key your trainer gave you and try again.", why=why)


def id_parameter(value: str | None, what: str) -> tuple[str | None, str | None]:
    """A query parameter that must be an id: ``(id or None when left empty, problem or None)``. Not stripped: an
    id with a trailing newline or space is refused, not quietly mended into another one."""
    if value is None or value == "":
        return None, None
    if is_safe_id(value):
        return value, None
    rule = _("use letters, digits, '.', '_' and '-' only (up to 64, starting with a letter or a digit).")
    if what == "subject":
        return None, _("This is not a subject name: {rule}", rule=rule)
    return None, _("This is not a test name: {rule}", rule=rule)


# The answer fields of the test's form: a radio button group posts one choice id as ``answer.<questionId>``; the
# checkboxes of a multiple-answer question post any number as ``choices.<questionId>``. Two names, so that the way
# that works (sending) needs no reading of the test to know which question takes a list.
ANSWER_PREFIX = "answer."
CHOICES_PREFIX = "choices."

Answer = str | tuple[str, ...]  # one choice id, or the choice ids of a multiple-answer question


def _answer_fields(form: MultiDict[str, str]) -> list[tuple[str, str, list[str]]]:
    """``(prefix, questionId, non-empty values)`` of every answer field of ``form``, in the form's order."""
    fields = []
    for name in form:
        for prefix in (ANSWER_PREFIX, CHOICES_PREFIX):
            if name.startswith(prefix):
                fields.append((prefix, name.removeprefix(prefix), [value for value in form.getlist(name) if value]))
    return fields


def posted_answers(form: MultiDict[str, str]) -> dict[str, str | list[str]] | None:
    """The answers posted in ``form`` as ``{questionId: answerId or [answerIds]}``, unchecked against the test (the
    API checks them, and only a refusal costs reading the test: see ``chosen_answers``); None when a form no page
    of the portal posts: two values in a radio field, a choice ticked twice, both kinds of field for a question."""
    posted: dict[str, str | list[str]] = {}
    for prefix, question_id, values in _answer_fields(form):
        if not values:
            continue  # a question left unanswered (an empty list is unanswered to the API too)
        if question_id in posted or (prefix == ANSWER_PREFIX and len(values) > 1) or len(set(values)) < len(values):
            return None
        posted[question_id] = values[0] if prefix == ANSWER_PREFIX else values
    return posted


def chosen_answers(
    questions: Sequence[Mapping[str, Any]], form: MultiDict[str, str]
) -> tuple[dict[str, Answer], list[str]]:
    """The answers posted in ``form`` as ``{questionId: answerId}`` (a tuple of answer ids, in the question's own
    choice order, for a multiple-answer question), and a sentence for each question whose fields are not choices
    of it, or not as many as it takes (those are left out)."""
    by_id = {str(question.get("questionId")): question for question in questions}
    given: dict[str, list[tuple[str, str]]] = {}
    problems: list[str] = []
    for prefix, question_id, values in _answer_fields(form):
        if not values:
            continue  # a question left unanswered; the CSRF token and other fields are no answer fields
        if question_id not in by_id:
            problems.append(_("The form answers a question this test does not have."))
            continue
        given.setdefault(question_id, []).extend((prefix, value) for value in values)
    chosen: dict[str, Answer] = {}
    for number, question in enumerate(questions, 1):
        question_id = str(question.get("questionId"))
        if question_id not in given:
            continue
        choices = [str(choice.get("answerId")) for choice in question.get("answers", [])]
        answer, problem = _chosen(number, question.get("multiple") is True, choices, given[question_id])
        if problem:
            problems.append(problem)
        else:
            chosen[question_id] = answer
    return chosen, list(dict.fromkeys(problems))


def _chosen(number: int, multiple: bool, choices: list[str], given: list[tuple[str, str]]) -> tuple[Answer, str | None]:
    """Question ``number``'s answer from its posted ``(prefix, value)`` pairs, or why they are not one."""
    values = [value for _, value in given]
    if not multiple:
        if len(values) > 1:
            return "", _("Question {number} has more than one answer; choose one.", number=number)
        if given[0][0] != ANSWER_PREFIX:
            return "", _("Question {number} takes one answer only; choose one.", number=number)
        if values[0] not in choices:
            return "", _(
                "The answer to question {number} is not one of its choices; choose one of them.", number=number
            )
        return values[0], None
    if len(set(values)) < len(values):
        return (), _("Question {number} has a choice ticked more than once; tick each choice once.", number=number)
    if any(value not in choices for value in values):
        return (), _("An answer to question {number} is not one of its choices; tick only its choices.", number=number)
    return tuple(choice for choice in choices if choice in values), None

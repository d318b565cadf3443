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
NOT_A_KEY = "This is not an API key: "
COPY_AGAIN = " Copy the key your trainer gave you and try again."


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
        return "Enter your API key."
    if len(key) > API_KEY_MAX:
        return f"{NOT_A_KEY}it is longer than {API_KEY_MAX} characters.{COPY_AGAIN}"
    if _VISIBLE_ASCII.fullmatch(key) is None:
        if _SPACES.search(key):
            return f"{NOT_A_KEY}it has a space or a line break inside.{COPY_AGAIN}"
        if _CONTROL.search(key):
            return f"{NOT_A_KEY}it has an invisible control character inside.{COPY_AGAIN}"
        return (
            f"{NOT_A_KEY}it has characters other than the Latin letters A to Z, digits and signs such as - or _."
            f"{COPY_AGAIN}"
        )
    if len(key) < API_KEY_MIN:
        return f"{NOT_A_KEY}it is shorter than {API_KEY_MIN} characters.{COPY_AGAIN}"
    return None


def id_parameter(value: str | None, what: str) -> tuple[str | None, str | None]:
    """A query parameter that must be an id: ``(id or None when left empty, problem or None)``. Not stripped: an
    id with a trailing newline or space is refused, not quietly mended into another one."""
    if value is None or value == "":
        return None, None
    if is_safe_id(value):
        return value, None
    return None, (
        f"This is not a {what} name: use letters, digits, '.', '_' and '-' only (up to 64, starting with a letter "
        "or a digit)."
    )


def posted_answers(form: MultiDict[str, str], prefix: str) -> dict[str, str] | None:
    """The answers posted in ``form`` as ``{questionId: answerId}``, unchecked against the test (the API checks
    them, and only a refusal costs reading the test: see ``chosen_answers``); None when a field holds more than
    one answer, which no page of the portal posts."""
    posted: dict[str, str] = {}
    for name in form:
        if not name.startswith(prefix):
            continue
        values = [value for value in form.getlist(name) if value]
        if len(values) > 1:
            return None
        if values:
            posted[name.removeprefix(prefix)] = values[0]
    return posted


def chosen_answers(
    questions: Sequence[Mapping[str, Any]], form: MultiDict[str, str], prefix: str
) -> tuple[dict[str, str], list[str]]:
    """The answers posted in ``form`` (fields ``<prefix><questionId>``) as ``{questionId: answerId}``, and a
    sentence for each field that is not one choice of one question of the test (those are left out)."""
    by_id = {str(question.get("questionId")): (number, question) for number, question in enumerate(questions, 1)}
    chosen: dict[str, str] = {}
    problems: list[str] = []
    for name in form:
        if not name.startswith(prefix):
            continue  # the CSRF token and anything else that is not an answer
        values = [value for value in form.getlist(name) if value]
        if not values:
            continue  # a question left unanswered
        found = by_id.get(name.removeprefix(prefix))
        if found is None:
            problems.append("The form answers a question this test does not have.")
            continue
        number, question = found
        choices = {str(choice.get("answerId")) for choice in question.get("answers", [])}
        if len(values) > 1:
            problems.append(f"Question {number} has more than one answer; choose one.")
        elif values[0] not in choices:
            problems.append(f"The answer to question {number} is not one of its choices; choose one of them.")
        else:
            chosen[str(question.get("questionId"))] = values[0]
    return chosen, list(dict.fromkeys(problems))

"""The optional fields of issue 16: a test's ``shuffle``, ``resubmit`` and ``extensions``; a question's list
``answer`` (a multiple-answer question), ``points``, ``partial`` and ``explanation``.

Every YAML scalar stays the text typed (see :mod:`ops.content.documents`), so true/false and numbers are read here
from that text, and only when it was written plain: ``points: "2"`` in quotes is text, as a trainer meant it. JSON
(the original layout's ``questionsKey.json``) carries real types, and text there is never a number or a boolean.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ops.content.fields import FieldChecker, Seen, identity, kind
from ops.content.model import Choice
from ops.content.problems import FieldPath
from ops.i18n import TRAINER
from testtime.documents.questions import MAX_POINTS

_ = TRAINER.gettext
_p = TRAINER.pgettext

TEST_OPTIONS = ("shuffle", "resubmit", "extensions")
QUESTION_OPTIONS = ("points", "partial", "explanation")
# The YAML 1.2 core schema's booleans: 'yes', 'on' and the like read as text to a person and are refused.
_BOOLEANS = {"true": True, "false": False}
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # no exponent, hex or '_': plain numbers only

Answer = str | tuple[str, ...]  # one choice id, or the right choices of a multiple-answer question


@dataclass(frozen=True)
class TestOptions:
    __test__ = False  # a domain class, not a pytest test case

    shuffle: bool = False
    resubmit: bool = False
    extensions: tuple[tuple[str, datetime], ...] = ()  # student id -> their own due, sorted by student id


@dataclass(frozen=True)
class QuestionOptions:
    answer: Answer  # a tuple in the question's choice order
    points: int | float = 1
    partial: bool = False
    explanation: str | None = None

    @property
    def multiple(self) -> bool:
        return isinstance(self.answer, tuple)


def describe(check: FieldChecker, value: Any, where: FieldPath) -> str:
    """What the trainer wrote, in their words: ``kind`` for a typed value, the text itself for a plain YAML word."""
    if not isinstance(value, str) or check.document.typed:
        return kind(value)
    if where in check.document.quoted:
        return _p("found", "text in quotes")
    if value.lower() in _BOOLEANS:
        return _p("found", "true/false")
    return repr(value) if len(value) <= 40 else _p("found", "text")


def boolean(check: FieldChecker, value: Any, where: FieldPath) -> bool | None:
    if isinstance(value, bool):
        return value
    plain = isinstance(value, str) and not check.document.typed and where not in check.document.quoted
    # The core schema's spellings: true, True, TRUE (not tRUE).
    if plain and value.lower() in _BOOLEANS and value in (value.lower(), value.capitalize(), value.upper()):
        return _BOOLEANS[value.lower()]
    check.report(where, _("expected true or false, found {found}", found=describe(check, value, where)))
    return None


def points(check: FieldChecker, value: Any, where: FieldPath) -> int | float | None:
    """A positive finite number of at most ``MAX_POINTS``; an integral one as an int, so that ``2.0`` is ``2``."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int of hundreds of digits (JSON has no limit): too many points either way
            number = math.inf if value > 0 else -math.inf
    elif isinstance(value, str) and not check.document.typed and where not in check.document.quoted:
        number = float(value) if _DECIMAL.fullmatch(value) else None
    if number is None or not math.isfinite(number):
        found = _p("found", "a number that is not finite") if number is not None else describe(check, value, where)
        check.report(where, _("expected a number of points (e.g. 2 or 0.5), found {found}", found=found))
        return None
    shown = _number(number)
    if number <= 0:
        check.report(where, _("points must be more than 0, found {found}", found=shown))
        return None
    if number > MAX_POINTS:
        check.report(where, _("points must be at most {most}, found {found}", most=MAX_POINTS, found=shown))
        return None
    return int(number) if number.is_integer() else number


def _number(number: float) -> str:
    return str(int(number)) if number.is_integer() and abs(number) < 1e16 else str(number)


def test_options(
    check: FieldChecker, fields: dict[str, Any], due: datetime | None, roster: Mapping[str, str] | None
) -> TestOptions:
    """The test's options from its top-level ``fields``; ``roster``: the class list's ids by their identity (None
    when the class list has problems of its own: its students are then not checked against)."""
    shuffle = check.get(fields, (), "shuffle", lambda value, at: boolean(check, value, at))
    resubmit = check.get(fields, (), "resubmit", lambda value, at: boolean(check, value, at))
    extensions = fields.get("extensions")
    return TestOptions(
        shuffle=bool(shuffle),
        resubmit=bool(resubmit),
        extensions=_extensions(check, extensions, due, roster) if extensions is not None else (),
    )


def _extensions(
    check: FieldChecker, value: Any, due: datetime | None, roster: Mapping[str, str] | None
) -> tuple[tuple[str, datetime], ...]:
    where: FieldPath = ("extensions",)
    if not isinstance(value, dict):
        check.report(
            where, _("expected a mapping of student id to due (student03: ...), found {found}", found=kind(value))
        )
        return ()
    extensions: dict[str, datetime] = {}
    seen: Seen = {}
    for raw_id, raw_due in value.items():
        at: FieldPath = (*where, raw_id)
        student_id = check.key_part(raw_id, at, _p("cannot be used as", "a student id"))
        extended = check.due(raw_due, at)
        if student_id is None:
            continue
        repeated = identity(student_id) in seen
        check.unique(seen, student_id, at, _p("duplicate", "student id"), ignore_case=True)
        if repeated:
            continue
        listed = roster.get(identity(student_id)) if roster is not None else student_id
        if listed != student_id:  # ids are S3 key parts, compared as typed once the case was checked
            if listed:
                message = _("{value} is not a student of the class list; did you mean {listed}?",
                            value=repr(student_id), listed=repr(listed))  # fmt: skip
            else:
                message = _("{value} is not a student of the class list", value=repr(student_id))
            check.report(at, message)
            continue
        if extended is not None and due is not None and extended < due:
            check.report(at, _("{extended} is before the test's due ({due}): an extension gives a student more time",
                               extended=extended.isoformat(), due=due.isoformat()))  # fmt: skip
            continue
        if extended is not None:
            extensions[student_id] = extended
    return tuple(sorted(extensions.items()))


def question_options(
    check: FieldChecker, fields: dict[str, Any], where: FieldPath, choices: list[Choice] | None
) -> QuestionOptions | None:
    """A question's answer and options, the answer checked against its ``choices`` (None when they are unusable,
    already reported). None when the answer is unusable."""
    answer = check.get(fields, where, "answer", lambda value, at: _answer(check, value, at, choices))
    points_ = check.get(fields, where, "points", lambda value, at: points(check, value, at))
    partial = check.get(fields, where, "partial", lambda value, at: boolean(check, value, at))
    explanation = check.get(fields, where, "explanation", check.text)
    if partial is not None and answer is not None and not isinstance(answer, tuple):
        check.report(
            (*where, "partial"),
            _("partial credit is for a question with several right choices: write its answer as a list, e.g. [a, c]"),
        )
    if answer is None or (points_ is None and "points" in fields) or (partial is None and "partial" in fields):
        return None
    if "explanation" in fields and explanation is None:
        return None
    return QuestionOptions(answer, points_ if points_ is not None else 1, bool(partial), explanation)


def _answer(check: FieldChecker, value: Any, where: FieldPath, choices: list[Choice] | None) -> Answer | None:
    ids = [choice.answer_id for choice in choices] if choices is not None else None
    if not isinstance(value, list):
        answer = check.label(value, where)
        if answer is not None and ids is not None and answer not in ids:
            check.report(
                where, _("{value} is not one of the choices ({choices})", value=repr(answer), choices=", ".join(ids))
            )
            return None
        return answer if ids is not None else None
    if not value:
        check.report(where, _("needs at least 1 right choice: a list of choice ids, e.g. [a, c]"))
        return None
    picked: list[str | None] = []
    seen: Seen = {}
    for index, item in enumerate(value):
        at: FieldPath = (*where, index)
        choice = check.label(item, at)
        repeated = choice is not None and identity(choice) in seen
        check.unique(seen, choice, at, _p("duplicate", "choice"), ignore_case=True)
        if choice is not None and not repeated and ids is not None and choice not in ids:
            check.report(
                at, _("{value} is not one of the choices ({choices})", value=repr(choice), choices=", ".join(ids))
            )
            choice = None
        picked.append(None if repeated else choice)
    if ids is None or None in picked:
        return None
    return tuple(answer_id for answer_id in ids if answer_id in picked)  # in the question's choice order

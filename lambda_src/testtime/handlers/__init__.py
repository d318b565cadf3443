"""The API handlers, one module per Lambda function, each exposing ``handler(event, context)``.

Handlers stay thin: parse with ``testtime.http``, decide with the pure modules, read and write with ``store``.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from testtime import store
from testtime.deadlines import describe
from testtime.documents.catalog import CatalogTest
from testtime.documents.class_list import Student
from testtime.errors import ApiError
from testtime.http import header
from testtime.i18n import API
from testtime.identity import require_student
from testtime.log import bind

_ = API.gettext

API_KEY_HEADER = "x-api-key"


def trainer_zone() -> ZoneInfo:
    """The trainer's time zone (``TRAINER_TIMEZONE``), in which messages give dates; UTC when unset or unknown."""
    try:
        return ZoneInfo((os.environ.get("TRAINER_TIMEZONE") or "").strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def in_words(moment: datetime) -> str:
    """A date and time for people: in words, in the trainer's zone ("Monday 23 November 2026, 23:00 CET")."""
    return describe(moment, trainer_zone())


def authenticate(event: dict[str, Any]) -> Student:
    """The calling student, from the digest of the ``x-api-key`` header; 403 when unknown."""
    key = header(event, API_KEY_HEADER)
    try:
        student = require_student(store.class_list(), key)
    except ApiError:
        if not key:
            raise
        # A student published moments ago is not in this container's cached class list yet: API Gateway has
        # already vouched for the key, so look at the bucket once more before refusing.
        student = require_student(store.class_list(fresh=True), key)
    bind(studentId=student.student_id)  # every later line of the request names the student
    return student


def find_test(subject: str, test_id: str, fresh: bool = False) -> CatalogTest:
    """The catalog entry of a test; 404 naming whichever of subject or test does not exist.

    ``fresh`` decides on the bucket's current catalog; otherwise the container's copy is used, and read again before
    answering 404 (a test published after this container cached the catalog).
    """
    current = store.catalog(fresh=fresh)
    test = current.find(subject, test_id)
    if test is None and not fresh:
        current = store.catalog(fresh=True)
        test = current.find(subject, test_id)
    if test is None:
        if not current.has_subject(subject):
            raise ApiError(404, "not_found", _("subjectName: there is no subject {subject!r}", subject=subject))
        message = _("testId: subject {subject!r} has no test {test!r}", subject=subject, test=test_id)
        raise ApiError(404, "not_found", message)
    return test


def refuse_if_closed(test: CatalogTest, student_id: str, now: datetime, then: str = "") -> None:
    """410 once the student's own deadline (their extension, else the test's) has passed; ``then`` is a sentence
    more (what follows from it for this route)."""
    if test.is_open_for(student_id, now):
        return
    names = {"title": test.title, "subject": test.subject_display, "when": in_words(test.deadline_for(student_id))}
    if test.extension_for(student_id) is not None:
        closed = _("The test “{title}” of {subject} closed on {when}, your extended deadline.", **names)
    else:
        closed = _("The test “{title}” of {subject} closed on {when}.", **names)
    raise ApiError(410, "test_closed", f"{closed} {then}".strip())

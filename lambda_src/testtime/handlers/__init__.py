"""The API handlers, one module per Lambda function, each exposing ``handler(event, context)``.

Handlers stay thin: parse with ``testtime.http``, decide with the pure modules, read and write with ``store``.
"""

from __future__ import annotations

from typing import Any

from testtime import catalog, store
from testtime.errors import ApiError
from testtime.http import header
from testtime.identity import Student, require_student

API_KEY_HEADER = "x-api-key"


def authenticate(event: dict[str, Any]) -> Student:
    """The calling student, from the digest of the ``x-api-key`` header; 403 when unknown."""
    return require_student(store.students(), header(event, API_KEY_HEADER))


def find_test(subject: str, test_id: str) -> catalog.CatalogTest:
    """The catalog entry of a test; 404 naming whichever of subject or test does not exist."""
    current = store.catalog()
    test = current.find(subject, test_id)
    if test is None:
        if not current.has_subject(subject):
            raise ApiError(404, "not_found", f"subjectName: there is no subject {subject!r}")
        raise ApiError(404, "not_found", f"testId: subject {subject!r} has no test {test_id!r}")
    return test

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
    key = header(event, API_KEY_HEADER)
    try:
        return require_student(store.students(), key)
    except ApiError:
        if not key:
            raise
        # A student published moments ago is not in this container's cached class list yet: API Gateway has
        # already vouched for the key, so look at the bucket once more before refusing.
        return require_student(store.students(fresh=True), key)


def find_test(subject: str, test_id: str) -> catalog.CatalogTest:
    """The catalog entry of a test; 404 naming whichever of subject or test does not exist."""
    current = store.catalog()
    test = current.find(subject, test_id)
    if test is None:
        # Published after this container cached the catalog? Look once more before answering 404.
        current = store.catalog(fresh=True)
        test = current.find(subject, test_id)
    if test is None:
        if not current.has_subject(subject):
            raise ApiError(404, "not_found", f"subjectName: there is no subject {subject!r}")
        raise ApiError(404, "not_found", f"testId: subject {subject!r} has no test {test_id!r}")
    return test

"""Who is calling: the SHA-256 digest of the caller's API key, looked up in the class list.

Identity is decided here and not by ``requestContext.identity.apiKeyId``, which MiniStack does not fill, so the
same code identifies students on AWS and locally. Only digests are stored and compared: the key itself is never
kept, returned or logged.
"""

from __future__ import annotations

import hashlib
from typing import Any

from testtime.documents.class_list import ClassList, Student
from testtime.errors import ApiError
from testtime.i18n import API
from testtime.submission import check_id

_ = API.gettext


def api_key_digest(api_key: str) -> str:
    """Lower-case hex SHA-256 of the key's UTF-8 bytes, the form kept in ``api_key_sha256``."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def find_student(class_list: ClassList, api_key: str | None) -> Student | None:
    """The class-list student whose ``api_key_sha256`` matches ``api_key``; None for no key or no match.

    Legacy entries without a digest never match.
    """
    if not api_key:
        return None
    return class_list.find_by_key_digest(api_key_digest(api_key))


def require_student(class_list: ClassList, api_key: str | None) -> Student:
    """The caller, or 403 when the key is missing or belongs to nobody on the class list."""
    student = find_student(class_list, api_key)
    if student is None:
        if not api_key:
            raise ApiError(403, "forbidden", _("The request has no API key; send it in the x-api-key header."))
        raise ApiError(403, "forbidden", _("The API key does not belong to any student of the class list."))
    return student


def check_claimed_student(student: Student, body: dict[str, Any]) -> None:
    """A ``studentId`` the request body names must be the caller's own (absent means the caller)."""
    if "studentId" not in body:
        return
    claimed = check_id(body["studentId"], "studentId")  # a malformed id is a 400 saying why, not "not yours"
    if claimed != student.student_id:
        message = _("studentId: the API key does not belong to the student named in the request")
        raise ApiError(403, "forbidden", message)

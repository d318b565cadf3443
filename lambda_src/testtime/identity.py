"""Who is calling: the SHA-256 digest of the caller's API key, looked up in the class list.

Identity is decided here and not by ``requestContext.identity.apiKeyId``, which MiniStack does not fill, so the
same code identifies students on AWS and locally. Only digests are stored and compared: the key itself is never
kept, returned or logged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from testtime.errors import ApiError


@dataclass(frozen=True)
class Student:
    student_id: str
    email: str
    name: str | None = None


def api_key_digest(api_key: str) -> str:
    """Lower-case hex SHA-256 of the key's UTF-8 bytes, the form kept in ``api_key_sha256``."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def _student(entry: dict[str, Any]) -> Student:
    name = entry.get("name")
    return Student(
        student_id=entry["student_id"], email=str(entry.get("email", "")), name=name if isinstance(name, str) else None
    )


def find_student(students: Iterable[Any], api_key: str | None) -> Student | None:
    """The class-list entry whose ``api_key_sha256`` matches ``api_key``; None for no key or no match.

    Legacy entries without a digest, and entries that are not objects, never match.
    """
    if not api_key:
        return None
    digest = api_key_digest(api_key)
    for entry in students:
        if not isinstance(entry, dict) or not isinstance(entry.get("student_id"), str):
            continue
        stored = entry.get("api_key_sha256")
        # Constant-time compare; the trainer's tools may have written the hex in upper case.
        if isinstance(stored, str) and hmac.compare_digest(stored.strip().lower().encode(), digest.encode()):
            return _student(entry)
    return None


def require_student(students: Iterable[Any], api_key: str | None) -> Student:
    """The caller, or 403 when the key is missing or belongs to nobody on the class list."""
    student = find_student(students, api_key)
    if student is None:
        if not api_key:
            raise ApiError(403, "forbidden", "The request has no API key; send it in the x-api-key header.")
        raise ApiError(403, "forbidden", "The API key does not belong to any student of the class list.")
    return student


def check_claimed_student(student: Student, body: dict[str, Any]) -> None:
    """A ``studentId`` the request body names must be the caller's own (absent means the caller)."""
    if "studentId" not in body:
        return
    claimed = body["studentId"]
    if not isinstance(claimed, str):
        raise ApiError(400, "bad_request", "studentId: must be a string")
    if claimed != student.student_id:
        raise ApiError(403, "forbidden", "studentId: the API key does not belong to the student named in the request")

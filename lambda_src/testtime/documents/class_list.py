"""``studentsList.json`` (the class list) and ``trainer.json`` (the trainer key's digest).

The class list is the original 2019 file, a list of ``{"student_id", "email"}``, to which the publisher adds
``name`` and ``api_key_sha256`` (the SHA-256 of the student's API key; the key itself is never stored).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from testtime.documents.codec import MalformedDocument, dumps, loads
from testtime.layout import is_safe_id


@dataclass(frozen=True)
class Student:
    """A student of the class list: the one ``Student`` of the service and of the trainer's tools."""

    student_id: str
    email: str
    name: str | None = None  # the original list has no names
    api_key_sha256: str | None = None  # lower-case hex; None until the publisher made the student's key

    @property
    def display_name(self) -> str:
        """What to call the student in an email or a page: the name, else the id."""
        return self.name or self.student_id


@dataclass(frozen=True)
class ClassList:
    students: tuple[Student, ...] = ()
    problems: list[str] = field(default_factory=list)  # skipped entries, in words, for the reader to log

    def by_id(self) -> dict[str, Student]:
        return {student.student_id: student for student in self.students}

    def ids(self) -> list[str]:
        """The student ids in class-list order."""
        return [student.student_id for student in self.students]

    def find_by_key_digest(self, digest: str) -> Student | None:
        """The student whose key has this SHA-256 (hex); compared in constant time, every entry looked at."""
        wanted = digest.strip().lower().encode()
        found = None
        for student in self.students:
            stored = student.api_key_sha256
            if stored is not None and hmac.compare_digest(stored.encode(), wanted) and found is None:
                found = student
        return found


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_class_list(key: str, body: bytes | None) -> ClassList:
    """The class list; empty when it was not published yet. An entry without a usable ``student_id`` is skipped
    (and named in ``problems``); a repeated id keeps its first entry."""
    if body is None:
        return ClassList()
    document = loads(key, body)
    if not isinstance(document, list):
        raise MalformedDocument(key, "is not a list of students")
    students: list[Student] = []
    seen: set[str] = set()
    problems: list[str] = []
    for index, entry in enumerate(document):
        student_id = entry.get("student_id") if isinstance(entry, dict) else None
        if not is_safe_id(student_id):
            problems.append(f"{key}[{index}] has no usable student_id")
            continue
        assert isinstance(student_id, str) and isinstance(entry, dict)
        if student_id in seen:
            problems.append(f"{key}[{index}] repeats student {student_id}; the first entry counts")
            continue
        seen.add(student_id)
        digest = _text(entry.get("api_key_sha256"))
        students.append(
            Student(
                student_id=student_id,
                email=_text(entry.get("email")) or "",
                name=_text(entry.get("name")),
                api_key_sha256=digest.lower() if digest else None,
            )
        )
    return ClassList(tuple(students), problems)


def class_list_document(students: Iterable[Student]) -> bytes:
    """``studentsList.json``; a student without a key yet (only in a ``--check`` plan) has a null digest."""
    return dumps(
        [
            {
                "student_id": student.student_id,
                "email": student.email,
                "name": student.name,
                "api_key_sha256": student.api_key_sha256,
            }
            for student in students
        ]
    )


def parse_trainer(key: str, body: bytes | None) -> str | None:
    """The digest of the trainer's API key; None when not published or not set."""
    if body is None:
        return None
    document = loads(key, body)
    if not isinstance(document, dict):
        raise MalformedDocument(key, "is not an object")
    return (_text(document.get("api_key_sha256")) or "").lower() or None


def trainer_document(digest: str | None) -> bytes:
    return dumps({"api_key_sha256": digest})

"""The trainer's content once loaded and validated, whatever the file format it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class Choice:
    id: str
    body: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    choices: tuple[Choice, ...]
    answer: str


@dataclass(frozen=True)
class Test:
    __test__ = False  # a domain class, not a pytest test case

    subject: str
    test_id: str
    title: str
    due: datetime | None  # None: the default deadline after first publication applies
    questions: tuple[Question, ...]
    source: str  # the file or folder it came from, relative to the content folder


@dataclass(frozen=True)
class Content:
    students: tuple[Student, ...]
    tests: tuple[Test, ...]  # sorted by (subject, test_id)

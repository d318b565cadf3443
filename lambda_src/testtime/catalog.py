"""``catalog.json``: the metadata of every test ever published, and which of them a student may still take."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from testtime.deadlines import parse_instant, to_iso
from testtime.layout import is_safe_id

SUPPORTED_VERSION = 1


@dataclass(frozen=True)
class CatalogTest:
    subject: str
    test_id: str
    title: str
    due: datetime
    question_count: int
    closed_at: datetime | None = None
    first_published: datetime | None = None

    @property
    def deadline(self) -> datetime:
        """The effective deadline: the due time, or earlier when the trainer closed the test."""
        return self.due if self.closed_at is None else min(self.due, self.closed_at)

    def is_open(self, now: datetime) -> bool:
        return now < self.deadline

    def summary(self) -> dict[str, Any]:
        """The test as ``POST /api/v1/tests`` lists it."""
        return {
            "testId": self.test_id,
            "title": self.title,
            "deadline": to_iso(self.deadline),
            "questionCount": self.question_count,
        }


@dataclass(frozen=True)
class Catalog:
    tests: dict[tuple[str, str], CatalogTest]
    # Entries that were skipped, in words, so the caller can log them instead of failing every request.
    problems: list[str] = field(default_factory=list)

    def find(self, subject: str, test_id: str) -> CatalogTest | None:
        return self.tests.get((subject, test_id))

    def has_subject(self, subject: str) -> bool:
        return any(key[0] == subject for key in self.tests)


def _optional_instant(entry: dict[str, Any], name: str) -> datetime | None:
    value = entry.get(name)
    return None if value in (None, "") else parse_instant(value)


def _parse_entry(entry: Any) -> CatalogTest:
    if not isinstance(entry, dict):
        raise TypeError("is not an object")
    subject, test_id = entry.get("subject"), entry.get("testId")
    if not is_safe_id(subject) or not is_safe_id(test_id):
        raise ValueError(f"has an invalid subject or testId ({subject!r}, {test_id!r})")
    count = entry.get("questionCount")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"questionCount {count!r} is not a non-negative integer")
    title = entry.get("title")
    return CatalogTest(
        subject=subject,
        test_id=test_id,
        title=title if isinstance(title, str) and title else test_id,
        due=parse_instant(entry.get("due")),  # ValueError for a missing or non-string due
        question_count=count,
        closed_at=_optional_instant(entry, "closedAt"),
        first_published=_optional_instant(entry, "firstPublished"),
    )


def parse_catalog(document: Any) -> Catalog:
    """The parsed catalog; ValueError or TypeError when the document as a whole is unusable.

    A malformed entry is skipped and reported in ``problems``: one bad test must not take every other one down.
    A missing catalog (None) is an empty one: nothing was published yet.
    """
    if document is None:
        return Catalog(tests={})
    if not isinstance(document, dict) or not isinstance(document.get("tests"), list):
        raise TypeError("catalog.json is not an object with a 'tests' list")
    if document.get("version") != SUPPORTED_VERSION:
        raise ValueError(f"catalog.json has version {document.get('version')!r}, expected {SUPPORTED_VERSION}")
    tests: dict[tuple[str, str], CatalogTest] = {}
    problems: list[str] = []
    for index, entry in enumerate(document["tests"]):
        try:
            test = _parse_entry(entry)
        except (ValueError, TypeError) as error:
            problems.append(f"tests[{index}] {error}")
            continue
        key = (test.subject, test.test_id)
        if key in tests:
            problems.append(f"tests[{index}] repeats {test.subject}/{test.test_id}; the later entry wins")
        tests[key] = test
    return Catalog(tests=tests, problems=problems)


def open_tests(
    catalog: Catalog, submitted: Iterable[tuple[str, str]], now: datetime, subject: str | None = None
) -> list[dict[str, Any]]:
    """The tests ``now`` still open and not in ``submitted``, grouped by subject.

    Tests are sorted by deadline then id, subjects by their most urgent test then name: what is due first
    comes first.
    """
    done = set(submitted)
    by_subject: dict[str, list[CatalogTest]] = {}
    for key, test in catalog.tests.items():
        if (subject is None or test.subject == subject) and key not in done and test.is_open(now):
            by_subject.setdefault(test.subject, []).append(test)
    groups = [sorted(tests, key=lambda t: (t.deadline, t.test_id)) for tests in by_subject.values()]
    groups.sort(key=lambda tests: (tests[0].deadline, tests[0].subject))
    return [{"subjectName": tests[0].subject, "tests": [t.summary() for t in tests]} for tests in groups]

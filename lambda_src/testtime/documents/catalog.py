"""``catalog.json``: the metadata of every test ever published, and which of them are open or due.

One rule for every reader (the API, the scorer, the publisher): a document that is not an object with a ``tests``
list, or of another ``version``, is malformed as a whole; an entry that cannot be read (ids, ``due``,
``questionCount``, the optional ``shuffle``, ``resubmit`` and ``extensions``) is skipped and named in ``problems``,
so one bad test does not take the others down.

Deadlines: ``due`` is everybody's, an entry of ``extensions`` (student id -> instant) one student's own; closing a
test (``closedAt``) closes it for everybody, extensions included. Right answers may be shown only once the test is
closed for everybody (:meth:`CatalogTest.closed_for_everybody`): before that a student with a later deadline could
still submit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from testtime.deadlines import parse_instant, to_iso
from testtime.documents.codec import MalformedDocument, dumps, is_count, loads
from testtime.layout import is_safe_id

VERSION = 1
SHA256_HEX_LENGTH = 64
HEX_DIGITS = "0123456789abcdef"


@dataclass(frozen=True)
class CatalogTest:
    __test__ = False  # a domain class, not a pytest test case

    subject: str
    test_id: str
    title: str
    due: datetime
    question_count: int
    closed_at: datetime | None = None
    first_published: datetime | None = None
    # SHA-256 (hex) of the questions.json bytes this entry was published with; None in catalogs written before
    # it existed (the 2019 service's layout, or a catalog from before issue 18): readers then cannot tell fresh
    # questions from stale ones by the entry and fall back to a time-bounded cache.
    questions_sha256: str | None = None
    shuffle: bool = False  # questions and choices in an order of each student's own
    resubmit: bool = False  # a student may replace their submission until their deadline
    extensions: tuple[tuple[str, datetime], ...] = ()  # (student id, that student's own due), sorted by id
    # The subject's display title ("Systemy operacyjne"), from content/subjects/<subject>/subject.yml; None when the
    # content gives none (and in every catalog written before issue 15): people are then shown the subject's id.
    subject_title: str | None = None

    @property
    def subject_display(self) -> str:
        """What people read for the subject: its title, else its id."""
        return self.subject_title or self.subject

    @property
    def name(self) -> str:
        return f"{self.subject}/{self.test_id}"

    def _capped(self, due: datetime) -> datetime:
        return due if self.closed_at is None else min(due, self.closed_at)

    @property
    def deadline(self) -> datetime:
        """The common effective deadline: the due time, or earlier when the trainer closed the test."""
        return self._capped(self.due)

    def extension_for(self, student_id: str) -> datetime | None:
        return dict(self.extensions).get(student_id)

    def deadline_for(self, student_id: str) -> datetime:
        """One student's effective deadline: their extension, else the due time; never after the test was closed."""
        return self._capped(self.extension_for(student_id) or self.due)

    def is_open(self, now: datetime) -> bool:
        return now < self.deadline

    def is_open_for(self, student_id: str, now: datetime) -> bool:
        return now < self.deadline_for(student_id)

    @property
    def closes_for_everybody(self) -> datetime:
        """The latest of every student's deadline: from then on no submission can come."""
        return self._capped(max([self.due, *(due for _, due in self.extensions)]))

    def closed_for_everybody(self, now: datetime) -> bool:
        """Whether right answers and explanations may be shown: nobody can submit any more."""
        return now >= self.closes_for_everybody

    @property
    def earliest_deadline(self) -> datetime:
        """The earliest of every student's deadline: when the scorer first has something to score."""
        return self._capped(min([self.due, *(due for _, due in self.extensions)]))

    def summary(self, student_id: str | None = None, submitted: bool = False) -> dict[str, Any]:
        """The test as ``POST /api/v1/tests`` lists it to ``student_id`` (their own deadline)."""
        deadline = self.deadline if student_id is None else self.deadline_for(student_id)
        listed: dict[str, Any] = {
            "testId": self.test_id,
            "title": self.title,
            "deadline": to_iso(deadline),
            "questionCount": self.question_count,
        }
        if self.resubmit:
            listed["resubmit"] = True
            if submitted:
                listed["submitted"] = True
        return listed

    def to_json(self) -> dict[str, Any]:
        """The entry as ``catalog.json`` stores it."""
        document: dict[str, Any] = {
            "subject": self.subject,
            "testId": self.test_id,
            "title": self.title,
            "due": to_iso(self.due),
            "firstPublished": None if self.first_published is None else to_iso(self.first_published),
            "questionCount": self.question_count,
            "closedAt": None if self.closed_at is None else to_iso(self.closed_at),
        }
        if self.questions_sha256 is not None:  # absent otherwise: older catalogs keep their bytes and ETags
            document["questionsSha256"] = self.questions_sha256
        if self.shuffle:  # the options likewise, only when used
            document["shuffle"] = True
        if self.resubmit:
            document["resubmit"] = True
        if self.extensions:
            document["extensions"] = {sid: to_iso(due) for sid, due in sorted(self.extensions)}
        if self.subject_title:
            document["subjectTitle"] = self.subject_title
        return document


@dataclass(frozen=True)
class Catalog:
    tests: dict[tuple[str, str], CatalogTest]
    problems: list[str] = field(default_factory=list)  # skipped entries, in words, for the reader to log

    def find(self, subject: str, test_id: str) -> CatalogTest | None:
        return self.tests.get((subject, test_id))

    def has_subject(self, subject: str) -> bool:
        return any(key[0] == subject for key in self.tests)

    def due_by(self, as_of: datetime) -> list[CatalogTest]:
        """The tests with a deadline (anybody's) at or before ``as_of`` (what the scorer scores), in catalog
        order; which students' submissions are due is :meth:`CatalogTest.deadline_for`'s."""
        return [test for test in self.tests.values() if test.earliest_deadline <= as_of]

    def open_tests(
        self,
        submitted: Iterable[tuple[str, str]],
        now: datetime,
        subject: str | None = None,
        student_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """The tests ``now`` still open for ``student_id`` (their own deadline) and not in ``submitted``, grouped
        by subject; a test that takes resubmissions stays listed once submitted, marked so.

        Tests are sorted by deadline then id, subjects by their most urgent test then name: what is due first
        comes first.
        """
        done = set(submitted)

        def deadline(test: CatalogTest) -> datetime:
            return test.deadline if student_id is None else test.deadline_for(student_id)

        by_subject: dict[str, list[CatalogTest]] = {}
        for key, test in self.tests.items():
            listed = key not in done or test.resubmit
            if (subject is None or test.subject == subject) and listed and now < deadline(test):
                by_subject.setdefault(test.subject, []).append(test)
        groups = [sorted(tests, key=lambda t: (deadline(t), t.test_id)) for tests in by_subject.values()]
        groups.sort(key=lambda tests: (deadline(tests[0]), tests[0].subject))
        return [
            {
                "subjectName": tests[0].subject,
                "subjectTitle": tests[0].subject_display,
                "tests": [t.summary(student_id, (t.subject, t.test_id) in done) for t in tests],
            }
            for tests in groups
        ]


def _instant(entry: dict[str, Any], name: str, required: bool = False) -> datetime | None:
    value = entry.get(name)
    if value in (None, "") and not required:
        return None
    try:
        return parse_instant(value)
    except ValueError as error:
        raise ValueError(f"{name} {value!r} is not an ISO 8601 date-time with an offset ({error})") from None


def _digest(entry: dict[str, Any]) -> str | None:
    """``questionsSha256`` when it is one (64 lower-case hex digits), else None: a missing or hand-damaged digest
    only costs the reader its cache of the questions, never the test."""
    value = entry.get("questionsSha256")
    if isinstance(value, str) and len(value) == SHA256_HEX_LENGTH and not value.strip(HEX_DIGITS):
        return value
    return None


def _flag(entry: dict[str, Any], name: str) -> bool:
    value = entry.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"{name} {value!r} is not true or false")
    return value


def _extensions(entry: dict[str, Any]) -> tuple[tuple[str, datetime], ...]:
    raw = entry.get("extensions", {})
    if not isinstance(raw, dict):
        raise ValueError("extensions is not an object of student id to date-time")
    extensions: list[tuple[str, datetime]] = []
    for student_id, value in raw.items():
        if not is_safe_id(student_id):
            raise ValueError(f"extensions has an invalid student id {student_id!r}")
        due = _instant({f"extensions.{student_id}": value}, f"extensions.{student_id}", required=True)
        assert due is not None
        extensions.append((student_id, due))
    return tuple(sorted(extensions))


def _parse_entry(entry: Any) -> CatalogTest:
    if not isinstance(entry, dict):
        raise ValueError("is not an object")
    subject, test_id = entry.get("subject"), entry.get("testId")
    if not is_safe_id(subject) or not is_safe_id(test_id):
        raise ValueError(f"has an invalid subject or testId ({subject!r}, {test_id!r})")
    assert isinstance(subject, str) and isinstance(test_id, str)
    count = entry.get("questionCount")
    if not is_count(count):
        raise ValueError(f"questionCount {count!r} is not a non-negative integer")
    title = entry.get("title")
    subject_title = entry.get("subjectTitle")
    if subject_title is not None and not isinstance(subject_title, str):
        raise ValueError(f"subjectTitle {subject_title!r} is not text")
    due = _instant(entry, "due", required=True)
    assert due is not None
    return CatalogTest(
        subject=subject,
        test_id=test_id,
        title=title if isinstance(title, str) and title else test_id,
        due=due,
        question_count=count,
        closed_at=_instant(entry, "closedAt"),
        first_published=_instant(entry, "firstPublished"),
        questions_sha256=_digest(entry),
        shuffle=_flag(entry, "shuffle"),
        resubmit=_flag(entry, "resubmit"),
        extensions=_extensions(entry),
        subject_title=subject_title.strip() or None if subject_title else None,
    )


def parse_catalog(key: str, body: bytes | None) -> Catalog:
    """The parsed catalog; a missing one is empty (nothing was published yet)."""
    if body is None:
        return Catalog(tests={})
    document = loads(key, body)
    if not isinstance(document, dict) or not isinstance(document.get("tests"), list):
        raise MalformedDocument(key, "is not an object with a 'tests' list")
    # The integer 1 only: Python's `True == 1` and `1.0 == 1` would let another document through.
    if not is_count(document.get("version")) or document.get("version") != VERSION:
        raise MalformedDocument(key, f"has version {document.get('version')!r}; this service reads version {VERSION}")
    tests: dict[tuple[str, str], CatalogTest] = {}
    problems: list[str] = []
    for index, entry in enumerate(document["tests"]):
        try:
            test = _parse_entry(entry)
        except ValueError as error:
            problems.append(f"tests[{index}] {error}")
            continue
        if (test.subject, test.test_id) in tests:
            problems.append(f"tests[{index}] repeats {test.name}; the later entry wins")
        tests[(test.subject, test.test_id)] = test
    return Catalog(tests=tests, problems=problems)


def catalog_document(tests: Iterable[CatalogTest]) -> bytes:
    """``catalog.json`` with its tests sorted by (subject, testId), so equal catalogs give equal bytes."""
    ordered = sorted(tests, key=lambda test: (test.subject, test.test_id))
    return dumps({"version": VERSION, "tests": [test.to_json() for test in ordered]})

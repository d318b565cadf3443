"""catalog.json rules: default deadline, firstPublished kept, explicit due wins, closing and reopening."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ops.content import (
    AuthoredQuestion,
    CatalogChanges,
    Choice,
    Content,
    Question,
    Test,
    build_catalog,
    catalog_changes,
    read_catalog,
)
from testtime.documents.catalog import Catalog, catalog_document
from testtime.documents.codec import dumps

TZ = "Europe/Warsaw"
QUESTION = AuthoredQuestion(Question("1", "Q", (Choice("a", "x"), Choice("b", "y"))), "a")


def homework(test_id: str, due: datetime | None = None) -> Test:
    return Test("os", test_id, f"Test {test_id}", due, (QUESTION,), f"subjects/os/{test_id}.yml")


def content(*tests: Test) -> Content:
    return Content((), tests)


def stored(catalog: Catalog) -> dict[str, Any]:
    """The catalog as ``catalog.json`` holds it."""
    document: dict[str, Any] = json.loads(catalog_document(catalog.tests.values()))
    return document


def entry(catalog: Catalog, test_id: str) -> dict[str, Any]:
    [found] = [e for e in stored(catalog)["tests"] if e["testId"] == test_id]
    return found


@pytest.mark.parametrize(
    ("published", "due"),
    [
        # winter time (CET, UTC+1): Wednesday -> Monday 23:00 local = 22:00 UTC
        (datetime(2026, 1, 14, 10, 0, tzinfo=UTC), "2026-01-19T22:00:00+00:00"),
        # summer time (CEST, UTC+2): Wednesday -> Monday 23:00 local = 21:00 UTC
        (datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "2026-07-06T21:00:00+00:00"),
        # published in winter, due after the switch to summer time: still 23:00 on the wall clock
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "2026-03-30T21:00:00+00:00"),
        # Monday 23:30 local is past that day's 23:00: the next Monday
        (datetime(2026, 1, 19, 22, 30, tzinfo=UTC), "2026-01-26T22:00:00+00:00"),
    ],
)
def test_default_deadline_is_monday_2300_in_the_trainers_zone(published: datetime, due: str) -> None:
    catalog = build_catalog(None, content(homework("t1")), published, TZ)
    assert stored(catalog) == {
        "version": 1,
        "tests": [
            {
                "subject": "os",
                "testId": "t1",
                "title": "Test t1",
                "due": due,
                "firstPublished": published.isoformat(),
                "questionCount": 1,
                "closedAt": None,
            }
        ],
    }


def test_republishing_keeps_first_published_and_so_the_default_deadline() -> None:
    first = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)
    catalog = build_catalog(None, content(homework("t1")), first, TZ)
    again = build_catalog(catalog, content(homework("t1")), first + timedelta(days=10), TZ)
    assert stored(again) == stored(catalog)


def test_an_explicit_due_always_wins() -> None:
    first = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)
    catalog = build_catalog(None, content(homework("t1")), first, TZ)
    due = datetime(2026, 2, 1, 18, 0, tzinfo=UTC)
    later = build_catalog(catalog, content(homework("t1", due)), first + timedelta(days=1), TZ)
    assert entry(later, "t1")["due"] == "2026-02-01T18:00:00+00:00"
    assert entry(later, "t1")["firstPublished"] == first.isoformat()


def test_a_removed_test_closes_once_and_reopens_when_it_comes_back() -> None:
    day = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)
    published = build_catalog(None, content(homework("t1"), homework("t2")), day, TZ)

    closed = build_catalog(published, content(homework("t1")), day + timedelta(days=1), TZ)
    assert entry(closed, "t2") == {**entry(published, "t2"), "closedAt": (day + timedelta(days=1)).isoformat()}
    assert catalog_changes(published, closed) == CatalogChanges(added=(), closed=("os/t2",), reopened=())

    still_closed = build_catalog(closed, content(homework("t1")), day + timedelta(days=2), TZ)
    assert stored(still_closed) == stored(closed)  # closedAt kept, not moved
    assert catalog_changes(closed, still_closed) == CatalogChanges((), (), ())

    reopened = build_catalog(still_closed, content(homework("t1"), homework("t2")), day + timedelta(days=3), TZ)
    assert entry(reopened, "t2") == entry(published, "t2")  # closedAt null, firstPublished and due as before
    assert catalog_changes(still_closed, reopened) == CatalogChanges(added=(), closed=(), reopened=("os/t2",))


def test_new_tests_are_reported_and_the_catalog_is_sorted() -> None:
    day = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)
    first = build_catalog(None, content(homework("t2")), day, TZ)
    second = build_catalog(first, content(homework("t2"), homework("t1")), day, TZ)
    assert [e["testId"] for e in stored(second)["tests"]] == ["t1", "t2"]
    assert catalog_changes(first, second).added == ("os/t1",)


def test_an_unknown_catalog_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version 2"):
        build_catalog(read_catalog(dumps({"version": 2, "tests": []})), content(), datetime(2026, 1, 1, tzinfo=UTC), TZ)

"""catalog.json as the API reads it: its parsing (testtime.documents.catalog) and the open tests of a student."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_support import NOW, catalog_document
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.catalog import Catalog, CatalogTest
from testtime.documents.catalog import parse_catalog as parse_catalog_document
from testtime.documents.codec import dumps


def parse_catalog(document: Any) -> Catalog:
    """The catalog of ``document`` stored as JSON (None: no catalog.json)."""
    return parse_catalog_document("catalog.json", None if document is None else dumps(document))


def open_tests(
    catalog: Catalog, submitted: set[tuple[str, str]], now: datetime, subject: str | None = None
) -> list[dict[str, Any]]:
    return catalog.open_tests(submitted, now, subject)


def entry(subject: str = "s", test_id: str = "t", **extra: Any) -> dict[str, Any]:
    base = {"subject": subject, "testId": test_id, "title": "T", "due": "2026-11-23T22:00:00Z", "questionCount": 3}
    return {**base, **extra}


def test_parse_reads_every_field() -> None:
    catalog = parse_catalog(catalog_document())
    test = catalog.find("operating-systems", "test01")
    assert test is not None
    assert test.title == "Operating systems basics"
    assert test.due == datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    assert test.first_published == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert test.question_count == 6 and test.closed_at is None
    assert catalog.problems == []
    assert catalog.has_subject("networks") and not catalog.has_subject("biology")


def test_effective_deadline_is_the_earlier_of_due_and_closed() -> None:
    closed = parse_catalog({"version": 1, "tests": [entry(closedAt="2026-11-20T10:00:00+01:00")]}).find("s", "t")
    assert closed is not None and closed.deadline == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    late_close = parse_catalog({"version": 1, "tests": [entry(closedAt="2026-12-01T00:00:00Z")]}).find("s", "t")
    assert late_close is not None and late_close.deadline == late_close.due


def test_missing_catalog_is_empty() -> None:
    assert parse_catalog(None).tests == {}


@pytest.mark.parametrize("document", [[], {"version": 1}, {"version": 2, "tests": []}, {"tests": []}, "x"])
def test_unusable_documents_raise(document: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        parse_catalog(document)


@pytest.mark.parametrize(
    "bad",
    [
        "not an object",
        entry(subject="a/b"),
        entry(test_id=".."),
        entry(questionCount="3"),
        entry(questionCount=True),
        entry(questionCount=-1),
        entry(due="next monday"),
        entry(due="2026-11-23T22:00:00"),
        entry(due=None),
        entry(closedAt=5),
    ],
)
def test_malformed_entries_are_skipped_and_reported(bad: Any) -> None:
    catalog = parse_catalog({"version": 1, "tests": [bad, entry("ok", "t1")]})
    assert list(catalog.tests) == [("ok", "t1")]
    assert len(catalog.problems) == 1 and catalog.problems[0].startswith("tests[0]")


def test_repeated_entry_later_wins() -> None:
    catalog = parse_catalog({"version": 1, "tests": [entry(title="old"), entry(title="new")]})
    assert catalog.tests[("s", "t")].title == "new"
    assert "repeats s/t" in catalog.problems[0]


def test_title_defaults_to_the_test_id() -> None:
    assert parse_catalog({"version": 1, "tests": [entry(title=None)]}).tests[("s", "t")].title == "t"


def test_open_tests_grouped_and_sorted() -> None:
    result = open_tests(parse_catalog(catalog_document()), set(), NOW)
    assert result == [
        {
            "subjectName": "networks",
            "subjectTitle": "networks",
            "tests": [
                {"testId": "net01", "title": "Layers", "deadline": "2026-11-20T22:00:00+00:00", "questionCount": 2},
                {"testId": "net02", "title": "Transport", "deadline": "2026-11-20T22:00:00+00:00", "questionCount": 2},
            ],
        },
        {
            "subjectName": "operating-systems",
            "subjectTitle": "operating-systems",
            "tests": [
                {
                    "testId": "test01",
                    "title": "Operating systems basics",
                    "deadline": "2026-11-23T22:00:00+00:00",
                    "questionCount": 6,
                }
            ],
        },
    ]


def test_open_tests_leaves_out_submitted_and_filters_by_subject() -> None:
    catalog = parse_catalog(catalog_document())
    result = open_tests(catalog, {("networks", "net01"), ("networks", "net02")}, NOW)
    assert [group["subjectName"] for group in result] == ["operating-systems"]
    only = open_tests(catalog, set(), NOW, subject="networks")
    assert [t["testId"] for t in only[0]["tests"]] == ["net01", "net02"] and len(only) == 1
    assert open_tests(catalog, set(), NOW, subject="biology") == []


def test_a_test_closes_exactly_at_its_deadline() -> None:
    catalog = parse_catalog({"version": 1, "tests": [entry()]})
    deadline = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    assert open_tests(catalog, set(), deadline - timedelta(seconds=1)) != []
    assert open_tests(catalog, set(), deadline) == []


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)).map(
    lambda moment: moment.replace(microsecond=0)
)


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    tests: dict[tuple[str, str], CatalogTest] = {}
    for _ in range(draw(st.integers(0, 12))):
        subject, test_id = draw(st.sampled_from(["a", "b", "c"])), draw(st.sampled_from(["t1", "t2", "t3", "t4"]))
        closed = draw(st.none() | instants)
        tests[(subject, test_id)] = CatalogTest(subject, test_id, test_id, draw(instants), 1, closed)
    return Catalog(tests)


@given(catalogs(), st.sets(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["t1", "t2"]))), instants)
def test_open_tests_invariants(catalog: Catalog, submitted: set[tuple[str, str]], now: datetime) -> None:
    result = open_tests(catalog, submitted, now)
    listed = [(group["subjectName"], t["testId"]) for group in result for t in group["tests"]]
    expected = {key for key, test in catalog.tests.items() if key not in submitted and now < test.deadline}
    assert sorted(listed) == sorted(expected) and len(listed) == len(set(listed))
    assert all(group["tests"] for group in result)
    firsts = []
    for group in result:
        keys = [(t["deadline"], t["testId"]) for t in group["tests"]]
        assert keys == sorted(keys)
        firsts.append((keys[0][0], group["subjectName"]))
    assert firsts == sorted(firsts)

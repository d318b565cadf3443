"""documents.catalog: catalog.json's one version rule and entry rule for the API and the scorer alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.catalog import VERSION, Catalog, CatalogTest, catalog_document, parse_catalog
from testtime.documents.codec import MalformedDocument

KEY = "catalog.json"
DUE = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)


def entry(subject: str = "operating-systems", test_id: str = "test01", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subject": subject,
        "testId": test_id,
        "title": "Operating systems basics",
        "due": "2026-11-30T23:00:00+01:00",
        "firstPublished": "2026-11-24T09:15:00+00:00",
        "questionCount": 6,
        "closedAt": None,
    }
    base.update(fields)
    return base


def parse(tests: list[Any], version: Any = VERSION) -> Catalog:
    return parse_catalog(KEY, json.dumps({"version": version, "tests": tests}).encode())


def test_an_entry_reads_as_a_test_with_aware_instants() -> None:
    catalog = parse([entry()])
    assert catalog.problems == []
    test = catalog.find("operating-systems", "test01")
    assert test == CatalogTest(
        "operating-systems",
        "test01",
        "Operating systems basics",
        DUE,
        6,
        None,
        datetime(2026, 11, 24, 9, 15, tzinfo=UTC),
    )
    assert test is not None and test.name == "operating-systems/test01" and test.deadline == DUE
    assert catalog.has_subject("operating-systems") and not catalog.has_subject("networking")
    assert catalog.find("operating-systems", "test02") is None


def test_a_missing_catalog_is_empty() -> None:
    assert parse_catalog(KEY, None) == Catalog(tests={}, problems=[])


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "is not an object with a 'tests' list"),
        ({"version": 1}, "is not an object with a 'tests' list"),
        ({"version": 1, "tests": {}}, "is not an object with a 'tests' list"),
        ({"tests": []}, "has version None; this service reads version 1"),
        ({"version": 2, "tests": []}, "has version 2; this service reads version 1"),
        ({"version": "1", "tests": []}, "has version '1'; this service reads version 1"),
        ({"version": True, "tests": []}, "has version True; this service reads version 1"),
        ({"version": 1.0, "tests": []}, "has version 1.0; this service reads version 1"),
    ],
)
def test_a_catalog_of_another_shape_or_version_is_malformed_as_a_whole(document: Any, problem: str) -> None:
    # One rule for every reader: a version-2 catalog is refused by the API and the scorer alike, never half-read.
    with pytest.raises(MalformedDocument) as caught:
        parse_catalog(KEY, json.dumps(document).encode())
    assert (caught.value.key, caught.value.problem, str(caught.value)) == (KEY, problem, f"{KEY} {problem}")


def test_bad_entries_are_skipped_into_problems_and_the_good_ones_kept() -> None:
    catalog = parse(
        [
            "test01",
            entry(subject="../etc"),
            entry(test_id=None),
            entry(questionCount=-1),
            entry(questionCount=True),
            entry(questionCount="6"),
            entry(due=None),
            entry(due="2026-11-30T23:00:00"),
            entry(due="next monday"),
            entry(closedAt=5),
            entry(test_id="test02"),
        ]
    )
    assert list(catalog.tests) == [("operating-systems", "test02")]
    assert [problem.split(" ", 1)[0] for problem in catalog.problems] == [f"tests[{i}]" for i in range(10)]
    assert catalog.problems[0] == "tests[0] is not an object"
    assert catalog.problems[1] == "tests[1] has an invalid subject or testId ('../etc', 'test01')"
    assert catalog.problems[3] == "tests[3] questionCount -1 is not a non-negative integer"
    assert catalog.problems[4] == "tests[4] questionCount True is not a non-negative integer"
    assert catalog.problems[6].startswith("tests[6] due None is not an ISO 8601 date-time with an offset")
    assert catalog.problems[7].startswith("tests[7] due '2026-11-30T23:00:00' is not an ISO 8601 date-time")
    assert catalog.problems[9].startswith("tests[9] closedAt 5 is not an ISO 8601 date-time")


def test_a_repeated_test_is_a_problem_and_the_later_entry_wins() -> None:
    catalog = parse([entry(title="first"), entry(title="second")])
    test = catalog.find("operating-systems", "test01")
    assert test is not None and test.title == "second"
    assert catalog.problems == ["tests[1] repeats operating-systems/test01; the later entry wins"]


def test_a_test_without_a_title_is_called_by_its_id_and_empty_instants_are_none() -> None:
    test = parse([entry(title="", firstPublished="", closedAt="")]).find("operating-systems", "test01")
    assert test is not None
    assert (test.title, test.first_published, test.closed_at) == ("test01", None, None)


def test_closing_a_test_brings_its_deadline_forward_never_back() -> None:
    closed = DUE - timedelta(days=2)
    early = parse([entry(closedAt=closed.isoformat())]).find("operating-systems", "test01")
    late = parse([entry(closedAt=(DUE + timedelta(days=1)).isoformat())]).find("operating-systems", "test01")
    assert early is not None and late is not None
    assert early.deadline == closed and late.deadline == DUE
    assert early.is_open(closed - timedelta(seconds=1)) and not early.is_open(closed)


def test_due_by_lists_the_tests_at_or_past_their_deadline_in_catalog_order() -> None:
    catalog = parse(
        [
            entry(test_id="late", due="2026-12-07T22:00:00+00:00"),
            entry(test_id="now", due="2026-11-30T22:00:00+00:00"),
            entry(test_id="early", due="2026-11-23T22:00:00+00:00"),
        ]
    )
    assert [test.test_id for test in catalog.due_by(DUE)] == ["now", "early"]
    assert [test.test_id for test in catalog.due_by(DUE - timedelta(seconds=1))] == ["early"]


def test_open_tests_are_grouped_by_subject_most_urgent_first_without_the_submitted() -> None:
    catalog = parse(
        [
            entry("operating-systems", "t2", due="2026-12-02T10:00:00+00:00", questionCount=2, title="Two"),
            entry("operating-systems", "t1", due="2026-12-02T10:00:00+00:00", questionCount=1, title="One"),
            entry("networking", "n1", due="2026-12-01T10:00:00+00:00", questionCount=3, title="Net"),
            entry("networking", "n2", due="2026-12-03T10:00:00+00:00"),
            entry("databases", "gone", due="2026-11-01T10:00:00+00:00"),
        ]
    )
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    listed = catalog.open_tests([("networking", "n2")], now)
    assert listed == [
        {
            "subjectName": "networking",
            "subjectTitle": "networking",  # no title: the id
            "tests": [{"testId": "n1", "title": "Net", "deadline": "2026-12-01T10:00:00+00:00", "questionCount": 3}],
        },
        {
            "subjectName": "operating-systems",
            "subjectTitle": "operating-systems",
            "tests": [
                {"testId": "t1", "title": "One", "deadline": "2026-12-02T10:00:00+00:00", "questionCount": 1},
                {"testId": "t2", "title": "Two", "deadline": "2026-12-02T10:00:00+00:00", "questionCount": 2},
            ],
        },
    ]
    assert [group["subjectName"] for group in catalog.open_tests([], now, subject="networking")] == ["networking"]
    assert catalog.open_tests([], now, subject="databases") == []


def test_the_catalog_document_is_version_1_sorted_by_subject_and_test() -> None:
    second = CatalogTest("os", "t2", "Two", DUE, 2, closed_at=DUE - timedelta(hours=1))
    first = CatalogTest("net", "t9", "Nine", DUE, 9, first_published=DUE - timedelta(days=6))
    assert catalog_document([second, first]) == (
        b"{\n"
        b'  "version": 1,\n'
        b'  "tests": [\n'
        b"    {\n"
        b'      "subject": "net",\n'
        b'      "testId": "t9",\n'
        b'      "title": "Nine",\n'
        b'      "due": "2026-11-30T22:00:00+00:00",\n'
        b'      "firstPublished": "2026-11-24T22:00:00+00:00",\n'
        b'      "questionCount": 9,\n'
        b'      "closedAt": null\n'
        b"    },\n"
        b"    {\n"
        b'      "subject": "os",\n'
        b'      "testId": "t2",\n'
        b'      "title": "Two",\n'
        b'      "due": "2026-11-30T22:00:00+00:00",\n'
        b'      "firstPublished": null,\n'
        b'      "questionCount": 2,\n'
        b'      "closedAt": "2026-11-30T21:00:00+00:00"\n'
        b"    }\n"
        b"  ]\n"
        b"}\n"
    )


IDS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,10}\Z")
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone(timedelta(hours=1)))
).map(lambda moment: moment.replace(microsecond=0))  # stored with seconds precision
TESTS = st.builds(
    CatalogTest,
    subject=IDS,
    test_id=IDS,
    title=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20),
    due=INSTANTS,
    question_count=st.integers(min_value=0, max_value=500),
    closed_at=st.none() | INSTANTS,
    first_published=st.none() | INSTANTS,
)


@given(st.lists(TESTS, max_size=5, unique_by=lambda test: (test.subject, test.test_id)))
def test_a_written_catalog_reads_back_unchanged(tests: list[CatalogTest]) -> None:
    parsed = parse_catalog(KEY, catalog_document(tests))
    assert parsed.problems == []
    assert parsed.tests == {(test.subject, test.test_id): test for test in tests}
    assert catalog_document(parsed.tests.values()) == catalog_document(tests)


def test_a_subject_title_names_the_subject_group_and_the_id_stands_in_without_one() -> None:
    titled = {"subject": "os", "testId": "t1", "title": "One", "due": "2026-12-02T10:00:00Z", "questionCount": 1}
    plain = {**titled, "subject": "net", "subjectTitle": None}
    titled["subjectTitle"] = "  Systemy operacyjne "
    catalog = parse([titled, plain])
    groups = catalog.open_tests([], datetime(2026, 11, 30, tzinfo=UTC))
    assert {group["subjectName"]: group["subjectTitle"] for group in groups} == {
        "os": "Systemy operacyjne",
        "net": "net",
    }

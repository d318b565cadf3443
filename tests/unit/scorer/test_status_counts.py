"""bin/status.sh's counts (ops/status.py): missing while a test is open, and after its deadline, where a student
whose own extension still runs is pending, not missing (as the trainer's summary says)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ops.class_results import ClassResults, TestResults
from ops.status import CLOSED, OPEN, statuses
from testtime import layout
from testtime.documents.catalog import parse_catalog
from testtime.documents.class_list import parse_class_list

DUE = "2026-11-23T22:00:00+00:00"
EXTENDED = "2026-11-26T22:00:00+00:00"


def _results() -> ClassResults:
    entry = {"subject": "os", "testId": "t1", "title": "Kernels", "due": DUE, "firstPublished": DUE,
             "questionCount": 1, "closedAt": None, "extensions": {"s3": EXTENDED}}  # fmt: skip
    catalog = parse_catalog(layout.CATALOG, json.dumps({"version": 1, "tests": [entry]}).encode())
    students = parse_class_list(
        layout.STUDENTS_LIST,
        json.dumps([{"student_id": f"s{n}", "email": f"s{n}@example.org"} for n in (1, 2, 3)]).encode(),
    )
    test = catalog.tests[next(iter(catalog.tests))]
    return ClassResults(catalog, students, (TestResults(test, None, (), None, frozenset({"s1"})),))


def test_before_the_deadline_everybody_who_has_not_sent_it_is_missing() -> None:
    [status] = statuses(_results(), {}, datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert (status.state, status.submitted, status.missing) == (OPEN, 1, 2)


def test_after_the_deadline_a_running_extension_is_not_missing() -> None:
    [status] = statuses(_results(), {}, datetime(2026, 11, 24, 6, tzinfo=UTC))
    assert (status.state, status.submitted, status.missing) == (CLOSED, 1, 1)  # s2 missing, s3 pending
    [later] = statuses(_results(), {}, datetime(2026, 11, 27, 6, tzinfo=UTC))
    assert later.missing == 2  # s3's own deadline passed too

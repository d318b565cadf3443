"""What the scorer wrote about a class, read from the trainer's machine: the catalog, the class list, and per
test its answer key, questions, the scorer's state cache (the score rows, with each student's answers) and who
submitted. For bin/report.sh, bin/gradebook.sh and bin/status.sh.

A few requests per test whatever the class size (the state cache holds every row; the listing of the test's
folder is one request per 1,000 objects), made by a few threads at once: 1,000 students x 10 tests read in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from testtime import layout
from testtime.documents.catalog import Catalog, CatalogTest, parse_catalog
from testtime.documents.class_list import ClassList, parse_class_list
from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import AnswerKey, Question, parse_answer_key, parse_questions
from testtime.documents.scorer_records import TestState, parse_state

READERS = 8  # threads reading the tests' documents at once


@dataclass(frozen=True)
class TestResults:
    __test__ = False  # not a pytest test class, despite the name

    test: CatalogTest
    key: AnswerKey | None  # None: absent or unreadable
    questions: tuple[Question, ...]
    state: TestState | None  # the scorer's cache: its rows are the scores; None: never scored (or unreadable)
    submitted: frozenset[str] | None  # students with a submission; None when not listed
    problems: tuple[str, ...] = ()  # documents that could not be read, in words


@dataclass(frozen=True)
class ClassResults:
    catalog: Catalog
    students: ClassList
    tests: tuple[TestResults, ...]  # by deadline, then subject and test id


def get_bytes(s3: Any, bucket: str, key: str) -> bytes | None:
    """An object's bytes; None when there is none."""
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise


def _parsed(read: Callable[[], Any], problems: list[str]) -> Any:
    try:
        return read()
    except MalformedDocument as error:
        problems.append(f"{error.key} {error.problem}")
        return None


def submitters(s3: Any, bucket: str, test: CatalogTest) -> frozenset[str]:
    """Students with a submission of the test (any version): one listing of its folder."""
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=layout.test_prefix(test.subject, test.test_id)
    )
    keys = (item["Key"] for page in pages for item in page.get("Contents", []))
    return layout.submitters_among(test.subject, test.test_id, keys)


def _test_results(s3: Any, bucket: str, test: CatalogTest, listings: bool) -> TestResults:
    subject, test_id = test.subject, test.test_id
    problems: list[str] = []
    key_name = layout.answer_key_key(subject, test_id)
    body = get_bytes(s3, bucket, key_name)
    key = _parsed(lambda: parse_answer_key(key_name, body), problems) if body is not None else None
    questions_name = layout.questions_key(subject, test_id)
    body = get_bytes(s3, bucket, questions_name)
    questions = _parsed(lambda: parse_questions(questions_name, body), problems) if body is not None else None
    state_name = layout.scorer_state_key(subject, test_id)
    body = get_bytes(s3, bucket, state_name)
    state = _parsed(lambda: parse_state(state_name, body), problems)
    listed = submitters(s3, bucket, test) if listings else None
    return TestResults(test, key, tuple(questions or ()), state, listed, tuple(problems))


def read_class_results(
    s3: Any, bucket: str, subject: str | None = None, test_id: str | None = None, listings: bool = True
) -> ClassResults:
    """The catalog's tests (only ``subject``, only its ``test_id``, when given) with what the scorer wrote."""
    catalog = parse_catalog(layout.CATALOG, get_bytes(s3, bucket, layout.CATALOG))
    students = parse_class_list(layout.STUDENTS_LIST, get_bytes(s3, bucket, layout.STUDENTS_LIST))
    chosen = [
        test
        for test in catalog.tests.values()
        if (subject is None or test.subject == subject) and (test_id is None or test.test_id == test_id)
    ]
    chosen.sort(key=lambda test: (test.deadline, test.subject, test.test_id))
    with ThreadPoolExecutor(READERS) as pool:
        tests = tuple(pool.map(lambda test: _test_results(s3, bucket, test, listings), chosen))
    return ClassResults(catalog, students, tests)

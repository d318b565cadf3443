"""documents.class_list: studentsList.json (the 2019 file and ours) and trainer.json."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.class_list import (
    ClassList,
    Student,
    class_list_document,
    parse_class_list,
    parse_trainer,
    trainer_document,
)
from testtime.documents.codec import MalformedDocument

KEY = "studentsList.json"
DIGEST = hashlib.sha256(b"student02-key").hexdigest()


def parse(document: object) -> ClassList:
    return parse_class_list(KEY, json.dumps(document).encode())


def test_the_2019_class_list_reads_as_it_is(legacy_content: Path) -> None:
    parsed = parse_class_list(KEY, (legacy_content / KEY).read_bytes())
    assert parsed.problems == []
    assert parsed.ids() == ["student01", "student02", "student03", "student04"]
    assert parsed.students[0] == Student("student01", "student01@makemycloud.pl", None, None)
    assert parsed.students[0].display_name == "student01"  # the 2019 list has no names
    assert all(student.api_key_sha256 is None for student in parsed.students)


def test_our_class_list_reads_names_and_key_digests() -> None:
    parsed = parse(
        [
            {"student_id": "student01", "email": " a@example.com ", "name": "Anna Kowalska", "api_key_sha256": None},
            {"student_id": "student02", "email": "b@example.com", "name": " ", "api_key_sha256": DIGEST.upper()},
        ]
    )
    assert parsed.students == (
        Student("student01", "a@example.com", "Anna Kowalska", None),
        Student("student02", "b@example.com", None, DIGEST),
    )
    assert parsed.students[0].display_name == "Anna Kowalska"
    assert parsed.by_id()["student02"].api_key_sha256 == DIGEST


def test_a_missing_class_list_is_empty() -> None:
    assert parse_class_list(KEY, None) == ClassList((), [])


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"student_id": "student01"}', "is not a list of students"),
        (b"null", "is not a list of students"),
        (b"[", "is not JSON: Expecting value: line 1 column 2 (char 1)"),
    ],
)
def test_a_class_list_that_is_no_list_is_malformed_naming_the_key(body: bytes, problem: str) -> None:
    with pytest.raises(MalformedDocument) as caught:
        parse_class_list(KEY, body)
    assert (caught.value.key, caught.value.problem, str(caught.value)) == (KEY, problem, f"{KEY} {problem}")


def test_unusable_entries_are_skipped_into_problems_and_the_first_of_a_repeated_id_counts() -> None:
    parsed = parse(
        [
            "student09",
            {"email": "no-id@example.com"},
            {"student_id": "../student01", "email": "x@example.com"},
            {"student_id": 7, "email": "x@example.com"},
            {"student_id": "student01", "email": "first@example.com"},
            {"student_id": "student01", "email": "second@example.com"},
            {"student_id": "student02"},
        ]
    )
    assert parsed.students == (Student("student01", "first@example.com"), Student("student02", ""))
    assert parsed.problems == [
        f"{KEY}[0] has no usable student_id",
        f"{KEY}[1] has no usable student_id",
        f"{KEY}[2] has no usable student_id",
        f"{KEY}[3] has no usable student_id",
        f"{KEY}[5] repeats student student01; the first entry counts",
    ]


def test_a_student_is_found_by_the_digest_of_their_key_whatever_its_case() -> None:
    parsed = parse(
        [
            {"student_id": "student01", "email": "a@example.com"},
            {"student_id": "student02", "email": "b@example.com", "api_key_sha256": DIGEST},
        ]
    )
    assert parsed.find_by_key_digest(DIGEST) == parsed.students[1]
    assert parsed.find_by_key_digest(f" {DIGEST.upper()}\n") == parsed.students[1]
    assert parsed.find_by_key_digest(hashlib.sha256(b"other").hexdigest()) is None
    assert parsed.find_by_key_digest("") is None  # a student without a key is never found


def test_the_class_list_document_has_every_field_in_class_list_order() -> None:
    written = class_list_document([Student("student02", "b@example.com", "Bob", DIGEST), Student("a1", "")])
    expected = (
        "[\n"
        "  {\n"
        '    "student_id": "student02",\n'
        '    "email": "b@example.com",\n'
        '    "name": "Bob",\n'
        f'    "api_key_sha256": "{DIGEST}"\n'
        "  },\n"
        "  {\n"
        '    "student_id": "a1",\n'
        '    "email": "",\n'
        '    "name": null,\n'
        '    "api_key_sha256": null\n'
        "  }\n"
        "]\n"
    )
    assert written == expected.encode()


STUDENT_IDS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,20}\Z")
WORDS = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=15)
STUDENTS = st.builds(
    Student,
    student_id=STUDENT_IDS,
    email=st.one_of(st.just(""), WORDS),
    name=st.one_of(st.none(), WORDS),
    api_key_sha256=st.one_of(st.none(), st.binary().map(lambda data: hashlib.sha256(data).hexdigest())),
)


@given(st.lists(STUDENTS, max_size=6, unique_by=lambda student: student.student_id))
def test_a_written_class_list_reads_back_unchanged(students: list[Student]) -> None:
    parsed = parse_class_list(KEY, class_list_document(students))
    assert parsed == ClassList(tuple(students), [])


def test_the_trainer_document_holds_the_digest_or_null() -> None:
    assert trainer_document(DIGEST) == f'{{\n  "api_key_sha256": "{DIGEST}"\n}}\n'.encode()
    assert trainer_document(None) == b'{\n  "api_key_sha256": null\n}\n'


@given(st.one_of(st.none(), st.binary().map(lambda data: hashlib.sha256(data).hexdigest())))
def test_a_written_trainer_document_reads_back_unchanged(digest: str | None) -> None:
    assert parse_trainer("trainer.json", trainer_document(digest)) == digest


def test_the_trainer_digest_reads_in_lower_case_and_is_none_when_unset() -> None:
    assert parse_trainer("trainer.json", json.dumps({"api_key_sha256": f" {DIGEST.upper()} "}).encode()) == DIGEST
    assert parse_trainer("trainer.json", None) is None
    assert parse_trainer("trainer.json", b"{}") is None
    assert parse_trainer("trainer.json", b'{"api_key_sha256": ""}') is None


def test_a_trainer_document_that_is_no_object_is_malformed_naming_the_key() -> None:
    with pytest.raises(MalformedDocument, match=r"^trainer\.json is not an object$"):
        parse_trainer("trainer.json", b'["x"]')

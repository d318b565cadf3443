"""identity: API key digests and the class-list lookup."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.class_list import ClassList, Student, parse_class_list
from testtime.documents.codec import dumps
from testtime.errors import ApiError
from testtime.identity import api_key_digest, check_claimed_student, require_student
from testtime.identity import find_student as find_in_class_list


def class_list(entries: list[object]) -> ClassList:
    """``entries`` as the handlers get them: stored as studentsList.json, then parsed."""
    return parse_class_list("studentsList.json", dumps(entries))


def find_student(entries: list[object], api_key: str | None) -> Student | None:
    return find_in_class_list(class_list(entries), api_key)


STUDENTS = [
    {"student_id": "s1", "email": "s1@example.org", "name": "One", "api_key_sha256": api_key_digest("k1")},
    {"student_id": "s2", "email": "s2@example.org", "api_key_sha256": api_key_digest("k2").upper()},
    {"student_id": "legacy", "email": "legacy@example.org"},
    "not an object",
    {"email": "no-id@example.org", "api_key_sha256": api_key_digest("k3")},
]


def test_digest_is_lower_case_hex_sha256() -> None:
    assert api_key_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@given(st.text())
def test_digest_matches_hashlib_for_any_key(key: str) -> None:
    digest = api_key_digest(key)
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert len(digest) == 64


@given(st.lists(st.text(min_size=1), min_size=1, max_size=8, unique=True), st.data())
def test_each_key_finds_its_own_student(keys: list[str], data: st.DataObject) -> None:
    students = [{"student_id": f"s{i}", "email": "", "api_key_sha256": api_key_digest(k)} for i, k in enumerate(keys)]
    index = data.draw(st.integers(0, len(keys) - 1))
    assert find_student(students, keys[index]) == Student(f"s{index}", "", None, api_key_digest(keys[index]))


def test_find_student_returns_the_entry_with_name_and_email() -> None:
    assert find_student(STUDENTS, "k1") == Student("s1", "s1@example.org", "One", api_key_digest("k1"))


def test_upper_case_stored_digest_matches() -> None:
    found = find_student(STUDENTS, "k2")
    assert found is not None and found.student_id == "s2" and found.name is None


@pytest.mark.parametrize("key", [None, "", "unknown", "k3", api_key_digest("k1")])
def test_no_key_unknown_key_and_entries_without_id_never_match(key: str | None) -> None:
    assert find_student(STUDENTS, key) is None


def test_require_student_says_forbidden() -> None:
    with pytest.raises(ApiError) as missing:
        require_student(class_list(STUDENTS), None)
    with pytest.raises(ApiError) as unknown:
        require_student(class_list(STUDENTS), "unknown")
    assert (missing.value.status, missing.value.code) == (403, "forbidden")
    assert (unknown.value.status, unknown.value.code) == (403, "forbidden")
    assert "x-api-key" in missing.value.message


def test_claimed_student_must_be_the_caller() -> None:
    me = Student("s1", "s1@example.org")
    check_claimed_student(me, {})
    check_claimed_student(me, {"studentId": "s1"})
    with pytest.raises(ApiError) as other:
        check_claimed_student(me, {"studentId": "s2"})
    assert (other.value.status, other.value.code) == (403, "forbidden")
    for wrong, kind in ((None, "null"), (1, "a number"), (["s1"], "an array")):
        with pytest.raises(ApiError) as typed:
            check_claimed_student(me, {"studentId": wrong})
        assert (typed.value.status, typed.value.code, typed.value.message) == (
            400,
            "bad_request",
            f"studentId: must be a string, not {kind}",
        )
    with pytest.raises(ApiError) as malformed:  # not "the key is not yours": the id itself is wrong
        check_claimed_student(me, {"studentId": "s1\n"})
    assert (malformed.value.status, malformed.value.code) == (400, "bad_request")
    assert malformed.value.message.startswith("studentId: 's1\\n' is not a valid id")

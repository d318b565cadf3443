"""The three handlers end to end against a moto bucket with published content (the legacy test included)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from api_support import BUCKET, FORMER_STUDENT_KEY, KEYS, NOW, S3Calls, invoke, legacy_questions, make_event

from testtime import deadlines, store
from testtime.handlers import get_test, list_tests, submit_test

OS_TEST = {"subjectName": "operating-systems", "testId": "test01"}


def list_open(key: str | None = KEYS["student01"], **kwargs: Any) -> tuple[int, Any]:
    return invoke(list_tests.handler, make_event("POST", "/api/v1/tests", key=key, **kwargs))


def get(query: dict[str, str] | None, key: str | None = KEYS["student01"]) -> tuple[int, Any]:
    return invoke(get_test.handler, make_event("GET", "/api/v1/test", key=key, query=query))


def submit(body: Any = None, key: str | None = KEYS["student01"], **kwargs: Any) -> tuple[int, Any]:
    return invoke(submit_test.handler, make_event("POST", "/api/v1/test", key=key, body=body, **kwargs))


def answers(**chosen: str) -> list[dict[str, str]]:
    return [{"questionId": qid.lstrip("q"), "answer": answer} for qid, answer in chosen.items()]


def stored(s3: Any, student: str = "student01") -> dict[str, Any]:
    body = s3.get_object(Bucket=BUCKET, Key=f"operating-systems/test01/{student}/testResult.json")["Body"].read()
    return json.loads(body)


# --- identity, shared by every route ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "wrong-key", FORMER_STUDENT_KEY])
@pytest.mark.parametrize("call", [list_open, lambda key: get(OS_TEST, key), lambda key: submit({}, key)])
def test_no_key_or_unknown_key_is_forbidden(published: Any, call: Any, key: str | None) -> None:
    status, body = call(key=key)
    assert status == 403 and body["error"] == "forbidden" and body["message"]


def test_identity_does_not_need_api_gateway_key_ids(published: Any) -> None:
    status, body = list_open(key=KEYS["student02"])
    assert status == 200 and body["studentId"] == "student02"


def test_a_student_removed_from_the_list_is_forbidden_once_the_cache_is_refreshed(published: Any) -> None:
    assert list_open()[0] == 200
    students = json.loads(published.get_object(Bucket=BUCKET, Key="studentsList.json")["Body"].read())
    assert students[0]["student_id"] == "student01"
    published.put_object(Bucket=BUCKET, Key="studentsList.json", Body=json.dumps(students[1:]))
    store.clear_cache()  # what the TTL does in a warm container
    assert list_open()[0] == 403


def test_a_student_published_after_the_cache_filled_is_accepted_at_once(published: Any) -> None:
    assert list_open()[0] == 200  # the class list is now cached in this "container"
    students = json.loads(published.get_object(Bucket=BUCKET, Key="studentsList.json")["Body"].read())
    newcomer = {
        "student_id": "student09",
        "email": "student09@example.com",
        "name": "New Student",
        "api_key_sha256": hashlib.sha256(b"key-of-student-09").hexdigest(),
    }
    published.put_object(Bucket=BUCKET, Key="studentsList.json", Body=json.dumps([*students, newcomer]))
    status, body = list_open(key="key-of-student-09")
    assert status == 200 and body["studentId"] == "student09"


@pytest.mark.parametrize(
    "call",
    [
        lambda: list_open(body={"studentId": "student02"}),
        lambda: submit({**OS_TEST, "studentId": "student02", "answers": []}),
    ],
)
def test_naming_another_student_is_forbidden(published: Any, call: Any) -> None:
    status, body = call()
    assert status == 403 and body["error"] == "forbidden" and body["message"].startswith("studentId:")


# --- POST /api/v1/tests -------------------------------------------------------------------------------------------


def test_list_open_tests(published: Any) -> None:
    status, body = list_open()
    assert status == 200
    assert body["studentId"] == "student01"
    assert [(s["subjectName"], [t["testId"] for t in s["tests"]]) for s in body["subjects"]] == [
        ("networks", ["net01", "net02"]),
        ("operating-systems", ["test01"]),
    ]
    assert body["subjects"][1]["tests"][0] == {
        "testId": "test01",
        "title": "Operating systems basics",
        "deadline": "2026-11-23T22:00:00+00:00",
        "questionCount": 6,
    }


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"raw_body": ""}, {"raw_body": "{}"}, {"body": {"studentId": "student01"}}, {"body": {}, "base64_body": True}],
)
def test_list_body_is_optional(published: Any, kwargs: dict[str, Any]) -> None:
    status, body = list_open(**kwargs)
    assert status == 200 and len(body["subjects"]) == 2


def test_list_filters_by_subject_and_leaves_out_submitted_tests(published: Any) -> None:
    assert submit({**OS_TEST, "answers": []})[0] == 201
    status, body = list_open(body={"subjectName": "operating-systems"})
    assert (status, body["subjects"]) == (200, [])
    _, other = list_open(key=KEYS["student02"], body={"subjectName": "operating-systems"})
    assert [s["subjectName"] for s in other["subjects"]] == ["operating-systems"]


def test_list_hides_tests_once_past_the_deadline(published: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlines, "utc_now", lambda: NOW.replace(day=21))
    _, body = list_open()
    assert [s["subjectName"] for s in body["subjects"]] == ["operating-systems"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"body": {"subjectName": 1}}, "subjectName: must be a string"),
        ({"body": {"subjectName": "a/b"}}, "subjectName: 'a/b' is not a valid id"),
        ({"body": {"studentId": 7}}, "studentId: must be a string"),
        ({"raw_body": "[]"}, "The request body must be a JSON object"),
        ({"raw_body": "{nope"}, "The request body is not valid JSON"),
    ],
)
def test_list_rejects_bad_bodies(published: Any, kwargs: dict[str, Any], message: str) -> None:
    status, body = list_open(**kwargs)
    assert (status, body["error"]) == (400, "bad_request") and body["message"].startswith(message)


def test_warm_list_makes_one_s3_call(published: Any, s3_calls: S3Calls) -> None:
    list_open()
    s3_calls.reset()
    list_open()
    assert s3_calls.calls == [("ListObjectsV2", "submitted/student01/")]


# --- GET /api/v1/test ---------------------------------------------------------------------------------------------


def test_get_test_returns_questions_and_never_the_key(published: Any, s3_calls: S3Calls) -> None:
    status, body = get(OS_TEST)
    assert status == 200
    assert body == {
        "subjectName": "operating-systems",
        "subjectTitle": "operating-systems",  # the catalog names no title: the id
        "testId": "test01",
        "title": "Operating systems basics",
        "deadline": "2026-11-23T22:00:00+00:00",
        "questions": legacy_questions(),
    }
    assert not any("questionsKey" in key for key in s3_calls.keys)
    assert '"answer"' not in json.dumps(body)


@pytest.mark.parametrize(
    ("query", "status", "code", "message"),
    [
        (None, 400, "bad_request", "subjectName: this query parameter is required"),
        ({"subjectName": "operating-systems"}, 400, "bad_request", "testId: this query parameter is required"),
        ({"subjectName": "../etc", "testId": "t"}, 400, "bad_request", "subjectName: '../etc' is not a valid id"),
        (
            {"subjectName": "biology", "testId": "test01"},
            404,
            "not_found",
            "subjectName: there is no subject 'biology'",
        ),
        ({"subjectName": "networks", "testId": "test01"}, 404, "not_found", "testId: subject 'networks' has no test"),
        (
            {"subjectName": "networks", "testId": "net-old"},
            410,
            "test_closed",
            "The test “Past due” of networks closed on Monday 16 November 2026, 22:00 UTC.",
        ),
        ({"subjectName": "networks", "testId": "net-removed"}, 410, "test_closed", "The test “Removed by the trainer”"),
    ],
)
def test_get_test_errors(published: Any, query: dict[str, str] | None, status: int, code: str, message: str) -> None:
    got_status, body = get(query)
    assert (got_status, body["error"]) == (status, code) and body["message"].startswith(message)


def test_warm_get_makes_only_the_head_of_the_callers_marker(published: Any, s3_calls: S3Calls) -> None:
    get(OS_TEST)
    s3_calls.reset()
    get(OS_TEST)
    assert s3_calls.calls == [("HeadObject", "submitted/student01/operating-systems/test01")]


def test_missing_questions_file_is_a_bare_500(published: Any, capsys: pytest.CaptureFixture[str]) -> None:
    published.delete_object(Bucket=BUCKET, Key="operating-systems/test01/questions.json")
    status, body = get(OS_TEST)
    assert (status, body["error"]) == (500, "internal_error")
    assert "questions.json" not in body["message"]
    assert "questions.json is missing" in capsys.readouterr().out


# --- POST /api/v1/test --------------------------------------------------------------------------------------------


def test_submit_stores_normalised_answers_and_marks_the_test(published: Any) -> None:
    status, body = submit({**OS_TEST, "answers": answers(q3="B", q1="a", q6="D"), "extra": 1})
    assert status == 201
    assert body == {
        "status": "stored",
        "subjectName": "operating-systems",
        "testId": "test01",
        "studentId": "student01",
        "receivedAt": "2026-11-18T12:00:00+00:00",
        "answered": 3,
        "questionCount": 6,
    }
    assert stored(published) == {
        "studentId": "student01",
        "subjectName": "operating-systems",
        "testId": "test01",
        "receivedAt": "2026-11-18T12:00:00+00:00",
        "answers": answers(q1="a", q3="b", q6="d"),
    }
    assert published.head_object(Bucket=BUCKET, Key="submitted/student01/operating-systems/test01")


def test_submit_accepts_the_original_clients_test_result_field(published: Any) -> None:
    status, body = submit({**OS_TEST, "studentId": "student01", "testResult": answers(q1="c")})
    assert (status, body["answered"]) == (201, 1)
    assert stored(published)["answers"] == answers(q1="c")


def test_second_submission_is_409_keeps_the_first_and_heals_the_marker(published: Any) -> None:
    assert submit({**OS_TEST, "answers": answers(q1="a")})[0] == 201
    marker = "submitted/student01/operating-systems/test01"
    published.delete_object(Bucket=BUCKET, Key=marker)
    status, body = submit({**OS_TEST, "answers": answers(q1="b", q2="b")})
    assert (status, body["error"]) == (409, "already_submitted")
    assert stored(published)["answers"] == answers(q1="a")
    assert published.head_object(Bucket=BUCKET, Key=marker)


def test_a_failed_marker_does_not_fail_the_submission(
    published: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: Any) -> None:
        raise OSError("S3 is down")

    monkeypatch.setattr(store, "mark_submitted", broken)
    assert submit({**OS_TEST, "answers": []})[0] == 201
    assert "submitted marker not written" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"testId": "test01", "answers": []}, 400, "bad_request", "subjectName: this field is required"),
        ({**OS_TEST}, 400, "bad_request", "answers: this field is required"),
        ({**OS_TEST, "answers": "a,b"}, 400, "bad_request", "answers: must be a list"),
        ({**OS_TEST, "answers": [{"questionId": "1", "answer": 2}]}, 400, "bad_request", "answers[0].answer: must be"),
        (
            {**OS_TEST, "answers": answers(q1="a", q2="b", q3="e")},
            400,
            "invalid_answer",
            "answers[2].answer: 'e' is not a choice of question 3 (choices: a, b, c, d)",
        ),
        (
            {**OS_TEST, "answers": answers(q7="a")},
            400,
            "invalid_answer",
            "answers[0].questionId: '7' is not a question",
        ),
        ({**OS_TEST, "testId": "nope", "answers": []}, 404, "not_found", "testId: subject 'operating-systems' has no"),
        ({"subjectName": "networks", "testId": "net-old", "answers": []}, 410, "test_closed", "The test “Past due”"),
    ],
)
def test_submit_errors(published: Any, body: dict[str, Any], status: int, code: str, message: str) -> None:
    got_status, got = submit(body)
    assert (got_status, got["error"]) == (status, code) and got["message"].startswith(message)
    assert not published.list_objects_v2(Bucket=BUCKET, Prefix="operating-systems/test01/student01/").get("Contents")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({}, "bad_request"),
        ({"raw_body": '{"subjectName": '}, "bad_request"),
        ({"raw_body": json.dumps({**OS_TEST, "answers": [], "pad": "x" * 65536})}, "payload_too_large"),
    ],
)
def test_submit_rejects_missing_malformed_and_large_bodies(published: Any, kwargs: dict[str, Any], code: str) -> None:
    status, body = submit(**kwargs)
    assert (status, body["error"]) == (400, code)


def test_submit_is_closed_exactly_at_the_deadline(published: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    deadline = deadlines.parse_instant("2026-11-23T22:00:00Z")
    monkeypatch.setattr(deadlines, "utc_now", lambda: deadline)
    status, body = submit({**OS_TEST, "answers": []})
    assert (status, body["error"]) == (410, "test_closed")


def test_warm_submit_makes_two_s3_calls(published: Any, s3_calls: S3Calls) -> None:
    get(OS_TEST)
    s3_calls.reset()
    assert submit({**OS_TEST, "answers": answers(q1="a")})[0] == 201
    assert s3_calls.calls == [
        ("PutObject", "operating-systems/test01/student01/testResult.json"),
        ("PutObject", "submitted/student01/operating-systems/test01"),
    ]


def test_the_api_key_is_never_logged(published: Any, capsys: pytest.CaptureFixture[str]) -> None:
    for key in (KEYS["student01"], "a-wrong-key"):
        list_open(key=key, raw_body="{bad")
        get({"subjectName": "biology", "testId": "x"}, key=key)
        submit({**OS_TEST, "answers": answers(q1="z")}, key=key)
    output = capsys.readouterr().out
    assert output.count("\n") == 6
    assert KEYS["student01"] not in output and "a-wrong-key" not in output


def test_a_submitted_test_opened_after_its_deadline_says_when_it_was_submitted(
    published: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bookmark of a test the student sent: after the deadline the refusal says it was submitted, and when."""
    assert submit({**OS_TEST, "answers": answers(q1="a")})[0] == 201
    monkeypatch.setattr(deadlines, "utc_now", lambda: deadlines.parse_instant("2026-11-24T08:00:00Z"))
    status, body = get(OS_TEST)
    assert (status, body["error"]) == (410, "test_closed")
    # When: the marker's last write (moto's own clock), in words in the trainer's zone.
    assert re.search(r"closed on Monday 23 November 2026, 22:00 UTC\. You submitted it on \w+day \d+ \w+ \d{4}, "
                     r"\d\d:\d\d UTC\.$", body["message"]), body["message"]  # fmt: skip
    other = get(OS_TEST, KEYS["student02"])[1]["message"]  # who has not submitted is told only that it closed
    assert "You submitted" not in other

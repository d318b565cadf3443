"""Issue 16 on the student routes, against the api suite's moto bucket: the caller's own order of a shuffled test,
points and multiple-answer questions, resubmission kept as versions, and a student's own deadline (extensions).
Every response is checked against the OpenAPI file (``invoke``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from api_support import BUCKET, KEYS, NOW, S3Calls, invoke, make_event
from richer_support import (
    BETWEEN,
    DUE,
    EXTENDED,
    EXTENSION,
    QUESTIONS_RICH,
    RICH,
    SUBJECT,
    TEST_ID,
    keys,
    publish_rich,
    version_key,
)

from testtime import deadlines
from testtime.handlers import get_test, list_tests, submit_test
from testtime.layout import MAX_SUBMISSION_VERSIONS


@pytest.fixture
def rich(published: Any) -> Any:
    publish_rich(published)
    return published


def get(student: str = "student01") -> tuple[int, Any]:
    return invoke(get_test.handler, make_event("GET", "/api/v1/test", key=KEYS[student], query=RICH))


def submit(answers: list[dict[str, Any]], student: str = "student01") -> tuple[int, Any]:
    body = {**RICH, "answers": answers}
    return invoke(submit_test.handler, make_event("POST", "/api/v1/test", key=KEYS[student], body=body))


def listed(student: str = "student01") -> dict[str, Any] | None:
    status, body = invoke(list_tests.handler, make_event("POST", "/api/v1/tests", key=KEYS[student]))
    assert status == 200
    tests = [test for group in body["subjects"] for test in group["tests"] if group["subjectName"] == SUBJECT]
    return next((test for test in tests if test["testId"] == TEST_ID), None)


def read(s3: Any, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def at(monkeypatch: pytest.MonkeyPatch, when: Any) -> None:
    monkeypatch.setattr(deadlines, "utc_now", lambda: when)


def order(body: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(q["questionId"], [a["answerId"] for a in q["answers"]]) for q in body["questions"]]


# --- GET /api/v1/test: the caller's own order, points, multiple ---------------------------------------------------


def test_two_students_see_different_orders_each_the_same_every_time(rich: Any) -> None:
    first, again, other = get("student01")[1], get("student01")[1], get("student02")[1]
    assert order(first) == order(again)
    assert order(first) != order(other)
    published = {q["questionId"]: q for q in QUESTIONS_RICH}
    for body in (first, other):
        # The same questions with the same choices and fields, only in another order.
        assert sorted(q["questionId"] for q in body["questions"]) == sorted(published)
        for question in body["questions"]:
            expected = published[question["questionId"]]
            assert {k: v for k, v in question.items() if k != "answers"} == {
                k: v for k, v in expected.items() if k != "answers"
            }
            assert sorted(question["answers"], key=lambda a: a["answerId"]) == expected["answers"]
    published_order = [(q["questionId"], [a["answerId"] for a in q["answers"]]) for q in QUESTIONS_RICH]
    assert published_order not in (order(first), order(other))  # shuffled indeed, not merely one of them


def test_without_shuffle_the_published_order_points_and_multiple_are_served(published: Any) -> None:
    publish_rich(published, shuffle=False)
    status, body = get("student01")
    assert status == 200 and body["questions"] == QUESTIONS_RICH
    assert body["questions"][0]["points"] == 2 and body["questions"][0]["multiple"] is True
    assert "points" not in body["questions"][1] and "multiple" not in body["questions"][1]
    assert '"answer"' not in json.dumps(body)


def test_a_resubmit_test_says_so_and_when_the_caller_last_submitted(rich: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    status, body = get()
    assert status == 200 and body["resubmit"] is True and "submitted" not in body and "submittedAt" not in body
    assert body["deadline"] == DUE
    assert submit([{"questionId": "2", "answer": "x"}])[0] == 201
    later = NOW.replace(hour=15)
    at(monkeypatch, later)
    assert submit([{"questionId": "2", "answer": "y"}])[0] == 200
    _, body = get()
    assert (body["submitted"], body["submittedAt"]) == (True, deadlines.to_iso(later))
    _, other = get("student02")
    assert "submitted" not in other


def test_a_get_reads_the_callers_marker_for_every_test(rich: Any, s3_calls: S3Calls) -> None:
    get()
    s3_calls.reset()
    get()
    assert s3_calls.calls == [("HeadObject", f"submitted/student01/{SUBJECT}/{TEST_ID}")]
    query = {"subjectName": "networks", "testId": "net01"}  # no resubmit: the same one HEAD (submitted already?)
    invoke(get_test.handler, make_event("GET", "/api/v1/test", query=query))
    s3_calls.reset()
    invoke(get_test.handler, make_event("GET", "/api/v1/test", query=query))
    assert s3_calls.calls == [("HeadObject", "submitted/student01/networks/net01")]


# --- POST /api/v1/test: multiple-answer bodies ----------------------------------------------------------------------


def test_multiple_answers_are_stored_as_lists_in_the_choice_order(rich: Any) -> None:
    answers = [
        {"questionId": "1", "answer": ["C", "a"]},  # matched ignoring case, stored in the choice order
        {"questionId": "2", "answer": "x"},
        {"questionId": "3", "answer": "r"},  # a string for a multiple-answer question: one choice
        {"questionId": "5", "answer": "e"},
    ]
    status, body = submit(answers)
    assert (status, body["status"], body["answered"], body["questionCount"]) == (201, "stored", 4, 5)
    document = json.loads(read(rich, version_key("student01", 1)))
    assert document["answers"] == [
        {"questionId": "1", "answer": ["a", "c"]},
        {"questionId": "2", "answer": "x"},
        {"questionId": "3", "answer": ["r"]},
        {"questionId": "5", "answer": "e"},
    ]
    assert "version" not in document


def test_an_empty_list_leaves_a_multiple_answer_question_unanswered(rich: Any) -> None:
    status, body = submit([{"questionId": "1", "answer": []}, {"questionId": "2", "answer": "w"}])
    assert (status, body["answered"]) == (201, 1)
    assert json.loads(read(rich, version_key("student01", 1)))["answers"] == [{"questionId": "2", "answer": "w"}]


@pytest.mark.parametrize(
    ("answer", "code", "message"),
    [
        ({"questionId": "1", "answer": ["a", "A"]}, "invalid_answer", "answers[0].answer[1]: choice 'a' is given more"),
        ({"questionId": "1", "answer": ["a", "e"]}, "invalid_answer", "answers[0].answer[1]: 'e' is not a choice"),
        ({"questionId": "1", "answer": ["a", 3]}, "bad_request", "answers[0].answer[1]: must be a string, not a nu"),
        ({"questionId": "1", "answer": [["a"]]}, "bad_request", "answers[0].answer[0]: must be a string, not an ar"),
        ({"questionId": "1", "answer": {"a": True}}, "bad_request", "answers[0].answer: must be a string, not an obj"),
        ({"questionId": "2", "answer": ["x"]}, "bad_request", "answers[0].answer: must be a string, not an array"),
        ({"questionId": "2", "answer": []}, "bad_request", "answers[0].answer: must be a string, not an array"),
    ],
)
def test_bad_multiple_answers_are_refused_naming_the_field(
    rich: Any, answer: dict[str, Any], code: str, message: str
) -> None:
    status, body = submit([answer])
    assert (status, body["error"]) == (400, code) and body["message"].startswith(message), body
    assert keys(rich, f"{SUBJECT}/{TEST_ID}/") == [f"{SUBJECT}/{TEST_ID}/questions.json"]


# --- resubmission ---------------------------------------------------------------------------------------------------


def test_a_replacement_is_a_new_version_and_every_earlier_one_is_kept(
    rich: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, first = submit([{"questionId": "2", "answer": "x"}])
    assert (status, first["status"]) == (201, "stored") and "version" not in first
    original = read(rich, version_key("student01", 1))
    for version, hour in ((2, 13), (3, 14)):
        at(monkeypatch, NOW.replace(hour=hour))
        status, body = submit([{"questionId": "1", "answer": ["d"]}, {"questionId": "2", "answer": "z"}])
        assert status == 200
        assert body == {
            "status": "replaced",
            "version": version,
            "subjectName": SUBJECT,
            "testId": TEST_ID,
            "studentId": "student01",
            "receivedAt": f"2026-11-18T{hour}:00:00+00:00",
            "answered": 2,
            "questionCount": 5,
        }
    assert read(rich, version_key("student01", 1)) == original  # version 1's bytes untouched
    assert keys(rich, f"{SUBJECT}/{TEST_ID}/student01/") == sorted(version_key("student01", v) for v in (1, 2, 3))
    latest = json.loads(read(rich, version_key("student01", 3)))
    assert (latest["version"], latest["receivedAt"]) == (3, "2026-11-18T14:00:00+00:00")
    assert latest["answers"] == [{"questionId": "1", "answer": ["d"]}, {"questionId": "2", "answer": "z"}]
    marker = rich.head_object(Bucket=BUCKET, Key=f"submitted/student01/{SUBJECT}/{TEST_ID}")
    assert marker["ContentLength"] == 0  # still empty: the receipt is the marker's metadata
    assert marker["Metadata"] == {"submission-version": "3", "received-at": "2026-11-18T14:00:00+00:00"}


def test_without_resubmit_a_second_submission_stays_409(published: Any) -> None:
    publish_rich(published, resubmit=False)
    assert submit([{"questionId": "2", "answer": "x"}])[0] == 201
    status, body = submit([{"questionId": "2", "answer": "y"}])
    assert (status, body["error"]) == (409, "already_submitted")
    assert keys(published, f"{SUBJECT}/{TEST_ID}/student01/") == [version_key("student01", 1)]
    marker = published.head_object(Bucket=BUCKET, Key=f"submitted/student01/{SUBJECT}/{TEST_ID}")
    assert (marker["ContentLength"], marker["Metadata"]) == (0, {})  # the marker as before


def test_the_cap_of_versions_is_a_clear_409_and_writes_nothing(rich: Any) -> None:
    for version in range(1, MAX_SUBMISSION_VERSIONS + 1):
        rich.put_object(Bucket=BUCKET, Key=version_key("student01", version), Body=b'{"answers": []}')
    status, body = submit([{"questionId": "2", "answer": "x"}])
    assert (status, body["error"]) == (409, "too_many_submissions")
    assert f"{MAX_SUBMISSION_VERSIONS} times" in body["message"] and "kept" in body["message"]
    assert len(keys(rich, f"{SUBJECT}/{TEST_ID}/student01/")) == MAX_SUBMISSION_VERSIONS


def test_a_resubmit_test_stays_listed_once_submitted(rich: Any) -> None:
    assert listed() == {
        "testId": TEST_ID,
        "title": "Addresses",
        "deadline": DUE,
        "questionCount": 5,
        "resubmit": True,
    }
    before = datetime.now(UTC).replace(microsecond=0)
    assert submit([{"questionId": "2", "answer": "x"}])[0] == 201
    entry = listed()
    assert entry is not None and entry["submitted"] is True
    # When: the marker's LastModified, from the listing the route makes anyway.
    assert before <= deadlines.parse_instant(entry["submittedAt"]) <= datetime.now(UTC)
    assert "submitted" not in (listed("student02") or {})


# --- extensions: the caller's own deadline --------------------------------------------------------------------------


def test_after_the_common_deadline_only_the_extended_student_may_submit(
    rich: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, BETWEEN)
    status, body = submit([{"questionId": "2", "answer": "x"}], "student01")
    assert (status, body["error"]) == (410, "test_closed")
    assert body["message"].startswith("The test “Addresses” of networks closed on Friday 20 November 2026, 22:00 UTC.")
    assert get("student01")[0] == 410
    assert listed("student01") is None
    status, body = submit([{"questionId": "2", "answer": "x"}], EXTENDED)
    assert (status, body["status"]) == (201, "stored")
    status, body = get(EXTENDED)
    assert (status, body["deadline"], body["submitted"]) == (200, EXTENSION, True)
    entry = listed(EXTENDED)
    assert entry is not None and (entry["deadline"], entry["submitted"]) == (EXTENSION, True)
    assert keys(rich, f"{SUBJECT}/{TEST_ID}/") == [f"{SUBJECT}/{TEST_ID}/questions.json", version_key(EXTENDED, 1)]


def test_the_extended_student_is_refused_after_their_own_deadline(rich: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, deadlines.parse_instant(EXTENSION))
    status, body = submit([{"questionId": "2", "answer": "x"}], EXTENDED)
    assert (status, body["error"]) == (410, "test_closed")
    assert body["message"] == (
        "The test “Addresses” of networks closed on Wednesday 25 November 2026, 22:00 UTC, your extended deadline. "
        "Submissions are no longer accepted."
    )
    assert get(EXTENDED)[0] == 410


def test_closing_the_test_closes_it_for_the_extended_student_too(published: Any) -> None:
    publish_rich(published, closedAt="2026-11-18T10:00:00+00:00")
    status, body = submit([{"questionId": "2", "answer": "x"}], EXTENDED)
    assert (status, body["error"]) == (410, "test_closed") and "Wednesday 18 November 2026, 10:00" in body["message"]


def test_a_marker_written_before_the_test_took_resubmissions_still_says_submitted(rich: Any) -> None:
    rich.put_object(Bucket=BUCKET, Key=f"submitted/student01/{SUBJECT}/{TEST_ID}", Body=b"")
    status, body = get()
    # No receipt in its metadata: the marker's own time says when.
    assert (status, body["submitted"]) == (200, True) and body["submittedAt"].endswith("+00:00")

"""``GET /api/v1/history`` against the api suite's moto bucket: submissions made through the submit handler, scores
written as the scorer writes them (``testtime.scoring`` and ``score_document``), and the right answers only once
the test is closed for everybody. Every response is checked against the OpenAPI file (``invoke``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from api_support import BUCKET, KEYS, NOW, S3Calls, invoke, make_event
from richer_support import BETWEEN, EXTENDED, EXTENSION, QUESTIONS_RICH, RICH, SUBJECT, TEST_ID, publish_rich

from testtime import deadlines, layout
from testtime.documents.questions import parse_answer_key, parse_questions
from testtime.documents.scores import score_document
from testtime.documents.submissions import parse_submission
from testtime.handlers import history as history_handler
from testtime.handlers import submit_test
from testtime.ordering import order_of
from testtime.scoring import GradeScale, score

KEY_RICH = [
    {"questionId": "1", "answer": ["a", "c"], "points": 2, "partial": True, "explanation": "RFC 1918 ranges."},
    {"questionId": "2", "answer": "y"},
    {"questionId": "3", "answer": ["p", "r"], "points": 1.5},
    {"questionId": "4", "answer": "k", "explanation": "It retransmits what is lost."},
    {"questionId": "5", "answer": "e"},
]
OS = {"subjectName": "operating-systems", "testId": "test01"}
AFTER_EVERYBODY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # after student03's extension too


@pytest.fixture
def rich(published: Any) -> Any:
    publish_rich(published, subjectTitle="Sieci komputerowe")
    published.put_object(Bucket=BUCKET, Key=f"{SUBJECT}/{TEST_ID}/questionsKey.json", Body=json.dumps(KEY_RICH))
    return published


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    monkeypatch.setattr(deadlines, "utc_now", lambda: when)


def submit(test: dict[str, str], answers: list[dict[str, Any]], student: str = "student01") -> int:
    body = {**test, "answers": answers}
    status, _ = invoke(submit_test.handler, make_event("POST", "/api/v1/test", key=KEYS[student], body=body))
    return status


def scored(s3: Any, test: dict[str, str], student: str, version: int = 1) -> None:
    """What the scorer leaves: ``score.json`` of the student's version ``version``."""
    subject, test_id = test["subjectName"], test["testId"]
    key_name = layout.answer_key_key(subject, test_id)
    answer_key = parse_answer_key(key_name, s3.get_object(Bucket=BUCKET, Key=key_name)["Body"].read())
    stored = layout.submission_version_key(subject, test_id, student, version)
    submission = parse_submission(stored, s3.get_object(Bucket=BUCKET, Key=stored)["Body"].read(), student)
    result = score(submission, answer_key, GradeScale(), subject, test_id)
    document = score_document(result, "2026-11-21T06:00:00+00:00")
    s3.put_object(Bucket=BUCKET, Key=layout.score_key(subject, test_id, student), Body=document)


def history(student: str = "student01") -> dict[str, Any]:
    status, body = invoke(history_handler.handler, make_event("GET", "/api/v1/history", key=KEYS[student]))
    assert status == 200
    return body


def only(body: dict[str, Any], test_id: str) -> dict[str, Any]:
    return next(test for test in body["tests"] if test["testId"] == test_id)


FIRST = [
    {"questionId": "1", "answer": ["a", "b"]},
    {"questionId": "2", "answer": "y"},
    {"questionId": "4", "answer": "l"},
]
LATEST = [{"questionId": "1", "answer": ["c", "A"]}, {"questionId": "2", "answer": "w"}]


def test_nothing_submitted_is_an_empty_history_with_the_students_name(published: Any) -> None:
    assert history() == {"studentId": "student01", "studentName": "Student 01", "tests": []}


def test_a_submitted_test_not_scored_yet_says_when_without_a_score(rich: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert submit(RICH, FIRST) == 201
    entry = only(history(), TEST_ID)
    assert entry["status"] == "submitted" and "score" not in entry and "review" not in entry
    assert entry["subjectTitle"] == "Sieci komputerowe" and entry["title"] == "Addresses"
    assert entry["version"] == 1 and entry["closedForEverybody"] is False
    assert entry["answersShownAfter"] == EXTENSION  # student03's extension is the latest deadline
    assert deadlines.parse_instant(entry["submittedAt"]) == NOW


def test_the_right_answers_stay_hidden_while_an_extension_still_runs(
    rich: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert submit(RICH, FIRST) == 201
    at(monkeypatch, BETWEEN)  # student01's deadline has passed, student03 may still submit
    scored(rich, RICH, "student01")
    entry = only(history(), TEST_ID)
    assert entry["status"] == "scored" and entry["closedForEverybody"] is False
    assert entry["score"]["maxPoints"] == 6.5 and entry["score"]["questions"] == 5
    # No review at all yet: the student's own answers beside the score would give the key away.
    assert "review" not in entry and not {"right", "rightText", "explanation"} & set(entry)
    assert "RFC 1918" not in json.dumps(entry) and "layer y" not in json.dumps(entry)


def test_once_closed_for_everybody_the_review_shows_right_answers_points_and_explanations(
    rich: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert submit(RICH, FIRST) == 201
    at(monkeypatch, AFTER_EVERYBODY)
    scored(rich, RICH, "student01")
    entry = only(history(), TEST_ID)
    assert entry["closedForEverybody"] is True
    # The order student01 was shown (the test shuffles): the same as the test's page.
    shown = order_of(parse_questions("q", json.dumps(QUESTIONS_RICH).encode()), SUBJECT, TEST_ID, "student01", True)
    assert [item["questionId"] for item in entry["review"]] == shown and shown != ["1", "2", "3", "4", "5"]
    review = {item["questionId"]: item for item in entry["review"]}
    one = review["1"]  # multiple answers, partial credit: a right, b wrong
    assert sorted(one["answer"]) == ["a", "b"] and sorted(one["right"]) == ["a", "c"]
    assert sorted(one["answerText"]) == ["10.0.0.0/8", "8.8.8.0/24"]
    assert (one["correct"], one["points"], one["maxPoints"]) == (False, 0, 2)
    assert one["explanation"] == "RFC 1918 ranges."
    two = review["2"]
    assert (two["answer"], two["answerText"], two["right"], two["correct"], two["points"]) == (
        "y",
        ["layer y"],
        "y",
        True,
        1,
    )
    assert "explanation" not in two  # the key gives none
    unanswered = review["5"]
    assert (unanswered["answer"], unanswered["answerText"], unanswered["correct"]) == (None, [], False)
    assert review["4"]["explanation"] == "It retransmits what is lost."


def test_a_resubmit_test_shows_its_latest_version(rich: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert submit(RICH, FIRST) == 201
    assert submit(RICH, LATEST) == 200
    at(monkeypatch, AFTER_EVERYBODY)
    scored(rich, RICH, "student01", version=2)
    entry = only(history(), TEST_ID)
    assert entry["version"] == 2
    review = {item["questionId"]: item for item in entry["review"]}
    assert sorted(review["1"]["answer"]) == ["a", "c"] and review["1"]["correct"] is True
    assert review["2"]["answer"] == "w" and review["4"]["answer"] is None


def test_newest_submission_first_and_a_legacy_test_without_version(rich: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert submit(OS, [{"questionId": "1", "answer": "a"}]) == 201
    at(monkeypatch, datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
    assert submit(RICH, FIRST) == 201
    at(monkeypatch, AFTER_EVERYBODY)
    scored(rich, OS, "student01")
    scored(rich, RICH, "student01")
    body = history()  # scored: each submission's own receivedAt says when
    assert [test["testId"] for test in body["tests"]] == [TEST_ID, "test01"]
    assert body["tests"][0]["submittedAt"] == "2026-11-19T09:00:00+00:00"
    legacy = body["tests"][1]
    assert "version" not in legacy and legacy["subjectTitle"] == "operating-systems"


def test_an_extended_students_own_deadline_and_the_reads_it_takes(
    rich: Any, monkeypatch: pytest.MonkeyPatch, s3_calls: S3Calls
) -> None:
    assert submit(RICH, FIRST, student=EXTENDED) == 201
    at(monkeypatch, AFTER_EVERYBODY)
    scored(rich, RICH, EXTENDED)
    history(EXTENDED)
    s3_calls.reset()
    entry = only(history(EXTENDED), TEST_ID)
    assert entry["deadline"] == EXTENSION
    # Warm: the marker listing, the marker's HEAD (a resubmit test), the score, the submission, the answer key.
    assert sorted(s3_calls.names) == sorted(["ListObjectsV2", "HeadObject", "GetObject", "GetObject", "GetObject"])
    assert not any(key.startswith(f"{SUBJECT}/{TEST_ID}/student01") for key in s3_calls.keys)  # only their own

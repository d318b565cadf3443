"""Issue 16 on the trainer's results route and in the OpenAPI file: versioned submissions count as submissions
(never as scores), a student with a later extension is pending (not missing) until their own deadline, weighted
scores carry their points; the request shapes old and new validate against the documented schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from api_support import BUCKET, invoke, make_event, openapi
from richer_support import BETWEEN, EXTENDED, EXTENSION, RICH, SUBJECT, TEST_ID, publish_rich, version_key

from testtime import deadlines
from testtime.handlers import results
from testtime.identity import api_key_digest

TRAINER_KEY = "the-trainers-key-of-issue-16"


@pytest.fixture
def rich(published: Any) -> Any:
    publish_rich(published)
    published.put_object(
        Bucket=BUCKET, Key="trainer.json", Body=json.dumps({"api_key_sha256": api_key_digest(TRAINER_KEY)})
    )
    for version in (1, 2):  # student01 replaced their submission once
        body = {"studentId": "student01", "answers": [], **({"version": version} if version > 1 else {})}
        published.put_object(Bucket=BUCKET, Key=version_key("student01", version), Body=json.dumps(body))
    return published


def rich_results() -> dict[str, Any]:
    event = make_event("GET", "/api/v1/results", key=TRAINER_KEY, query=RICH)
    status, body = invoke(results.handler, event)
    assert status == 200
    [test] = body["tests"]
    return dict(test)


def test_an_extended_student_is_pending_until_their_own_deadline(rich: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlines, "utc_now", lambda: BETWEEN)
    test = rich_results()
    assert test["submittedNotScored"] == ["student01"]  # two versions, one student, and no score
    assert test["results"] == [] and test["scored"] is False
    assert test["missing"] == ["student02", "student04"]
    assert test["pending"] == [{"studentId": EXTENDED, "deadline": EXTENSION}]
    monkeypatch.setattr(deadlines, "utc_now", lambda: deadlines.parse_instant(EXTENSION))
    test = rich_results()
    assert test["missing"] == ["student02", EXTENDED, "student04"] and test["pending"] == []


def test_a_test_without_extensions_answers_as_before(published: Any) -> None:
    publish_rich(published, extensions={})
    published.put_object(
        Bucket=BUCKET, Key="trainer.json", Body=json.dumps({"api_key_sha256": api_key_digest(TRAINER_KEY)})
    )
    test = rich_results()
    assert "pending" not in test and test["missing"] == ["student01", "student02", "student03", "student04"]


def test_a_weighted_score_shows_its_points(rich: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    score = {
        "studentId": "student01",
        "correct": 3,
        "questions": 5,
        "percent": 72.73,
        "grade": 4,
        "points": 4,
        "maxPoints": 5.5,
        "wrong": [],
        "version": 2,
        "scoredAt": "2026-11-21T06:00:00+00:00",
    }
    rich.put_object(Bucket=BUCKET, Key=f"{SUBJECT}/{TEST_ID}/student01/score.json", Body=json.dumps(score))
    monkeypatch.setattr(deadlines, "utc_now", lambda: BETWEEN)
    test = rich_results()
    assert test["submittedNotScored"] == []
    assert test["results"] == [
        {
            "studentId": "student01",
            "name": "Student 01",
            "correct": 3,
            "questions": 5,
            "percent": 72.73,
            "grade": 4,
            "points": 4,
            "maxPoints": 5.5,
        }
    ]


# --- the OpenAPI request shapes -------------------------------------------------------------------------------------


def submission_schema() -> dict[str, Any]:
    spec = openapi()
    return {"$ref": "#/components/schemas/Submission", "components": spec["components"]}


@pytest.mark.parametrize(
    "answers",
    [
        [{"questionId": "1", "answer": "a"}],  # an old client's single-answer body
        [{"questionId": "1", "answer": ["a", "c"]}, {"questionId": "2", "answer": "x"}],
        [{"questionId": "1", "answer": []}],
    ],
)
def test_old_and_new_bodies_validate(answers: list[dict[str, Any]]) -> None:
    jsonschema.Draft202012Validator(submission_schema()).validate({**RICH, "answers": answers})
    jsonschema.Draft202012Validator(submission_schema()).validate({**RICH, "testResult": answers})


@pytest.mark.parametrize("answer", [3, None, ["a", "a"], [1], {"a": True}])
def test_the_schema_refuses_what_the_service_refuses(answer: Any) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(submission_schema()).validate(
            {**RICH, "answers": [{"questionId": "1", "answer": answer}]}
        )

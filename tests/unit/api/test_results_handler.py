"""``GET /api/v1/results`` (lambda_src/testtime/handlers/results.py) against the api suite's moto S3 bucket, on its
fixed clock (api_support.NOW, 2026-11-18 12:00 UTC): trainer key only, scores with names, submissions waiting for
the scorer, missing students, filters."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from api_support import BUCKET, OPENAPI

from testtime.handlers import results
from testtime.identity import api_key_digest

TRAINER_KEY = "the-trainers-key-0001"
STUDENT_KEY = "a-students-key-0001"


def _test(subject: str, test_id: str, due: str, closed_at: str | None = None) -> dict[str, Any]:
    return {
        "subject": subject,
        "testId": test_id,
        "title": f"Title of {test_id}",
        "due": due,
        "firstPublished": "2026-11-01T09:00:00+00:00",
        "questionCount": 2,
        "closedAt": closed_at,
    }


CATALOG = {
    "version": 1,
    "tests": [
        _test("networks", "net01", "2026-11-16T22:00:00+00:00"),  # past, scored for s1, s2 waiting
        _test("networks", "net02", "2026-11-30T22:00:00+00:00"),  # open, s3 submitted
        _test("networks", "net03", "2026-11-30T22:00:00+00:00"),  # open, scored early (the scorer ran with asOf)
        _test("os", "test01", "2026-11-17T22:00:00+00:00"),  # past, nobody submitted
    ],
}
STUDENTS = [
    {"student_id": "s1", "email": "s1@example.com", "name": "Ada", "api_key_sha256": api_key_digest(STUDENT_KEY)},
    {"student_id": "s2", "email": "s2@example.com", "name": "Bob", "api_key_sha256": None},
    {"student_id": "s3", "email": "s3@example.com", "name": "Cy", "api_key_sha256": None},
]


@pytest.fixture
def bucket(s3: Any) -> Any:
    """The api suite's empty data bucket (conftest.py: moto, fixed clock, fresh cache) with these tests' content."""

    def put(key: str, value: Any) -> None:
        s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(value).encode())

    put("catalog.json", CATALOG)
    put("studentsList.json", STUDENTS)
    put("trainer.json", {"api_key_sha256": api_key_digest(TRAINER_KEY).upper()})
    put("networks/net01/questions.json", [])
    put("networks/net01/questionsKey.json", [])
    for sid in ("s1", "s2"):
        put(f"networks/net01/{sid}/testResult.json", {"studentId": sid, "answers": []})
    put(
        "networks/net01/s1/score.json",
        {"studentId": "s1", "correct": 1, "questions": 2, "percent": 50.0, "grade": 2, "scoredAt": "x"},
    )
    put("networks/net02/s3/testResult.json", {"studentId": "s3", "answers": []})
    put("networks/net03/s3/testResult.json", {"studentId": "s3", "answers": []})
    put(
        "networks/net03/s3/score.json",
        {"studentId": "s3", "correct": 2, "questions": 2, "percent": 100.0, "grade": 5, "scoredAt": "x"},
    )
    return s3


def call(key: str | None, **query: str) -> tuple[int, dict[str, Any]]:
    event = {
        "httpMethod": "GET",
        "resource": "/api/v1/results",
        "headers": {"X-API-Key": key} if key else {},
        "queryStringParameters": query or None,
    }
    response = results.handler(event, None)
    return response["statusCode"], json.loads(response["body"])


def test_the_trainer_gets_every_test_most_recent_deadline_first(bucket: Any) -> None:
    status, body = call(TRAINER_KEY)
    assert status == 200
    assert [(t["subjectName"], t["testId"]) for t in body["tests"]] == [
        ("networks", "net02"),
        ("networks", "net03"),
        ("os", "test01"),
        ("networks", "net01"),
    ]
    net01 = body["tests"][3]
    assert net01 == {
        "subjectName": "networks",
        "testId": "net01",
        "title": "Title of net01",
        "deadline": "2026-11-16T22:00:00+00:00",
        "scored": False,  # s2's submission waits for the scorer
        "results": [{"studentId": "s1", "name": "Ada", "correct": 1, "questions": 2, "percent": 50.0, "grade": 2}],
        "submittedNotScored": ["s2"],
        "missing": ["s3"],
        "stale": False,  # no state cache: s1's score.json was read
        "analysis": None,  # the answer key is unreadable (an empty list)
    }
    os_test = body["tests"][2]  # past, nothing to score
    assert os_test["scored"] is True and os_test["results"] == [] and os_test["missing"] == ["s1", "s2", "s3"]
    net02 = body["tests"][0]  # open, waiting for its deadline
    assert net02["scored"] is False and net02["submittedNotScored"] == ["s3"] and net02["missing"] == ["s1", "s2"]
    net03 = body["tests"][1]
    assert net03["scored"] is True and [row["grade"] for row in net03["results"]] == [5]


def test_the_answer_matches_the_openapi_description(bucket: Any) -> None:
    spec = yaml.safe_load(OPENAPI.read_text())
    operation = spec["paths"]["/api/v1/results"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    status, body = call(TRAINER_KEY)
    assert status == 200
    jsonschema.validate(body, {**schema, "components": spec["components"]})
    assert {p["name"] for p in operation["parameters"]} == {"subjectName", "testId"}


def test_filters(bucket: Any) -> None:
    status, body = call(TRAINER_KEY, subjectName="networks")
    assert status == 200 and [t["testId"] for t in body["tests"]] == ["net02", "net03", "net01"]
    status, body = call(TRAINER_KEY, subjectName="os", testId="test01")
    assert status == 200 and [t["testId"] for t in body["tests"]] == ["test01"]


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ({"testId": "net01"}, 400, "bad_request"),
        ({"subjectName": "../x"}, 400, "bad_request"),
        ({"subjectName": "history"}, 404, "not_found"),
        ({"subjectName": "networks", "testId": "net09"}, 404, "not_found"),
    ],
)
def test_bad_filters(bucket: Any, query: dict[str, str], status: int, error: str) -> None:
    assert call(TRAINER_KEY, **query)[0] == status
    assert call(TRAINER_KEY, **query)[1]["error"] == error


@pytest.mark.parametrize("key", [None, STUDENT_KEY, "somebody-else-entirely"])
def test_only_the_trainer_key_is_accepted(bucket: Any, key: str | None) -> None:
    status, body = call(key)
    assert status == 403
    assert body["error"] == "forbidden"
    assert "tests" not in body


def test_no_trainer_published_yet_means_nobody_gets_in(bucket: Any) -> None:
    bucket.delete_object(Bucket=BUCKET, Key="trainer.json")
    assert call(TRAINER_KEY)[0] == 403

"""Data and builders shared by the API tests: published content, a fixed clock, Lambda events.

Kept out of conftest.py (pytest imports that under a name other modules cannot rely on); conftest.py puts this
folder on sys.path so tests can ``from api_support import ...`` whatever pytest's import mode.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from testtime.i18n import class_language
from testtime.identity import api_key_digest

OPENAPI = Path(__file__).resolve().parents[3] / "openapi" / "testtime-api.yaml"
LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "legacy-content"
LEGACY_TEST = LEGACY / "subjects" / "operating-systems" / "test01"
BUCKET = "testtime-data-unit"
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)

# Everybody but student04 has a key; student04 is the legacy entry without a digest.
KEYS = {"student01": "key-of-student-01", "student02": "key-of-student-02", "student03": "key-of-student-03"}
FORMER_STUDENT_KEY = "key-of-a-student-who-left"

QUESTIONS_NET = [
    {
        "questionId": "q1",
        "question": "Which layer routes packets?",
        "answers": [{"answerId": "A", "answerBody": "network"}, {"answerId": "B", "answerBody": "session"}],
    },
    {
        "questionId": "q2",
        "question": "TCP is ...",
        "answers": [{"answerId": "x", "answerBody": "reliable"}, {"answerId": "y", "answerBody": "unreliable"}],
    },
]


def legacy_questions() -> list[dict[str, Any]]:
    return json.loads((LEGACY_TEST / "questions.json").read_text())


def catalog_document() -> dict[str, Any]:
    """Open: operating-systems/test01 (due in 5 days), networks/net01 and net02; closed: two others."""
    return {
        "version": 1,
        "tests": [
            {
                "subject": "operating-systems",
                "testId": "test01",
                "title": "Operating systems basics",
                "due": "2026-11-23T23:00:00+01:00",
                "firstPublished": "2026-11-16T09:00:00+01:00",
                "questionCount": 6,
                "closedAt": None,
            },
            {
                "subject": "networks",
                "testId": "net02",
                "title": "Transport",
                "due": "2026-11-20T22:00:00Z",
                "firstPublished": "2026-11-16T09:00:00Z",
                "questionCount": 2,
                "closedAt": None,
            },
            {
                "subject": "networks",
                "testId": "net01",
                "title": "Layers",
                "due": "2026-11-20T22:00:00Z",
                "firstPublished": "2026-11-16T09:00:00Z",
                "questionCount": 2,
                "closedAt": None,
            },
            {
                "subject": "networks",
                "testId": "net-old",
                "title": "Past due",
                "due": "2026-11-16T22:00:00Z",
                "firstPublished": "2026-11-09T09:00:00Z",
                "questionCount": 2,
                "closedAt": None,
            },
            {
                "subject": "networks",
                "testId": "net-removed",
                "title": "Removed by the trainer",
                "due": "2026-11-30T22:00:00Z",
                "firstPublished": "2026-11-16T09:00:00Z",
                "questionCount": 2,
                "closedAt": "2026-11-17T10:00:00Z",
            },
        ],
    }


def students_document() -> list[dict[str, Any]]:
    students = json.loads((LEGACY / "studentsList.json").read_text())
    for entry in students:
        if entry["student_id"] in KEYS:
            entry["api_key_sha256"] = api_key_digest(KEYS[entry["student_id"]])
            entry["name"] = f"Student {entry['student_id'][-2:]}"
    return students


class S3Calls:
    """Records the S3 API calls the code under test makes: operation name and key (or prefix)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, str(params.get("Key", params.get("Prefix", "")))))

    def reset(self) -> None:
        self.calls.clear()

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    @property
    def keys(self) -> list[str]:
        return [key for _, key in self.calls]

    @property
    def count(self) -> int:
        return len(self.calls)


class Context:
    aws_request_id = "lambda-request-id-1"


def make_event(
    method: str,
    path: str,
    *,
    key: str | None = KEYS["student01"],
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    base64_body: bool = False,
    key_header: str = "x-api-key",
) -> dict[str, Any]:
    """A Lambda proxy integration event as API Gateway (REST, stage ``api``) sends it."""
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    if text is not None and base64_body:
        text = base64.b64encode(text.encode()).decode()
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers[key_header] = key
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query,
        "body": text,
        "isBase64Encoded": base64_body,
        "requestContext": {"requestId": "apigw-request-id-1", "stage": "api", "identity": {"apiKeyId": None}},
    }


def invoke(handler: Callable[[dict[str, Any], Any], dict[str, Any]], event: dict[str, Any]) -> tuple[int, Any]:
    """Call a handler and check the response envelope every route shares."""
    response = handler(event, Context())
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["headers"]["Content-Language"] == class_language()  # the language of every sentence in it
    status, body = response["statusCode"], json.loads(response["body"])
    check_against_spec(event["httpMethod"], event["resource"], status, body)
    return status, body


@functools.cache
def openapi() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI.read_text())


def response_schema(method: str, path: str, status: int) -> dict[str, Any]:
    """The documented schema of one response, with the components its references need."""
    spec = openapi()
    responses = spec["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, which the OpenAPI file does not document"
    response = responses[str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return {**response["content"]["application/json"]["schema"], "components": spec["components"]}


def check_against_spec(method: str, path: str, status: int, body: Any) -> None:
    """Every response a handler gives in these tests must be one the OpenAPI file documents, exactly."""
    schema = response_schema(method, path, status)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)

"""A test that uses every option of issue 16 (shuffle, resubmit, an extension, points, multiple-answer questions),
published next to api_support's content; shared by the richer-tests suites of the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from api_support import BUCKET, catalog_document

SUBJECT, TEST_ID = "networks", "rich01"
RICH = {"subjectName": SUBJECT, "testId": TEST_ID}
DUE = "2026-11-20T22:00:00+00:00"  # after api_support.NOW (2026-11-18 12:00 UTC)
EXTENDED = "student03"  # student03 has until EXTENSION
EXTENSION = "2026-11-25T22:00:00+00:00"
BETWEEN = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # past the common deadline, before student03's

QUESTIONS_RICH: list[dict[str, Any]] = [
    {
        "questionId": "1",
        "question": "Which are private IPv4 ranges?",
        "answers": [
            {"answerId": "a", "answerBody": "10.0.0.0/8"},
            {"answerId": "b", "answerBody": "8.8.8.0/24"},
            {"answerId": "c", "answerBody": "192.168.0.0/16"},
            {"answerId": "d", "answerBody": "1.1.1.0/24"},
        ],
        "points": 2,
        "multiple": True,
        "partial": True,
    },
    {
        "questionId": "2",
        "question": "Which layer routes packets?",
        "answers": [{"answerId": c, "answerBody": f"layer {c}"} for c in ("w", "x", "y", "z")],
    },
    {
        "questionId": "3",
        "question": "Which ports are well known?",
        "answers": [
            {"answerId": c, "answerBody": f"port {n}"} for c, n in zip("pqrs", (22, 8080, 443, 50000), strict=True)
        ],
        "points": 1.5,
        "multiple": True,
    },
    {
        "questionId": "4",
        "question": "TCP is ...",
        "answers": [{"answerId": c, "answerBody": f"option {c}"} for c in ("k", "l", "m", "n")],
    },
    {
        "questionId": "5",
        "question": "UDP is ...",
        "answers": [{"answerId": c, "answerBody": f"option {c}"} for c in ("e", "f", "g", "h")],
    },
]


def rich_entry(**changes: Any) -> dict[str, Any]:
    entry = {
        "subject": SUBJECT,
        "testId": TEST_ID,
        "title": "Addresses",
        "due": DUE,
        "firstPublished": "2026-11-16T09:00:00Z",
        "questionCount": len(QUESTIONS_RICH),
        "closedAt": None,
        "shuffle": True,
        "resubmit": True,
        "extensions": {EXTENDED: EXTENSION},
    }
    return {**entry, **changes}


def publish_rich(s3: Any, **changes: Any) -> None:
    """The rich test added to the published catalog (``changes`` alter its entry) with its questions."""
    catalog = catalog_document()
    catalog["tests"].append(rich_entry(**changes))
    s3.put_object(Bucket=BUCKET, Key="catalog.json", Body=json.dumps(catalog))
    s3.put_object(Bucket=BUCKET, Key=f"{SUBJECT}/{TEST_ID}/questions.json", Body=json.dumps(QUESTIONS_RICH))


def version_key(student: str, version: int) -> str:
    leaf = "testResult.json" if version == 1 else f"testResult.{version}.json"
    return f"{SUBJECT}/{TEST_ID}/{student}/{leaf}"


def keys(s3: Any, prefix: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return sorted(item["Key"] for item in listed)

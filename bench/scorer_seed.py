"""The scorer benchmarks' data: N students x M tests seeded straight into the data bucket, and the reset that
lets one seeded bucket be scored again from scratch (bench/scorer.py, bench/scorer_clients.py)."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

from tests.integration.harness import LocalAws
from testtime import layout

SUBJECT = "bench"
QUESTIONS = 10
CHOICES = "abcd"
SEED_CONCURRENCY = 16
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys (S3 API reference, DeleteObjects)


def client(aws: LocalAws, service: str, **config: Any) -> Any:
    """A boto3 client of the emulator, with botocore ``Config`` options (pool size, timeouts, retries)."""
    return boto3.client(
        service,
        endpoint_url=aws.endpoint,
        region_name=aws.region,
        aws_access_key_id="LOCALEMULATORKEY",
        aws_secret_access_key="local-emulator-secret",
        config=Config(**config) if config else None,
    )


def request_kind(key: str) -> str:
    """What a request's object is: one submission's (testResult.json, score.json), the email ledger (a batch of
    records, or a student's own record), or per test and run (catalog, keys, state, listings, lease)."""
    parts = key.split("/")
    if parts[:2] == ["scorer", "emails"]:
        return "ledger"
    return "submission" if len(parts) == 4 and parts[3] in ("testResult.json", "score.json") else "test/run"


def student_ids(count: int) -> list[str]:
    return [f"bench{n:05d}" for n in range(1, count + 1)]


def test_ids(count: int) -> list[str]:
    return [f"test{m:02d}" for m in range(1, count + 1)]


def bucket_objects(students: list[str], tests: list[str], rng: random.Random) -> list[tuple[str, Any]]:
    """Class list, catalog (every test past its deadline), per test its questions and answer key, and one
    submission per student and test (a few questions left unanswered)."""
    now = datetime.now(UTC)
    objects: list[tuple[str, Any]] = [
        (
            layout.STUDENTS_LIST,
            [{"student_id": sid, "email": f"{sid}@example.com", "name": f"Bench {sid[5:]}"} for sid in students],
        ),
        (
            layout.CATALOG,
            {
                "version": 1,
                "tests": [
                    {
                        "subject": SUBJECT,
                        "testId": test_id,
                        "title": f"Benchmark test {test_id}",
                        "due": (now - timedelta(hours=1)).isoformat(timespec="seconds"),
                        "firstPublished": (now - timedelta(days=7)).isoformat(timespec="seconds"),
                        "questionCount": QUESTIONS,
                        "closedAt": None,
                    }
                    for test_id in tests
                ],
            },
        ),
    ]
    received = (now - timedelta(hours=2)).isoformat(timespec="seconds")
    for test_id in tests:
        key = [{"questionId": str(q), "answer": rng.choice(CHOICES)} for q in range(1, QUESTIONS + 1)]
        questions = [
            {
                "questionId": str(q),
                "question": f"Question {q} of {test_id}?",
                "answers": [{"answerId": c, "answerBody": f"choice {c} of question {q}"} for c in CHOICES],
            }
            for q in range(1, QUESTIONS + 1)
        ]
        objects.append((layout.answer_key_key(SUBJECT, test_id), key))
        objects.append((layout.questions_key(SUBJECT, test_id), questions))
        for sid in students:
            answers = [
                {"questionId": str(q), "answer": rng.choice(CHOICES)}
                for q in range(1, QUESTIONS + 1)
                if rng.random() < 0.95  # a few unanswered questions
            ]
            document = {
                "studentId": sid,
                "subjectName": SUBJECT,
                "testId": test_id,
                "receivedAt": received,
                "answers": answers,
            }
            objects.append((layout.submission_key(SUBJECT, test_id, sid), document))
    return objects


def seed(s3: Any, bucket: str, students: list[str], tests: list[str], rng: random.Random) -> int:
    """Upload :func:`bucket_objects` (SEED_CONCURRENCY at a time; ``s3`` needs that many pooled connections)."""
    objects = bucket_objects(students, tests, rng)

    def put(item: tuple[str, Any]) -> None:
        s3.put_object(Bucket=bucket, Key=item[0], Body=json.dumps(item[1]).encode(), ContentType="application/json")

    with ThreadPoolExecutor(max_workers=SEED_CONCURRENCY) as pool:
        list(pool.map(put, objects))
    return len(objects)


def scoring_output(s3: Any, bucket: str, tests: list[str]) -> list[str]:
    """Every key a scorer run writes: the submissions' score.json and everything under scorer/ (state, leases,
    email ledger, summary ledger)."""
    keys: list[str] = []
    prefixes = [layout.SCORER_PREFIX] + [layout.test_prefix(SUBJECT, test_id) for test_id in tests]
    for prefix in prefixes:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [item["Key"] for item in page.get("Contents", []) if _is_scoring_output(item["Key"])]
    return keys


def _is_scoring_output(key: str) -> bool:
    return key.startswith(layout.SCORER_PREFIX) or key.rpartition("/")[2] == "score.json"


def reset(s3: Any, bucket: str, tests: list[str]) -> int:
    """Delete what a scorer run wrote, so that the next run does the same full work; the number deleted."""
    keys = scoring_output(s3, bucket, tests)
    for start in range(0, len(keys), DELETE_BATCH):
        batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if answer.get("Errors"):
            raise RuntimeError(f"could not delete the scorer's output: {answer['Errors'][:3]}")
    left = scoring_output(s3, bucket, tests)
    if left:
        raise RuntimeError(f"{len(left)} objects of the previous run are still there, e.g. {left[:3]}")
    return len(keys)

"""Fixtures of the scorer tests: a moto account with the data bucket, a fake clock, a recording SES client."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support.moto_account import AccountOptions, MotoAccount
from testtime import layout, s3io

BUCKET = "testtime-data"
SENDER = "scorer@example.org"
TRAINER = "trainer@example.org"
START = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
DUE = "2026-11-23T22:00:00+00:00"
KEY = [
    {"questionId": "1", "answer": "a"},
    {"questionId": "2", "answer": "c"},
    {"questionId": "3", "answer": "a"},
    {"questionId": "4", "answer": "c"},
]
QUESTIONS = [
    {
        "questionId": str(n),
        "question": f"Question number {n}?",
        "answers": [{"answerId": c, "answerBody": f"choice {c} of {n}"} for c in "abcd"],
    }
    for n in range(1, 5)
]


class FakeClock:
    """Monotonic seconds, wall clock and sleep on one fake time line; sleeping only moves the time."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.t += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)

    def now(self) -> datetime:
        return START + timedelta(seconds=self.t)


@dataclass
class Sent:
    at: float
    to: str
    subject: str
    text: str
    html: str


class RecordingSES:
    """The moto SES client, with a chosen MaxSendRate, addresses that fail, and a record of every send."""

    def __init__(self, clock: FakeClock, rate: float = 1000.0) -> None:
        self.client = boto3.client("ses")
        self.clock = clock
        self.rate = rate
        self.fail_for: set[str] = set()
        self.throttle_next = 0
        self.daily_max = -1.0
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def get_send_quota(self) -> dict[str, float]:
        return {"MaxSendRate": self.rate, "Max24HourSend": self.daily_max, "SentLast24Hours": float(len(self.sent))}

    def send_email(self, **kwargs: Any) -> dict[str, Any]:
        to = kwargs["Destination"]["ToAddresses"][0]
        with self._lock:
            if 0 <= self.daily_max <= len(self.sent):
                raise ClientError(
                    {"Error": {"Code": "Throttling", "Message": "Daily message quota exceeded."}}, "SendEmail"
                )
            if self.throttle_next > 0:
                self.throttle_next -= 1
                raise ClientError(
                    {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendEmail"
                )
        if to in self.fail_for:
            raise ClientError({"Error": {"Code": "MessageRejected", "Message": f"rejected {to}"}}, "SendEmail")
        response = self.client.send_email(**kwargs)
        message = kwargs["Message"]
        with self._lock:
            self.sent.append(
                Sent(
                    self.clock.t,
                    to,
                    message["Subject"]["Data"],
                    message["Body"]["Text"]["Data"],
                    message["Body"]["Html"]["Data"],
                )
            )
        return response

    def to(self, address: str) -> list[Sent]:
        return [s for s in self.sent if s.to == address]


class RequestCounter:
    """Counts the S3 requests of the shared s3io client by operation."""

    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.by_operation[model.name] += 1

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def reset(self) -> None:
        self.by_operation.clear()


class World:
    """The data bucket of one test, with helpers to seed content and read what the scorer wrote."""

    bucket = BUCKET
    sender = SENDER
    trainer = TRAINER

    def __init__(self) -> None:
        self.s3 = boto3.client("s3")

    def put(self, key: str, value: Any) -> None:
        body = value if isinstance(value, bytes) else json.dumps(value).encode()
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    def get(self, key: str) -> Any:
        try:
            return json.loads(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        except self.s3.exceptions.NoSuchKey:
            return None

    def keys(self, prefix: str = "") -> list[str]:
        return list(s3io.list_keys(BUCKET, prefix))

    def seed_test(
        self,
        subject: str = "os",
        test_id: str = "test01",
        students: int = 3,
        due: str = DUE,
        title: str = "Kernels",
        class_list: bool = True,
    ) -> list[str]:
        """A class of ``students`` and one more test (key, questions, catalog entry); the student ids."""
        ids = [f"student{n:02d}" for n in range(1, students + 1)]
        if class_list:
            self.put(
                layout.STUDENTS_LIST,
                [{"student_id": sid, "email": f"{sid}@example.org", "name": f"Name {sid[-2:]}"} for sid in ids],
            )
        catalog = self.get(layout.CATALOG) or {"version": 1, "tests": []}
        catalog["tests"].append(
            {
                "subject": subject,
                "testId": test_id,
                "title": title,
                "due": due,
                "firstPublished": "2026-11-16T10:00:00+00:00",
                "questionCount": len(KEY),
                "closedAt": None,
            }
        )
        self.put(layout.CATALOG, catalog)
        self.put(layout.answer_key_key(subject, test_id), KEY)
        self.put(layout.questions_key(subject, test_id), QUESTIONS)
        return ids

    def submit(self, student_id: str, answers: str, subject: str = "os", test_id: str = "test01") -> None:
        """``answers`` one letter per question, e.g. "acac" (all right) or "a-ca" (2 unanswered)."""
        self.put(
            layout.submission_key(subject, test_id, student_id),
            {
                "studentId": student_id,
                "subjectName": subject,
                "testId": test_id,
                "receivedAt": "2026-11-20T10:00:00+00:00",
                "answers": [{"questionId": str(n), "answer": a} for n, a in enumerate(answers, start=1) if a != "-"],
            },
        )


@pytest.fixture
def moto_account_options() -> AccountOptions:
    return AccountOptions(bucket=BUCKET)


@pytest.fixture
def aws(moto_account: MotoAccount) -> None:
    """The shared moto account (tests/conftest.py) with the sender's and the trainer's SES identities verified."""
    ses = moto_account.client("ses")
    ses.verify_email_identity(EmailAddress=SENDER)
    ses.verify_email_identity(EmailAddress=TRAINER)


@pytest.fixture
def world(aws: None) -> World:
    return World()


@pytest.fixture
def requests(aws: None) -> RequestCounter:
    counter = RequestCounter()
    s3io.client().meta.events.register("before-call.s3", counter)
    return counter


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ses(aws: None, clock: FakeClock) -> RecordingSES:
    return RecordingSES(clock)

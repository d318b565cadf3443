"""The service's functions in an account with IAM enforced: each function's role created from its rendered
policy, the data bucket and SES identities as the deploy leaves them, and a way to run a handler with nothing but
its own role's credentials while every client-side call and every judged request is recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from tests.iam.enforced_account import ACCOUNT_ID, EnforcedAccount, JudgedCall
from tests.iam.rendered_policies import FunctionRole
from tests.support.lean_transport import LeanTransport
from testtime import deadlines, s3io, store
from testtime.handlers import scorer
from testtime.identity import api_key_digest

REGION = "eu-central-1"  # group_vars/all.yml's aws_region
BUCKET = "testtime-data-iam"
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # the API calls happen before the deadline...
DUE = "2026-11-23T22:00:00+00:00"
AS_OF = "2026-11-24T06:00:00+00:00"  # ...the scorer runs after it
SUBJECT, TEST_ID = "os", "test01"
# A second test of the subject that allows resubmission, due after the scorer's run (so the scorer leaves it alone):
# a student replaces their submission (a versioned key) and reads the test back (their submitted marker).
RESUBMIT_TEST_ID, RESUBMIT_DUE = "test02", "2026-11-30T22:00:00+00:00"
# The functions, by their deployed names.
LIST, GET, SUBMIT, RESULTS, SCORER, HISTORY = (
    "testtime-list-tests",
    "testtime-get-test",
    "testtime-submit-test",
    "testtime-results",
    "testtime-scorer",
    "testtime-history",
)
# When every test of the scenarios is closed for everybody (after RESUBMIT_DUE): the history shows right answers.
ALL_CLOSED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEYS = {f"student0{n}": f"key-of-student-0{n}" for n in (1, 2, 3)}
TRAINER_KEY = "key-of-the-trainer"
ANSWER_KEY = [{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": "b"}]
QUESTIONS = [
    {"questionId": q, "question": f"Question {q}?", "answers": [{"answerId": c, "answerBody": c} for c in "ab"]}
    for q in ("1", "2")
]
# Set by Lambda besides the template's variables and the role's credentials.
LAMBDA_ENV = {"AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
# Shorter than the defaults, so that a hand-over needs only a few emails (see test_enforced_iam).
TEST_ENV = {"SEND_SAFETY_MARGIN_MS": "1000", "READ_CONCURRENCY": "4", "SEND_CONCURRENCY": "1"}
NOT_LAMBDA_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_CONFIG_FILE", "GRADE_SCALE")


@dataclass
class ClientRecord:
    """What the function's code asked for, seen from the client side (botocore events, the lean client)."""

    api_calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # service, operation, params
    http_sends: list[str] = field(default_factory=list)  # "s3.GetObject", once per attempt
    lean_requests: int = 0
    judged: list[JudgedCall] = field(default_factory=list)  # filled when the function's span ends

    def on_params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.api_calls.append((model.service_model.service_name, model.name, dict(params)))

    def on_send(self, event_name: str, **_: Any) -> None:
        self.http_sends.append(event_name.removeprefix("before-send."))


class LambdaContext:
    """What Lambda passes to a handler: the request id, this function's ARN and a remaining-time clock."""

    def __init__(self, function_name: str, remaining_ms: Any = None, qualifier: str = "") -> None:
        self.aws_request_id = f"request-of-{function_name}{qualifier}"
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"
        self.invoked_function_arn = f"{arn}:{qualifier}" if qualifier else arn  # qualified: run as a version
        self._remaining = remaining_ms or (lambda: 900_000)

    def get_remaining_time_in_millis(self) -> int:
        return int(self._remaining())


def api_event(
    method: str, path: str, key: str, body: Any = None, query: dict[str, str] | None = None
) -> dict[str, Any]:
    """A REST API (stage ``api``) proxy event."""
    headers = {"Content-Type": "application/json", "x-api-key": key}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": {"requestId": "apigw-request", "stage": "api", "identity": {"apiKeyId": None}},
    }


class Deployment:
    """The account, the functions' roles and their credentials, and the published content."""

    def __init__(self, account: EnforcedAccount, roles: dict[str, FunctionRole]) -> None:
        self.account = account
        self.roles = roles
        self.credentials: dict[str, dict[str, str]] = {}
        for name, role in roles.items():
            arn = account.create_role(role.role_name, role.policies)
            self.credentials[name] = account.role_credentials(arn, name)
        self.s3 = account.admin("s3")
        self.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        ses, sqs = account.admin("ses"), account.admin("sqs")
        for role in roles.values():
            for name, value in role.environment.items():
                if name in ("SENDER_EMAIL", "TRAINER_EMAIL"):  # identities the deploy verifies
                    ses.verify_email_identity(EmailAddress=value)
                elif value.startswith("https://sqs."):  # queues of the service stack
                    sqs.create_queue(QueueName=value.rsplit("/", 1)[-1])

    def put(self, key: str, value: Any) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(value).encode())

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=BUCKET, Key=key)

    def get(self, key: str) -> Any:
        return json.loads(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())

    def keys(self, prefix: str = "") -> list[str]:
        return [item["Key"] for item in self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]

    def publish(self) -> None:
        """What ./update-subjects-or-students.sh uploads: class list, trainer, questions, answer key, catalog."""
        self.put(
            "studentsList.json",
            [
                {"student_id": sid, "email": f"{sid}@example.org", "name": f"Name {sid}", "api_key_sha256": digest}
                for sid, digest in ((sid, api_key_digest(key)) for sid, key in KEYS.items())
            ],
        )
        self.put("trainer.json", {"api_key_sha256": api_key_digest(TRAINER_KEY)})
        self.put(f"{SUBJECT}/{TEST_ID}/questions.json", QUESTIONS)
        self.put(f"{SUBJECT}/{TEST_ID}/questionsKey.json", ANSWER_KEY)
        self.put(f"{SUBJECT}/{RESUBMIT_TEST_ID}/questions.json", QUESTIONS)
        self.put(f"{SUBJECT}/{RESUBMIT_TEST_ID}/questionsKey.json", ANSWER_KEY)
        entry = {"subject": SUBJECT, "testId": TEST_ID, "title": "Kernels", "due": DUE}
        entry |= {"firstPublished": "2026-11-16T10:00:00+00:00", "questionCount": 2, "closedAt": None}
        resubmit = {**entry, "testId": RESUBMIT_TEST_ID, "title": "Processes", "due": RESUBMIT_DUE, "resubmit": True}
        self.put("catalog.json", {"version": 1, "tests": [entry, resubmit]})

    @contextmanager
    def as_function(self, function_name: str) -> Iterator[ClientRecord]:
        """Run code as the function runs in Lambda: only its role's credentials in the environment, fresh clients,
        IAM enforced. Yields the client-side record; ``record.judged`` holds the judged requests afterwards."""
        record = ClientRecord()
        with pytest.MonkeyPatch.context() as patch:
            for name in NOT_LAMBDA_ENV:
                patch.delenv(name, raising=False)
            role = self.roles[function_name]
            for name, value in {
                **role.environment,
                **LAMBDA_ENV,
                **TEST_ENV,
                **self.credentials[function_name],
            }.items():
                patch.setenv(name, value)
            patch.setattr(deadlines, "utc_now", lambda: NOW)
            patch.setattr(s3io, "_CLIENT", None)  # a new container: clients made from this role's credentials
            patch.setattr(scorer, "_OBJECTS", {})
            real_objects = scorer._objects

            def lean_objects(settings: Any) -> Any:
                client = real_objects(settings)
                client._pool = LeanTransport()
                return client

            patch.setattr(scorer, "_objects", lean_objects)
            store.clear_cache()
            boto3.setup_default_session(region_name=REGION)
            events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]
            events.register("provide-client-params", record.on_params)
            events.register_first("before-send", record.on_send)  # before moto's stubber answers
            mark = self.account.mark()
            try:
                with self.account.enforcing():
                    yield record
            finally:
                record.lean_requests = sum(client.requests for client in scorer._OBJECTS.values())
                record.judged = self.account.since(mark)
                store.clear_cache()
                boto3.DEFAULT_SESSION = None

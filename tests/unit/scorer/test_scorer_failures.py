"""Failed scorer runs become visible: the hand-over chain stops below Lambda's recursive loop limit and says so in
the failure queue, and bin/score-now.sh reads that queue (Lambda's on-failure records and the scorer's own) in
plain words without consuming it. Against moto's SQS, with the documented shape of Lambda's invocation record."""

from __future__ import annotations

import functools
import json
from typing import Any

import boto3
import pytest

from ops.score_now import FailedRun, failed_run_lines, read_failed_runs
from tests.support.lean_transport import lean_objects
from testtime.handlers import scorer
from testtime.mailer import Mailer
from testtime.scorer.settings import Settings

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:testtime-scorer"
# Lambda's recursive loop detection stops a chain at about 16 invocations (Lambda guide, "Use Lambda recursive
# loop detection to prevent infinite loops").
LAMBDA_RECURSION_LIMIT = 16


class Context:
    invoked_function_arn = FUNCTION_ARN

    def __init__(self, clock: Any, budget_ms: float, request_id: str) -> None:
        self.clock = clock
        self.deadline = clock.t * 1000 + budget_ms
        self.aws_request_id = request_id

    def get_remaining_time_in_millis(self) -> int:
        return int(self.deadline - self.clock.t * 1000)


@pytest.fixture
def queue(world: Any) -> str:
    return boto3.client("sqs").create_queue(QueueName="testtime-scorer-failures")["QueueUrl"]


@pytest.fixture
def invoked(monkeypatch: pytest.MonkeyPatch, world: Any, ses: Any, clock: Any, queue: str) -> list[dict[str, Any]]:
    """The scorer's environment as deployed (with its failure queue); the asynchronous self-invocations."""
    for name, value in {
        "DATA_BUCKET": world.bucket,
        "SENDER_EMAIL": world.sender,
        "TRAINER_EMAIL": world.trainer,
        "SEND_SAFETY_MARGIN_MS": "1000",
        "READ_CONCURRENCY": "4",
        "SEND_CONCURRENCY": "1",
        "FAILURE_QUEUE_URL": queue,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(scorer, "_ses_client", lambda: ses)
    monkeypatch.setattr(scorer, "Mailer", functools.partial(Mailer, clock=clock.monotonic, sleep=clock.sleep))
    monkeypatch.setattr(scorer, "_objects", lambda settings: lean_objects(settings.bucket))  # served by moto
    events: list[dict[str, Any]] = []

    class Invoker:
        def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> None:
            assert FunctionName == FUNCTION_ARN and InvocationType == "Event"
            events.append(json.loads(Payload))

    monkeypatch.setattr(scorer, "_lambda_client", Invoker)
    return events


def test_the_hand_over_chain_stops_below_lambdas_recursion_limit_and_is_reported(
    invoked: list[dict[str, Any]], world: Any, ses: Any, clock: Any, queue: str
) -> None:
    ses.rate = 1.0  # one email per invocation of 2.5 s with a 1 s margin: 15 students would need 15 links
    students = 15
    world.seed_test(students=students)
    for n in range(1, students + 1):
        world.submit(f"student{n:02d}", "acac")
    results = [scorer.handler({"asOf": "2026-11-24T06:00:00Z"}, Context(clock, 2500, "req-1"))]
    while invoked:  # Lambda running each handed-over event, one after the other
        results.append(scorer.handler(invoked.pop(0), Context(clock, 2500, f"req-{len(results) + 1}")))

    bound = Settings("b", "s", "t").max_links
    assert len(results) == bound < LAMBDA_RECURSION_LIMIT - 4  # a margin: AWS says "approximately" 16
    last = results[-1]
    assert not last["handedOver"] and last["summarySent"] and last["emailsDeferred"] == students - bound
    assert any(f["kind"] == "handover" and "too many hand-overs" in f["error"] for f in last["failures"])
    # The stop is in the failure queue, in Lambda's record shape, and reads as one plain line.
    [failed] = read_failed_runs(boto3.client("sqs"), queue)
    assert failed.run == f"the run as of 2026-11-24T06:00:00+00:00 (its invocation {bound}, after a hand-over)"
    assert failed.why == (
        f"the scorer stopped after {bound} invocations (the most one run may chain) with {students - bound} emails "
        "still to send; the next scheduled run sends them"
    )
    [body] = [m["Body"] for m in boto3.client("sqs").receive_message(QueueUrl=queue)["Messages"]]
    record = json.loads(body)
    assert record["requestContext"]["condition"] == scorer.HAND_OVER_LIMIT
    assert record["requestContext"]["functionArn"] == FUNCTION_ARN and record["version"] == "1.0"
    # The next scheduled run sends the rest, each email once.
    scorer.handler({"asOf": "2026-11-24T06:00:00Z"}, Context(clock, 60_000, "req-next"))
    assert all(len(ses.to(f"student{n:02d}@example.org")) == 1 for n in range(1, students + 1))


def lambda_record(condition: str, response: dict[str, Any], payload: Any, at: str, attempts: int = 3) -> str:
    """Lambda's on-failure invocation record as documented (Lambda guide, "Capturing records of Lambda
    asynchronous invocations")."""
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": at,
            "requestContext": {
                "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
                "functionArn": f"{FUNCTION_ARN}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": payload,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": response,
        }
    )


def test_lambdas_failure_records_read_in_plain_words_and_stay_until_dismissed(queue: str) -> None:
    sqs = boto3.client("sqs")
    denied = {
        "errorMessage": "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        "errorType": "ClientError",
        "stackTrace": ['  File "/var/task/testtime/handlers/scorer.py", line 120, in handler\n'],
    }
    records = [
        lambda_record(
            "RetriesExhausted",
            {"errorMessage": "2026-11-30T22:15:00.000Z 1f0e Task timed out after 900.00 seconds"},
            {"source": "schedule"},
            "2026-11-30T22:15:03.120Z",
        ),
        lambda_record("RetriesExhausted", denied, {"asOf": "2026-11-23T23:00:00+01:00"}, "2026-11-23T22:31:00.000Z"),
        lambda_record("EventAgeExceeded", {}, {"source": "schedule"}, "2026-12-01T04:00:00.000Z", attempts=0),
    ]
    for body in records:
        sqs.send_message(QueueUrl=queue, MessageBody=body)

    expected = [
        FailedRun(
            "2026-11-23 22:31 UTC",
            "the run as of 2026-11-23T23:00:00+01:00",
            "it stopped with an error (the AWS request GetObject was refused: AccessDenied), 3 attempts",
        ),
        FailedRun("2026-11-30 22:15 UTC", "the scheduled run", "it ran out of time, 3 attempts"),
        FailedRun(
            "2026-12-01 04:00 UTC",
            "the scheduled run",
            "it could not start in time (Lambda was busy or throttled); the next scheduled run catches up",
        ),
    ]
    assert read_failed_runs(sqs, queue) == expected
    # Read again at once: nothing was consumed, nor hidden for the visibility timeout.
    assert read_failed_runs(sqs, queue) == expected
    lines = failed_run_lines(expected)
    assert lines[0] == "  failed runs:         3 in the last 14 days; details: bin/logs.sh scorer --since 14d"
    assert lines[2] == "    - 2026-11-30 22:15 UTC: the scheduled run: it ran out of time, 3 attempts"
    assert not any("stackTrace" in line or "requestContext" in line or "File " in line for line in lines)
    assert read_failed_runs(sqs, queue, dismiss=True) == expected
    assert read_failed_runs(sqs, queue) == []
    assert failed_run_lines([]) == ["  failed runs:         none in the last 14 days"]

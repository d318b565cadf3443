"""The Lambda entry point: settings from the environment, asOf, the context's budget and the hand-over."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from tests.support.lean_transport import lean_objects
from testtime.handlers import scorer
from testtime.mailer import Mailer


class Context:
    """What Lambda passes: the remaining time (from the fake clock) and our own ARN."""

    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:testtime-scorer"
    aws_request_id = "req-1"

    def __init__(self, clock: Any, budget_ms: float) -> None:
        self.clock = clock
        self.deadline = clock.t * 1000 + budget_ms

    def get_remaining_time_in_millis(self) -> int:
        return int(self.deadline - self.clock.t * 1000)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, world: Any, ses: Any, clock: Any) -> list[dict[str, Any]]:
    for name, value in {
        "DATA_BUCKET": world.bucket,
        "SENDER_EMAIL": world.sender,
        "TRAINER_EMAIL": world.trainer,
        "EMAIL_ONE_PER_STUDENT": "false",
        "SEND_SAFETY_MARGIN_MS": "1000",
        "READ_CONCURRENCY": "4",
        "SEND_CONCURRENCY": "1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GRADE_SCALE", raising=False)
    monkeypatch.setattr(scorer, "_ses_client", lambda: ses)
    monkeypatch.setattr(scorer, "Mailer", functools.partial(Mailer, clock=clock.monotonic, sleep=clock.sleep))
    invoked: list[dict[str, Any]] = []

    class Invoker:
        def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> None:
            assert FunctionName == Context.invoked_function_arn and InvocationType == "Event"
            invoked.append(json.loads(Payload))

    monkeypatch.setattr(scorer, "_lambda_client", Invoker)
    # moto intercepts boto3 only: objects go through boto3 here (the lean client is tested against MiniStack).
    monkeypatch.setattr(scorer, "_objects", lambda settings: lean_objects(settings.bucket))  # served by moto
    return invoked


def test_handler_scores_emails_and_hands_over(env: list[dict[str, Any]], world: Any, ses: Any, clock: Any) -> None:
    ses.rate = 1.0
    world.seed_test(students=4)
    for n in range(1, 5):
        world.submit(f"student{n:02d}", "acac")
    first = scorer.handler({"asOf": "2026-11-24T06:00:00Z"}, Context(clock, budget_ms=2500))
    assert json.loads(json.dumps(first)) == first
    assert first["handedOver"] and first["emailsSent"] == 1 and first["asOf"] == "2026-11-24T06:00:00+00:00"
    assert set(first) >= {
        "asOf",
        "testsScored",
        "submissionsScored",
        "missing",
        "emailsSent",
        "emailsFailed",
        "failures",
        "handedOver",
    }
    results = [first]
    while env:
        results.append(scorer.handler(env.pop(0), Context(clock, budget_ms=2500)))
    assert not results[-1]["handedOver"] and results[-1]["summarySent"]
    assert sum(r["emailsSent"] for r in results) == 4 and len(ses.sent) == 5
    assert {r["runId"] for r in results} == {"req-1"}
    assert [r["link"] for r in results] == list(range(len(results)))


def test_handler_without_as_of_uses_now_and_refuses_bad_input(env: list[dict[str, Any]], world: Any) -> None:
    world.seed_test(due="2099-01-01T00:00:00+00:00")
    result = scorer.handler({}, None)
    assert result["testsScored"] == 0 and not result["handedOver"]
    with pytest.raises(ValueError):
        scorer.handler({"asOf": "yesterday"}, None)

"""The scheduled scorer: ``handler(event, context)``.

Event (all optional): ``{"asOf": "<ISO 8601>", "continuation": {...}}``. ``asOf`` defaults to now; a
continuation is what a previous invocation handed over when its time budget ran out (same ``asOf``).
Returns the run's JSON summary (see :meth:`testtime.scorer.run.RunResult.to_json`), and logs it as one line.

A run that fails after Lambda's retries reaches ``FAILURE_QUEUE_URL`` as Lambda's on-failure invocation record;
a chain the scorer stops itself at its hand-over bound is recorded there too, in the same shape, with the
condition :data:`HAND_OVER_LIMIT` (``bin/score-now.sh`` lists both).
"""

from __future__ import annotations

import json
import os
import resource
import threading
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from testtime import s3io
from testtime.deadlines import parse_instant
from testtime.log import bound, lambda_request_id, log
from testtime.mailer import Mailer
from testtime.s3direct import ObjectClient
from testtime.scorer.data import S3Data
from testtime.scorer.handover import Continuation
from testtime.scorer.run import Runtime, run
from testtime.scorer.settings import Settings

# Our own retry loop paces and backs off on throttling; botocore retrying underneath would break the pacing.
_SES_CONFIG = Config(retries={"total_max_attempts": 1})


class _RequestCounter:
    """Counts every HTTP request the shared boto3 S3 client sends (``before-send`` fires once per attempt)."""

    def __init__(self) -> None:
        self.total = 0
        self.client: Any = None
        self._lock = threading.Lock()

    def __call__(self, **_: Any) -> None:
        with self._lock:
            self.total += 1

    def attach(self) -> None:
        client = s3io.client()
        if client is not self.client:  # once per client (tests replace it)
            client.meta.events.register("before-send.s3", self)
            self.client = client


_S3_REQUESTS = _RequestCounter()
_OBJECTS: dict[str, ObjectClient] = {}  # the lean object client of each bucket, one per container


def _objects(settings: Settings) -> ObjectClient:
    """The lean object client of the data bucket, one per container (its connection pool is reused)."""
    if settings.bucket not in _OBJECTS:
        _OBJECTS[settings.bucket] = ObjectClient(settings.bucket, max_connections=settings.read_concurrency)
    return _OBJECTS[settings.bucket]


def _ses_client() -> Any:
    return boto3.client("ses", config=_SES_CONFIG)


def _lambda_client() -> Any:
    return boto3.client("lambda")


def _invoker(context: Any) -> Any:
    """Asynchronous self-invocation of this very function version (the hand-over)."""
    arn = getattr(context, "invoked_function_arn", None)
    if not arn:
        return None
    client = _lambda_client()

    def invoke(payload: dict[str, Any]) -> None:
        client.invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps(payload).encode())

    return invoke


HAND_OVER_LIMIT = "HandOverLimit"  # requestContext.condition of the record of a chain the scorer stopped


def _sqs_client() -> Any:
    return boto3.client("sqs")


def failure_record(event: dict[str, Any], context: Any, reason: str, now: datetime) -> dict[str, Any]:
    """A record shaped as Lambda's on-failure invocation record (Lambda guide, "Capturing records of Lambda
    asynchronous invocations"), so that one reader serves both."""
    arn = str(getattr(context, "invoked_function_arn", "") or "")
    parts = arn.split(":")  # arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    return {
        "version": "1.0",
        "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": str(getattr(context, "aws_request_id", "") or ""),
            "functionArn": arn,
            "condition": HAND_OVER_LIMIT,
            "approximateInvokeCount": 1,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": parts[7] if len(parts) > 7 else "$LATEST"},
        "responsePayload": {"errorType": HAND_OVER_LIMIT, "errorMessage": reason},
    }


def _failure_reporter(event: dict[str, Any], context: Any) -> Any:
    queue_url = os.environ.get("FAILURE_QUEUE_URL")
    if not queue_url:
        return None

    def report(reason: str) -> None:
        record = failure_record(event, context, reason, datetime.now(UTC))
        try:
            _sqs_client().send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
        except (ClientError, BotoCoreError) as error:  # the trainer's summary names the stop all the same
            log("ERROR", "stopped run not recorded in the failure queue", error=str(error))

    return report


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    with bound(requestId=lambda_request_id(context)):
        return _handle(event if isinstance(event, dict) else {}, context)


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = Settings.from_env(os.environ)
    raw_as_of = event.get("asOf")
    as_of = parse_instant(raw_as_of) if raw_as_of else datetime.now(UTC)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    runtime = Runtime(
        remaining_ms=(lambda: float(remaining())) if callable(remaining) else (lambda: float("inf")),
        invoke=_invoker(context),
        request_id=str(getattr(context, "aws_request_id", "") or ""),
        report_failure=_failure_reporter(event, context),
    )
    continuation = None
    if event.get("continuation"):
        continuation = Continuation.from_event(event["continuation"], runtime.request_id)
    mailer = Mailer(_ses_client(), settings.sender)
    objects = _objects(settings)
    _S3_REQUESTS.attach()
    requests_before = _S3_REQUESTS.total + objects.requests
    outcome = run(settings, S3Data(settings.bucket, objects), mailer, runtime, as_of, continuation)
    result = outcome.to_json()
    # Metrics for the trainer and bench/scorer.py: wall seconds per phase, the S3 requests this invocation sent
    # (counted at the client, retries included) and the container's peak memory (ru_maxrss is in KiB on Linux).
    result["timings"] = dict(outcome.timings)
    result["s3Requests"] = _S3_REQUESTS.total + objects.requests - requests_before
    result["peakMemoryMb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # The run's summary line: the counts and metrics (each failure had its own line already).
    log("INFO", "scorer run", **{k: v for k, v in result.items() if k != "failures"}, failures=len(outcome.failures))
    return result

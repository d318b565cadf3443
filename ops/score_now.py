"""Run the deployed scorer now (``bin/score-now.sh``): one synchronous invocation, its summary in readable lines.

The scorer is the function the weekly schedule invokes; this invokes it with ``{"asOf": ...}`` (default now) and
waits for its answer, which can take minutes (pacing to the SES send rate). When its time budget runs out the
function hands the remaining emails over to an asynchronous follow-up invocation and says so.

Asynchronous runs (the schedule's, the hand-overs) that failed after Lambda's retries are recorded in the
scorer's failure queue; the summary names those of the last 14 days, and ``--status`` lists them without scoring.
They are read without being consumed: received with a short visibility timeout, then made visible again at once
(``--dismiss-failures`` deletes the ones shown instead). They expire after the queue's 14 days.

Exit status: 0 when the function ran (failures of single emails are listed, they are part of a run), 1 when the
deployment is missing, the function errored, or an ``--as-of`` later than now came without ``--yes`` (nothing is
sent: :mod:`ops.score_now_guard`), 2 for a bad option.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from ops import cli, score_now_guard
from ops import target as targets
from ops.deployment import DeploymentError, read_outputs, required_output
from ops.i18n import TRAINER, run_in_class_language
from testtime.deadlines import parse_instant, to_iso
from testtime.handlers.scorer import HAND_OVER_LIMIT

_ = TRAINER.gettext
_n = TRAINER.ngettext

# The scorer's own timeout is 900 s (Lambda's maximum); wait a little longer than that, and never retry an
# invocation on our side: a second run would be harmless (exactly-once ledger) but doubles the wait.
INVOKE_CONFIG = Config(connect_timeout=10, read_timeout=960, retries={"total_max_attempts": 1})
# Failure records are hidden from other readers only while we read them (a crash shows them again this soon).
FAILURE_PEEK_SECONDS = 30
MAX_FAILURE_RECORDS = 100
_BOTOCORE_ERROR = re.compile(r"An error occurred \((\w+)\) when calling the (\w+) operation")
EXAMPLES = """examples:
  bin/score-now.sh                                    score everything past its deadline, as of now
  bin/score-now.sh --as-of 2026-11-23T23:30:00+01:00  as if it were that instant (ISO 8601 with offset)
  bin/score-now.sh --as-of 2027-01-10T23:30:00+01:00 --yes
                                                      later than now: scores (and emails) tests still open
  bin/score-now.sh --target aws --region eu-west-1    the deployment in a real account
  bin/score-now.sh --json                             the function's summary as JSON
  bin/score-now.sh --status                           only the failed runs of the last 14 days, scoring nothing
  bin/score-now.sh --status --dismiss-failures        ... and forget the ones shown

exit status: 0 the scorer ran; 1 no deployment, the scorer failed, or an --as-of later than now without --yes
(refused: nothing is sent, the open tests it would score are named); 2 a bad option."""


class ScoreNowError(Exception):
    """One line for the user; the exit status is 1."""


@dataclass(frozen=True)
class Deployed:
    function: str
    region: str | None
    failure_queue: str | None  # None: deployed before the queue existed


def scorer_deployment(target: str) -> Deployed:
    """The scorer's function name, the deployment's region and the failure queue, from the stack outputs."""
    function, region = scorer_function(target)
    return Deployed(function, region, read_outputs(target).get("ScorerFailureQueueUrl") or None)


def scorer_function(target: str) -> tuple[str, str | None]:
    """The scorer's function name and the deployment's region, from build/<target>/stack-outputs.json."""
    return required_output(target, "ScorerFunctionName")


def invoke(client: Any, function: str, as_of: datetime, target: str) -> dict[str, Any]:
    """The scorer's summary; ScoreNowError when it could not be invoked or raised."""
    payload = json.dumps({"asOf": to_iso(as_of)}).encode()
    try:
        response = client.invoke(FunctionName=function, InvocationType="RequestResponse", Payload=payload)
    except EndpointConnectionError:
        if target == "local":
            raise ScoreNowError(
                _("cannot reach the local AWS endpoint: start it with: bin/local-aws.sh start")
            ) from None
        raise ScoreNowError(_("cannot reach the {target} AWS endpoint: check the network", target=target)) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise ScoreNowError(
                _("the scorer function {function} is not deployed: run ./deploy-api-gateway.sh", function=function)
            ) from None
        raise ScoreNowError(
            _("invoking {function} failed: {code}: {error}", function=function, code=code, error=error)
        ) from None
    except BotoCoreError as error:
        raise ScoreNowError(_("invoking {function} failed: {error}", function=function, error=error)) from None
    body = response["Payload"].read()
    try:
        result = json.loads(body) if body else None
    except ValueError:
        result = None
    if response.get("FunctionError"):
        detail = ""
        if isinstance(result, dict):
            detail = f"{result.get('errorType', '')}: {result.get('errorMessage', '')}".strip(": ")
        raise ScoreNowError(
            _("the scorer failed ({kind}): {detail}", kind=response["FunctionError"], detail=detail or repr(body[:300]))
        )
    if not isinstance(result, dict):
        raise ScoreNowError(_("the scorer returned no summary: {body}", body=repr(body[:300])))
    return result


def _failure_line(failure: dict[str, Any]) -> str:
    where = "/".join(part for part in (failure.get("subject"), failure.get("testId")) if part)
    who = failure.get("studentId") or ""
    place = ", ".join(part for part in (where, who) if part)
    return f"    - {failure.get('kind', '?')}{' ' + place if place else ''}: {failure.get('error', '')}"


def _field(label: str, value: object) -> str:
    """``  label:   value``, the values lined up after the longest English label."""
    return f"  {label + ':':<{max(21, len(label) + 2)}}{value}"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    failures = [f for f in summary.get("failures") or [] if isinstance(f, dict)]
    lines = [
        _("Scorer run as of {moment}", moment=summary.get("asOf", "?")),
        _field(_("tests scored"), summary.get("testsScored", 0)),
        _field(_("submissions scored"), summary.get("submissionsScored", 0)),
        _field(
            _("missing"),
            _("{n} (students without a submission, summed over tests)", n=summary.get("missing", 0)),
        ),
        _field(_("emails sent"), summary.get("emailsSent", 0)),
        _field(_("emails failed"), summary.get("emailsFailed", 0)),
    ]
    if summary.get("emailsDeferred"):
        lines.append(_field(_("emails deferred"), _("{n} (left for the next run)", n=summary["emailsDeferred"])))
    if "summarySent" in summary:
        sent = _("sent") if summary["summarySent"] else _("not sent (nothing new)")
        lines.append(_field(_("trainer summary"), sent))
    lines.append(_field(_("failures"), len(failures) if failures else _("none")))
    lines += [_failure_line(f) for f in failures]
    handed = (
        _("yes: a follow-up invocation sends the remaining emails and the summary")
        if summary.get("handedOver")
        else _("no")
    )
    lines.append(_field(_("handed over"), handed))
    return lines


@dataclass(frozen=True)
class FailedRun:
    when: str  # "2026-11-30 22:00 UTC"
    run: str  # which run, in words
    why: str  # what went wrong, in words

    def line(self) -> str:
        return f"    - {self.when}: {self.run}: {self.why}"

    def to_json(self) -> dict[str, str]:
        return {"when": self.when, "run": self.run, "why": self.why}


def _record_when(record: dict[str, Any], sent_ms: str | None) -> str:
    moment: datetime | None = None
    try:
        moment = parse_instant(str(record.get("timestamp")).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        if sent_ms and sent_ms.isdigit():  # MiniStack's records have no timestamp: when it was queued
            moment = datetime.fromtimestamp(int(sent_ms) / 1000, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else _("at an unknown time")


def _record_run(payload: Any) -> str:
    if not isinstance(payload, dict):
        return _("a scorer run")
    run = _("the run as of {moment}", moment=payload["asOf"]) if payload.get("asOf") else _("the scheduled run")
    chain = payload.get("continuation")
    if isinstance(chain, dict) and isinstance(chain.get("link"), int):
        run = _("{run} (its invocation {number}, after a hand-over)", run=run, number=chain["link"] + 1)
    return run


def _record_why(record: dict[str, Any]) -> str:
    """What went wrong, in plain words: never the raw record."""
    context = record.get("requestContext") if isinstance(record.get("requestContext"), dict) else {}
    response = record.get("responsePayload") if isinstance(record.get("responsePayload"), dict) else {}
    condition = str(context.get("condition") or "")
    kind, message = str(response.get("errorType") or ""), str(response.get("errorMessage") or "")
    if condition == HAND_OVER_LIMIT:
        return (
            _("the scorer {message}", message=message) if message else _("the scorer stopped its chain of hand-overs")
        )
    if condition == "EventAgeExceeded":
        return _("it could not start in time (Lambda was busy or throttled); the next scheduled run catches up")
    if "Recursive" in kind or "recursive loop" in message.lower():
        return _("AWS stopped its chain of hand-overs as a recursive loop; the next scheduled run sends the rest")
    if "timed out" in message.lower():
        why = _("it ran out of time")
    elif "OutOfMemory" in kind or "out of memory" in message.lower():
        why = _("it ran out of memory")
    else:
        first = message.strip().splitlines()[0][:160] if message.strip() else ""
        # A Python exception's class name says something; the runtime's own codes (Runtime.HandlerError, ...) not.
        named = kind if kind and "." not in kind else ""
        botocore = _BOTOCORE_ERROR.match(first)
        if botocore:  # "An error occurred (AccessDenied) when calling the GetObject operation: ..."
            named = ""
            first = _(
                "the AWS request {request} was refused: {code}", request=botocore.group(2), code=botocore.group(1)
            )
        detail = ": ".join(part for part in (named, first) if part) or _("no reason given")
        why = _("it stopped with an error ({detail})", detail=detail)
    attempts = context.get("approximateInvokeCount")
    if isinstance(attempts, int) and attempts > 1:
        return _n("{why}, {n} attempt", "{why}, {n} attempts", attempts, why=why)
    return why


def describe_failure(body: str, sent_ms: str | None = None) -> FailedRun:
    """One failure record (Lambda's on-failure invocation record, or the scorer's own) in words."""
    try:
        record = json.loads(body)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        return FailedRun(_record_when({}, sent_ms), _("a scorer run"), _("an unreadable failure record"))
    return FailedRun(_record_when(record, sent_ms), _record_run(record.get("requestPayload")), _record_why(record))


def read_failed_runs(sqs: Any, queue_url: str, dismiss: bool = False) -> list[FailedRun]:
    """Every record in the queue, oldest first. Each is received with a short visibility timeout (so that one
    pass sees each once) and then made visible again at once, or deleted when ``dismiss``."""
    found: dict[str, tuple[str, FailedRun]] = {}
    receipts: list[str] = []
    while len(found) < MAX_FAILURE_RECORDS:
        reply = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=FAILURE_PEEK_SECONDS,
            WaitTimeSeconds=1,  # a long poll asks every SQS server: a short one may miss a record
            MessageSystemAttributeNames=["SentTimestamp"],
        )
        messages = reply.get("Messages") or []
        if not messages:
            break
        for message in messages:
            receipts.append(message["ReceiptHandle"])
            sent = (message.get("Attributes") or {}).get("SentTimestamp")
            found.setdefault(message["MessageId"], (sent or "", describe_failure(message.get("Body", ""), sent)))
    for start in range(0, len(receipts), 10):
        chunk = receipts[start : start + 10]
        if dismiss:
            entries = [{"Id": str(n), "ReceiptHandle": handle} for n, handle in enumerate(chunk)]
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        else:
            entries = [{"Id": str(n), "ReceiptHandle": h, "VisibilityTimeout": 0} for n, h in enumerate(chunk)]
            sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
    return [failed for _, failed in sorted(found.values(), key=lambda item: (item[1].when, item[0]))]


def failed_run_lines(failed: list[FailedRun] | None) -> list[str]:
    label = _("failed runs")
    if failed is None:
        return [_field(label, _("unknown (this deployment has no failure queue: deploy again)"))]
    if not failed:
        return [_field(label, _("none in the last 14 days"))]
    if len(failed) >= MAX_FAILURE_RECORDS:
        count = _("{n} in the last 14 days (the first 100)", n=len(failed))
    else:
        count = _("{n} in the last 14 days", n=len(failed))
    details = _("{count}; details: bin/logs.sh scorer --since 14d", count=count)
    return [_field(label, details)] + [f.line() for f in failed]


def _as_of(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        return parse_instant(raw)
    except ValueError:
        raise ValueError(
            _(
                "--as-of {value} is not an ISO 8601 date-time with offset, e.g. 2026-11-23T23:00:00+01:00",
                value=repr(raw),
            )
        ) from None


def failed_runs(deployed: Deployed, dismiss: bool = False) -> list[FailedRun] | None:
    """The failure queue's records in words; None when the deployment has no queue. ScoreNowError when the
    queue cannot be read."""
    if deployed.failure_queue is None:
        return None
    sqs = boto3.client("sqs", region_name=deployed.region)
    try:
        return read_failed_runs(sqs, deployed.failure_queue, dismiss)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise ScoreNowError(
            _("the list of failed scorer runs could not be read ({reason})", reason=code or _("no reason given"))
        ) from None
    except BotoCoreError:
        raise ScoreNowError(
            _("the list of failed scorer runs could not be read (the AWS endpoint did not answer)")
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """The command line, its output in the class's language."""
    return run_in_class_language(lambda: _main(argv))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0],
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--as-of", help="score as if it were this instant (ISO 8601 with offset; default: now)")
    targets.add_target_options(parser)
    parser.add_argument("--json", action="store_true", help="print the function's summary as JSON")
    parser.add_argument("--status", action="store_true", help="only list the failed runs of the last 14 days")
    parser.add_argument("--dismiss-failures", action="store_true", help="delete the failed runs listed")
    parser.add_argument("--yes", "-y", action="store_true",
                        help="with an --as-of later than now: score the tests due by then all the same")  # fmt: skip
    return parser


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        as_of = _as_of(args.as_of)
    except ValueError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return cli.USAGE
    targets.enter_deployed(args.target, args.region)
    if as_of > datetime.now(UTC) and not args.status:
        if not args.yes:  # refused, naming the open tests it would score (and email the right answers of)
            print("\n".join(score_now_guard.refusal(args.target, as_of)), file=sys.stderr)
            return cli.FAILED
        # Scoring ahead of time closes nothing: the students who have not answered yet can still submit.
        print(
            _(
                "warning: --as-of {moment} is in the future: tests due by then are scored and emailed now, with the "
                "right answers, while they are still open for submissions.",
                moment=to_iso(as_of),
            ),
            file=sys.stderr,
        )
    try:
        deployed = scorer_deployment(args.target)
        if args.status:
            failed = failed_runs(deployed, args.dismiss_failures)
            if args.json:
                print(json.dumps({"failedRuns": [f.to_json() for f in failed] if failed is not None else None}))
            else:
                print("\n".join([_("Scorer status"), *failed_run_lines(failed)]))
            return 0
        client = boto3.client("lambda", region_name=deployed.region, config=INVOKE_CONFIG)
        if not args.json:
            print(
                _(
                    "==> invoking {function} as of {moment} (this can take minutes)",
                    function=deployed.function,
                    moment=to_iso(as_of),
                ),
                flush=True,
            )
        summary = invoke(client, deployed.function, as_of, args.target)
    except (DeploymentError, ScoreNowError) as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return 1
    try:
        failed = failed_runs(deployed, args.dismiss_failures)
        failed_lines = failed_run_lines(failed)
    except ScoreNowError as error:  # the run itself went well: say so, and what could not be read
        failed, failed_lines = None, [_field(_("failed runs"), _("unknown: {error}", error=error))]
    if args.json:
        summary["failedRuns"] = [f.to_json() for f in failed] if failed is not None else None
        print(json.dumps(summary, indent=2))
    else:
        print("\n".join(summary_lines(summary) + failed_lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

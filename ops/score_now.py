"""Run the deployed scorer now (``bin/score-now.sh``): one synchronous invocation, its summary in readable lines.

The scorer is the function the weekly schedule invokes; this invokes it with ``{"asOf": ...}`` (default now) and
waits for its answer, which can take minutes (pacing to the SES send rate). When its time budget runs out the
function hands the remaining emails over to an asynchronous follow-up invocation and says so.

Exit status: 0 when the function ran (failures of single emails are listed, they are part of a run), 1 when the
deployment is missing or the function errored, 2 for a bad option.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from ops.deployment import TARGETS, DeploymentError, stack_outputs_path
from testtime.deadlines import parse_instant, to_iso

# The scorer's own timeout is 900 s (Lambda's maximum); wait a little longer than that, and never retry an
# invocation on our side: a second run would be harmless (exactly-once ledger) but doubles the wait.
INVOKE_CONFIG = Config(connect_timeout=10, read_timeout=960, retries={"total_max_attempts": 1})


class ScoreNowError(Exception):
    """One line for the user; the exit status is 1."""


def scorer_function(target: str) -> tuple[str, str | None]:
    """The scorer's function name and the deployment's region, from build/<target>/stack-outputs.json."""
    path = stack_outputs_path(target)
    try:
        outputs = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeploymentError(f"{path} not found: deploy first (./deploy-api-gateway.sh --target {target})") from None
    except (OSError, ValueError) as error:
        raise DeploymentError(f"{path}: {error}") from None
    name = outputs.get("ScorerFunctionName") if isinstance(outputs, dict) else None
    if not name:
        raise DeploymentError(f"{path} has no ScorerFunctionName: deploy again (./deploy-api-gateway.sh)")
    return str(name), outputs.get("Region") or None


def invoke(client: Any, function: str, as_of: datetime, target: str) -> dict[str, Any]:
    """The scorer's summary; ScoreNowError when it could not be invoked or raised."""
    payload = json.dumps({"asOf": to_iso(as_of)}).encode()
    try:
        response = client.invoke(FunctionName=function, InvocationType="RequestResponse", Payload=payload)
    except EndpointConnectionError:
        where = "start it with: bin/local-aws.sh start" if target == "local" else "check the network"
        raise ScoreNowError(f"cannot reach the {target} AWS endpoint: {where}") from None
    except NoCredentialsError:
        raise ScoreNowError(
            "no usable AWS credentials for --target aws: run `aws configure` or set AWS_PROFILE."
        ) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise ScoreNowError(
                f"the scorer function {function} is not deployed: run ./deploy-api-gateway.sh"
            ) from None
        raise ScoreNowError(f"invoking {function} failed: {code}: {error}") from None
    except BotoCoreError as error:
        raise ScoreNowError(f"invoking {function} failed: {error}") from None
    body = response["Payload"].read()
    try:
        result = json.loads(body) if body else None
    except ValueError:
        result = None
    if response.get("FunctionError"):
        detail = ""
        if isinstance(result, dict):
            detail = f"{result.get('errorType', '')}: {result.get('errorMessage', '')}".strip(": ")
        raise ScoreNowError(f"the scorer failed ({response['FunctionError']}): {detail or body[:300]!r}")
    if not isinstance(result, dict):
        raise ScoreNowError(f"the scorer returned no summary: {body[:300]!r}")
    return result


def _failure_line(failure: dict[str, Any]) -> str:
    where = "/".join(part for part in (failure.get("subject"), failure.get("testId")) if part)
    who = failure.get("studentId") or ""
    place = ", ".join(part for part in (where, who) if part)
    return f"    - {failure.get('kind', '?')}{' ' + place if place else ''}: {failure.get('error', '')}"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    failures = [f for f in summary.get("failures") or [] if isinstance(f, dict)]
    lines = [
        f"Scorer run as of {summary.get('asOf', '?')}",
        f"  tests scored:        {summary.get('testsScored', 0)}",
        f"  submissions scored:  {summary.get('submissionsScored', 0)}",
        f"  missing:             {summary.get('missing', 0)} (students without a submission, summed over tests)",
        f"  emails sent:         {summary.get('emailsSent', 0)}",
        f"  emails failed:       {summary.get('emailsFailed', 0)}",
    ]
    if summary.get("emailsDeferred"):
        lines.append(f"  emails deferred:     {summary['emailsDeferred']} (left for the next run)")
    if "summarySent" in summary:
        lines.append(f"  trainer summary:     {'sent' if summary['summarySent'] else 'not sent (nothing new)'}")
    lines.append(f"  failures:            {len(failures) if failures else 'none'}")
    lines += [_failure_line(f) for f in failures]
    handed = summary.get("handedOver")
    lines.append(
        "  handed over:         "
        + ("yes: a follow-up invocation sends the remaining emails and the summary" if handed else "no")
    )
    return lines


def _as_of(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        return parse_instant(raw)
    except ValueError:
        raise ValueError(
            f"--as-of {raw!r} is not an ISO 8601 date-time with offset, e.g. 2026-11-23T23:00:00+01:00"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/score-now.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--as-of", help="score as if it were this instant (ISO 8601 with offset; default: now)")
    parser.add_argument("--target", choices=TARGETS, default="local", help="deployment target (default: local)")
    parser.add_argument("--json", action="store_true", help="print the function's summary as JSON")
    args = parser.parse_args(argv)
    try:
        as_of = _as_of(args.as_of)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if as_of > datetime.now(UTC):
        # Scoring ahead of time closes nothing: the students who have not answered yet can still submit, and the
        # score emails of the others already name the right answers.
        print(
            f"warning: --as-of {to_iso(as_of)} is in the future: tests due by then are scored and emailed now, "
            "with the right answers, while they are still open for submissions.",
            file=sys.stderr,
        )
    try:
        function, region = scorer_function(args.target)
        client = boto3.client("lambda", region_name=region, config=INVOKE_CONFIG)
        if not args.json:
            print(f"==> invoking {function} as of {to_iso(as_of)} (this can take minutes)", flush=True)
        summary = invoke(client, function, as_of, args.target)
    except (DeploymentError, ScoreNowError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2) if args.json else "\n".join(summary_lines(summary)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

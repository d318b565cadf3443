"""A function's CloudWatch logs (``bin/logs.sh``).

    bin/logs.sh FUNCTION [--since 10m] [--follow] [--raw] [--target local|aws] [--region R]

FUNCTION is a short name (list-tests, get-test, submit-test, scorer, results: the log group
``/aws/lambda/<project_name>-<name>``), a full function name, or a log group name starting with ``/``.
--since takes 30s, 30m, 1h, 2d, 1w, or an ISO 8601 instant (without an offset: the machine's local time).
--follow keeps polling every 2 seconds until Ctrl-C. The functions log one JSON object per line (LoggingConfig
LogFormat JSON, testtime/log.py): each shows its time, level, message, the ids (subject, testId, studentId,
runId), the other fields as key=value, and the first 8 characters of the Lambda request id; Lambda's own
start and report lines likewise. --raw prints the events as CloudWatch holds them (tracebacks included).

Exit status: 0 done (also on Ctrl-C), 1 no such log group or an AWS problem, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ops import cli
from ops import target as targets
from ops.deployment import project_name
from ops.i18n import TRAINER, run_in_class_language

_ = TRAINER.gettext

FUNCTIONS = ("list-tests", "get-test", "submit-test", "scorer", "results", "history")
DEFAULT_SINCE = "10m"
POLL_SECONDS = 2.0
# Late events: each poll looks this far back before the newest event seen, and skips what it printed already.
OVERLAP_MS = 10_000
_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
EXAMPLES = """examples:
  bin/logs.sh list-tests                  the last 10 minutes of /aws/lambda/<project_name>-list-tests
  bin/logs.sh scorer --since 2d           since 30s, 30m, 1h, 2d, 1w ago, or an ISO 8601 instant
  bin/logs.sh submit-test --follow        keep printing new lines (polls every 2 s) until Ctrl-C
  bin/logs.sh get-test --target aws --region eu-west-1    the deployment in a real account

Each JSON line shows as: time, level, message, then subject= testId= studentId= runId= and the other fields,
and request= (the Lambda request id's first 8 characters), e.g.
  2026-12-01T23:00:00.123+01:00 INFO    submission stored  subject=os testId=test01 studentId=student01 ...

exit status: 0 done (also after Ctrl-C), 1 no such log group or an AWS problem, 2 a bad option."""
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class LogsError(Exception):
    """One line for the user; the exit status is 1."""


def parse_since(text: str, now: datetime) -> datetime:
    """30m, 1h, 2d, ... before ``now`` (aware), or an ISO 8601 instant; ValueError for anything else."""
    relative = _RELATIVE.match(text)
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    instant = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return instant if instant.tzinfo else instant.astimezone()  # naive: the machine's local time


def candidate_groups(name: str, project: str) -> list[str]:
    """The log groups FUNCTION may mean, most likely first."""
    if name.startswith("/"):
        return [name]
    if name in FUNCTIONS or not name.startswith(f"{project}-"):
        return [f"/aws/lambda/{project}-{name}", f"/aws/lambda/{name}"]
    return [f"/aws/lambda/{name}"]


def existing_groups(logs: Any, prefix: str) -> list[str]:
    pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix)
    return [group["logGroupName"] for page in pages for group in page.get("logGroups", [])]


def resolve_group(logs: Any, name: str, project: str) -> str | None:
    """The first candidate log group that exists; None when none does."""
    for group in candidate_groups(name, project):
        if group in existing_groups(logs, group):
            return group
    return None


def events(logs: Any, group: str, start_ms: int) -> Iterator[dict[str, Any]]:
    """Every event of the group from start_ms on, page by page, in time order."""
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=start_ms):
        yield from sorted(page.get("events", []), key=lambda event: (event["timestamp"], event.get("ingestionTime", 0)))


def event_key(event: dict[str, Any]) -> tuple[Any, ...]:
    return (event.get("eventId"), event["timestamp"], event.get("logStreamName"), event.get("message"))


def format_event(event: dict[str, Any], *, raw: bool = False) -> str:
    """One line: local time, and the message; a JSON log line as its level, message and fields."""
    when = datetime.fromtimestamp(event["timestamp"] / 1000).astimezone().isoformat(timespec="milliseconds")
    message = str(event.get("message", "")).rstrip("\n")
    if not raw:
        message = _readable(message)
    return f"{when} {message}"


# The ids a trainer searches by come first, in this order; then any other field, as key=value.
ID_FIELDS = ("subject", "testId", "studentId", "runId")
# Shown elsewhere on the line, or too long for one line (--raw prints them).
HIDDEN_FIELDS = frozenset(
    {"timestamp", "time", "level", "log_level", "message", "logger", "requestId", "apiRequestId", "route"}
    | {"traceback", "stackTrace", "location"}
)


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(text, ensure_ascii=False) if not text or any(c.isspace() for c in text) else text


def _fields(record: dict[str, Any], keys: Sequence[str]) -> str:
    shown = [f"{key}={_value(record[key])}" for key in keys if key in record]
    return "  " + " ".join(shown) if shown else ""


def _short_id(request_id: Any) -> str:
    return f"  request={str(request_id)[:8]}" if request_id else ""


def _application_line(record: dict[str, Any]) -> str:
    """{"timestamp", "level", "message", "logger", "requestId", <fields>}: Lambda's JSON format and testtime.log's."""
    text = record["message"] if isinstance(record["message"], str) else json.dumps(record["message"])
    others = [key for key in record if key not in HIDDEN_FIELDS and key not in ID_FIELDS]
    fields = _fields(record, [*ID_FIELDS, *others])
    return f"{record.get('level', 'INFO'):<7} {text}{fields}{_short_id(record.get('requestId'))}"


def _platform_line(record: dict[str, Any]) -> str:
    """{"time", "type": "platform.report", "record": {...}}: Lambda's own lines in the JSON format."""
    kind = str(record["type"])
    details = record.get("record") if isinstance(record.get("record"), dict) else {}
    label = kind.removeprefix("platform.").upper() if kind in ("platform.start", "platform.report") else kind
    flat = {key: value for key, value in details.items() if key not in ("requestId", "metrics", "tracing", "spans")}
    flat.update(details.get("metrics") or {})
    return f"{label:<7} {_fields(flat, list(flat)).lstrip()}{_short_id(details.get('requestId'))}"


def _readable(message: str) -> str:
    try:
        record = json.loads(message)
    except ValueError:
        return message
    if not isinstance(record, dict):
        return message
    if "message" in record:
        return _application_line(record)
    if "errorMessage" in record:  # the runtime's line for an unhandled exception: {"log_level", "errorType", ...}
        text = f"{record.get('errorType', 'Error')}: {record['errorMessage']}"
        return f"{record.get('log_level', 'ERROR'):<7} {text}{_short_id(record.get('requestId'))}"
    if "type" in record:
        return _platform_line(record)
    return message


def follow(
    logs: Any,
    group: str,
    start_ms: int,
    emit: Callable[[str], None],
    *,
    raw: bool = False,
    interval: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    polls: int | None = None,
) -> None:
    """Print new events every ``interval`` seconds until interrupted (or after ``polls`` polls, for tests)."""
    seen: dict[tuple[Any, ...], int] = {}
    newest = start_ms
    done = 0
    while polls is None or done < polls:
        try:
            batch = list(events(logs, group, max(start_ms, newest - OVERLAP_MS)))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            batch = []  # the group appears with the function's first log line
        for event in batch:
            key = event_key(event)
            if key in seen:
                continue
            seen[key] = event["timestamp"]
            newest = max(newest, event["timestamp"])
            emit(format_event(event, raw=raw))
        seen = {key: ts for key, ts in seen.items() if ts >= newest - OVERLAP_MS}
        done += 1
        if polls is None or done < polls:
            sleep(interval)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    # Optional for argparse, so that a mistyped option is named first; required below.
    parser.add_argument("function", metavar="FUNCTION", nargs="?",
                        help=f"{', '.join(FUNCTIONS)}, a function or a log group")  # fmt: skip
    parser.add_argument("--since", default=DEFAULT_SINCE, help="30m, 1h, 2d or an ISO 8601 instant (default: 10m)")
    parser.add_argument("--follow", "-f", action="store_true", help="keep printing new events until Ctrl-C")
    parser.add_argument("--raw", action="store_true", help="print the events as they are")
    targets.add_target_options(parser)
    args = parser.parse_args(argv)
    if args.function is None:
        parser.error("name the function, e.g. bin/logs.sh list-tests")
    try:
        since = parse_since(args.since, datetime.now().astimezone())
    except ValueError:
        parser.error(f"--since: expected 30m, 1h, 2d or an ISO 8601 instant, not {args.since!r}")
    return run_in_class_language(lambda: _run(args, since))


def _run(args: argparse.Namespace, since: datetime) -> int:
    targets.enter_deployed(args.target, args.region)
    start_ms = int(since.timestamp() * 1000)
    logs = boto3.client("logs")
    project = project_name()

    def emit(line: str) -> None:
        print(line, flush=True)

    try:
        group = resolve_group(logs, args.function, project)
        if group is None:
            group = candidate_groups(args.function, project)[0]
            if not args.follow:
                known = existing_groups(logs, f"/aws/lambda/{project}-")
                if known:
                    raise LogsError(_("no log group {group}: the function is not deployed or has not run yet (log "
                                      "groups: {known})", group=group, known=", ".join(known)))  # fmt: skip
                raise LogsError(_("no log group {group}: the function is not deployed or has not run yet (no "
                                  "function of the project has logs)", group=group))  # fmt: skip
            print(_("waiting for {group} (the function has not logged yet) …", group=group), file=sys.stderr,
                  flush=True)  # fmt: skip
        if args.follow:
            follow(logs, group, start_ms, emit, raw=args.raw)
        else:
            for event in events(logs, group, start_ms):
                emit(format_event(event, raw=args.raw))
    except KeyboardInterrupt:
        return cli.DONE
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        return 0
    except LogsError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as error:
        print(_("error: reading the logs failed: {error}", error=error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

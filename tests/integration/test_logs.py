"""bin/logs.sh against the shared deployment: MiniStack writes each invocation's lines (START, the handler's
output, END, REPORT) to the function's log group, so a call through the API shows up; --follow prints new lines
until interrupted. The functions' own lines are JSON (testtime/log.py) and show as time, level, message and the
ids: a submission names its subject, test and student but never its answers, and a scorer run its summary.
The parsing of --since, of FUNCTION and of the JSON lines needs no AWS.

Our own data: a copy of content/ (kept whole) plus the student ``logs01`` and the subject ``logging-checks``
with one test due a week after publishing, whose choice ids are distinctive enough to search the logs for.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from ops.logs import candidate_groups, format_event, parse_since
from tests.integration.harness import ROOT, LocalAws, api_key, copy_sample_content, wait_until_listed

pytestmark = pytest.mark.integration


def list_tests(aws: LocalAws) -> int:
    request = urllib.request.Request(aws.outputs()["ApiUrl"] + "/api/v1/tests", method="POST", data=b"{}")
    request.add_header("x-api-key", api_key(aws, "student01"))
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


def test_since_accepts_durations_and_instants() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert parse_since("30m", now) == datetime(2026, 11, 21, 11, 30, tzinfo=UTC)
    assert parse_since("1h", now) == datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert parse_since("2d", now) == datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
    assert parse_since("2026-11-20T08:00:00Z", now) == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert parse_since("2026-11-20T08:00:00+01:00", now) == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_since("yesterday", now)


def test_function_names_map_to_log_groups() -> None:
    assert candidate_groups("list-tests", "testtime")[0] == "/aws/lambda/testtime-list-tests"
    assert candidate_groups("testtime-scorer", "testtime") == ["/aws/lambda/testtime-scorer"]
    assert candidate_groups("/aws/apigateway/testtime-access", "testtime") == ["/aws/apigateway/testtime-access"]


def test_json_log_lines_show_level_message_and_ids() -> None:
    event = {"timestamp": 0, "message": json.dumps({"level": "ERROR", "message": "boom", "requestId": "r1"})}
    assert format_event(event).endswith("ERROR   boom  request=r1")
    assert format_event(event, raw=True).endswith('"requestId": "r1"}')
    line = {
        "timestamp": "2026-12-01T22:00:00.123Z",
        "level": "INFO",
        "message": "submission stored",
        "logger": "testtime",
        "requestId": "8f507cfc-0000-4697-b07a-ac58fc914c95",
        "apiRequestId": "apigw-1",
        "route": "POST /api/v1/test",
        "answered": 3,
        "studentId": "s1",
        "testId": "t1",
        "subject": "os",
        "detail": "two words",
        "students": ["a", "b"],
        "traceback": "Traceback (most recent call last): ...",
    }
    shown = format_event({"timestamp": 0, "message": json.dumps(line)})
    assert shown.endswith(
        'INFO    submission stored  subject=os testId=t1 studentId=s1 answered=3 detail="two words" '
        'students=["a","b"]  request=8f507cfc'
    )
    report = {
        "time": "2026-12-01T22:00:00.200Z",
        "type": "platform.report",
        "record": {
            "requestId": "8f507cfc-1",
            "metrics": {"durationMs": 12.5, "maxMemoryUsedMB": 60},
            "status": "success",
        },
    }
    assert format_event({"timestamp": 0, "message": json.dumps(report)}).endswith(
        "REPORT  status=success durationMs=12.5 maxMemoryUsedMB=60  request=8f507cfc"
    )
    crash = {"timestamp": "…", "log_level": "ERROR", "errorType": "KeyError", "errorMessage": "'x'", "requestId": "abc"}
    assert format_event({"timestamp": 0, "message": json.dumps(crash)}).endswith("ERROR   KeyError: 'x'  request=abc")
    assert format_event({"timestamp": 0, "message": "START RequestId: r Version: $LATEST"}).endswith(
        "START RequestId: r Version: $LATEST"
    )


def test_logs_show_an_invocation(deployed: LocalAws) -> None:
    assert list_tests(deployed) == 200
    shown = deployed.run("bin/logs.sh", "list-tests", "--since", "10m")
    lines = shown.stdout.splitlines()
    assert any("START RequestId:" in line for line in lines), shown.stdout
    assert any("REPORT RequestId:" in line for line in lines), shown.stdout


def test_an_unknown_function_names_the_log_groups_there_are(deployed: LocalAws) -> None:
    missing = deployed.run("bin/logs.sh", "no-such-function", check=False)
    assert missing.returncode == 1
    assert "no log group /aws/lambda/testtime-no-such-function" in missing.stderr
    assert "/aws/lambda/testtime-list-tests" in missing.stderr


def wait_for(lines: list[str], reports: int, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum("REPORT RequestId:" in line for line in lines) >= reports:
            return True
        time.sleep(0.5)
    return False


def test_follow_prints_new_lines_until_interrupted(deployed: LocalAws) -> None:
    before = deployed.run("bin/logs.sh", "list-tests", "--since", "1h").stdout.count("REPORT RequestId:")
    follower = subprocess.Popen(
        [str(ROOT / "bin/logs.sh"), "list-tests", "--since", "1h", "--follow"],
        cwd=ROOT,
        env=deployed.env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(follower.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        assert wait_for(lines, before), "the first poll did not print the hour's lines"
        assert list_tests(deployed) == 200
        assert wait_for(lines, before + 1), "a later poll did not print the new invocation"
    finally:
        follower.send_signal(signal.SIGINT)
        follower.wait(timeout=30)
        reader.join(timeout=10)
    assert follower.returncode == 0, follower.stderr.read() if follower.stderr else ""
    assert sum("REPORT RequestId:" in line for line in lines) == before + 1, lines


SUBJECT = "logging-checks"
TEST_ID = "quiz01"
STUDENT = "logs01"
RIGHT, WRONG = "right-7q3z", "wrong-7q3z"  # choice ids no other line of the logs contains


@dataclass
class LoggedRun:
    aws: LocalAws
    since: str  # ISO instant before this module's requests
    key: str  # the student's API key


@pytest.fixture(scope="module")
def logged_run(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> LoggedRun:
    """Our student submits our test through the API, then bin/score-now.sh runs the scorer once."""
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")
    content = copy_sample_content(tmp_path_factory.mktemp("logs") / "content")
    class_list = yaml.safe_load((content / "students.yml").read_text(encoding="utf-8"))
    class_list.append({"id": STUDENT, "name": "Log Checker", "email": f"{STUDENT}@example.com"})
    (content / "students.yml").write_text(yaml.safe_dump(class_list, allow_unicode=True), encoding="utf-8")
    questions = [
        {
            "id": number,
            "text": f"Logging question {number}?",
            "choices": {RIGHT: "right", WRONG: "wrong"},
            "answer": RIGHT,
        }
        for number in (1, 2)
    ]
    due = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
    (content / "subjects" / SUBJECT).mkdir()
    document = {"title": "Logging checks", "due": due, "questions": questions}
    (content / "subjects" / SUBJECT / f"{TEST_ID}.yml").write_text(yaml.safe_dump(document), encoding="utf-8")
    deployed.run("update-subjects-or-students.sh", "--content", str(content))
    wait_until_listed(deployed, STUDENT, SUBJECT, TEST_ID)
    key = api_key(deployed, STUDENT)
    body = {
        "subjectName": SUBJECT,
        "testId": TEST_ID,
        "answers": [{"questionId": "1", "answer": WRONG}, {"questionId": "2", "answer": RIGHT}],
    }
    request = urllib.request.Request(
        deployed.outputs()["ApiUrl"] + "/api/v1/test", method="POST", data=json.dumps(body).encode()
    )
    request.add_header("x-api-key", key)
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201
    deployed.run("bin/score-now.sh")  # our test is not due: the run has nothing of ours to score
    return LoggedRun(deployed, since, key)


def shown(run: LoggedRun, function: str, *options: str) -> list[str]:
    return run.aws.run("bin/logs.sh", function, "--since", run.since, *options).stdout.splitlines()


def test_a_submission_shows_its_ids_and_never_its_answers(logged_run: LoggedRun) -> None:
    lines = shown(logged_run, "submit-test")
    stored = [line for line in lines if " submission stored  " in line]
    assert len(stored) == 1, lines
    assert f"subject={SUBJECT} testId={TEST_ID} studentId={STUDENT} answered=2 questionCount=2" in stored[0]
    assert stored[0].split(" ", 2)[1] == "INFO"
    raw = "\n".join(shown(logged_run, "submit-test", "--raw"))
    assert RIGHT not in raw and WRONG not in raw, "an answer in the submit function's log"
    assert logged_run.key not in raw, "the student's API key in the log"
    [record] = [json.loads(text.split(" ", 1)[1]) for text in raw.splitlines() if "submission stored" in text]
    assert (record["subject"], record["testId"], record["studentId"]) == (SUBJECT, TEST_ID, STUDENT)
    assert record["requestId"] and record["apiRequestId"] and record["logger"] == "testtime"
    assert "answers" not in record


def test_a_scorer_run_shows_what_it_did_not_only_start_and_end(logged_run: LoggedRun) -> None:
    lines = shown(logged_run, "scorer")
    assert any("START RequestId:" in line for line in lines), lines
    summary = [line for line in lines if " scorer run" in line]
    assert summary and all(line.split(" ", 2)[1] == "INFO" for line in summary), lines
    raw = "\n".join(shown(logged_run, "scorer", "--raw"))
    assert RIGHT not in raw and WRONG not in raw, "an answer in the scorer's log"


def test_every_function_is_deployed_with_the_json_log_format(deployed: LocalAws) -> None:
    lambdas = deployed.client("lambda")
    logs = deployed.client("logs")
    for name in ("list-tests", "get-test", "submit-test", "scorer", "results", "history"):
        config: dict[str, Any] = lambdas.get_function_configuration(FunctionName=f"testtime-{name}")
        group = f"/aws/lambda/testtime-{name}"
        assert config["LoggingConfig"] == {
            "LogFormat": "JSON",
            "ApplicationLogLevel": "INFO",
            "SystemLogLevel": "INFO",
            "LogGroup": group,
        }, name
        [described] = [
            g for g in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] if g["logGroupName"] == group
        ]
        assert described.get("retentionInDays"), f"{group} keeps its logs forever"

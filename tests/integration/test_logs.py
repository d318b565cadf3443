"""bin/logs.sh against the shared deployment: MiniStack writes each invocation's lines (START, the handler's
output, END, REPORT) to the function's log group, so a call through the API shows up; --follow prints new lines
until interrupted. The parsing of --since and of FUNCTION needs no AWS."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime

import pytest

from ops.logs import candidate_groups, format_event, parse_since
from tests.integration.harness import ROOT, LocalAws, api_key

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


def test_json_log_lines_show_level_and_message() -> None:
    event = {"timestamp": 0, "message": json.dumps({"level": "ERROR", "message": "boom", "requestId": "r1"})}
    assert format_event(event).endswith("ERROR   boom")
    assert format_event(event, raw=True).endswith('"requestId": "r1"}')


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

"""The scorer's log: one JSON line per decision that matters, with the ids a trainer searches by, and never an
email address, an answer, an answer key or an email body (testtime.log prints to stdout in the Text format)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from scorer_support import runner

from tests.support.lean_transport import lean_objects
from testtime import layout
from testtime.handlers import scorer


def decisions(captured: str) -> list[dict[str, Any]]:
    """The log lines of the scorer's decisions (the scorer logs nothing else at INFO and above)."""
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def by_message(lines: list[dict[str, Any]], message: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["message"] == message]


def test_a_run_logs_each_decision(world: Any, ses: Any, clock: Any, capsys: pytest.CaptureFixture[str]) -> None:
    world.seed_test(students=4)
    world.submit("student01", "acac")
    world.submit("student02", "ab--")
    world.put(layout.submission_key("os", "test01", "student03"), b"{oops")
    capsys.readouterr()
    result = runner(world, ses, clock, request_id="run-1")()
    lines = decisions(capsys.readouterr().out)

    [scored] = by_message(lines, "test scored")
    assert {
        k: scored[k] for k in ("subject", "testId", "submissionsScored", "corrupt", "missing", "scoresWritten")
    } == {
        "subject": "os",
        "testId": "test01",
        "submissionsScored": 2,
        "corrupt": 1,
        "missing": 1,
        "scoresWritten": 2,
    }
    [failure] = by_message(lines, "scorer failure")
    assert (failure["kind"], failure["subject"], failure["testId"], failure["studentId"]) == (
        "corrupt-submission",
        "os",
        "test01",
        "student03",
    )
    assert failure["error"].startswith("testResult.json is not JSON") and failure["level"] == "WARNING"
    [sent] = by_message(lines, "emails sent")
    assert (sent["subject"], sent["testId"], sent["emailsSent"], sent["emailsFailed"]) == ("os", "test01", 2, 0)
    assert all(line["runId"] == "run-1" == result.run_id for line in lines)
    text = json.dumps(lines)
    assert "@example.org" not in text  # no address
    assert "Right answer" not in text and "choice c of 2" not in text  # no email body, no question
    assert '"answer"' not in text and '"acac"' not in text  # no answer, no answer key


def test_stopped_sending_and_the_hand_over_are_logged(
    world: Any, ses: Any, clock: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ses.rate = 1.0
    world.seed_test(students=4)
    for n in range(1, 5):
        world.submit(f"student{n:02d}", "acac")
    handed: list[dict[str, Any]] = []
    capsys.readouterr()
    first = runner(world, ses, clock, budget_ms=2500, invoke=handed.append, safety_margin_ms=1000)()
    assert first.handed_over and first.emails_sent == 1
    lines = decisions(capsys.readouterr().out)
    [stopped] = by_message(lines, "sending stopped")
    assert (stopped["reason"], stopped["emailsLeft"]) == ("budget", 3)
    [handover] = by_message(lines, "handed over")
    assert (handover["link"], handover["emailsPending"]) == (1, 3)


def test_the_handler_logs_the_runs_summary_line(
    monkeypatch: pytest.MonkeyPatch, world: Any, ses: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {
        "DATA_BUCKET": world.bucket,
        "SENDER_EMAIL": world.sender,
        "TRAINER_EMAIL": world.trainer,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(scorer, "_ses_client", lambda: ses)
    monkeypatch.setattr(scorer, "_objects", lambda settings: lean_objects(settings.bucket))  # served by moto
    world.seed_test(students=2)
    world.submit("student01", "acac")
    capsys.readouterr()
    result = scorer.handler({"asOf": "2026-11-24T06:00:00Z"}, None)
    [summary] = by_message(decisions(capsys.readouterr().out), "scorer run")
    assert (summary["testsScored"], summary["emailsSent"], summary["missing"], summary["failures"]) == (1, 1, 1, 0)
    assert summary["runId"] == result["runId"] and summary["summarySent"] is True
    assert "s3Requests" in summary and "timings" in summary

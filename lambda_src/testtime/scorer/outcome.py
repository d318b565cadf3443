"""What one scorer invocation did (its JSON answer and the log's figures), and its phases' timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from testtime.scorer.failures import Failure


@dataclass
class RunResult:
    as_of: str
    run_id: str
    link: int
    tests_scored: int = 0
    submissions_scored: int = 0
    scores_written: int = 0
    missing: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    emails_deferred: int = 0
    reminders_sent: int = 0
    regrade_notices_sent: int = 0
    summary_sent: bool = False
    handed_over: bool = False
    failures: list[Failure] = field(default_factory=list)
    # Metrics only (wall seconds per phase, for the handler's summary and bench/scorer.py); not in to_json.
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of,
            "testsScored": self.tests_scored,
            "submissionsScored": self.submissions_scored,
            "missing": self.missing,
            "emailsSent": self.emails_sent,
            "emailsFailed": self.emails_failed,
            "failures": [f.to_json() for f in self.failures],
            "handedOver": self.handed_over,
            "scoresWritten": self.scores_written,
            "emailsDeferred": self.emails_deferred,
            "summarySent": self.summary_sent,
            "remindersSent": self.reminders_sent,
            "regradeNoticesSent": self.regrade_notices_sent,
            "runId": self.run_id,
            "link": self.link,
        }


class Phases:
    """Wall and CPU seconds (all threads of the process) per phase of the run, into ``timings``."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.started = self.lap = time.monotonic()
        self.cpu_lap = time.process_time()

    def done(self, name: str) -> None:
        now, cpu = time.monotonic(), time.process_time()
        self.timings[name] = round(now - self.lap, 3)
        self.timings[name.replace("Seconds", "CpuSeconds")] = round(cpu - self.cpu_lap, 3)
        self.timings["totalSeconds"] = round(now - self.started, 3)
        self.lap, self.cpu_lap = now, cpu

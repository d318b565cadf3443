"""Helpers of the scorer's run tests (shared by test_scorer_run.py, test_scorer_lease.py and
test_scorer_logging.py, so that no test module imports another): one run with the fake clock, and what it sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.support.lean_transport import lean_objects
from testtime import layout
from testtime.mailer import Mailer
from testtime.scorer.data import S3Data
from testtime.scorer.handover import Continuation
from testtime.scorer.ledger import read_email_ledger
from testtime.scorer.run import RunResult, Runtime, run
from testtime.scorer.settings import Settings

AS_OF = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SCORE_SUBJECT = "[os] [test01] Test score"


def runner(
    world: Any,
    ses: Any,
    clock: Any,
    *,
    budget_ms: float = float("inf"),
    invoke: Callable[[dict[str, Any]], None] | None = None,
    request_id: str = "",
    **settings: Any,
) -> Callable[..., RunResult]:
    """A function doing one run (one invocation) with the fake clock; each call gets a fresh time budget."""
    options: dict[str, Any] = {"send_concurrency": 1, "safety_margin_ms": 1000, "read_concurrency": 4}
    options.update(settings)
    config = Settings(world.bucket, world.sender, world.trainer, **options)

    def one(as_of: datetime = AS_OF, continuation: Continuation | None = None) -> RunResult:
        started = clock.t
        runtime = Runtime(
            now=clock.now,
            remaining_ms=lambda: budget_ms - (clock.t - started) * 1000,
            invoke=invoke,
            request_id=request_id,
        )
        mailer = Mailer(ses, world.sender, clock=clock.monotonic, sleep=clock.sleep)
        return run(config, S3Data(world.bucket, lean_objects(world.bucket)), mailer, runtime, as_of, continuation)

    return one


def email_record(world: Any, subject: str, test_id: str, sid: str) -> Any:
    """The ledger's record of one student's email (in a batch, or the student's own after a claim)."""
    record = read_email_ledger(
        S3Data(world.bucket, lean_objects(world.bucket)), layout.score_emails(subject, test_id)
    ).get(sid)
    return None if record is None else record.to_json()


def student_mails(ses: Any) -> list[Any]:
    return [s for s in ses.sent if s.to != "trainer@example.org"]


def summaries(ses: Any) -> list[Any]:
    return [s for s in ses.sent if s.to == "trainer@example.org"]

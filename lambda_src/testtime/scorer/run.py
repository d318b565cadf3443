"""One scorer invocation: score every test past its deadline, email each student once, summarise for the trainer.

AWS I/O is injected (S3 through :class:`~.data.S3Data`, SES through :class:`testtime.mailer.Mailer`, the
hand-over through an ``invoke`` callable) together with the clocks, so tests can simulate quotas and budgets.
The order: read the catalog and class list; :mod:`.grading` prepares and scores each test; :mod:`.ledger` takes
the sending lease of each test with emails to send; :mod:`.sending` sends them; then either the rest is handed
over to a follow-up invocation (:mod:`.handover`) or :mod:`.summary` tells the trainer.

Threads: everything here runs on the invocation's thread; the parts say what their own threads touch.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from testtime import layout
from testtime.deadlines import to_iso
from testtime.documents.catalog import CatalogTest, parse_catalog
from testtime.documents.class_list import ClassList, parse_class_list
from testtime.documents.codec import MalformedDocument
from testtime.log import bound, log
from testtime.mailer import Mailer
from testtime.scorer import grading
from testtime.scorer.data import S3Data
from testtime.scorer.failures import Failure, FailureKind, FailureLog
from testtime.scorer.handover import Continuation
from testtime.scorer.ledger import Invocation, TestLedger
from testtime.scorer.sending import BUDGET, Sending, emails_to_send, send_emails
from testtime.scorer.settings import Settings
from testtime.scorer.summary import TrainerSummary


@dataclass
class Runtime:
    """What the run needs from its surroundings; all injectable."""

    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    remaining_ms: Callable[[], float] = lambda: float("inf")
    invoke: Callable[[dict[str, Any]], None] | None = None  # asynchronous self-invocation for the hand-over
    report_failure: Callable[[str], None] | None = None  # records a run the scorer had to stop (failure queue)
    request_id: str = ""


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
            "runId": self.run_id,
            "link": self.link,
        }


class _Phases:
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


class ScorerRun:
    def __init__(
        self,
        settings: Settings,
        data: S3Data,
        mailer: Mailer,
        runtime: Runtime,
        as_of: datetime,
        continuation: Continuation | None = None,
    ) -> None:
        self.settings, self.data, self.mailer, self.runtime, self.as_of = settings, data, mailer, runtime, as_of
        self.earlier = continuation or Continuation(runtime.request_id or uuid.uuid4().hex)
        self.result = RunResult(to_iso(as_of), self.earlier.run_id, self.earlier.link)
        self.failures = FailureLog()
        # Names this invocation's ledger batches apart: a retried asynchronous invocation keeps its request id.
        self.catalog_unreadable = False
        self.writer = Invocation(self.earlier.run_id, self.earlier.link, uuid.uuid4().hex[:12])

    def execute(self) -> RunResult:
        with bound(runId=self.earlier.run_id, link=self.earlier.link):  # on every line, from every thread
            try:
                return self._execute()
            finally:
                self.result.failures = self.failures.found()

    def _execute(self) -> RunResult:
        phases = _Phases(self.result.timings)
        due = self._due_tests()
        students = self._class_list()
        works = []
        for test in due:
            try:
                works.append(grading.prepare(self.data, test, self.settings.scale, self.failures, self.as_of))
            except (ClientError, BotoCoreError) as error:  # this test waits for the next run, the others go on
                self.failures.add(Failure(FailureKind.READ_ERROR, f"S3: {error}", test.subject, test.test_id))
        phases.done("prepareSeconds")
        written = grading.score_submissions(
            self.data,
            works,
            self.settings.scale,
            self.settings.read_concurrency,
            to_iso(self.runtime.now()),
            self.failures,
        )
        self.result.scores_written = sum(written.values())
        self._tally_scores(works, students, written)
        for work in works:
            grading.save_state(self.data, work)
        phases.done("scoringSeconds")
        sending = self._send_student_emails(works, students)
        for work in works:
            grading.save_state(self.data, work)
        phases.done("sendingSeconds")
        sent_by_test = Counter(name for outcome in sending.outcomes for name in outcome.sent_tests)
        self._log_emails(works, sending, sent_by_test)
        pending = sending.left if sending.stop_reason == BUDGET else 0
        if sending.stop_reason != BUDGET:
            self.result.emails_deferred += sending.left  # daily quota: the next scheduled run carries on
        if pending and self._hand_over(pending, sent_by_test):
            return self.result
        chain = self.earlier.plus(
            self.result.emails_sent, self.result.emails_failed, sent_by_test, self.failures.carried()
        )
        summary = TrainerSummary(
            self.data,
            self.mailer,
            self.settings.trainer,
            self.runtime.now,
            self.settings.claim_timeout_s,
            self.earlier.run_id,
        )
        self.result.summary_sent = summary.send(
            self.as_of,
            works,
            students.by_id(),
            self.failures.found(),
            chain,
            self.result.emails_deferred,
            self.failures,
            alarm=self.catalog_unreadable,
        )
        phases.done("summarySeconds")
        return self.result

    def _due_tests(self) -> list[CatalogTest]:
        """The catalog's tests past their deadline; a catalog that cannot be read scores nothing (as the API
        refuses it), a skipped entry is named."""
        try:
            catalog = parse_catalog(layout.CATALOG, self.data.get(layout.CATALOG))
        except MalformedDocument as error:
            self.failures.add(Failure(FailureKind.CATALOG, grading.problem_of(error)))
            self.catalog_unreadable = True  # the trainer is told at once, whatever else the run has to say
            return []
        for problem in catalog.problems:
            self.failures.add(Failure(FailureKind.CATALOG, f"{layout.CATALOG} {problem}"))
        return catalog.due_by(self.as_of)

    def _class_list(self) -> ClassList:
        try:
            students = parse_class_list(layout.STUDENTS_LIST, self.data.get(layout.STUDENTS_LIST))
        except MalformedDocument as error:
            self.failures.add(Failure(FailureKind.READ_ERROR, grading.problem_of(error)))
            return ClassList()
        for problem in students.problems:  # the entry is skipped, as the API skips it
            log("WARNING", "class list entry skipped", problem=problem)
        return students

    def _tally_scores(self, works: Sequence[grading.TestProgress], students: ClassList, written: Counter[str]) -> None:
        class_ids = students.ids()
        for work in works:
            if work.key is None:
                continue
            absent = len(grading.missing(work, class_ids))
            later = len(grading.waiting(work, class_ids))
            self.result.tests_scored += 1
            self.result.submissions_scored += len(work.rows)
            self.result.missing += absent
            for sid, error in sorted(work.corrupt.items()):
                self.failures.add(
                    Failure(FailureKind.CORRUPT_SUBMISSION, error, work.test.subject, work.test.test_id, sid)
                )
            log(
                "INFO",
                "test scored",
                subject=work.test.subject,
                testId=work.test.test_id,
                submissionsScored=len(work.rows),
                corrupt=len(work.corrupt),
                missing=absent,
                pending=later,
                scoresWritten=written[work.name],
            )

    def _send_student_emails(self, works: Sequence[grading.TestProgress], students: ClassList) -> Sending:
        """Take the leases, send within the time budget and the daily quota, record, release."""
        ledgers: dict[str, TestLedger] = {}
        # A run as of a later time (bin/score-now.sh --as-of) acts as of then, as it scores.
        moment = max(self.runtime.now(), self.as_of)
        for work in works:
            if not work.pending:
                continue
            if not work.test.closed_for_everybody(moment):
                # A score, with the student's own answers, gives the key away (all right: those are the answers)
                # to a classmate whose extension still runs: the emails wait for the test to close for everybody.
                # They stay unsent, so a later run finds them again.
                log("INFO", "score emails held", subject=work.test.subject, testId=work.test.test_id,
                    emailsHeld=len(work.pending), until=to_iso(work.test.closes_for_everybody))  # fmt: skip
                work.pending = {}
                continue
            ledger = TestLedger(
                self.data,
                work.test.subject,
                work.test.test_id,
                self.writer,
                self.runtime.now,
                self.failures,
                self.settings.claim_timeout_s,
                self.settings.ledger_batch,
                self.settings.ledger_batch_s,
            )
            view = ledger.take_lease()
            if view is None:
                work.pending = {}  # another invocation is sending this test's emails now (or S3 failed)
                continue
            ledgers[work.name] = ledger
            work.emailed |= view.sent
            work.pending = {sid: s for sid, s in work.pending.items() if view.complete and sid not in view.sent}
        emails = emails_to_send(works, students.by_id(), self.settings.one_per_student, self.failures)
        try:
            sending = send_emails(
                emails,
                ledgers,
                self.mailer,
                self.runtime.remaining_ms,
                self.settings.safety_margin_ms,
                self.settings.send_concurrency,
                self.failures,
            )
        finally:
            for ledger in ledgers.values():  # record what was sent even when something broke off the sending
                ledger.flush()
        for ledger in ledgers.values():  # not reached after an unexpected error: those leases expire
            ledger.release()
        for outcome in sending.outcomes:
            for work, sid in outcome.emailed:
                work.emailed.add(sid)
            self.result.emails_failed += outcome.failed
            self.result.emails_sent += bool(outcome.sent_tests)
        return sending

    def _log_emails(self, works: Sequence[grading.TestProgress], sending: Sending, sent: Counter[str]) -> None:
        """One line per test with emails sent or failed in this invocation: the counts, never an address."""
        failed = Counter(work.name for outcome in sending.outcomes if outcome.failed for work, _ in outcome.attempted)
        for work in works:
            if sent[work.name] or failed[work.name]:
                log(
                    "INFO",
                    "emails sent",
                    subject=work.test.subject,
                    testId=work.test.test_id,
                    emailsSent=sent[work.name],
                    emailsFailed=failed[work.name],
                )

    def _hand_over(self, pending: int, sent_by_test: Counter[str]) -> bool:
        """Invoke the next link for the ``pending`` emails; False (and named) when that is not possible."""
        link = self.earlier.link
        if self.runtime.invoke is None or link + 1 >= self.settings.max_links:
            why = "no way to invoke a follow-up" if self.runtime.invoke is None else "too many hand-overs"
            self.failures.add(
                Failure(FailureKind.HANDOVER, f"{pending} emails left for the next run: {why}"), carry=True
            )
            self.result.emails_deferred += pending
            if self.runtime.invoke is not None and self.runtime.report_failure is not None:
                self.runtime.report_failure(
                    f"stopped after {link + 1} invocations (the most one run may chain) with {pending} "
                    "emails still to send; the next scheduled run sends them"
                )
            return False
        following = self.earlier.plus(
            self.result.emails_sent, self.result.emails_failed, sent_by_test, self.failures.carried()
        ).next_link()
        try:
            self.runtime.invoke({"asOf": to_iso(self.as_of), "continuation": following.to_event()})
        except (ClientError, BotoCoreError) as error:
            self.failures.add(
                Failure(FailureKind.HANDOVER, f"{pending} emails left for the next run: {error}"), carry=True
            )
            self.result.emails_deferred += pending
            return False
        log("INFO", "handed over", link=following.link, emailsPending=pending)
        self.result.handed_over = True
        return True


def run(
    settings: Settings,
    data: S3Data,
    mailer: Mailer,
    runtime: Runtime,
    as_of: datetime,
    continuation: Continuation | None = None,
) -> RunResult:
    return ScorerRun(settings, data, mailer, runtime, as_of, continuation).execute()

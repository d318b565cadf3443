"""One scorer invocation: score every test past its deadline, email each student once, summarise for the trainer.

AWS I/O is injected (S3 through :class:`~.data.S3Data`, SES through :class:`testtime.mailer.Mailer`, the
hand-over through an ``invoke`` callable) together with the clocks, so tests can simulate quotas and budgets.
The order: read the catalog and class list; :mod:`.grading` prepares and scores each test; :mod:`.ledger` takes
the sending lease of each test with emails to send; :mod:`.sending` sends them; then either the rest is handed
over to a follow-up invocation (:mod:`.handover`) or :mod:`.summary` tells the trainer.

Threads: everything here runs on the invocation's thread; the parts say what their own threads touch.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from testtime import layout
from testtime.deadlines import to_iso
from testtime.documents import scorer_records as records
from testtime.documents.catalog import CatalogTest, parse_catalog
from testtime.documents.class_list import ClassList, parse_class_list
from testtime.documents.codec import MalformedDocument
from testtime.documents.regrades import Regrade
from testtime.log import bound, log
from testtime.mailer import Mailer
from testtime.scorer import grading, regrading, reminders
from testtime.scorer.data import S3Data
from testtime.scorer.failures import Failure, FailureKind, FailureLog
from testtime.scorer.handover import Continuation
from testtime.scorer.ledger import Invocation, TestLedger, read_email_ledger
from testtime.scorer.notices import NoticeGroup, send_notices
from testtime.scorer.outcome import Phases, RunResult
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
        self.catalog: list[CatalogTest] = []  # every readable test of the catalog (reminders look at open ones)
        self.writer = Invocation(self.earlier.run_id, self.earlier.link, uuid.uuid4().hex[:12])

    def execute(self) -> RunResult:
        with bound(runId=self.earlier.run_id, link=self.earlier.link):  # on every line, from every thread
            try:
                return self._execute()
            finally:
                self.result.failures = self.failures.found()

    def _execute(self) -> RunResult:
        phases = Phases(self.result.timings)
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
            self._find_regrade(work)  # recorded before the state cache moves on to the new version
            grading.save_state(self.data, work)
        phases.done("scoringSeconds")
        sending = self._send_student_emails(works, students)
        for work in works:
            grading.save_state(self.data, work)
        phases.done("sendingSeconds")
        self._send_notices(works, students)
        for work in works:
            grading.save_state(self.data, work)
        phases.done("noticesSeconds")
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
            zone=self.settings.zone,
            scale=self.settings.scale,
        )
        self.result.summary_sent = summary.send(
            self.as_of,
            [work for work in works if not work.deferred],
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
        self.catalog = list(catalog.tests.values())
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

    def _ledger(self, test: CatalogTest, place: layout.LedgerPlace | None = None) -> TestLedger:
        return TestLedger(
            self.data,
            test.subject,
            test.test_id,
            self.writer,
            self.runtime.now,
            self.failures,
            self.settings.claim_timeout_s,
            self.settings.ledger_batch,
            self.settings.ledger_batch_s,
            place,
        )

    def _find_regrade(self, work: grading.TestProgress) -> None:
        """A test rescored at a new version: record whose emailed score changed (regrading.py). The students known
        emailed are taken from the score ledger too (the state cache may lag behind it); when the changes
        cannot be known whole or recorded, the test waits for the next run at its old version."""
        if not work.before or work.key is None:
            return
        try:
            ledger = read_email_ledger(self.data, layout.score_emails(work.test.subject, work.test.test_id))
            work.emailed |= {sid for sid, record in ledger.items() if record and record.status == records.SENT}
        except (ClientError, BotoCoreError) as error:
            self.failures.add(Failure(FailureKind.READ_ERROR, f"S3: {error}", work.test.subject, work.test.test_id))
            return self._defer(work)
        found = regrading.find_changes(work, self.runtime.now())
        if found is None:
            return None
        if regrading.incomplete(work) or regrading.record_changes(self.data, work, found, self.failures) is None:
            return self._defer(work)
        log("INFO", "test regraded", subject=work.test.subject, testId=work.test.test_id,
            scoresChanged=len(found.changes))  # fmt: skip
        return None

    @staticmethod
    def _defer(work: grading.TestProgress) -> None:
        """Nothing of this test is saved, sent or reported by this run: the next one compares again."""
        log("WARNING", "regrade deferred", subject=work.test.subject, testId=work.test.test_id)
        work.deferred, work.pending = True, {}

    def _send_notices(self, works: Sequence[grading.TestProgress], students: ClassList) -> None:
        """Regrade notices still owed, then the reminders due now, in what is left of the budget."""
        by_id = students.by_id()
        regrades: list[tuple[grading.TestProgress, list[tuple[str, Regrade, NoticeGroup]]]] = []
        groups: list[NoticeGroup] = []
        for work in works:
            if work.regrading and work.key is not None and not work.deferred:
                owed = regrading.notice_groups(self.data, work, by_id, self._ledger, self.failures)
                regrades.append((work, owed))
                groups += [group for _, _, group in owed]
        # A run as of a later time (bin/score-now.sh --as-of) reminds as of then, as it scores.
        moment = max(self.runtime.now(), self.as_of)
        try:
            groups += reminders.reminder_groups(
                self.data, self.catalog, students.students, moment, self.settings, self._ledger
            )
        except (ClientError, BotoCoreError) as error:  # reminders wait for the next run
            self.failures.add(Failure(FailureKind.READ_ERROR, f"reminders: S3: {error}"))
        outcome = send_notices(
            groups,
            self.mailer,
            self.runtime.remaining_ms,
            self.settings.safety_margin_ms,
            self.settings.send_concurrency,
            self.failures,
        )
        for work, owed in regrades:
            regrading.settle(work, owed, by_id)
        self.result.reminders_sent = outcome.sent["reminder"]
        self.result.regrade_notices_sent = outcome.sent["regrade"]
        self.result.emails_failed += outcome.failed

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
            ledger = self._ledger(work.test)
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

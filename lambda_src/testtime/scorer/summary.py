"""The trainer's summary: one email per run with anything new, and the ledger of the tests it covered.

A test is covered once per scoring version and set of settled students: the summary ledger
(``scorer/summaries/<subject>/<test>.json``) is claimed before the email (create-only, or If-Match over a failed or
stale claim) and records the outcome after, with the students it covered, so that every student scored later (a
late deadline of their own, a test reopened) is reported, marked new, by the run that scores them; a record
without the names (written before they were recorded) covers every student except one whose extension ran past
the time it was sent. A test covered before at another version was regraded: its section lists whose score
changed (the regrade record of the version). Runs on the run's own thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError

from testtime import layout
from testtime.analysis import analyse
from testtime.documents import scorer_records as records
from testtime.documents.class_list import Student
from testtime.documents.codec import MalformedDocument
from testtime.documents.regrades import parse_regrade
from testtime.i18n import MAIL
from testtime.mailer import Mailer, SendFailed
from testtime.notices import RegradeChange
from testtime.scorer import regrading
from testtime.scorer.data import S3Data
from testtime.scorer.failures import STATE_KINDS, Failure, FailureKind, FailureLog
from testtime.scorer.grading import TestProgress, missing, settled, waiting
from testtime.scorer.handover import Continuation
from testtime.scoring import GradeScale
from testtime.summary_email import SummaryCounts, SummaryRow, SummaryTest, trainer_summary

_ = MAIL.gettext


class TrainerSummary:
    def __init__(
        self,
        data: S3Data,
        mailer: Mailer,
        trainer: str,
        now: Callable[[], datetime],
        claim_timeout_s: int,
        run_id: str,
        zone: ZoneInfo | None = None,
        scale: GradeScale | None = None,
    ) -> None:
        self.data, self.mailer, self.trainer, self.now, self.run_id = data, mailer, trainer, now, run_id
        self.claim_timeout = timedelta(seconds=claim_timeout_s)
        self.zone, self.scale = zone or ZoneInfo("UTC"), scale or GradeScale()

    def _claim(self, work: TestProgress) -> bool:
        """Claim the test's summary ledger; False when another run is covering the test right now."""
        key = layout.summary_ledger_key(work.test.subject, work.test.test_id)
        claim = records.summary_record_document(
            records.SummaryRecord(records.SENDING, work.version, self.run_id, claimed_at=self.now())
        )
        if work.summary is None:
            return self.data.put_if_absent(key, claim)
        record = work.summary.record
        live = (
            record is not None
            and record.claimed_at is not None
            and self.now() - record.claimed_at <= self.claim_timeout
        )
        if record is not None and record.status == records.SENDING and live:
            return False  # another run is sending the summary of this test right now
        return self.data.put_if_match(key, claim, work.summary.etag)

    @staticmethod
    def _covered(work: TestProgress, class_ids: Sequence[str]) -> bool:
        """Whether a summary already reported the test at its scoring version with every settled student."""
        record = work.summary.record if work.summary else None
        if record is None or not record.covers(work.version):
            return False
        now_settled = settled(work, class_ids)
        if record.students is not None:
            return now_settled <= set(record.students)
        sent_at = record.covered_at
        return sent_at is None or not any(
            work.test.extension_for(sid) is not None and work.test.deadline_for(sid) > sent_at for sid in now_settled
        )

    def _record(self, work: TestProgress, record: records.SummaryRecord) -> None:
        key = layout.summary_ledger_key(work.test.subject, work.test.test_id)
        self.data.put(key, records.summary_record_document(record))

    def send(
        self,
        as_of: datetime,
        works: Sequence[TestProgress],
        students: Mapping[str, Student],
        found: Sequence[Failure],
        chain: Continuation,
        emails_deferred: int,
        failures: FailureLog,
        alarm: bool = False,
    ) -> bool:
        """Send the summary when there is news: a test not covered at its version, emails of this run (all its
        links, ``chain``), or an ``alarm`` (nothing could be scored: the catalog is unreadable); whether it was
        sent. ``found`` are this invocation's failures."""
        class_ids = list(students)
        new = [work for work in works if not self._covered(work, class_ids)]
        chain_news = chain.emails_sent or chain.emails_failed or chain.failures or alarm
        if not new and not chain_news:
            return False
        new = [work for work in new if self._claim(work)]  # another run may be covering some
        if not new and not chain_news:
            return False
        names = {work.name for work in new}
        shown = [f for f in found if f.kind not in STATE_KINDS or f.test_name in names]
        seen = set(shown)
        shown += [f for f in chain.failures if f not in seen]  # those of earlier links of this run
        counts = SummaryCounts(chain.emails_sent, chain.emails_failed, emails_deferred, dict(chain.sent_by_test))
        sections = [self._section(work, students) for work in new]
        email = trainer_summary(as_of, sections, shown, counts, self.zone)
        try:
            message_id = self.mailer.send(self.trainer, email.subject, email.text, email.html)
        except SendFailed as error:
            failures.add(Failure(FailureKind.SUMMARY_FAILED, str(error)))
            for work in new:
                self._record(
                    work,
                    records.SummaryRecord(
                        records.FAILED, work.version, self.run_id, error=str(error), failed_at=self.now()
                    ),
                )
            return False
        for work in new:
            covered = tuple(sorted(settled(work, class_ids)))
            self._record(
                work,
                records.SummaryRecord(
                    records.SENT,
                    work.version,
                    self.run_id,
                    message_id=message_id,
                    covered_at=self.now(),
                    students=covered,
                ),
            )
        return True

    def _section(self, work: TestProgress, students: Mapping[str, Student]) -> SummaryTest:
        if work.key is None:
            return SummaryTest(work.test, note=_("Not scored: {why}", why=work.version.removeprefix("unscored: ")))
        rows = [
            SummaryRow(sid, _name(students, sid), r.correct, r.questions, r.percent, r.grade, r.points, r.max_points)
            for sid, r in sorted(work.rows.items())
        ]
        absent = [(sid, students[sid].name or "") for sid in missing(work, list(students))]
        later = [(sid, _name(students, sid), deadline) for sid, deadline in waiting(work, list(students))]
        questions = tuple(work.book.values())
        return SummaryTest(
            work.test,
            rows,
            absent,
            pending=later,
            weighted=work.key.weighted,
            analysis=analyse(work.test, work.rows, work.key, self.scale, len(absent), questions),
            new_students=self._new_students(work, list(students)),
            regrades=self._regrades(work, students),
            key=work.key,
            book=work.book,
        )

    @staticmethod
    def _new_students(work: TestProgress, class_ids: Sequence[str]) -> frozenset[str]:
        """Scored since the test's last summary at this version (none to mark when it was never covered)."""
        record = work.summary.record if work.summary else None
        if record is None or record.students is None or not record.covers(work.version):
            return frozenset()
        return frozenset(work.rows) & (settled(work, class_ids) - set(record.students))

    def _regrades(self, work: TestProgress, students: Mapping[str, Student]) -> tuple[RegradeChange, ...]:
        """The changed scores of a test its summary covered before at another version: the latest regrade round,
        if it is of this version (one GET); questions numbered in the published order."""
        record = work.summary.record if work.summary else None
        if record is None or record.version == work.version or record.status != records.SENT:
            return ()
        if not work.last_regrade.endswith(f"-{work.version}"):
            return ()  # no score changed
        key = layout.regrade_record_key(work.test.subject, work.test.test_id, work.last_regrade)
        try:
            regrade = parse_regrade(key, self.data.get(key))
        except (ClientError, BotoCoreError, MalformedDocument):
            return ()  # the summary goes without the list; the notices still go
        if regrade is None:
            return ()
        shown = {sid: regrading.numbers(work, sid, c.questions, own_order=False) for sid, c in regrade.changes.items()}
        return tuple(
            RegradeChange(sid, _name(students, sid), c.before, c.after, shown[sid])
            for sid, c in sorted(regrade.changes.items())
        )


def _name(students: Mapping[str, Student], sid: str) -> str:
    student = students.get(sid)
    return (student.name or "") if student else ""

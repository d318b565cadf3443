"""Notices: emails of one test to one student each that are not scores (a reminder, a regrade notice).

Each kind has a ledger of its own per test (:func:`testtime.layout.reminder_emails`,
:func:`testtime.layout.regrade_emails`), with the same sending lease, per-email claims and batches as the score
emails (:mod:`.ledger`), so each is sent exactly as once as a score email is. They go after the run's score emails,
paced by the same mailer within what is left of the time budget and the daily quota; what does not fit waits for
the next run (a quarter of an hour later), never for a hand-over.

Threads: :func:`send_notices` runs on the run's thread; its sending threads each take the next notice from the
:class:`~.sending.Dispatcher` and go through that notice's ledger (thread-safe) and the mailer (thread-safe).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from testtime.documents.class_list import Student
from testtime.emails import RenderedEmail
from testtime.log import log
from testtime.mailer import DailyQuotaExceeded, Mailer, SendFailed
from testtime.scorer.failures import Failure, FailureKind, FailureLog
from testtime.scorer.ledger import Claim, TestLedger
from testtime.scorer.sending import QUOTA, Dispatcher


@dataclass(frozen=True)
class Notice:
    student: Student
    render: Callable[[], RenderedEmail]


@dataclass
class NoticeGroup:
    """The notices of one ledger (one kind, one test), and after the sending who is known to have theirs."""

    kind: str  # "reminder" or "regrade", for the logs
    ledger: TestLedger
    notices: list[Notice]
    known_sent: set[str] = field(default_factory=set)
    held: bool = False  # another invocation held the lease (or S3 failed): none of these went now


@dataclass(frozen=True)
class _Job:
    group: NoticeGroup
    notice: Notice


@dataclass
class NoticeOutcome:
    sent: Counter[str] = field(default_factory=Counter)  # kind -> notices sent now
    failed: int = 0
    left: int = 0  # not handed out: the time budget or the daily quota ran out


def _send(job: _Job, mailer: Mailer, dispatcher: Dispatcher[_Job], failures: FailureLog) -> tuple[bool, bool]:
    """(sent, failed) of one notice."""
    ledger, student = job.group.ledger, job.notice.student
    claim, attempts = ledger.claim(student.student_id)
    if claim is Claim.SENT:
        job.group.known_sent.add(student.student_id)
        return False, False
    if claim not in (Claim.FRESH, Claim.CLAIMED):
        return False, False
    email = job.notice.render()
    fresh = claim is Claim.FRESH
    try:
        message_id = mailer.send(student.email or "", email.subject, email.text, email.html)
    except SendFailed as error:
        if isinstance(error, DailyQuotaExceeded):
            dispatcher.stop(QUOTA)
        ledger.record_failed(student.student_id, fresh, str(error), attempts + error.attempts)
        why = f"{job.group.kind}: {error}"
        failures.add(
            Failure(FailureKind.EMAIL_FAILED, why, ledger.subject, ledger.test_id, student.student_id), carry=True
        )
        return False, True
    ledger.record_sent(student.student_id, fresh, message_id)
    job.group.known_sent.add(student.student_id)
    return True, False


def send_notices(
    groups: Sequence[NoticeGroup],
    mailer: Mailer,
    remaining_ms: Callable[[], float],
    safety_margin_ms: int,
    concurrency: int,
    failures: FailureLog,
) -> NoticeOutcome:
    """Take each group's lease, send what its ledger does not show sent, record, release."""
    outcome = NoticeOutcome()
    jobs: list[_Job] = []
    taken: list[TestLedger] = []
    for group in groups:
        if not group.notices:
            continue
        view = group.ledger.take_lease()
        if view is None or not view.complete:
            group.held = True
            if view is not None:
                taken.append(group.ledger)
            continue
        taken.append(group.ledger)
        group.known_sent |= set(view.sent)
        jobs += [_Job(group, n) for n in group.notices if n.student.student_id not in group.known_sent]
    try:
        if jobs:
            quota = mailer.quota()
            dispatcher: Dispatcher[_Job] = Dispatcher(
                jobs, mailer, quota.remaining_24h, 1000.0 / quota.max_send_rate, remaining_ms, safety_margin_ms
            )

            def worker() -> tuple[Counter[str], int]:
                sent: Counter[str] = Counter()
                failed = 0
                try:
                    while (job := dispatcher.take()) is not None:
                        did_send, did_fail = _send(job, mailer, dispatcher, failures)
                        sent[job.group.kind] += did_send
                        failed += did_fail
                except BaseException:
                    dispatcher.stop("error")
                    raise
                return sent, failed

            threads = max(1, min(concurrency, math.ceil(quota.max_send_rate), len(jobs)))
            with ThreadPoolExecutor(max_workers=threads) as pool:
                for sent, failed in [f.result() for f in [pool.submit(worker) for _ in range(threads)]]:
                    outcome.sent.update(sent)
                    outcome.failed += failed
            outcome.left = dispatcher.left()
    finally:
        for ledger in taken:
            ledger.flush()
    for ledger in taken:
        ledger.release()
    for group in groups:
        if group.notices:
            log("INFO", f"{group.kind} notices", subject=group.ledger.subject, testId=group.ledger.test_id,
                due=len(group.notices), knownSent=len(group.known_sent), held=group.held)  # fmt: skip
    return outcome

"""The students' score emails: who gets which, sent by a few threads paced to SES's quota and the time budget.

Threads: :func:`send_emails` runs on the run's thread and starts the sending threads; each takes the next email
from :class:`Dispatcher` (one lock: the queue, the daily quota left, the stop), sends it through the test's
:class:`~.ledger.TestLedger` (thread-safe) and the mailer (thread-safe), and returns a :class:`Sent` per email.
Nothing else is shared: the run's thread adds the results up once the threads are done.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from testtime.documents.class_list import Student
from testtime.documents.scores import Score
from testtime.emails import ScorePart, combined_student_email
from testtime.log import log
from testtime.mailer import DailyQuotaExceeded, Mailer, SendFailed
from testtime.scorer.failures import Failure, FailureKind, FailureLog
from testtime.scorer.grading import TestProgress
from testtime.scorer.ledger import Claim, TestLedger

BUDGET, QUOTA = "budget", "quota"  # why sending stopped before the queue was empty
Item = TypeVar("Item")  # what a Dispatcher hands out: an Email, or a notice (testtime.scorer.notices)


@dataclass(frozen=True)
class Email:
    """One email: one student's scores of one test, or of several (EMAIL_ONE_PER_STUDENT)."""

    student: Student
    items: tuple[tuple[TestProgress, Score], ...]


def emails_to_send(
    works: Sequence[TestProgress], students: Mapping[str, Student], one_per_student: bool, failures: FailureLog
) -> list[Email]:
    """Who gets which email: one per student and test, or one per student; a submitter without an address is a
    failure."""
    by_student: dict[str, list[tuple[TestProgress, Score]]] = defaultdict(list)
    emails: list[Email] = []
    for work in works:
        for sid, result in sorted(work.pending.items()):
            student = students.get(sid)
            if student is None or not student.email:
                why = "not in the class list" if student is None else "no email address in the class list"
                failures.add(Failure(FailureKind.NO_EMAIL_ADDRESS, why, work.test.subject, work.test.test_id, sid))
                continue
            if one_per_student:
                by_student[sid].append((work, result))
            else:
                emails.append(Email(student, ((work, result),)))
    emails += [Email(students[sid], tuple(items)) for sid, items in sorted(by_student.items())]
    return emails


class Dispatcher(Generic[Item]):
    """Hands the emails out while the time budget and the daily quota allow; any sending thread may call it."""

    def __init__(
        self,
        emails: Sequence[Item],
        mailer: Mailer,
        daily_left: float,
        per_email_ms: float,
        remaining_ms: Callable[[], float],
        safety_margin_ms: int,
    ) -> None:
        self._queue: Iterator[Item] = iter(emails)
        self._mailer, self._daily_left, self._per_email_ms = mailer, daily_left, per_email_ms
        self._remaining_ms, self._margin_ms = remaining_ms, safety_margin_ms
        self._lock = threading.Lock()
        self.stopped = threading.Event()
        self.stop_reason = ""  # BUDGET or QUOTA once set; written under the lock, read after the threads end

    def stop(self, reason: str) -> None:
        with self._lock:
            if not self.stopped.is_set():
                self.stop_reason = reason
                self.stopped.set()

    def take(self) -> Item | None:
        with self._lock:
            if self.stopped.is_set():
                return None
            # Time for the wait of the pacing and one email; the margin keeps room for what follows.
            needed_ms = self._mailer.wait_s() * 1000 + self._per_email_ms
            reason = ""
            if self._remaining_ms() - self._margin_ms < needed_ms:
                reason = BUDGET
            elif self._daily_left < 1:
                reason = QUOTA
            if reason:
                self.stop_reason = reason
                self.stopped.set()
                return None
            email = next(self._queue, None)
            if email is not None:
                self._daily_left -= 1
            return email

    def left(self) -> int:
        """The emails never handed out (call once the sending threads are done)."""
        with self._lock:
            return sum(1 for _ in self._queue)


@dataclass
class Sent:
    """What became of one email: per test of it, sent now or known sent before; or failed."""

    sent_tests: list[str] = field(default_factory=list)  # test names whose score this email carried, sent now
    emailed: list[tuple[TestProgress, str]] = field(default_factory=list)  # (test, student) known sent now
    failed: bool = False
    attempted: list[tuple[TestProgress, str]] = field(default_factory=list)  # (test, student) of a failed email


def score_part(work: TestProgress, result: Score) -> ScorePart:
    """One test's part of a student's email (sent only once the test has closed for everybody: see run.py)."""
    explanations = work.key.explanations if work.key is not None else {}
    return ScorePart(result, work.test, work.book, explanations)


def _send_one(
    email: Email,
    ledgers: Mapping[str, TestLedger],
    mailer: Mailer,
    dispatcher: Dispatcher[Email],
    failures: FailureLog,
) -> Sent:
    sid = email.student.student_id
    outcome = Sent()
    claimed: list[tuple[TestProgress, Score, int, bool]] = []  # test, score, attempts before, fresh
    for work, result in email.items:
        claim, attempts = ledgers[work.name].claim(sid)
        if claim in (Claim.CLAIMED, Claim.FRESH):
            claimed.append((work, result, attempts, claim is Claim.FRESH))
        elif claim is Claim.SENT:
            outcome.emailed.append((work, sid))
    if not claimed:
        return outcome
    rendered = combined_student_email(
        [score_part(work, result) for work, result, _, _ in claimed], email.student.name or ""
    )
    try:
        message_id = mailer.send(email.student.email, rendered.subject, rendered.text, rendered.html)
    except SendFailed as error:
        if isinstance(error, DailyQuotaExceeded):
            dispatcher.stop(QUOTA)
        for work, _, attempts, fresh in claimed:
            ledgers[work.name].record_failed(sid, fresh, str(error), attempts + error.attempts)
            failures.add(
                Failure(FailureKind.EMAIL_FAILED, str(error), work.test.subject, work.test.test_id, sid), carry=True
            )
        outcome.failed = True
        outcome.attempted = [(work, sid) for work, _, _, _ in claimed]
        return outcome
    for work, _, _, fresh in claimed:
        ledgers[work.name].record_sent(sid, fresh, message_id)
        outcome.emailed.append((work, sid))
        outcome.sent_tests.append(work.name)
    return outcome


@dataclass(frozen=True)
class Sending:
    """The outcome of the sending: every email's, and the emails left when it stopped (and why)."""

    outcomes: tuple[Sent, ...]
    left: int
    stop_reason: str


def send_emails(
    emails: Sequence[Email],
    ledgers: Mapping[str, TestLedger],
    mailer: Mailer,
    remaining_ms: Callable[[], float],
    safety_margin_ms: int,
    concurrency: int,
    failures: FailureLog,
) -> Sending:
    """Send within the time budget and the daily quota, at SES's rate, with at most ``concurrency`` threads."""
    if not emails:
        return Sending((), 0, "")
    quota = mailer.quota()
    dispatcher: Dispatcher[Email] = Dispatcher(
        emails, mailer, quota.remaining_24h, 1000.0 / quota.max_send_rate, remaining_ms, safety_margin_ms
    )

    def worker() -> list[Sent]:
        done: list[Sent] = []
        try:
            while (email := dispatcher.take()) is not None:
                try:
                    done.append(_send_one(email, ledgers, mailer, dispatcher, failures))
                except (ClientError, BotoCoreError) as error:
                    # The ledger could not be written; s3io already retried. A claim left "sending", and the
                    # lease we then keep, are taken over after SENDING_CLAIM_TIMEOUT_S: say so instead of
                    # failing the whole run.
                    for work, _ in email.items:
                        ledgers[work.name].keep_lease()
                    failures.add(
                        Failure(FailureKind.LEDGER, f"S3: {error}", student_id=email.student.student_id), carry=True
                    )
        except BaseException:
            dispatcher.stop("error")  # the others stop too; the run's thread raises it
            raise
        return done

    threads = max(1, min(concurrency, math.ceil(quota.max_send_rate), len(emails)))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(worker) for _ in range(threads)]
        outcomes = [sent for future in futures for sent in future.result()]
    left = dispatcher.left()
    if dispatcher.stop_reason in (BUDGET, QUOTA):
        log("INFO", "sending stopped", reason=dispatcher.stop_reason, emailsLeft=left)
    return Sending(tuple(outcomes), left, dispatcher.stop_reason)

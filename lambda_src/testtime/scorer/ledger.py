"""The exactly-once email ledger of one test: its sending lease, the per-email claims, the batches, reading it back.

Exactly once without a claim per email (which made it 4 requests per submission): before sending any email of a
test, the run takes that test's sending lease (:func:`testtime.layout.lease_key`): a create-only PUT, or an
If-Match PUT over a lease that is free or held longer than SENDING_CLAIM_TIMEOUT_S (900 s, Lambda's longest run:
its holder is dead). Holding it, the run lists the test's ledger once (per-student records, and the batches of
records it reads). The argument:

* Only the lease holder sends emails of that test, and every holder recorded the outcome of each email it sent
  before releasing (a holder that could not record one keeps the lease until it expires; a holder that died
  keeps it too). So a student without a record in the ledger read under the lease has not been emailed for
  this test, and nobody else will email them while we hold it: send, then record it. A sent email's record
  goes into the next batch (create-only, a key of its own), written when it holds LEDGER_BATCH_SIZE records or
  is a second old, and always before the lease is released, also when the sending broke off.
* A student with a record of their own (failed earlier, or a per-email "sending" claim) goes through the
  per-email claim (:meth:`TestLedger.claim`); a failed email is recorded on its own, at once.
* What remains is the window every ledger has: SES accepted an email and the invocation died (killed, not an
  exception) before its record was written; that email is sent again once the lease expired. With batches
  that is at most the last second's emails (20 at most), against the 4 in flight of a record per email.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from botocore.exceptions import BotoCoreError, ClientError

from testtime import layout
from testtime.documents import scorer_records as records
from testtime.documents.codec import MalformedDocument
from testtime.scorer.data import S3Data
from testtime.scorer.failures import Failure, FailureKind, FailureLog


def _listing(data: S3Data, place: layout.LedgerPlace) -> tuple[dict[str, str], list[str]]:
    """One listing of a test's ledger: each student's own record's key by student id, and the batches' keys."""
    own: dict[str, str] = {}
    batches: list[str] = []
    for key in data.list_keys(place.prefix):
        parsed = place.parse(key)
        if parsed is None:
            continue
        kind, name = parsed
        if kind == "batch":
            batches.append(key)
        else:
            own[name] = key
    return own, batches


def _batch(data: S3Data, key: str) -> dict[str, records.EmailRecord] | None:
    """The records of one batch by student id; None when it is unreadable."""
    body = data.get(key)
    try:
        return None if body is None else records.parse_ledger_batch(key, body)
    except MalformedDocument:
        return None


def read_email_ledger(data: S3Data, place: layout.LedgerPlace) -> dict[str, records.EmailRecord | None]:
    """Every email record of one test by student id (None: a record of its own that cannot be read): those of
    the batches, overridden by a student's own record (a claim or failure, and its later outcome). For anyone
    looking at the ledger from outside a run (tests, the smoke test, bin/status.sh); a run reads it under the
    lease. ``place``: :func:`testtime.layout.score_emails`, ``reminder_emails`` or ``regrade_emails``."""
    own, batches = _listing(data, place)
    merged: dict[str, records.EmailRecord | None] = {}
    for key in batches:
        merged.update(_batch(data, key) or {})
    for sid, key in own.items():
        body = data.get(key)
        try:
            merged[sid] = None if body is None else records.parse_email_record(key, body)
        except MalformedDocument:
            merged[sid] = None
    return merged


class Claim(Enum):
    FRESH = "fresh"  # no record when the lease was taken: send, then record it in a batch
    CLAIMED = "claimed"  # our claim over the student's own record: send, then record it there
    SENT = "sent"  # sent already
    BUSY = "busy"  # another invocation is sending it, or its record is unreadable: not now
    LATER = "later"  # failed in this run already: the next scheduled run tries again


@dataclass(frozen=True)
class LeaseView:
    """What the ledger read under a fresh lease says: students recorded sent in batches; ``complete`` False when a
    batch could not be read (then none of the test's emails may go: who is in it is unknown)."""

    sent: frozenset[str]
    complete: bool


@dataclass(frozen=True)
class Invocation:
    """Who writes: the run's id and link, and a name of this very invocation (a retried asynchronous invocation
    keeps its request id, which is the run id, so batches need more to be apart)."""

    run_id: str
    link: int
    name: str


class TestLedger:
    """The email ledger of one test during one invocation.

    Threads: :meth:`take_lease` and :meth:`release` run on the run's own thread, before and after the sending;
    :meth:`claim`, :meth:`record_sent`, :meth:`record_failed`, :meth:`keep_lease` and :meth:`flush` may run on
    any sending thread. What they share (the records awaiting their batch, whether the lease must be kept, the
    batch counter) is behind ``self._lock``; the lease's ETag and the students with records of their own are
    set by :meth:`take_lease` before any sending thread starts, and only read afterwards.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        data: S3Data,
        subject: str,
        test_id: str,
        writer: Invocation,
        now: Callable[[], datetime],
        failures: FailureLog,
        claim_timeout_s: int,
        batch_size: int,
        batch_s: float,
        place: layout.LedgerPlace | None = None,
    ) -> None:
        self.data, self.subject, self.test_id = data, subject, test_id
        self.place = place or layout.score_emails(subject, test_id)  # which ledger: score emails by default
        self.writer, self.now, self.failures = writer, now, failures
        self.claim_timeout = timedelta(seconds=claim_timeout_s)
        self.batch_size, self.batch_s = batch_size, batch_s
        self.lease_etag: str | None = None  # of our own write, while we hold the lease
        self.own_records: frozenset[str] = frozenset()  # students with a record of their own under the lease
        self._lock = threading.Lock()
        self._unrecorded: dict[str, records.EmailRecord] = {}  # fresh sends awaiting their batch
        self._unrecorded_since = 0.0  # monotonic time of the oldest of them
        self._keep_lease = False  # an outcome could not be recorded: let the lease expire instead of releasing it
        self._batches = 0  # batches this invocation wrote

    def _fail(self, error: str, student_id: str = "", carry: bool = False) -> None:
        self.failures.add(Failure(FailureKind.LEDGER, error, self.subject, self.test_id, student_id), carry)

    def _stale(self, claimed_at: datetime | None) -> bool:
        return claimed_at is None or self.now() - claimed_at > self.claim_timeout

    # -- the lease (the run's thread) ----------------------------------------------------------------------------

    def take_lease(self) -> LeaseView | None:
        """Take the test's sending lease and read its ledger; None when another invocation holds it (or S3
        failed: a lease we took then expires, and the test's emails wait for the next run)."""
        key = self.place.lease
        held = records.lease_document(
            records.Lease(records.HELD, self.writer.run_id, claimed_at=self.now(), link=self.writer.link)
        )
        try:
            etag = self.data.put_conditional(key, held)
            if etag is None:
                found = self.data.get_with_etag(key)
                if found is None:  # released by deletion between the two requests
                    etag = self.data.put_conditional(key, held)
                else:
                    body, current = found
                    try:
                        lease = records.parse_lease(key, body)
                    except MalformedDocument:
                        lease = None  # unreadable: nobody can be said to hold it
                    if lease is not None and lease.held and not self._stale(lease.claimed_at):
                        return None
                    etag = self.data.put_conditional(key, held, current)
            if etag is None:
                return None  # another invocation took it between our requests
            self.lease_etag = etag
            own, batch_keys = _listing(self.data, self.place)
            self.own_records = frozenset(own)
            sent: set[str] = set()
            complete = True
            for batch_key in batch_keys:
                batch = _batch(self.data, batch_key)
                if batch is None:
                    # Unknown who is in it: hold back this test's emails rather than risk second ones.
                    complete = False
                    self._fail(f"{batch_key} is unreadable; the test's emails wait")
                    continue
                sent.update(sid for sid, record in batch.items() if record.status == records.SENT)
        except (ClientError, BotoCoreError) as error:
            self.lease_etag = None
            self._fail(f"sending lease: S3: {error}")
            return None
        return LeaseView(frozenset(sent), complete)

    def release(self) -> None:
        """Free the lease after the sending, unless an email went without its record (then it expires)."""
        if self.lease_etag is None:
            return
        etag, self.lease_etag = self.lease_etag, None
        with self._lock:
            if self._keep_lease:
                return
        free = records.lease_document(records.Lease(records.FREE, self.writer.run_id, released_at=self.now()))
        try:
            self.data.put_conditional(self.place.lease, free, etag)
        except (ClientError, BotoCoreError) as error:  # it expires instead
            self._fail(f"sending lease not released: S3: {error}")

    # -- per email (any sending thread) ----------------------------------------------------------------------

    def claim(self, sid: str) -> tuple[Claim, int]:
        """Whether this invocation may send the student's email now, and the attempts recorded before."""
        if sid not in self.own_records:
            return Claim.FRESH, 0
        key = self.place.record_key(sid)
        claim = records.email_record_document(
            records.EmailRecord(records.SENDING, self.writer.run_id, claimed_at=self.now())
        )
        found = self.data.get_with_etag(key)
        if found is None:  # deleted between the listing and now
            return (Claim.CLAIMED, 0) if self.data.put_if_absent(key, claim) else (Claim.BUSY, 0)
        body, etag = found
        try:
            record = records.parse_email_record(key, body)
        except MalformedDocument:
            # Unknown whether it was sent: better no email than a second one; the trainer is told.
            self._fail(f"{key} is unreadable; not sent", sid)
            return Claim.BUSY, 0
        attempts = record.attempts or 0
        if record.status == records.SENT:
            return Claim.SENT, attempts
        if record.status == records.FAILED and record.run_id == self.writer.run_id:
            return Claim.LATER, attempts
        if record.status == records.SENDING and not self._stale(record.claimed_at):
            return Claim.BUSY, attempts  # another invocation is sending it right now
        # Failed in an earlier run, or a claim of an invocation that died: take it over, atomically.
        return (Claim.CLAIMED, attempts) if self.data.put_if_match(key, claim, etag) else (Claim.BUSY, attempts)

    def record_sent(self, sid: str, fresh: bool, message_id: str) -> None:
        record = records.EmailRecord(records.SENT, self.writer.run_id, message_id=message_id, sent_at=self.now())
        if not fresh:
            self.data.put(self.place.record_key(sid), records.email_record_document(record))
            return
        with self._lock:
            if not self._unrecorded:
                self._unrecorded_since = time.monotonic()
            self._unrecorded[sid] = record
            due = len(self._unrecorded) >= self.batch_size or (
                time.monotonic() - self._unrecorded_since >= self.batch_s
            )
        if due:
            self.flush()

    def record_failed(self, sid: str, fresh: bool, error: str, attempts: int) -> None:
        record = records.EmailRecord(
            records.FAILED, self.writer.run_id, error=error, attempts=attempts, failed_at=self.now()
        )
        key = self.place.record_key(sid)
        body = records.email_record_document(record)
        if not fresh:
            self.data.put(key, body)  # over our own claim
        elif not self.data.put_if_absent(key, body):
            # Under our lease nobody writes a new record, except a scorer version without leases.
            self._fail(
                f"{key} was written by an invocation ignoring the sending lease; the email may have gone twice",
                sid,
                carry=True,
            )

    def keep_lease(self) -> None:
        """An email's outcome could not be recorded: the lease is left to expire (SENDING_CLAIM_TIMEOUT_S)."""
        with self._lock:
            self._keep_lease = True

    def flush(self) -> None:
        """Write the records of the fresh sends not yet recorded as one batch (create-only, a key of its own)."""
        with self._lock:
            pending, self._unrecorded = self._unrecorded, {}
            if not pending:
                return
            self._batches += 1
            batch_id = f"{self.writer.run_id}-{self.writer.link}-{self.writer.name}-{self._batches:05d}"
        key = self.place.batch_key(batch_id)
        try:
            written = self.data.put_if_absent(key, records.ledger_batch_document(pending))
        except (ClientError, BotoCoreError) as error:
            written, why = False, f"S3: {error}"
        else:
            why = f"{key} existed already"
        if not written:
            # Sent without a record: keep the lease so it expires rather than letting another run resend now.
            self.keep_lease()
            names = ", ".join(list(pending)[:10]) + (", ..." if len(pending) > 10 else "")
            only = next(iter(pending)) if len(pending) == 1 else ""
            self._fail(f"sent, not recorded ({names}): {why}", only, carry=True)

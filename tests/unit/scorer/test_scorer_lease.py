"""The per-test sending lease of the scorer (see the testtime.scorer.ledger module docstring), against moto.

Taken when free (create-only, or If-Match over a released one) and released after the run; left alone while a
live run holds it; taken over with If-Match once stale; raced by two runs (exactly one wins); kept after an
email whose record could not be written, until it expires.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from scorer_support import AS_OF, email_record, runner, student_mails, summaries

from testtime import layout
from testtime.deadlines import to_iso
from testtime.documents.scorer_records import parse_lease, parse_ledger_batch
from testtime.layout import email_ledger_prefix, lease_key
from testtime.scorer.data import S3Data
from testtime.scorer.handover import Continuation
from testtime.scorer.run import RunResult

LEASE = lease_key("os", "test01")
STUDENTS = ("student01", "student02", "student03")


@dataclass(frozen=True)
class LeasePut:
    """One conditional write of the lease: who, over which ETag (None: create-only), what, and its new ETag."""

    thread: str
    if_match: str | None
    status: str
    new_etag: str | None

    @property
    def won(self) -> bool:
        return self.new_etag is not None


@pytest.fixture
def lease_puts(monkeypatch: pytest.MonkeyPatch) -> list[LeasePut]:
    """Records every write of the lease (they all go through S3Data.put_conditional)."""
    puts: list[LeasePut] = []
    original = S3Data.put_conditional

    def spy(self: S3Data, key: str, body: bytes, etag: str | None = None) -> str | None:
        new = original(self, key, body, etag)
        if key == LEASE:
            puts.append(LeasePut(threading.current_thread().name, etag, parse_lease(key, body).status, new))
        return new

    monkeypatch.setattr(S3Data, "put_conditional", spy)
    return puts


def etag_of(world: Any, key: str) -> str:
    return str(world.s3.head_object(Bucket=world.bucket, Key=key)["ETag"])


def ledger(world: Any, sid: str) -> Any:
    return email_record(world, "os", "test01", sid)


def mails_per_student(ses: Any) -> dict[str, int]:
    counts = Counter(s.to.partition("@")[0] for s in student_mails(ses))
    return {sid: counts[sid] for sid in STUDENTS}


def seed_three(world: Any) -> None:
    world.seed_test()
    for sid in STUDENTS:
        world.submit(sid, "acac")


def held_lease(clock: Any, age_s: float, run_id: str) -> dict[str, Any]:
    return {"status": "held", "claimedAt": to_iso(clock.now() - timedelta(seconds=age_s)), "runId": run_id, "link": 0}


# -- (1) a free lease is taken and released ---------------------------------------------------------------------


def test_free_lease_is_created_held_while_sending_and_released(
    world: Any, ses: Any, clock: Any, monkeypatch: pytest.MonkeyPatch, lease_puts: list[LeasePut]
) -> None:
    world.seed_test()
    world.submit("student01", "acac")
    world.submit("student02", "ab--")
    at_send: list[Any] = []  # the lease as each student email leaves
    send = ses.send_email

    def spy(**kwargs: Any) -> Any:
        if kwargs["Destination"]["ToAddresses"][0] != world.trainer:
            at_send.append(world.get(LEASE))
        return send(**kwargs)

    monkeypatch.setattr(ses, "send_email", spy)
    once = runner(world, ses, clock)

    first = once()
    assert (first.emails_sent, first.failures) == (2, [])
    assert [(lease["status"], lease["runId"], lease["link"]) for lease in at_send] == [("held", first.run_id, 0)] * 2
    # Create-only when there is no lease yet, then released over the ETag of our own write.
    taken, released = lease_puts
    assert (taken.if_match, taken.status, taken.won) == (None, "held", True)
    assert (released.if_match, released.status, released.won) == (taken.new_etag, "free", True)
    lease = world.get(LEASE)
    assert (lease["status"], lease["runId"], sorted(lease)) == ("free", first.run_id, ["releasedAt", "runId", "status"])
    assert etag_of(world, LEASE) == released.new_etag
    assert mails_per_student(ses) == {"student01": 1, "student02": 1, "student03": 0}

    # A late submission: the released lease is taken with If-Match over its ETag (the create is refused).
    world.submit("student03", "acac")
    lease_puts.clear()
    second = once()
    assert second.emails_sent == 1 and second.failures == []
    assert [(p.if_match, p.status, p.won) for p in lease_puts] == [
        (None, "held", False),
        (released.new_etag, "held", True),
        (lease_puts[1].new_etag, "free", True),
    ]
    assert world.get(LEASE)["status"] == "free" and world.get(LEASE)["runId"] == second.run_id
    assert mails_per_student(ses) == {"student01": 1, "student02": 1, "student03": 1}
    assert all(ledger(world, sid)["status"] == "sent" for sid in STUDENTS)

    # Nothing left to send: the lease is not touched at all.
    lease_puts.clear()
    before = etag_of(world, LEASE)
    assert once().emails_sent == 0
    assert lease_puts == [] and etag_of(world, LEASE) == before


def test_lease_is_released_before_the_hand_over(world: Any, ses: Any, clock: Any) -> None:
    ses.rate = 2.0
    world.seed_test(students=6)
    for n in range(1, 7):
        world.submit(f"student{n:02d}", "acac")
    handed: list[tuple[dict[str, Any], Any]] = []
    once = runner(
        world, ses, clock, budget_ms=3000, safety_margin_ms=1000, invoke=lambda e: handed.append((e, world.get(LEASE)))
    )
    links = [once()]
    assert links[0].handed_over and 0 < links[0].emails_sent < 6
    while handed:
        event, lease = handed.pop()
        assert (lease["status"], lease["runId"]) == ("free", links[0].run_id)  # the next link can take it
        links.append(once(AS_OF, Continuation.from_event(event["continuation"], "x")))
    assert sum(link.emails_sent for link in links) == 6 and len(links) > 1
    assert Counter(s.to for s in student_mails(ses)) == {f"student{n:02d}@example.org": 1 for n in range(1, 7)}
    assert world.get(LEASE)["status"] == "free"


# -- (2) a lease held by a live run -----------------------------------------------------------------------------


def test_lease_of_a_live_run_is_left_alone(world: Any, ses: Any, clock: Any, lease_puts: list[LeasePut]) -> None:
    seed_three(world)
    other = held_lease(clock, 60, "other-run")
    world.put(LEASE, other)
    before = etag_of(world, LEASE)
    once = runner(world, ses, clock, claim_timeout_s=900)

    result = once()
    # Busy, not deferred and not a failure: the holder sends these emails (and counts them in its summary).
    assert student_mails(ses) == []
    assert (result.emails_sent, result.emails_failed, result.emails_deferred, result.failures) == (0, 0, 0, [])
    assert result.scores_written == 3 and result.submissions_scored == 3
    [summary] = summaries(ses)
    assert "Emails to students: 0 sent, 0 failed." in summary.text and "left for the next run" not in summary.text
    assert [(p.if_match, p.won) for p in lease_puts] == [(None, False)]  # one refused create, no takeover
    assert world.get(LEASE) == other and etag_of(world, LEASE) == before
    assert world.keys(layout.SCORER_PREFIX + "emails/") == []
    assert world.get(layout.scorer_state_key("os", "test01"))["emailed"] == []

    # The holder releases it (without having sent, here): the next run sends every email once.
    world.put(LEASE, {"status": "free", "releasedAt": to_iso(clock.now()), "runId": "other-run"})
    clock.advance(60)
    again = once()
    assert again.emails_sent == 3 and mails_per_student(ses) == dict.fromkeys(STUDENTS, 1)
    assert once().emails_sent == 0 and mails_per_student(ses) == dict.fromkeys(STUDENTS, 1)


# -- (3) a stale lease is taken over ----------------------------------------------------------------------------


def test_stale_lease_is_taken_over_with_if_match(world: Any, ses: Any, clock: Any, lease_puts: list[LeasePut]) -> None:
    seed_three(world)
    dead = held_lease(clock, 0, "dead-run")
    world.put(LEASE, dead)
    dead_etag = etag_of(world, LEASE)
    # The dead holder had emailed student01 and recorded it.
    sent01 = {"status": "sent", "messageId": "m-01", "sentAt": to_iso(clock.now()), "runId": "dead-run"}
    world.put(layout.email_ledger_key("os", "test01", "student01"), sent01)
    once = runner(world, ses, clock, claim_timeout_s=900)

    clock.advance(900)  # exactly SENDING_CLAIM_TIMEOUT_S old: still the holder's
    assert once().emails_sent == 0 and student_mails(ses) == []
    assert world.get(LEASE) == dead and [(p.if_match, p.won) for p in lease_puts] == [(None, False)]

    clock.advance(1)
    lease_puts.clear()
    result = once()
    assert (result.emails_sent, result.failures) == (2, [])
    taken = lease_puts[1]
    assert [(p.if_match, p.status, p.won) for p in lease_puts] == [
        (None, "held", False),
        (dead_etag, "held", True),
        (taken.new_etag, "free", True),
    ]
    assert mails_per_student(ses) == {"student01": 0, "student02": 1, "student03": 1}
    assert ledger(world, "student01") == sent01
    assert [ledger(world, sid)["runId"] for sid in ("student02", "student03")] == [result.run_id] * 2
    assert (world.get(LEASE)["status"], world.get(LEASE)["runId"]) == ("free", result.run_id)

    assert once().emails_sent == 0
    assert mails_per_student(ses) == {"student01": 0, "student02": 1, "student03": 1}


# -- (4) two runs racing for the lease --------------------------------------------------------------------------


@pytest.mark.parametrize("initial", ["absent", "free", "stale"])
def test_racing_runs_exactly_one_takes_the_lease(
    world: Any, ses: Any, clock: Any, monkeypatch: pytest.MonkeyPatch, lease_puts: list[LeasePut], initial: str
) -> None:
    """Run B takes the lease between run A's read and A's conditional write, and holds it while A runs on."""
    seed_three(world)
    if initial == "free":
        world.put(LEASE, {"status": "free", "releasedAt": to_iso(clock.now()), "runId": "earlier"})
    elif initial == "stale":
        world.put(LEASE, held_lease(clock, 901, "dead-run"))
    found = etag_of(world, LEASE) if initial != "absent" else None
    once = runner(world, ses, clock, claim_timeout_s=900)

    b_holds, a_done = threading.Event(), threading.Event()
    paused: list[bool] = []
    lock = threading.Lock()
    send = ses.send_email

    def send_pausing_first(**kwargs: Any) -> Any:  # B's first email waits until A has finished its run
        with lock:
            first = not paused
            paused.append(True)
        if first:
            b_holds.set()
            assert a_done.wait(10), "run A did not finish"
        return send(**kwargs)

    monkeypatch.setattr(ses, "send_email", send_pausing_first)
    outcome: dict[str, Any] = {}

    def run_b() -> None:
        try:
            outcome["b"] = once()
        except Exception as error:  # reported by the test thread
            outcome["error"] = error
        finally:
            b_holds.set()

    b = threading.Thread(target=run_b, name="run-B")
    armed = [True]

    def let_b_in() -> None:
        if armed and threading.current_thread() is not b:
            armed.clear()
            b.start()
            assert b_holds.wait(10), "run B did not take the lease"

    if initial == "absent":  # A's create-only PUT comes right after B's
        put = S3Data.put_conditional

        def put_after_b(self: S3Data, key: str, body: bytes, etag: str | None = None) -> str | None:
            if key == LEASE and etag is None:
                let_b_in()
            return put(self, key, body, etag)

        monkeypatch.setattr(S3Data, "put_conditional", put_after_b)
    else:  # A read the lease; B reads the same version and writes over it before A does
        get = S3Data.get_with_etag

        def get_then_b(self: S3Data, key: str) -> tuple[bytes, str] | None:
            found = get(self, key)
            if key == LEASE:
                let_b_in()
            return found

        monkeypatch.setattr(S3Data, "get_with_etag", get_then_b)

    try:
        a = once()
    finally:
        a_done.set()
        if b.ident is not None:
            b.join(10)
    assert not b.is_alive() and "error" not in outcome, outcome
    b_result: RunResult = outcome["b"]

    main = threading.current_thread().name
    takes = [(p.thread, p.if_match, p.won) for p in lease_puts if p.status == "held"]
    if initial == "absent":
        assert takes == [("run-B", None, True), (main, None, False)]
    else:
        assert takes == [(main, None, False), ("run-B", None, False), ("run-B", found, True), (main, found, False)]
    assert [p.thread for p in lease_puts if p.status == "free"] == ["run-B"]  # only the winner releases
    assert (a.emails_sent, a.emails_failed, a.failures) == (0, 0, [])
    assert (b_result.emails_sent, b_result.failures) == (3, [])
    assert mails_per_student(ses) == dict.fromkeys(STUDENTS, 1)
    assert all(ledger(world, sid)["runId"] == b_result.run_id for sid in STUDENTS)
    assert (world.get(LEASE)["status"], world.get(LEASE)["runId"]) == ("free", b_result.run_id)
    assert once().emails_sent == 0 and mails_per_student(ses) == dict.fromkeys(STUDENTS, 1)


# -- (5) an email without its record keeps the lease ------------------------------------------------------------


@pytest.mark.parametrize("state_cache", ["kept", "lost"])
def test_unrecorded_email_keeps_the_lease_until_it_expires(
    world: Any, ses: Any, clock: Any, monkeypatch: pytest.MonkeyPatch, lease_puts: list[LeasePut], state_cache: str
) -> None:
    seed_three(world)
    put_if_absent: Callable[[S3Data, str, bytes], bool] = S3Data.put_if_absent

    def failing(self: S3Data, key: str, body: bytes) -> bool:
        if "/batches/" in key and "student02" in parse_ledger_batch(key, body):
            raise ClientError({"Error": {"Code": "InternalError", "Message": "We encountered an error"}}, "PutObject")
        return put_if_absent(self, key, body)

    once = runner(world, ses, clock, claim_timeout_s=900, ledger_batch=1)  # a batch per email: one is lost
    with monkeypatch.context() as patch:
        patch.setattr(S3Data, "put_if_absent", failing)
        first = once()
    # Every email went out once; student02's has no record, so the lease stays held (not released).
    assert mails_per_student(ses) == dict.fromkeys(STUDENTS, 1)
    assert [(f.kind, f.student_id) for f in first.failures] == [("ledger", "student02")]
    assert "InternalError" in first.failures[0].error
    assert [ledger(world, sid) and ledger(world, sid)["status"] for sid in STUDENTS] == ["sent", None, "sent"]
    kept = world.get(LEASE)
    assert (kept["status"], kept["runId"]) == ("held", first.run_id)
    assert [p.status for p in lease_puts] == ["held"]  # taken, never released
    kept_etag = etag_of(world, LEASE)

    # The run knew all three were sent, so its state cache says so: the next runs leave the test alone, before
    # and after the lease expired.
    clock.advance(60)
    lease_puts.clear()
    second = once()
    assert (second.emails_sent, second.failures, lease_puts) == (0, [], [])
    assert etag_of(world, LEASE) == kept_etag and len(student_mails(ses)) == 3
    if state_cache == "kept":
        clock.advance(900)
        assert (once().emails_sent, lease_puts) == (0, [])
        assert mails_per_student(ses) == dict.fromkeys(STUDENTS, 1)
        return

    # Without the state cache, after the lease expired: taken over; the run must find the emails sent through
    # the ledger read under the lease, so only student02's, the documented window (sent, record lost), goes
    # again, once, now with a record.
    world.s3.delete_object(Bucket=world.bucket, Key=layout.scorer_state_key("os", "test01"))
    clock.advance(900)
    lease_puts.clear()
    third = once()
    assert [(p.if_match, p.status, p.won) for p in lease_puts][:2] == [(None, "held", False), (kept_etag, "held", True)]
    assert mails_per_student(ses) == {"student01": 1, "student02": 2, "student03": 1}
    assert (third.emails_sent, third.failures) == (1, [])
    assert ledger(world, "student02")["runId"] == third.run_id
    assert [ledger(world, sid)["runId"] for sid in ("student01", "student03")] == [first.run_id] * 2
    assert (world.get(LEASE)["status"], world.get(LEASE)["runId"]) == ("free", third.run_id)

    assert once().emails_sent == 0 and mails_per_student(ses) == {"student01": 1, "student02": 2, "student03": 1}


# -- (6) the records of fresh sends are written in batches --------------------------------------------------------


def batch_keys(world: Any) -> list[str]:
    return [k for k in world.keys(email_ledger_prefix("os", "test01")) if "/batches/" in k]


def test_sent_emails_are_recorded_in_batches(world: Any, ses: Any, clock: Any) -> None:
    ids = world.seed_test(students=45)
    for sid in ids:
        world.submit(sid, "acac")
    result = runner(world, ses, clock, ledger_batch=20, ledger_batch_s=3600)()
    assert result.emails_sent == 45
    batches = [world.get(key)["records"] for key in batch_keys(world)]
    assert sorted(len(records) for records in batches) == [5, 20, 20]
    recorded = {sid: record for records in batches for sid, record in records.items()}
    assert sorted(recorded) == ids and {r["status"] for r in recorded.values()} == {"sent"}
    assert {r["runId"] for r in recorded.values()} == {result.run_id}
    own = [k for k in world.keys(email_ledger_prefix("os", "test01")) if "/batches/" not in k]
    assert own == []  # no record per student when nothing went wrong


def test_sending_broken_off_still_records_what_was_sent(
    world: Any, ses: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_three(world)
    send = ses.send_email

    def breaks_on_student03(**kwargs: Any) -> Any:
        if kwargs["Destination"]["ToAddresses"][0] == "student03@example.org":
            raise RuntimeError("the function ran into a bug")
        return send(**kwargs)

    once = runner(world, ses, clock, claim_timeout_s=900, ledger_batch=20, ledger_batch_s=3600)
    with monkeypatch.context() as patch:
        patch.setattr(ses, "send_email", breaks_on_student03)
        with pytest.raises(RuntimeError):
            once()
    # The batch with the two emails that went was written on the way out; the lease is left to expire.
    assert [ledger(world, sid) and ledger(world, sid)["status"] for sid in STUDENTS] == ["sent", "sent", None]
    assert world.get(LEASE)["status"] == "held"
    clock.advance(901)
    again = once()
    assert again.emails_sent == 1
    assert mails_per_student(ses) == dict.fromkeys(STUDENTS, 1)


def test_unreadable_batch_holds_the_tests_emails_back(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test()
    world.submit("student01", "acac")
    once = runner(world, ses, clock)
    assert once().emails_sent == 1
    [key] = batch_keys(world)
    world.put(key, b"{not json")
    world.s3.delete_object(Bucket=world.bucket, Key=layout.scorer_state_key("os", "test01"))
    world.submit("student02", "acac")
    second = once()
    # Who is in it is unknown: better no email than a second one; the trainer is told which object.
    assert second.emails_sent == 0 and len(student_mails(ses)) == 1
    assert [(f.kind, key in f.error) for f in second.failures] == [("ledger", True)]


def test_a_retried_invocation_writes_batches_of_its_own(world: Any, ses: Any, clock: Any) -> None:
    # Lambda retries an asynchronous invocation with the same request id, which is the run id.
    world.seed_test()
    world.submit("student01", "acac")
    once = runner(world, ses, clock, request_id="retried-request")
    assert once().emails_sent == 1
    world.submit("student02", "acac")
    again = once()
    assert (again.emails_sent, again.failures) == (1, [])
    assert len(batch_keys(world)) == 2
    assert [ledger(world, sid) and ledger(world, sid)["status"] for sid in STUDENTS] == ["sent", "sent", None]

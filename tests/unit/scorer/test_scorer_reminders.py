"""Reminders (moto): one email, once, to each student who has not submitted an open test, in the hours before
their own deadline; nobody else, and nothing when reminders are off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scorer_support import AS_OF, runner, student_mails, summaries

from tests.support.lean_transport import lean_objects
from testtime import layout
from testtime.deadlines import to_iso
from testtime.scorer.data import S3Data
from testtime.scorer.ledger import read_email_ledger

START = AS_OF  # the fake clock's start (conftest.START)
DUE_SOON = START + timedelta(hours=12)  # the scorer's clock is START: this test is open for 12 more hours


def _reminded(ses: Any) -> list[str]:
    return sorted(mail.to for mail in student_mails(ses) if "Reminder" in mail.subject)


def test_only_those_who_have_not_submitted_are_reminded_once(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(due=to_iso(DUE_SOON))
    world.submit("student01", "acac")
    once = runner(world, ses, clock)
    first = once(START)
    assert first.reminders_sent == 2 and first.tests_scored == 0
    assert _reminded(ses) == ["student02@example.org", "student03@example.org"]
    [mail] = [m for m in student_mails(ses) if m.to == "student02@example.org"]
    sentence = "Kernels (os) is due Tuesday 24 November 2026, 18:00 UTC; you have not submitted it yet."
    assert sentence in mail.text
    assert "bin/test-time.sh --subject os --test test01" in mail.text
    clock.advance(3600)
    assert once(START + timedelta(hours=1)).reminders_sent == 0  # once per test and student
    assert len(student_mails(ses)) == 2 and summaries(ses) == []  # reminders alone tell the trainer nothing
    records = read_email_ledger(
        S3Data(world.bucket, lean_objects(world.bucket)), layout.reminder_emails("os", "test01")
    )
    assert sorted(sid for sid, record in records.items() if record and record.status == "sent") == [
        "student02",
        "student03",
    ]


def test_no_reminder_before_the_window_nor_when_reminders_are_off(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(due=to_iso(START + timedelta(hours=30)))
    assert runner(world, ses, clock)(START).reminders_sent == 0  # 30 h ahead: outside the 24 h window
    assert runner(world, ses, clock, reminder_hours=0)(START + timedelta(hours=10)).reminders_sent == 0
    assert runner(world, ses, clock, reminder_hours=31)(START).reminders_sent == 3
    assert len(_reminded(ses)) == 3


def test_an_extension_moves_the_students_reminder_to_their_own_deadline(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(due=to_iso(DUE_SOON))
    catalog = world.get(layout.CATALOG)
    extended = DUE_SOON + timedelta(days=3)
    catalog["tests"][0]["extensions"] = {"student03": to_iso(extended)}
    world.put(layout.CATALOG, catalog)
    once = runner(world, ses, clock)
    assert once(START).reminders_sent == 2  # student03's own deadline is three days later
    assert "student03@example.org" not in _reminded(ses)
    clock.advance((extended - START - timedelta(hours=2)).total_seconds())
    later = once(extended - timedelta(hours=2))
    assert later.reminders_sent == 1 and _reminded(ses).count("student03@example.org") == 1
    [mail] = [m for m in student_mails(ses) if m.to == "student03@example.org"]
    assert "due Sunday 27 November 2026" not in mail.text and "Friday 27 November 2026, 18:00 UTC" in mail.text


def test_a_failed_reminder_is_sent_by_the_next_run_and_only_then(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(due=to_iso(DUE_SOON), students=2)
    ses.fail_for.add("student02@example.org")
    once = runner(world, ses, clock)
    first = once(START)
    assert (first.reminders_sent, first.emails_failed) == (1, 1)
    ses.fail_for.clear()
    clock.advance(900)
    assert once(START + timedelta(minutes=15)).reminders_sent == 1
    assert _reminded(ses) == ["student01@example.org", "student02@example.org"]
    clock.advance(900)
    assert once(START + timedelta(minutes=30)).reminders_sent == 0

"""Reminders: one email per open test and student who has not submitted it, ``reminder_hours`` before their own
deadline (an extension counts), sent once through the test's reminder ledger (:func:`testtime.layout.
reminder_emails`).

Cheap when nothing is near: a test costs a request (one listing of its folder, for who submitted) only in a run
that falls inside some student's reminder window, [deadline - hours, deadline); the ledger's lease and listing
follow only when someone is owed a reminder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from testtime import layout
from testtime.documents.catalog import CatalogTest
from testtime.documents.class_list import Student
from testtime.emails import RenderedEmail
from testtime.notices import reminder_email
from testtime.scorer.data import S3Data
from testtime.scorer.ledger import TestLedger
from testtime.scorer.notices import Notice, NoticeGroup
from testtime.scorer.settings import Settings


def _in_window(test: CatalogTest, sid: str, moment: datetime, hours: int) -> bool:
    deadline = test.deadline_for(sid)
    return deadline - timedelta(hours=hours) <= moment < deadline


def submitters(data: S3Data, test: CatalogTest) -> frozenset[str]:
    """Students with a submission of any version (one listing of the test's folder)."""
    keys = data.list_keys(layout.test_prefix(test.subject, test.test_id))
    return layout.submitters_among(test.subject, test.test_id, keys)


def reminder_groups(
    data: S3Data,
    tests: Iterable[CatalogTest],
    students: Iterable[Student],
    moment: datetime,
    settings: Settings,
    ledger_for: Callable[[CatalogTest, layout.LedgerPlace], TestLedger],
) -> list[NoticeGroup]:
    """The reminders owed at ``moment``, one group per test (before the ledger says who already had one)."""
    if settings.reminder_hours <= 0:
        return []
    reachable = [student for student in students if student.email and layout.is_safe_id(student.student_id)]
    groups = []
    for test in tests:
        due = [s for s in reachable if _in_window(test, s.student_id, moment, settings.reminder_hours)]
        if not due:
            continue
        done = submitters(data, test)
        notices = [
            Notice(student, _render(test, student, settings)) for student in due if student.student_id not in done
        ]
        if notices:
            place = layout.reminder_emails(test.subject, test.test_id)
            groups.append(NoticeGroup("reminder", ledger_for(test, place), notices))
    return groups


def _render(test: CatalogTest, student: Student, settings: Settings) -> Callable[[], RenderedEmail]:
    sid = student.student_id
    return lambda: reminder_email(
        test, sid, student.name or "", test.deadline_for(sid), settings.zone, settings.portal_url
    )

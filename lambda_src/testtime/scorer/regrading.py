"""Regrades: a test rescored at a new scoring version (a corrected answer key, or another grade scale).

The run that rescores a test finds, among the students whose score email was already sent, those whose score
changed (:func:`find_changes`), and records them once, create-only, in the regrade record
(:mod:`testtime.documents.regrades`) before its state cache moves to the new version; the version stays in the
state's ``regrading`` list until every one of them is known to have had their notice (:func:`notice_groups`,
sent through the regrade ledger of that version, once each). Students not yet emailed get their first score
email with the new score; everybody else gets nothing. The trainer's summary covers the test again at its new
version and lists the changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from testtime import layout
from testtime.documents.catalog import CatalogTest
from testtime.documents.class_list import Student
from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import KeyEntry
from testtime.documents.regrades import Regrade, RegradeChange, parse_regrade, regrade_document
from testtime.documents.scorer_records import KeySnapshot, ScoreRow
from testtime.notices import RegradeChange as NoticeChange
from testtime.notices import regrade_email
from testtime.ordering import order_of
from testtime.scorer.data import S3Data
from testtime.scorer.failures import Failure, FailureKind, FailureLog
from testtime.scorer.grading import TestProgress, problem_of
from testtime.scorer.ledger import TestLedger
from testtime.scorer.notices import Notice, NoticeGroup
from testtime.scoring import question_points, same_score


def _entry(question_id: str, snapshot: KeySnapshot) -> KeyEntry:
    return KeyEntry(question_id, snapshot.answer, snapshot.points, snapshot.partial)


def _moved(work: TestProgress, row: ScoreRow) -> tuple[str, ...]:
    """The questions on which the new key gives this student other points than the old one did."""
    if work.key is None or row.answers is None or not work.before_key:
        return ()  # the old key is unknown (a state cache from before it was kept): no question can be named
    moved = []
    for entry in work.key.entries:
        given = row.answers.get(entry.question_id)
        old = work.before_key.get(entry.question_id)
        before = question_points(_entry(entry.question_id, old), given) if old is not None else None
        if before != question_points(entry, given):
            moved.append(entry.question_id)
    return tuple(moved)


def incomplete(work: TestProgress) -> bool:
    """Whether an emailed student's new score is unknown (their submission could not be read this run): the
    changes cannot be recorded whole, so the test waits for the next run, at its old version."""
    return any(
        sid in work.before and sid not in work.rows and sid not in work.corrupt and sid in work.versions
        for sid in work.emailed
    )


def find_changes(work: TestProgress, now: datetime) -> Regrade | None:
    """After rescoring at a new version: the already emailed students whose score changed (``work.emailed``
    must hold every student the score ledger shows emailed); None when the test was not rescored at a new
    version."""
    if not work.before or work.key is None:
        return None
    changes: dict[str, RegradeChange] = {}
    for sid in sorted(work.emailed):
        before, after = work.before.get(sid), work.rows.get(sid)
        if before is None or after is None or before.version != after.version or same_score(before, after):
            continue
        changes[sid] = RegradeChange(before, after, _moved(work, after))
    return Regrade(work.version, now, changes)


def record_changes(data: S3Data, work: TestProgress, regrade: Regrade, failures: FailureLog) -> Regrade | None:
    """Write the regrade record of a new round (create-only: a retried run finds its own record again, since the
    state cache, which counts the rounds, moves on only after it) and put the round on the state's
    ``regrading`` list; the record as stored, None when S3 failed (then nothing of the test is saved, so the next
    run compares again). A round without changes writes nothing."""
    if not regrade.changes:
        return regrade
    round_id = f"{work.rounds + 1:04d}-{regrade.version}"
    key = layout.regrade_record_key(work.test.subject, work.test.test_id, round_id)
    try:
        if not data.put_if_absent(key, regrade_document(regrade)):
            stored = parse_regrade(key, data.get(key))
            regrade = stored if stored is not None else regrade
    except (ClientError, BotoCoreError, MalformedDocument) as error:
        why = problem_of(error) if isinstance(error, MalformedDocument) else f"S3: {error}"
        failures.add(Failure(FailureKind.LEDGER, f"regrade record: {why}", work.test.subject, work.test.test_id))
        return None
    work.rounds, work.last_regrade = work.rounds + 1, round_id
    work.regrading = (*work.regrading, round_id)
    return regrade


def numbers(work: TestProgress, sid: str, question_ids: tuple[str, ...], own_order: bool = True) -> tuple[int, ...]:
    """1-based numbers of the questions: in the student's own order (their notice), or in the published order
    (the trainer's summary, which lists every student's change side by side)."""
    questions = list(work.book.values())
    shuffled = own_order and work.test.shuffle
    order = order_of(questions, work.test.subject, work.test.test_id, sid, shuffled) if questions else []
    if not order and work.key is not None:
        order = [entry.question_id for entry in work.key.entries]
    return tuple(sorted(order.index(q) + 1 for q in question_ids if q in order))


def notice_groups(
    data: S3Data,
    work: TestProgress,
    students: Mapping[str, Student],
    ledger_for: Callable[[CatalogTest, layout.LedgerPlace], TestLedger],
    failures: FailureLog,
) -> list[tuple[str, Regrade, NoticeGroup]]:
    """One group of regrade notices per round on the state's ``regrading`` list: (round, record, group)."""
    groups = []
    subject, test_id = work.test.subject, work.test.test_id
    for round_id in work.regrading:
        key = layout.regrade_record_key(subject, test_id, round_id)
        try:
            regrade = parse_regrade(key, data.get(key))
        except (ClientError, BotoCoreError, MalformedDocument) as error:
            why = problem_of(error) if isinstance(error, MalformedDocument) else f"S3: {error}"
            failures.add(Failure(FailureKind.LEDGER, f"regrade record: {why}", subject, test_id))
            continue
        if regrade is None:  # gone: nothing left to tell
            regrade = Regrade(round_id)
        notices = []
        for sid, change in sorted(regrade.changes.items()):
            student = students.get(sid)
            if student is None or not student.email:
                continue  # no address (the score email said so to the trainer): nobody to tell
            shown = NoticeChange(
                sid, student.name or "", change.before, change.after, numbers(work, sid, change.questions)
            )
            notices.append(Notice(student, lambda shown=shown: regrade_email(shown, work.test)))
        place = layout.regrade_emails(subject, test_id, round_id)
        groups.append((round_id, regrade, NoticeGroup("regrade", ledger_for(work.test, place), notices)))
    return groups


def settle(work: TestProgress, groups: list[tuple[str, Regrade, NoticeGroup]], students: Mapping[str, Student]) -> None:
    """Take each round whose notices are all known sent off the ``regrading`` list."""
    done = set()
    for round_id, regrade, group in groups:
        owed = {sid for sid in regrade.changes if (s := students.get(sid)) is not None and s.email}
        if owed <= group.known_sent:
            done.add(round_id)
    work.regrading = tuple(r for r in work.regrading if r not in done)

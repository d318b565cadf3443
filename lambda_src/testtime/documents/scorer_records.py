"""The scorer's own records under ``scorer/`` (keys in :mod:`testtime.layout`), each with one reader and writer.

* the state cache of a test (``scorer/tests/<subject>/<test>.json``): scoring version, score rows, corrupt
  submissions and the students known emailed; only a cache, the scores and the email ledger stay the truth;
* the test's sending lease (``scorer/leases/...``): who may send the test's score emails now;
* the email ledger: a student's own record (``scorer/emails/<subject>/<test>/<studentId>.json``, a claim or a
  failed email and its later outcome) and batches of records of emails sent (``.../batches/<id>.json``);
* the summary ledger (``scorer/summaries/...``): the trainer's summary covered the test at a scoring version (and,
  for a test with extensions, which students it covered).

Times are ISO 8601 with offset; a time that cannot be read is None (a claim with no readable time is stale).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from testtime.deadlines import parse_instant, to_iso
from testtime.documents.codec import MalformedDocument, dumps, is_count, loads

Grade = int | float | str
Answer = str | tuple[str, ...]  # a choice, or the sorted choices of a multiple-answer question


def _object(key: str, body: bytes) -> dict[str, Any]:
    document = loads(key, body)
    if not isinstance(document, dict):
        raise MalformedDocument(key, "is not a JSON object")
    return document


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _instant(value: Any) -> datetime | None:
    try:
        return parse_instant(value)
    except (TypeError, ValueError):
        return None


def _fields(pairs: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that are set, times as ISO text: a record keeps only what its status has."""
    return {name: to_iso(v) if isinstance(v, datetime) else v for name, v in pairs.items() if v is not None}


# -- the state cache of a test ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    """What the trainer's summary shows of one score, and which submission version it scored."""

    correct: int
    questions: int
    percent: float
    grade: Grade
    points: float | None = None  # None: the test is not weighted (its score is a count of right answers)
    max_points: float | None = None
    version: int = 1  # the submission version scored (a newer one, once the test reopened, is scored again)
    # Question id -> the student's answer (None: unanswered), for the item analysis and regrade previews; the
    # whole field None for a row cached before it existed (the scorer reads that submission again).
    answers: Mapping[str, Answer | None] | None = None


@dataclass(frozen=True)
class KeySnapshot:
    """One answer-key entry as the rows were scored with it: a later key is compared with it (regrades)."""

    answer: Answer
    points: float = 1
    partial: bool = False


@dataclass(frozen=True)
class TestState:
    """The state cache of one test."""

    __test__ = False  # not a pytest test class, despite the name

    version: str  # the scoring version the rows and corrupt submissions belong to
    rows: Mapping[str, ScoreRow] = field(default_factory=dict)
    corrupt: Mapping[str, str] = field(default_factory=dict)  # student id -> why it cannot be scored
    emailed: tuple[str, ...] = ()  # students whose score email is known sent, sorted
    key: Mapping[str, KeySnapshot] = field(default_factory=dict)  # the answer key the rows were scored with
    # Regrade rounds (testtime.documents.regrades) whose notices are not all known sent yet; how many rounds the
    # test had (a round's id counts them, so a key changed back and forth is a new round each time); the latest.
    regrading: tuple[str, ...] = ()
    rounds: int = 0
    last_regrade: str = ""


def _answer(value: Any) -> Answer | bool | None:
    """A stored answer; False when it is not one (None is a question left unanswered)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(choice, str) for choice in value):
        return tuple(value)
    return False


def _answers(key: str, sid: str, raw: Any) -> dict[str, Answer | None] | None:
    if raw is None:
        return None
    answers = {str(qid): _answer(value) for qid, value in raw.items()} if isinstance(raw, dict) else None
    if answers is None or any(value is False for value in answers.values()):
        raise MalformedDocument(key, f"has no usable answers of {sid}")
    return answers  # type: ignore[return-value]


def _listed(answer: Answer | None) -> str | list[str] | None:
    return list(answer) if isinstance(answer, tuple) else answer


def _key_snapshot(key: str, raw: Any) -> dict[str, KeySnapshot]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MalformedDocument(key, "has no usable answer key")
    snapshot: dict[str, KeySnapshot] = {}
    for qid, entry in raw.items():
        answer = _answer(entry.get("answer")) if isinstance(entry, dict) else False
        points = entry.get("points", 1) if isinstance(entry, dict) else None
        if answer is False or answer is None or isinstance(points, bool) or not isinstance(points, int | float):
            raise MalformedDocument(key, f"has no usable answer key entry {qid}")
        snapshot[str(qid)] = KeySnapshot(answer, points, entry.get("partial") is True)  # type: ignore[arg-type]
    return snapshot


def _snapshot_document(entry: KeySnapshot) -> dict[str, Any]:
    document: dict[str, Any] = {"answer": _listed(entry.answer)}
    if entry.points != 1:
        document["points"] = entry.points
    if entry.partial:
        document["partial"] = True
    return document


def parse_row(key: str, sid: str, raw: Any) -> ScoreRow:
    if not isinstance(raw, dict) or not is_count(raw.get("correct")) or not is_count(raw.get("questions")):
        raise MalformedDocument(key, f"has no usable score row of {sid}")
    percent, grade = raw.get("percent"), raw.get("grade")
    if isinstance(percent, bool) or not isinstance(percent, int | float):
        raise MalformedDocument(key, f"has no usable percent of {sid}")
    if isinstance(grade, bool) or not isinstance(grade, int | float | str):
        raise MalformedDocument(key, f"has no usable grade of {sid}")
    points, max_points, version = raw.get("points"), raw.get("maxPoints"), raw.get("version", 1)
    if (points is None) != (max_points is None) or not all(
        value is None or (isinstance(value, int | float) and not isinstance(value, bool))
        for value in (points, max_points)
    ):
        raise MalformedDocument(key, f"has no usable points of {sid}")
    if not is_count(version) or version < 1:
        raise MalformedDocument(key, f"has no usable submission version of {sid}")
    answers = _answers(key, sid, raw.get("answers"))
    return ScoreRow(raw["correct"], raw["questions"], float(percent), grade, points, max_points, version, answers)


def row_document(row: ScoreRow) -> dict[str, Any]:
    """A row as stored; points and version only when used, so a test without them keeps its bytes."""
    document: dict[str, Any] = {
        "correct": row.correct,
        "questions": row.questions,
        "percent": row.percent,
        "grade": row.grade,
    }
    if row.points is not None:
        document |= {"points": row.points, "maxPoints": row.max_points}
    if row.version != 1:
        document["version"] = row.version
    if row.answers is not None:
        document["answers"] = {qid: _listed(answer) for qid, answer in row.answers.items()}
    return document


def parse_state(key: str, body: bytes | None) -> TestState | None:
    """The state cache; None when there is none yet."""
    if body is None:
        return None
    document = _object(key, body)
    rows, corrupt, emailed = (document.get(name) for name in ("rows", "corrupt", "emailed"))
    rows = {} if rows is None else rows  # absent: none yet; present, it must be of its type
    corrupt = {} if corrupt is None else corrupt
    emailed = [] if emailed is None else emailed
    if not isinstance(rows, dict) or not isinstance(corrupt, dict) or not isinstance(emailed, list):
        raise MalformedDocument(key, "is not a scorer state (rows, corrupt, emailed)")
    return TestState(
        version=str(document.get("version") or ""),
        rows={str(sid): parse_row(key, str(sid), raw) for sid, raw in rows.items()},
        corrupt={str(sid): str(why) for sid, why in corrupt.items()},
        emailed=tuple(sorted(str(sid) for sid in emailed)),
        key=_key_snapshot(key, document.get("key")),
        regrading=_versions(key, document.get("regrading")),
        rounds=document["regradeRounds"] if is_count(document.get("regradeRounds")) else 0,
        last_regrade=str(document.get("lastRegrade") or ""),
    )


def _versions(key: str, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
        raise MalformedDocument(key, "has a regrading entry that is not a list of versions")
    return tuple(raw)


def state_document(state: TestState) -> bytes:
    rows = {sid: row_document(row) for sid, row in sorted(state.rows.items())}
    return dumps(
        {
            "version": state.version,
            "rows": rows,
            "corrupt": dict(sorted(state.corrupt.items())),
            "emailed": sorted(state.emailed),
            **({"key": {qid: _snapshot_document(e) for qid, e in state.key.items()}} if state.key else {}),
            **({"regrading": list(state.regrading)} if state.regrading else {}),
            **({"regradeRounds": state.rounds, "lastRegrade": state.last_regrade} if state.rounds else {}),
        }
    )


# -- the sending lease -------------------------------------------------------------------------------------------

HELD, FREE = "held", "free"


@dataclass(frozen=True)
class Lease:
    status: str  # HELD or FREE (anything else reads as free)
    run_id: str = ""
    claimed_at: datetime | None = None  # when it was taken (HELD)
    link: int | None = None  # which invocation of the run took it (HELD)
    released_at: datetime | None = None  # FREE

    @property
    def held(self) -> bool:
        return self.status == HELD


def parse_lease(key: str, body: bytes) -> Lease:
    document = _object(key, body)
    link = document.get("link")
    return Lease(
        status=str(document.get("status") or ""),
        run_id=_text(document.get("runId")) or "",
        claimed_at=_instant(document.get("claimedAt")),
        link=link if is_count(link) else None,
        released_at=_instant(document.get("releasedAt")),
    )


def lease_document(lease: Lease) -> bytes:
    return dumps(
        _fields(
            {
                "status": lease.status,
                "claimedAt": lease.claimed_at,
                "releasedAt": lease.released_at,
                "runId": lease.run_id,
                "link": lease.link,
            }
        )
    )


# -- the email ledger --------------------------------------------------------------------------------------------

SENDING, SENT, FAILED = "sending", "sent", "failed"


@dataclass(frozen=True)
class EmailRecord:
    """One student's score email of one test: claimed (SENDING), SENT, or FAILED (the next run tries again)."""

    status: str
    run_id: str | None = None
    claimed_at: datetime | None = None  # SENDING
    message_id: str | None = None  # SENT: SES's MessageId
    sent_at: datetime | None = None  # SENT
    error: str | None = None  # FAILED
    attempts: int | None = None  # FAILED: sending attempts so far, over all runs
    failed_at: datetime | None = None  # FAILED

    def to_json(self) -> dict[str, Any]:
        return _fields(
            {
                "status": self.status,
                "claimedAt": self.claimed_at,
                "messageId": self.message_id,
                "sentAt": self.sent_at,
                "error": self.error,
                "attempts": self.attempts,
                "failedAt": self.failed_at,
                "runId": self.run_id,
            }
        )


def _email_record(key: str, raw: Any) -> EmailRecord:
    if not isinstance(raw, dict):
        raise MalformedDocument(key, "has an email record that is not an object")
    attempts = raw.get("attempts")
    return EmailRecord(
        status=str(raw.get("status") or ""),
        run_id=_text(raw.get("runId")),
        claimed_at=_instant(raw.get("claimedAt")),
        message_id=_text(raw.get("messageId")),
        sent_at=_instant(raw.get("sentAt")),
        error=_text(raw.get("error")),
        attempts=attempts if is_count(attempts) else None,
        failed_at=_instant(raw.get("failedAt")),
    )


def parse_email_record(key: str, body: bytes) -> EmailRecord:
    """A student's own record (a claim, or a failed email and its later outcome)."""
    return _email_record(key, _object(key, body))


def email_record_document(record: EmailRecord) -> bytes:
    return dumps(record.to_json())


def parse_ledger_batch(key: str, body: bytes) -> dict[str, EmailRecord]:
    """The records of one batch by student id."""
    records = _object(key, body).get("records")
    if not isinstance(records, dict):
        raise MalformedDocument(key, "has no records")
    return {str(sid): _email_record(key, raw) for sid, raw in records.items()}


def ledger_batch_document(records: Mapping[str, EmailRecord]) -> bytes:
    return dumps({"records": {sid: record.to_json() for sid, record in sorted(records.items())}})


# -- the summary ledger ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRecord:
    """The trainer's summary of a test at a scoring version: claimed (SENDING), SENT or FAILED.

    ``students`` (written for a test with extensions only, so other tests keep their bytes): the students whose
    outcome the summary reported, so that one scored after their own, later deadline is reported once more.
    """

    status: str
    version: str
    run_id: str | None = None
    claimed_at: datetime | None = None  # SENDING
    message_id: str | None = None  # SENT
    covered_at: datetime | None = None  # SENT
    error: str | None = None  # FAILED
    failed_at: datetime | None = None  # FAILED
    students: tuple[str, ...] | None = None  # SENT, sorted; None: not recorded (a test without extensions)

    def covers(self, version: str) -> bool:
        return self.status == SENT and self.version == version


def parse_summary_record(key: str, body: bytes) -> SummaryRecord:
    document = _object(key, body)
    students = document.get("students")
    if students is not None and (not isinstance(students, list) or not all(isinstance(s, str) for s in students)):
        raise MalformedDocument(key, "has a students entry that is not a list of student ids")
    return SummaryRecord(
        status=str(document.get("status") or ""),
        version=str(document.get("version") or ""),
        run_id=_text(document.get("runId")),
        claimed_at=_instant(document.get("claimedAt")),
        message_id=_text(document.get("messageId")),
        covered_at=_instant(document.get("coveredAt")),
        error=_text(document.get("error")),
        failed_at=_instant(document.get("failedAt")),
        students=None if students is None else tuple(sorted(students)),
    )


def summary_record_document(record: SummaryRecord) -> bytes:
    return dumps(
        _fields(
            {
                "status": record.status,
                "version": record.version,
                "claimedAt": record.claimed_at,
                "messageId": record.message_id,
                "coveredAt": record.covered_at,
                "error": record.error,
                "failedAt": record.failed_at,
                "runId": record.run_id,
                "students": None if record.students is None else sorted(record.students),
            }
        )
    )

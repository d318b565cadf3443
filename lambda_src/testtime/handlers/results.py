"""``GET /api/v1/results[?subjectName=S[&testId=T]]``: the trainer's view of every test's scores (trainer key only).

The caller must hold the trainer's key: the SHA-256 digest of ``x-api-key`` must equal ``trainer.json``'s
``api_key_sha256``, else 403 (a student's key included). Per test: the scores, who submitted but is not scored
yet, who on the class list did not submit, (for a test with extensions) who has not submitted but still may, by
their own deadline, and the item analysis (``testtime.analysis``) of the scores.

A few requests per test, whatever the class size (issue 14: 1,000 students x 10 tests answer far inside API
Gateway's 29 s): one listing of ``<subject>/<test>/`` (who submitted, who has a ``score.json``), one GET of the
scorer's state cache (``scorer/tests/<subject>/<test>.json``: every score row, with each student's answers), the
answer key and the questions (for the analysis), and a GET of ``score.json`` only for a scored student the cache
lacks (a score of the 2019 service, or of a run that stopped before it saved the cache). The tests are read in
parallel.

The cache's rows are the scores ``score.json`` holds: the scorer writes both in the same run. ``stale`` is true
when the cache was written under another answer key or grade scale than the current ones (a key corrected since
the last run): the scores are then the old ones until the scorer's next run rescores the test.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from testtime import deadlines, http, layout, s3io, store
from testtime.analysis import analyse
from testtime.documents.catalog import CatalogTest
from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import AnswerKey, Question, parse_answer_key, parse_questions
from testtime.documents.scorer_records import ScoreRow, TestState, parse_state
from testtime.documents.scores import ScoreRecord, parse_score
from testtime.errors import ApiError
from testtime.handlers import API_KEY_HEADER, find_test
from testtime.i18n import API
from testtime.identity import api_key_digest
from testtime.log import log
from testtime.scoring import GradeScale, parse_grade_scale, scoring_version
from testtime.submission import bad_request, check_id

_ = API.gettext

TEST_READERS = 10  # tests read in parallel within one request
SCORE_READERS = 8  # parallel GETs of score.json (only for scores the state cache lacks)


def require_trainer(api_key: str | None) -> None:
    """403 unless ``api_key`` is the trainer's (compared by digest, in constant time)."""
    if not api_key:
        raise ApiError(403, "forbidden", _("The request has no API key; send it in the x-api-key header."))
    stored = store.trainer_key_digest()
    if stored is None or not hmac.compare_digest(stored.encode(), api_key_digest(api_key).encode()):
        raise ApiError(403, "forbidden", _("Only the trainer's API key may read the results."))


def grade_scale() -> GradeScale:
    """The scorer's grade scale (the same ``GRADE_SCALE`` setting): the current scoring version depends on it."""
    try:
        return parse_grade_scale(os.environ.get("GRADE_SCALE"))
    except ValueError as error:
        log("WARNING", "GRADE_SCALE unreadable, the default scale used", problem=str(error))
        return GradeScale()


def _selected_tests(subject: str | None, test_id: str | None) -> list[CatalogTest]:
    if test_id is not None and subject is None:
        raise bad_request(_("testId: needs subjectName too"))
    if subject is not None and test_id is not None:
        return [find_test(subject, test_id, fresh=True)]
    tests = [test for test in store.catalog(fresh=True).tests.values() if subject is None or test.subject == subject]
    if subject is not None and not tests:
        raise ApiError(404, "not_found", _("subjectName: there is no subject {subject!r}", subject=subject))
    # The most recent deadline first: what the trainer looks at after a scorer run.
    return sorted(tests, key=lambda test: (-test.deadline.timestamp(), test.subject, test.test_id))


def _folders(subject: str, test_id: str) -> tuple[set[str], set[str]]:
    """Student ids with a submission (``testResult.json`` or a later version, ``testResult.<N>.json``) and those
    with a ``score.json`` under the test's prefix."""
    submitted: set[str] = set()
    scored: set[str] = set()
    for key in s3io.list_keys(store.bucket(), layout.test_prefix(subject, test_id)):
        parsed = layout.parse_test_folder_key(subject, test_id, key)
        if parsed is None or not layout.is_safe_id(parsed[0]):
            continue
        (scored if parsed[1] == layout.SCORE_FILE else submitted).add(parsed[0])
    return submitted, scored


def _document(key: str, parse: Any) -> Any:
    """``parse(key, body)`` of the object, or None when it is absent or unreadable (logged: the answer goes on)."""
    body = s3io.get_bytes(store.bucket(), key)
    if body is None:
        return None
    try:
        return parse(key, body)
    except MalformedDocument as error:
        log("WARNING", "document unreadable", key=key, problem=str(error))
        return None


@dataclass(frozen=True)
class Stored:
    """What the scorer and the publisher left of one test: its listing, state cache, answer key and questions."""

    submitted: set[str]
    scored: set[str]
    state: TestState | None
    key: AnswerKey | None
    questions: tuple[Question, ...]


def _read_test(test: CatalogTest) -> Stored:
    submitted, scored = _folders(test.subject, test.test_id)
    state = _document(layout.scorer_state_key(test.subject, test.test_id), parse_state)
    key = _document(layout.answer_key_key(test.subject, test.test_id), parse_answer_key)
    questions = _document(layout.questions_key(test.subject, test.test_id), parse_questions)
    return Stored(submitted, scored, state, key, questions or ())


def _read_score(subject: str, test_id: str, student_id: str) -> ScoreRecord | None:
    """The student's score, in today's shape or the 2019 service's ``{"score": N}``; None when unreadable."""
    return _document(layout.score_key(subject, test_id, student_id), parse_score)


def _cached_row(row: ScoreRow) -> ScoreRecord:
    return ScoreRecord(row.grade, row.correct, row.questions, row.percent, points=row.points, max_points=row.max_points)


def _analysed_row(record: ScoreRecord) -> ScoreRow | None:
    """A score read from ``score.json`` as a row of the analysis (without answers); None for a 2019 grade."""
    if record.correct is None or record.questions is None or record.percent is None:
        return None
    return ScoreRow(record.correct, record.questions, record.percent, record.grade, record.points, record.max_points)


def _scores(
    test: CatalogTest, stored: Stored, pool: ThreadPoolExecutor
) -> tuple[dict[str, ScoreRecord], dict[str, ScoreRow]]:
    """Each scored student's score (the cache's row, else their ``score.json``) and the rows the analysis reads."""
    cached = dict(stored.state.rows) if stored.state is not None else {}
    lacking = sorted(sid for sid in stored.scored if sid not in cached)
    read = dict(zip(lacking, pool.map(lambda sid: _read_score(test.subject, test.test_id, sid), lacking), strict=True))
    unreadable = [sid for sid, record in read.items() if record is None]
    if unreadable:
        log("WARNING", "score.json unreadable", subject=test.subject, testId=test.test_id, students=unreadable)
    records: dict[str, ScoreRecord] = {}
    rows: dict[str, ScoreRow] = {}
    for sid in sorted(stored.scored):
        if sid in cached:
            records[sid], rows[sid] = _cached_row(cached[sid]), cached[sid]
        elif (record := read.get(sid)) is not None:
            records[sid] = record
            if (row := _analysed_row(record)) is not None:
                rows[sid] = row
    if lacking:
        log("INFO", "scores read beside the state cache", subject=test.subject, testId=test.test_id, count=len(lacking))
    return records, rows


def _pending(test: CatalogTest, not_submitted: list[str], now: datetime) -> list[dict[str, str]]:
    """The students with an extension who have not submitted and whose own deadline is still ahead: not
    missing (yet)."""
    return [
        {"studentId": sid, "deadline": deadlines.to_iso(test.deadline_for(sid))}
        for sid in not_submitted
        if test.extension_for(sid) is not None and test.is_open_for(sid, now)
    ]


def _analysis(
    test: CatalogTest, stored: Stored, rows: dict[str, ScoreRow], missing: int, scale: GradeScale
) -> dict[str, Any] | None:
    if stored.key is None or not rows:
        return None
    return analyse(test, rows, stored.key, scale, missing, stored.questions).to_json()


def _test_results(
    test: CatalogTest, names: dict[str, str | None], pool: ThreadPoolExecutor, scale: GradeScale
) -> dict[str, Any]:
    stored = _read_test(test)
    records, rows = _scores(test, stored, pool)
    results = [{"studentId": sid, "name": names.get(sid), **record.to_json()} for sid, record in records.items()]
    not_scored = sorted(stored.submitted - records.keys())
    # Scored: every submission has its score.json, and the scorer did run (a score exists) or there was
    # nothing to score (the deadline passed without any submission).
    now = deadlines.utc_now()
    scored = not not_scored and (bool(results) or not test.is_open(now))
    absent = [sid for sid in names if sid not in stored.submitted and sid not in records]
    answer: dict[str, Any] = {
        "subjectName": test.subject,
        "testId": test.test_id,
        "title": test.title,
        "deadline": deadlines.to_iso(test.deadline),
        "scored": scored,
        "results": results,
        "submittedNotScored": not_scored,
        "missing": absent,
    }
    if test.extensions:  # only then: a test without extensions has no "pending"
        pending = _pending(test, absent, now)
        waiting = {row["studentId"] for row in pending}
        answer["missing"] = [sid for sid in absent if sid not in waiting]
        answer["pending"] = pending
    state, key = stored.state, stored.key
    answer["stale"] = bool(state and key and state.rows and state.version != scoring_version(key, scale))
    answer["analysis"] = _analysis(test, stored, rows, len(answer["missing"]), scale)
    return answer


def _students(students: Iterable[Any]) -> list[dict[str, Any]]:
    """The class list as the gradebook needs it: one row per student, in the class list's order."""
    return [{"studentId": s.student_id, "name": s.name, "email": s.email} for s in students]


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    require_trainer(http.header(event, API_KEY_HEADER))
    subject = http.query_param(event, "subjectName")
    test_id = http.query_param(event, "testId")
    subject = check_id(subject, "subjectName") if subject is not None else None
    test_id = check_id(test_id, "testId") if test_id is not None else None
    tests = _selected_tests(subject, test_id)
    # The trainer's view reads the bucket's current class list and catalog (rarely called, many reads anyway): a
    # student or test published a moment ago is there.
    students = store.class_list(fresh=True).students
    names = {student.student_id: student.name for student in students}
    scale = grade_scale()
    s3io.client()  # created before the threads: creating boto3 clients is not thread-safe
    # Two pools: a test's work waits on its score reads, so they may not share one (a full pool would deadlock).
    with ThreadPoolExecutor(TEST_READERS) as per_test, ThreadPoolExecutor(SCORE_READERS) as per_score:
        body = list(per_test.map(lambda test: _test_results(test, names, per_score, scale), tests))
    log("INFO", "results read", subject=subject, testId=test_id, tests=len(body))
    return http.json_response(200, {"tests": body, "students": _students(students)})

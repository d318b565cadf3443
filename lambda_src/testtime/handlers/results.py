"""``GET /api/v1/results[?subjectName=S[&testId=T]]``: the trainer's view of every test's scores (trainer key only).

The caller must hold the trainer's key: the SHA-256 digest of ``x-api-key`` must equal ``trainer.json``'s
``api_key_sha256``, else 403 (a student's key included). Per test: the scores the scorer wrote (``score.json``),
who submitted but is not scored yet, who on the class list did not submit, and (for a test with extensions) who
has not submitted but still may, by their own deadline. One listing of
``<subject>/<test>/`` per test plus one GET per ``score.json``.
"""

from __future__ import annotations

import hmac
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from testtime import deadlines, http, layout, s3io, store
from testtime.documents.catalog import CatalogTest
from testtime.documents.codec import MalformedDocument
from testtime.documents.scores import ScoreRecord, parse_score
from testtime.errors import ApiError
from testtime.handlers import API_KEY_HEADER, find_test
from testtime.identity import api_key_digest
from testtime.log import log
from testtime.submission import bad_request, check_id

SCORE_READERS = 8  # parallel GETs of score.json within one request


def require_trainer(api_key: str | None) -> None:
    """403 unless ``api_key`` is the trainer's (compared by digest, in constant time)."""
    if not api_key:
        raise ApiError(403, "forbidden", "The request has no API key; send it in the x-api-key header.")
    stored = store.trainer_key_digest()
    if stored is None or not hmac.compare_digest(stored.encode(), api_key_digest(api_key).encode()):
        raise ApiError(403, "forbidden", "Only the trainer's API key may read the results.")


def _selected_tests(subject: str | None, test_id: str | None) -> list[CatalogTest]:
    if test_id is not None and subject is None:
        raise bad_request("testId: needs subjectName too")
    if subject is not None and test_id is not None:
        return [find_test(subject, test_id, fresh=True)]
    tests = [test for test in store.catalog(fresh=True).tests.values() if subject is None or test.subject == subject]
    if subject is not None and not tests:
        raise ApiError(404, "not_found", f"subjectName: there is no subject {subject!r}")
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


def _pending(test: CatalogTest, not_submitted: list[str], now: datetime) -> list[dict[str, str]]:
    """The students with an extension who have not submitted and whose own deadline is still ahead: not
    missing (yet)."""
    return [
        {"studentId": sid, "deadline": deadlines.to_iso(test.deadline_for(sid))}
        for sid in not_submitted
        if test.extension_for(sid) is not None and test.is_open_for(sid, now)
    ]


def _read_score(subject: str, test_id: str, student_id: str) -> ScoreRecord | None:
    """The student's score, in today's shape or the 2019 service's ``{"score": N}``; None when unreadable."""
    key = layout.score_key(subject, test_id, student_id)
    body = s3io.get_bytes(store.bucket(), key)
    if body is None:
        return None
    try:
        return parse_score(key, body)
    except MalformedDocument:
        return None


def _result_row(student_id: str, name: str | None, record: ScoreRecord | None) -> dict[str, Any] | None:
    """A row of the answer; the counts are null for a score the 2019 service wrote (a grade only)."""
    if record is None:
        return None
    return {"studentId": student_id, "name": name, **record.to_json()}


def _test_results(test: CatalogTest, names: dict[str, str | None], pool: ThreadPoolExecutor) -> dict[str, Any]:
    submitted, scored = _folders(test.subject, test.test_id)
    ordered = sorted(scored)
    documents = pool.map(lambda sid: _read_score(test.subject, test.test_id, sid), ordered)
    results = []
    unreadable: list[str] = []
    for student_id, document in zip(ordered, documents, strict=True):
        row = _result_row(student_id, names.get(student_id), document)
        if row is None:
            unreadable.append(student_id)
        else:
            results.append(row)
    if unreadable:
        log("WARNING", "score.json unreadable", subject=test.subject, testId=test.test_id, students=unreadable)
    scored_ids = {row["studentId"] for row in results}
    not_scored = sorted(submitted - scored_ids)
    # Scored: every submission has its score.json, and the scorer did run (a score exists) or there was
    # nothing to score (the deadline passed without any submission).
    now = deadlines.utc_now()
    scored = not not_scored and (bool(results) or not test.is_open(now))
    absent = [sid for sid in names if sid not in submitted and sid not in scored_ids]
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
    if test.extensions:  # only then: a test without extensions answers exactly as before
        pending = _pending(test, absent, now)
        waiting = {row["studentId"] for row in pending}
        answer["missing"] = [sid for sid in absent if sid not in waiting]
        answer["pending"] = pending
    return answer


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
    names = {student.student_id: student.name for student in store.class_list(fresh=True).students}
    s3io.client()  # created before the threads: creating boto3 clients is not thread-safe
    with ThreadPoolExecutor(SCORE_READERS) as pool:
        body = [_test_results(test, names, pool) for test in tests]
    log("INFO", "results read", subject=subject, testId=test_id, tests=len(body))
    return http.json_response(200, {"tests": body})

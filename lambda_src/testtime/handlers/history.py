"""``GET /api/v1/history``: the caller's submitted tests, the newest first, each with its score and a review once
scored; the right answers only once the test is closed for everybody (``testtime.history``).

Requests: the class list and the catalog (cached), one listing of the caller's submitted markers, and per
submitted test a GET of their ``score.json`` (a resubmit test a HEAD of its marker too: which version came last,
and when); a scored test adds their submission and the questions, and, once closed for everybody, the answer key.
The tests are read in parallel.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from testtime import deadlines, http, store
from testtime.documents.catalog import CatalogTest
from testtime.documents.codec import MalformedDocument
from testtime.handlers import authenticate
from testtime.history import Submitted, history
from testtime.log import log

TEST_READERS = 8  # submitted tests read in parallel within one request


def _read(test: CatalogTest, student_id: str, marked: datetime, now: datetime) -> Submitted:
    """What the store holds of one submitted test of the caller. A document no reader can use leaves that test
    "submitted" (logged), rather than failing the caller's whole history."""
    try:
        return _read_documents(test, student_id, marked, now)
    except MalformedDocument as error:
        log("WARNING", "history: unreadable document", subject=test.subject, testId=test.test_id, problem=str(error))
        return Submitted(test, student_id, deadlines.to_iso(marked))


def _read_documents(test: CatalogTest, student_id: str, marked: datetime, now: datetime) -> Submitted:
    submitted_at, version = deadlines.to_iso(marked), None
    if test.resubmit:
        receipt = store.submission_receipt_of(student_id, test.subject, test.test_id)
        if receipt is not None:
            version = receipt.version
            submitted_at = receipt.received_at or submitted_at
    score = store.score_of(test.subject, test.test_id, student_id)
    if score is None:
        return Submitted(test, student_id, submitted_at, version)
    # The scorer scores the latest version; its score names it (the marker may lack it).
    version = score.version if test.resubmit else None
    if not test.closed_for_everybody(now):  # the score only: the review waits (testtime.history)
        return Submitted(test, student_id, submitted_at, version, score)
    submission = store.submission_of(test.subject, test.test_id, student_id, score.version)
    questions = store.questions(test.subject, test.test_id, test.questions_sha256) or ()
    key = store.answer_key(test.subject, test.test_id)
    if submission is not None and submission.received_at:
        submitted_at = submission.received_at
    return Submitted(test, student_id, submitted_at, version, score, questions, submission, key)


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    student = authenticate(event)
    now = deadlines.utc_now()
    marked = store.submitted_tests(student.student_id)
    current = store.catalog()
    if any(current.find(*pair) is None for pair in marked):
        current = store.catalog(fresh=True)  # published after this container cached the catalog?
    found = [(test, at) for pair, at in marked.items() if (test := current.find(*pair)) is not None]
    if len(found) < len(marked):
        log("WARNING", "submitted tests missing from the catalog", count=len(marked) - len(found))
    with ThreadPoolExecutor(max_workers=max(1, min(TEST_READERS, len(found)))) as pool:
        entries = list(pool.map(lambda item: _read(item[0], student.student_id, item[1], now), found))
    body = history(student.student_id, student.display_name, entries, now)
    scored = sum(1 for entry in entries if entry.score is not None)
    log("INFO", "history served", submittedTests=len(entries), scoredTests=scored)
    return http.json_response(200, body)

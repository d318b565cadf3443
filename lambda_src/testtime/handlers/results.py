"""``GET /api/v1/results[?subjectName=S[&testId=T]]``: the trainer's view of every test's scores (trainer key only).

The caller must hold the trainer's key: the SHA-256 digest of ``x-api-key`` must equal ``trainer.json``'s
``api_key_sha256``, else 403 (a student's key included). Per test: the scores the scorer wrote (``score.json``),
who submitted but is not scored yet, and who on the class list did not submit. One listing of
``<subject>/<test>/`` per test plus one GET per ``score.json``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from testtime import catalog, deadlines, http, layout, s3io, store
from testtime.errors import ApiError
from testtime.handlers import API_KEY_HEADER, find_test
from testtime.identity import api_key_digest
from testtime.submission import bad_request, check_id

SCORE_READERS = 8  # parallel GETs of score.json within one request
RESULT_FIELDS = ("correct", "questions", "percent", "grade")


def require_trainer(api_key: str | None) -> None:
    """403 unless ``api_key`` is the trainer's (compared by digest, in constant time)."""
    if not api_key:
        raise ApiError(403, "forbidden", "The request has no API key; send it in the x-api-key header.")
    document = s3io.get_json(store.bucket(), layout.TRAINER)
    stored = document.get("api_key_sha256") if isinstance(document, dict) else None
    if not isinstance(stored, str) or not hmac.compare_digest(
        stored.strip().lower().encode(), api_key_digest(api_key).encode()
    ):
        raise ApiError(403, "forbidden", "Only the trainer's API key may read the results.")


def _selected_tests(subject: str | None, test_id: str | None) -> list[catalog.CatalogTest]:
    if test_id is not None and subject is None:
        raise bad_request("testId: needs subjectName too")
    if subject is not None and test_id is not None:
        return [find_test(subject, test_id)]
    tests = [test for test in store.catalog().tests.values() if subject is None or test.subject == subject]
    if subject is not None and not tests:
        raise ApiError(404, "not_found", f"subjectName: there is no subject {subject!r}")
    # The most recent deadline first: what the trainer looks at after a scorer run.
    return sorted(tests, key=lambda test: (-test.deadline.timestamp(), test.subject, test.test_id))


def _class_list(students: Iterable[Any]) -> dict[str, str | None]:
    """studentId -> name, in class-list order; entries that are not usable are skipped."""
    names: dict[str, str | None] = {}
    for entry in students:
        if isinstance(entry, dict) and layout.is_safe_id(entry.get("student_id")):
            name = entry.get("name")
            names[entry["student_id"]] = name if isinstance(name, str) else None
    return names


def _folders(subject: str, test_id: str) -> tuple[set[str], set[str]]:
    """Student ids with a ``testResult.json`` and those with a ``score.json`` under the test's prefix."""
    submitted: set[str] = set()
    scored: set[str] = set()
    prefix = layout.test_prefix(subject, test_id)
    for key in s3io.list_keys(store.bucket(), prefix):
        parts = key[len(prefix) :].split("/")
        if len(parts) != 2 or not layout.is_safe_id(parts[0]):
            continue
        if parts[1] == "testResult.json":
            submitted.add(parts[0])
        elif parts[1] == "score.json":
            scored.add(parts[0])
    return submitted, scored


def _result_row(student_id: str, name: str | None, document: Any) -> dict[str, Any] | None:
    if not isinstance(document, dict) or any(field not in document for field in RESULT_FIELDS):
        return None
    return {"studentId": student_id, "name": name, **{field: document[field] for field in RESULT_FIELDS}}


def _test_results(test: catalog.CatalogTest, names: dict[str, str | None], pool: ThreadPoolExecutor) -> dict[str, Any]:
    submitted, scored = _folders(test.subject, test.test_id)
    ordered = sorted(scored)
    documents = pool.map(
        lambda sid: s3io.get_json(store.bucket(), layout.score_key(test.subject, test.test_id, sid)), ordered
    )
    results = []
    unreadable: list[str] = []
    for student_id, document in zip(ordered, documents, strict=True):
        row = _result_row(student_id, names.get(student_id), document)
        if row is None:
            unreadable.append(student_id)
        else:
            results.append(row)
    if unreadable:
        http.log("WARNING", "score.json unreadable", subject=test.subject, testId=test.test_id, students=unreadable)
    scored_ids = {row["studentId"] for row in results}
    not_scored = sorted(submitted - scored_ids)
    # Scored: every submission has its score.json, and the scorer did run (a score exists) or there was
    # nothing to score (the deadline passed without any submission).
    scored = not not_scored and (bool(results) or not test.is_open(deadlines.utc_now()))
    return {
        "subjectName": test.subject,
        "testId": test.test_id,
        "title": test.title,
        "deadline": deadlines.to_iso(test.deadline),
        "scored": scored,
        "results": results,
        "submittedNotScored": not_scored,
        "missing": [sid for sid in names if sid not in submitted and sid not in scored_ids],
    }


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    require_trainer(http.header(event, API_KEY_HEADER))
    subject = http.query_param(event, "subjectName")
    test_id = http.query_param(event, "testId")
    subject = check_id(subject, "subjectName") if subject is not None else None
    test_id = check_id(test_id, "testId") if test_id is not None else None
    tests = _selected_tests(subject, test_id)
    names = _class_list(store.students())
    s3io.client()  # created before the threads: creating boto3 clients is not thread-safe
    with ThreadPoolExecutor(SCORE_READERS) as pool:
        body = [_test_results(test, names, pool) for test in tests]
    return http.json_response(200, {"tests": body})

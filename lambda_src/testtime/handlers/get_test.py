"""``GET /api/v1/test?subjectName=S&testId=T``: the questions and choices of an open test, never the key."""

from __future__ import annotations

from typing import Any

from testtime import deadlines, http, store
from testtime.documents.questions import public_questions
from testtime.errors import ApiError
from testtime.handlers import authenticate, find_test
from testtime.log import bind, log
from testtime.submission import bad_request, check_id


def _param(event: dict[str, Any], name: str) -> str:
    value = http.query_param(event, name)
    if value is None:
        raise bad_request(f"{name}: this query parameter is required")
    return check_id(value, name)


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    authenticate(event)
    subject, test_id = _param(event, "subjectName"), _param(event, "testId")
    bind(subject=subject, testId=test_id)
    test = find_test(subject, test_id)
    if not test.is_open(deadlines.utc_now()):
        test = find_test(subject, test_id, fresh=True)  # reopened after this container cached the catalog?
    if not test.is_open(deadlines.utc_now()):
        raise ApiError(
            410, "test_closed", f"Test {test_id!r} of {subject!r} closed at {deadlines.to_iso(test.deadline)}."
        )
    questions = store.questions(subject, test_id, test.questions_sha256)
    if questions is None:
        raise RuntimeError(f"{subject}/{test_id} is in the catalog but its questions.json is missing")
    log("INFO", "test served")
    return http.json_response(
        200,
        {
            "subjectName": subject,
            "testId": test_id,
            "title": test.title,
            "deadline": deadlines.to_iso(test.deadline),
            "questions": public_questions(questions),
        },
    )

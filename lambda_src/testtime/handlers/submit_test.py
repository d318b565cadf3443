"""``POST /api/v1/test``: validates and stores a student's answers once (create-only), 201."""

from __future__ import annotations

from typing import Any

from testtime import deadlines, http, store
from testtime.documents.submissions import submission_document
from testtime.errors import ApiError
from testtime.handlers import authenticate, find_test
from testtime.identity import check_claimed_student
from testtime.log import bind, log
from testtime.submission import normalise_answers, parse_request


def _mark_submitted(student_id: str, subject: str, test_id: str) -> None:
    # The submission is what counts: a failed marker only leaves the test listed as open until the student
    # submits again, gets 409, and that request writes the marker.
    try:
        store.mark_submitted(student_id, subject, test_id)
    except Exception as error:  # a failed marker must not turn a stored submission into an error
        log("ERROR", "submitted marker not written", exception=type(error).__name__, detail=str(error)[:500])


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    student = authenticate(event)
    body = http.parse_json_body(event)
    check_claimed_student(student, body)
    request = parse_request(body)
    subject, test_id, student_id = request.subject, request.test_id, student.student_id
    bind(subject=subject, testId=test_id)  # a refusal below (closed, invalid, duplicate) is logged with the ids
    test = find_test(subject, test_id)
    now = deadlines.utc_now()
    if not test.is_open(now):
        raise ApiError(
            410,
            "test_closed",
            f"Test {test_id!r} of {subject!r} closed at {deadlines.to_iso(test.deadline)}; "
            "submissions are no longer accepted.",
        )
    questions = store.questions(subject, test_id)
    if questions is None:
        raise RuntimeError(f"{subject}/{test_id} is in the catalog but its questions.json is missing")
    answers = normalise_answers(request.answers, questions, request.answers_field)
    received_at = deadlines.to_iso(now)
    document = submission_document(student_id, subject, test_id, answers, received_at)
    stored = store.put_submission(subject, test_id, student_id, document)
    _mark_submitted(student_id, subject, test_id)  # also on 409: heals a marker an earlier request failed to write
    if not stored:  # http.api_handler logs the refusal, error "already_submitted", with the ids bound above
        raise ApiError(
            409,
            "already_submitted",
            f"You already submitted test {test_id!r} of {subject!r}; the first submission is kept.",
        )
    # Counts only, never the answers.
    log("INFO", "submission stored", answered=len(answers), questionCount=len(questions), receivedAt=received_at)
    return http.json_response(
        201,
        {
            "status": "stored",
            "subjectName": subject,
            "testId": test_id,
            "studentId": student_id,
            "receivedAt": received_at,
            "answered": len(answers),
            "questionCount": len(questions),
        },
    )

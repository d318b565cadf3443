"""``GET /api/v1/test?subjectName=S&testId=T``: the questions and choices of a test open for the caller, never the
key; in the caller's own order when the test shuffles."""

from __future__ import annotations

from typing import Any

from testtime import deadlines, http, store
from testtime.documents.questions import public_questions
from testtime.handlers import authenticate, find_test, refuse_if_closed
from testtime.i18n import API
from testtime.log import bind, log
from testtime.ordering import student_order
from testtime.submission import bad_request, check_id

_ = API.gettext


def _param(event: dict[str, Any], name: str) -> str:
    value = http.query_param(event, name)
    if value is None:
        raise bad_request(_("{name}: this query parameter is required", name=name))
    return check_id(value, name)


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    student_id = authenticate(event).student_id
    subject, test_id = _param(event, "subjectName"), _param(event, "testId")
    bind(subject=subject, testId=test_id)
    test = find_test(subject, test_id)
    if not test.is_open_for(student_id, deadlines.utc_now()):
        test = find_test(subject, test_id, fresh=True)  # reopened after this container cached the catalog?
    refuse_if_closed(test, student_id, deadlines.utc_now())
    deadline = test.deadline_for(student_id)
    questions = store.questions(subject, test_id, test.questions_sha256)
    if questions is None:
        raise RuntimeError(f"{subject}/{test_id} is in the catalog but its questions.json is missing")
    if test.shuffle:
        questions = student_order(questions, subject, test_id, student_id)
    body: dict[str, Any] = {
        "subjectName": subject,
        "subjectTitle": test.subject_display,
        "testId": test_id,
        "title": test.title,
        "deadline": deadlines.to_iso(deadline),
    }
    if test.resubmit:
        body["resubmit"] = True
    # One HEAD of the caller's marker: a page says "submitted on ..." before any question, whatever the test.
    receipt = store.submission_receipt_of(student_id, subject, test_id)
    if receipt is not None:
        body["submitted"] = True
        if receipt.received_at is not None:
            body["submittedAt"] = receipt.received_at
        elif receipt.modified is not None:
            body["submittedAt"] = deadlines.to_iso(receipt.modified)
    body["questions"] = public_questions(questions)
    log("INFO", "test served")
    return http.json_response(200, body)

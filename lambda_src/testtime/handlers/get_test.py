"""``GET /api/v1/test?subjectName=S&testId=T``: the questions and choices of a test open for the caller, never the
key; in the caller's own order when the test shuffles."""

from __future__ import annotations

from typing import Any

from testtime import deadlines, http, store
from testtime.documents.questions import public_questions
from testtime.handlers import authenticate, find_test, in_words, refuse_if_closed
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


def _submitted_at(receipt: store.Receipt | None) -> str | None:
    """When the caller submitted (the receipt's time, else the marker's last write); None if they have not."""
    if receipt is None:
        return None
    if receipt.received_at is not None:
        return receipt.received_at
    return deadlines.to_iso(receipt.modified) if receipt.modified is not None else None


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    student_id = authenticate(event).student_id
    subject, test_id = _param(event, "subjectName"), _param(event, "testId")
    bind(subject=subject, testId=test_id)
    test = find_test(subject, test_id)
    if not test.is_open_for(student_id, deadlines.utc_now()):
        test = find_test(subject, test_id, fresh=True)  # reopened after this container cached the catalog?
    # One HEAD of the caller's marker, before anything else: a page says "submitted on ..." before any question,
    # whatever the test, and a closed test's refusal says it too.
    receipt = store.submission_receipt_of(student_id, subject, test_id)
    submitted_at = _submitted_at(receipt)
    when = in_words(deadlines.parse_instant(submitted_at)) if submitted_at else ""
    refuse_if_closed(test, student_id, deadlines.utc_now(), _("You submitted it on {when}.", when=when) if when else "")
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
    if receipt is not None:
        body["submitted"] = True
        if submitted_at:
            body["submittedAt"] = submitted_at
    body["questions"] = public_questions(questions)
    log("INFO", "test served")
    return http.json_response(200, body)

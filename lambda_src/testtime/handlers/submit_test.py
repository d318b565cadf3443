"""``POST /api/v1/test``: validates and stores a student's answers once (create-only), 201; where the test allows
resubmission, a later submission before the student's own deadline is stored as a new version, 200 "replaced"."""

from __future__ import annotations

from typing import Any

from testtime import deadlines, http, layout, store
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import Question
from testtime.documents.submissions import submission_document
from testtime.errors import ApiError
from testtime.handlers import authenticate, find_test, refuse_if_closed
from testtime.i18n import API
from testtime.identity import check_claimed_student
from testtime.log import bind, log
from testtime.submission import StoredAnswer, normalise_answers, parse_request

_ = API.gettext
_n = API.ngettext


def _mark_submitted(student_id: str, subject: str, test_id: str, receipt: store.Receipt | None = None) -> None:
    # The submission is what counts: a failed marker only leaves the test listed as open until the student
    # submits again, gets 409 (or replaces it), and that request writes the marker.
    try:
        store.mark_submitted(student_id, subject, test_id, receipt)
    except Exception as error:  # a failed marker must not turn a stored submission into an error
        log("ERROR", "submitted marker not written", exception=type(error).__name__, detail=str(error)[:500])


def _checked_answers(
    test: CatalogTest, raw: list[Any], answers_field: str
) -> tuple[CatalogTest, tuple[Question, ...], list[dict[str, StoredAnswer]]]:
    """The test's entry, its questions and the answers normalised against them (400 naming the first problem).

    The entry's digest makes cached questions those of that entry. Before an answer is refused, the bucket's
    current catalog and questions are read once more: the container's copy may predate a publication that
    replaced the questions (the student was shown the new ones by another container).
    """
    for fresh in (False, True):
        if fresh:
            test = find_test(test.subject, test.test_id, fresh=True)
        questions = store.questions(test.subject, test.test_id, test.questions_sha256, fresh=fresh)
        if questions is None:
            raise RuntimeError(f"{test.name} is in the catalog but its questions.json is missing")
        try:
            return test, questions, normalise_answers(raw, questions, answers_field)
        except ApiError as error:
            if fresh or error.code != "invalid_answer":
                raise
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _stored_response(
    status: int, version: int, subject: str, test_id: str, student_id: str, received_at: str, answered: int, count: int
) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "stored" if version == 1 else "replaced"}
    if version > 1:
        body["version"] = version
    body |= {"subjectName": subject, "testId": test_id, "studentId": student_id, "receivedAt": received_at}
    body |= {"answered": answered, "questionCount": count}
    return http.json_response(status, body)


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    student = authenticate(event)
    body = http.parse_json_body(event)
    check_claimed_student(student, body)
    request = parse_request(body)
    subject, test_id, student_id = request.subject, request.test_id, student.student_id
    bind(subject=subject, testId=test_id)  # a refusal below (closed, invalid, duplicate) is logged with the ids
    # The container's copy of the catalog, read again before a refusal (a test reopened a moment ago accepts). A
    # test closed early may accept for as long as the copy is kept, while the publisher waits it out; once the
    # publisher has returned, it accepts nothing (ops/publish.py). Revalidating on every submission instead cost
    # 30 % of the route's p50 in bench/api.py.
    test = find_test(subject, test_id)
    now = deadlines.utc_now()
    if not test.is_open_for(student_id, now):
        test = find_test(subject, test_id, fresh=True)
    refuse_if_closed(test, student_id, now, _("Submissions are no longer accepted."))
    test, questions, answers = _checked_answers(test, request.answers, request.answers_field)
    # The entry read again for the answers may be closed.
    refuse_if_closed(test, student_id, now, _("Submissions are no longer accepted."))
    received_at = deadlines.to_iso(now)

    def document(version: int) -> bytes:
        return submission_document(student_id, subject, test_id, answers, received_at, version=version)

    versions = layout.MAX_SUBMISSION_VERSIONS if test.resubmit else 1
    version = store.put_submission(subject, test_id, student_id, document, versions)
    if version is None:
        if not test.resubmit:
            _mark_submitted(student_id, subject, test_id)  # heals a marker an earlier request failed to write
            # http.api_handler logs the refusal, error "already_submitted", with the ids bound above
            message = _(
                "You already submitted the test “{title}” of {subject}; the first submission is kept.",
                title=test.title,
                subject=test.subject_display,
            )
            raise ApiError(409, "already_submitted", message)
        message = _n(
            "You have submitted the test “{title}” of {subject} {n} time, the most one student may; "
            "the last of those submissions is kept.",
            "You have submitted the test “{title}” of {subject} {n} times, the most one student may; "
            "the last of those submissions is kept.",
            versions,
            title=test.title,
            subject=test.subject_display,
        )
        raise ApiError(409, "too_many_submissions", message)
    _mark_submitted(student_id, subject, test_id, store.Receipt(version, received_at) if test.resubmit else None)
    # Counts only, never the answers.
    counts: dict[str, Any] = {"answered": len(answers), "questionCount": len(questions), "receivedAt": received_at}
    if version == 1:
        log("INFO", "submission stored", **counts)
    else:
        log("INFO", "submission replaced", **counts, version=version)
    status = 201 if version == 1 else 200
    return _stored_response(status, version, subject, test_id, student_id, received_at, len(answers), len(questions))

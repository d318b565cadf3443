"""``POST /api/v1/tests``: the caller's open tests (not past their deadline, not yet submitted unless the test allows
resubmission), by subject."""

from __future__ import annotations

from typing import Any

from testtime import deadlines, http, store
from testtime.handlers import authenticate
from testtime.identity import check_claimed_student
from testtime.log import log
from testtime.submission import check_id


@http.api_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    student = authenticate(event)
    body = http.parse_json_body(event, required=False)
    check_claimed_student(student, body)
    subject = check_id(body["subjectName"], "subjectName") if "subjectName" in body else None
    # Open by the caller's own deadline (an extension counts); a resubmit test stays listed once submitted.
    submitted = store.submitted_tests(student.student_id)
    subjects = store.catalog().open_tests(submitted, deadlines.utc_now(), subject, student_id=student.student_id)
    for group in subjects:  # when a listed resubmit test was last submitted: the marker's LastModified, no request
        for test in group["tests"]:
            if test.get("submitted"):
                test["submittedAt"] = deadlines.to_iso(submitted[(group["subjectName"], test["testId"])])
    open_count = sum(len(entry["tests"]) for entry in subjects)
    log("INFO", "open tests listed", subject=subject, openTests=open_count)
    body = {"studentId": student.student_id, "studentName": student.display_name, "subjects": subjects}
    return http.json_response(200, body)

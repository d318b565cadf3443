"""Issue 12, point 5, under enforced IAM: S3 answers 403 AccessDenied, not 404, to a GetObject of a missing key
when the caller may not list the bucket, and the student functions may not. A class list or catalog that is not
published yet must still give the student a plain answer, not a 500; and the evaluator must really deny what a
role does not grant (so that the other tests prove something)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.iam.deployment import (
    BUCKET,
    GET,
    HISTORY,
    KEYS,
    LIST,
    REGION,
    RESUBMIT_TEST_ID,
    RESULTS,
    SCORER,
    SUBJECT,
    SUBMIT,
    TEST_ID,
    TRAINER_KEY,
    Deployment,
    LambdaContext,
    api_event,
)
from testtime.handlers import get_test, list_tests, results, submit_test

TEST = {"subjectName": SUBJECT, "testId": TEST_ID}


def _error_of(deployment: Deployment, function: str, call: Callable[[Any], Any]) -> str:
    """The S3 error code the call gets with the function's own credentials ("" when it succeeds)."""
    with deployment.as_function(function):
        try:
            call(boto3.client("s3", region_name=REGION))
        except ClientError as error:
            return str(error.response["Error"]["Code"])
    return ""


@pytest.fixture
def published(deployment: Deployment) -> Deployment:
    deployment.publish()
    return deployment


def test_a_missing_key_is_access_denied_unless_the_role_may_list_the_bucket(published: Deployment) -> None:
    """Each function asks for a key its role may read (s3:GetObject granted) that does not exist."""

    def missing(key: str) -> Callable[[Any], Any]:
        return lambda s3: s3.get_object(Bucket=BUCKET, Key=key)

    def missing_head(key: str) -> Callable[[Any], Any]:
        return lambda s3: s3.head_object(Bucket=BUCKET, Key=key)

    no_test = f"{SUBJECT}/no-such-test"
    # s3:ListBucket on the whole bucket: 404.
    assert _error_of(published, SCORER, missing(f"{no_test}/questionsKey.json")) == "NoSuchKey"
    assert _error_of(published, RESULTS, missing(f"{no_test}/student01/score.json")) == "NoSuchKey"
    # A test the scorer never ran on has no state cache: the results route reads that as "not scored yet".
    assert _error_of(published, RESULTS, missing(f"scorer/tests/{no_test}.json")) == "NoSuchKey"
    # No s3:ListBucket at all: 403.
    assert _error_of(published, GET, missing(f"{no_test}/questions.json")) == "AccessDenied"
    assert _error_of(published, SUBMIT, missing(f"{no_test}/questions.json")) == "AccessDenied"
    # s3:ListBucket limited by an s3:prefix condition does not count (see enforced_account._judge).
    published.delete("catalog.json")
    try:
        assert _error_of(published, LIST, missing("catalog.json")) == "AccessDenied"
    finally:
        published.publish()
    # AWS answers HeadObject without an error body (botocore then names the error by its status); moto adds one.
    assert _error_of(published, GET, missing_head(f"{no_test}/questions.json")) in ("403", "AccessDenied")
    assert _error_of(published, SCORER, missing_head(f"{no_test}/questions.json")) in ("404", "NoSuchKey")


def test_the_evaluator_denies_what_a_role_does_not_grant(published: Deployment) -> None:
    def answer_key(s3: Any) -> Any:
        return s3.get_object(Bucket=BUCKET, Key=f"{SUBJECT}/{TEST_ID}/questionsKey.json")

    def list_test_folder(s3: Any) -> Any:
        return s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{SUBJECT}/{TEST_ID}/")

    def list_own_markers(s3: Any) -> Any:
        return s3.list_objects_v2(Bucket=BUCKET, Prefix="submitted/student01/")

    def overwrite_catalog(s3: Any) -> Any:
        return s3.put_object(Bucket=BUCKET, Key="catalog.json", Body=b"{}")

    for function in (LIST, GET, SUBMIT):  # the students' functions never read an answer key
        assert _error_of(published, function, answer_key) == "AccessDenied", function
        assert _error_of(published, function, overwrite_catalog) == "AccessDenied", function
    # The trainer's results judge each question against the key (the item analysis; issue 14), behind the
    # trainer's key: the route reads it, and never returns it.
    assert _error_of(published, SCORER, answer_key) == _error_of(published, RESULTS, answer_key) == ""
    assert _error_of(published, LIST, list_own_markers) == ""  # the s3:prefix condition holds
    assert _error_of(published, LIST, list_test_folder) == "AccessDenied"  # ... and here it does not
    assert _error_of(published, RESULTS, overwrite_catalog) == "AccessDenied"
    # The history reads the key (shown once a test is closed for everybody), lists only the markers, writes
    # nothing and reads neither the trainer's key nor the scorer's records.
    assert _error_of(published, HISTORY, answer_key) == _error_of(published, HISTORY, list_own_markers) == ""
    assert _error_of(published, HISTORY, list_test_folder) == "AccessDenied"
    assert _error_of(published, HISTORY, overwrite_catalog) == "AccessDenied"
    for key in ("trainer.json", "scorer/tests/os/test01.json", "invitations/student01.json"):
        assert _error_of(published, HISTORY, lambda s3, key=key: s3.get_object(Bucket=BUCKET, Key=key)) == (
            "AccessDenied"
        ), key


def test_submit_may_write_submission_versions_and_nothing_broader(published: Deployment) -> None:
    """Issue 16: a replacement is ``testResult.<N>.json``; the grant for it takes no other key of the folder."""

    def put(key: str) -> Callable[[Any], Any]:
        return lambda s3: s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}", IfNoneMatch="*")

    def read(key: str) -> Callable[[Any], Any]:
        return lambda s3: s3.get_object(Bucket=BUCKET, Key=key)

    folder = f"{SUBJECT}/{TEST_ID}/student02"
    try:
        assert _error_of(published, SUBMIT, put(f"{folder}/testResult.7.json")) == ""
        for key in (
            f"{folder}/score.json",
            f"{folder}/testResult.json.bak",
            f"{folder}/testResults.2.json",
            f"{SUBJECT}/{TEST_ID}/questions.json",
            "catalog.json",
        ):
            assert _error_of(published, SUBMIT, put(key)) == "AccessDenied", key
        # The get-test role reads a caller's marker (when they last submitted), never a submission.
        assert _error_of(published, GET, read(f"{folder}/testResult.7.json")) == "AccessDenied"
        assert _error_of(published, GET, put(f"submitted/student02/{SUBJECT}/{TEST_ID}")) == "AccessDenied"
    finally:
        published.delete(f"{folder}/testResult.7.json")


def _answer(deployment: Deployment, function: str, handler: Any, event: dict[str, Any]) -> tuple[int, Any]:
    with deployment.as_function(function) as record:
        response = handler(event, LambdaContext(function))
    assert all(call.allowed or call.note for call in record.judged)  # only missing-object refusals
    return response["statusCode"], json.loads(response["body"])


def test_nothing_published_yet_is_a_plain_refusal(published: Deployment, capsys: pytest.CaptureFixture[str]) -> None:
    published.delete("studentsList.json")
    published.delete("catalog.json")
    try:
        student = KEYS["student01"]
        listed = _answer(published, LIST, list_tests.handler, api_event("POST", "/api/v1/tests", student))
        read = _answer(published, GET, get_test.handler, api_event("GET", "/api/v1/test", student, None, TEST))
    finally:
        published.publish()
    for status, body in (listed, read):
        assert (status, body["error"]) == (403, "forbidden"), (status, body)
        assert "class list" in body["message"]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    warnings = [entry for entry in logged if entry.get("key") == "studentsList.json"]
    assert warnings and all(entry["level"] == "WARNING" for entry in warnings), logged


def test_a_missing_catalog_means_no_open_test_not_a_server_error(published: Deployment) -> None:
    published.delete("catalog.json")
    try:
        student = KEYS["student02"]
        listed = _answer(published, LIST, list_tests.handler, api_event("POST", "/api/v1/tests", student))
        read = _answer(published, GET, get_test.handler, api_event("GET", "/api/v1/test", student, None, TEST))
        answers = {**TEST, "answers": [{"questionId": "1", "answer": "a"}]}
        submitted = _answer(published, SUBMIT, submit_test.handler, api_event("POST", "/api/v1/test", student, answers))
        trainer = _answer(
            published, RESULTS, results.handler, api_event("GET", "/api/v1/results", TRAINER_KEY, None, TEST)
        )
    finally:
        published.publish()
    assert listed == (200, {"studentId": "student02", "studentName": "Name student02", "subjects": []})
    for status, body in (read, submitted, trainer):
        assert (status, body["error"]) == (404, "not_found"), (status, body)
    assert f"{SUBJECT}/{TEST_ID}/student02/testResult.json" not in published.keys(f"{SUBJECT}/")


def test_a_resubmit_test_not_yet_submitted_is_served_although_its_marker_answers_403(
    published: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    """The get-test role may read markers but not list the bucket: a caller's missing marker is AccessDenied on
    AWS (a HEAD's bare 403), which means "not submitted yet", quietly."""
    test = {"subjectName": SUBJECT, "testId": RESUBMIT_TEST_ID}
    status, body = _answer(
        published, GET, get_test.handler, api_event("GET", "/api/v1/test", KEYS["student03"], None, test)
    )
    assert (status, body["resubmit"]) == (200, True) and "submitted" not in body, body
    assert '"level": "WARNING"' not in capsys.readouterr().out

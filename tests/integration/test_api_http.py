"""The REST API over HTTP, against the shared local deployment (the ``deployed`` session fixture).

Other test modules submit as student01..03 on operating-systems/test01, so this module first publishes its own
content: a copy of content/ (kept whole: publishing replaces everything) plus its own students (api01..api05)
and its own subject ``api-checks`` (tests/integration/api_content.py, shared with test_api_fuzz.py). Every
state-changing check uses only those; at the end the module publishes content/ again, which disables its students'
keys and closes its tests.
"""

from __future__ import annotations

import fnmatch
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api_content import (
    CHOICES,
    CLOSED,
    FUZZ,
    FUZZ_STUDENTS,
    HTTP_STUDENTS,
    PROBE,
    QUIZ,
    RACE,
    SUBJECT,
    Api,
    Response,
    publish_api_content,
    restore_sample_content,
    wait_for_content,
    wait_until,
)
from tests.integration.harness import LocalAws, api_key

pytestmark = pytest.mark.integration


def submission_key(test_id: str, student_id: str) -> str:
    return f"{SUBJECT}/{test_id}/{student_id}/testResult.json"


# ---------------------------------------------------------------------------------------------- fixtures


@dataclass
class Context:
    aws: LocalAws
    api: Api
    keys: dict[str, str]
    bucket: str
    workdir: Path

    def stored(self, test_id: str, student_id: str) -> dict[str, Any] | None:
        """The submission object as S3 holds it: bytes, ETag and every version; None when absent."""
        s3 = self.aws.client("s3")
        key = submission_key(test_id, student_id)
        versions = s3.list_object_versions(Bucket=self.bucket, Prefix=key).get("Versions", [])
        versions = [v for v in versions if v["Key"] == key]
        if not versions:
            return None
        reply = s3.get_object(Bucket=self.bucket, Key=key)
        return {
            "body": reply["Body"].read(),
            "etag": reply["ETag"],
            "versions": sorted(v["VersionId"] for v in versions),
        }


@pytest.fixture(scope="module")
def ctx(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    workdir = tmp_path_factory.mktemp("api-http")
    publish_api_content(deployed, workdir / "content")
    outputs = deployed.outputs()
    context = Context(
        aws=deployed,
        api=Api(outputs["ApiUrl"]),
        keys={sid: api_key(deployed, sid) for sid in HTTP_STUDENTS},
        bucket=outputs["DataBucketName"],
        workdir=workdir,
    )
    wait_for_content(context.api, context.keys["api01"])
    try:
        yield context
    finally:
        restore_sample_content(deployed)


def answers(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"questionId": qid, "answer": choice} for qid, choice in pairs]


# ---------------------------------------------------------------------------------------------- happy paths


def test_list_shows_open_tests_only(ctx: Context) -> None:
    reply = ctx.api.list_tests(ctx.keys["api01"])
    assert reply.status == 200
    assert reply.json["studentId"] == "api01"
    groups = {group["subjectName"]: group["tests"] for group in reply.json["subjects"]}
    listed = {test["testId"]: test for test in groups[SUBJECT]}
    assert CLOSED not in listed  # past due
    assert {QUIZ, PROBE, FUZZ} <= set(listed)
    assert listed[QUIZ]["questionCount"] == 4
    assert listed[QUIZ]["title"] == f"API checks {QUIZ}"
    # The optional body: the caller's own id and a subject filter.
    only = ctx.api.list_tests(ctx.keys["api01"], {"studentId": "api01", "subjectName": SUBJECT})
    assert only.status == 200
    assert [group["subjectName"] for group in only.json["subjects"]] == [SUBJECT]


def test_get_returns_questions_and_choices_without_the_answers(ctx: Context) -> None:
    reply = ctx.api.get_test(ctx.keys["api01"], QUIZ)
    assert reply.status == 200
    body = reply.json
    assert set(body) == {"subjectName", "subjectTitle", "testId", "title", "deadline", "questions"}
    assert (body["subjectName"], body["subjectTitle"], body["testId"]) == (SUBJECT, SUBJECT, QUIZ)  # no title: id
    assert [q["questionId"] for q in body["questions"]] == ["1", "2", "3", "4"]
    for question in body["questions"]:
        assert set(question) == {"questionId", "question", "answers"}
        assert [choice["answerId"] for choice in question["answers"]] == list(CHOICES)
        assert all(set(choice) == {"answerId", "answerBody"} for choice in question["answers"])
    assert b'"answer"' not in reply.raw


def test_submit_stores_once_and_the_test_leaves_the_list(ctx: Context) -> None:
    key = ctx.keys["api01"]
    assert ctx.stored(QUIZ, "api01") is None
    first = ctx.api.submit(
        key, {"subjectName": SUBJECT, "testId": QUIZ, "answers": answers(("3", "C "), ("1", "b"), ("2", "a"))}
    )
    assert first.status == 201, first.raw
    assert first.json["status"] == "stored"
    assert (first.json["studentId"], first.json["answered"], first.json["questionCount"]) == ("api01", 3, 4)
    before = ctx.stored(QUIZ, "api01")
    assert before is not None
    document = json.loads(before["body"])
    assert document["studentId"] == "api01" and document["receivedAt"] == first.json["receivedAt"]
    # Sorted in question order, ids as published ("C " is "c").
    assert document["answers"] == answers(("1", "b"), ("2", "a"), ("3", "c"))

    again = ctx.api.submit(key, {"subjectName": SUBJECT, "testId": QUIZ, "answers": answers(("1", "d"))})
    assert again.status == 409
    assert again.json["error"] == "already_submitted"
    after = ctx.stored(QUIZ, "api01")
    assert after == before  # same bytes, same ETag, still exactly one version

    listed = ctx.api.list_tests(key).json["subjects"]
    ids = [test["testId"] for group in listed if group["subjectName"] == SUBJECT for test in group["tests"]]
    assert QUIZ not in ids and PROBE in ids


def test_legacy_test_result_field_is_accepted(ctx: Context) -> None:
    body = {"subjectName": SUBJECT, "testId": QUIZ, "testResult": answers(("4", "D"), ("2", "b"))}
    reply = ctx.api.submit(ctx.keys["api02"], body)
    assert reply.status == 201, reply.raw
    stored = ctx.stored(QUIZ, "api02")
    assert stored is not None
    assert json.loads(stored["body"])["answers"] == answers(("2", "b"), ("4", "d"))


def test_concurrent_submissions_store_exactly_one(ctx: Context) -> None:
    """Two submissions of the same student and test at once, for two students: one 201 and one 409 each."""
    jobs = [(sid, choice) for sid in HTTP_STUDENTS for choice in ("a", "b")]
    barrier = threading.Barrier(len(jobs))
    results: dict[tuple[str, str], Response] = {}

    def submit(student_id: str, choice: str) -> None:
        body = {"subjectName": SUBJECT, "testId": RACE, "answers": answers(("1", choice), ("2", choice))}
        api = Api(ctx.api.url)
        barrier.wait(timeout=30)
        results[(student_id, choice)] = api.submit(ctx.keys[student_id], body)

    threads = [threading.Thread(target=submit, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == len(jobs)
    for student_id in HTTP_STUDENTS:
        mine = {choice: results[(student_id, choice)] for choice in ("a", "b")}
        assert sorted(r.status for r in mine.values()) == [201, 409], {c: r.raw for c, r in mine.items()}
        winner = next(choice for choice, r in mine.items() if r.status == 201)
        stored = ctx.stored(RACE, student_id)
        assert stored is not None and len(stored["versions"]) == 1
        assert json.loads(stored["body"])["answers"] == answers(("1", winner), ("2", winner))


# ---------------------------------------------------------------------------------------------- who may call


def test_no_key_and_wrong_key_are_refused(ctx: Context) -> None:
    for key in (None, "not-a-key-of-this-api-0123456789"):
        for reply in (
            ctx.api.list_tests(key),
            ctx.api.get_test(key, QUIZ),
            ctx.api.submit(key, {"subjectName": SUBJECT, "testId": PROBE, "answers": answers(("none", "a"))}),
        ):
            assert reply.status == 403, reply.raw
            # API Gateway's own refusal, in the service's shape and words (the template's gateway responses).
            assert reply.json["error"] == "forbidden" and reply.json["message"].startswith("The API key is missing")
    assert ctx.stored(PROBE, "api01") is None


def test_a_key_cannot_act_for_another_student(ctx: Context) -> None:
    key = ctx.keys["api01"]
    listed = ctx.api.list_tests(key, {"studentId": "api02"})
    assert listed.status == 403
    assert listed.json["error"] == "forbidden" and "studentId" in listed.json["message"]
    body = {"subjectName": SUBJECT, "testId": PROBE, "studentId": "api02", "answers": answers(("1", "a"))}
    submitted = ctx.api.submit(key, body)
    assert submitted.status == 403
    assert submitted.json["error"] == "forbidden" and "studentId" in submitted.json["message"]
    assert ctx.stored(PROBE, "api01") is None and ctx.stored(PROBE, "api02") is None


# ---------------------------------------------------------------------------------------------- bad requests


def test_malformed_json_is_a_json_400(ctx: Context) -> None:
    key = ctx.keys["api01"]
    for reply in (
        ctx.api.submit(key, b'{"subjectName": "api-checks", '),
        ctx.api.list_tests(key, b"{not json"),
        ctx.api.submit(key, b"[1, 2]"),
        ctx.api.submit(key, b""),
    ):
        assert reply.status == 400, reply.raw
        assert reply.json["error"] == "bad_request" and reply.json["message"]


def test_body_over_64_kib_is_a_json_400(ctx: Context) -> None:
    key = ctx.keys["api01"]

    def padded(size: int, **fields: Any) -> bytes:
        base = json.dumps({**fields, "padding": ""}).encode()
        body = json.dumps({**fields, "padding": "x" * (size - len(base))}).encode()
        assert len(body) == size
        return body

    exactly = ctx.api.list_tests(key, padded(65536))
    assert exactly.status == 200  # the limit itself is allowed; unknown fields are ignored
    for reply in (
        ctx.api.list_tests(key, padded(65537)),
        ctx.api.submit(key, padded(70000, subjectName=SUBJECT, testId=PROBE, answers=[])),
    ):
        assert reply.status == 400, reply.raw[:300]
        assert reply.json["error"] == "payload_too_large"
    assert ctx.stored(PROBE, "api01") is None


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        (answers(("1", "a"), ("9", "b")), "answers[1].questionId", "'9' is not a question of this test"),
        (answers(("2", "a"), ("2", "b")), "answers[1].questionId", "question 2 is answered more than once"),
        (answers(("1", "e")), "answers[0].answer", "'e' is not a choice of question 1 (choices: a, b, c, d)"),
        ([{"questionId": "1"}], "answers[0].answer", "this field is required"),
        ([{"questionId": 1, "answer": "a"}], "answers[0].questionId", "must be a string"),
    ],
)
def test_invalid_answers_are_400_naming_the_field(ctx: Context, given: Any, field: str, words: str) -> None:
    reply = ctx.api.submit(ctx.keys["api01"], {"subjectName": SUBJECT, "testId": PROBE, "answers": given})
    assert reply.status == 400, reply.raw
    assert reply.json["error"] in ("invalid_answer", "bad_request")
    assert reply.json["message"].startswith(f"{field}: "), reply.json["message"]
    assert words in reply.json["message"]
    assert ctx.stored(PROBE, "api01") is None


def test_missing_or_invalid_ids_are_400_naming_the_field(ctx: Context) -> None:
    key = ctx.keys["api01"]
    missing = ctx.api.call("GET", "/api/v1/test", key, params={"subjectName": SUBJECT})
    assert missing.status == 400 and missing.json["message"].startswith("testId: ")
    invalid = ctx.api.get_test(key, "../quiz01")
    assert invalid.status == 400 and invalid.json["message"].startswith("testId: ")
    both = ctx.api.submit(key, {"subjectName": SUBJECT, "testId": PROBE, "answers": [], "testResult": []})
    assert both.status == 400 and both.json["message"].startswith("answers: ")
    none = ctx.api.submit(key, {"subjectName": SUBJECT, "testId": PROBE})
    assert none.status == 400 and none.json["message"].startswith("answers: ")


def test_unknown_subject_or_test_is_404(ctx: Context) -> None:
    key = ctx.keys["api01"]
    for reply, field in (
        (ctx.api.get_test(key, "nope01"), "testId"),
        (ctx.api.get_test(key, QUIZ, subject="no-such-subject"), "subjectName"),
        (ctx.api.submit(key, {"subjectName": SUBJECT, "testId": "nope01", "answers": []}), "testId"),
        (ctx.api.submit(key, {"subjectName": "no-such-subject", "testId": QUIZ, "answers": []}), "subjectName"),
    ):
        assert reply.status == 404, reply.raw
        assert reply.json["error"] == "not_found" and reply.json["message"].startswith(f"{field}: ")


def test_past_due_is_410_on_get_and_post(ctx: Context) -> None:
    key = ctx.keys["api01"]
    read = ctx.api.get_test(key, CLOSED)
    assert read.status == 410 and read.json["error"] == "test_closed"
    sent = ctx.api.submit(key, {"subjectName": SUBJECT, "testId": CLOSED, "answers": answers(("1", "a"))})
    assert sent.status == 410 and sent.json["error"] == "test_closed"
    assert ctx.stored(CLOSED, "api01") is None


# ---------------------------------------------------------------------------------------------- least privilege


def _iam_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: ``*`` any run of characters (``/`` included), ``?`` one character."""
    return fnmatch.fnmatchcase(arn, pattern.replace("[", "[[]"))


def test_get_test_role_cannot_read_the_answer_key(ctx: Context) -> None:
    function = ctx.aws.outputs()["GetTestFunctionName"]
    role_arn = ctx.aws.client("lambda").get_function_configuration(FunctionName=function)["Role"]
    role = role_arn.rsplit("/", 1)[-1]
    iam = ctx.aws.client("iam")
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    readable: list[str] = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(urllib.parse.unquote(document))
        statements = document["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if statement["Effect"] != "Allow" or not any(
                fnmatch.fnmatchcase("s3:getobject", a.lower()) for a in actions
            ):
                continue
            resources = statement.get("Resource", [])
            readable += [resources] if isinstance(resources, str) else resources
    arn = f"arn:aws:s3:::{ctx.bucket}/"
    assert any(_iam_matches(p, arn + f"{SUBJECT}/{QUIZ}/questions.json") for p in readable), readable
    for key in (f"{SUBJECT}/{QUIZ}/questionsKey.json", "operating-systems/test01/questionsKey.json"):
        assert not [p for p in readable if _iam_matches(p, arn + key)], (key, readable)


# ---------------------------------------------------------------------------------------------- last: removal


def test_a_removed_students_key_is_refused(ctx: Context) -> None:
    """Published again without api02: its key is disabled, and the functions refuse it by digest anyway
    (MiniStack keeps serving disabled keys at the gateway). Runs last: it changes the class list."""
    publish_api_content(ctx.aws, ctx.workdir / "without-api02", students=("api01", *FUZZ_STUDENTS))
    gone, kept = ctx.keys["api02"], ctx.keys["api01"]
    calls = {
        "POST /api/v1/tests": lambda key: ctx.api.list_tests(key),
        "GET /api/v1/test": lambda key: ctx.api.get_test(key, PROBE),
        "POST /api/v1/test": lambda key: ctx.api.submit(
            key, {"subjectName": SUBJECT, "testId": PROBE, "answers": answers(("none", "a"))}
        ),
    }
    for route, call in calls.items():
        wait_until(lambda call=call: call(gone).status == 403, f"{route} refuses the removed student")
        reply = call(gone)
        assert reply.status == 403
        # The function's own refusal, or the gateway's (its gateway response) where the emulator honours the
        # disabled key: the same shape either way.
        assert reply.json.get("error") == "forbidden", reply.raw
        assert call(kept).status in (200, 400), route  # 400: the invalid answer, so nothing is stored
    assert ctx.stored(PROBE, "api02") is None

"""The REST API over HTTP, against the shared local deployment (the ``deployed`` session fixture).

Other test modules submit as student01..03 on operating-systems/test01, so this module first publishes its own
content: a copy of content/ (kept whole: publishing replaces everything) plus its own students (api01..api05)
and its own subject ``api-checks``. Every state-changing check uses only those; at the end the module publishes
content/ again, which disables its students' keys and closes its tests.

The helpers at the top (``publish_api_content``, ``Api``) are shared with test_api_fuzz.py.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.harness import ROOT, LocalAws, api_key

pytestmark = pytest.mark.integration

SUBJECT = "api-checks"
QUIZ = "quiz01"  # 4 questions, due in a week: happy paths, 409, the legacy field
PROBE = "probe01"  # 4 questions, due in a week: never validly submitted (400s, cache freshness probes)
RACE = "race01"  # 2 questions, due in a week: concurrent submissions
CLOSED = "closed01"  # due in the past: 410
FUZZ = "fuzz01"  # 4 questions, due in a week: the fuzzer's positive cases (test_api_fuzz.py)
HTTP_STUDENTS = ("api01", "api02")
FUZZ_STUDENTS = ("api03", "api04", "api05")  # one per route, so the per-key throttling applies per route
API_STUDENTS = HTTP_STUDENTS + FUZZ_STUDENTS
CHOICES = ("a", "b", "c", "d")
FRESH_TIMEOUT = 45.0  # the functions cache the class list and catalog for 15 s (api_cache_ttl_seconds)


# ---------------------------------------------------------------------------------------------- shared helpers


def _questions(count: int, salt: str) -> list[dict[str, Any]]:
    return [
        {
            "id": number,
            "text": f"{salt} question {number}?",
            "choices": {choice: f"{salt} choice {choice} of {number}" for choice in CHOICES},
            "answer": CHOICES[number % len(CHOICES)],
        }
        for number in range(1, count + 1)
    ]


def build_api_content(dest: Path, students: Sequence[str] = API_STUDENTS) -> Path:
    """content/ copied whole, plus ``students`` and the subject ``api-checks`` (QUIZ, PROBE, RACE, CLOSED, FUZZ)."""
    shutil.copytree(ROOT / "content", dest)
    class_list = yaml.safe_load((dest / "students.yml").read_text(encoding="utf-8"))
    class_list += [{"id": sid, "name": f"API check {sid}", "email": f"{sid}@example.com"} for sid in students]
    (dest / "students.yml").write_text(yaml.safe_dump(class_list, allow_unicode=True), encoding="utf-8")
    week_ahead = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
    tests = {
        QUIZ: (4, week_ahead),
        PROBE: (4, week_ahead),
        RACE: (2, week_ahead),
        CLOSED: (2, "2020-01-06T23:00:00+00:00"),
        FUZZ: (4, week_ahead),
    }
    folder = dest / "subjects" / SUBJECT
    folder.mkdir(parents=True)
    for test_id, (count, due) in tests.items():
        document = {"title": f"API checks {test_id}", "due": due, "questions": _questions(count, test_id)}
        (folder / f"{test_id}.yml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return dest


@dataclass
class Response:
    status: int
    raw: bytes
    content_type: str

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


def find_answer_keys(value: Any, path: str = "$") -> list[str]:
    """Where a JSON document carries a correct answer: any ``answer`` field, anything named like the key file."""
    found = []
    if isinstance(value, dict):
        for name, item in value.items():
            if name in ("answer", "correctAnswer", "questionsKey") or "questionskey" in str(name).lower():
                found.append(f"{path}.{name}")
            found += find_answer_keys(item, f"{path}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += find_answer_keys(item, f"{path}[{index}]")
    elif isinstance(value, str) and "questionskey" in value.lower():
        found.append(path)
    return found


class Api:
    """HTTP calls to the deployed API; every response is checked to be JSON and to carry no answer key."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.calls = 0

    def call(
        self,
        method: str,
        route: str,
        key: str | None,
        body: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        # 429 comes from the gateway's per-key throttling, before any function runs: safe to send again.
        for attempt in range(40):
            request = urllib.request.Request(self.url + route + query, data=data, method=method)
            if data is not None:
                request.add_header("Content-Type", "application/json")
            if key is not None:
                request.add_header("x-api-key", key)
            for name, value in (headers or {}).items():
                request.add_header(name, value)
            try:
                with urllib.request.urlopen(request, timeout=60) as reply:
                    response = Response(reply.status, reply.read(), reply.headers.get("Content-Type", ""))
            except urllib.error.HTTPError as error:
                response = Response(error.code, error.read(), error.headers.get("Content-Type", ""))
            self.calls += 1
            if response.status != 429:
                break
            time.sleep(0.2 + 0.05 * attempt)
        assert response.content_type.startswith("application/json"), (response.status, response.content_type)
        document = response.json  # every answer, errors included, is JSON
        assert find_answer_keys(document) == [], (route, response.raw[:500])
        return response

    def list_tests(self, key: str | None, body: Any = None) -> Response:
        return self.call("POST", "/api/v1/tests", key, body)

    def get_test(self, key: str | None, test_id: str, subject: str = SUBJECT) -> Response:
        return self.call("GET", "/api/v1/test", key, params={"subjectName": subject, "testId": test_id})

    def submit(self, key: str | None, body: Any) -> Response:
        return self.call("POST", "/api/v1/test", key, body)


def wait_until(check: Callable[[], bool], what: str, timeout: float = FRESH_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(1.0)


def wait_for_content(api: Api, key: str, subject: str = SUBJECT, probe: str = PROBE) -> None:
    """Until each of the three functions serves the new class list and catalog to ``key``'s student.

    Each function keeps its own cached copy for up to 15 s, so each one is asked: the list must show the probe
    test, the test must be readable, and an invalid answer to it must get as far as the answer check (400
    invalid_answer, not 403 unknown key or 404 unknown test).
    """

    def listed() -> bool:
        reply = api.list_tests(key)
        return reply.status == 200 and any(
            group["subjectName"] == subject and probe in [t["testId"] for t in group["tests"]]
            for group in reply.json["subjects"]
        )

    def readable() -> bool:
        return api.get_test(key, probe, subject).status == 200

    def checked() -> bool:
        body = {"subjectName": subject, "testId": probe, "answers": [{"questionId": "none", "answer": "a"}]}
        reply = api.submit(key, body)
        return reply.status == 400 and reply.json["error"] == "invalid_answer"

    wait_until(listed, "POST /api/v1/tests sees the published content")
    wait_until(readable, "GET /api/v1/test sees the published content")
    wait_until(checked, "POST /api/v1/test sees the published content")


def publish_api_content(aws: LocalAws, dest: Path, students: Sequence[str] = API_STUDENTS) -> None:
    aws.run("update-subjects-or-students.sh", "--content", str(build_api_content(dest, students)))


def restore_sample_content(aws: LocalAws) -> None:
    """Publish content/ again: our students' keys are disabled and our tests closed, as other modules expect."""
    aws.run("update-subjects-or-students.sh")


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
    assert set(body) == {"subjectName", "testId", "title", "deadline", "questions"}
    assert (body["subjectName"], body["testId"]) == (SUBJECT, QUIZ)
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
            assert isinstance(reply.json.get("message"), str)
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
        # The function's own refusal, or the gateway's where the emulator honours the disabled key.
        assert reply.json.get("error") == "forbidden" or reply.json == {"message": "Forbidden"}, reply.raw
        assert call(kept).status in (200, 400), route  # 400: the invalid answer, so nothing is stored
    assert ctx.stored(PROBE, "api02") is None

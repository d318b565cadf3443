"""``GET /api/v1/history`` over HTTP against the shared local deployment, and API Gateway's own answers.

The module publishes a copy of content/ plus its own subject ``history-checks`` (with a display title) and
students hist01 and hist02: one test, resubmit and shuffled, due about two minutes after publishing, with an
extension for hist02 half a minute later. hist01 submits twice, the scorer runs (bin/score-now.sh, as of just after
the common deadline), and the history shows the score and hist01's latest answers but no right answer while
hist02's extension still runs; once it has passed, the same call shows the right answers and the explanation. At
the end the module publishes content/ again.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.api_content import Api, restore_sample_content, wait_until
from tests.integration.harness import LocalAws, api_key, copy_sample_content

pytestmark = pytest.mark.integration

SUBJECT, TEST_ID = "history-checks", "hist-quiz"
STUDENTS = ("hist01", "hist02")
# Open for a day, then published again with the deadline past (hist02's extension still running), then with the
# extension past too: the test closes for everybody without waiting for a real deadline.
OPEN_FOR = timedelta(days=1)
QUESTIONS = [
    {
        "id": 1,
        "text": "Which call creates a process?",
        "choices": {"a": "fork", "b": "exec", "c": "wait"},
        "answer": "a",
        "explanation": "fork() copies the calling process.",
    },
    {
        "id": 2,
        "text": "Which are process states?",
        "choices": {"a": "running", "b": "zombie", "c": "compiling"},
        "answer": ["a", "b"],
    },
    {"id": 3, "text": "Which signal cannot be caught?", "choices": {"a": "SIGKILL", "b": "SIGTERM"}, "answer": "a"},
]


@dataclass
class Context:
    aws: LocalAws
    api: Api
    keys: dict[str, str]
    content: Path


def _content(dest: Path, due: datetime, extension: datetime) -> Path:
    copy_sample_content(dest)
    class_list = yaml.safe_load((dest / "students.yml").read_text(encoding="utf-8"))
    class_list += [{"id": sid, "name": f"Historia {sid[-2:]}", "email": f"{sid}@example.com"} for sid in STUDENTS]
    (dest / "students.yml").write_text(yaml.safe_dump(class_list, allow_unicode=True), encoding="utf-8")
    folder = dest / "subjects" / SUBJECT
    folder.mkdir(parents=True)
    (folder / "subject.yml").write_text("title: Historia zmian\n", encoding="utf-8")
    _write_test(dest, due, extension)
    return dest


def _write_test(dest: Path, due: datetime, extension: datetime) -> None:
    test = {
        "title": "Procesy",
        "due": due.isoformat(),
        "shuffle": True,
        "resubmit": True,
        "extensions": {"hist02": extension.isoformat()},
        "questions": QUESTIONS,
    }
    path = dest / "subjects" / SUBJECT / f"{TEST_ID}.yml"
    path.write_text(yaml.safe_dump(test, sort_keys=False, allow_unicode=True), "utf-8")


def _publish_again(ctx: Context, due: datetime, extension: datetime) -> None:
    """The test with other deadlines (the publisher returns once the API's caches have seen them)."""
    _write_test(ctx.content, due, extension)
    ctx.aws.run("update-subjects-or-students.sh", "--content", str(ctx.content))


def _raw(ctx: Context, route: str, key: str | None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(ctx.api.url + route, method="GET")
    if key is not None:
        request.add_header("x-api-key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def history(ctx: Context, student: str = "hist01") -> Any:
    """The caller's history (not through ``Api.call``, which refuses any ``answer`` field: here the student's own
    answers are the point, and the right ones once the test is closed for everybody)."""
    status, headers, body = _raw(ctx, "/api/v1/history", ctx.keys[student])
    assert status == 200 and headers.get("Content-Language") == "en", (status, body[:500])
    return json.loads(body)


@pytest.fixture(scope="module")
def ctx(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    due = (datetime.now(UTC) + OPEN_FOR).replace(microsecond=0)
    content = _content(tmp_path_factory.mktemp("history") / "content", due, due + OPEN_FOR)
    deployed.run("update-subjects-or-students.sh", "--content", str(content))
    context = Context(deployed, Api(deployed.outputs()["ApiUrl"]), {s: api_key(deployed, s) for s in STUDENTS}, content)

    def readable() -> bool:
        return context.api.get_test(context.keys["hist01"], TEST_ID, SUBJECT).status == 200

    wait_until(readable, "GET /api/v1/test serves the history test")
    try:
        yield context
    finally:
        restore_sample_content(deployed)


def _submit(ctx: Context, answers: list[dict[str, Any]]) -> int:
    body = {"subjectName": SUBJECT, "testId": TEST_ID, "answers": answers}
    return ctx.api.submit(ctx.keys["hist01"], body).status


def test_history_before_and_after_the_test_closes_for_everybody(ctx: Context) -> None:
    assert history(ctx)["tests"] == [] and history(ctx)["studentName"] == "Historia 01"
    # Names and the submitted state on the other routes.
    listed = ctx.api.list_tests(ctx.keys["hist01"]).json
    assert listed["studentName"] == "Historia 01"
    assert {g["subjectName"]: g["subjectTitle"] for g in listed["subjects"]}[SUBJECT] == "Historia zmian"
    assert _submit(ctx, [{"questionId": "1", "answer": "b"}]) == 201
    assert _submit(ctx, [{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": ["a", "c"]}]) == 200
    page = ctx.api.get_test(ctx.keys["hist01"], TEST_ID, SUBJECT).json
    assert page["submitted"] is True and page["submittedAt"] and page["subjectTitle"] == "Historia zmian"
    waiting = history(ctx)["tests"]
    assert [(t["testId"], t["status"], t["version"]) for t in waiting] == [(TEST_ID, "submitted", 2)]

    now = datetime.now(UTC).replace(microsecond=0)
    extension = now + OPEN_FOR
    _publish_again(ctx, now - timedelta(minutes=1), extension)  # hist01's deadline has passed, hist02's has not
    run = json.loads(ctx.aws.run("bin/score-now.sh", "--as-of", now.isoformat(), "--json").stdout)
    assert run["testsScored"] >= 1, run
    scored = history(ctx)["tests"][0]
    assert scored["status"] == "scored" and scored["closedForEverybody"] is False, scored
    assert scored["answersShownAfter"] == extension.isoformat()
    assert scored["score"]["questions"] == 3 and scored["score"]["grade"] is not None
    # hist02 may still submit: no review yet, not even hist01's own answers (beside the score they give the key away)
    assert "review" not in scored and "fork" not in json.dumps(scored) and "SIGKILL" not in json.dumps(scored)

    _publish_again(ctx, now - timedelta(minutes=1), now - timedelta(seconds=30))  # hist02's extension has passed
    closed = history(ctx)["tests"][0]
    assert closed["closedForEverybody"] is True
    review = {item["questionId"]: item for item in closed["review"]}
    assert review["1"]["answer"] == "a" and review["1"]["answerText"] == ["fork"]  # the latest version
    assert sorted(review["2"]["answer"]) == ["a", "c"] and review["3"]["answer"] is None
    assert (review["1"]["right"], review["1"]["correct"], review["1"]["explanation"]) == (
        "a",
        True,
        "fork() copies the calling process.",
    )
    assert sorted(review["2"]["right"]) == ["a", "b"] and review["2"]["correct"] is False
    assert review["3"]["rightText"] == ["SIGKILL"] and "explanation" not in review["3"]


def test_api_gateways_own_answers_are_the_services_json_in_the_class_language(ctx: Context) -> None:
    """The gateway responses of the template (MiniStack honours them, as AWS does): no key, a wrong key and an
    address that is no route get ``{"error", "message"}`` in the class's language, never AWS's own phrases."""
    key_problem = "The API key is missing or not valid. Check the key in your settings, or ask the trainer."
    for route, key, code, message in (
        ("/api/v1/history", None, "forbidden", key_problem),
        ("/api/v1/history", "not-a-key-of-this-api", "forbidden", key_problem),
        ("/api/v1/nowhere", ctx.keys["hist02"], "no_such_route", "There is no such address in this service"),
    ):
        status, headers, body = _raw(ctx, route, key)
        document = json.loads(body)
        assert (status, document["error"]) == (403, code), (route, key, body)
        assert document["message"].startswith(message) and headers.get("Content-Language") == "en", headers
        assert b"Forbidden" not in body and b"Missing Authentication Token" not in body
    status, headers, body = _raw(ctx, "/api/v1/history", ctx.keys["hist02"])
    assert status == 200 and headers.get("Content-Language") == "en" and json.loads(body)["studentId"] == "hist02"

"""The API checks' own content and HTTP client, shared by test_api_http.py and test_api_fuzz.py: a copy of content/
(kept whole, its sample test due a week from now: see harness.copy_sample_content) plus students api01..api05 and
the subject ``api-checks``, whose open tests are due a week after the moment they are published (never a fixed
date that the calendar could overtake)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.integration.harness import LocalAws, copy_sample_content

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
    copy_sample_content(dest)
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

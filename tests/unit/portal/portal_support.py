"""The portal tests' fake REST API (a real HTTP server on 127.0.0.1, so the portal's ``requests`` calls, headers and
logging all run for real), its keys and data, and page helpers. Kept out of conftest.py so tests can import it."""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

STUDENT_KEY = "student-key-Qx7pLm2Vw9"
TRAINER_KEY = "trainer-key-Hn4tRz8Kd1"
WRONG_KEY = "wrong-key-Zz0Zz0Zz0Zz0"  # 20 characters or more: shaped like a key, so the API is asked

TEST = {
    "subjectName": "networks",
    "testId": "net01",
    "title": "Layers",
    "deadline": "2026-11-30T22:00:00+00:00",
    "questions": [
        {
            "questionId": "q1",
            "question": "Which layer routes packets?",
            "answers": [{"answerId": "A", "answerBody": "network"}, {"answerId": "B", "answerBody": "session"}],
        },
        {
            "questionId": "q2",
            "question": "TCP is ...",
            "answers": [{"answerId": "x", "answerBody": "reliable"}, {"answerId": "y", "answerBody": "unreliable"}],
        },
    ],
}
# Issue 16's shapes (openapi, GET /api/v1/test): the API's own order for this student (q2 first, q1's choices
# shuffled), a multiple-answer question worth 2 points with partial credit, resubmission, and the student's own
# (extended) deadline.
RICH_TEST = {
    "subjectName": "networks",
    "testId": "net01",
    "title": "Layers",
    "deadline": "2026-12-03T22:00:00+00:00",
    "resubmit": True,
    "questions": [
        {
            "questionId": "q2",
            "question": "TCP is ...",
            "answers": [{"answerId": "y", "answerBody": "unreliable"}, {"answerId": "x", "answerBody": "reliable"}],
        },
        {
            "questionId": "q1",
            "question": "Which layers carry addresses?",
            "points": 2,
            "multiple": True,
            "partial": True,
            "answers": [
                {"answerId": "C", "answerBody": "data link"},
                {"answerId": "A", "answerBody": "network"},
                {"answerId": "B", "answerBody": "session"},
            ],
        },
    ],
}
RESULTS = {
    "tests": [
        {
            "subjectName": "networks",
            "testId": "net01",
            "title": "Layers",
            "deadline": "2026-11-16T22:00:00+00:00",
            "scored": True,
            "results": [
                {"studentId": "student07", "name": "Ada", "correct": 2, "questions": 2, "percent": 100.0, "grade": 5}
            ],
            "submittedNotScored": [],
            "missing": ["student08"],
        }
    ]
}


@dataclass
class FakeApi:
    """What the fake API received: (method, path with query, headers) per request, and the stored submissions."""

    url: str = ""
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    test: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(TEST))  # what GET /api/v1/test answers
    refuse_every_key: bool = False  # API Gateway refusing every key (a key disabled after sign-in)
    # API Gateway answering every request itself: (status, its body), e.g. (429, {"message": "Too Many Requests"})
    gateway_answer: tuple[int, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            with api.lock:
                api.requests.append((method, self.path, dict(self.headers.items())))
            key = self.headers.get("x-api-key")
            if api.gateway_answer is not None:
                return self._answer(*api.gateway_answer)
            route = urlsplit(self.path).path.removeprefix("/api")  # the stage, as in ApiUrl
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            if key not in (STUDENT_KEY, TRAINER_KEY) or api.refuse_every_key:
                return self._answer(403, {"message": "Forbidden"})  # API Gateway's own refusal
            if route == "/api/v1/results":
                if key != TRAINER_KEY:
                    return self._answer(403, {"error": "forbidden", "message": "Only the trainer's API key may."})
                return self._answer(200, RESULTS)
            if key != STUDENT_KEY:
                return self._answer(403, {"error": "forbidden", "message": "Not a student of the class list."})
            test, done = api.test, bool(api.submissions)
            if route == "/api/v1/history" and method == "GET":
                return self._answer(200, HISTORY)
            if route == "/api/v1/tests" and method == "POST":
                entry = {k: test[k] for k in ("testId", "title", "deadline")} | {"questionCount": 2}
                if test.get("resubmit"):  # a resubmit test stays listed once submitted (the listing has no time)
                    entry |= {"resubmit": True} | ({"submitted": True} if done else {})
                tests = [] if done and not test.get("resubmit") else [entry]
                group = {"subjectName": "networks", "subjectTitle": SUBJECT_TITLE, "tests": tests}
                subjects = [group] if tests else []
                return self._answer(200, {"studentId": "student07", "studentName": STUDENT_NAME, "subjects": subjects})
            if route == "/api/v1/test" and method == "GET":
                if (query.get("subjectName"), query.get("testId")) != ("networks", "net01"):
                    return self._answer(404, {"error": "not_found", "message": "testId: no such test"})
                # Contract of issue 15: any test the caller submitted says so, and when (resubmit or not).
                submitted = {"submitted": True, "submittedAt": SUBMITTED_AT} if done else {}
                return self._answer(200, {"subjectTitle": SUBJECT_TITLE} | test | submitted)
            if route == "/api/v1/test" and method == "POST":
                if done and not test.get("resubmit"):
                    return self._answer(
                        409, {"error": "already_submitted", "message": "You already submitted test 'net01'."}
                    )
                refused = _invalid_answer(test, body.get("answers", []))
                if refused:
                    return self._answer(400, {"error": "invalid_answer", "message": refused})
                api.submissions.append(body)
                version = len(api.submissions)
                return self._answer(
                    200 if version > 1 else 201,
                    {
                        "status": "replaced" if version > 1 else "stored",
                        **({"version": version} if version > 1 else {}),
                        "subjectName": body["subjectName"],
                        "testId": body["testId"],
                        "studentId": "student07",
                        "receivedAt": SUBMITTED_AT,
                        "answered": len(body["answers"]),
                        "questionCount": 2,
                    },
                )
            return self._answer(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


def _invalid_answer(test: dict[str, Any], answers: list[dict[str, Any]]) -> str | None:
    """What the API says of answers that are not choices of the test's questions (exact ids), as its 400 does: a
    multiple-answer question takes a list of distinct choices (or one choice as a string), any other one choice."""
    questions = {q["questionId"]: q for q in test["questions"]}
    for index, answer in enumerate(answers):
        question = questions.get(answer.get("questionId"))
        if question is None:
            return f"answers[{index}].questionId: {answer.get('questionId')!r} is not a question of this test"
        allowed, given = {c["answerId"] for c in question["answers"]}, answer.get("answer")
        if isinstance(given, list) and question.get("multiple") and len(set(given)) == len(given):
            given_ids = given
        elif isinstance(given, str):
            given_ids = [given]
        else:
            return f"answers[{index}].answer: {given!r} is not a choice"
        if not set(given_ids) <= allowed:
            return f"answers[{index}].answer: {given!r} is not a choice"
    return None


SUBMITTED_AT = "2026-11-18T12:00:00+00:00"
STUDENT_NAME = "Ada Kowalska"  # the class list's name (the listing's studentName)
SUBJECT_TITLE = "Computer networks"  # the subject's title (content/subjects/networks/subject.yml)
# GET /api/v1/history as issue 15's contract shapes it: a test scored and closed for everybody (its review with the
# right answers), and one scored while a classmate may still submit (the score only).
HISTORY = {
    "studentId": "student07",
    "studentName": STUDENT_NAME,
    "tests": [
        {
            "subjectName": "networks",
            "subjectTitle": SUBJECT_TITLE,
            "testId": "net02",
            "title": "Routing",
            "submittedAt": "2026-11-20T09:30:00+00:00",
            "deadline": "2026-11-23T22:00:00+00:00",
            "closedForEverybody": False,
            "answersShownAfter": "2026-11-30T22:00:00+00:00",
            "status": "scored",
            # No review until the test is closed for everybody (lambda_src/testtime/history.py).
            "score": {"correct": 1, "questions": 2, "points": 1, "maxPoints": 2, "percent": 50.0, "grade": "3"},
        },
        {
            "subjectName": "networks",
            "subjectTitle": SUBJECT_TITLE,
            "testId": "net00",
            "title": "Addresses",
            "submittedAt": "2026-11-10T09:30:00+00:00",
            "deadline": "2026-11-16T22:00:00+00:00",
            "closedForEverybody": True,
            "answersShownAfter": "2026-11-16T22:00:00+00:00",
            "status": "scored",
            "score": {"correct": 1, "questions": 2, "points": 1.5, "maxPoints": 3, "percent": 50.0, "grade": "3"},
            "review": [
                {
                    "questionId": "q1",
                    "text": "How many bits has an IPv4 address?",
                    "answer": "a",
                    "answerText": ["32"],
                    "right": "a",
                    "rightText": ["32"],
                    "correct": True,
                    "points": 1,
                    "maxPoints": 1,
                    "explanation": "Four bytes of eight bits.",
                },
                {
                    "questionId": "q2",
                    "text": "Which of these are private ranges?",
                    "answer": ["a"],
                    "answerText": ["10.0.0.0/8"],
                    "right": ["a", "c"],
                    "rightText": ["10.0.0.0/8", "192.168.0.0/16"],
                    "correct": False,
                    "points": 0.5,
                    "maxPoints": 2,
                },
            ],
        },
    ],
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, key: str) -> Any:
    page = client.get("/signin").get_data(as_text=True)
    return client.post("/signin", data={"api_key": key, "csrf_token": csrf_token(page)})


def serve(api: FakeApi) -> ThreadingHTTPServer:
    """Start the fake API on a free loopback port (``api.url``); the caller shuts the server down."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    # A short poll, so that shutdown() at the end of each test returns at once (the default waits up to 0.5 s).
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


ROOT = Path(__file__).resolve().parents[3]


def healthy(port: int) -> bool:
    """Whether the portal on ``port`` answers its health check (what gunicorn() waits for)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(
    api: FakeApi,
    folder: Path,
    ready: Callable[[int], bool],
    options: Sequence[str] = (),
    secret: str = "g" * 48,
    settings: Mapping[str, str] | None = None,
) -> Iterator[tuple[int, Path]]:
    """The portal under gunicorn, as bin/portal.sh and the container run it, talking to ``api``, with ``settings``
    added to its environment (CLASS_LANGUAGE, PORTAL_TIMEZONE): yields its port and its log once ``ready(port)``
    holds; stopped on the way out."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PORTAL_", "CLASS_LANGUAGE"))},
        "API_URL": api.url,
        "PORTAL_SECRET_KEY": secret,
        "PORTAL_SESSION_DIR": str(folder / "sessions"),
        "PYTHONPATH": str(ROOT),
        **(settings or {}),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        *("--bind", f"127.0.0.1:{port}", "--no-control-socket", *options),
        "portal.app:create_app()",
    ]
    log_path = folder / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60  # two cores shared with other work: a worker may boot slowly
            while not ready(port):
                if time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not start: " + log_path.read_text()[-2000:])
                time.sleep(0.2)
            yield port, log_path
        finally:
            server.terminate()
            server.wait(timeout=20)

"""Helpers of the student client's unit tests: its package on the path (as bin/test_time_client.py puts it), a
tiny API on 127.0.0.1 that answers what a test tells it and records every request (conftest.py starts it), and the
client run as a student runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
BIN = ROOT / "bin"
if str(BIN) not in sys.path:
    sys.path.insert(0, str(BIN))

KEY = "a-key-of-twenty-chars-or-more"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FakeApi:
    """Plays API Gateway's part: ``replies[(method, path without query)]``, else 404; ``seen`` lists requests."""

    def __init__(self) -> None:
        self.replies: dict[tuple[str, str], Reply] = {}
        self.keyed: dict[tuple[str, str, str], Reply] = {}  # (x-api-key, method, path): this key's own answer
        self.seen: list[Seen] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                fake.seen.append(Seen(self.command, self.path, headers, body))
                route = (self.command, self.path.split("?")[0])
                reply = fake.keyed.get((headers.get("x-api-key", ""), *route)) or fake.replies.get(route)
                reply = reply or Reply(404, b'{"message":"no"}')
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stage"  # the client adds /api/v1/...
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def reply(self, method: str, route: str, body: Any, status: int = 200, **headers: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.replies[(method, "/stage/api" + route)] = Reply(status, raw, headers)

    def reply_to_key(self, key: str, method: str, route: str, body: Any, status: int = 200, **headers: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.keyed[(key, method, "/stage/api" + route)] = Reply(status, raw, headers)


def write_config(path: Path, url: str, key: str = KEY, extra: str = "") -> Path:
    path.write_text(f"API_URL={url}\nAPI_KEY={key}\n{extra}", encoding="utf-8")
    path.chmod(0o600)
    return path


def run_client(config: Path, *args: str, input: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """bin/test_time_client.py from another folder, without PYTHONPATH and without proxies: as a student runs it."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "PYTHONHOME") and not name.lower().endswith("_proxy")
    }
    env.update(COLUMNS="100", LINES="24")  # the client wraps to the terminal: one width, whoever runs the tests
    return subprocess.run(
        [sys.executable, str(BIN / "test_time_client.py"), "--config", str(config), *args],
        cwd=cwd or config.parent,
        env=env,
        input=input,
        text=True,
        capture_output=True,
        timeout=60,
    )


def listing(*tests: tuple[str, str], student: str = "student01") -> dict[str, Any]:
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for subject, test_id in tests:
        by_subject.setdefault(subject, []).append(
            {"testId": test_id, "title": f"Title of {test_id}", "deadline": "2099-01-05T23:00:00+00:00"}
        )
    return {
        "studentId": student,
        "subjects": [{"subjectName": name, "tests": items} for name, items in by_subject.items()],
    }


def one_question(text: str = "What is a kernel?", test_id: str = "test01") -> dict[str, Any]:
    return {
        "testId": test_id,
        "title": "A test",
        "deadline": "2099-01-05T23:00:00+00:00",
        "questions": [
            {
                "questionId": "1",
                "question": text,
                "answers": [{"answerId": "a", "answerBody": "right"}, {"answerId": "b", "answerBody": "wrong"}],
            }
        ],
    }

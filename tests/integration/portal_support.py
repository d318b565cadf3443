"""The portal's integration tests share this: an ADDITIONAL subject and students of their own, published on top of
the sample content (content/students.yml and content/subjects/ unchanged), so they never submit for the students
or close the test that other tests use; and the original content published back when a module is done.

portal-demo/quiz-open is due in 30 days; portal-demo/quiz-scored is due 20 minutes after the module published it,
and the scorer is invoked with ``asOf`` just after that deadline to produce score.json files (only tests due before
``asOf`` are scored).
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config

from tests.integration.harness import LocalAws, copy_sample_content, wait_until_listed

SUBJECT = "portal-demo"
OPEN_TEST = "quiz-open"
SCORED_TEST = "quiz-scored"
STUDENTS = {
    "portal01": "Portal Student One",  # the app tests: takes quiz-open and quiz-scored (all right)
    "portal02": "Portal Student Two",  # the app tests: takes quiz-scored (one right of three)
    "portal03": "Portal Student Three",  # the browser test: takes quiz-open
    "portal04": "Portal Student Four",  # never submits: "missing"
}
QUESTIONS = [
    {"id": "1", "text": "Which method reads?", "choices": {"a": "GET", "b": "POST", "c": "DELETE"}, "answer": "a"},
    {"id": "2", "text": "Which port is HTTPS?", "choices": {"a": "80", "b": "443", "c": "22"}, "answer": "b"},
    {"id": "3", "text": "TLS protects?", "choices": {"a": "nothing", "b": "disk", "c": "traffic"}, "answer": "c"},
]
RIGHT = {q["id"]: q["answer"] for q in QUESTIONS}


class ScorerFailed(AssertionError):
    """The deployed scorer answered with an error instead of a run summary."""


@dataclass(frozen=True)
class PortalContent:
    folder: Path
    scored_due: datetime


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_content(folder: Path, now: datetime) -> PortalContent:
    copy_sample_content(folder)  # its test01 due a week from now: "Operating systems basics" stays listed
    students = yaml.safe_load((folder / "students.yml").read_text())
    students += [{"id": sid, "name": name, "email": f"{sid}@example.com"} for sid, name in STUDENTS.items()]
    (folder / "students.yml").write_text(yaml.safe_dump(students, sort_keys=False, allow_unicode=True))
    subject = folder / "subjects" / SUBJECT
    subject.mkdir()
    scored_due = (now + timedelta(minutes=20)).replace(microsecond=0)
    for test_id, title, due in (
        (OPEN_TEST, "Web basics", now + timedelta(days=30)),
        (SCORED_TEST, "Web basics, scored", scored_due),
    ):
        document = {"title": title, "due": due.replace(microsecond=0).isoformat(), "questions": QUESTIONS}
        (subject / f"{test_id}.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    return PortalContent(folder, scored_due)


def publish_portal_content(aws: LocalAws) -> PortalContent:
    """Publish the sample content plus the portal's subject and students, dated from now: each module publishes its
    own (once, from a module fixture), so that no module depends on when or whether another one published first
    (an explicit ``due`` always wins on republication, so the deadlines move with it)."""
    now = datetime.now(UTC)
    content = _write_content(aws.workdir / f"portal-content-{now:%H%M%S%f}", now)
    aws.run("update-subjects-or-students.sh", "--content", str(content.folder))
    wait_until_listed(aws, "portal04", SUBJECT, OPEN_TEST)  # portal04 never submits anything
    return content


def restore_sample_content(aws: LocalAws) -> None:
    """The sample content again: the portal's tests are closed, its students' keys disabled (data stays)."""
    aws.run("update-subjects-or-students.sh")


def score_now(aws: LocalAws, content: PortalContent) -> dict[str, Any]:
    """Run the deployed scorer as if it were just after quiz-scored's deadline."""
    as_of = (content.scored_due + timedelta(seconds=1)).isoformat()
    client = boto3.client(
        "lambda",
        endpoint_url=aws.endpoint,
        region_name=aws.region,
        aws_access_key_id="LOCALEMULATORKEY",
        aws_secret_access_key="local-emulator-secret",
        config=Config(read_timeout=600, retries={"max_attempts": 0}),
    )
    response = client.invoke(FunctionName="testtime-scorer", Payload=json.dumps({"asOf": as_of}).encode())
    payload = json.loads(response["Payload"].read() or b"{}")
    if "FunctionError" in response:
        raise ScorerFailed(f"the deployed scorer failed: {payload}")
    return dict(payload)

"""A corrected answer key of a scored test, published through ``update-subjects-or-students.sh`` (issue 14 point 4).

On the shared deployment: our own students (regrade01..03) and subject ``regrading`` with one quiz due a few
minutes after publishing; they submit, ``bin/score-now.sh --as-of`` scores it, then the key of question 3 is
corrected. ``--check`` says whose scores would change; publishing without a terminal and without ``--yes`` refuses
and changes nothing; ``--yes`` publishes; the scorer's next run rescores exactly as the preview said and emails
exactly the two students whose score changed, once (a further run sends nothing). At the end content/ is published
again, which disables our students' keys and closes our quiz.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api_content import restore_sample_content
from tests.integration.harness import LocalAws, api_key, copy_sample_content

pytestmark = pytest.mark.integration

SUBJECT, QUIZ = "regrading", "quiz01"
STUDENTS = {"regrade01": "Ada Regrade", "regrade02": "Bob Regrade", "regrade03": "Łucja Regrade"}
# Key abc, then corrected to abb: regrade01 3 -> 2 right, regrade02 2 -> 3, regrade03 (1 right, a on 3) unchanged.
ANSWERS = {"regrade01": "abc", "regrade02": "abb", "regrade03": "aaa"}
KEY_NAME = f"{SUBJECT}/{QUIZ}/questionsKey.json"
STATE_NAME = f"scorer/tests/{SUBJECT}/{QUIZ}.json"
PREVIEW = (
    f"rescore         {SUBJECT}/{QUIZ}: answer key changed for question 3; 2 of 3 students' scores {{}}; they get "
    "an email with the new score"
)


@dataclass
class Scored:
    aws: LocalAws
    bucket: str
    due: datetime
    workdir: Path
    started: str  # ISO instant before anything of ours was sent

    def regrade_notices(self) -> dict[str, int]:
        """How many "your score changed" emails each of our students got (bin/outbox.sh: what SES accepted)."""
        sent = json.loads(self.aws.run("bin/outbox.sh", "--json", "--since", self.started).stdout)
        subject = f"[{SUBJECT}] [{QUIZ}] Your test score changed"
        return {sid: sum(f"{sid}@example.com" in m["to"] and m["subject"] == subject for m in sent) for sid in STUDENTS}

    def read(self, key: str) -> bytes:
        return bytes(self.aws.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def published(self) -> dict[str, bytes]:
        """What a publish writes of ours: the quiz's documents, the class list and the catalog."""
        names = (KEY_NAME, f"{SUBJECT}/{QUIZ}/questions.json", "catalog.json", "studentsList.json")
        return {name: self.read(name) for name in names}

    def rows(self) -> dict[str, Any]:
        return dict(json.loads(self.read(STATE_NAME))["rows"])


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def submit(aws: LocalAws, sid: str, answers: str) -> None:
    body = {
        "subjectName": SUBJECT,
        "testId": QUIZ,
        "answers": [{"questionId": str(n), "answer": a} for n, a in enumerate(answers, start=1)],
    }
    request = urllib.request.Request(
        aws.outputs()["ApiUrl"] + "/api/v1/test", method="POST", data=json.dumps(body).encode()
    )
    request.add_header("x-api-key", api_key(aws, sid))
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:  # an error status raises, with the API's answer
        assert response.status == 201, (sid, response.status)


def write_content(dest: Path, key: str, due: datetime) -> Path:
    copy_sample_content(dest)
    with (dest / "students.yml").open("a", encoding="utf-8") as students:
        for sid, name in STUDENTS.items():
            students.write(f"- id: {sid}\n  name: {name}\n  email: {sid}@example.com\n")
    questions = [
        f"  - id: {number}\n    text: Regrade question {number}?\n    choices:\n"
        + "".join(f"      {c}: choice {c}\n" for c in "abc")
        + f"    answer: {answer}\n"
        for number, answer in enumerate(key, start=1)
    ]
    (dest / "subjects" / SUBJECT).mkdir(parents=True)
    quiz = f"title: Regrades\ndue: {due.isoformat()}\nquestions:\n" + "".join(questions)
    (dest / "subjects" / SUBJECT / f"{QUIZ}.yml").write_text(quiz, encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def scored(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scored]:
    workdir = tmp_path_factory.mktemp("regrade")
    started = iso(datetime.now(UTC) - timedelta(seconds=1))
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    deployed.run("update-subjects-or-students.sh", "--content", str(write_content(workdir / "v1", "abc", due)))
    for sid, answers in ANSWERS.items():
        submit(deployed, sid, answers)
    deployed.run("bin/score-now.sh", "--as-of", iso(due + timedelta(seconds=1)), "--yes")
    try:
        yield Scored(deployed, deployed.outputs()["DataBucketName"], due, workdir, started)
    finally:
        restore_sample_content(deployed)


def test_a_corrected_key_is_previewed_confirmed_and_rescored_as_previewed(scored: Scored) -> None:
    before = scored.rows()
    assert {sid: (row["correct"], row["answers"]) for sid, row in before.items() if sid in STUDENTS} == {
        "regrade01": (3, {"1": "a", "2": "b", "3": "c"}),
        "regrade02": (2, {"1": "a", "2": "b", "3": "b"}),
        "regrade03": (1, {"1": "a", "2": "a", "3": "a"}),
    }
    corrected = str(write_content(scored.workdir / "v2", "abb", scored.due))
    published = scored.published()

    plan = scored.aws.run("update-subjects-or-students.sh", "--content", corrected, "--check").stdout
    assert PREVIEW.format("would change") in plan.splitlines(), plan
    assert scored.published() == published

    refused = scored.aws.run("update-subjects-or-students.sh", "--content", corrected, check=False, input="")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        f"not published: the answer key of {SUBJECT}/{QUIZ} changed after it was scored, and there is no terminal "
        "to ask whether to rescore: run again with --yes to publish and rescore; nothing was changed"
    )
    assert scored.published() == published  # nothing half-written

    done = scored.aws.run("update-subjects-or-students.sh", "--content", corrected, "--yes").stdout
    assert PREVIEW.format("change at the scorer's next run") in done.splitlines(), done
    assert json.loads(scored.read(KEY_NAME))[2]["answer"] == "b"

    scored.aws.run("bin/score-now.sh", "--as-of", iso(scored.due + timedelta(seconds=2)), "--yes")
    after = scored.rows()
    changed = sorted(sid for sid in STUDENTS if after[sid]["percent"] != before[sid]["percent"])
    assert changed == ["regrade01", "regrade02"]  # exactly the preview's two
    assert [after[sid]["correct"] for sid in STUDENTS] == [2, 3, 1]
    assert scored.regrade_notices() == {"regrade01": 1, "regrade02": 1, "regrade03": 0}
    scored.aws.run("bin/score-now.sh", "--as-of", iso(scored.due + timedelta(seconds=3)), "--yes")
    assert scored.regrade_notices() == {"regrade01": 1, "regrade02": 1, "regrade03": 0}  # once

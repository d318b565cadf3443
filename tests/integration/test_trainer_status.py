"""The trainer's gradebook and status end to end on the shared deployment: students submit through the API,
``bin/score-now.sh`` scores, then ``bin/gradebook.sh`` and ``bin/status.sh`` run as the trainer runs them, and
what they print is compared with the scores the scorer wrote (score.json) and the bucket's own records.

Ours: a subject ``gradebook-it`` with three quizzes due minutes after publishing and three students, two with
Polish names, so the CSV must keep "Łukaszewicz" intact. quiz01 and quiz02 are scored; quiz03 stays open, then
closes with an unscored submission.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import LocalAws, api_key, copy_sample_content

pytestmark = pytest.mark.integration

SUBJECT = "gradebook-it"
STUDENTS = {"gb01": "Łucja Łukaszewicz", "gb02": "Bartosz Żółkiewski", "gb03": "Cyd Gradebook"}
KEY = "abcd"
ANSWERS = {  # quiz -> student -> answers of questions 1..4 (a missing student did not submit)
    "quiz01": {"gb01": "abcd", "gb02": "abaa"},
    "quiz02": {"gb01": "abca", "gb03": "bcda"},
    "quiz03": {"gb02": "abcd"},
}


@dataclass
class Published:
    aws: LocalAws
    due: dict[str, datetime]
    bucket: str
    content: Path


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def quiz_yaml(title: str, due: datetime, key: str = KEY) -> str:
    questions = []
    for number, answer in enumerate(key, start=1):
        choices = "\n".join(f"      {c}: choice {c} of question {number}" for c in "abcd")
        questions.append(
            f"  - id: {number}\n    text: Question {number}?\n    choices:\n{choices}\n    answer: {answer}"
        )
    return f"title: {title}\ndue: {due.isoformat()}\nquestions:\n" + "\n".join(questions) + "\n"


def submit(aws: LocalAws, sid: str, test_id: str, answers: str) -> None:
    body = {
        "subjectName": SUBJECT,
        "testId": test_id,
        "answers": [{"questionId": str(n), "answer": a} for n, a in enumerate(answers, start=1)],
    }
    request = urllib.request.Request(
        aws.outputs()["ApiUrl"] + "/api/v1/test", method="POST", data=json.dumps(body).encode()
    )
    request.add_header("x-api-key", api_key(aws, sid))
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201, (sid, test_id, response.status)


@pytest.fixture(scope="module")
def published(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Published:
    deployed.run("bin/score-now.sh")  # other modules' closed tests: scored now, so ours are what changes below
    content = tmp_path_factory.mktemp("gradebook") / "content"
    copy_sample_content(content)
    with (content / "students.yml").open("a", encoding="utf-8") as students:
        for sid, name in STUDENTS.items():
            students.write(f"- id: {sid}\n  name: {name}\n  email: {sid}@example.com\n")
    now = datetime.now(UTC).replace(microsecond=0)
    due = {"quiz01": now + timedelta(minutes=10), "quiz02": now + timedelta(minutes=11)}
    due["quiz03"] = now + timedelta(hours=12)  # inside the default 24 h: the scorer's run reminds who has not sent it
    (content / "subjects" / SUBJECT).mkdir()
    for test_id, moment in due.items():
        (content / "subjects" / SUBJECT / f"{test_id}.yml").write_text(
            quiz_yaml(f"Gradebook {test_id}", moment), encoding="utf-8"
        )
    deployed.run("update-subjects-or-students.sh", "--content", str(content))
    for test_id, answers in ANSWERS.items():
        for sid, given in answers.items():
            submit(deployed, sid, test_id, given)
    assert datetime.now(UTC) < due["quiz01"], "publishing and submitting took longer than the quiz was open"
    return Published(deployed, due, deployed.outputs()["DataBucketName"], content)


@pytest.fixture(scope="module")
def scored(published: Published) -> datetime:
    """Scored as of one second after quiz02's due: quiz01 and quiz02, not quiz03 (open for 12 hours)."""
    as_of = published.due["quiz02"] + timedelta(seconds=1)
    published.aws.run("bin/score-now.sh", "--as-of", iso(as_of), "--yes")  # ahead of the clock
    return as_of


def read_json(p: Published, key: str) -> Any:
    body = p.aws.client("s3").get_object(Bucket=p.bucket, Key=key)["Body"].read()
    return json.loads(body)


def class_ids(p: Published) -> list[str]:
    return [entry["student_id"] for entry in read_json(p, "studentsList.json")]


def figure(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV starts without the UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_gradebook_csv_matches_the_scores(published: Published, scored: datetime) -> None:
    proc = published.aws.run("bin/gradebook.sh", "--csv")
    data = proc.stdout.encode("utf-8")  # captured as text (UTF-8): the BOM is its first character
    rows = csv_rows(data)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["id", "name", "email"] and header[-1] == "mean %"
    ours = [f"{SUBJECT}/quiz01 %", f"{SUBJECT}/quiz01 grade", f"{SUBJECT}/quiz02 %", f"{SUBJECT}/quiz02 grade"]
    start = header.index(ours[0])
    assert header[start : start + 4] == ours  # deadline order, two columns per scored test
    assert f"{SUBJECT}/quiz03 %" not in header  # not scored: no column
    by_id = {row[0]: row for row in body}
    assert [row[0] for row in body[: len(class_ids(published))]] == class_ids(published)  # class-list order
    for sid, name in STUDENTS.items():
        row = by_id[sid]
        assert row[1:3] == [name, f"{sid}@example.com"]
        for n, test_id in enumerate(("quiz01", "quiz02")):
            cells = row[start + 2 * n : start + 2 * n + 2]
            if sid not in ANSWERS[test_id]:
                assert cells == ["", ""], (sid, test_id, cells)  # no submission: empty, never 0
                continue
            score = read_json(published, f"{SUBJECT}/{test_id}/{sid}/score.json")
            assert cells == [figure(score["percent"]), str(score["grade"])], (sid, test_id)
    # The mean covers every scored test of the student (other modules' too): check ours, who have only these.
    assert by_id["gb01"][-1] == "87.5"  # 100 and 75
    assert by_id["gb02"][-1] == "50"  # quiz01 only; quiz02 is empty, not 0
    assert by_id["gb03"][-1] == "0"  # a real zero on quiz02


def test_gradebook_output_file_and_text(published: Published, scored: datetime, tmp_path: Path) -> None:
    target = tmp_path / "grades.csv"
    proc = published.aws.run("bin/gradebook.sh", "--csv", "--output", str(target))
    assert f"Wrote {target}" in proc.stdout
    rows = csv_rows(target.read_bytes())
    assert {row[0]: row[1] for row in rows[1:]}["gb01"] == "Łucja Łukaszewicz"
    text = published.aws.run("bin/gradebook.sh").stdout.splitlines()
    assert f"{SUBJECT}/quiz01" in text[0] and text[1].startswith("id") and set(text[2]) == {"-", " "}
    [line] = [line for line in text if line.startswith("gb01 ")]
    assert "Łucja Łukaszewicz" in line and line.endswith("  87.5")
    assert len(line) == len(text[1]) == len(text[2])  # the figures right-aligned under the header


def test_gradebook_refuses_an_unknown_subject(published: Published) -> None:
    proc = published.aws.run("bin/gradebook.sh", "--subject", "no-such-subject", check=False)
    assert proc.returncode == 2 and "no subject no-such-subject" in proc.stderr


def status_rows(output: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in output.splitlines() if line.startswith(f"{SUBJECT}/")}


def sent_reminders(p: Published, test_id: str) -> int:
    """Reminders recorded sent, read straight from the bucket's records (their own and the batches)."""
    s3 = p.aws.client("s3")
    prefix = f"scorer/reminders/{SUBJECT}/{test_id}/"
    merged: dict[str, str] = {}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=p.bucket, Prefix=prefix).get("Contents", [])]
    for key in sorted(keys, key=lambda k: "/batches/" not in k):  # batches first, a student's own record wins
        document = read_json(p, key)
        if "/batches/" in key:
            merged.update({sid: rec.get("status") for sid, rec in document.get("records", {}).items()})
        else:
            merged[key.rsplit("/", 1)[1].removesuffix(".json")] = document.get("status")
    return sum(1 for status in merged.values() if status == "sent")


def test_status_says_where_each_test_stands(published: Published, scored: datetime) -> None:
    everybody = len(class_ids(published))
    # The deployed schedule runs every 15 minutes as of the real time, when quiz01 and quiz02 are still open: such
    # a run may remind their non-submitters while we look. So the count shown lies between two readings.
    before = {test_id: sent_reminders(published, test_id) for test_id in ANSWERS}
    output = published.aws.run("bin/status.sh", "--as-of", iso(scored)).stdout
    after = {test_id: sent_reminders(published, test_id) for test_id in ANSWERS}
    assert after["quiz03"] == everybody - len(ANSWERS["quiz03"])  # the scored run reminded every non-submitter
    lines = output.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert lines[0].startswith("Tests as of ")
    rows = status_rows(output)
    expected = {"quiz01": "scored", "quiz02": "scored", "quiz03": "open"}
    for test_id, state in expected.items():
        _name, shown_state, submitted, missing, reminders = rows[f"{SUBJECT}/{test_id}"]
        assert shown_state == state, (test_id, output)
        assert int(submitted) == len(ANSWERS[test_id])
        assert int(missing) == everybody - len(ANSWERS[test_id])
        assert before[test_id] <= int(reminders) <= after[test_id], (test_id, before, after, output)
    # The title and the deadline in words, in the trainer's zone, under each test.
    detail = lines[lines.index(next(line for line in lines if line.startswith(f"{SUBJECT}/quiz03"))) + 1]
    assert detail.startswith("    Gradebook quiz03, due ") and any(zone in detail for zone in ("CET", "CEST"))
    assert any(line.startswith("The scorer runs") for line in lines), output
    assert any(line.startswith("Reminders: ") for line in lines), output


def test_status_closed_until_scored(published: Published, scored: datetime) -> None:
    after_quiz03 = published.due["quiz03"] + timedelta(minutes=1)
    rows = status_rows(published.aws.run("bin/status.sh", "--as-of", iso(after_quiz03)).stdout)
    assert rows[f"{SUBJECT}/quiz03"][1] == "closed"  # due has passed, gb02's submission not scored yet
    assert rows[f"{SUBJECT}/quiz01"][1] == "scored"


def test_status_names_a_test_to_regrade_after_its_key_changed(published: Published, scored: datetime) -> None:
    """Last in the module: it publishes quiz01 with question 2's answer corrected (b -> a). Until the scorer runs,
    quiz01 stands to be regraded; quiz02 stays scored. (Real time is minutes before quiz01's due, so no scheduled
    run scores it meanwhile.)"""
    path = published.content / "subjects" / SUBJECT / "quiz01.yml"
    path.write_text(quiz_yaml("Gradebook quiz01", published.due["quiz01"], key="aacd"), encoding="utf-8")
    published.aws.run("update-subjects-or-students.sh", "--content", str(published.content), "--yes")
    rows = status_rows(published.aws.run("bin/status.sh", "--as-of", iso(scored)).stdout)
    assert rows[f"{SUBJECT}/quiz01"][1] == "regrade"
    assert rows[f"{SUBJECT}/quiz02"][1] == "scored"


def test_status_refuses_a_bad_instant(published: Published) -> None:
    proc = published.aws.run("bin/status.sh", "--as-of", "yesterday", check=False)
    assert proc.returncode == 2 and "--as-of" in proc.stderr

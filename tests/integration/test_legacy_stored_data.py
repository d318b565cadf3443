"""A bucket holding the original 2019 service's stored data is scored, reported and backed up as it is.

On a throwaway embedded AWS: the service deployed, the 2019 content published unchanged
(tests/fixtures/legacy-content), then the 2019 stored objects put at their keys (tests/fixtures/legacy-stored: each
``testResult.json`` the bare list of ``{"questionId", "answer"}`` that service stored, two ``score.json`` its
``{"score": N}``), as after restoring a 2019 bucket. ``bin/score-now.sh --as-of`` after the deadline must email
every student the right count, with no corrupt submission, and rewrite every ``score.json`` in today's shape;
the results API reads both shapes; ``bin/backup-data.sh`` backs it up and restores it.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import ROOT, LocalAws, api_key
from tests.support.throwaway_aws import ThrowawayAws
from testtime.deadlines import parse_instant, to_iso

pytestmark = pytest.mark.integration

FIXTURES = ROOT / "tests" / "fixtures"
STORED = FIXTURES / "legacy-stored"
SUBJECT, TEST = "operating-systems", "test01"
TRAINER = "trainer@example.com"
# tests/fixtures/README.md: each student's right answers of 6, and the grade of the default (2019) scale.
EXPECTED = {
    "student01": (6, 100.0, 5),
    "student02": (4, 66.67, 3),
    "student03": (2, 33.33, 2),
    "student04": (1, 16.67, 1),
}
LEGACY_SCORES = {"student01": 5, "student04": 1}  # the fixture's {"score": N} files
RESTORED = "restored-legacy-data"


@dataclass
class Scored:
    aws: LocalAws
    bucket: str
    as_of: str
    stored: dict[str, bytes]  # the fixture's objects by key, as uploaded
    results_before: dict[str, Any]  # GET /api/v1/results before the scorer ran
    run: dict[str, Any]  # bin/score-now.sh --json
    outbox: list[dict[str, Any]]


def results(aws: LocalAws) -> dict[str, Any]:
    """The trainer's GET /api/v1/results for the legacy test."""
    url = f"{aws.outputs()['ApiUrl']}/api/v1/results?subjectName={SUBJECT}&testId={TEST}"
    request = urllib.request.Request(url, headers={"x-api-key": api_key(aws, "trainer")})
    with urllib.request.urlopen(request, timeout=60) as response:
        [test] = json.loads(response.read())["tests"]
    return dict(test)


def read(aws: LocalAws, bucket: str, key: str) -> bytes:
    return bytes(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


@pytest.fixture(scope="module")
def scored(throwaway_aws: ThrowawayAws) -> Iterator[Scored]:
    with throwaway_aws("legacy-stored") as aws:
        aws.run("update-subjects-or-students.sh", "--content", str(FIXTURES / "legacy-content"))
        bucket = aws.outputs()["DataBucketName"]
        s3 = aws.client("s3")
        stored = {path.relative_to(STORED).as_posix(): path.read_bytes() for path in STORED.rglob("*.json")}
        for key, body in sorted(stored.items()):
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        catalog = json.loads(read(aws, bucket, "catalog.json"))
        due = next(t["due"] for t in catalog["tests"] if (t["subject"], t["testId"]) == (SUBJECT, TEST))
        as_of = to_iso(parse_instant(due) + timedelta(minutes=1))
        before = results(aws)
        run = json.loads(aws.run("bin/score-now.sh", "--as-of", as_of, "--yes", "--json").stdout)
        outbox = json.loads(aws.run("bin/outbox.sh", "--json").stdout)
        yield Scored(aws, bucket, as_of, stored, before, run, outbox)


def email_of(scored: Scored, student: str) -> dict[str, Any]:
    [mail] = [m for m in scored.outbox if m["to"] == [f"{student}@makemycloud.pl"]]
    return mail


def test_the_fixture_is_the_2019_stored_shapes() -> None:
    submissions = sorted(STORED.rglob("testResult.json"))
    assert [path.parent.name for path in submissions] == list(EXPECTED)
    assert all(isinstance(json.loads(path.read_bytes()), list) for path in submissions)
    scores = {path.parent.name: json.loads(path.read_bytes()) for path in STORED.rglob("score.json")}
    assert scores == {student: {"score": grade} for student, grade in LEGACY_SCORES.items()}


def test_the_results_api_reads_the_2019_scores_before_the_scorer_ran(scored: Scored) -> None:
    before = scored.results_before
    assert {row["studentId"]: row for row in before["results"]} == {
        # The 2019 class list has no names: the publisher names each student by their id.
        student: {
            "studentId": student,
            "name": student,
            "correct": None,
            "questions": None,
            "percent": None,
            "grade": g,
        }
        for student, g in LEGACY_SCORES.items()
    }
    assert before["submittedNotScored"] == ["student02", "student03"]
    assert before["missing"] == [] and before["scored"] is False


def test_every_2019_submission_is_scored_and_emailed_with_its_right_count(scored: Scored) -> None:
    run = scored.run
    assert run["failures"] == [], run["failures"]
    assert (run["testsScored"], run["submissionsScored"], run["emailsSent"], run["emailsFailed"]) == (1, 4, 4, 0)
    for student, (correct, percent, grade) in EXPECTED.items():
        mail = email_of(scored, student)
        assert mail["subject"] == f"[{SUBJECT}] [{TEST}] Test score"
        assert f"Score: {correct} of 6 correct ({percent:g}%)" in mail["text"], mail["text"]
        assert f"Grade: {grade}" in mail["text"]
    # The upper-case, spaced answers compare as the answers they are; the missing question reads as unanswered.
    assert "Your answer:  b) ext3" in email_of(scored, "student02")["text"]
    unanswered = email_of(scored, "student03")["text"].split("Question 4:", 1)[1]
    assert unanswered.splitlines()[1].strip() == "Your answer:  (no answer)"


def test_the_trainers_summary_has_every_row_and_no_corrupt_submission(scored: Scored) -> None:
    [summary] = [m for m in scored.outbox if m["to"] == [TRAINER]]
    text = summary["text"]
    assert "corrupt-submission" not in text and "Failures (" not in text, text
    # A row: "student01 (student01)  6/6  100%  5" (the published name is the id).
    rows = {line.split()[0]: line.split()[-3:] for line in text.splitlines() if line.startswith("student0")}
    assert rows == {
        student: [f"{correct}/6", f"{percent:g}%", str(grade)]
        for student, (correct, percent, grade) in EXPECTED.items()
    }
    assert len(scored.outbox) == len(EXPECTED) + 1


def test_every_score_is_rewritten_in_todays_shape_and_the_submissions_are_kept(scored: Scored) -> None:
    for student, (correct, percent, grade) in EXPECTED.items():
        prefix = f"{SUBJECT}/{TEST}/{student}"
        score = json.loads(read(scored.aws, scored.bucket, f"{prefix}/score.json"))
        assert "score" not in score
        assert (score["studentId"], score["subjectName"], score["testId"]) == (student, SUBJECT, TEST)
        assert (score["correct"], score["questions"], score["percent"], score["grade"]) == (correct, 6, percent, grade)
        assert len(score["wrong"]) == 6 - correct and score["scoredAt"]
        # A submission is never rewritten: the 2019 bare list stays as it was stored.
        key = f"{prefix}/testResult.json"
        assert read(scored.aws, scored.bucket, key) == scored.stored[key]


def test_the_results_api_reports_the_rewritten_scores(scored: Scored) -> None:
    after = results(scored.aws)
    assert after["scored"] is True and after["submittedNotScored"] == [] and after["missing"] == []
    assert {
        row["studentId"]: (row["correct"], row["questions"], row["percent"], row["grade"]) for row in after["results"]
    } == {student: (correct, 6, percent, grade) for student, (correct, percent, grade) in EXPECTED.items()}


def test_the_bucket_backs_up_and_restores_cleanly(scored: Scored, tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    done = scored.aws.run("bin/backup-data.sh", str(folder))
    assert "backed up" in done.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    keys = {entry["key"] for entry in manifest["objects"]}
    assert set(scored.stored) <= keys
    for key in scored.stored:
        if key.endswith("testResult.json"):  # backed up as stored: the 2019 bare list
            assert (folder / "objects" / key).read_bytes() == scored.stored[key]
    count = len(keys)
    same = scored.aws.run("bin/backup-data.sh", "--restore", "--check", str(folder))
    assert f"0 would upload (0 missing, 0 different), {count} unchanged" in same.stdout

    s3 = scored.aws.client("s3")
    s3.create_bucket(Bucket=RESTORED, CreateBucketConfiguration={"LocationConstraint": scored.aws.region})
    restored = scored.aws.run("bin/backup-data.sh", "--restore", "--bucket", RESTORED, str(folder))
    assert f"{count} uploaded ({count} missing, 0 different), 0 unchanged" in restored.stdout
    check = scored.aws.run("bin/backup-data.sh", "--restore", "--check", "--bucket", RESTORED, str(folder))
    assert f"0 would upload (0 missing, 0 different), {count} unchanged" in check.stdout
    for key in keys:
        assert read(scored.aws, RESTORED, key) == (folder / "objects" / key).read_bytes()

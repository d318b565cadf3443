"""The scorer end to end on the shared deployment: students submit through the API, ``bin/score-now.sh`` scores
after the deadline, ``bin/outbox.sh`` shows what SES (MiniStack) accepted.

Everything here is our own: a content copy with the sample class and test kept as they are, plus three students
(scorer01..03) and a subject ``networking`` with two quizzes due a few seconds after publishing, so that the
students can still submit. quiz01 is for the normal run, quiz02 for the fault: SES switched to its sandbox,
where an unverified recipient is refused (MessageRejected), then the address verified and the run repeated.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ops.deployment import load_settings
from tests.integration.harness import LocalAws, api_key, copy_sample_content
from testtime import layout
from testtime.deadlines import describe

pytestmark = pytest.mark.integration

SUBJECT = "networking"
STUDENTS = {"scorer01": "Ada Scorer", "scorer02": "Bob Scorer", "scorer03": "Cyd Scorer"}
KEY = "abcd"  # the right answer of questions 1..4
# quiz01: scorer01 all right, scorer02 one of four, scorer03 nothing. quiz02: everybody submits.
QUIZ01 = {"scorer01": "abcd", "scorer02": "bbaa"}
QUIZ02 = {"scorer01": "abca", "scorer02": "abcd", "scorer03": "bcda"}
TRAINER = "trainer@example.com"


def email(sid: str) -> str:
    return f"{sid}@example.com"


@dataclass
class Quizzes:
    aws: LocalAws
    started: str  # ISO instant before anything of ours was sent
    due: dict[str, datetime]
    bucket: str


def quiz_yaml(title: str, due: datetime) -> str:
    questions = []
    for number, answer in enumerate(KEY, start=1):
        choices = "\n".join(f"      {c}: choice {c} of question {number}" for c in "abcd")
        questions.append(
            f"  - id: {number}\n    text: Networking question {number}?\n    choices:\n{choices}\n    answer: {answer}"
        )
    return f"title: {title}\ndue: {due.isoformat()}\nquestions:\n" + "\n".join(questions) + "\n"


def call(url: str, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, method="POST", data=json.dumps(body).encode())
    request.add_header("x-api-key", key)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def submit(aws: LocalAws, sid: str, test_id: str, answers: str) -> None:
    body = {
        "subjectName": SUBJECT,
        "testId": test_id,
        "answers": [{"questionId": str(n), "answer": a} for n, a in enumerate(answers, start=1)],
    }
    status, reply = call(aws.outputs()["ApiUrl"] + "/api/v1/test", api_key(aws, sid), body)
    assert status == 201, (sid, test_id, status, reply)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@pytest.fixture(scope="module")
def quizzes(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Quizzes:
    # The shared deployment carries other modules' tests, closed when they published content/ back: score and
    # email those now, so that the runs below are about this module's quizzes only.
    deployed.run("bin/score-now.sh")
    started = datetime.now(UTC) - timedelta(seconds=1)
    content = tmp_path_factory.mktemp("scorer") / "content"
    copy_sample_content(content)  # the sample test's deadline a week away, whatever the calendar says
    with (content / "students.yml").open("a", encoding="utf-8") as students:
        for sid, name in STUDENTS.items():
            students.write(f"- id: {sid}\n  name: {name}\n  email: {email(sid)}\n")
    # Open long enough for publishing and five submissions (cold starts); the runs below score "as of" a moment
    # after each due with --as-of, so nothing here waits for the clock.
    now = datetime.now(UTC).replace(microsecond=0)
    due = {"quiz01": now + timedelta(minutes=10), "quiz02": now + timedelta(minutes=11)}
    (content / "subjects" / SUBJECT).mkdir()
    for test_id, moment in due.items():
        (content / "subjects" / SUBJECT / f"{test_id}.yml").write_text(quiz_yaml(f"Routing {test_id}", moment))
    deployed.run("update-subjects-or-students.sh", "--content", str(content))
    for sid, answers in QUIZ01.items():
        submit(deployed, sid, "quiz01", answers)
    for sid, answers in QUIZ02.items():
        submit(deployed, sid, "quiz02", answers)
    assert datetime.now(UTC) < due["quiz01"], "publishing and submitting took longer than the quiz was open"
    return Quizzes(deployed, iso(started), due, deployed.outputs()["DataBucketName"])


def outbox(q: Quizzes) -> list[dict[str, Any]]:
    proc = q.aws.run("bin/outbox.sh", "--json", "--since", q.started)
    return json.loads(proc.stdout)


def student_emails(q: Quizzes, test_id: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {sid: [] for sid in STUDENTS}
    for message in outbox(q):
        for sid in STUDENTS:
            if email(sid) in message["to"] and f"[{SUBJECT}] [{test_id}]" in message["subject"]:
                found[sid].append(message)
    return found


def summaries(q: Quizzes, test_id: str) -> list[dict[str, Any]]:
    return [m for m in outbox(q) if TRAINER in m["to"] and f"{SUBJECT} / {test_id}" in m["text"]]


def score_now(q: Quizzes, test_id: str, *options: str) -> str:
    """bin/score-now.sh --as-of one second after the quiz's due (still ahead of the clock: --yes); its output."""
    moment = iso(q.due[test_id] + timedelta(seconds=1))
    return q.aws.run("bin/score-now.sh", "--as-of", moment, "--yes", *options).stdout


@pytest.fixture(scope="module")
def first_runs(quizzes: Quizzes) -> tuple[str, dict[str, Any]]:
    """score-now for quiz01 (readable output), then the same again (as JSON): the second must send nothing."""
    readable = score_now(quizzes, "quiz01")
    return readable, json.loads(score_now(quizzes, "quiz01", "--json"))


def bucket_objects(q: Quizzes) -> dict[str, str]:
    """Every object of the data bucket with its ETag: what a run that sends nothing leaves as it was."""
    pages = q.aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=q.bucket)
    return {item["Key"]: item["ETag"] for page in pages for item in page.get("Contents", [])}


def test_score_now_ahead_of_the_clock_refuses_without_yes_and_names_the_open_quizzes(
    quizzes: Quizzes, first_runs: tuple[str, dict[str, Any]]
) -> None:
    """--as-of a year ahead without --yes: exit 1, the open quizzes named with their deadlines in words in the
    trainer's time zone, and nothing scored or sent. With --yes (first_runs: as of just after quiz01's due, which
    the clock has not reached yet) the run scores."""
    assert datetime.now(UTC) < quizzes.due["quiz01"], "the module took longer than the quizzes were open"
    zone = ZoneInfo(load_settings().trainer_timezone)
    objects, sent = bucket_objects(quizzes), outbox(quizzes)
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(days=365)
    refused = quizzes.aws.run("bin/score-now.sh", "--as-of", iso(ahead), check=False)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert refused.stdout == "", "the scorer is not even invoked"
    lines = refused.stderr.splitlines()
    assert lines[0].startswith(f"error: --as-of {describe(ahead, zone)} is later than now: "), refused.stderr
    for test_id, due in quizzes.due.items():
        assert f"  {SUBJECT}/{test_id} (Routing {test_id}), due {describe(due, zone)}" in lines, refused.stderr
    assert lines[-1] == "Nothing was sent. To score as of then all the same, run it again with --yes."
    assert bucket_objects(quizzes) == objects and outbox(quizzes) == sent
    assert layout.score_key(SUBJECT, "quiz02", "scorer01") not in objects, "quiz02 is scored later in the module"

    readable, _again = first_runs  # the same future --as-of kind, with --yes: scored and emailed
    assert "emails sent:         2" in readable, readable
    assert {layout.score_key(SUBJECT, "quiz01", sid) for sid in QUIZ01} <= set(objects)


def test_score_now_emails_each_submitter_once_and_names_the_missing(
    quizzes: Quizzes, first_runs: tuple[str, dict[str, Any]]
) -> None:
    readable, second = first_runs
    assert f"Scorer run as of {iso(quizzes.due['quiz01'] + timedelta(seconds=1))}" in readable
    assert "emails sent:         2" in readable and "emails failed:       0" in readable
    assert "email-failed" not in readable and "handed over:         no" in readable
    mails = student_emails(quizzes, "quiz01")
    assert [len(mails[sid]) for sid in STUDENTS] == [1, 1, 0]
    first, other = mails["scorer01"][0], mails["scorer02"][0]
    assert "4 of 4 correct (100%)" in first["text"] and "Grade: 5" in first["text"]
    assert "1 of 4 correct (25%)" in other["text"] and "Grade: 1" in other["text"]
    assert other.get("html") and "Right answer: c) choice c of question 3" in other["text"]
    [summary] = summaries(quizzes, "quiz01")
    # The class is the sample's three students and ours: of ours only scorer03 is missing. The run may also cover
    # other modules' tests of the shared deployment: read quiz01's own section, up to the next test's heading.
    section = summary["text"].split(f"{SUBJECT} / quiz01", 1)[1].split("\n\n", 1)[0]
    [missing] = [line for line in section.splitlines() if line.startswith("Missing (")]
    assert "scorer03 (Cyd Scorer)" in missing and "scorer01" not in missing and "scorer02" not in missing
    assert "scorer01 (Ada Scorer)" in summary["text"] and "scorer02 (Bob Scorer)" in summary["text"]
    # The second run (same asOf): everything known sent, nothing new for the trainer.
    assert second["emailsSent"] == 0 and second["emailsFailed"] == 0 and not second["handedOver"]
    assert second["testsScored"] >= 1 and second["summarySent"] is False


def test_second_run_sends_no_new_email(quizzes: Quizzes, first_runs: tuple[str, dict[str, Any]]) -> None:
    mails = student_emails(quizzes, "quiz01")
    assert [len(mails[sid]) for sid in STUDENTS] == [1, 1, 0]
    assert len(summaries(quizzes, "quiz01")) == 1


def test_the_scorer_log_shows_what_the_run_decided(quizzes: Quizzes, first_runs: tuple[str, dict[str, Any]]) -> None:
    """bin/logs.sh scorer shows the decisions (test scored, emails sent, the run), with ids, never content."""

    def logs(*options: str) -> list[str]:
        return quizzes.aws.run("bin/logs.sh", "scorer", "--since", quizzes.started, *options).stdout.splitlines()

    ids = f"subject={SUBJECT} testId=quiz01"
    lines = logs()
    scored = [line for line in lines if " test scored  " in line and ids in line]
    assert scored and all("submissionsScored=2" in line and "missing=" in line for line in scored), lines
    assert any(" emails sent  " in line and ids in line and "emailsSent=2" in line for line in lines), lines
    assert any(" scorer run  " in line and "runId=" in line for line in lines), lines
    raw = "\n".join(logs("--raw"))
    assert "choice a of question" not in raw and "of 4 correct" not in raw, "question or email text in the log"
    assert all(email(sid) not in raw for sid in STUDENTS), "an email address in the scorer's log"


def test_score_json_holds_the_scores(quizzes: Quizzes, first_runs: tuple[str, dict[str, Any]]) -> None:
    s3 = quizzes.aws.client("s3")

    def read(key: str) -> Any:
        return json.loads(s3.get_object(Bucket=quizzes.bucket, Key=key)["Body"].read())

    best = read(f"{SUBJECT}/quiz01/scorer01/score.json")
    assert (best["correct"], best["questions"], best["percent"], best["grade"]) == (4, 4, 100.0, 5)
    assert best["wrong"] == [] and best["studentId"] == "scorer01" and best["scoredAt"]
    low = read(f"{SUBJECT}/quiz01/scorer02/score.json")
    assert (low["correct"], low["questions"], low["percent"], low["grade"]) == (1, 4, 25.0, 1)
    assert [w["questionId"] for w in low["wrong"]] == ["1", "3", "4"]
    listed = s3.list_objects_v2(Bucket=quizzes.bucket, Prefix=f"{SUBJECT}/quiz01/scorer03/").get("KeyCount", 0)
    assert listed == 0  # no submission, no score


@pytest.fixture
def sandbox(quizzes: Quizzes) -> Iterator[Any]:
    """SES in its sandbox: only verified recipients get mail. The account setting is restored afterwards."""
    sesv2 = quizzes.aws.client("sesv2")
    details = {"MailType": "TRANSACTIONAL", "WebsiteURL": "https://example.com", "UseCaseDescription": "tests"}
    sesv2.put_account_details(**details, ProductionAccessEnabled=False)
    try:
        yield quizzes.aws.client("ses")
    finally:
        sesv2.put_account_details(**details, ProductionAccessEnabled=True)


def test_refused_address_is_named_and_sent_by_the_next_run(
    quizzes: Quizzes, first_runs: tuple[str, dict[str, Any]], sandbox: Any
) -> None:
    for sid in ("scorer01", "scorer03"):
        sandbox.verify_email_identity(EmailAddress=email(sid))
    first = score_now(quizzes, "quiz02")
    assert "emails sent:         2" in first and "emails failed:       1" in first
    assert "    - email-failed networking/quiz02, scorer02: MessageRejected" in first
    assert first.count("email-failed") == 1
    assert [len(m) for m in student_emails(quizzes, "quiz02").values()] == [1, 0, 1]
    [summary] = summaries(quizzes, "quiz02")
    assert "scorer02" in summary["text"] and "MessageRejected" in summary["text"]

    sandbox.verify_email_identity(EmailAddress=email("scorer02"))
    again = json.loads(score_now(quizzes, "quiz02", "--json"))
    # Other modules' tests on the shared deployment may report their own failures (e.g. a student removed from
    # the class list after submitting has no address): this module's quizzes must have none.
    ours = [failure for failure in again["failures"] if failure.get("subject") == SUBJECT]
    assert (again["emailsSent"], again["emailsFailed"], ours) == (1, 0, [])
    mails = student_emails(quizzes, "quiz02")
    assert [len(m) for m in mails.values()] == [1, 1, 1]
    assert "4 of 4 correct (100%)" in mails["scorer02"][0]["text"]
    assert "0 of 4 correct (0%)" in mails["scorer03"][0]["text"]
    assert [len(m) for m in student_emails(quizzes, "quiz01").values()] == [1, 1, 0]  # quiz01 untouched


def test_outbox_filters_and_refusals(quizzes: Quizzes, first_runs: tuple[str, dict[str, Any]]) -> None:
    aws_outbox = quizzes.aws.run("bin/outbox.sh", "--target", "aws", check=False)
    assert aws_outbox.returncode == 2 and "no outbox" in aws_outbox.stderr
    assert len(aws_outbox.stderr.strip().splitlines()) == 1
    bad = quizzes.aws.run("bin/score-now.sh", "--as-of", "next monday", check=False)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        "error: --as-of 'next monday' is not an ISO 8601 date-time with offset, e.g. 2026-11-23T23:00:00+01:00"
    ]
    human = quizzes.aws.run("bin/outbox.sh", "--to", email("scorer01"), "--since", quizzes.started).stdout
    assert human.count("=== email ") >= 1 and "Subject: [networking] [quiz01] Test score" in human
    assert "To:      scorer01@example.com" in human and "4 of 4 correct (100%)" in human
    assert "scorer02@example.com" not in human

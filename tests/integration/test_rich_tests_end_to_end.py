"""Issue 16 end to end on the shared deployment, through the real API, scorer and SES outbox: a test using every
option (explanations, points, a multiple-answer question with partial credit and one without, shuffle,
resubmission, an extension).

Our own content: a copy of content/ plus students rich01..rich03 and the subject ``rich`` with one test due about a
minute and a half after publishing (the API refuses by the real clock, so a student's submission after the common
deadline needs that deadline to pass for real), and an extension for rich03 a day later. The scorer runs "as of" a
moment after each deadline with --as-of.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.api_content import Api, restore_sample_content
from tests.integration.harness import LocalAws, api_key, copy_sample_content, wait_until_listed
from testtime import layout

pytestmark = pytest.mark.integration

SUBJECT, TEST = "rich", "week3"
STUDENTS = ("rich01", "rich02", "rich03")
TRAINER = "trainer@example.com"
OPEN_FOR = timedelta(seconds=100)  # publishing (with its wait for the API's caches) and the first submissions
EXPLANATION = "RFC 1918 reserves 10/8, 172.16/12 and 192.168/16."
QUESTIONS = [
    {
        "id": 1,
        "text": "Which protocol resolves names?",
        "choices": {"a": "DNS", "b": "ARP", "c": "ICMP", "d": "NTP"},
        "answer": "a",
        "explanation": "DNS maps names to addresses.",
    },
    {
        "id": 2,
        "text": "Which ranges are private?",
        "choices": {"a": "10.0.0.0/8", "b": "172.16.0.0/12", "c": "192.168.0.0/16", "d": "8.8.8.0/24"},
        "answer": ["a", "b", "c"],
        "partial": True,
        "points": 3,
        "explanation": EXPLANATION,
    },
    {
        "id": 3,
        "text": "Which are transport protocols?",
        "choices": {"a": "TCP", "b": "IP", "c": "UDP", "d": "HTTP"},
        "answer": ["a", "c"],
        "points": 2,
    },
    *(
        {"id": n, "text": f"Filler question {n}?", "choices": {"a": "yes", "b": "no", "c": "maybe"}, "answer": "b"}
        for n in range(4, 9)
    ),
]


@dataclass
class Rich:
    aws: LocalAws
    api: Api
    keys: dict[str, str]
    started: str
    due: datetime
    extension: datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def write_content(dest: Path, due: datetime, extension: datetime) -> Path:
    copy_sample_content(dest)
    class_list = yaml.safe_load((dest / "students.yml").read_text(encoding="utf-8"))
    class_list += [{"id": sid, "name": f"Rich {sid}", "email": f"{sid}@example.com"} for sid in STUDENTS]
    (dest / "students.yml").write_text(yaml.safe_dump(class_list, allow_unicode=True), encoding="utf-8")
    document = {
        "title": "Networks, week 3",
        "due": iso(due),
        "shuffle": True,
        "resubmit": True,
        "extensions": {"rich03": iso(extension)},
        "questions": QUESTIONS,
    }
    (dest / "subjects" / SUBJECT).mkdir(parents=True)
    (dest / "subjects" / SUBJECT / f"{TEST}.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    return dest


@pytest.fixture(scope="module")
def rich(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rich]:
    deployed.run("bin/score-now.sh")  # other modules' closed tests scored now: the runs below are about ours
    started = iso(datetime.now(UTC) - timedelta(seconds=1))
    due = (datetime.now(UTC) + OPEN_FOR).replace(microsecond=0)
    extension = due + timedelta(days=1)
    deployed.run(
        "update-subjects-or-students.sh",
        "--content",
        str(write_content(tmp_path_factory.mktemp("rich") / "content", due, extension)),
    )
    keys = {sid: api_key(deployed, sid) for sid in STUDENTS}
    wait_until_listed(deployed, STUDENTS[0], SUBJECT, TEST)
    try:
        yield Rich(deployed, Api(deployed.outputs()["ApiUrl"]), keys, started, due, extension)
    finally:
        restore_sample_content(deployed)


def body(answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "subjectName": SUBJECT,
        "testId": TEST,
        "answers": [{"questionId": qid, "answer": answer} for qid, answer in answers.items()],
    }


def fillers(choice: str) -> dict[str, str]:
    return {str(n): choice for n in range(4, 9)}


def outbox(rich: Rich) -> list[dict[str, Any]]:
    return json.loads(rich.aws.run("bin/outbox.sh", "--json", "--since", rich.started).stdout)


def mails_to(rich: Rich, sid: str) -> list[dict[str, Any]]:
    return [m for m in outbox(rich) if f"{sid}@example.com" in m["to"] and f"[{SUBJECT}] [{TEST}]" in m["subject"]]


def summaries(rich: Rich) -> list[dict[str, Any]]:
    # "(rich / week3)" as the summary labels the test: another module's "portal-rich / week3" contains "rich / week3".
    return [m for m in outbox(rich) if TRAINER in m["to"] and f"({SUBJECT} / {TEST})" in m["text"]]


def stored(rich: Rich, key: str) -> Any:
    s3 = rich.aws.client("s3")
    return json.loads(s3.get_object(Bucket=rich.aws.outputs()["DataBucketName"], Key=key)["Body"].read())


def test_a_test_with_every_option_from_publishing_to_the_last_email(rich: Rich) -> None:
    api, keys = rich.api, rich.keys
    # Shuffle: each student has an order of their own, the same on every request; nobody sees an answer.
    orders = {}
    for sid in ("rich01", "rich02"):
        first, again = (api.get_test(keys[sid], TEST, SUBJECT) for _ in range(2))
        assert first.status == 200, first.raw[:300]
        assert first.json["questions"] == again.json["questions"]
        orders[sid] = [(q["questionId"], [c["answerId"] for c in q["answers"]]) for q in first.json["questions"]]
        by_id = {q["questionId"]: q for q in first.json["questions"]}
        assert (by_id["2"]["multiple"], by_id["2"]["partial"], by_id["2"]["points"]) == (True, True, 3)
        assert "explanation" not in json.dumps(first.json) and EXPLANATION not in first.raw.decode()
    assert orders["rich01"] != orders["rich02"]
    assert sorted(q for q, _ in orders["rich01"]) == sorted(q for q, _ in orders["rich02"])

    # Resubmission: a second version replaces the first, and both are kept.
    first = api.submit(keys["rich01"], body({"1": "b", "2": ["d"], "3": ["b"], **fillers("a")}))
    assert (first.status, first.json["status"]) == (201, "stored"), first.raw[:300]
    version_1 = stored(rich, layout.submission_key(SUBJECT, TEST, "rich01"))
    second = api.submit(keys["rich01"], body({"1": "a", "2": ["a", "b", "c"], "3": ["a", "c"], **fillers("b")}))
    assert (second.status, second.json["status"], second.json["version"]) == (200, "replaced", 2), second.raw[:300]
    assert stored(rich, layout.submission_key(SUBJECT, TEST, "rich01")) == version_1  # untouched
    assert stored(rich, layout.submission_version_key(SUBJECT, TEST, "rich01", 2))["version"] == 2

    # rich02: q1 right (1 point), q2 two of three right (2 of 3 points), q3 one of two (all or nothing: 0 of 2),
    # fillers right (5): 8 of 11 points.
    reply = api.submit(keys["rich02"], body({"1": "a", "2": ["a", "b"], "3": ["a"], **fillers("b")}))
    assert reply.status == 201, reply.raw[:300]

    # The common deadline passes for real: rich01 may not replace any more, rich03 (extended) may still submit.
    time.sleep(max(0.0, (rich.due - datetime.now(UTC)).total_seconds()) + 2)
    late = api.submit(keys["rich01"], body({"1": "a", **fillers("b")}))
    assert (late.status, late.json["error"]) == (410, "test_closed"), late.raw[:300]
    # rich03: q2 one of three right (1 of 3 points), the rest right: 9 of 11 points.
    extended = api.submit(keys["rich03"], body({"1": "a", "2": ["a"], "3": ["a", "c"], **fillers("b")}))
    assert extended.status == 201, extended.raw[:300]

    # The run after the common deadline scores rich01 (their last version) and rich02; rich03 is pending.
    rich.aws.run("bin/score-now.sh", "--as-of", iso(rich.due + timedelta(seconds=5)), "--yes")
    assert stored(rich, layout.score_key(SUBJECT, TEST, "rich01"))["percent"] == 100
    rich02 = stored(rich, layout.score_key(SUBJECT, TEST, "rich02"))
    assert (rich02["points"], rich02["maxPoints"], rich02["percent"]) == (8, 11, 72.73)  # points weigh the percent
    # No student email yet: a score with one's own answers would give the key away while rich03 may still submit.
    assert [len(mails_to(rich, sid)) for sid in STUDENTS] == [0, 0, 0]
    found = summaries(rich)
    assert len(found) == 1, [(m["subject"], m["text"][:1500]) for m in found]
    (summary,) = found
    assert "wait until the test has closed for everybody" in summary["text"]
    pending = [line for line in summary["text"].splitlines() if "rich03" in line]
    assert pending and all("ending" in line for line in pending), summary["text"]
    assert not any(line.startswith("Missing") and "rich03" in line for line in summary["text"].splitlines())

    # The run after rich03's own deadline scores rich03 and emails everybody once, with the right answers and the
    # explanations of what they missed.
    after_extension = iso(rich.extension + timedelta(seconds=5))
    rich.aws.run("bin/score-now.sh", "--as-of", after_extension, "--yes")
    rich.aws.run("bin/score-now.sh", "--as-of", after_extension, "--yes")
    assert [len(mails_to(rich, sid)) for sid in STUDENTS] == [1, 1, 1]
    assert stored(rich, layout.score_key(SUBJECT, TEST, "rich03"))["percent"] == 81.82
    assert EXPLANATION in mails_to(rich, "rich03")[0]["text"] and EXPLANATION in mails_to(rich, "rich02")[0]["text"]
    assert "Score: 8 of 11 points (72.73%)" in mails_to(rich, "rich02")[0]["text"]
    assert len(summaries(rich)) == 2 and "rich03" in summaries(rich)[-1]["text"]

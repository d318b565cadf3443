"""``bin/report.sh`` end to end on the shared deployment: a designed class of 12 submits through the API, the scorer
scores it (``bin/score-now.sh --as-of`` after the deadline), and the report's figures are checked against an
independent computation here (exact facilities, Pearson's r by its plain formula, flags), as JSON and as text.

The designed test ``items`` has a question everybody gets (q1), one nobody gets (q2), one whose key is wrong (q3:
the strong students pick the true answer), one unrelated to the rest (q5) and three that tell strong from weak
students. ``later`` is due tomorrow: listed as not scored yet.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from tests.integration.harness import LocalAws, api_key, copy_sample_content

pytestmark = pytest.mark.integration

SUBJECT = "itemanalysis"
RIGHT = {"q1": "a", "q2": "b", "q3": "c", "q4": "d", "q5": "a", "q6": "b", "q7": "c"}
SUBMITTERS = [f"rep{n:02d}" for n in range(1, 13)]  # strongest first
ABSENT = "rep13"


def designed(n: int) -> dict[str, str | None]:
    """The answers of student number n (1-12); None: left unanswered."""
    return {
        "q1": "a",
        "q2": "c" if n <= 6 else ("d" if n <= 10 else None),
        "q3": "a" if n <= 7 else "c",
        "q4": "d" if n <= 8 else "b",
        "q5": "a" if n in (1, 3, 5, 8, 10, 11) else ("c" if n < 12 else None),
        "q6": "b" if n <= 9 else "a",
        "q7": "c" if n <= 5 or n in (7, 8) else "d",
    }


CLASS = {sid: designed(n) for n, sid in enumerate(SUBMITTERS, start=1)}


def items_yaml(title: str, due: datetime) -> str:
    lines = [f"title: {title}", f"due: {due.isoformat()}", "questions:"]
    for qid, answer in RIGHT.items():
        lines += [f"  - id: {qid}", f"    text: Item {qid}?", "    choices:"]
        lines += [f"      {c}: choice {c} of {qid}" for c in "abcd"]
        lines.append(f"    answer: {answer}")
    return "\n".join(lines) + "\n"


def submit(aws: LocalAws, sid: str, test_id: str, answers: dict[str, str | None]) -> None:
    body = {
        "subjectName": SUBJECT,
        "testId": test_id,
        "answers": [{"questionId": qid, "answer": a} for qid, a in answers.items() if a is not None],
    }
    request = urllib.request.Request(
        aws.outputs()["ApiUrl"] + "/api/v1/test", method="POST", data=json.dumps(body).encode()
    )
    request.add_header("x-api-key", api_key(aws, sid))
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{sid} could not submit {test_id}: {error.code} {error.read()[:300]!r}") from None
    assert status == 201, (sid, test_id, status)


@dataclass
class Scored:
    aws: LocalAws
    class_size: int


@pytest.fixture(scope="module")
def scored(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Scored:
    deployed.run("bin/score-now.sh")  # other modules' closed tests, so that the run below is about ours
    content = tmp_path_factory.mktemp("report") / "content"
    copy_sample_content(content)
    with (content / "students.yml").open("a", encoding="utf-8") as students:
        for sid in [*SUBMITTERS, ABSENT]:
            students.write(f"- id: {sid}\n  name: Report {sid}\n  email: {sid}@example.com\n")
    class_size = len(yaml.safe_load((content / "students.yml").read_text(encoding="utf-8")))
    now = datetime.now(UTC).replace(microsecond=0)
    due = now + timedelta(minutes=10)  # open long enough to publish and submit 13 times (cold starts)
    (content / "subjects" / SUBJECT).mkdir()
    (content / "subjects" / SUBJECT / "items.yml").write_text(items_yaml("Designed items", due))
    (content / "subjects" / SUBJECT / "later.yml").write_text(items_yaml("Due tomorrow", now + timedelta(days=1)))
    deployed.run("update-subjects-or-students.sh", "--content", str(content))
    for sid, answers in CLASS.items():
        submit(deployed, sid, "items", answers)
    submit(deployed, "rep01", "later", CLASS["rep01"])
    as_of = (due + timedelta(seconds=1)).isoformat()
    deployed.run("bin/score-now.sh", "--as-of", as_of, "--yes")  # ahead of the clock
    return Scored(deployed, class_size)


def pearson(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    top = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return top / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def right(sid: str, qid: str) -> bool:
    return CLASS[sid][qid] == RIGHT[qid]


def expected_discrimination(qid: str) -> float | None:
    xs = [1.0 if right(sid, qid) else 0.0 for sid in SUBMITTERS]
    ys = [sum(right(sid, o) for o in RIGHT if o != qid) * 100 / (len(RIGHT) - 1) for sid in SUBMITTERS]
    return None if len(set(xs)) < 2 or len(set(ys)) < 2 else pearson(xs, ys)


def report_json(s: Scored) -> dict[str, Any]:
    proc = s.aws.run("bin/report.sh", "--json", "--subject", SUBJECT)
    return {test["testId"]: test for test in json.loads(proc.stdout)["tests"]}


def test_json_report_gives_exact_facilities_and_discrimination_within_a_hundredth(scored: Scored) -> None:
    items = report_json(scored)["items"]
    assert (items["subject"], items["title"], items["scored"]) == (SUBJECT, "Designed items", True)
    assert [q["id"] for q in items["questions"]] == list(RIGHT)
    for question in items["questions"]:
        qid = question["id"]
        assert question["facility"] == sum(right(sid, qid) for sid in SUBMITTERS) / 12, qid
        expected = expected_discrimination(qid)
        if expected is None:
            assert question["discrimination"] is None, qid
        else:
            assert isinstance(question["discrimination"], float), qid
            assert abs(question["discrimination"] - expected) < 0.01, (qid, question["discrimination"], expected)
        chosen = [CLASS[sid][qid] for sid in SUBMITTERS]
        assert question["choices"] == {c: chosen.count(c) for c in "abcd"}, qid
        assert question["unanswered"] == chosen.count(None), qid


def test_json_report_flags_the_questions_that_need_a_look(scored: Scored) -> None:
    flags = {q["id"]: q["flags"] for q in report_json(scored)["items"]["questions"]}
    assert {qid for qid, found in flags.items() if found} == {"q2", "q3", "q5"}
    assert "nobody got it right" in flags["q2"][0]
    assert "probably a wrong answer key" in flags["q3"][0]
    assert f"discrimination {expected_discrimination('q5'):.2f}" in flags["q5"][0]


def test_json_report_class_figures(scored: Scored) -> None:
    items = report_json(scored)["items"]
    corrects = [sum(right(sid, q) for q in RIGHT) for sid in SUBMITTERS]
    percents = [round(c * 100 / len(RIGHT), 2) for c in corrects]
    assert (items["submitted"], items["missing"]) == (12, scored.class_size - 12)
    assert abs(items["mean"] - sum(percents) / 12) < 0.01
    assert abs(items["median"] - statistics.median(percents)) < 0.01
    mean = sum(percents) / 12
    assert abs(items["stdev"] - math.sqrt(sum((p - mean) ** 2 for p in percents) / 11)) < 0.01
    grades = [round(c / len(RIGHT) * 5) for c in corrects]
    assert items["grades"] == {str(g): grades.count(g) for g in (5, 4, 3, 2, 1, 0)}
    assert list(items["grades"]) == ["5", "4", "3", "2", "1", "0"]


def test_a_test_not_scored_yet_is_listed_with_its_counts(scored: Scored) -> None:
    later = report_json(scored)["later"]
    assert (later["scored"], later["submitted"], later["missing"], later["questions"]) == (False, 1, 0, [])
    assert later["mean"] is None


def test_text_report(scored: Scored) -> None:
    text = scored.aws.run("bin/report.sh", "--subject", SUBJECT, "--test", "items").stdout
    assert text.startswith(f"{SUBJECT}/items: Designed items\n")
    assert f"submitted: 12, missing: {scored.class_size - 12}" in text
    assert "later" not in text
    assert "standard deviation" in text and "grades:" in text
    bars = [line for line in text.splitlines() if line.strip()[:2] in {f"{g} " for g in range(6)} and "|" in line]
    assert len(bars) == 6 and any("#" in bar for bar in bars)
    assert "needs a look: nobody got it right" in text
    assert "probably a wrong answer key" in text
    q3 = next(line for line in text.splitlines() if line.split()[:2] == ["3", "q3"])
    assert "a 7, b 0, c* 5, d 0" in q3  # the key's answer is starred
    assert re.search(r"^  deadline: [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d \S+$", text, re.MULTILINE)
    everything = scored.aws.run("bin/report.sh", "--subject", SUBJECT).stdout
    assert f"{SUBJECT}/later: Due tomorrow" in everything and "not scored yet: still open" in everything


def test_bad_options_exit_2_with_one_message(scored: Scored) -> None:
    unknown = scored.aws.run("bin/report.sh", "--subject", SUBJECT, "--test", "nope", check=False)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == f"error: there is no test {SUBJECT}/nope in the catalog"
    alone = scored.aws.run("bin/report.sh", "--test", "items", check=False)
    assert alone.returncode == 2 and "--test needs --subject" in alone.stderr
    helped = scored.aws.run("bin/report.sh", "--help")
    assert "bin/report.sh --subject os --test quiz1" in helped.stdout

"""Emails of issue 16's richer tests against golden files: points, multiple answers, explanations, the student's
own order, pending students (whose classmates' emails wait for the test to close for everybody).

Golden files are written by ``UPDATE_GOLDEN=1 pytest tests/unit/scorer/test_emails_richer.py`` (review the diff).
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from testtime.deadlines import parse_instant
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import parse_answer_key, parse_questions
from testtime.documents.scores import Score
from testtime.documents.submissions import parse_submission
from testtime.emails import (
    RenderedEmail,
    ScorePart,
    SummaryCounts,
    SummaryRow,
    SummaryTest,
    combined_student_email,
    question_book,
    trainer_summary,
)
from testtime.ordering import student_order
from testtime.scoring import GradeScale, score

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
DUE = parse_instant("2026-12-10T22:00:00+00:00")
EXTENDED = parse_instant("2026-12-13T22:00:00+00:00")

QUESTIONS = [
    {
        "questionId": "1",
        "question": "Which are private IPv4 ranges?",
        "answers": [
            {"answerId": "a", "answerBody": "10.0.0.0/8"},
            {"answerId": "b", "answerBody": "8.8.8.0/24"},
            {"answerId": "c", "answerBody": "192.168.0.0/16"},
        ],
        "points": 2,
        "multiple": True,
        "partial": True,
    },
    {
        "questionId": "2",
        "question": "Which port does HTTPS use?",
        "answers": [{"answerId": "a", "answerBody": "80"}, {"answerId": "b", "answerBody": "443"}],
        "points": 2.5,
    },
    {
        "questionId": "3",
        "question": "Which are transport protocols?",
        "answers": [
            {"answerId": "a", "answerBody": "IP"},
            {"answerId": "b", "answerBody": "TCP"},
            {"answerId": "c", "answerBody": "UDP"},
        ],
        "points": 0.5,
        "multiple": True,
    },
]
KEY = [
    {
        "questionId": "1",
        "answer": ["a", "c"],
        "points": 2,
        "partial": True,
        "explanation": "RFC 1918 reserves 10/8, 172.16/12 and 192.168/16.",
    },
    {"questionId": "2", "answer": "b", "points": 2.5, "explanation": "443 is HTTP over TLS."},
    {"questionId": "3", "answer": ["b", "c"], "points": 0.5, "explanation": "IP is the network layer."},
]
BOOK = question_book(parse_questions("net/week3/questions.json", json.dumps(QUESTIONS).encode()))
ANSWER_KEY = parse_answer_key("net/week3/questionsKey.json", json.dumps(KEY).encode())


def network_test(*, extensions: bool = False, shuffle: bool = False) -> CatalogTest:
    return CatalogTest(
        "networks",
        "week3",
        "Networks, week 3",
        DUE,
        question_count=3,
        shuffle=shuffle,
        extensions=(("student03", EXTENDED),) if extensions else (),
    )


def scored(answers: dict[str, str | list[str]], student_id: str = "student01") -> Score:
    body = json.dumps({"answers": [{"questionId": q, "answer": a} for q, a in answers.items()]}).encode()
    submission = parse_submission(f"networks/week3/{student_id}/testResult.json", body, student_id)
    return score(submission, ANSWER_KEY, GradeScale(), "networks", "week3")


# Question 1: a of a, c (partial: 1 of 2 points); 2 right (2.5); 3: b of b, c (all or nothing: 0 of 0.5).
HALF_RIGHT = {"1": ["a"], "2": "b", "3": ["b"]}


def check_golden(name: str, email: RenderedEmail) -> None:
    for suffix, content in ((".subject.txt", email.subject + "\n"), (".txt", email.text), (".html", email.html)):
        path = GOLDEN / f"{name}{suffix}"
        if UPDATE:
            path.write_text(content, encoding="utf-8")
        assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1 to write it"
        assert content == path.read_text(encoding="utf-8"), f"{path} differs (UPDATE_GOLDEN=1 rewrites it)"


def test_weighted_email_with_lists_and_explanations_once_closed_for_everybody() -> None:
    result = scored(HALF_RIGHT)
    email = combined_student_email([ScorePart(result, network_test(), BOOK, ANSWER_KEY.explanations)], "Ann")
    assert "  Score: 3.5 of 5 points (70%)" in email.text
    assert "    Points:       1 of 2" in email.text and "    Points:       0 of 0.5" in email.text
    assert "    Your answer:  a) 10.0.0.0/8\n" in email.text
    assert "    Right answer: a) 10.0.0.0/8; c) 192.168.0.0/16" in email.text
    assert "    Explanation:  RFC 1918 reserves" in email.text
    assert "443 is HTTP over TLS" not in email.text  # question 2 was right: not listed
    check_golden("student_weighted", email)


def test_shuffled_test_lists_questions_and_choices_in_the_students_own_order() -> None:
    answers: dict[str, str | list[str]] = {"1": ["b"], "2": "a", "3": ["a", "b", "c"]}  # nothing fully right
    for student_id in ("student01", "student02", "student03", "student04"):
        result = scored(answers, student_id)
        email = combined_student_email([ScorePart(result, network_test(shuffle=True), BOOK)], "")
        own = student_order(tuple(BOOK.values()), "networks", "week3", student_id)
        shown = [line.split(":")[0].strip() for line in email.text.splitlines() if line.startswith("  Question ")]
        assert shown == [f"Question {q.question_id}" for q in own]
        choices_of_3 = next(q for q in own if q.question_id == "3").choice_ids()
        line = next(line for line in email.text.splitlines() if line.startswith("    Your answer:  ") and "IP" in line)
        bodies = {"a": "a) IP", "b": "b) TCP", "c": "c) UDP"}
        assert line == "    Your answer:  " + "; ".join(bodies[c] for c in choices_of_3)
    unshuffled = combined_student_email([ScorePart(scored(answers), network_test(), BOOK)], "")
    assert "    Your answer:  a) IP; b) TCP; c) UDP" in unshuffled.text


def test_trainer_summary_in_points_with_a_pending_student() -> None:
    test = SummaryTest(
        network_test(extensions=True),
        [
            SummaryRow("student01", "Ann", 1, 3, 70.0, 4, points=3.5, max_points=5),
            SummaryRow("student02", "", 3, 3, 100.0, 5, points=5, max_points=5),
        ],
        [("student04", "Dan")],
        pending=[("student03", "Carl & Co", EXTENDED)],
        weighted=True,
    )
    counts = SummaryCounts(2, 0, 0, {"networks/week3": 2})
    email = trainer_summary(DUE + timedelta(hours=8), [test], [], counts, ZoneInfo("Europe/Warsaw"))
    assert re.search(r"^student01 \(Ann\) +3\.5/5 +70%  4$", email.text, re.M) and "   Points  Percent" in email.text
    assert "Pending (1): student03 (Carl & Co) until Sunday 13 December 2026, 23:00 CET" in email.text
    assert [line for line in email.text.splitlines() if line.startswith("Missing (")] == [
        "Missing (1): student04 (Dan)"
    ]
    check_golden("trainer_summary_weighted", email)

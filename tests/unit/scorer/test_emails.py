"""Email rendering against golden files.

The golden files in ``golden/`` are written by ``UPDATE_GOLDEN=1 pytest tests/unit/scorer/test_emails.py``;
otherwise the rendering must equal them byte for byte. Review the diff before committing regenerated files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from testtime.deadlines import parse_instant
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import Question
from testtime.documents.questions import parse_answer_key as parse_answer_key_document
from testtime.documents.questions import parse_questions as parse_questions_document
from testtime.documents.submissions import parse_submission as parse_submission_document
from testtime.emails import (
    RenderedEmail,
    SummaryCounts,
    SummaryRow,
    SummaryTest,
    combined_student_email,
    question_book,
    student_email,
    trainer_summary,
)
from testtime.scorer.failures import Failure
from testtime.scoring import GradeScale, score

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
ZONE = ZoneInfo("Europe/Warsaw")


def parse_questions(body: bytes) -> dict[str, Question]:
    return question_book(parse_questions_document("os/t1/questions.json", body))


def parse_answer_key(body: bytes):  # type: ignore[no-untyped-def]
    return parse_answer_key_document("os/t1/questionsKey.json", body)


def parse_submission(body: bytes, student_id: str):  # type: ignore[no-untyped-def]
    return parse_submission_document(f"os/t1/{student_id}/testResult.json", body, student_id)


def catalog_test(subject: str, test_id: str, title: str, deadline: str = "2026-11-23T22:00:00+00:00") -> CatalogTest:
    return CatalogTest(subject, test_id, title, parse_instant(deadline), question_count=3)


BOOK = parse_questions(
    json.dumps(
        [
            {
                "questionId": "1",
                "question": "What is a kernel?",
                "answers": [
                    {"answerId": "a", "answerBody": "the core of an operating system"},
                    {"answerId": "b", "answerBody": "a web app"},
                ],
            },
            {
                "questionId": "2",
                "question": "Which file system has no journal: <ext2> & co?",
                "answers": [{"answerId": "a", "answerBody": "ext2"}, {"answerId": "b", "answerBody": "ext3 <journal>"}],
            },
            {"questionId": "3", "question": 'Pick "c"', "answers": [{"answerId": "c", "answerBody": "c"}]},
        ]
    ).encode()
)
KEY = parse_answer_key(
    b'[{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": "a"}, {"questionId": "3", "answer": "c"}]'
)
OS = catalog_test("operating-systems", "test01", "Kernels & <file systems>")
NET = catalog_test("networks", "test02", "")


def _score(answers: dict[str, str], info: CatalogTest = OS):  # type: ignore[no-untyped-def]
    body = json.dumps({"answers": [{"questionId": q, "answer": a} for q, a in answers.items()]}).encode()
    return score(parse_submission(body, "student01"), KEY, GradeScale(), info.subject, info.test_id)


def check_golden(name: str, email: RenderedEmail) -> None:
    for suffix, content in ((".subject.txt", email.subject + "\n"), (".txt", email.text), (".html", email.html)):
        path = GOLDEN / f"{name}{suffix}"
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1 to write it"
        assert content == path.read_text(encoding="utf-8"), f"{path} differs (UPDATE_GOLDEN=1 rewrites it)"


def test_student_email_with_wrong_answers() -> None:
    email = student_email(_score({"1": "a", "2": "b"}), OS, "Ann <Admin>", BOOK)
    assert email.subject == "[operating-systems] [test01] Test score"
    check_golden("student_wrong", email)


def test_student_email_all_correct_without_questions_file() -> None:
    email = student_email(_score({"1": "a", "2": "a", "3": "c"}), NET, "")
    assert email.subject == "[networks] [test02] Test score"
    check_golden("student_all_correct", email)


def test_combined_student_email_covers_several_tests() -> None:
    email = combined_student_email(
        [(_score({"1": "a"}), OS, BOOK), (_score({"1": "a", "2": "a", "3": "c"}, NET), NET, {})], "Ann"
    )
    check_golden("student_combined", email)


def test_trainer_summary() -> None:
    tests = [
        SummaryTest(
            OS,
            [SummaryRow("student01", "Ann <Admin>", 2, 3, 66.67, 3), SummaryRow("student02", "", 3, 3, 100.0, 5)],
            [("student03", "Carl & Co")],
        ),
        SummaryTest(NET, note="Not scored: questionsKey.json is missing"),
    ]
    failures = [
        Failure(
            "corrupt-submission", "testResult.json is not JSON: <oops>", "operating-systems", "test01", "student04"
        ),
        Failure("email-failed", "MessageRejected: Address blacklisted.", "operating-systems", "test01", "student02"),
    ]
    counts = SummaryCounts(1, 1, 0, {"operating-systems/test01": 1})
    email = trainer_summary(parse_instant("2026-11-24T06:00:00+00:00"), tests, failures, counts, ZONE)
    assert email.subject == "Scores of 2 tests: 2 scored, 1 missing, 2 failures"
    assert email.text.startswith("Scoring run of Tuesday 24 November 2026, 07:00 CET.\n")
    check_golden("trainer_summary", email)


@pytest.mark.parametrize("render", ["student", "summary"])
def test_html_escapes_every_piece_of_content(render: str) -> None:
    evil = "<script>alert('x')</script>"
    info = catalog_test("os", "t1", evil)
    if render == "student":
        book = parse_questions(
            json.dumps(
                [{"questionId": "2", "question": evil, "answers": [{"answerId": "b", "answerBody": evil}]}]
            ).encode()
        )
        email = student_email(_score({"2": "b"}, info), info, evil, book)
    else:
        email = trainer_summary(
            parse_instant("2026-11-24T06:00:00+00:00"),
            [SummaryTest(info, [SummaryRow("s1", evil, 1, 2, 50.0, evil)], [("s2", evil)])],
            [Failure("corrupt-submission", evil)],
            SummaryCounts(),
            ZONE,
        )
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert evil in email.text  # plain text stays as written

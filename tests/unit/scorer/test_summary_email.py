"""The trainer's summary of a designed test: twelve students scored for real (testtime.scoring), their item analysis
(testtime.analysis), two of them new since the last summary, two regraded, one pending with an extension, two
missing, and one failed email. Against a golden file, and the figures, chart, dates and escaping checked one by
one. ``tests/unit/scorer/test_summary_email_browser.py`` looks at the same email in a real browser.

Golden files are written by ``UPDATE_GOLDEN=1 pytest tests/unit/scorer/test_summary_email.py`` (review the diff).
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from testtime.analysis import analyse
from testtime.deadlines import parse_instant
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import parse_answer_key, parse_questions
from testtime.documents.scorer_records import ScoreRow
from testtime.documents.submissions import parse_submission
from testtime.emails import RenderedEmail, SummaryCounts, SummaryRow, SummaryTest, question_book
from testtime.notices import RegradeChange
from testtime.scorer.failures import Failure
from testtime.scoring import GradeScale, score
from testtime.summary_email import trainer_summary

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
ZONE = ZoneInfo("Europe/Warsaw")
DUE = parse_instant("2026-11-23T22:00:00+00:00")
EXTENDED = parse_instant("2026-11-26T22:00:00+00:00")
AS_OF = DUE + timedelta(minutes=15)
KEY_TEXT = [{"questionId": str(n), "answer": a} for n, a in enumerate("abcd", start=1)]
QUESTIONS = [
    {
        "questionId": str(n),
        "question": text,
        "answers": [{"answerId": c, "answerBody": f"choice {c}"} for c in "abcd"],
    }
    for n, text in enumerate(
        ["What does the kernel schedule?", "Which call creates a process?", "What is a page fault?", "Pick d"], 1
    )
]
# One letter per question ("-": unanswered): question 4 is nearly always wrong (a facility under 0.2), question 2
# tells stronger from weaker students not at all (discrimination 0 with twelve students).
ANSWERS = ["abcd", "abca", "abba", "abcb", "abac", "abbb", "abca", "accb", "cbab", "ccbc", "dbb-", "a-ca"]
NAMES = ["Ann", "Bob", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kai", "Łukasz Łukaszewicz"]
NEW = frozenset({"student11", "student12"})


def catalog_test(title: str = "Operating systems, test 2") -> CatalogTest:
    return CatalogTest("os", "test02", title, DUE, question_count=4, extensions=(("student13", EXTENDED),))


DEFAULT_SCALE = GradeScale()


def scored_rows(answers: list[str] = ANSWERS, scale: GradeScale = DEFAULT_SCALE) -> dict[str, ScoreRow]:
    """Each student's row as the scorer caches it, from a real submission scored against the key."""
    key = parse_answer_key("os/test02/questionsKey.json", json.dumps(KEY_TEXT).encode())
    rows = {}
    for number, letters in enumerate(answers, start=1):
        sid = f"student{number:02d}"
        given = [{"questionId": str(n), "answer": c} for n, c in enumerate(letters, start=1) if c != "-"]
        body = json.dumps({"answers": given}).encode()
        result = score(parse_submission(f"os/test02/{sid}/testResult.json", body, sid), key, scale, "os", "t")
        rows[sid] = ScoreRow(
            result.correct, result.questions, result.percent, result.grade, answers=dict(result.answers)
        )
    return rows


def designed_test(
    title: str = "Operating systems, test 2", name: str = "", text: str = "", grade: str = ""
) -> SummaryTest:
    """The designed test; ``name`` and ``text`` replace every student's name and question's text, ``grade`` the
    grade of half marks and more (escaping)."""
    scale = GradeScale(((50.0, grade), (0.0, "F"))) if grade else GradeScale()
    info = catalog_test(title)
    key = parse_answer_key("os/test02/questionsKey.json", json.dumps(KEY_TEXT).encode())
    document = [dict(question, question=text or question["question"]) for question in QUESTIONS]
    questions = parse_questions("os/test02/questions.json", json.dumps(document).encode())
    rows = scored_rows(scale=scale)
    names = {f"student{n:02d}": name or who for n, who in enumerate(NAMES, start=1)}
    summary_rows = [
        SummaryRow(sid, names[sid], row.correct, row.questions, row.percent, row.grade) for sid, row in rows.items()
    ]
    regrades = (
        RegradeChange("student03", names["student03"], ScoreRow(1, 4, 25.0, 1), rows["student03"], (2,)),
        RegradeChange("student05", names["student05"], ScoreRow(4, 4, 100.0, 5), rows["student05"], (2, 4)),
    )
    return SummaryTest(
        info,
        summary_rows,
        missing=[("student14", name or "Nia"), ("student15", name or "")],
        pending=[("student13", name or "Max", EXTENDED)],
        analysis=analyse(info, rows, key, scale, 2, questions),
        new_students=NEW,
        regrades=regrades,
        key=key,
        book=question_book(questions),
    )


def designed_email(**changes: str) -> RenderedEmail:
    failures = [Failure("email-failed", "The address was rejected.", "os", "test02", "student04")]
    counts = SummaryCounts(10, 1, 0, {"os/test02": 10})
    return trainer_summary(AS_OF, [designed_test(**changes)], failures, counts, ZONE)


def check_golden(name: str, email: RenderedEmail) -> None:
    for suffix, content in ((".subject.txt", email.subject + "\n"), (".txt", email.text), (".html", email.html)):
        path = GOLDEN / f"{name}{suffix}"
        if UPDATE:
            path.write_text(content, encoding="utf-8")
        assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1 to write it"
        assert content == path.read_text(encoding="utf-8"), f"{path} differs (UPDATE_GOLDEN=1 rewrites it)"


def test_the_designed_test_against_its_golden_file() -> None:
    email = designed_email()
    assert email.subject == "Scores of Operating systems, test 2: 12 scored, 2 missing, 2 regraded, 1 failure"
    check_golden("trainer_summary_analysis", email)


def test_the_figures_in_words_in_both_parts() -> None:
    email = designed_email()
    lines = email.text.splitlines()
    assert lines[0] == "Scoring run of Monday 23 November 2026, 23:15 CET."
    assert "Deadline: Monday 23 November 2026, 23:00 CET" in lines
    assert "Scored: 12 (2 new), missing: 2, pending: 1" in lines
    # the first paragraph of the test's section holds who is missing or pending (readers take it as the news)
    section = email.text.split("os / test02)\n", 1)[1].split("\n\n", 1)[0]
    assert "Missing (2): student14 (Nia), student15" in section.splitlines()
    assert "Pending (1): student13 (Max) until Thursday 26 November 2026, 23:00 CET" in section.splitlines()
    assert "Mean 52.1%, median 50%, standard deviation 27.1% (of the percent)" in lines
    for html_figure in ("52.1%", "50%", "27.1%", "standard deviation", "2 new"):
        assert html_figure in email.html
    assert re.search(r"^student11 \(Kai\) +1/4 +25%  1  new$", email.text, re.M)
    assert re.search(r"^student01 \(Ann\) +4/4 +100%  5$", email.text, re.M)  # not new: no mark
    assert email.html.count(">new</span>") == 2
    assert "  student03 (Cy): 1 of 4 -> 2 of 4 (question 2's key was corrected)" in lines
    assert "  student05 (Eli): 4 of 4 -> 2 of 4 (the keys of questions 2 and 4 were corrected)" in lines
    assert "1 of 4 -&gt; 2 of 4 (question 2&#x27;s key was corrected)" in email.html
    assert "Emails to students: 10 sent, 1 failed." in lines and "Score emails sent in this run: 10" in lines


def test_each_question_with_its_facility_discrimination_wrong_choice_and_flags() -> None:
    text = designed_email().text
    block = text.split("Questions:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block == [
        "  1. What does the kernel schedule?",
        "      got it right 75%, discrimination 0.52, most chosen wrong answer c (2)",
        "  2. Which call creates a process?",
        "      got it right 75%, discrimination 0.00, most chosen wrong answer c (2)",
        "      Needs a look: it hardly tells stronger from weaker students (discrimination 0.00, under 0.1)",
        "  3. What is a page fault?",
        "      got it right 50%, discrimination 0.33, most chosen wrong answer b (4)",
        "  4. Pick d",
        "      got it right 8%, discrimination 0.33, most chosen wrong answers a, b (4 each)",
        "      Needs a look: few students got it right (facility 0.08, under 0.2)",
    ]
    html = designed_email().html
    table = html.split('class="questions"', 1)[1].split("</table>", 1)[0]
    assert table.count("Needs a look:") == 2 and table.count('bgcolor="#fef2f2"') == 2


def test_the_grade_chart_is_table_cells_as_wide_as_the_counts() -> None:
    html = designed_email().html
    chart = html.split('class="grade-chart"', 1)[1].split("</table>\n", 1)[0]
    bars = re.findall(r'class="bar" data-grade="(\w+)" data-count="(\d+)" width="([\d.]+)%"', chart)
    # grades best first, only those given have a bar; the largest count (5 students: grade 2) fills its track
    assert bars == [("5", "1", "20"), ("4", "3", "60"), ("2", "5", "100"), ("1", "2", "40"), ("0", "1", "20")]
    assert re.findall(r">Grade (\w+)</td>", chart) == ["5", "4", "3", "2", "1", "0"]
    assert "5 (41.7%)" in chart and ">0</td>" in chart  # grade 3: nobody, an empty track
    text = designed_email().text
    assert "    2  ####################  5 (41.7%)" in text.splitlines() and "    3                        0" in text


def test_nothing_an_email_client_drops_and_no_iso_date() -> None:
    email = designed_email()
    for dropped in ("<svg", "<script", "<img", "<style", "<link", "javascript:", "http"):
        assert dropped not in email.html.replace('content="width=device-width', ""), dropped
    iso = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|[+-]\d{2}:\d{2}\b")
    assert not iso.search(email.text) and not iso.search(email.html) and not iso.search(email.subject)
    assert 'style="width:100%;max-width:640px;' in email.html  # fluid, 640 px at the most


@pytest.mark.parametrize("field", ["title", "name", "text", "grade", "error", "note"])
def test_every_content_field_is_escaped_in_the_html(field: str) -> None:
    evil = "<script>alert('x')</script>"
    if field == "error":
        failures = [Failure("corrupt-submission", evil, "os", "test02", "student04")]
        email = trainer_summary(AS_OF, [designed_test()], failures, SummaryCounts(), ZONE)
    elif field == "note":
        email = trainer_summary(AS_OF, [SummaryTest(catalog_test(), note=evil)], [], SummaryCounts(), ZONE)
    else:
        email = designed_email(**{field: evil})
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert evil in email.text  # the plain text stays as written
    if field == "name":  # every place a name is shown: students, missing, pending, regrades
        assert email.html.count("&lt;script&gt;") == 12 + 2 + 1 + 2
    if field == "grade":  # the chart's label and bar, and the students' rows with half marks or more
        assert email.html.count("&lt;script&gt;") == 2 + sum(row.percent >= 50 for row in scored_rows().values())


def test_a_run_with_nothing_newly_scored() -> None:
    email = trainer_summary(AS_OF, [], [], SummaryCounts(3, 0, 2), ZONE)
    assert email.subject == "Test Time scoring run: emails only"
    assert "No newly scored tests." in email.text and "3 sent, 0 failed, 2 left for the next run." in email.text
    failed = trainer_summary(AS_OF, [], [Failure("catalog", "catalog.json is not JSON")], SummaryCounts(), ZONE)
    assert failed.subject == "Test Time scoring run: 1 failure"
    assert "  test catalog: -, -: catalog.json is not JSON" in failed.text

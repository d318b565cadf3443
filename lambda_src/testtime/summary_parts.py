"""The parts of the trainer's summary (:mod:`testtime.summary_email`): what a test's section holds, and the small
formatters its text and HTML share. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import AnswerKey, Question, normalise
from testtime.documents.scores import Grade
from testtime.emails import _trainer_label, decimal, fmt_points
from testtime.i18n import MAIL
from testtime.notices import RegradeChange, numbers, row_score

_ = MAIL.gettext
_n = MAIL.ngettext

if TYPE_CHECKING:  # only read, never built here: no import of the analysis at run time
    from testtime.analysis import QuestionAnalysis, TestAnalysis

TEXT_BAR = 20  # characters of the longest bar of the plain-text chart
QUESTION_TEXT = 90  # characters of a question's text shown in the table


@dataclass(frozen=True)
class SummaryRow:
    student_id: str
    name: str
    correct: int
    questions: int
    percent: float
    grade: Grade
    points: float | None = None  # a weighted test's points, else None
    max_points: float | None = None


@dataclass(frozen=True)
class SummaryTest:
    info: CatalogTest
    rows: Sequence[SummaryRow] = ()
    missing: Sequence[tuple[str, str]] = ()  # (student id, name)
    note: str = ""  # e.g. why the test could not be scored
    pending: Sequence[tuple[str, str, datetime]] = ()  # (student id, name, their own later deadline)
    weighted: bool = False  # rows in points
    analysis: TestAnalysis | None = None
    new_students: frozenset[str] = frozenset()  # scored since the test's last summary
    regrades: tuple[RegradeChange, ...] = ()
    key: AnswerKey | None = None  # tells the wrong choices from the right ones
    book: Mapping[str, Question] = field(default_factory=dict)  # question id -> question, for its text


@dataclass(frozen=True)
class SummaryCounts:
    emails_sent: int = 0
    emails_failed: int = 0
    emails_deferred: int = 0
    sent_by_test: Mapping[str, int] = field(default_factory=dict)  # "subject/testId" -> emails sent


def _failures(count: int) -> str:
    return _n("{n} failure", "{n} failures", count)


def _name(info: CatalogTest) -> str:
    return info.title or _trainer_label(info)


def _who(student_id: str, name: str) -> str:
    return f"{student_id} ({name})" if name else student_id


def _tally(tests: Sequence[SummaryTest]) -> str:
    scored = [test for test in tests if not test.note]
    done = sum(len(t.rows) for t in scored)
    parts = [_n("{n} scored", "{n} scored", done)]
    absent = sum(len(t.missing) for t in scored)
    parts.append(_n("{n} missing", "{n} missing", absent) if absent else _("none missing"))
    regraded = sum(len(t.regrades) for t in scored)
    if regraded:
        parts.append(_n("{n} regraded", "{n} regraded", regraded))
    return ", ".join(parts)


def summary_subject(tests: Sequence[SummaryTest], failures: int) -> str:
    """E.g. "Scores of Operating systems, test 2: 18 scored, 2 missing"."""
    tail = ", " + _failures(failures) if failures else ""
    if not tests:
        return _("Test Time scoring run: {what}", what=_failures(failures) if failures else _("emails only"))
    if len(tests) == 1 and tests[0].note:
        return _("{test} could not be scored", test=_name(tests[0].info)) + tail
    which = _name(tests[0].info) if len(tests) == 1 else _n("{n} test", "{n} tests", len(tests))
    return _("Scores of {which}: {tally}", which=which, tally=_tally(tests)) + tail


def _stat(value: float | None) -> str:
    return "-" if value is None else decimal(f"{round(value, 1):g}") + "%"


def _share(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


def _ratio(value: float | None) -> str:
    text = "-" if value is None else f"{value:.2f}"
    return decimal("0.00" if text == "-0.00" else text)  # a correlation rounded to 0 from below


def _facility(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100):g}%"


def _most_wrong(test: SummaryTest, question: QuestionAnalysis) -> tuple[list[str], int]:
    """The wrong choices most students picked (several when tied) and how many picked each; ([], 0) when nobody
    picked a wrong one or the key is not known."""
    entry = test.key.entry(question.question_id) if test.key else None
    if entry is None:
        return [], 0
    right = {normalise(choice) for choice in entry.right_choices}
    wrong = {choice: count for choice, count in question.choices.items() if normalise(choice) not in right}
    top = max(wrong.values(), default=0)
    return ([choice for choice, count in wrong.items() if count == top], top) if top else ([], 0)


def _wrong_choice(test: SummaryTest, question: QuestionAnalysis) -> str:
    """The wrong choice most students picked, "b (7)", or those tied, "a, b (4 each)"; "" when there is none."""
    tied, top = _most_wrong(test, question)
    if len(tied) <= 1:
        return f"{tied[0]} ({top})" if tied else ""
    return _n("{choices} ({n} each)", "{choices} ({n} each)", top, choices=", ".join(tied))


def _wrong_label(test: SummaryTest, question: QuestionAnalysis) -> str:
    tied = len(_most_wrong(test, question)[0]) > 1
    return _("most chosen wrong answers") if tied else _("most chosen wrong answer")


def _question_label(test: SummaryTest, question_id: str) -> str:
    question = test.book.get(question_id)
    text = " ".join(question.text.split()) if question else ""
    if len(text) > QUESTION_TEXT:
        text = text[: QUESTION_TEXT - 1].rstrip() + "…"
    return f"{question_id}. {text}" if text else _("Question {number}", number=question_id)


def _score_cell(row: SummaryRow, weighted: bool) -> str:
    if weighted and row.points is not None:
        return f"{fmt_points(row.points)}/{fmt_points(row.max_points)}"
    return f"{row.correct}/{row.questions}"


def _regrade_line(change: RegradeChange) -> str:
    if not change.questions:
        why = _("the answer key or the grade scale was corrected")
    else:
        why = _n(
            "question {numbers}'s key was corrected",
            "the keys of questions {numbers} were corrected",
            len(change.questions),
            numbers=numbers(change.questions),
        )
    return f"{row_score(change.before)} -> {row_score(change.after)} ({why})"


# --- plain text --------------------------------------------------------------------------------------------------

"""Rendering of the scorer's emails (plain text + HTML). Pure: no I/O, deterministic for golden files.

Every piece of content (titles, questions, names, error messages) comes from files people edit, so the HTML
escapes all of it. The tests are the catalog's (:class:`testtime.documents.catalog.CatalogTest`), the questions
those of ``questions.json`` (:class:`testtime.documents.questions.Question`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from testtime.deadlines import to_iso
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import Question
from testtime.documents.scores import Grade, Score
from testtime.scorer.failures import Failure, FailureKind

SIGNATURE = "Test Time"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


QuestionBook = Mapping[str, Question]  # question id -> the question with its choices


def question_book(questions: Iterable[Question]) -> dict[str, Question]:
    """The questions by id, as the emails look them up."""
    return {question.question_id.strip(): question for question in questions}


@dataclass(frozen=True)
class SummaryRow:
    student_id: str
    name: str
    correct: int
    questions: int
    percent: float
    grade: Grade


@dataclass(frozen=True)
class SummaryTest:
    info: CatalogTest
    rows: Sequence[SummaryRow] = ()
    missing: Sequence[tuple[str, str]] = ()  # (student id, name)
    note: str = ""  # e.g. why the test could not be scored


@dataclass(frozen=True)
class SummaryCounts:
    emails_sent: int = 0
    emails_failed: int = 0
    emails_deferred: int = 0
    sent_by_test: Mapping[str, int] = field(default_factory=dict)  # "subject/testId" -> emails sent


def fmt_grade(grade: Grade) -> str:
    if isinstance(grade, float) and grade.is_integer():
        return str(int(grade))
    return str(grade)


def fmt_percent(percent: float) -> str:
    return f"{percent:g}%"


def score_subject(subject: str, test_id: str) -> str:
    """The subject line of the original service, kept exactly."""
    return f"[{subject}] [{test_id}] Test score"


def _label(info: CatalogTest) -> str:
    return f"{info.title} ({info.subject} / {info.test_id})" if info.title else f"{info.subject} / {info.test_id}"


def _choice(answer: str | None, question: Question | None) -> str:
    if answer is None:
        return "(no answer)"
    body = question.choice_body(answer) if question else None
    return f"{answer}) {body}" if body else answer


def _greeting(student_id: str, name: str) -> str:
    return f"Hello {name or student_id},"


def _text_block(score: Score, info: CatalogTest, book: QuestionBook) -> list[str]:
    lines = [
        f"{_label(info)}",
        f"  Score: {score.correct} of {score.questions} correct ({fmt_percent(score.percent)})",
        f"  Grade: {fmt_grade(score.grade)}",
        "",
    ]
    if not score.wrong:
        lines += ["  You answered every question correctly.", ""]
        return lines
    lines += ["  Questions you got wrong:", ""]
    for item in score.wrong:
        question = book.get(item.question_id)
        heading = f"  Question {item.question_id}"
        lines.append(f"{heading}: {question.text}" if question and question.text else heading)
        lines.append(f"    Your answer:  {_choice(item.answer, question)}")
        lines.append(f"    Right answer: {_choice(item.correct_answer, question)}")
        lines.append("")
    return lines


def _html_block(score: Score, info: CatalogTest, book: QuestionBook) -> list[str]:
    parts = [
        f"<h2>{escape(_label(info))}</h2>",
        f"<p>Score: <b>{score.correct} of {score.questions}</b> correct ({escape(fmt_percent(score.percent))})<br>",
        f"Grade: <b>{escape(fmt_grade(score.grade))}</b></p>",
    ]
    if not score.wrong:
        parts.append("<p>You answered every question correctly.</p>")
        return parts
    parts.append("<p>Questions you got wrong:</p>")
    parts.append('<table border="1" cellpadding="4" cellspacing="0">')
    parts.append("<tr><th>Question</th><th>Your answer</th><th>Right answer</th></tr>")
    for item in score.wrong:
        question = book.get(item.question_id)
        label = f"{item.question_id}. {question.text}" if question and question.text else item.question_id
        parts.append(
            f"<tr><td>{escape(label)}</td><td>{escape(_choice(item.answer, question))}</td>"
            f"<td>{escape(_choice(item.correct_answer, question))}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _html_page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title></head>",
            '<body style="font-family: sans-serif">',
            *body,
            f"<p>{escape(SIGNATURE)}</p>",
            "</body></html>",
            "",
        ]
    )


def _text_page(lines: list[str]) -> str:
    return "\n".join([*lines, "--", SIGNATURE, ""])


def student_email(score: Score, info: CatalogTest, name: str = "", book: QuestionBook | None = None) -> RenderedEmail:
    """One student's score for one test, with the questions they got wrong and the right answers."""
    return combined_student_email([(score, info, book or {})], name)


def combined_student_email(items: Sequence[tuple[Score, CatalogTest, QuestionBook]], name: str = "") -> RenderedEmail:
    """One email covering several tests of one student (EMAIL_ONE_PER_STUDENT); one test reads as the usual one."""
    if not items:
        raise ValueError("an email needs at least one score")
    student_id = items[0][0].student_id
    if len(items) == 1:
        subject = score_subject(items[0][1].subject, items[0][1].test_id)
        intro = "here is your test score."
    else:
        subject = f"[Test Time] Test scores ({len(items)} tests)"
        intro = f"here are your scores of {len(items)} tests."
    text = [_greeting(student_id, name), "", intro, ""]
    html = [f"<p>{escape(_greeting(student_id, name))}</p>", f"<p>{escape(intro)}</p>"]
    for score, info, book in items:
        text += _text_block(score, info, book)
        html += _html_block(score, info, book)
    return RenderedEmail(subject, _text_page(text), _html_page(subject, html))


def summary_subject(as_of: str, tests: int, failures: int) -> str:
    tail = f", {failures} failure{'s' if failures != 1 else ''}" if failures else ""
    return f"[Test Time] Scoring summary as of {as_of} ({tests} test{'s' if tests != 1 else ''}{tail})"


def trainer_summary(
    as_of: str, tests: Sequence[SummaryTest], failures: Sequence[Failure], counts: SummaryCounts
) -> RenderedEmail:
    """The trainer's one email per run: a table per newly scored test, missing students, failures, email counts."""
    subject = summary_subject(as_of, len(tests), len(failures))
    text: list[str] = [f"Scoring run as of {as_of}.", ""]
    html: list[str] = [f"<p>Scoring run as of {escape(as_of)}.</p>"]
    for test in tests:
        _summary_test(test, counts, text, html)
    if not tests:
        text += ["No newly scored tests.", ""]
        html.append("<p>No newly scored tests.</p>")
    emails = (
        f"Emails to students: {counts.emails_sent} sent, {counts.emails_failed} failed"
        + (f", {counts.emails_deferred} left for the next run" if counts.emails_deferred else "")
        + "."
    )
    text += [emails, ""]
    html.append(f"<p>{escape(emails)}</p>")
    if failures:
        text += [f"Failures ({len(failures)}):"]
        html += [
            f"<h2>Failures ({len(failures)})</h2>",
            '<table border="1" cellpadding="4" cellspacing="0">',
            "<tr><th>Kind</th><th>Test</th><th>Student</th><th>Error</th></tr>",
        ]
        for failure in failures:
            where = f"{failure.subject} / {failure.test_id}" if failure.subject else "-"
            text.append(f"  {failure.kind}: {where}, {failure.student_id or '-'}: {failure.error}")
            html.append(
                f"<tr><td>{escape(failure.kind)}</td><td>{escape(where)}</td>"
                f"<td>{escape(failure.student_id or '-')}</td><td>{escape(failure.error)}</td></tr>"
            )
        text.append("")
        html.append("</table>")
        if any(f.kind is FailureKind.EMAIL_FAILED for f in failures):
            note = "Emails that failed are sent again by the next run."
            text += [note, ""]
            html.append(f"<p>{escape(note)}</p>")
    return RenderedEmail(subject, _text_page(text), _html_page(subject, html))


def _summary_test(test: SummaryTest, counts: SummaryCounts, text: list[str], html: list[str]) -> None:
    info = test.info
    label = f"{_label(info)}, deadline {to_iso(info.deadline)}"
    text += [label, "=" * len(label)]
    html.append(f"<h2>{escape(label)}</h2>")
    if test.note:
        text += [test.note, ""]
        html.append(f"<p>{escape(test.note)}</p>")
        return
    if test.rows:
        width = max(len("Student"), *(len(_who(row.student_id, row.name)) for row in test.rows))
        text.append(f"{'Student':<{width}}  {'Score':>9}  {'Percent':>7}  Grade")
        html += [
            '<table border="1" cellpadding="4" cellspacing="0">',
            "<tr><th>Student</th><th>Score</th><th>Percent</th><th>Grade</th></tr>",
        ]
        for row in test.rows:
            who = _who(row.student_id, row.name)
            points = f"{row.correct}/{row.questions}"
            text.append(f"{who:<{width}}  {points:>9}  {fmt_percent(row.percent):>7}  {fmt_grade(row.grade)}")
            html.append(
                f"<tr><td>{escape(who)}</td><td>{escape(points)}</td>"
                f"<td>{escape(fmt_percent(row.percent))}</td><td>{escape(fmt_grade(row.grade))}</td></tr>"
            )
        html.append("</table>")
    else:
        text.append("No submissions scored.")
        html.append("<p>No submissions scored.</p>")
    if test.missing:
        names = ", ".join(_who(sid, name) for sid, name in test.missing)
        text.append(f"Missing ({len(test.missing)}): {names}")
        html.append(f"<p>Missing ({len(test.missing)}): {escape(names)}</p>")
    sent = counts.sent_by_test.get(f"{info.subject}/{info.test_id}")
    if sent:
        text.append(f"Score emails sent in this run: {sent}")
        html.append(f"<p>Score emails sent in this run: {sent}</p>")
    text.append("")


def _who(student_id: str, name: str) -> str:
    return f"{student_id} ({name})" if name else student_id

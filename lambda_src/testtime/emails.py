"""Rendering of the scorer's emails (plain text + HTML). Pure: no I/O, deterministic for golden files.

Every piece of content (titles, questions, names, error messages) comes from files people edit, so the HTML
escapes all of it. The tests are the catalog's (:class:`testtime.documents.catalog.CatalogTest`), the questions
those of ``questions.json`` (:class:`testtime.documents.questions.Question`).

A test that uses none of issue 16's features renders exactly as before. Otherwise: a weighted score is in points,
a multiple-answer answer is a list of choices, a shuffled test shows its questions and choices in the student's
own order (:func:`testtime.ordering.student_order`), and a wrong answer shows the right one with the question's
explanation. A student's email is sent only once the test has closed for everybody (the scorer holds it until
then: :meth:`testtime.documents.catalog.CatalogTest.closed_for_everybody`), so it may always show them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from testtime.deadlines import to_iso
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import Question, normalise
from testtime.documents.scores import Grade, Score, WrongAnswer
from testtime.ordering import student_order
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
class ScorePart:
    """One test's part of a student's email: the score, the test, its questions and their explanations."""

    score: Score
    info: CatalogTest
    book: QuestionBook = field(default_factory=dict)
    explanations: Mapping[str, str] = field(default_factory=dict)  # question id -> explanation


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


def fmt_points(points: float | None) -> str:
    """Points as a person writes them: 3.5, 2, 0.33 (two decimals at most)."""
    if points is None:
        return "?"
    text = f"{round(points, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


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


def _answer(answer: str | tuple[str, ...] | None, question: Question | None, order: Sequence[str] = ()) -> str:
    """A single answer as today; a multiple answer as its choices, in ``order`` (the choices' ids as the student
    saw them), joined with "; " (a choice's text may hold commas)."""
    if not isinstance(answer, tuple):
        return _choice(answer, question)
    if not answer:
        return "(no answer)"
    ids = [normalise(choice) for choice in (order or (question.choice_ids() if question else ()))]
    rank = {choice: index for index, choice in enumerate(ids)}
    picked = sorted(answer, key=lambda choice: rank.get(normalise(choice), len(rank)))
    return "; ".join(_choice(choice, question) for choice in picked)


@dataclass(frozen=True)
class _View:
    """A part as the student reads it: the wrong items in their order, and each question's choice order."""

    wrong: list[WrongAnswer]
    choice_order: dict[str, list[str]]
    weighted: bool


def _view(part: ScorePart) -> _View:
    wrong = list(part.score.wrong)
    weighted = part.score.weighted
    if not part.info.shuffle or not part.book:
        return _View(wrong, {}, weighted)
    ordered = student_order(tuple(part.book.values()), part.info.subject, part.info.test_id, part.score.student_id)
    position = {question.question_id.strip(): index for index, question in enumerate(ordered)}
    wrong.sort(key=lambda item: position.get(item.question_id, len(position)))  # stable: unknown ones keep key order
    return _View(wrong, {q.question_id.strip(): q.choice_ids() for q in ordered}, weighted)


def _score_line(score: Score) -> tuple[str, str]:
    """The score in words, plain and as HTML: points when weighted, else right answers as today."""
    if not score.weighted:
        plain = f"{score.correct} of {score.questions}"
        return f"{plain} correct ({fmt_percent(score.percent)})", f"<b>{plain}</b> correct"
    plain = f"{fmt_points(score.points)} of {fmt_points(score.max_points)}"
    return f"{plain} points ({fmt_percent(score.percent)})", f"<b>{plain}</b> points"


def _wrong_heading(view: _View) -> str:
    return "Questions without full points:" if view.weighted else "Questions you got wrong:"


def _earned(item: WrongAnswer) -> str:
    return f"{fmt_points(item.earned or 0)} of {fmt_points(item.points)}"


def _greeting(student_id: str, name: str) -> str:
    return f"Hello {name or student_id},"


def _text_block(part: ScorePart) -> list[str]:
    score, book, view = part.score, part.book, _view(part)
    lines = [f"{_label(part.info)}", f"  Score: {_score_line(score)[0]}", f"  Grade: {fmt_grade(score.grade)}", ""]
    if not score.wrong:
        lines += ["  You answered every question correctly.", ""]
        return lines
    lines += [f"  {_wrong_heading(view)}", ""]
    for item in view.wrong:
        question, order = book.get(item.question_id), view.choice_order.get(item.question_id, ())
        heading = f"  Question {item.question_id}"
        lines.append(f"{heading}: {question.text}" if question and question.text else heading)
        if item.points is not None:
            lines.append(f"    Points:       {_earned(item)}")
        lines.append(f"    Your answer:  {_answer(item.answer, question, order)}")
        lines.append(f"    Right answer: {_answer(item.correct_answer, question, order)}")
        explanation = part.explanations.get(item.question_id)
        if explanation:
            lines.append("    Explanation:  " + explanation.strip().replace("\n", "\n" + " " * 18))
        lines.append("")
    return lines


def _html_block(part: ScorePart) -> list[str]:
    score, book, view = part.score, part.book, _view(part)
    parts = [
        f"<h2>{escape(_label(part.info))}</h2>",
        f"<p>Score: {_score_line(score)[1]} ({escape(fmt_percent(score.percent))})<br>",
        f"Grade: <b>{escape(fmt_grade(score.grade))}</b></p>",
    ]
    if not score.wrong:
        parts.append("<p>You answered every question correctly.</p>")
        return parts
    explained = any(part.explanations.get(item.question_id) for item in view.wrong)
    headings = ["Question", "Points" if view.weighted else "", "Your answer", "Right answer"]
    headings += ["Explanation"] if explained else []
    parts.append(f"<p>{escape(_wrong_heading(view))}</p>")
    parts.append('<table border="1" cellpadding="4" cellspacing="0">')
    parts.append("<tr>" + "".join(f"<th>{name}</th>" for name in headings if name) + "</tr>")
    for item in view.wrong:
        question, order = book.get(item.question_id), view.choice_order.get(item.question_id, ())
        label = f"{item.question_id}. {question.text}" if question and question.text else item.question_id
        cells = [label, _earned(item) if view.weighted else None, _answer(item.answer, question, order)]
        cells.append(_answer(item.correct_answer, question, order))
        cells.append(part.explanations.get(item.question_id, "") if explained else None)
        parts.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells if cell is not None) + "</tr>")
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
    return combined_student_email([ScorePart(score, info, book or {})], name)


def combined_student_email(
    items: Sequence[ScorePart | tuple[Score, CatalogTest, QuestionBook]], name: str = ""
) -> RenderedEmail:
    """One email covering several tests of one student (EMAIL_ONE_PER_STUDENT); one test reads as the usual one.
    A ``(score, test, questions)`` item is a part whose right answers are shown."""
    parts = [item if isinstance(item, ScorePart) else ScorePart(*item) for item in items]
    if not parts:
        raise ValueError("an email needs at least one score")
    student_id = parts[0].score.student_id
    if len(parts) == 1:
        subject = score_subject(parts[0].info.subject, parts[0].info.test_id)
        intro = "here is your test score."
    else:
        subject = f"[Test Time] Test scores ({len(parts)} tests)"
        intro = f"here are your scores of {len(parts)} tests."
    text = [_greeting(student_id, name), "", intro, ""]
    html = [f"<p>{escape(_greeting(student_id, name))}</p>", f"<p>{escape(intro)}</p>"]
    for part in parts:
        text += _text_block(part)
        html += _html_block(part)
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
        column = "Points" if test.weighted else "Score"
        text.append(f"{'Student':<{width}}  {column:>9}  {'Percent':>7}  Grade")
        html += [
            '<table border="1" cellpadding="4" cellspacing="0">',
            f"<tr><th>Student</th><th>{column}</th><th>Percent</th><th>Grade</th></tr>",
        ]
        for row in test.rows:
            who = _who(row.student_id, row.name)
            points = f"{row.correct}/{row.questions}"
            if test.weighted and row.points is not None:
                points = f"{fmt_points(row.points)}/{fmt_points(row.max_points)}"
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
    if test.pending:  # an extension of their own: scored by a run after it, never "missing" before
        later = ", ".join(f"{_who(sid, name)} until {to_iso(deadline)}" for sid, name, deadline in test.pending)
        text.append(f"Pending ({len(test.pending)}): {later}")
        html.append(f"<p>Pending ({len(test.pending)}): {escape(later)}</p>")
        held = (
            "The students' score emails wait until the test has closed for everybody "
            f"({to_iso(info.closes_for_everybody)}): until then a score and its right answers could reach a student "
            "who may still submit."
        )
        text.append(held)
        html.append(f"<p>{escape(held)}</p>")
    sent = counts.sent_by_test.get(f"{info.subject}/{info.test_id}")
    if sent:
        text.append(f"Score emails sent in this run: {sent}")
        html.append(f"<p>Score emails sent in this run: {sent}</p>")
    text.append("")


def _who(student_id: str, name: str) -> str:
    return f"{student_id} ({name})" if name else student_id

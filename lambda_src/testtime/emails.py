"""Rendering of the students' score emails (plain text + HTML). Pure: no I/O, deterministic for golden files.

Every text is the mail catalog's (:data:`testtime.i18n.MAIL`), translated when the email is rendered, in the class's
language (``<html lang>`` says which); numbers take that language's decimal mark (:func:`decimal`). People are
shown names: a test's title with its subject's title, the student's name; a test's id stays where it identifies.

The trainer's summary is :mod:`testtime.summary_email`, the other students' emails (regrades, reminders,
invitations) :mod:`testtime.notices`; both build on the helpers here (:func:`fmt_points` and co).

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
from html import escape
from typing import Any

from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import Question, normalise
from testtime.documents.scores import Grade, Score, WrongAnswer
from testtime.i18n import MAIL, class_language
from testtime.ordering import student_order

_ = MAIL.gettext
_n = MAIL.ngettext
_p = MAIL.pgettext

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


def decimal(text: str) -> str:
    """A number's text with the class's decimal mark: "3.5" in English, "3,5" in Polish (the catalog says which)."""
    mark = _p("decimal mark", ".")
    return text.replace(".", mark) if mark != "." else text


def fmt_grade(grade: Grade) -> str:
    if isinstance(grade, float) and grade.is_integer():
        return str(int(grade))
    return decimal(str(grade)) if isinstance(grade, float) else str(grade)


def fmt_percent(percent: float) -> str:
    return decimal(f"{percent:g}") + "%"


def fmt_points(points: float | None) -> str:
    """Points as a person writes them: 3.5, 2, 0.33 (two decimals at most; "3,5" in Polish)."""
    if points is None:
        return "?"
    text = f"{round(points, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else decimal(text)


def score_subject(subject: str, test_id: str) -> str:
    """The subject line of the original service (kept exactly in English); ``subject`` is the subject as people
    read it (its title, else its id), the test's id stays a tag that mail filters can match."""
    return _("[{subject}] [{test}] Test score", subject=subject, test=test_id)


def _label(info: CatalogTest) -> str:
    """A test as a student reads it: its title and its subject's title ("Procesy (Systemy operacyjne)")."""
    if info.title:
        return _("{title} ({subject})", title=info.title, subject=info.subject_display)
    return _("{subject} / {test}", subject=info.subject_display, test=info.test_id)  # no name but the id


def _trainer_label(info: CatalogTest) -> str:
    """A test as the trainer reads it: the names, and the ids beside them that identify it in files and tools."""
    if info.title:
        return _("{title} ({subject} / {test})", title=info.title, subject=info.subject_display, test=info.test_id)
    return _("{subject} / {test}", subject=info.subject_display, test=info.test_id)


def _choice(answer: str | None, question: Question | None) -> str:
    if answer is None:
        return _("(no answer)")
    body = question.choice_body(answer) if question else None
    return f"{answer}) {body}" if body else answer


def _answer(answer: str | tuple[str, ...] | None, question: Question | None, order: Sequence[str] = ()) -> str:
    """A single answer as today; a multiple answer as its choices, in ``order`` (the choices' ids as the student
    saw them), joined with "; " (a choice's text may hold commas)."""
    if not isinstance(answer, tuple):
        return _choice(answer, question)
    if not answer:
        return _("(no answer)")
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
    percent = fmt_percent(score.percent)
    if not score.weighted:
        values = {"correct": score.correct, "n": score.questions}
        plain = _n("{correct} of {n} correct", "{correct} of {n} correct", score.questions, correct=score.correct)
        bold = "<b>" + escape(_("{correct} of {n}", **values)) + "</b>"
        return f"{plain} ({percent})", _n("{score} correct", "{score} correct", score.questions, score=bold)
    points, most = fmt_points(score.points), fmt_points(score.max_points)
    plain = _("{points} of {max} points", points=points, max=most)
    bold = "<b>" + escape(_("{points} of {max}", points=points, max=most)) + "</b>"
    return f"{plain} ({percent})", _("{score} points", score=bold)


def _wrong_heading(view: _View) -> str:
    count = len(view.wrong)
    if view.weighted:
        return _n("{n} question without full points:", "{n} questions without full points:", count)
    return _n("You got {n} question wrong:", "You got {n} questions wrong:", count)


def _earned(item: WrongAnswer) -> str:
    return _("{points} of {max}", points=fmt_points(item.earned or 0), max=fmt_points(item.points))


def _greeting(student_id: str, name: str) -> str:
    return _("Hello {name},", name=name or student_id)


def _text_block(part: ScorePart) -> list[str]:
    score, book, view = part.score, part.book, _view(part)
    lines = [_label(part.info), "  " + _("Score: {score}", score=_score_line(score)[0])]
    lines += ["  " + _("Grade: {grade}", grade=fmt_grade(score.grade)), ""]
    if not score.wrong:
        lines += ["  " + _("You answered every question correctly."), ""]
        return lines
    lines += [f"  {_wrong_heading(view)}", ""]
    names = [_("Points:"), _("Your answer:"), _("Right answer:"), _("Explanation:")]
    width = max(len(name) for name in names) + 1  # the values in one column, whatever the language's words
    points, mine, right, why = (name.ljust(width) for name in names)
    for item in view.wrong:
        question, order = book.get(item.question_id), view.choice_order.get(item.question_id, ())
        heading = "  " + _("Question {number}", number=item.question_id)
        lines.append(f"{heading}: {question.text}" if question and question.text else heading)
        if item.points is not None:
            lines.append(f"    {points}{_earned(item)}")
        lines.append(f"    {mine}{_answer(item.answer, question, order)}")
        lines.append(f"    {right}{_answer(item.correct_answer, question, order)}")
        explanation = part.explanations.get(item.question_id)
        if explanation:
            lines.append(f"    {why}" + explanation.strip().replace("\n", "\n" + " " * (4 + width)))
        lines.append("")
    return lines


def _html_block(part: ScorePart) -> list[str]:
    score, book, view = part.score, part.book, _view(part)
    shown = _score_line(score)[1] + " (" + escape(fmt_percent(score.percent)) + ")"
    grade = "<b>" + escape(fmt_grade(score.grade)) + "</b>"
    parts = [
        f"<h2>{escape(_label(part.info))}</h2>",
        "<p>" + _("Score: {score}", score=shown) + "<br>",
        _("Grade: {grade}", grade=grade) + "</p>",
    ]
    if not score.wrong:
        parts.append("<p>" + escape(_("You answered every question correctly.")) + "</p>")
        return parts
    explained = any(part.explanations.get(item.question_id) for item in view.wrong)
    headings = [_("Question"), _("Points") if view.weighted else "", _("Your answer"), _("Right answer")]
    headings += [_("Explanation")] if explained else []
    parts.append(f"<p>{escape(_wrong_heading(view))}</p>")
    parts.append('<table border="1" cellpadding="4" cellspacing="0">')
    parts.append("<tr>" + "".join(f"<th>{escape(name)}</th>" for name in headings if name) + "</tr>")
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
            f'<html lang="{class_language()}"><head><meta charset="utf-8">',
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
        subject = score_subject(parts[0].info.subject_display, parts[0].info.test_id)
        intro = _("here is your test score.")
    else:
        subject = _n("[Test Time] Test scores ({n} test)", "[Test Time] Test scores ({n} tests)", len(parts))
        intro = _n("here are your scores of {n} test.", "here are your scores of {n} tests.", len(parts))
    text = [_greeting(student_id, name), "", intro, ""]
    html = [f"<p>{escape(_greeting(student_id, name))}</p>", f"<p>{escape(intro)}</p>"]
    for part in parts:
        text += _text_block(part)
        html += _html_block(part)
    return RenderedEmail(subject, _text_page(text), _html_page(subject, html))


# --- the card layout: the trainer's summary, built for email clients rather than browsers ------------------------
# Layout by tables, inline styles only, no SVG, script, image or <style> block: Gmail drops style blocks and Outlook
# renders with Word's engine, so tables and inline CSS are what all of them keep
# (https://brian-mills.com/exhibits/sop-html-email-outlook). Colours go both in the bgcolor attribute and in CSS
# (older Gmail kept only the attribute, https://www.sitepoint.com/code-html-email-newsletters-3/). The page is fluid
# up to 640 px: max-width, which Outlook ignores, so a conditional 640 px table holds it there.

WIDTH = 640  # px, the page's widest
FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
INK, MUTED, LINE, ACCENT, TRACK, PAPER = "#111827", "#4b5563", "#e5e7eb", "#2563eb", "#eef2f7", "#f3f4f6"
WARN_BG, NEW_BG, NEW_INK = "#fef2f2", "#dcfce7", "#166534"
LAYOUT = 'role="presentation" cellpadding="0" cellspacing="0" border="0"'
_CELL = f"padding:6px 5px;border-bottom:1px solid {LINE};vertical-align:top;overflow-wrap:break-word"
_HEAD = f"padding:6px 5px;border-bottom:2px solid {LINE};text-align:left;font-size:12px;color:{MUTED};font-weight:600"


def h2(text: str) -> str:
    return f'<h2 style="margin:24px 0 4px;font-size:19px;line-height:1.3;color:{INK}">{escape(text)}</h2>'


def h3(text: str) -> str:
    return f'<h3 style="margin:18px 0 6px;font-size:15px;color:{INK}">{escape(text)}</h3>'


def para(html: str, muted: bool = False) -> str:
    return f'<p style="margin:6px 0;color:{MUTED if muted else INK}">{html}</p>'


def data_table(headings: Sequence[str], rows: Sequence[tuple[Sequence[str], str]], css_class: str) -> list[str]:
    """A data table: headings, then rows of (cells already escaped, the row's background or "")."""
    lines = [f'<table {LAYOUT} width="100%" class="{css_class}" style="width:100%;border-collapse:collapse">']
    lines.append("<tr>" + "".join(f'<th style="{_HEAD}">{escape(h)}</th>' for h in headings) + "</tr>")
    for cells, background in rows:
        colour = f' bgcolor="{background}" style="background-color:{background}"' if background else ""
        lines.append(f"<tr{colour}>" + "".join(f'<td style="{_CELL}">{cell}</td>' for cell in cells) + "</tr>")
    lines.append("</table>")
    return lines


def tiles(figures: Sequence[tuple[str, str]]) -> list[str]:
    """Figures side by side, e.g. ("18", "scored"): a big number over its name."""
    share = f"{100 // max(len(figures), 1)}%"
    cells = "".join(
        f'<td width="{share}" style="width:{share};padding:8px;vertical-align:top;background-color:{PAPER}" '
        f'bgcolor="{PAPER}"><div style="font-size:20px;font-weight:700;color:{INK}">{escape(value)}</div>'
        f'<div style="font-size:12px;color:{MUTED}">{escape(name)}</div></td>'
        for value, name in figures
    )
    return [
        f'<table {LAYOUT} width="100%" style="width:100%;border-spacing:0;margin:8px 0">',
        f"<tr>{cells}</tr>",
        "</table>",
    ]


def card_page(title: str, body: Sequence[str]) -> str:
    """A whole HTML email: ``body`` (HTML) in a white card on a grey page."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{class_language()}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title></head>",
            f'<body style="margin:0;padding:0;background-color:{PAPER}">',
            f'<table {LAYOUT} width="100%" bgcolor="{PAPER}" style="width:100%;background-color:{PAPER}">',
            '<tr><td align="center" style="padding:16px 8px">',
            f'<!--[if mso]><table {LAYOUT} width="{WIDTH}"><tr><td><![endif]-->',
            f'<table {LAYOUT} width="100%" class="page" style="width:100%;max-width:{WIDTH}px;background-color:#ffffff"'
            ' bgcolor="#ffffff">',
            f'<tr><td style="border:1px solid {LINE};padding:8px 16px 20px;font-family:{FONT};font-size:15px;'
            f'line-height:1.5;color:{INK};text-align:left">',
            *body,
            para(escape(SIGNATURE), muted=True),
            "</td></tr></table>",
            "<!--[if mso]></td></tr></table><![endif]-->",
            "</td></tr></table>",
            "</body></html>",
            "",
        ]
    )


# The trainer's summary lives in testtime.summary_email (which imports this module's helpers); its names are still
# importable from here, loaded on first use so that neither module needs the other half-initialised (PEP 562).
_SUMMARY_NAMES = frozenset({"SummaryCounts", "SummaryRow", "SummaryTest", "summary_subject", "trainer_summary"})


def __getattr__(name: str) -> Any:
    if name in _SUMMARY_NAMES:
        from testtime import summary_email

        return getattr(summary_email, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The trainer's summary email of a scoring run (plain text + HTML). Pure: no I/O, deterministic for golden files.

Per newly scored (or regraded) test: the class's figures (mean, median, standard deviation of the percent), the
grade distribution as a bar chart, each question's facility, discrimination, most chosen wrong answer and the
reasons it needs a look (:mod:`testtime.analysis`), the students (those new since the test's last summary marked),
pending and missing students, and the regraded ones; then failures and email counts. Dates and times in words, in
the trainer's time zone (:func:`testtime.deadlines.describe`), never ISO.

The HTML is the card layout of :mod:`testtime.emails` (tables and inline styles only, no SVG, script or image).
The chart is a table whose bars are cells of a nested table with a width percentage and a background colour, the
classic image-free email histogram
(https://www.conspire.com/blog/2013/10/how-to-build-a-sweet-histogram-for-your-html-email/), each cell holding a
non-breaking space since some clients collapse empty cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from testtime import emails as card
from testtime.deadlines import describe
from testtime.emails import RenderedEmail, _text_page, _trainer_label, decimal, fmt_grade, fmt_percent
from testtime.i18n import MAIL
from testtime.scorer.failures import Failure, FailureKind
from testtime.summary_parts import (
    TEXT_BAR,
    SummaryCounts,
    SummaryRow,
    SummaryTest,
    _facility,
    _question_label,
    _ratio,
    _regrade_line,
    _score_cell,
    _share,
    _stat,
    _who,
    _wrong_choice,
    _wrong_label,
    summary_subject,
)

if TYPE_CHECKING:  # only read, never built here: no import of the analysis at run time
    from testtime.analysis import TestAnalysis


_ = MAIL.gettext
_n = MAIL.ngettext

__all__ = ["SummaryCounts", "SummaryRow", "SummaryTest", "summary_subject", "trainer_summary"]


def _kind(kind: FailureKind) -> str:
    """A failure's kind in words (the run's JSON keeps the kind's value)."""
    words = {
        FailureKind.CORRUPT_SUBMISSION: _("submission that cannot be scored"),
        FailureKind.ANSWER_KEY: _("answer key that cannot be used"),
        FailureKind.NO_EMAIL_ADDRESS: _("no email address"),
        FailureKind.READ_ERROR: _("could not be read"),
        FailureKind.EMAIL_FAILED: _("email not sent"),
        FailureKind.LEDGER: _("email records"),
        FailureKind.HANDOVER: _("hand-over to the next run"),
        FailureKind.CATALOG: _("test catalog"),
        FailureKind.SUMMARY_FAILED: _("summary not sent"),
    }
    return words.get(kind, str(kind))


def _missing(test: SummaryTest) -> str:
    names = ", ".join(_who(sid, name) for sid, name in test.missing)
    return _("Missing ({n}): {names}", n=len(test.missing), names=names)


def _pending(test: SummaryTest, zone: ZoneInfo) -> str:
    later = ", ".join(
        _("{student} until {deadline}", student=_who(sid, name), deadline=describe(due, zone))
        for sid, name, due in test.pending
    )
    return _("Pending ({n}): {students}", n=len(test.pending), students=later)


def _text_test(test: SummaryTest, counts: SummaryCounts, zone: ZoneInfo) -> list[str]:
    info = test.info
    label = _trainer_label(info)
    lines = [label, "=" * len(label), _("Deadline: {deadline}", deadline=describe(info.deadline, zone))]
    if test.note:
        return [*lines, test.note, ""]
    lines.append(_figures(test))
    if test.missing:  # right under the heading: readers take the first paragraph as the test's news
        lines.append(_missing(test))
    if test.pending:
        lines.append(_pending(test, zone))
    lines.append("")
    analysis = test.analysis
    if analysis is not None:
        lines += [_averages(analysis), "", _("Grades:")]
        top = max(analysis.grades.values(), default=0)
        for grade, count in analysis.grades.items():
            bar = "#" * round(count * TEXT_BAR / top) if top else ""
            share = f" ({fmt_percent(_share(count, analysis.submitted))})" if count else ""
            lines.append(f"  {decimal(grade):>3}  {bar:<{TEXT_BAR}}  {count}{share}")
        lines.append("")
        if analysis.questions:
            lines.append(_("Questions:"))
            for question in analysis.questions:
                lines.append(f"  {_question_label(test, question.question_id)}")
                figures = _(
                    "got it right {facility}, discrimination {discrimination}",
                    facility=_facility(question.facility),
                    discrimination=_ratio(question.discrimination),
                )
                wrong = _wrong_choice(test, question)
                lines.append(f"      {figures}" + (f", {_wrong_label(test, question)} {wrong}" if wrong else ""))
                lines += ["      " + _("Needs a look: {reason}", reason=flag) for flag in question.flags]
            lines.append("")
    if test.rows:
        student, percent, grade = _("Student"), _("Percent"), _("Grade")
        column = _("Points") if test.weighted else _("Score")
        width = max(len(student), *(len(_who(row.student_id, row.name)) for row in test.rows))
        lines.append(f"{student:<{width}}  {column:>9}  {percent:>7}  {grade}")
        for row in test.rows:
            who = _who(row.student_id, row.name)
            new = "  " + _("new") if row.student_id in test.new_students else ""
            score = _score_cell(row, test.weighted)
            lines.append(f"{who:<{width}}  {score:>9}  {fmt_percent(row.percent):>7}  {fmt_grade(row.grade)}{new}")
    else:
        lines.append(_("No submissions scored."))
    if test.regrades:
        lines += ["", _("Regraded ({n}):", n=len(test.regrades))]
        lines += [f"  {_who(c.student_id, c.name)}: {_regrade_line(c)}" for c in test.regrades]
    notes = _notes(test, counts, zone)
    return [*lines, *([""] if notes else []), *notes, ""]


def _figures(test: SummaryTest) -> str:
    scored = _("Scored: {n}", n=len(test.rows))
    if test.new_students:
        scored += " " + _("({n} new)", n=len(test.new_students))
    parts = [scored, _("missing: {n}", n=len(test.missing))]
    if test.pending:
        parts.append(_("pending: {n}", n=len(test.pending)))
    return ", ".join(parts)


def _averages(analysis: TestAnalysis) -> str:
    return _(
        "Mean {mean}, median {median}, standard deviation {stdev} (of the percent)",
        mean=_stat(analysis.mean),
        median=_stat(analysis.median),
        stdev=_stat(analysis.stdev),
    )


def _notes(test: SummaryTest, counts: SummaryCounts, zone: ZoneInfo) -> list[str]:
    notes = []
    if test.pending:  # an extension of their own: scored by a run after it, never "missing" before
        notes.append(
            _(
                "The students' score emails wait until the test has closed for everybody ({moment}): until then a "
                "score and its right answers could reach a student who may still submit.",
                moment=describe(test.info.closes_for_everybody, zone),
            )
        )
    sent = counts.sent_by_test.get(f"{test.info.subject}/{test.info.test_id}")
    if sent:
        notes.append(_("Score emails sent in this run: {n}", n=sent))
    return notes


def _emails_line(counts: SummaryCounts) -> str:
    if counts.emails_deferred:
        return _(
            "Emails to students: {sent} sent, {failed} failed, {deferred} left for the next run.",
            sent=counts.emails_sent,
            failed=counts.emails_failed,
            deferred=counts.emails_deferred,
        )
    return _("Emails to students: {sent} sent, {failed} failed.", sent=counts.emails_sent, failed=counts.emails_failed)


def _where(failure: Failure) -> str:
    return f"{failure.subject} / {failure.test_id}" if failure.subject else "-"


def _retry_note() -> str:
    return _("Emails that failed are sent again by the next run.")


def _nothing_new() -> str:
    return _("No newly scored tests.")


def _run_line(as_of: datetime, zone: ZoneInfo) -> str:
    return _("Scoring run of {moment}.", moment=describe(as_of, zone))


def _text(
    as_of: datetime, tests: Sequence[SummaryTest], failures: Sequence[Failure], counts: SummaryCounts, zone: ZoneInfo
) -> str:
    lines = [_run_line(as_of, zone), ""]
    for test in tests:
        lines += _text_test(test, counts, zone)
    if not tests:
        lines += [_nothing_new(), ""]
    lines += [_emails_line(counts), ""]
    if failures:
        lines.append(_("Failures ({n}):", n=len(failures)))
        lines += [f"  {_kind(f.kind)}: {_where(f)}, {f.student_id or '-'}: {f.error}" for f in failures]
        lines.append("")
        if any(f.kind is FailureKind.EMAIL_FAILED for f in failures):
            lines += [_retry_note(), ""]
    return _text_page(lines)


# --- HTML --------------------------------------------------------------------------------------------------------

_BAR = "height:18px;line-height:18px;font-size:1px"  # a fixed height even where the cell has only a &nbsp;


def _chart(analysis: TestAnalysis) -> list[str]:
    """The grade distribution: one row per grade, best first, a bar as wide as its count over the largest."""
    top = max(analysis.grades.values(), default=0)
    lines = [f'<table {card.LAYOUT} width="100%" class="grade-chart" style="width:100%;border-collapse:collapse">']
    for grade, count in analysis.grades.items():
        width = f"{round(count * 100 / top, 1):g}%" if top else "0%"
        bar = (
            f'<table {card.LAYOUT} class="bar" data-grade="{escape(grade)}" data-count="{count}" width="{width}" '
            f'style="width:{width}"><tr><td bgcolor="{card.ACCENT}" '
            f'style="background-color:{card.ACCENT};{_BAR}">&nbsp;</td>'
            "</tr></table>"
            if count
            else "&nbsp;"
        )
        share = f" ({fmt_percent(_share(count, analysis.submitted))})" if count else ""
        name = escape(_("Grade {grade}", grade=decimal(grade)))
        lines.append(
            f'<tr><td width="68" style="width:68px;padding:3px 8px 3px 0;font-size:13px;color:{card.MUTED};'
            f'white-space:nowrap">{name}</td>'
            f'<td class="track" bgcolor="{card.TRACK}" '
            f'style="background-color:{card.TRACK};padding:0;{_BAR}">{bar}</td>'
            f'<td width="76" style="width:76px;padding:3px 0 3px 8px;font-size:13px;text-align:right;'
            f'white-space:nowrap">{count}{share}</td></tr>'
        )
        lines.append('<tr><td colspan="3" style="height:4px;line-height:4px;font-size:1px">&nbsp;</td></tr>')
    lines.append("</table>")
    return lines


def _questions(test: SummaryTest, analysis: TestAnalysis) -> list[str]:
    rows = []
    for question in analysis.questions:
        label = escape(_question_label(test, question.question_id))
        reasons = [escape(_("Needs a look: {reason}", reason=flag)) for flag in question.flags]
        label += "".join(f'<br><span style="color:#b91c1c;font-size:13px">{reason}</span>' for reason in reasons)
        cells = [label, _facility(question.facility), _ratio(question.discrimination)]
        cells.append(escape(_wrong_choice(test, question)) or "-")
        rows.append((cells, card.WARN_BG if question.flags else ""))
    headings = [_("Question"), _("Got it right"), _("Discrimination"), _("Most chosen wrong answer")]
    return [card.h3(_("Questions")), *card.data_table(headings, rows, "questions")]


def _students(test: SummaryTest) -> list[str]:
    new = escape(_("new"))
    badge = (
        f' <span style="background-color:{card.NEW_BG};color:{card.NEW_INK};font-size:11px;font-weight:700;'
        f'padding:1px 6px;border-radius:8px;white-space:nowrap">{new}</span>'
    )
    rows = []
    for row in test.rows:
        who = escape(_who(row.student_id, row.name)) + (badge if row.student_id in test.new_students else "")
        cells = [who, escape(_score_cell(row, test.weighted)), escape(fmt_percent(row.percent))]
        rows.append(([*cells, escape(fmt_grade(row.grade))], ""))
    headings = [_("Student"), _("Points") if test.weighted else _("Score"), _("Percent"), _("Grade")]
    return [card.h3(_("Students")), *card.data_table(headings, rows, "students")]


def _bold_head(line: str) -> tuple[str, str]:
    """A "Missing (2): Ann, Bob" line as its heading, up to the first colon, and the rest."""
    heading, _colon, rest = line.partition(": ")
    return heading + ":", rest


def _html_test(test: SummaryTest, counts: SummaryCounts, zone: ZoneInfo) -> list[str]:
    info = test.info
    deadline = _("Deadline: {deadline}", deadline=describe(info.deadline, zone))
    lines = [card.h2(_trainer_label(info)), card.para(escape(deadline), muted=True)]
    if test.note:
        return [*lines, card.para(escape(test.note))]
    scored = _n("scored", "scored", len(test.rows))
    if test.new_students:
        scored = _("{scored}, {n} new", scored=scored, n=len(test.new_students))
    figures = [(str(len(test.rows)), scored), (str(len(test.missing)), _n("missing", "missing", len(test.missing)))]
    figures += [(str(len(test.pending)), _n("pending", "pending", len(test.pending)))] if test.pending else []
    lines += card.tiles(figures)
    analysis = test.analysis
    if analysis is not None:
        lines += card.tiles(
            [
                (_stat(analysis.mean), _("mean")),
                (_stat(analysis.median), _("median")),
                (_stat(analysis.stdev), _("standard deviation")),
            ]
        )
        lines += [card.h3(_("Grades")), *_chart(analysis)]
        if analysis.questions:
            lines += _questions(test, analysis)
    lines += _students(test) if test.rows else [card.para(escape(_("No submissions scored.")))]
    if test.missing:
        heading, names = _bold_head(_missing(test))
        lines.append(card.para(f"<b>{escape(heading)}</b> {escape(names)}"))
    if test.pending:
        heading, later = _bold_head(_pending(test, zone))
        lines.append(card.para(f"<b>{escape(heading)}</b> {escape(later)}"))
    if test.regrades:
        rows = [([escape(_who(c.student_id, c.name)), escape(_regrade_line(c))], "") for c in test.regrades]
        headings = [_("Student"), _("Score")]
        lines += [card.h3(_("Regraded ({n})", n=len(test.regrades))), *card.data_table(headings, rows, "regrades")]
    lines += [card.para(escape(note), muted=True) for note in _notes(test, counts, zone)]
    return lines


def _html(
    subject: str,
    as_of: datetime,
    tests: Sequence[SummaryTest],
    failures: Sequence[Failure],
    counts: SummaryCounts,
    zone: ZoneInfo,
) -> str:
    body = [card.para(escape(_run_line(as_of, zone)), muted=True)]
    for test in tests:
        body += _html_test(test, counts, zone)
    if not tests:
        body.append(card.para(escape(_nothing_new())))
    body += [card.h2(_("Emails")), card.para(escape(_emails_line(counts)))]
    if failures:
        rows = [
            ([escape(_kind(f.kind)), escape(_where(f)), escape(f.student_id or "-"), escape(f.error)], card.WARN_BG)
            for f in failures
        ]
        headings = [_("Kind"), _("Test"), _("Student"), _("Error")]
        body += [card.h2(_("Failures ({n})", n=len(failures))), *card.data_table(headings, rows, "failures")]
        if any(f.kind is FailureKind.EMAIL_FAILED for f in failures):
            body.append(card.para(escape(_retry_note())))
    return card.card_page(subject, body)


def trainer_summary(
    as_of: datetime,
    tests: Sequence[SummaryTest],
    failures: Sequence[Failure],
    counts: SummaryCounts,
    zone: ZoneInfo,
) -> RenderedEmail:
    """The trainer's one email per run: each newly scored or regraded test with its figures, chart, questions and
    students, then failures and email counts; ``as_of`` and every date in words in ``zone``."""
    subject = summary_subject(tests, len(failures))
    return RenderedEmail(
        subject, _text(as_of, tests, failures, counts, zone), _html(subject, as_of, tests, failures, counts, zone)
    )

"""The students' emails other than the score: a regrade notice, a reminder before the deadline, an invitation.

Pure (no I/O), plain text + HTML in the look of the score email (:mod:`testtime.emails`), every piece of content
escaped in the HTML; points, percents and grades written as the score email writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from testtime.deadlines import describe
from testtime.documents.catalog import CatalogTest
from testtime.documents.scorer_records import ScoreRow
from testtime.emails import RenderedEmail, _greeting, _html_page, _label, _text_page, fmt_grade, fmt_percent, fmt_points

TERMINAL_CLIENT = "bin/test-time.sh"


@dataclass(frozen=True)
class RegradeChange:
    """A student whose score a corrected answer key changed; ``questions`` are the 1-based numbers, in the
    student's own order, of the questions whose key change moved their points."""

    student_id: str
    name: str
    before: ScoreRow
    after: ScoreRow
    questions: tuple[int, ...] = ()


def row_score(row: ScoreRow) -> str:
    """A score in words: "3 of 5", or "3.5 of 5 points" on a weighted test."""
    if row.max_points is not None:
        return f"{fmt_points(row.points)} of {fmt_points(row.max_points)} points"
    return f"{row.correct} of {row.questions}"


def row_details(row: ScoreRow) -> str:
    """The percent and the grade: "80%, grade 4"."""
    return f"{fmt_percent(row.percent)}, grade {fmt_grade(row.grade)}"


def numbers(values: Sequence[int]) -> str:
    """1 -> "1"; (2, 4) -> "2 and 4"; (1, 2, 3) -> "1, 2 and 3"."""
    texts = [str(value) for value in values]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def corrected(questions: Sequence[int]) -> str:
    """Why a score changed, as the end of a sentence: "the answer key of question 2 was corrected"."""
    if not questions:
        return "the answer key or the grade scale was corrected"
    noun = "question" if len(questions) == 1 else "questions"
    return f"the answer key of {noun} {numbers(questions)} was corrected"


def regrade_subject(subject: str, test_id: str) -> str:
    return f"[{subject}] [{test_id}] Your test score changed"


def regrade_email(change: RegradeChange, info: CatalogTest) -> RenderedEmail:
    """One student's notice of a changed score, once per regrade: old and new score and the reason."""
    subject = regrade_subject(info.subject, info.test_id)
    before, after = change.before, change.after
    sentence = (
        f"Your score for {_label(info)} changed from {row_score(before)} to {row_score(after)} "
        f"({row_details(after)}): {corrected(change.questions)}."
    )
    closing = "This replaces the score of the earlier email."
    greeting = _greeting(change.student_id, change.name)
    text = [
        greeting,
        "",
        sentence,
        "",
        f"  Before: {row_score(before)} ({row_details(before)})",
        f"  Now:    {row_score(after)} ({row_details(after)})",
        "",
        closing,
    ]
    html = [
        f"<p>{escape(greeting)}</p>",
        f"<p>{escape(sentence)}</p>",
        '<table border="1" cellpadding="4" cellspacing="0">',
        f"<tr><th>Before</th><td>{escape(row_score(before))} ({escape(row_details(before))})</td></tr>",
        f"<tr><th>Now</th><td><b>{escape(row_score(after))}</b> ({escape(row_details(after))})</td></tr>",
        "</table>",
        f"<p>{escape(closing)}</p>",
    ]
    return RenderedEmail(subject, _text_page(text), _html_page(subject, html))


def reminder_subject(info: CatalogTest, deadline: datetime, zone: ZoneInfo) -> str:
    return f"[{info.subject}] [{info.test_id}] Reminder: due {describe(deadline, zone)}"


def reminder_email(
    info: CatalogTest, student_id: str, name: str, deadline: datetime, zone: ZoneInfo, portal_url: str = ""
) -> RenderedEmail:
    """A reminder to a student who has not submitted an open test: ``deadline`` is their own (an extension
    counts), in the trainer's time zone."""
    subject = reminder_subject(info, deadline, zone)
    greeting = _greeting(student_id, name)
    sentence = f"{_label(info)} is due {describe(deadline, zone)}; you have not submitted it yet."
    terminal = f"{TERMINAL_CLIENT} --subject {info.subject} --test {info.test_id}"
    late = "If you sent it in the last few minutes, it has arrived: ignore this email."
    text = [greeting, "", sentence, ""]
    html = [f"<p>{escape(greeting)}</p>", f"<p>{escape(sentence)}</p>"]
    if portal_url:
        text += [f"Take it in the portal: {portal_url}", f"or in a terminal: {terminal}", ""]
        html.append(
            f'<p>Take it in the portal: <a href="{escape(portal_url)}">{escape(portal_url)}</a><br>'
            f"or in a terminal: <code>{escape(terminal)}</code></p>"
        )
    else:
        text += [f"Take it in a terminal: {terminal}", ""]
        html.append(f"<p>Take it in a terminal: <code>{escape(terminal)}</code></p>")
    text.append(late)
    html.append(f"<p>{escape(late)}</p>")
    return RenderedEmail(subject, _text_page(text), _html_page(subject, html))


INVITATION_SUBJECT = "[Test Time] How to take your tests"


def invitation_email(
    student_id: str, name: str, api_url: str, api_key: str, portal_url: str, zone: ZoneInfo | None = None
) -> RenderedEmail:
    """How a student takes tests: the portal and the terminal client, with their API URL and key. The key is in
    the body only (the subject line shows in notifications and lists)."""
    greeting = _greeting(student_id, name)
    intro = "here is how you take your tests with Test Time."
    private = "Keep the key to yourself: anyone who has it can submit tests in your name."
    setup = "The first run asks for the API URL and the key above, then lists your open tests."
    zone_line = f"Deadlines are in the {zone.key} time zone." if zone is not None else ""
    text = [greeting, "", intro, "", f"Your API key:  {api_key}", f"Your API URL:  {api_url}", ""]
    html = [
        f"<p>{escape(greeting)}</p>",
        f"<p>{escape(intro)}</p>",
        '<table border="1" cellpadding="4" cellspacing="0">',
        f"<tr><th>Your API key</th><td><code>{escape(api_key)}</code></td></tr>",
        f"<tr><th>Your API URL</th><td><code>{escape(api_url)}</code></td></tr>",
        "</table>",
    ]
    if portal_url:
        text += ["In the browser: open the portal and sign in with your key:", f"  {portal_url}", ""]
        html.append(
            f'<p>In the browser: open the portal, <a href="{escape(portal_url)}">{escape(portal_url)}</a>, '
            "and sign in with your key.</p>"
        )
    text += ["In a terminal, in the Test Time folder:", f"  {TERMINAL_CLIENT}", setup, ""]
    html.append(f"<p>In a terminal, in the Test Time folder: <code>{escape(TERMINAL_CLIENT)}</code><br>")
    html.append(f"{escape(setup)}</p>")
    if zone_line:
        text += [zone_line, ""]
        html.append(f"<p>{escape(zone_line)}</p>")
    text.append(private)
    html.append(f"<p>{escape(private)}</p>")
    return RenderedEmail(INVITATION_SUBJECT, _text_page(text), _html_page(INVITATION_SUBJECT, html))

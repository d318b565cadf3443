"""The students' emails other than the score: a regrade notice, a reminder before the deadline, an invitation.

Pure (no I/O), plain text + HTML in the look of the score email (:mod:`testtime.emails`), every piece of content
escaped in the HTML; points, percents and grades written as the score email writes them, every text in the class's
language (:data:`testtime.i18n.MAIL`), dates in its words (:func:`testtime.deadlines.describe`).
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
from testtime.i18n import MAIL

_ = MAIL.gettext
_n = MAIL.ngettext

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
        return _("{points} of {max} points", points=fmt_points(row.points), max=fmt_points(row.max_points))
    return _("{correct} of {n}", correct=row.correct, n=row.questions)


def row_details(row: ScoreRow) -> str:
    """The percent and the grade: "80%, grade 4"."""
    return _("{percent}, grade {grade}", percent=fmt_percent(row.percent), grade=fmt_grade(row.grade))


def numbers(values: Sequence[int]) -> str:
    """1 -> "1"; (2, 4) -> "2 and 4"; (1, 2, 3) -> "1, 2 and 3"."""
    texts = [str(value) for value in values]
    if len(texts) == 1:
        return texts[0]
    return _("{first} and {last}", first=", ".join(texts[:-1]), last=texts[-1])


def corrected(questions: Sequence[int]) -> str:
    """Why a score changed, as the end of a sentence: "the answer key of question 2 was corrected"."""
    if not questions:
        return _("the answer key or the grade scale was corrected")
    return _n(
        "the answer key of question {numbers} was corrected",
        "the answer key of questions {numbers} was corrected",
        len(questions),
        numbers=numbers(questions),
    )


def regrade_subject(subject: str, test_id: str) -> str:
    return _("[{subject}] [{test}] Your test score changed", subject=subject, test=test_id)


def regrade_email(change: RegradeChange, info: CatalogTest) -> RenderedEmail:
    """One student's notice of a changed score, once per regrade: old and new score and the reason."""
    subject = regrade_subject(info.subject_display, info.test_id)
    before, after = change.before, change.after
    sentence = _(
        "Your score for {test} changed from {before} to {after} ({details}): {why}.",
        test=_label(info),
        before=row_score(before),
        after=row_score(after),
        details=row_details(after),
        why=corrected(change.questions),
    )
    closing = _("This replaces the score of the earlier email.")
    greeting = _greeting(change.student_id, change.name)
    was, now = _("Before:"), _("Now:")
    width = max(len(was), len(now)) + 1
    text = [
        greeting,
        "",
        sentence,
        "",
        f"  {was.ljust(width)}{row_score(before)} ({row_details(before)})",
        f"  {now.ljust(width)}{row_score(after)} ({row_details(after)})",
        "",
        closing,
    ]
    old = f"{escape(row_score(before))} ({escape(row_details(before))})"
    new = f"<b>{escape(row_score(after))}</b> ({escape(row_details(after))})"
    html = [
        f"<p>{escape(greeting)}</p>",
        f"<p>{escape(sentence)}</p>",
        '<table border="1" cellpadding="4" cellspacing="0">',
        f"<tr><th>{escape(was.rstrip(':'))}</th><td>{old}</td></tr>",
        f"<tr><th>{escape(now.rstrip(':'))}</th><td>{new}</td></tr>",
        "</table>",
        f"<p>{escape(closing)}</p>",
    ]
    return RenderedEmail(subject, _text_page(text), _html_page(subject, html))


def reminder_subject(info: CatalogTest, deadline: datetime, zone: ZoneInfo) -> str:
    return _(
        "[{subject}] [{test}] Reminder: due {deadline}",
        subject=info.subject_display,
        test=info.test_id,
        deadline=describe(deadline, zone),
    )


def reminder_email(
    info: CatalogTest, student_id: str, name: str, deadline: datetime, zone: ZoneInfo, portal_url: str = ""
) -> RenderedEmail:
    """A reminder to a student who has not submitted an open test: ``deadline`` is their own (an extension
    counts), in the trainer's time zone."""
    subject = reminder_subject(info, deadline, zone)
    greeting = _greeting(student_id, name)
    sentence = _(
        "{test} is due {deadline}; you have not submitted it yet.", test=_label(info), deadline=describe(deadline, zone)
    )
    terminal = f"{TERMINAL_CLIENT} --subject {info.subject} --test {info.test_id}"
    late = _("If you sent it in the last few minutes, it has arrived: ignore this email.")
    text = [greeting, "", sentence, ""]
    html = [f"<p>{escape(greeting)}</p>", f"<p>{escape(sentence)}</p>"]
    if portal_url:
        portal, other = _("Take it in the portal: {link}"), _("or in a terminal: {command}")
        text += [portal.format(link=portal_url), other.format(command=terminal), ""]
        link = f'<a href="{escape(portal_url)}">{escape(portal_url)}</a>'
        html.append(
            f"<p>{escape(portal).format(link=link)}<br>{escape(other).format(command=f'<code>{escape(terminal)}</code>')}</p>"
        )
    else:
        only = _("Take it in a terminal: {command}")
        text += [only.format(command=terminal), ""]
        html.append(f"<p>{escape(only).format(command=f'<code>{escape(terminal)}</code>')}</p>")
    text.append(late)
    html.append(f"<p>{escape(late)}</p>")
    return RenderedEmail(subject, _text_page(text), _html_page(subject, html))


def invitation_subject() -> str:
    return _("[Test Time] How to take your tests")


def invitation_email(
    student_id: str, name: str, api_url: str, api_key: str, portal_url: str, zone: ZoneInfo | None = None
) -> RenderedEmail:
    """How a student takes tests: the portal, signed in by one click on ``portal_url`` (the portal's sign-in link
    with the key in its fragment, ``<portal>/signin#key=...``, see ops/invitations.py), and the terminal client with
    their API URL and key. The key is in the body only (the subject line shows in notifications and lists)."""
    subject = invitation_subject()
    greeting = _greeting(student_id, name)
    intro = _("here is how you take your tests with Test Time.")
    private = _("Keep the key to yourself: anyone who has it can submit tests in your name.")
    setup = _("The first run asks for the API URL and the key above, then lists your open tests.")
    zone_line = _("Deadlines are in the {zone} time zone.", zone=zone.key) if zone is not None else ""
    key_name, url_name = _("Your API key:"), _("Your API URL:")
    width = max(len(key_name), len(url_name)) + 2
    text = [greeting, "", intro, "", f"{key_name.ljust(width)}{api_key}", f"{url_name.ljust(width)}{api_url}", ""]
    html = [
        f"<p>{escape(greeting)}</p>",
        f"<p>{escape(intro)}</p>",
        '<table border="1" cellpadding="4" cellspacing="0">',
        f"<tr><th>{escape(key_name.rstrip(':'))}</th><td><code>{escape(api_key)}</code></td></tr>",
        f"<tr><th>{escape(url_name.rstrip(':'))}</th><td><code>{escape(api_url)}</code></td></tr>",
        "</table>",
    ]
    if portal_url:
        browser = _("In the browser, sign in to the portal with one click:")
        later = _("The link holds your key, so keep it to yourself too. If it does not sign you in, paste the key.")
        text += [browser, f"  {portal_url}", later, ""]
        button = escape(_("Sign in to Test Time"))
        html.append(f'<p>{escape(browser)} <a href="{escape(portal_url)}">{button}</a><br>{escape(later)}</p>')
    terminal = _("In a terminal, in the Test Time folder:")
    text += [terminal, f"  {TERMINAL_CLIENT}", setup, ""]
    html.append(f"<p>{escape(terminal)} <code>{escape(TERMINAL_CLIENT)}</code><br>")
    html.append(f"{escape(setup)}</p>")
    if zone_line:
        text += [zone_line, ""]
        html.append(f"<p>{escape(zone_line)}</p>")
    text.append(private)
    html.append(f"<p>{escape(private)}</p>")
    return RenderedEmail(subject, _text_page(text), _html_page(subject, html))

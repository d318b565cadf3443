"""The students' notices: a changed score after a corrected answer key, a reminder before the deadline, the
invitation with the API URL and key. Their exact texts, their dates in words, and the escaping of every field."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from testtime.deadlines import parse_instant
from testtime.documents.catalog import CatalogTest
from testtime.documents.scorer_records import ScoreRow
from testtime.emails import SIGNATURE
from testtime.notices import RegradeChange, invitation_email, regrade_email, reminder_email

ZONE = ZoneInfo("Europe/Warsaw")
OS = CatalogTest("operating-systems", "test02", "Operating systems, test 2", parse_instant("2027-06-14T21:00:00Z"), 5)
KEY = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
API = "https://abc123.execute-api.eu-central-1.amazonaws.com/v1"
PORTAL = "https://portal.example.org"
SIGN_IN = f"{PORTAL}/signin#key={KEY}"  # what ops/invitations.py passes as the portal's link


def test_a_regrade_names_the_old_and_new_score_and_the_corrected_question() -> None:
    change = RegradeChange("student01", "Ann", ScoreRow(3, 5, 60.0, 3), ScoreRow(4, 5, 80.0, 4), (2,))
    email = regrade_email(change, OS)
    assert email.subject == "[operating-systems] [test02] Your test score changed"
    assert email.text == (
        "Hello Ann,\n\n"
        "Your score for Operating systems, test 2 (operating-systems) changed from 3 of 5 to 4 of 5 "
        "(80%, grade 4): the answer key of question 2 was corrected.\n\n"
        "  Before: 3 of 5 (60%, grade 3)\n"
        "  Now:    4 of 5 (80%, grade 4)\n\n"
        "This replaces the score of the earlier email.\n"
        f"--\n{SIGNATURE}\n"
    )
    assert "<th>Now</th><td><b>4 of 5</b> (80%, grade 4)</td>" in email.html


def test_a_weighted_regrade_in_points_over_several_questions() -> None:
    before = ScoreRow(2, 3, 70.0, 4, points=3.5, max_points=5)
    after = ScoreRow(1, 3, 46.67, 2, points=2.3333, max_points=5)
    email = regrade_email(RegradeChange("student02", "", before, after, (1, 3, 4)), OS)
    assert email.text.startswith("Hello student02,\n\n")
    assert (
        "changed from 3.5 of 5 points to 2.33 of 5 points (46.67%, grade 2): the answer key of questions 1, 3 and 4 "
        "was corrected." in email.text
    )
    unnamed = regrade_email(RegradeChange("s", "", before, after), OS)  # no question named: the key or the scale
    assert "the answer key or the grade scale was corrected." in unnamed.text


def test_a_reminder_gives_the_students_own_deadline_in_words() -> None:
    own = parse_instant("2027-06-16T21:00:00Z")  # an extension: Wednesday, summer time
    email = reminder_email(OS, "student03", "Carl", own, ZONE, PORTAL)
    assert email.subject == "[operating-systems] [test02] Reminder: due Wednesday 16 June 2027, 23:00 CEST"
    assert email.text == (
        "Hello Carl,\n\n"
        "Operating systems, test 2 (operating-systems) is due Wednesday 16 June 2027, 23:00 CEST; "
        "you have not submitted it yet.\n\n"
        f"Take it in the portal: {PORTAL}\n"
        "or in a terminal: bin/test-time.sh --subject operating-systems --test test02\n\n"
        "If you sent it in the last few minutes, it has arrived: ignore this email.\n"
        f"--\n{SIGNATURE}\n"
    )
    assert f'<a href="{PORTAL}">{PORTAL}</a>' in email.html
    winter = reminder_email(OS, "student03", "", parse_instant("2027-01-11T22:00:00Z"), ZONE)
    assert "is due Monday 11 January 2027, 23:00 CET;" in winter.text and "portal" not in winter.text
    assert "Take it in a terminal: bin/test-time.sh --subject operating-systems --test test02" in winter.text
    for rendered in (email, winter):
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", rendered.text + rendered.html + rendered.subject)


def test_an_invitation_has_the_key_in_its_body_only() -> None:
    email = invitation_email("student04", "Dan", API, KEY, SIGN_IN, ZONE)
    assert email.subject == "[Test Time] How to take your tests" and KEY not in email.subject
    assert email.text == (
        "Hello Dan,\n\n"
        "here is how you take your tests with Test Time.\n\n"
        f"Your API key:  {KEY}\n"
        f"Your API URL:  {API}\n\n"
        "In the browser, sign in to the portal with one click:\n"
        f"  {SIGN_IN}\n"
        "The link holds your key, so keep it to yourself too. If it does not sign you in, paste the key.\n\n"
        "In a terminal, in the Test Time folder:\n"
        "  bin/test-time.sh\n"
        "The first run asks for the API URL and the key above, then lists your open tests.\n\n"
        "Deadlines are in the Europe/Warsaw time zone.\n\n"
        "Keep the key to yourself: anyone who has it can submit tests in your name.\n"
        f"--\n{SIGNATURE}\n"
    )
    assert f"<code>{KEY}</code>" in email.html and f"<code>{API}</code>" in email.html
    assert f'<a href="{SIGN_IN}">Sign in to Test Time</a>' in email.html  # one click signs the student in
    bare = invitation_email("student04", "", API, KEY, "")
    assert "portal" not in bare.text and "time zone" not in bare.text and "bin/test-time.sh" in bare.text


EVIL = "<b>x</b>&\"'"


@pytest.mark.parametrize("field", ["title", "name", "subject", "url", "key"])
def test_every_field_is_escaped_in_the_html(field: str) -> None:
    info = CatalogTest(
        EVIL if field == "subject" else "os", "t1", EVIL if field == "title" else "T", OS.due, question_count=1
    )
    name = EVIL if field == "name" else "Ann"
    url = EVIL if field == "url" else PORTAL
    rows = ScoreRow(1, 2, 50.0, 3), ScoreRow(2, 2, 100.0, 5)
    emails = []  # each notice that shows the field
    if field != "key":
        emails.append(reminder_email(info, "s1", name, OS.due, ZONE, url))
    if field in ("name", "url", "key"):
        emails.append(invitation_email("s1", name, url, EVIL if field == "key" else KEY, url, ZONE))
    if field in ("title", "name", "subject"):
        emails.append(regrade_email(RegradeChange("s1", name, *rows, (1,)), info))
    for email in emails:
        assert "<b>x</b>" not in email.html.replace("<b>2 of 2</b>", "")
        assert "&lt;b&gt;x&lt;/b&gt;&amp;&quot;&#x27;" in email.html
        assert EVIL in email.text  # the plain text stays as written

"""Scorer runs (moto) on a test of issue 16: points, a multiple-answer question with partial credit, a replaced
submission, an extension, shuffled order. Each student is scored after their own deadline, on their last version;
the extended one is pending until then, and then scored, emailed and reported once."""

from __future__ import annotations

import re
from typing import Any

from scorer_support import AS_OF, runner, summaries

from testtime import layout
from testtime.deadlines import parse_instant

SUBJECT, TEST = "net", "week3"
DUE = "2026-11-23T22:00:00+00:00"
EXTENDED = "2026-11-26T22:00:00+00:00"
AFTER_EXTENSION = parse_instant("2026-11-27T06:00:00+00:00")
SCORE_SUBJECT = f"[{SUBJECT}] [{TEST}] Test score"
QUESTIONS = [
    {
        "questionId": "1",
        "question": "Which are private IPv4 ranges?",
        "answers": [
            {"answerId": "a", "answerBody": "10.0.0.0/8"},
            {"answerId": "b", "answerBody": "8.8.8.0/24"},
            {"answerId": "c", "answerBody": "192.168.0.0/16"},
        ],
        "points": 2,
        "multiple": True,
        "partial": True,
    },
    {
        "questionId": "2",
        "question": "Which port does HTTPS use?",
        "answers": [{"answerId": "a", "answerBody": "80"}, {"answerId": "b", "answerBody": "443"}],
        "points": 3,
    },
]
KEY = [
    {"questionId": "1", "answer": ["a", "c"], "points": 2, "partial": True, "explanation": "RFC 1918."},
    {"questionId": "2", "answer": "b", "points": 3, "explanation": "HTTP over TLS."},
]


def seed(world: Any, extensions: dict[str, str] | None = None, students: int = 3) -> None:
    ids = [f"student{n:02d}" for n in range(1, students + 1)]
    world.put(
        layout.STUDENTS_LIST,
        [{"student_id": sid, "email": f"{sid}@example.org", "name": f"Name {sid[-2:]}"} for sid in ids],
    )
    entry = {
        "subject": SUBJECT,
        "testId": TEST,
        "title": "Networks, week 3",
        "due": DUE,
        "firstPublished": "2026-11-16T10:00:00+00:00",
        "questionCount": len(KEY),
        "closedAt": None,
        "shuffle": True,
        "resubmit": True,
        "extensions": extensions if extensions is not None else {"student03": EXTENDED},
    }
    world.put(layout.CATALOG, {"version": 1, "tests": [entry]})
    world.put(layout.answer_key_key(SUBJECT, TEST), KEY)
    world.put(layout.questions_key(SUBJECT, TEST), QUESTIONS)


def submit(world: Any, sid: str, answers: dict[str, Any], version: int = 1) -> None:
    document: dict[str, Any] = {
        "studentId": sid,
        "subjectName": SUBJECT,
        "testId": TEST,
        "receivedAt": "2026-11-20T10:00:00+00:00",
        "answers": [{"questionId": q, "answer": a} for q, a in answers.items()],
    }
    if version > 1:
        document["version"] = version
    world.put(layout.submission_version_key(SUBJECT, TEST, sid, version), document)


def score_of(world: Any, sid: str) -> Any:
    return world.get(layout.score_key(SUBJECT, TEST, sid))


def mails_to(ses: Any, sid: str) -> list[Any]:
    return [m for m in ses.to(f"{sid}@example.org") if m.subject == SCORE_SUBJECT]


def test_extended_student_is_pending_then_scored_emailed_and_reported_once(world: Any, ses: Any, clock: Any) -> None:
    seed(world)
    submit(world, "student01", {"1": ["a", "b"], "2": "a"})  # version 1: 0 points
    submit(world, "student01", {"1": ["a"], "2": "b"}, version=2)  # the last one: 1 + 3 of 5
    submit(world, "student02", {"1": ["c", "a"], "2": "b"})  # all right
    submit(world, "student03", {"1": ["a", "c"], "2": "a"})  # sent before the common deadline, 2 of 5
    once = runner(world, ses, clock)

    first = once(AS_OF)  # after the common deadline, before student03's own
    assert (first.submissions_scored, first.missing, first.emails_sent) == (2, 0, 0)
    assert score_of(world, "student03") is None
    # No student email yet: a score with one's own answers gives the key away while student03 may still submit.
    assert [mails_to(ses, sid) for sid in ("student01", "student02", "student03")] == [[], [], []]
    replaced = score_of(world, "student01")
    assert (replaced["version"], replaced["points"], replaced["maxPoints"], replaced["percent"]) == (2, 4, 5, 80.0)
    assert replaced["wrong"] == [
        {"questionId": "1", "answer": ["a"], "correctAnswer": ["a", "c"], "earned": 1, "points": 2}
    ]
    assert "version" not in score_of(world, "student02")
    [summary] = summaries(ses)
    assert "Pending (1): student03 (Name 03) until Thursday 26 November 2026, 22:00 UTC" in summary.text
    assert "emails wait until the test has closed for everybody (Thursday 26 November 2026, 22:00 UTC)" in summary.text
    assert "Missing (" not in summary.text and "   Points  Percent" in summary.text
    assert re.search(r"^student01 \(Name 01\) +4/5 +80%  4$", summary.text, re.M), summary.text

    again = once(AS_OF)
    assert (again.emails_sent, again.summary_sent) == (0, False)

    later = once(AFTER_EXTENSION)
    assert (later.submissions_scored, later.emails_sent, later.summary_sent) == (3, 3, True)
    assert score_of(world, "student03")["points"] == 2
    [mail] = mails_to(ses, "student01")
    assert "  Score: 4 of 5 points (80%)" in mail.text and "    Points:       1 of 2" in mail.text
    assert "    Right answer: c) 192.168.0.0/16; a) 10.0.0.0/8" in mail.text and "RFC 1918" in mail.text
    [extended] = mails_to(ses, "student03")
    assert "  Score: 2 of 5 points (40%)" in extended.text
    assert "    Right answer: b) 443" in extended.text and "    Explanation:  HTTP over TLS." in extended.text
    [_, second] = summaries(ses)
    assert re.search(r"^student03 \(Name 03\) +2/5 +40%  2  new$", second.text, re.M) and "Pending" not in second.text
    assert [len(mails_to(ses, sid)) for sid in ("student01", "student02", "student03")] == [1, 1, 1]

    last = once(AFTER_EXTENSION)
    assert (last.emails_sent, last.summary_sent, len(summaries(ses))) == (0, False, 2)


def test_extended_student_without_submission_is_missing_only_after_their_deadline(
    world: Any, ses: Any, clock: Any
) -> None:
    seed(world)
    submit(world, "student01", {"1": ["a", "c"], "2": "b"})
    submit(world, "student02", {"1": ["a", "c"], "2": "b"})
    once = runner(world, ses, clock)
    assert (once(AS_OF).missing, len(ses.sent)) == (0, 1)  # the trainer's summary only: the emails wait
    later = once(AFTER_EXTENSION)  # the test has closed for everybody: the held emails go
    assert (later.missing, later.emails_sent, later.summary_sent) == (1, 2, True)
    [_, second] = summaries(ses)
    assert "Missing (1): student03 (Name 03)" in second.text
    assert once(AFTER_EXTENSION).summary_sent is False


def test_a_newer_version_is_scored_again_without_a_second_email(world: Any, ses: Any, clock: Any) -> None:
    seed(world, extensions={})
    submit(world, "student01", {"1": ["b"], "2": "a"})
    once = runner(world, ses, clock)
    once(AS_OF)
    assert score_of(world, "student01")["points"] == 0
    state = world.get(layout.scorer_state_key(SUBJECT, TEST))
    assert "version" not in state["rows"]["student01"]  # version 1, as before issue 16
    submit(world, "student01", {"1": ["a", "c"], "2": "b"}, version=3)  # the test reopened, say
    result = once(AS_OF)
    assert (result.scores_written, result.emails_sent) == (1, 0)
    assert (score_of(world, "student01")["points"], score_of(world, "student01")["version"]) == (5, 3)
    assert world.get(layout.scorer_state_key(SUBJECT, TEST))["rows"]["student01"]["version"] == 3
    assert len(mails_to(ses, "student01")) == 1


def test_partial_credit_never_goes_below_zero_and_the_percent_weighs_points(world: Any, ses: Any, clock: Any) -> None:
    seed(world, extensions={})
    submit(world, "student01", {"1": ["a", "b"], "2": "b"})  # a right, b wrong: 1/2 - 1/2 = 0 of 2; 3 of 3
    submit(world, "student02", {"1": ["b"], "2": "a"})  # only a wrong choice: 0, not below
    submit(world, "student03", {"1": ["c"]})  # 1 of 2, question 2 unanswered
    runner(world, ses, clock)(AS_OF)
    points = {
        sid: (score_of(world, sid)["points"], score_of(world, sid)["percent"])
        for sid in ("student01", "student02", "student03")
    }
    assert points == {"student01": (3, 60.0), "student02": (0, 0.0), "student03": (1, 20.0)}
    # Closed for everybody (no extension): right answers and explanations are in the emails.
    [mail] = mails_to(ses, "student03")
    assert "    Right answer: a) 10.0.0.0/8; c) 192.168.0.0/16" in mail.text and "Explanation:  RFC 1918." in mail.text
    assert "    Your answer:  (no answer)" in mail.text


def test_an_extension_given_after_the_first_summary_reports_the_late_score(world: Any, ses: Any, clock: Any) -> None:
    seed(world, extensions={})
    submit(world, "student01", {"1": ["a", "c"], "2": "b"})
    once = runner(world, ses, clock)
    assert once(AS_OF).missing == 2
    # Every summary record names the students it covered, so a later one (here: given an extension) is reported.
    assert world.get(layout.summary_ledger_key(SUBJECT, TEST))["students"] == ["student01"]
    catalog = world.get(layout.CATALOG)
    catalog["tests"][0]["extensions"] = {"student03": EXTENDED}  # student03 was ill: three more days
    world.put(layout.CATALOG, catalog)
    submit(world, "student03", {"1": ["c"], "2": "b"})
    later = once(AFTER_EXTENSION)
    assert (later.emails_sent, later.summary_sent, later.missing) == (1, True, 1)
    assert re.search(r"^student03 \(Name 03\) +4/5 +80% +4 +new$", summaries(ses)[1].text, re.M)
    assert world.get(layout.summary_ledger_key(SUBJECT, TEST))["students"] == ["student01", "student03"]
    assert once(AFTER_EXTENSION).summary_sent is False

"""Scorer runs against moto: scoring, exactly-once emails, pacing, hand-over, failures."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

import pytest
from scorer_support import SCORE_SUBJECT, email_record, runner, student_mails, summaries

from testtime import layout
from testtime.deadlines import parse_instant
from testtime.scorer.handover import Continuation
from testtime.scorer.settings import Settings
from testtime.scoring import parse_grade_scale


def test_two_of_three_submit(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test()
    world.submit("student01", "acac")
    world.submit("student02", "ab--")
    result = runner(world, ses, clock)()

    assert result.to_json() | {"failures": []} == {
        "asOf": "2026-11-24T06:00:00+00:00",
        "testsScored": 1,
        "submissionsScored": 2,
        "missing": 1,
        "emailsSent": 2,
        "emailsFailed": 0,
        "failures": [],
        "handedOver": False,
        "scoresWritten": 2,
        "emailsDeferred": 0,
        "summarySent": True,
        "remindersSent": 0,
        "regradeNoticesSent": 0,
        "runId": result.run_id,
        "link": 0,
    }
    assert result.failures == []
    first, second = ses.to("student01@example.org"), ses.to("student02@example.org")
    assert len(first) == len(second) == 1
    assert first[0].subject == second[0].subject == SCORE_SUBJECT
    assert "4 of 4 correct (100%)" in first[0].text and "Grade: 5" in first[0].text
    assert "1 of 4 correct (25%)" in second[0].text and "Grade: 1" in second[0].text
    assert "Right answer: c) choice c of 2" in second[0].text and "Right answer: a) choice a of 3" in second[0].text
    [summary] = summaries(ses)
    assert "Missing (1): student03 (Name 03)" in summary.text
    assert "student01 (Name 01)" in summary.text and "student02 (Name 02)" in summary.text

    saved = world.get(layout.score_key("os", "test01", "student02"))
    assert (saved["correct"], saved["questions"], saved["percent"], saved["grade"]) == (1, 4, 25.0, 1)
    assert saved["wrong"][0] == {"questionId": "2", "answer": "b", "correctAnswer": "c"}
    ledger = email_record(world, "os", "test01", "student01")
    assert ledger["status"] == "sent" and ledger["messageId"] and ledger["sentAt"]
    assert world.get(layout.summary_ledger_key("os", "test01"))["status"] == "sent"


def test_second_run_sends_nothing_and_reads_no_submission(world: Any, ses: Any, clock: Any, requests: Any) -> None:
    world.seed_test()
    world.submit("student01", "acac")
    world.submit("student02", "ab--")
    once = runner(world, ses, clock)
    once()
    sent = len(ses.sent)
    requests.reset()
    again = once()
    assert len(ses.sent) == sent
    assert (again.emails_sent, again.scores_written, again.summary_sent) == (0, 0, False)
    assert again.submissions_scored == 2 and again.missing == 1
    # Per test: catalog + class list, key, questions, state, summary ledger, one listing; nothing per student.
    assert requests.by_operation["PutObject"] == 0
    assert requests.total <= 7, requests.by_operation


def test_request_count_per_submission(world: Any, ses: Any, clock: Any, requests: Any) -> None:
    students = 60
    world.seed_test(students=students)
    for n in range(1, students + 1):
        world.submit(f"student{n:02d}", "acac" if n % 2 else "abab")
    requests.reset()
    result = runner(world, ses, clock, read_concurrency=16, send_concurrency=4, ledger_batch_s=3600)()
    assert result.emails_sent == students and result.scores_written == students
    ops = requests.by_operation
    # GET testResult.json + PUT score.json; the emails' records in batches of 20 (3 PUTs for 60). Per test and
    # run: 6 GETs (catalog, class list, key, questions, state, summary ledger), 2 listings (submissions, ledger),
    # 6 PUTs (state twice, lease taken and released, summary ledger claimed and written).
    per_test = 14
    assert ops["GetObject"] <= students + per_test
    assert ops["PutObject"] <= students + 3 + per_test
    assert requests.total <= 2 * students + 3 + per_test, ops
    print(f"S3 requests per submission, first run: {requests.total / students:.2f} {dict(ops)}")


def test_failed_email_is_named_and_sent_by_the_next_run(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test()
    for sid in ("student01", "student02", "student03"):
        world.submit(sid, "acac")
    ses.fail_for = {"student02@example.org"}
    once = runner(world, ses, clock)
    first = once()
    assert (first.emails_sent, first.emails_failed) == (2, 1)
    assert [(f.kind, f.student_id) for f in first.failures] == [("email-failed", "student02")]
    [summary] = summaries(ses)
    assert "email not sent: os / test01, student02: MessageRejected: rejected student02@example.org" in summary.text
    ledger = email_record(world, "os", "test01", "student02")
    assert ledger["status"] == "failed" and ledger["attempts"] == 1 and "MessageRejected" in ledger["error"]

    ses.fail_for = set()
    second = once()
    assert (second.emails_sent, second.emails_failed) == (1, 0)
    assert [len(ses.to(f"student0{n}@example.org")) for n in (1, 2, 3)] == [1, 1, 1]
    assert len(summaries(ses)) == 2 and "1 sent, 0 failed" in summaries(ses)[1].text
    assert email_record(world, "os", "test01", "student02")["status"] == "sent"
    third = once()
    assert third.emails_sent == 0 and len(ses.sent) == 5


@pytest.mark.parametrize("workers", [1, 4])
def test_sending_is_paced_to_the_quota(world: Any, ses: Any, clock: Any, workers: int) -> None:
    ses.rate = 2.0
    world.seed_test(students=6)
    for n in range(1, 7):
        world.submit(f"student{n:02d}", "acac")
    result = runner(world, ses, clock, send_concurrency=workers)()
    assert result.emails_sent == 6 and len(ses.sent) == 7  # + the summary
    assert len({s.to for s in ses.sent}) == 7
    times = sorted(s.at for s in ses.sent)
    # 7 emails at 2/s take at least 3 s from the start; with one worker every gap is visible (with several, the
    # shared fake clock moves for every sleeping thread, so only the total is meaningful).
    assert times[-1] >= 3.0 - 1e-9
    if workers == 1:
        assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(times)), times


def test_throttling_is_retried_with_backoff(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=2)
    world.submit("student01", "acac")
    ses.throttle_next = 2
    result = runner(world, ses, clock)()
    assert result.emails_sent == 1 and result.failures == []
    assert clock.sleeps[:2] == [0.5, 1.0]


def test_hand_over_when_the_time_budget_is_short(world: Any, ses: Any, clock: Any) -> None:
    ses.rate = 2.0
    students = 10
    world.seed_test(students=students)
    for n in range(1, students + 1):
        world.submit(f"student{n:02d}", "acac")
    handed: list[dict[str, Any]] = []
    once = runner(world, ses, clock, budget_ms=3000, invoke=handed.append, safety_margin_ms=1000)
    first = once()
    assert first.handed_over and not first.summary_sent and 0 < first.emails_sent < students
    assert summaries(ses) == [] and len(handed) == 1
    links = [first]
    while handed:  # the asynchronous invocations, one after the other
        event = handed.pop()
        assert event["asOf"] == "2026-11-24T06:00:00+00:00"
        links.append(once(parse_instant(event["asOf"]), Continuation.from_event(event["continuation"], "x")))
    assert not links[-1].handed_over and links[-1].summary_sent
    assert sum(link.emails_sent for link in links) == students
    assert all(len(ses.to(f"student{n:02d}@example.org")) == 1 for n in range(1, students + 1))
    [summary] = summaries(ses)
    assert f"Emails to students: {students} sent, 0 failed." in summary.text
    assert {link.run_id for link in links} == {first.run_id}


def test_hand_over_not_possible_leaves_the_rest_for_the_next_run(world: Any, ses: Any, clock: Any) -> None:
    ses.rate = 1.0
    world.seed_test(students=4)
    for n in range(1, 5):
        world.submit(f"student{n:02d}", "acac")
    once = runner(world, ses, clock, budget_ms=2500, safety_margin_ms=1000)
    first = once()
    assert not first.handed_over and first.emails_sent == 1 and first.emails_deferred == 3
    assert any(f.kind == "handover" for f in first.failures)
    for _ in range(3):
        once()
    assert len(student_mails(ses)) == 4 and len({s.to for s in student_mails(ses)}) == 4


def test_corrupt_submission_is_reported_and_the_others_scored(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test()
    world.submit("student01", "acac")
    world.put(layout.submission_key("os", "test01", "student02"), b"{oops")
    world.submit("student03", "a---")
    result = runner(world, ses, clock)()
    assert result.emails_sent == 2 and result.submissions_scored == 2 and result.missing == 0
    assert [(f.kind, f.student_id) for f in result.failures] == [("corrupt-submission", "student02")]
    assert "not JSON" in result.failures[0].error
    assert world.get(layout.score_key("os", "test01", "student02")) is None
    assert ses.to("student02@example.org") == []
    [summary] = summaries(ses)
    assert "submission that cannot be scored: os / test01, student02: testResult.json is not JSON" in summary.text
    again = runner(world, ses, clock)()
    assert again.emails_sent == 0 and len(summaries(ses)) == 1  # reported once, not every run


def test_legacy_submission_is_scored(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test()
    world.put(layout.STUDENTS_LIST, [{"student_id": "student01", "email": "student01@example.org"}])
    world.put(
        layout.submission_key("os", "test01", "student01"),
        {"testResult": [{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": "c"}]},
    )
    result = runner(world, ses, clock)()
    assert result.emails_sent == 1 and result.failures == []
    assert "2 of 4 correct (50%)" in ses.to("student01@example.org")[0].text


def test_fresh_claim_is_left_alone_and_a_stale_one_taken_over(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=1)
    world.submit("student01", "acac")
    key = layout.email_ledger_key("os", "test01", "student01")
    world.put(key, {"status": "sending", "claimedAt": (clock.now() - timedelta(seconds=60)).isoformat()})
    once = runner(world, ses, clock, claim_timeout_s=900)
    assert once().emails_sent == 0 and student_mails(ses) == []
    clock.advance(900)
    assert once().emails_sent == 1 and len(student_mails(ses)) == 1
    assert once().emails_sent == 0 and len(student_mails(ses)) == 1


def test_one_email_per_student_covers_several_tests(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test("os", "test01")
    world.seed_test("net", "test02", title="Routing")
    world.submit("student01", "acac")
    world.submit("student01", "a---", "net", "test02")
    world.submit("student02", "acac", "net", "test02")
    result = runner(world, ses, clock, one_per_student=True)()
    assert result.emails_sent == 2 and result.tests_scored == 2
    [combined] = ses.to("student01@example.org")
    assert combined.subject == "[Test Time] Test scores (2 tests)"
    assert "Kernels (os)" in combined.text and "Routing (net)" in combined.text
    assert ses.to("student02@example.org")[0].subject == "[net] [test02] Test score"
    for subject, test_id in (("os", "test01"), ("net", "test02")):
        assert email_record(world, subject, test_id, "student01")["status"] == "sent"
    assert runner(world, ses, clock, one_per_student=True)().emails_sent == 0


def test_open_tests_are_not_scored(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(due="2026-11-30T22:00:00+00:00")
    world.submit("student01", "acac")
    result = runner(world, ses, clock)()
    assert result.tests_scored == 0 and ses.sent == []
    catalog = world.get(layout.CATALOG)
    catalog["tests"][0]["closedAt"] = "2026-11-23T12:00:00+00:00"  # removed from the content: closes early
    world.put(layout.CATALOG, catalog)
    assert runner(world, ses, clock)().tests_scored == 1


def test_changed_answer_key_rescores_and_tells_only_whose_score_changed_once(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=2)
    world.submit("student01", "acab")  # question 4's key changes from c to b: 3 of 4 becomes 4 of 4
    world.submit("student02", "aca-")  # unanswered question 4: 3 of 4 either way
    once = runner(world, ses, clock)
    once()
    assert world.get(layout.score_key("os", "test01", "student01"))["correct"] == 3
    world.put(
        layout.answer_key_key("os", "test01"),
        [{"questionId": str(n), "answer": a} for n, a in enumerate("acab", start=1)],
    )
    result = once()
    assert result.scores_written == 2 and result.emails_sent == 0 and result.summary_sent
    assert result.regrade_notices_sent == 1
    assert world.get(layout.score_key("os", "test01", "student01"))["correct"] == 4
    mails = student_mails(ses)
    assert len(mails) == 3 and len(summaries(ses)) == 2
    [notice] = [mail for mail in mails[2:]]
    assert notice.to == "student01@example.org"
    assert "changed from 3 of 4" in notice.text and "to 4 of 4" in notice.text
    assert "the answer key of question 4 was corrected" in notice.text
    assert "student01" in summaries(ses)[1].text and "Regraded" in summaries(ses)[1].text
    again = once()  # nobody is told twice, and the trainer hears of it once
    assert again.regrade_notices_sent == 0 and not again.summary_sent and len(student_mails(ses)) == 3


def test_grade_scale_from_settings(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=1)
    world.submit("student01", "aca-")
    runner(world, ses, clock, scale=parse_grade_scale('[[0, "F"], [70, "B"], [90, "A"]]'))()
    assert world.get(layout.score_key("os", "test01", "student01"))["grade"] == "B"


def test_missing_answer_key_is_reported_once(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test()
    world.submit("student01", "acac")
    world.s3.delete_object(Bucket=world.bucket, Key=layout.answer_key_key("os", "test01"))
    once = runner(world, ses, clock)
    first = once()
    assert first.tests_scored == 0 and [f.kind for f in first.failures] == ["answer-key"]
    [summary] = summaries(ses)
    assert "Not scored: questionsKey.json is missing" in summary.text
    assert not once().summary_sent and len(ses.sent) == 1
    world.put(layout.answer_key_key("os", "test01"), json.loads(json.dumps([{"questionId": "1", "answer": "a"}])))
    fixed = once()
    assert fixed.emails_sent == 1 and fixed.summary_sent


def test_daily_quota_defers_the_rest_to_the_next_run(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=3)
    for n in range(1, 4):
        world.submit(f"student{n:02d}", "acac")
    ses.daily_max = 2.0
    first = runner(world, ses, clock)()
    assert first.emails_sent == 2 and first.emails_deferred == 1 and not first.handed_over
    ses.daily_max = -1.0
    second = runner(world, ses, clock)()
    assert second.emails_sent == 1
    assert sorted(s.to for s in student_mails(ses)) == [f"student0{n}@example.org" for n in (1, 2, 3)]


@pytest.mark.parametrize(
    "entry",
    [
        {"subject": "../x", "testId": "t", "due": "2026-11-01T00:00:00+00:00"},
        {"subject": "os", "testId": "t9", "due": "tomorrow"},
    ],
)
def test_bad_catalog_entries_are_reported_not_fatal(world: Any, ses: Any, clock: Any, entry: dict[str, Any]) -> None:
    world.seed_test(students=1)
    world.submit("student01", "acac")
    catalog = world.get(layout.CATALOG)
    catalog["tests"].insert(0, entry)
    world.put(layout.CATALOG, catalog)
    result = runner(world, ses, clock)()
    assert result.emails_sent == 1 and [f.kind for f in result.failures] == ["catalog"]


def test_settings_from_env() -> None:
    env = {
        "DATA_BUCKET": "b",
        "SENDER_EMAIL": "s@x",
        "TRAINER_EMAIL": "t@x",
        "GRADE_SCALE": "[[0, 1], [50, 2]]",
        "EMAIL_ONE_PER_STUDENT": "true",
        "SEND_SAFETY_MARGIN_MS": "5000",
        "READ_CONCURRENCY": "8",
    }
    settings = Settings.from_env(env)
    assert (settings.one_per_student, settings.safety_margin_ms, settings.read_concurrency) == (True, 5000, 8)
    assert settings.scale.grade(1, 2) == 2
    with pytest.raises(ValueError, match="TRAINER_EMAIL"):
        Settings.from_env({"DATA_BUCKET": "b", "SENDER_EMAIL": "s@x"})
    with pytest.raises(ValueError, match="READ_CONCURRENCY"):
        Settings.from_env(env | {"READ_CONCURRENCY": "0"})


def test_submission_in_the_2019_stored_shape_is_scored(world: Any, ses: Any, clock: Any) -> None:
    # The 2019 service stored the bare list it received, not an object, and its score.json as {"score": N}.
    world.seed_test(students=2)
    world.put(layout.submission_key("os", "test01", "student01"), [{"questionId": "1", "answer": "A"}])
    world.put(layout.score_key("os", "test01", "student01"), {"score": 1})
    world.submit("student02", "acac")
    result = runner(world, ses, clock)()
    assert (result.emails_sent, result.submissions_scored, result.scores_written, result.failures) == (2, 2, 2, [])
    assert "1 of 4 correct (25%)" in ses.to("student01@example.org")[0].text
    # Only the current shape is written.
    saved = world.get(layout.score_key("os", "test01", "student01"))
    assert (saved["correct"], saved["questions"], saved["grade"], "score" in saved) == (1, 4, 1, False)


@pytest.mark.parametrize("catalog", [{"version": 2, "tests": []}, ["not", "an", "object"]])
def test_unreadable_catalog_scores_nothing_and_is_reported(world: Any, ses: Any, clock: Any, catalog: Any) -> None:
    world.seed_test()
    world.submit("student01", "acac")
    entries = world.get(layout.CATALOG)["tests"]
    world.put(layout.CATALOG, catalog | {"tests": entries} if isinstance(catalog, dict) else catalog)
    result = runner(world, ses, clock)()
    # As the API refuses it: nothing scored, one failure, named in the trainer's summary.
    assert (result.tests_scored, result.scores_written, result.emails_sent) == (0, 0, 0)
    assert [f.kind for f in result.failures] == ["catalog"]
    assert student_mails(ses) == []
    [summary] = summaries(ses)
    assert "catalog: -, -: catalog.json" in summary.text


def test_catalog_entry_with_a_bad_question_count_is_skipped_and_named(world: Any, ses: Any, clock: Any) -> None:
    # The API hides such an entry from students; the scorer skips it by the same rule instead of scoring it.
    world.seed_test()
    world.seed_test("net", "test02")
    world.submit("student01", "acac")
    world.submit("student01", "acac", "net", "test02")
    catalog = world.get(layout.CATALOG)
    catalog["tests"][1]["questionCount"] = "four"
    world.put(layout.CATALOG, catalog)
    result = runner(world, ses, clock)()
    assert result.tests_scored == 1 and [m.subject for m in student_mails(ses)] == [SCORE_SUBJECT]
    [failure] = result.failures
    assert failure.kind == "catalog" and "questionCount" in failure.error
    assert world.get(layout.score_key("net", "test02", "student01")) is None

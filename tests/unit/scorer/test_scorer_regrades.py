"""Regrades and late scores (moto): a corrected answer key tells exactly the students whose score changed, once
each, and the trainer once; a submission scored in a later run is named in that run's summary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError
from scorer_support import AS_OF, runner, student_mails, summaries

from testtime import layout
from testtime.deadlines import to_iso
from testtime.scorer.data import S3Data

START = AS_OF  # the fake clock's start (conftest.START)
KEY = [{"questionId": str(n), "answer": a} for n, a in enumerate("acac", start=1)]  # as World.seed_test seeds it
CORRECTED = [dict(entry) for entry in KEY]
CORRECTED[1]["answer"] = "b"  # question 2's key was c


def _notices(ses: Any) -> list[Any]:
    return [mail for mail in student_mails(ses) if "changed" in mail.subject.lower()]


def test_a_notice_that_failed_goes_once_with_a_later_run(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test()
    world.submit("student01", "abac")  # 3 of 4, then 4 of 4
    world.submit("student02", "acac")  # 4 of 4, then 3 of 4
    world.submit("student03", "adac")  # 3 of 4 either way: never told
    once = runner(world, ses, clock)
    once()
    world.put(layout.answer_key_key("os", "test01"), CORRECTED)
    ses.fail_for.add("student02@example.org")
    regraded = once()
    assert (regraded.regrade_notices_sent, regraded.emails_failed) == (1, 1)
    state = world.get(layout.scorer_state_key("os", "test01"))
    assert len(state["regrading"]) == 1  # student02 is still owed a notice
    assert state["lastRegrade"] == f"0001-{state['version']}"  # the first regrade round of this test
    record = world.get(layout.regrade_record_key("os", "test01", state["lastRegrade"]))
    assert sorted(record["changes"]) == ["student01", "student02"]
    assert record["changes"]["student02"]["questions"] == ["2"]
    ses.fail_for.clear()
    clock.advance(900)
    assert once().regrade_notices_sent == 1
    clock.advance(900)
    assert once().regrade_notices_sent == 0
    assert "regrading" not in world.get(layout.scorer_state_key("os", "test01"))
    assert sorted(mail.to for mail in _notices(ses)) == ["student01@example.org", "student02@example.org"]
    [told] = [mail for mail in _notices(ses) if mail.to == "student02@example.org"]
    assert "changed from 4 of 4" in told.text and "to 3 of 4" in told.text
    assert "question 2 was corrected" in told.text
    regrade_summaries = [mail for mail in summaries(ses) if "Regraded" in mail.text]
    assert len(regrade_summaries) == 1 and "student03" not in regrade_summaries[0].text.split("Regraded")[1]


def test_a_key_changed_before_anybody_was_emailed_sends_only_the_first_emails(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=1)
    world.submit("student01", "abac")
    ses.fail_for.add("student01@example.org")  # the score email did not go
    once = runner(world, ses, clock)
    once()
    world.put(layout.answer_key_key("os", "test01"), CORRECTED)
    ses.fail_for.clear()
    result = once()
    assert (result.emails_sent, result.regrade_notices_sent) == (1, 0)
    [mail] = student_mails(ses)
    assert "4 of 4" in mail.text or "100%" in mail.text  # the first email carries the new score


def test_a_submission_scored_in_a_later_run_is_named_in_that_runs_summary(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test()
    world.submit("student01", "acac")
    once = runner(world, ses, clock)
    once()
    catalog = world.get(layout.CATALOG)
    reopened = START + timedelta(days=2)
    catalog["tests"][0]["due"] = to_iso(reopened)  # the trainer reopened the test for two more days
    world.put(layout.CATALOG, catalog)
    world.submit("student02", "acab")
    clock.advance(timedelta(days=2, hours=1).total_seconds())
    later = once(reopened + timedelta(hours=1))
    assert later.summary_sent and later.emails_sent == 1
    text = summaries(ses)[-1].text
    assert "No newly scored tests" not in text and "1 new" in text
    assert any(line.startswith("student02 (Name 02)") and line.endswith("new") for line in text.splitlines())
    assert not any(line.startswith("student01 (Name 01)") and line.endswith("new") for line in text.splitlines())


def test_a_state_cache_without_the_old_key_names_no_question(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=1)
    world.submit("student01", "abac")
    once = runner(world, ses, clock)
    once()
    state = world.get(layout.scorer_state_key("os", "test01"))
    del state["key"]  # as a scorer before this version left it
    world.put(layout.scorer_state_key("os", "test01"), state)
    world.put(layout.answer_key_key("os", "test01"), CORRECTED)
    assert once().regrade_notices_sent == 1
    [notice] = _notices(ses)
    assert "the answer key or the grade scale was corrected" in notice.text and "question 2" not in notice.text


def test_a_key_changed_back_and_forth_tells_each_change_once(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=1)
    world.submit("student01", "abac")  # 3 of 4 under the seeded key, 4 of 4 under the corrected one
    once = runner(world, ses, clock)
    once()
    for key in (CORRECTED, KEY, CORRECTED):  # corrected, taken back, corrected again: three changes
        world.put(layout.answer_key_key("os", "test01"), key)
        clock.advance(900)
        assert once().regrade_notices_sent == 1
    texts = [mail.text for mail in _notices(ses)]
    assert [("from 3 of 4" in t, "from 4 of 4" in t) for t in texts] == [(True, False), (False, True), (True, False)]
    assert world.get(layout.scorer_state_key("os", "test01"))["regradeRounds"] == 3


def test_whom_the_ledger_shows_emailed_is_told_though_the_state_cache_lags(world: Any, ses: Any, clock: Any) -> None:
    world.seed_test(students=1)
    world.submit("student01", "abac")
    once = runner(world, ses, clock)
    once()
    state = world.get(layout.scorer_state_key("os", "test01"))
    state["emailed"] = []  # the state was not saved after the email (the ledger was)
    world.put(layout.scorer_state_key("os", "test01"), state)
    world.put(layout.answer_key_key("os", "test01"), CORRECTED)
    assert once().regrade_notices_sent == 1
    assert len(student_mails(ses)) == 2  # the score email once, then the notice


def test_a_submission_unread_in_the_rescoring_run_defers_the_regrade(
    world: Any, ses: Any, clock: Any, monkeypatch: Any
) -> None:
    world.seed_test(students=2)
    world.submit("student01", "abac")
    world.submit("student02", "acac")
    once = runner(world, ses, clock)
    once()
    world.put(layout.answer_key_key("os", "test01"), CORRECTED)
    before = world.get(layout.scorer_state_key("os", "test01"))
    unreadable = layout.submission_key("os", "test01", "student01")
    real_get = S3Data.get

    def failing_get(self: S3Data, key: str) -> bytes | None:
        if key == unreadable:
            raise ClientError(
                {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "GetObject"
            )
        return real_get(self, key)

    monkeypatch.setattr(S3Data, "get", failing_get)
    deferred = once()
    assert deferred.regrade_notices_sent == 0 and not deferred.summary_sent
    assert world.get(layout.scorer_state_key("os", "test01"))["version"] == before["version"]  # compared again
    monkeypatch.setattr(S3Data, "get", real_get)
    clock.advance(900)
    assert once().regrade_notices_sent == 2  # both changed: 3 -> 4 and 4 -> 3

"""Regrades and late scores (moto): a corrected answer key tells exactly the students whose score changed, once
each, and the trainer once; a submission scored in a later run is named in that run's summary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import KEY, START
from scorer_support import runner, student_mails, summaries

from testtime import layout
from testtime.deadlines import to_iso

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
    record = world.get(layout.regrade_record_key("os", "test01", state["version"]))
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

"""Publishing issue 16's options against moto: the plan names every extension set or taken back, and warns of an
extension that ends before the test's default deadline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from content_support import TEST_YML, FakeDeployment, MakeContent

from ops.content import load_content
from ops.deployment import Settings
from ops.publish import PublishReport, publish
from testtime import layout

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday: the default deadline is Monday 2026-11-23 23:00 CET
T = "subjects/networks/test01.yml"
EXTENDED = "extensions:\n  student03: 2026-11-26T23:00:00+01:00\n  student01: 2026-11-25T23:00:00+01:00\n" + TEST_YML


def run(aws: FakeDeployment, folder: Path, *, check: bool = False, now: datetime = NOW) -> PublishReport:
    content = load_content(folder)
    return publish(content, aws.outputs, Settings(), now=now, check=check, apigateway=aws.apigateway, ses=aws.ses)


def test_the_plan_names_each_extension_set_and_taken_back(aws: FakeDeployment, make_content: MakeContent) -> None:
    run(aws, make_content())
    extended = make_content({T: EXTENDED})
    plan = run(aws, extended, check=True).lines(check=True)
    assert plan[:2] == [
        "extension       networks/test01 student01: until Wednesday 25 November 2026, 23:00 CET",
        "extension       networks/test01 student03: until Thursday 26 November 2026, 23:00 CET",
    ]
    assert plan[2].startswith("check, nothing changed: tests 0 new, 0 changed, 0 closed, 0 reopened;")  # no other

    run(aws, extended)
    (entry,) = json.loads(aws.objects()[layout.CATALOG])["tests"]
    assert entry["extensions"] == {"student01": "2026-11-25T22:00:00+00:00", "student03": "2026-11-26T22:00:00+00:00"}
    assert run(aws, extended).tests.extensions == ()  # published already: nothing to say

    fewer = make_content({T: EXTENDED.replace("  student01: 2026-11-25T23:00:00+01:00\n", "")})
    assert "extension removed networks/test01 student01" in run(aws, fewer, now=NOW + timedelta(hours=1)).lines(
        check=False
    )
    (entry,) = json.loads(aws.objects()[layout.CATALOG])["tests"]
    assert entry["extensions"] == {"student03": "2026-11-26T22:00:00+00:00"}


def test_an_extension_ending_before_the_default_deadline_is_flagged(
    aws: FakeDeployment, make_content: MakeContent
) -> None:
    early = make_content({T: "extensions:\n  student02: 2026-11-20T23:00:00+01:00\n" + TEST_YML})
    report = run(aws, early)
    assert report.warnings == [
        "networks/test01: the extension of student02 ends Friday 20 November 2026, 23:00 CET, before the test's "
        "deadline, Monday 23 November 2026, 23:00 CET; that student has less time than the others"
    ]
    assert run(aws, early).warnings == []  # said when it is set


def test_an_extension_given_after_the_deadline_warns_that_the_answers_may_be_out(
    aws: FakeDeployment, make_content: MakeContent
) -> None:
    run(aws, make_content())  # the default deadline: Monday 2026-11-23 22:00 UTC
    after_deadline = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    late = make_content({T: "extensions:\n  student02: 2026-11-27T23:00:00+01:00\n" + TEST_YML})
    assert run(aws, late, check=True, now=after_deadline).warnings == [
        "networks/test01: the extension of student02 comes after the test's deadline, Monday 23 November 2026, "
        "23:00 CET; if the scorer has run since, the other students were emailed their scores and the right "
        "answers, which student02 may see before submitting"
    ]
    assert run(aws, late, now=NOW).warnings == []  # before the deadline nothing has gone out


def test_the_plan_names_an_option_turned_on_or_off(aws: FakeDeployment, make_content: MakeContent) -> None:
    run(aws, make_content())
    shuffled = make_content({T: "shuffle: true\nresubmit: false\n" + TEST_YML})
    assert run(aws, shuffled, check=True).lines(check=True)[0] == "test option     networks/test01: shuffle on"
    run(aws, shuffled)
    resubmitting = make_content({T: "resubmit: true\n" + TEST_YML})
    lines = run(aws, resubmitting).lines(check=False, verbose=True)
    assert lines[:3] == [
        "update     catalog.json",
        "test option     networks/test01: shuffle off",
        "test option     networks/test01: resubmit on",
    ]
    (entry,) = json.loads(aws.objects()[layout.CATALOG])["tests"]
    assert ("shuffle" in entry, entry["resubmit"]) == (False, True)

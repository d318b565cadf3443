"""Publishing against moto: only changed objects are uploaded, --check changes nothing, student data is never
touched, removed students' keys are disabled, and content with an error uploads nothing."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from content_support import BUCKET, LEGACY_CONTENT, STUDENTS_YML, TEST_YML, FakeDeployment, MakeContent

import ops.publish
from ops.content import load_content
from ops.deployment import Settings
from ops.publish import PublishReport, publish
from testtime import layout

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday
STUDENT04 = "- id: student04\n  name: Jan Zielinski\n  email: student04@example.com\n"
TEST02 = TEST_YML.replace("title: Networks", "title: Routing")


def run(
    aws: FakeDeployment, folder: Path, *, check: bool = False, now: datetime = NOW, settings: Settings | None = None
) -> PublishReport:
    return publish(
        load_content(folder),
        aws.outputs,
        settings or Settings(),
        now=now,
        check=check,
        apigateway=aws.apigateway,
        ses=aws.ses,
    )


def count_puts(aws: FakeDeployment) -> list[str]:
    """The keys of every PutObject made from now on."""
    puts: list[str] = []
    aws.s3.meta.events.register("before-call.s3.PutObject", lambda params, **_: puts.append(params["Key"]))
    return puts


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_first_run_uploads_everything_and_a_second_run_nothing(aws: FakeDeployment, make_content: MakeContent) -> None:
    folder = make_content()
    first = run(aws, folder)
    assert first.objects == {
        "networks/test01/questions.json": "add",
        "networks/test01/questionsKey.json": "add",
        layout.STUDENTS_LIST: "add",
        layout.TRAINER: "add",
        layout.CATALOG: "add",
    }
    assert [(c.name, c.action) for c in first.keys.changes] == [
        ("testtime-trainer", "create"),
        ("testtime-student01", "create"),
        ("testtime-student02", "create"),
        ("testtime-student03", "create"),
    ]
    keys = aws.keys()
    students = json.loads(aws.objects()[layout.STUDENTS_LIST])
    assert [(s["student_id"], s["api_key_sha256"]) for s in students] == [
        (f"student0{n}", sha256(keys[f"testtime-student0{n}"]["value"])) for n in (1, 2, 3)
    ]
    assert json.loads(aws.objects()[layout.TRAINER]) == {"api_key_sha256": sha256(keys["testtime-trainer"]["value"])}
    attached = aws.apigateway.get_usage_plan_keys(usagePlanId=aws.outputs.usage_plan_id)["items"]
    assert sorted(item["name"] for item in attached) == sorted(keys)

    puts = count_puts(aws)
    second = run(aws, folder, now=NOW + timedelta(days=9))  # later, but the same content
    assert puts == []
    assert set(second.objects.values()) == {"unchanged"}
    assert second.keys.changes == []
    assert second.lines(check=False) == [
        "published: tests 0 new, 0 changed, 0 closed, 0 reopened; students 0 added, 0 removed; api keys 0 create, "
        "0 enable, 0 disable, 0 attach; ses 0 to verify; files 0 uploaded, 0 replaced, 5 unchanged"
    ]


def test_check_prints_the_plan_and_changes_nothing(aws: FakeDeployment, make_content: MakeContent) -> None:
    run(aws, make_content())
    objects, keys = aws.objects(), aws.keys()
    changed = make_content(
        {
            "students.yml": STUDENTS_YML.split("- id: student03")[0] + STUDENT04,
            "subjects/networks/test01.yml": None,
            "subjects/networks/test02.yml": TEST02,
        }
    )
    puts = count_puts(aws)
    plan = run(aws, changed, check=True)
    assert (puts, aws.objects(), aws.keys()) == ([], objects, keys)
    # In the trainer's terms: the tests with their titles and deadlines in words, the default one said to be so.
    said = [
        "test added      networks/test02 (Routing): due Monday 23 November 2026, 23:00 CET (default: its file sets "
        "no 'due')",
        "test closed     networks/test01 (Networks): closed before its deadline, Monday 23 November 2026, 23:00 CET: "
        "no more submissions; what was submitted is still scored",
        "student added   student04 (Jan Zielinski)",
        "student removed student03 (Maria Wiśniewska)",
        "api key create  testtime-student04",
        "api key disable testtime-student03",
        "check, nothing changed: tests 1 new, 0 changed, 1 closed, 0 reopened; students 1 added, 1 removed; "
        "api keys 1 create, 0 enable, 1 disable, 0 attach; ses 0 to verify; files 2 to upload, 2 to replace, "
        "1 unchanged",
    ]
    assert plan.lines(check=True) == said
    assert ".json" not in "\n".join(said)  # no bucket key unless asked for
    assert plan.lines(check=True, verbose=True) == [
        "add        networks/test02/questions.json",
        "add        networks/test02/questionsKey.json",
        "update     studentsList.json",
        "unchanged  trainer.json",
        "update     catalog.json",
        *said,
    ]


def test_a_removed_student_keeps_their_data_and_their_key_is_disabled(
    aws: FakeDeployment, make_content: MakeContent
) -> None:
    class_of_three = make_content()
    run(aws, class_of_three)
    student_data = {
        layout.submission_key("networks", "test01", "student03"): b'{"answers": []}',
        layout.score_key("networks", "test01", "student03"): b'{"percent": 50}',
        layout.submitted_marker_key("student03", "networks", "test01"): b"",
        layout.email_ledger_key("networks", "test01", "student03"): b"{}",
    }
    for key, body in student_data.items():
        aws.s3.put_object(Bucket=aws.outputs.data_bucket, Key=key, Body=body)
    digest_before = json.loads(aws.objects()[layout.STUDENTS_LIST])[2]["api_key_sha256"]

    without_student03_and_test = make_content(
        {
            "students.yml": STUDENTS_YML.split("- id: student03")[0],
            "subjects/networks/test01.yml": None,
            "subjects/networks/test02.yml": TEST02,
        }
    )
    report = run(aws, without_student03_and_test, now=NOW + timedelta(days=1))
    objects = aws.objects()
    assert {key: objects[key] for key in student_data} == student_data
    assert "networks/test01/questions.json" in objects  # the scorer still needs a closed test's questions
    assert aws.keys()["testtime-student03"]["enabled"] is False
    assert [s["student_id"] for s in json.loads(objects[layout.STUDENTS_LIST])] == ["student01", "student02"]
    catalog = {e["testId"]: e for e in json.loads(objects[layout.CATALOG])["tests"]}
    assert catalog["test01"]["closedAt"] == (NOW + timedelta(days=1)).isoformat()
    assert (report.tests.closed, report.students_removed) == (("networks/test01",), ["student03"])

    back = run(aws, class_of_three, now=NOW + timedelta(days=2))
    assert aws.keys()["testtime-student03"]["enabled"] is True
    assert json.loads(aws.objects()[layout.STUDENTS_LIST])[2]["api_key_sha256"] == digest_before
    assert (back.tests.reopened, back.students_added) == (("networks/test01",), ["student03"])


def test_a_test_published_after_its_deadline_is_flagged(aws: FakeDeployment, make_content: MakeContent) -> None:
    late = make_content({"subjects/networks/test01.yml": "due: 2026-11-16T23:00:00+01:00\n" + TEST_YML})
    assert run(aws, late).lines(check=False)[-2] == (
        "warning: networks/test01: its deadline, Monday 16 November 2026, 23:00 CET, has passed; set 'due' to give "
        "students time"
    )
    assert run(aws, late).warnings == []  # said once, when the test opens


def test_the_original_folder_publishes_unchanged(aws: FakeDeployment) -> None:
    run(aws, LEGACY_CONTENT)
    objects = aws.objects()
    for name in ("questions.json", "questionsKey.json"):
        original = (LEGACY_CONTENT / "subjects/operating-systems/test01" / name).read_bytes()
        assert json.loads(objects[f"operating-systems/test01/{name}"]) == json.loads(original)
    assert [s["name"] for s in json.loads(objects[layout.STUDENTS_LIST])] == [f"student0{n}" for n in range(1, 5)]


def test_student_addresses_are_verified_once_when_the_setting_is_on(
    aws: FakeDeployment, make_content: MakeContent
) -> None:
    folder = make_content()
    assert run(aws, folder).verifications == []  # setting off by default
    on = Settings(ses_verify_students=True)
    assert run(aws, folder, settings=on, check=True).verifications == [f"student0{n}@example.com" for n in (1, 2, 3)]
    assert aws.ses.list_identities()["Identities"] == []
    assert run(aws, folder, settings=on).verifications == [f"student0{n}@example.com" for n in (1, 2, 3)]
    assert run(aws, folder, settings=on).verifications == []  # verified or pending: not asked again


def test_cli_with_an_error_prints_each_problem_and_uploads_nothing(
    cli: FakeDeployment, make_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_content(
        {
            "students.yml": STUDENTS_YML.replace("student02@example.com", "student02"),
            "subjects/networks/test01.yml": TEST_YML.replace("answer: b", "answer: d"),
        }
    )
    with pytest.raises(SystemExit) as exited:
        ops.publish.main(["--content", str(folder)])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "students.yml: line 6: [1].email: 'student02' is not a valid e-mail address: An email address must have "
        "an @-sign.",
        "subjects/networks/test01.yml: line 15: questions[1].answer: 'd' is not one of the choices (a, b, c)",
    ]
    assert (cli.objects(), cli.keys()) == ({}, {})


def test_cli_publishes_then_finds_nothing_to_do_and_never_prints_a_key(
    cli: FakeDeployment, make_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(make_content())
    assert ops.publish.main(["--content", folder, "--target", "local"]) == 0
    first = capsys.readouterr().out
    said = first.splitlines()[0]  # published now: the deadline is the coming Monday's, in winter or summer time
    due = r"Monday \d{1,2} \w+ \d{4}, 23:00 CES?T"
    assert re.fullmatch(
        rf"test added {{6}}networks/test01 \(Networks\): due {due} \(default: its file sets no 'due'\)", said
    )
    assert first.splitlines()[-1].startswith("published: tests 1 new, 0 changed, 0 closed, 0 reopened;")
    assert first.splitlines()[-1].endswith("; files 5 uploaded, 0 replaced, 0 unchanged")
    assert ops.publish.main(["--content", folder, "--check"]) == 0
    second = capsys.readouterr().out
    assert second.splitlines() == [
        "check, nothing changed: tests 0 new, 0 changed, 0 closed, 0 reopened; students 0 added, 0 removed; api keys "
        "0 create, 0 enable, 0 disable, 0 attach; ses 0 to verify; files 0 to upload, 0 to replace, 5 unchanged"
    ]
    values: list[Any] = [key["value"] for key in cli.keys().values()]
    assert not any(value in first + second for value in values)


@pytest.mark.parametrize(
    ("key", "body", "line"),
    [
        (
            layout.CATALOG,
            b'{"version": 2, "tests": []}\n',
            f"cannot publish: catalog.json has version 2; this service reads version 1 (bucket {BUCKET}); "
            "nothing was changed",
        ),
        (
            layout.STUDENTS_LIST,
            b"[{]",
            f"cannot publish: studentsList.json is not JSON: Expecting property name enclosed in double quotes: "
            f"line 1 column 3 (char 2) (bucket {BUCKET}); nothing was changed",
        ),
    ],
)
def test_cli_with_an_unreadable_bucket_document_says_so_in_one_line_and_writes_nothing(
    cli: FakeDeployment,
    make_content: MakeContent,
    capsys: pytest.CaptureFixture[str],
    key: str,
    body: bytes,
    line: str,
) -> None:
    cli.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    puts = count_puts(cli)
    assert ops.publish.main(["--content", str(make_content())]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err.splitlines()) == ("", [line])
    assert (puts, cli.objects(), cli.keys()) == ([], {key: body}, {})


def test_an_unreadable_catalog_entry_is_reported_and_left_out(aws: FakeDeployment, make_content: MakeContent) -> None:
    """The API and the scorer skip such an entry (documents.catalog); the publisher says so and lists the test of
    the content again, first published now."""
    folder = make_content()
    run(aws, folder)
    catalog = json.loads(aws.objects()[layout.CATALOG])
    catalog["tests"][0]["questionCount"] = "two"
    catalog["tests"].append({**catalog["tests"][0], "testId": "old01", "questionCount": 1, "due": "soon"})
    aws.s3.put_object(Bucket=BUCKET, Key=layout.CATALOG, Body=json.dumps(catalog).encode())

    later = NOW + timedelta(days=1)
    report = run(aws, folder, now=later)
    assert report.warnings == [
        "catalog.json: tests[0] questionCount 'two' is not a non-negative integer; the new catalog keeps only the "
        "entries that can be read",
        "catalog.json: tests[1] due 'soon' is not an ISO 8601 date-time with an offset (Invalid isoformat string: "
        "'soon'); the new catalog keeps only the entries that can be read",
    ]
    assert report.tests.added == ("networks/test01",)
    [entry] = json.loads(aws.objects()[layout.CATALOG])["tests"]
    assert (entry["testId"], entry["questionCount"], entry["firstPublished"]) == ("test01", 2, later.isoformat())

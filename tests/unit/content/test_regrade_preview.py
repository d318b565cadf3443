"""The regrade preview of a publish that changes the answer key of a scored test (issue 14 point 4): which scores
would change, the trainer's words in ``--check``, and the confirmation a real publish asks for before it changes
anything (a terminal answered through a pseudo-terminal, no terminal, ``--yes``)."""

from __future__ import annotations

import io
import os
import pty
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest
from content_support import BUCKET, STUDENTS_YML, TEST_YML, FakeDeployment, MakeContent

import ops.publish
from ops.content import ContentError, load_content
from ops.deployment import DeploymentError, Settings
from ops.publish import PublishReport, publish
from ops.regrade_preview import (
    NotConfirmed,
    TestRegrade,
    changed_questions,
    confirmation,
    deployed_grade_scale,
    preview,
)
from testtime import layout
from testtime.documents.questions import AnswerKey, KeyEntry, answer_key_document, parse_answer_key
from testtime.documents.scorer_records import ScoreRow, TestState, state_document
from testtime.scoring import GradeScale, parse_grade_scale, score_answers

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
T = "subjects/networks/test01.yml"
KEY_NAME = layout.answer_key_key("networks", "test01")
STATE_NAME = layout.scorer_state_key("networks", "test01")
Answers = Mapping[str, str | tuple[str, ...] | None]


def key_of(*entries: KeyEntry) -> AnswerKey:
    return parse_answer_key(KEY_NAME, answer_key_document(entries))


def scored(key: AnswerKey, students: Mapping[str, Answers | None], scale: GradeScale | None = None) -> TestState:
    """The state cache the scorer writes after scoring ``students`` under ``key``; None answers: a row cached
    before the scorer kept answers (scored as if unanswered)."""
    rows = {}
    for sid, answers in students.items():
        score = score_answers(answers or {}, key, scale or GradeScale(), "networks", "test01", sid)
        rows[sid] = ScoreRow(
            score.correct, score.questions, score.percent, score.grade, score.points, score.max_points, 1, answers
        )
    return TestState(version="v1", rows=rows)


# -- the preview itself (pure) ---------------------------------------------------------------------------------

OLD = key_of(KeyEntry("1", "a"), KeyEntry("2", "b"), KeyEntry("3", "c"))


def test_a_corrected_answer_changes_exactly_the_scores_it_moves() -> None:
    state = scored(OLD, {"s1": {"1": "a", "2": "b", "3": "c"}, "s2": {"1": "a", "2": "c", "3": "c"}, "s3": {"1": "b"}})
    new = key_of(KeyEntry("1", "a"), KeyEntry("2", "c"), KeyEntry("3", "c"))
    regrade = preview("networks", "test01", OLD, new, state, GradeScale())
    assert regrade == TestRegrade("networks/test01", ("2",), 3, ("s1", "s2"), 0)  # s3 answered neither b nor c
    assert regrade.line(check=True) == (
        "networks/test01: answer key changed for question 2; 2 of 3 students' scores would change; "
        "they get an email with the new score"
    )
    assert regrade.line(check=False) == (
        "networks/test01: answer key changed for question 2; 2 of 3 students' scores change at the scorer's next "
        "run; they get an email with the new score"
    )


def test_changed_points_change_the_scores_of_a_weighted_test() -> None:
    state = scored(OLD, {"s1": {"1": "a", "2": "x", "3": "x"}, "s2": {"1": "x", "2": "x", "3": "x"}})
    new = key_of(KeyEntry("1", "a", points=2), KeyEntry("2", "b"), KeyEntry("3", "c"))
    regrade = preview("networks", "test01", OLD, new, state, GradeScale())
    # s1: 1 of 3 right answers (33.33 %) becomes 2 of 4 points (50 %); s2's 0 of 3 right answers becomes 0 of 4
    # points: the scorer tells them too (its score now counts points).
    assert regrade is not None and regrade.questions == ("1",) and regrade.changed == ("s1", "s2")


def test_partial_credit_turned_on_moves_only_those_with_some_right_choices() -> None:
    old = key_of(KeyEntry("1", ("a", "c")), KeyEntry("2", "b"))
    state = scored(old, {"s1": {"1": ("a",), "2": "b"}, "s2": {"1": ("a", "c"), "2": "b"}, "s3": {"1": ("b",)}})
    new = key_of(KeyEntry("1", ("a", "c"), partial=True), KeyEntry("2", "b"))
    regrade = preview("networks", "test01", old, new, state, GradeScale())
    # s1 earns half of question 1 now; s2 had full marks; s3's wrong choice costs what its none right earns: 0.
    assert regrade is not None and regrade.questions == ("1",) and regrade.changed == ("s1",)


def test_a_grade_scale_decides_the_grade_of_the_preview() -> None:
    scale = parse_grade_scale("[[0, 2], [60, 3], [90, 5]]")
    state = scored(OLD, {"s1": {"1": "a", "2": "b", "3": "x"}}, scale)  # 66.67 %: grade 3
    new = key_of(KeyEntry("1", "a"), KeyEntry("2", "b"), KeyEntry("3", "x"))
    assert preview("networks", "test01", OLD, new, state, scale).changed == ("s1",)  # type: ignore[union-attr]


def test_an_unchanged_key_or_an_explanation_alone_is_no_regrade() -> None:
    state = scored(OLD, {"s1": {"1": "a", "2": "b", "3": "c"}})
    assert preview("networks", "test01", OLD, OLD, state, GradeScale()) is None
    explained = key_of(KeyEntry("1", "a", explanation="why"), KeyEntry("2", " B "), KeyEntry("3", "c"))
    assert changed_questions(OLD, explained) == ()  # case and spaces compare as the scorer compares them
    assert preview("networks", "test01", OLD, explained, state, GradeScale()) is None


def test_an_unscored_test_is_no_regrade() -> None:
    new = key_of(KeyEntry("1", "b"))
    assert preview("networks", "test01", OLD, new, None, GradeScale()) is None
    assert preview("networks", "test01", OLD, new, TestState(version="v1"), GradeScale()) is None


def test_questions_added_and_removed_are_named() -> None:
    new = key_of(KeyEntry("1", "a"), KeyEntry("3", "c"), KeyEntry("4", "d"))
    assert changed_questions(OLD, new) == ("4", "2")
    assert changed_questions(None, new) == ("1", "3", "4")  # the published key could not be read


def test_rows_without_answers_are_counted_and_said_so() -> None:
    state = scored(OLD, {"s1": {"1": "a", "2": "b", "3": "c"}, "s2": None, "s3": None})
    new = key_of(KeyEntry("1", "a"), KeyEntry("2", "c"), KeyEntry("3", "b"))
    regrade = preview("networks", "test01", OLD, new, state, GradeScale())
    assert regrade == TestRegrade("networks/test01", ("2", "3"), 3, ("s1",), 2)
    assert regrade.line(check=True) == (
        "networks/test01: answer key changed for questions 2, 3; 1 of 1 student's score would change; they get an "
        "email with the new score; 2 scores could not be previewed (scored before this version): they are "
        "rescored and emailed if they changed"
    )
    same = preview("networks", "test01", OLD, key_of(KeyEntry("1", "a"), KeyEntry("2", "b"), KeyEntry("3", "d")),
                   scored(OLD, {"s1": {"1": "a", "2": "b", "3": "x"}}), GradeScale())  # fmt: skip
    assert same is not None and same.line(check=True) == (
        "networks/test01: answer key changed for question 3; no score of the 1 scored student would change"
    )


def test_the_deployed_grade_scale_is_group_vars_one(tmp_path: Path) -> None:
    settings = tmp_path / "all.yml"
    settings.write_text("project_name: x\ngrade_scale:\n  - [0, F]\n  - [50, A]\n", encoding="utf-8")
    assert deployed_grade_scale(settings) == parse_grade_scale('[[0, "F"], [50, "A"]]')
    settings.write_text("grade_scale: []\n", encoding="utf-8")
    assert deployed_grade_scale(settings) == GradeScale()
    settings.write_text("grade_scale: [[10, 5]]\n", encoding="utf-8")
    with pytest.raises(DeploymentError, match=r"grade_scale in .*all.yml: .*band starting at 0"):
        deployed_grade_scale(settings)


# -- asking the trainer ------------------------------------------------------------------------------------------

REGRADE = TestRegrade("networks/test01", ("2",), 3, ("s1",), 0)


@pytest.fixture
def terminal() -> Iterator[tuple[int, IO[str]]]:
    """A pseudo-terminal: what the trainer types goes to the master end, the code reads the slave end."""
    master, slave = pty.openpty()
    with os.fdopen(slave, "r", encoding="utf-8") as stdin:
        yield master, stdin
    os.close(master)


@pytest.mark.parametrize(("typed", "confirmed"), [(b"y\n", True), (b"YES\n", True), (b"n\n", False), (b"\n", False)])
def test_a_terminal_is_asked(terminal: tuple[int, IO[str]], typed: bytes, confirmed: bool) -> None:
    master, stdin = terminal
    os.write(master, typed)
    out = io.StringIO()
    confirm = confirmation(yes=False, stdin=stdin, stdout=out)
    if confirmed:
        confirm([REGRADE])
    else:
        with pytest.raises(NotConfirmed, match="you did not confirm"):
            confirm([REGRADE])
    assert out.getvalue() == f"{REGRADE.line(check=True)}\nPublish and rescore? [y/N] "


def test_without_a_terminal_it_refuses_and_yes_does_not_ask() -> None:
    with pytest.raises(NotConfirmed, match=r"no terminal to ask.*run again with --yes"):
        confirmation(yes=False, stdin=io.StringIO("y\n"), stdout=io.StringIO())([REGRADE])
    out = io.StringIO()
    confirmation(yes=True, stdin=io.StringIO(""), stdout=out)([REGRADE])
    confirmation(yes=False, stdin=io.StringIO(""), stdout=out)([])  # nothing to confirm
    assert out.getvalue() == ""


# -- publishing against moto -------------------------------------------------------------------------------------

TWO_STUDENTS = STUDENTS_YML.split("- id: student03")[0]
CHANGED_YML = TEST_YML.replace("      c: SCTP\n    answer: b", "      c: SCTP\n    answer: c")


def run(aws: FakeDeployment, folder: Path, *, check: bool = False, confirm: object = None) -> PublishReport:
    return publish(
        load_content(folder),
        aws.outputs,
        Settings(),
        now=NOW,
        check=check,
        apigateway=aws.apigateway,
        ses=aws.ses,
        confirm=confirm,  # type: ignore[arg-type]
    )


def scored_in_bucket(aws: FakeDeployment) -> None:
    """What the scorer writes after scoring the published networks/test01 (answers 1: a, 2: b)."""
    key = parse_answer_key(KEY_NAME, aws.objects()[KEY_NAME])
    state = scored(key, {"student01": {"1": "a", "2": "b"}, "student02": {"1": "a", "2": "c"}, "student03": None})
    aws.s3.put_object(Bucket=BUCKET, Key=STATE_NAME, Body=state_document(state))


def test_check_previews_and_a_real_publish_confirms_first(aws: FakeDeployment, make_content: MakeContent) -> None:
    run(aws, make_content())
    scored_in_bucket(aws)
    changed = make_content({T: CHANGED_YML})
    asked: list[list[TestRegrade]] = []

    plan = run(aws, changed, check=True, confirm=asked.append)
    assert asked == []  # --check never asks
    assert (
        "rescore         networks/test01: answer key changed for question 2; 2 of 2 students' scores would "
        "change; they get an email with the new score; 1 score could not be previewed (scored before this "
        "version): it is rescored and emailed if it changed"
    ) in plan.lines(check=True)

    before = aws.objects()

    def refuse(regrades: list[TestRegrade]) -> None:
        raise NotConfirmed("you did not confirm")

    with pytest.raises(NotConfirmed):
        run(aws, make_content({T: CHANGED_YML, "students.yml": TWO_STUDENTS}), confirm=refuse)  # and disable a key
    assert aws.objects() == before  # nothing half-written
    assert all(item["enabled"] for item in aws.keys().values())

    report = run(aws, changed, confirm=asked.append)
    assert [regrade.changed for regrade in asked[0]] == [("student01", "student02")]
    assert report.objects[KEY_NAME] == "update"
    assert parse_answer_key(KEY_NAME, aws.objects()[KEY_NAME]).entry("2").answer == "c"  # type: ignore[union-attr]
    assert "change at the scorer's next run" in "\n".join(report.lines(check=False))
    assert run(aws, changed, confirm=asked.append).regrades == []  # published: nothing more to confirm
    assert len(asked) == 1


def test_an_unreadable_state_cache_is_said_and_asked_about(aws: FakeDeployment, make_content: MakeContent) -> None:
    run(aws, make_content())
    aws.s3.put_object(Bucket=BUCKET, Key=STATE_NAME, Body=b"[]")
    asked: list[list[TestRegrade]] = []
    report = run(aws, make_content({T: CHANGED_YML}), confirm=asked.append)
    assert asked == [report.regrades] and report.objects[KEY_NAME] == "update"
    assert report.regrades[0].line(check=False) == (
        f"networks/test01: answer key changed for question 2; the scorer's record of its scores could not be read "
        f"({STATE_NAME} is not a JSON object), so no score was previewed: it is rescored and each changed score "
        "emailed"
    )


def test_an_unscored_test_is_published_without_asking(aws: FakeDeployment, make_content: MakeContent) -> None:
    run(aws, make_content())
    asked: list[list[TestRegrade]] = []
    report = run(aws, make_content({T: CHANGED_YML}), confirm=asked.append)
    assert asked == [] and report.regrades == [] and report.objects[KEY_NAME] == "update"


def test_main_refuses_without_a_terminal_and_yes_publishes(
    cli: FakeDeployment, make_content: MakeContent, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ops.publish.main(["--content", str(make_content())]) == 0
    scored_in_bucket(cli)
    changed = str(make_content({T: CHANGED_YML}))
    before = cli.objects()
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal
    assert ops.publish.main(["--content", changed]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "not published: the answer key of networks/test01 changed after it was scored, and there is no terminal "
        "to ask whether to rescore: run again with --yes to publish and rescore; nothing was changed\n"
    )
    assert cli.objects() == before

    assert ops.publish.main(["--content", changed, "--check"]) == 0
    assert "2 of 2 students' scores would change" in capsys.readouterr().out
    assert cli.objects() == before

    assert ops.publish.main(["--content", changed, "--yes"]) == 0
    assert "2 of 2 students' scores change at the scorer's next run" in capsys.readouterr().out
    assert cli.objects()[KEY_NAME] != before[KEY_NAME]


def test_main_asks_on_a_terminal(
    cli: FakeDeployment,
    make_content: MakeContent,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    terminal: tuple[int, IO[str]],
) -> None:
    assert ops.publish.main(["--content", str(make_content())]) == 0
    scored_in_bucket(cli)
    changed = str(make_content({T: CHANGED_YML}))
    before = cli.objects()
    master, stdin = terminal
    monkeypatch.setattr(sys, "stdin", stdin)
    capsys.readouterr()
    os.write(master, b"n\n")
    assert ops.publish.main(["--content", changed]) == 1
    assert capsys.readouterr().err.endswith(
        "Publish and rescore? [y/N] not published: you did not confirm; nothing was changed\n"
    )
    assert cli.objects() == before
    os.write(master, b"y\n")
    assert ops.publish.main(["--content", changed]) == 0
    assert cli.objects()[KEY_NAME] != before[KEY_NAME]


def test_invitations_is_no_subject_name(make_content: MakeContent) -> None:
    """The invitations' records live under invitations/ (issue 14): a subject of that name would mix with them."""
    with pytest.raises(ContentError) as raised:
        load_content(make_content({"subjects/Invitations/test01.yml": TEST_YML}))
    assert [str(problem) for problem in raised.value.problems] == [
        "subjects/Invitations: the name 'Invitations' is reserved for the service's own data"
    ]

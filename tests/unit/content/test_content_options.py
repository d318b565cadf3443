"""Issue 16's optional fields in the content: each mistake named with its file, line and field; the model, the
rendered questions.json / questionsKey.json and the catalog carry them; a test without them is published as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from content_support import REPO, STUDENTS_YML, TEST_YML, MakeContent

from ops.content import ContentError, build_catalog, catalog_changes, load_content, render_objects
from ops.content.catalog import read_catalog
from testtime.documents.catalog import catalog_document
from testtime.documents.questions import KeyEntry, parse_answer_key, parse_questions

T = "subjects/networks/test01.yml"
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
CET = timezone(timedelta(hours=1))
OPTIONS_YML = """\
title: Networks
due: 2026-12-10T23:00:00+01:00
shuffle: true
resubmit: true
extensions:
  student03: 2026-12-13T23:00:00+01:00
questions:
  - id: 1
    text: Which are private IPv4 ranges?
    choices: {a: 10.0.0.0/8, b: 8.8.8.0/24, c: 192.168.0.0/16}
    answer: [c, a]
    partial: true
    points: 2
    explanation: RFC 1918 reserves them.
  - id: 2
    text: Which protocol is connectionless?
    choices:
      a: TCP
      b: UDP
    answer: b
    points: 0.5
"""


def problems_of(make_content: MakeContent, files: dict[str, str | None]) -> list[str]:
    with pytest.raises(ContentError) as raised:
        load_content(make_content(files))
    return [str(problem) for problem in raised.value.problems]


def edited(*replacements: tuple[str, str]) -> str:
    text = OPTIONS_YML
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


RULE = "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
DUE_EXAMPLE = "e.g. 2026-11-30T23:00:00+01:00 or 2026-11-30T23:00 Europe/Warsaw"
MISTAKES: dict[str, tuple[str, list[str]]] = {
    "shuffle is not true/false": (
        edited(("shuffle: true", "shuffle: yes")),
        [f"{T}: line 3: shuffle: expected true or false, found 'yes'"],
    ),
    "resubmit in quotes is text": (
        edited(("resubmit: true", 'resubmit: "true"')),
        [f"{T}: line 4: resubmit: expected true or false, found text in quotes"],
    ),
    "resubmit is a number": (
        edited(("resubmit: true", "resubmit: 1")),
        [f"{T}: line 4: resubmit: expected true or false, found '1'"],
    ),
    "extensions is not a mapping": (
        edited(("extensions:\n  student03: 2026-12-13T23:00:00+01:00", "extensions: [student03]")),
        [f"{T}: line 5: extensions: expected a mapping of student id to due (student03: ...), found a list"],
    ),
    "extension for a student not in the class": (
        edited(("  student03:", "  student09:")),
        [f"{T}: line 6: extensions.student09: 'student09' is not a student of the class list"],
    ),
    "extension for a student in another case": (
        edited(("  student03:", "  Student03:")),
        [
            f"{T}: line 6: extensions.Student03: 'Student03' is not a student of the class list; "
            "did you mean 'student03'?"
        ],
    ),
    "extension listed twice": (
        edited(
            (
                "  student03: 2026-12-13T23:00:00+01:00",
                "  student03: 2026-12-13T23:00:00+01:00\n  STUDENT03: 2026-12-14T23:00:00+01:00",
            )
        ),
        [
            f"{T}: line 7: extensions.STUDENT03: student id 'STUDENT03' is the same as 'student03' (line 6) "
            "except for case"
        ],
    ),
    "extension before the due": (
        edited(("  student03: 2026-12-13T23:00:00+01:00", "  student03: 2026-12-09T23:00:00+01:00")),
        [
            f"{T}: line 6: extensions.student03: 2026-12-09T23:00:00+01:00 is before the test's due "
            "(2026-12-10T23:00:00+01:00): an extension gives a student more time"
        ],
    ),
    "extension that is no date-time": (
        edited(("  student03: 2026-12-13T23:00:00+01:00", "  student03: next week")),
        [f"{T}: line 6: extensions.student03: 'next week' is not an ISO 8601 date-time ({DUE_EXAMPLE})"],
    ),
    "extension without offset": (
        edited(("  student03: 2026-12-13T23:00:00+01:00", "  student03: 2026-12-13T23:00:00")),
        [f"{T}: line 6: extensions.student03: '2026-12-13T23:00:00' has no UTC offset or time zone ({DUE_EXAMPLE})"],
    ),
    "extension id unusable in S3 keys": (
        edited(("  student03:", "  anna/k:")),
        [f"{T}: line 6: extensions.anna/k: 'anna/k' cannot be used as a student id: {RULE}"],
    ),
    "zero points": (
        edited(("points: 2", "points: 0")),
        [f"{T}: line 13: questions[0].points: points must be more than 0, found 0"],
    ),
    "negative points": (
        edited(("points: 0.5", "points: -1.5")),
        [f"{T}: line 21: questions[1].points: points must be more than 0, found -1.5"],
    ),
    "too many points": (
        edited(("points: 2", "points: 1000.5")),
        [f"{T}: line 13: questions[0].points: points must be at most 1000, found 1000.5"],
    ),
    "points as a word": (
        edited(("points: 2", "points: two")),
        [f"{T}: line 13: questions[0].points: expected a number of points (e.g. 2 or 0.5), found 'two'"],
    ),
    "points in quotes": (
        edited(("points: 2", 'points: "2"')),
        [f"{T}: line 13: questions[0].points: expected a number of points (e.g. 2 or 0.5), found text in quotes"],
    ),
    "points true": (
        edited(("points: 2", "points: true")),
        [f"{T}: line 13: questions[0].points: expected a number of points (e.g. 2 or 0.5), found true/false"],
    ),
    "points infinite": (
        edited(("points: 2", "points: .inf")),
        [f"{T}: line 13: questions[0].points: expected a number of points (e.g. 2 or 0.5), found '.inf'"],
    ),
    "empty answer list": (
        edited(("answer: [c, a]", "answer: []")),
        [f"{T}: line 11: questions[0].answer: needs at least 1 right choice: a list of choice ids, e.g. [a, c]"],
    ),
    "answer lists a choice twice": (
        edited(("answer: [c, a]", "answer: [c, a, c]")),
        [f"{T}: line 11: questions[0].answer[2]: duplicate choice 'c' (first at line 11)"],
    ),
    "answer lists a choice twice in another case": (
        edited(("answer: [c, a]", "answer:\n      - c\n      - C")),
        [f"{T}: line 13: questions[0].answer[1]: choice 'C' is the same as 'c' (line 12) except for case"],
    ),
    "answer lists what is no choice": (
        edited(("answer: [c, a]", "answer: [c, e]")),
        [f"{T}: line 11: questions[0].answer[1]: 'e' is not one of the choices (a, b, c)"],
    ),
    "answer is a mapping": (
        edited(("answer: [c, a]", "answer: {c: yes}")),
        [f"{T}: line 11: questions[0].answer: expected an id, found a mapping"],
    ),
    "partial with one right choice": (
        edited(("    answer: b\n", "    answer: b\n    partial: false\n")),
        [
            f"{T}: line 21: questions[1].partial: partial credit is for a question with several right choices: "
            "write its answer as a list, e.g. [a, c]"
        ],
    ),
    "partial is not true/false": (
        edited(("partial: true", "partial: some")),
        [f"{T}: line 12: questions[0].partial: expected true or false, found 'some'"],
    ),
    "empty explanation": (
        edited(("explanation: RFC 1918 reserves them.", 'explanation: ""')),
        [f"{T}: line 14: questions[0].explanation: expected text, found empty text"],
    ),
    "unknown question key with a hint": (
        edited(("points: 0.5", "point: 0.5")),
        [f"{T}: line 21: questions[1].point: unknown key (did you mean 'points'?)"],
    ),
}


@pytest.mark.parametrize("case", MISTAKES, ids=list(MISTAKES))
def test_each_mistake_in_the_options_is_reported_with_file_field_and_line(make_content: MakeContent, case: str) -> None:
    text, expected = MISTAKES[case]
    assert problems_of(make_content, {T: text}) == expected


def test_extensions_are_not_checked_against_a_class_list_with_problems(make_content: MakeContent) -> None:
    broken = STUDENTS_YML.replace("email: student02@example.com", "email: not-an-address")
    problems = problems_of(make_content, {"students.yml": broken, T: edited(("  student03:", "  student09:"))})
    assert problems == [
        "students.yml: line 6: [1].email: 'not-an-address' is not a valid e-mail address: An email address must have "
        "an @-sign."
    ]


def test_an_extension_may_equal_the_due_and_a_test_may_have_no_due(make_content: MakeContent) -> None:
    same = edited(("  student03: 2026-12-13T23:00:00+01:00", "  student03: 2026-12-10T23:00:00+01:00"))
    assert load_content(make_content({T: same})).tests[0].extensions == (
        ("student03", datetime(2026, 12, 10, 23, tzinfo=CET)),
    )
    undated = edited(("due: 2026-12-10T23:00:00+01:00\n", ""))
    assert load_content(make_content({T: undated})).tests[0].due is None


def test_the_model_carries_every_option(make_content: MakeContent) -> None:
    (test,) = load_content(make_content({T: OPTIONS_YML})).tests
    assert (test.shuffle, test.resubmit) == (True, True)
    assert test.extensions == (("student03", datetime(2026, 12, 13, 23, tzinfo=CET)),)
    first, second = test.questions
    assert first.answer == ("a", "c")  # in the question's choice order, whatever the order written
    assert (first.question.points, first.question.multiple, first.question.partial) == (2, True, True)
    assert first.explanation == "RFC 1918 reserves them."
    assert (second.answer, second.question.points, second.question.multiple, second.explanation) == (
        "b",
        0.5,
        False,
        None,
    )
    assert test.key_entries() == (
        KeyEntry("1", ("a", "c"), 2, True, "RFC 1918 reserves them."),
        KeyEntry("2", "b", 0.5),
    )


def test_yaml_booleans_and_numbers_in_every_spelling_allowed(make_content: MakeContent) -> None:
    text = edited(
        ("shuffle: true", "shuffle: False"), ("resubmit: true", "resubmit: TRUE"), ("points: 2", "points: 3.0")
    )
    (test,) = load_content(make_content({T: text})).tests
    assert (test.shuffle, test.resubmit, test.questions[0].question.points) == (False, True, 3)
    assert isinstance(test.questions[0].question.points, int)  # written as 3, not 3.0


def rendered(folder: Path) -> dict[str, bytes]:
    content = load_content(folder)
    return render_objects(content, build_catalog(None, content, NOW, "Europe/Warsaw"), {}, None)


def test_questions_json_never_holds_an_answer_or_an_explanation(make_content: MakeContent) -> None:
    objects = rendered(make_content({T: OPTIONS_YML}))
    assert (
        objects["networks/test01/questions.json"].decode()
        == """\
[
  {
    "questionId": "1",
    "question": "Which are private IPv4 ranges?",
    "answers": [
      {
        "answerId": "a",
        "answerBody": "10.0.0.0/8"
      },
      {
        "answerId": "b",
        "answerBody": "8.8.8.0/24"
      },
      {
        "answerId": "c",
        "answerBody": "192.168.0.0/16"
      }
    ],
    "points": 2,
    "multiple": true,
    "partial": true
  },
  {
    "questionId": "2",
    "question": "Which protocol is connectionless?",
    "answers": [
      {
        "answerId": "a",
        "answerBody": "TCP"
      },
      {
        "answerId": "b",
        "answerBody": "UDP"
      }
    ],
    "points": 0.5
  }
]
"""
    )
    assert (
        objects["networks/test01/questionsKey.json"].decode()
        == """\
[
  {
    "questionId": "1",
    "answer": [
      "a",
      "c"
    ],
    "points": 2,
    "partial": true,
    "explanation": "RFC 1918 reserves them."
  },
  {
    "questionId": "2",
    "answer": "b",
    "points": 0.5
  }
]
"""
    )


def test_a_test_without_options_renders_the_documents_of_before(make_content: MakeContent) -> None:
    objects = rendered(make_content())
    assert json.loads(objects["networks/test01/questionsKey.json"]) == [
        {"questionId": "1", "answer": "a"},
        {"questionId": "2", "answer": "b"},
    ]
    assert [sorted(entry) for entry in json.loads(objects["networks/test01/questions.json"])] == [
        ["answers", "question", "questionId"]
    ] * 2
    (entry,) = json.loads(objects["catalog.json"])["tests"]
    assert sorted(entry) == ["closedAt", "due", "firstPublished", "questionCount", "subject", "testId", "title"]


def test_the_catalog_carries_the_options_and_a_republication_without_extensions_removes_them(
    make_content: MakeContent,
) -> None:
    extended = load_content(make_content({T: OPTIONS_YML}))
    first = read_catalog(catalog_document(build_catalog(None, extended, NOW, "Europe/Warsaw").tests.values()))
    entry = first.tests[("networks", "test01")]
    assert (entry.shuffle, entry.resubmit) == (True, True)
    assert entry.extensions == (("student03", datetime(2026, 12, 13, 22, tzinfo=UTC)),)
    assert entry.deadline_for("student03") == datetime(2026, 12, 13, 22, tzinfo=UTC)
    assert catalog_changes(None, first).extensions == (("networks/test01", "student03", entry.extensions[0][1]),)

    plain = load_content(make_content({T: edited(("extensions:\n  student03: 2026-12-13T23:00:00+01:00\n", ""))}))
    second = build_catalog(first, plain, NOW + timedelta(days=1), "Europe/Warsaw")
    again = second.tests[("networks", "test01")]
    assert (again.extensions, again.shuffle, again.resubmit) == ((), True, True)
    assert catalog_changes(first, second).extensions == (("networks/test01", "student03", None),)
    assert "extensions" not in json.loads(catalog_document(second.tests.values()))["tests"][0]
    assert catalog_changes(second, second).extensions == ()


def test_a_closed_test_keeps_its_extensions(make_content: MakeContent) -> None:
    extended = load_content(make_content({T: OPTIONS_YML}))
    first = build_catalog(None, extended, NOW, "Europe/Warsaw")
    gone = load_content(make_content({T: None, "subjects/networks/test02.yml": TEST_YML}))
    closed = build_catalog(first, gone, NOW + timedelta(days=1), "Europe/Warsaw").tests[("networks", "test01")]
    assert closed.closed_at is not None and closed.extensions == first.tests[("networks", "test01")].extensions


def test_the_original_layout_may_carry_the_published_options(make_content: MakeContent) -> None:
    folder = "subjects/networks/legacy01"
    published = rendered(make_content({T: OPTIONS_YML}))
    content = {
        f"{folder}/questions.json": published["networks/test01/questions.json"].decode(),
        f"{folder}/questionsKey.json": published["networks/test01/questionsKey.json"].decode(),
    }
    objects = rendered(make_content({T: None, **content}))
    for name in ("questions.json", "questionsKey.json"):
        assert objects[f"networks/legacy01/{name}"] == published[f"networks/test01/{name}"]
    key = parse_answer_key("k", objects["networks/legacy01/questionsKey.json"])
    assert (key.max_points, key.weighted) == (2.5, True)


def test_the_original_layout_refuses_options_of_the_wrong_type(make_content: MakeContent) -> None:
    folder = "subjects/networks/legacy01"
    questions = rendered(make_content())["networks/test01/questions.json"].decode()
    key = (
        '[\n  {"questionId": "1", "answer": ["a", "b"], "points": "2", "partial": "true"},\n'
        '  {"questionId": "2", "answer": "b", "explanation": 3}\n]\n'
    )
    files = {T: None, f"{folder}/questions.json": questions, f"{folder}/questionsKey.json": key}
    assert problems_of(make_content, files) == [
        f"{folder}/questionsKey.json: line 2: [0].points: expected a number of points (e.g. 2 or 0.5), found text",
        f"{folder}/questionsKey.json: line 2: [0].partial: expected true or false, found text",
        f"{folder}/questionsKey.json: line 3: [1].explanation: expected text, found a number",
    ]


def test_points_of_hundreds_of_digits_are_refused_with_their_line(make_content: MakeContent) -> None:
    folder = "subjects/networks/legacy01"
    questions = rendered(make_content())["networks/test01/questions.json"].decode()
    key = (
        f'[\n  {{"questionId": "1", "answer": "a", "points": {10**400}}},\n  {{"questionId": "2", "answer": "b"}}\n]\n'
    )
    files = {T: None, f"{folder}/questions.json": questions, f"{folder}/questionsKey.json": key}
    assert problems_of(make_content, files) == [
        f"{folder}/questionsKey.json: line 2: [0].points: expected a number of points (e.g. 2 or 0.5), "
        "found a number that is not finite"
    ]


def test_the_shipped_example_uses_every_option_and_publishes() -> None:
    content = load_content(REPO / "content")
    test = next(test for test in content.tests if test.test_id == "test02")
    assert (test.shuffle, test.resubmit) == (True, True)
    assert [student for student, _ in test.extensions] == ["student03"]  # a student of content/students.yml
    questions = [authored.question for authored in test.questions]
    assert any(q.multiple and q.partial for q in questions) and any(q.multiple and not q.partial for q in questions)
    assert any(q.points != 1 for q in questions) and any(authored.explanation for authored in test.questions)
    assert test.due is not None and test.due > datetime(2027, 1, 1, tzinfo=UTC)
    objects = render_objects(content, build_catalog(None, content, NOW, "Europe/Warsaw"), {}, None)
    published = parse_questions("q", objects["operating-systems/test02/questions.json"])
    assert [q.multiple for q in published] == [q.multiple for q in questions]
    assert parse_answer_key("k", objects["operating-systems/test02/questionsKey.json"]).explanations
    assert b"explanation" not in objects["operating-systems/test02/questions.json"]

"""Malformed content: every mistake is reported, with the file, the field and the line, before anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from content_support import STUDENTS_YML, TEST_YML, MakeContent

from ops.content import ContentError, load_content
from testtime.deadlines import to_iso

T = "subjects/networks/test01.yml"

CASES: dict[str, tuple[dict[str, str | None], list[str]]] = {
    "yaml syntax": (
        {"students.yml": "- id: student01\n  name: Anna\n email: a@example.com\n"},
        [
            "students.yml: line 3: not valid YAML: while parsing a block collection, expected <block end>, "
            "but found '<block mapping start>' (column 2)"
        ],
    ),
    "json syntax": (
        {"students.yml": None, "studentsList.json": '[\n  {"student_id": "s1", "email": "s1@example.com",}\n]\n'},
        ["studentsList.json: line 2: not valid JSON: Expecting property name enclosed in double quotes (column 50)"],
    ),
    "unknown key with a hint": (
        {"students.yml": "- id: student01\n  name: Anna\n  mail: a@example.com\n"},
        [
            "students.yml: line 3: [0].mail: unknown key (did you mean 'email'?)",
            "students.yml: line 1: [0]: missing required key 'email'",
        ],
    ),
    "unknown top-level key": (
        {T: TEST_YML + "deadline: 2026-11-30T23:00:00+01:00\n"},
        [f"{T}: line 16: deadline: unknown key (expected one of title, questions, due, shuffle, resubmit, extensions)"],
    ),
    "class list is not a list": (
        {"students.yml": "student01: a@example.com\n"},
        ["students.yml: line 1: expected a list of students, found a mapping"],
    ),
    "duplicate student id": (
        {"students.yml": STUDENTS_YML + "- id: student02\n  name: Again\n  email: again@example.com\n"},
        ["students.yml: line 10: [3].id: duplicate student id 'student02' (first at line 4)"],
    ),
    "student id unusable in S3 keys": (
        {"students.yml": "- id: anna/k\n  name: Anna\n  email: a@example.com\n"},
        [
            "students.yml: line 1: [0].id: 'anna/k' cannot be used as a student id: use 1 to 64 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        ],
    ),
    "reserved student id": (
        {"students.yml": "- id: trainer\n  name: Anna\n  email: a@example.com\n"},
        ["students.yml: line 1: [0].id: 'trainer' is reserved (it names the trainer's API key)"],
    ),
    "e-mail syntax": (
        {"students.yml": "- id: student01\n  name: Anna\n  email: anna.example.com\n"},
        [
            "students.yml: line 3: [0].email: 'anna.example.com' is not a valid e-mail address: An email address "
            "must have an @-sign."
        ],
    ),
    "answer not among the choices": (
        {T: TEST_YML.replace("answer: b", "answer: e")},
        [f"{T}: line 15: questions[1].answer: 'e' is not one of the choices (a, b, c)"],
    ),
    "duplicate question id": (
        {T: TEST_YML.replace("id: 2", "id: 1")},
        [f"{T}: line 9: questions[1].id: duplicate question id '1' (first at line 3)"],
    ),
    "duplicate choice id": (
        {T: TEST_YML.replace("c: SCTP", "b: SCTP")},
        [f"{T}: line 14: questions[1].choices.b: duplicate key 'b' (first at line 13)"],
    ),
    "one choice only": (
        {T: "title: T\nquestions:\n  - id: 1\n    text: Q\n    choices: {a: yes}\n    answer: a\n"},
        [f"{T}: line 5: questions[0].choices: needs at least 2 choices, found 1"],
    ),
    "no question": (
        {T: "title: T\nquestions: []\n"},
        [f"{T}: line 2: questions: needs at least 1 question"],
    ),
    "choices of the wrong type": (
        {T: "title: T\nquestions:\n  - id: 1\n    text: Q\n    choices: [x, y]\n    answer: x\n"},
        [f"{T}: line 5: questions[0].choices: expected a mapping of choice id to text (a: ..., b: ...), found a list"],
    ),
    "missing answer and empty text": (
        {T: "title: T\nquestions:\n  - id: 1\n    text: ''\n    choices: {a: x, b: y}\n"},
        [
            f"{T}: line 3: questions[0]: missing required key 'answer'",
            f"{T}: line 4: questions[0].text: expected text, found empty text",
        ],
    ),
    "deadline without offset": (
        {T: "due: 2026-11-30T23:00:00\n" + TEST_YML},
        [
            f"{T}: line 1: due: '2026-11-30T23:00:00' has no UTC offset or time zone "
            "(e.g. 2026-11-30T23:00:00+01:00 or 2026-11-30T23:00 Europe/Warsaw)"
        ],
    ),
    "deadline that is no date": (
        {T: "due: next monday\n" + TEST_YML},
        [
            f"{T}: line 1: due: 'next monday' is not an ISO 8601 date-time "
            "(e.g. 2026-11-30T23:00:00+01:00 or 2026-11-30T23:00 Europe/Warsaw)"
        ],
    ),
    "deadline in an unknown zone": (
        {T: "due: 2026-11-30T23:00 Europe/Atlantis\n" + TEST_YML},
        [
            f"{T}: line 1: due: unknown time zone 'Europe/Atlantis' in '2026-11-30T23:00 Europe/Atlantis' "
            "(e.g. 2026-11-30T23:00:00+01:00 or 2026-11-30T23:00 Europe/Warsaw)"
        ],
    ),
    "test id unusable in S3 keys": (
        {"subjects/networks/test 02.yml": TEST_YML},
        [
            "subjects/networks/test 02.yml: the name 'test 02' cannot be used as a test id: use 1 to 64 letters, "
            "digits, '.', '_' or '-', starting with a letter or digit"
        ],
    ),
    "subject reserved for the service": (
        {"subjects/scorer/test01.yml": TEST_YML},
        ["subjects/scorer: the name 'scorer' is reserved for the service's own data"],
    ),
    "test defined twice": (
        {"subjects/networks/test01.yaml": TEST_YML},
        [f"{T}: test 'test01' is already defined by subjects/networks/test01.yaml"],
    ),
    "test outside a subject folder": (
        {"subjects/test02.yml": TEST_YML},
        ["subjects/test02.yml: a test belongs in a subject folder, e.g. subjects/<subject>/test02.yml"],
    ),
    "two class lists": (
        {"studentsList.json": '[{"student_id": "s1", "email": "s1@example.com"}]'},
        ["studentsList.json: only one class list may be present, found students.yml and studentsList.json"],
    ),
    "no class list": (
        {"students.yml": None},
        ["students.yml: missing: the class list (a list of id, name, email)"],
    ),
    "legacy answer key not matching the questions": (
        {
            "subjects/networks/test02/questions.json": (
                '[\n  {"questionId": "1", "question": "Q1", "answers": [{"answerId": "a", "answerBody": "x"},'
                ' {"answerId": "b", "answerBody": "y"}]},\n'
                '  {"questionId": "2", "question": "Q2", "answers": [{"answerId": "a", "answerBody": "x"},'
                ' {"answerId": "b", "answerBody": "y"}]}\n]\n'
            ),
            "subjects/networks/test02/questionsKey.json": (
                '[\n  {"questionId": "1", "answer": "c"},\n  {"questionId": "7", "answer": "a"}\n]\n'
            ),
        },
        [
            "subjects/networks/test02/questionsKey.json: line 2: [0].answer: 'c' is not one of the choices (a, b)",
            "subjects/networks/test02/questionsKey.json: line 3: [1].questionId: '7' is not a questionId of "
            "questions.json",
            "subjects/networks/test02/questionsKey.json: line 1: no answer for questionId '2'",
        ],
    ),
    "legacy test folder without its answer key": (
        {"subjects/networks/test02/questions.json": "[]"},
        [
            "subjects/networks/test02: a test folder needs questions.json and questionsKey.json; "
            "missing questionsKey.json"
        ],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_mistake_is_reported_with_file_field_and_line(make_content: MakeContent, case: str) -> None:
    files, expected = CASES[case]
    with pytest.raises(ContentError) as raised:
        load_content(make_content(files))
    assert [str(problem) for problem in raised.value.problems] == expected


def test_every_mistake_of_every_file_is_collected(make_content: MakeContent) -> None:
    folder = make_content(
        {
            "students.yml": "- id: student01\n  name: Anna\n  email: anna@\n- id: student01\n  name: B\n"
            "  email: b@example.com\n",
            T: TEST_YML.replace("answer: a", "answer: z").replace("text: Which protocol", "txt: Which protocol"),
        }
    )
    with pytest.raises(ContentError) as raised:
        load_content(folder)
    assert str(raised.value).splitlines() == [
        "students.yml: line 3: [0].email: 'anna@' is not a valid e-mail address: There must be something after "
        "the @-sign.",
        "students.yml: line 4: [1].id: duplicate student id 'student01' (first at line 1)",
        f"{T}: line 8: questions[0].answer: 'z' is not one of the choices (a, b)",
        f"{T}: line 10: questions[1].txt: unknown key (did you mean 'text'?)",
        f"{T}: line 9: questions[1]: missing required key 'text'",
    ]


def test_yaml_scalars_stay_the_text_typed(make_content: MakeContent) -> None:
    """``id: 010`` is not 8, ``answer: yes`` is not True: ids are compared as the trainer wrote them."""
    test = "title: T\nquestions:\n  - id: 010\n    text: Q\n    choices: {yes: sure, no: never}\n    answer: yes\n"
    content = load_content(make_content({T: test}))
    authored = content.tests[0].questions[0]
    question = authored.question
    assert (question.question_id, authored.answer, [choice.answer_id for choice in question.choices]) == (
        "010",
        "yes",
        ["yes", "no"],
    )


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2026-11-30T23:00:00+01:00", "2026-11-30T22:00:00+00:00"),
        ("2026-11-30 23:00:00 +01:00", "2026-11-30T22:00:00+00:00"),
        ("2026-11-30T22:00:00Z", "2026-11-30T22:00:00+00:00"),
        ("2026-06-30T23:00 Europe/Warsaw", "2026-06-30T21:00:00+00:00"),
        ("'2026-06-30T23:00[Europe/Warsaw]'", "2026-06-30T21:00:00+00:00"),
    ],
)
def test_deadlines_with_offset_or_zone_are_accepted(make_content: MakeContent, due: str, expected: str) -> None:
    test = load_content(make_content({T: f"due: {due}\n" + TEST_YML})).tests[0]
    assert test.due is not None
    assert to_iso(test.due) == expected


def test_missing_content_folder_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as raised:
        load_content(tmp_path / "nowhere")
    assert [str(p) for p in raised.value.problems] == [f"{tmp_path / 'nowhere'}: the content folder does not exist"]

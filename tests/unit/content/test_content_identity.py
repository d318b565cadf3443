"""One person, one id: ids and e-mail addresses that differ only in case are one to a person and one file on the
case-insensitive disks trainers edit content on (macOS, Windows), so the second of them is refused, naming the first.
Reserved names are refused in any case. The rule holds within one content folder (issue 18, point 4)."""

from __future__ import annotations

import json
import unicodedata

import pytest
from content_support import STUDENTS_YML, TEST_YML, FakeDeployment, MakeContent

import ops.publish
from ops.content import ContentError, load_content
from testtime import layout

T = "subjects/networks/test01.yml"
ANNA = "- id: student01\n  name: Anna Kowalska\n  email: student01@example.com\n"


def student(student_id: str, email: str) -> str:
    return f"- id: {student_id}\n  name: Someone\n  email: {email}\n"


def legacy_list(*rows: tuple[str, str]) -> str:
    return json.dumps([{"student_id": sid, "email": email} for sid, email in rows], indent=2) + "\n"


def legacy_questions(*question_ids: str, choice_ids: tuple[str, str] = ("a", "b")) -> str:
    answers = [{"answerId": choice, "answerBody": f"choice {choice}"} for choice in choice_ids]
    return json.dumps(
        [{"questionId": q, "question": f"Question {q}?", "answers": answers} for q in question_ids], indent=2
    )


def legacy_key(*question_ids: str) -> str:
    return json.dumps([{"questionId": q, "answer": "a"} for q in question_ids], indent=2)


# A legacy test folder (questions.json + questionsKey.json), written as one file per key of make_content's files.
LEGACY_TEST01 = {
    "subjects/networks/TEST01/questions.json": legacy_questions("1"),
    "subjects/networks/TEST01/questionsKey.json": legacy_key("1"),
}

CASES: dict[str, tuple[dict[str, str | None], list[str]]] = {
    "student ids differing only in case": (
        {"students.yml": STUDENTS_YML + student("Student01", "other@example.com")},
        ["students.yml: line 10: [3].id: student id 'Student01' is the same as 'student01' (line 1) except for case"],
    ),
    "student ids of the original list differing only in case": (
        {
            "students.yml": None,
            "studentsList.json": legacy_list(("student01", "a@example.com"), ("STUDENT01", "b@example.com")),
        },
        [
            "studentsList.json: line 7: [1].student_id: student id 'STUDENT01' is the same as 'student01' (line 3) "
            "except for case"
        ],
    ),
    "reserved student id in another case": (
        {"students.yml": ANNA + student("Trainer", "t@example.com") + student("TRAINER", "u@example.com")},
        [
            "students.yml: line 4: [1].id: 'Trainer' is reserved (it names the trainer's API key)",
            "students.yml: line 7: [2].id: 'TRAINER' is reserved (it names the trainer's API key)",
        ],
    ),
    "student id naming a test's own file": (
        {"students.yml": ANNA + student("questions.json", "q@example.com") + student("QuestionsKey.JSON", "k@x.org")},
        [
            "students.yml: line 4: [1].id: 'questions.json' is reserved (a test's own file in the bucket has that "
            "name)",
            "students.yml: line 7: [2].id: 'QuestionsKey.JSON' is reserved (a test's own file in the bucket has that "
            "name)",
        ],
    ),
    "the same e-mail address twice": (
        {"students.yml": STUDENTS_YML + student("student04", "student02@example.com")},
        ["students.yml: line 12: [3].email: duplicate e-mail address 'student02@example.com' (first at line 6)"],
    ),
    "e-mail addresses differing only in case": (
        {"students.yml": STUDENTS_YML + student("student04", "Student02@EXAMPLE.com")},
        [
            "students.yml: line 12: [3].email: e-mail address 'Student02@EXAMPLE.com' is the same as "
            "'student02@example.com' (line 6) except for case"
        ],
    ),
    "e-mail addresses differing in the case of non-ASCII letters": (
        {"students.yml": student("lukasz", "łukasz@example.com") + student("lukasz2", "ŁUKASZ@example.com")},
        [
            "students.yml: line 6: [1].email: e-mail address 'ŁUKASZ@example.com' is the same as "
            "'łukasz@example.com' (line 3) except for case"
        ],
    ),
    "e-mail addresses alike but for blanks around them": (
        {"students.yml": ANNA + student("student02", "'  student01@example.com '")},
        ["students.yml: line 6: [1].email: duplicate e-mail address 'student01@example.com' (first at line 3)"],
    ),
    "e-mail addresses of the original list differing only in case": (
        {
            "students.yml": None,
            "studentsList.json": legacy_list(("student01", "a@example.com"), ("student02", "A@example.com")),
        },
        [
            "studentsList.json: line 8: [1].email: e-mail address 'A@example.com' is the same as 'a@example.com' "
            "(line 4) except for case"
        ],
    ),
    "test files differing only in case": (
        {"subjects/networks/Test01.yml": TEST_YML},
        [f"{T}: test 'test01' is the same as 'Test01' (subjects/networks/Test01.yml) except for case"],
    ),
    "a test file and an original test folder differing only in case": (
        LEGACY_TEST01,
        [f"{T}: test 'test01' is the same as 'TEST01' (subjects/networks/TEST01) except for case"],
    ),
    "a test file with an upper-case suffix": (
        {"subjects/networks/test02.YML": TEST_YML},
        ["subjects/networks/test02.YML: a test file's name ends in .yml or .yaml, in lower case"],
    ),
    "subjects differing only in case": (
        {"subjects/Networks/test02.yml": TEST_YML},
        ["subjects/networks: subject 'networks' is the same as 'Networks' (subjects/Networks) except for case"],
    ),
    "reserved subjects in another case or naming the service's own files": (
        {
            "subjects/Submitted/test01.yml": TEST_YML,
            "subjects/SCORER/test01.yml": TEST_YML,
            "subjects/catalog.json/test01.yml": TEST_YML,
            "subjects/StudentsList.json/test01.yml": TEST_YML,
            "subjects/trainer.JSON/test01.yml": TEST_YML,
        },
        [
            "subjects/SCORER: the name 'SCORER' is reserved for the service's own data",
            "subjects/StudentsList.json: the name 'StudentsList.json' is reserved for the service's own data",
            "subjects/Submitted: the name 'Submitted' is reserved for the service's own data",
            "subjects/catalog.json: the name 'catalog.json' is reserved for the service's own data",
            "subjects/trainer.JSON: the name 'trainer.JSON' is reserved for the service's own data",
        ],
    ),
    "test ids naming an original test's files": (
        {"subjects/networks/Questions.json.yml": TEST_YML, "subjects/networks/questionsKey.JSON/notes.txt": "x"},
        [
            "subjects/networks/Questions.json.yml: the name 'Questions.json' cannot be a test id: it names a test's "
            "own file",
            "subjects/networks/questionsKey.JSON: the name 'questionsKey.JSON' cannot be a test id: it names a "
            "test's own file",
        ],
    ),
    "an original test's files out of their folder": (
        {"subjects/networks/questions.json": legacy_questions("1"), "subjects/networks/questionsKey.json": "[]"},
        [
            "subjects/networks/questions.json: an original test's files belong in a folder of their own: "
            "subjects/networks/<testId>/questions.json",
            "subjects/networks/questionsKey.json: an original test's files belong in a folder of their own: "
            "subjects/networks/<testId>/questionsKey.json",
        ],
    ),
    "the class list in another case": (
        {"students.yml": None, "Students.yml": STUDENTS_YML, "STUDENTSLIST.json": legacy_list()},
        [
            "students.yml: missing: the class list (a list of id, name, email)",
            "STUDENTSLIST.json: the class list is named 'studentsList.json', in exactly that case",
            "Students.yml: the class list is named 'students.yml', in exactly that case",
        ],
    ),
    "the subjects folder in another case": (
        {T: None, "Subjects/networks/test01.yml": TEST_YML},
        ["Subjects: the folder of subjects is named 'subjects', in lower case"],
    ),
    "question ids differing only in case": (
        {T: TEST_YML.replace("id: 1", "id: q").replace("id: 2", "id: Q")},
        [f"{T}: line 9: questions[1].id: question id 'Q' is the same as 'q' (line 3) except for case"],
    ),
    "choice ids differing only in case": (
        {T: TEST_YML.replace("b: transport", "A: transport")},
        [f"{T}: line 7: questions[0].choices.A: choice id 'A' is the same as 'a' (line 6) except for case"],
    ),
    "question and choice ids of an original test differing only in case": (
        {
            "subjects/networks/test02/questions.json": legacy_questions("q1", "Q1", choice_ids=("a", "A")),
            "subjects/networks/test02/questionsKey.json": legacy_key("q1", "Q1"),
        },
        [
            "subjects/networks/test02/questions.json: line 11: [0].answers[1].answerId: choice id 'A' is the same "
            "as 'a' (line 7) except for case",
            "subjects/networks/test02/questions.json: line 17: [1].questionId: questionId 'Q1' is the same as 'q1' "
            "(line 3) except for case",
            "subjects/networks/test02/questions.json: line 25: [1].answers[1].answerId: choice id 'A' is the same "
            "as 'a' (line 21) except for case",
        ],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_ids_and_addresses_differing_only_in_case_are_refused(make_content: MakeContent, case: str) -> None:
    files, expected = CASES[case]
    with pytest.raises(ContentError) as raised:
        load_content(make_content(files))
    assert [str(problem) for problem in raised.value.problems] == expected


def test_addresses_alike_but_for_the_encoding_of_an_accent_are_one(make_content: MakeContent) -> None:
    composed = "zoë@example.com"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed  # they look the same, and are one address to a person
    folder = make_content({"students.yml": student("zoe", composed) + student("zoe2", decomposed)})
    with pytest.raises(ContentError) as raised:
        load_content(folder)
    assert [str(problem) for problem in raised.value.problems] == [
        f"students.yml: line 6: [1].email: duplicate e-mail address {decomposed!r} (first at line 3)"
    ]


def test_different_ids_and_addresses_stay_accepted(make_content: MakeContent) -> None:
    """Case is compared, not forbidden: mixed-case ids and addresses that are distinct stay usable as typed."""
    folder = make_content(
        {
            "students.yml": student("Student01", "Anna.K@Example.com") + student("student02", "anna.k2@example.com"),
            "subjects/Networks/Test01.yml": TEST_YML.replace("b: transport", "B: transport"),
            "subjects/networks-2/test01.yml": TEST_YML,
            T: None,
        }
    )
    content = load_content(folder)
    assert [(s.student_id, s.email) for s in content.students] == [
        ("Student01", "Anna.K@Example.com"),
        ("student02", "anna.k2@example.com"),
    ]
    assert [(t.subject, t.test_id) for t in content.tests] == [("Networks", "Test01"), ("networks-2", "test01")]
    assert [c.answer_id for c in content.tests[0].questions[0].question.choices] == ["a", "B"]


def test_the_answer_key_of_an_original_test_matches_its_questions_exactly(make_content: MakeContent) -> None:
    """questionsKey.json names the questions of questions.json: a case variant there is not one of them."""
    folder = make_content(
        {
            "subjects/networks/test02/questions.json": legacy_questions("q1"),
            "subjects/networks/test02/questionsKey.json": legacy_key("q1", "Q1"),
        }
    )
    with pytest.raises(ContentError) as raised:
        load_content(folder)
    assert [str(problem) for problem in raised.value.problems] == [
        "subjects/networks/test02/questionsKey.json: line 7: [1].questionId: 'Q1' is not a questionId of questions.json"
    ]


def test_cli_refuses_a_case_twin_and_leaves_the_published_class_untouched(
    cli: FakeDeployment, make_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ops.publish.main(["--content", str(make_content())]) == 0
    published, keys = cli.objects(), cli.keys()
    capsys.readouterr()
    folder = make_content(
        {
            "students.yml": STUDENTS_YML + student("Student01", "STUDENT03@example.com"),
            "subjects/networks/Test01.yml": TEST_YML.replace("title: Networks", "title: Routing"),
        }
    )
    with pytest.raises(SystemExit) as exited:
        ops.publish.main(["--content", str(folder)])
    assert exited.value.code == 2  # content problems (ops/publish.py): one line each, before any AWS call
    assert capsys.readouterr().err.splitlines() == [
        "students.yml: line 10: [3].id: student id 'Student01' is the same as 'student01' (line 1) except for case",
        "students.yml: line 12: [3].email: e-mail address 'STUDENT03@example.com' is the same as "
        "'student03@example.com' (line 9) except for case",
        f"{T}: test 'test01' is the same as 'Test01' (subjects/networks/Test01.yml) except for case",
    ]
    assert (cli.objects(), cli.keys()) == (published, keys)


def test_an_id_published_before_in_another_case_is_another_student(
    cli: FakeDeployment, make_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rule holds within one content folder: the bucket keeps ids as typed (S3 keys are case sensitive), so a
    student renamed from student01 to Student01 gets a key of their own and student01's key is disabled, as for any
    student removed from the class."""
    assert ops.publish.main(["--content", str(make_content())]) == 0
    renamed = make_content({"students.yml": STUDENTS_YML.replace("id: student01", "id: Student01")})
    assert ops.publish.main(["--content", str(renamed)]) == 0
    capsys.readouterr()
    keys = cli.keys()
    assert (keys["testtime-Student01"]["enabled"], keys["testtime-student01"]["enabled"]) == (True, False)
    class_list = json.loads(cli.objects()[layout.STUDENTS_LIST])
    assert [row["student_id"] for row in class_list] == ["Student01", "student02", "student03"]

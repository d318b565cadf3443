"""documents.submissions: every stored shape of testResult.json read (the 2019 service's bare list included), one
shape written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import normalise, parse_answer_key
from testtime.documents.submissions import Submission, parse_submission, submission_document
from testtime.scoring import GradeScale, score

TEST = "operating-systems/test01"
KEY = f"{TEST}/student01/testResult.json"
RECEIVED = "2026-11-27T10:15:00+00:00"
# tests/fixtures/README.md: what each stored 2019 submission is worth against the legacy answer key.
LEGACY_RIGHT = {"student01": 6, "student02": 4, "student03": 2, "student04": 1}


def parse(document: Any) -> Submission:
    return parse_submission(KEY, json.dumps(document).encode(), "student01")


def stored(legacy_stored: Path, student: str) -> bytes:
    return (legacy_stored / TEST / student / "testResult.json").read_bytes()


def test_the_2019_stored_bare_lists_read_as_they_are(legacy_stored: Path) -> None:
    students = sorted(path.name for path in (legacy_stored / TEST).iterdir())
    assert students == ["student01", "student02", "student03", "student04"]
    for student in students:
        assert json.loads(stored(legacy_stored, student)).__class__ is list  # the fixture is the bare list
        parsed = parse_submission(f"{TEST}/{student}/testResult.json", stored(legacy_stored, student), student)
        assert parsed.legacy and parsed.received_at is None and parsed.student_id == student
    upper = parse_submission(KEY, stored(legacy_stored, "student02"), "student02")
    assert upper.answers == {"1": "a", "2": "c", "3": "b", "4": "c", "5": "a", "6": "a"}
    gap = parse_submission(KEY, stored(legacy_stored, "student03"), "student03")
    assert gap.answers == {"1": "a", "2": "c", "3": "b", "5": "b", "6": "a"}


def test_the_2019_stored_submissions_grade_to_the_counts_the_fixture_readme_gives(
    legacy_stored: Path, legacy_content: Path
) -> None:
    answer_key_file = f"{TEST}/questionsKey.json"
    answer_key = parse_answer_key(answer_key_file, (legacy_content / "subjects" / answer_key_file).read_bytes())
    graded = {
        student: score(
            parse_submission(KEY, stored(legacy_stored, student), student),
            answer_key,
            GradeScale(),
            "operating-systems",
            "test01",
        )
        for student in LEGACY_RIGHT
    }
    assert {student: result.correct for student, result in graded.items()} == LEGACY_RIGHT
    assert {student: result.grade for student, result in graded.items()} == {
        "student01": 5,
        "student02": 3,
        "student03": 2,
        "student04": 1,
    }
    assert [wrong.question_id for wrong in graded["student03"].wrong] == ["3", "4", "5", "6"]
    assert graded["student03"].wrong[1].answer is None  # question 4 was not answered


def test_todays_submission_reads_with_its_receipt_time() -> None:
    parsed = parse(
        {
            "studentId": "student01",
            "subjectName": "operating-systems",
            "testId": "test01",
            "receivedAt": RECEIVED,
            "answers": [{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": None}],
        }
    )
    assert parsed == Submission("student01", {"1": "a", "2": None}, RECEIVED, legacy=False)


@pytest.mark.parametrize(
    "test_result",
    [
        [{"questionId": "1", "answer": " B "}, {"questionId": 2, "answer": "c"}],
        {"1": "B", "2": "C"},
    ],
)
def test_the_2019_clients_object_reads_as_pairs_or_an_object(test_result: Any) -> None:
    parsed = parse({"subjectName": "operating-systems", "testId": "test01", "testResult": test_result})
    assert parsed == Submission("student01", {"1": "b", "2": "c"}, None, legacy=True)


def test_a_repeated_question_counts_once_with_its_first_answer() -> None:
    parsed = parse([{"questionId": "1", "answer": "a"}, {"questionId": " 1 ", "answer": "b"}])
    assert parsed.answers == {"1": "a"}


def test_an_empty_bare_list_is_a_submission_without_answers() -> None:
    assert parse([]) == Submission("student01", {}, None, legacy=True)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "is missing"),
        (b'"a"', "is neither a JSON object nor a list of answers"),
        (b"5", "is neither a JSON object nor a list of answers"),
        (b'{"studentId": "student01"}', 'has neither "answers" nor "testResult"'),
        (b'{"answers": "a"}', "answers is neither a list nor an object"),
        (b'{"answers": [{"questionId": "1"}, {"answer": "a"}]}', "answers entry 1 has no questionId"),
        (b'{"testResult": [{"answer": "a"}]}', "testResult entry 0 has no questionId"),
        (b'{"testResult": null}', "testResult is neither a list nor an object"),
        (b'[{"questionId": "1", "answer": "a"}, "b"]', "entry 1 has no questionId"),
        (b'[{"questionId": null, "answer": "a"}]', "entry 0 has an invalid questionId"),
        (b"[{", "is not JSON: Expecting property name enclosed in double quotes: line 1 column 3 (char 2)"),
    ],
)
def test_a_malformed_submission_names_the_key_and_the_field(body: bytes | None, problem: str) -> None:
    with pytest.raises(MalformedDocument) as caught:
        parse_submission(KEY, body, "student01")
    assert (caught.value.key, caught.value.problem, str(caught.value)) == (KEY, problem, f"{KEY} {problem}")
    assert caught.value.in_file() == f"testResult.json {problem}"  # the trainer's summary row


def test_the_submission_document_is_todays_shape_byte_for_byte() -> None:
    written = submission_document(
        "student01", "operating-systems", "test01", [{"questionId": "1", "answer": "a"}], RECEIVED
    )
    expected = (
        "{\n"
        '  "studentId": "student01",\n'
        '  "subjectName": "operating-systems",\n'
        '  "testId": "test01",\n'
        f'  "receivedAt": "{RECEIVED}",\n'
        '  "answers": [\n'
        "    {\n"
        '      "questionId": "1",\n'
        '      "answer": "a"\n'
        "    }\n"
        "  ]\n"
        "}\n"
    )
    assert written == expected.encode()


IDS = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=6)
ANSWERS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)


@given(st.lists(st.tuples(IDS, ANSWERS), max_size=8, unique_by=lambda pair: pair[0]), st.text(max_size=30))
def test_a_written_submission_reads_back_with_its_answers_normalised(
    pairs: list[tuple[str, str]], received_at: str
) -> None:
    answers = [{"questionId": qid, "answer": answer} for qid, answer in pairs]
    written = submission_document("student01", "operating-systems", "test01", answers, received_at)
    parsed = parse_submission(KEY, written, "student01")
    assert parsed == Submission("student01", {qid: normalise(answer) for qid, answer in pairs}, received_at, False)
    rewritten = [{"questionId": qid, "answer": answer} for qid, answer in parsed.answers.items()]
    again = submission_document("student01", "operating-systems", "test01", rewritten, received_at)
    assert parse_submission(KEY, again, "student01") == parsed  # normalised answers are a fixed point

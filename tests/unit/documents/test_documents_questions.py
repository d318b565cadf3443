"""documents.questions: questions.json (what students see) and questionsKey.json (the answer key), 2019 shapes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import (
    AnswerKey,
    Choice,
    KeyEntry,
    Question,
    answer_key_document,
    answer_pairs,
    normalise,
    parse_answer_key,
    parse_questions,
    public_questions,
    questions_document,
)

TEST = "operating-systems/test01"
QUESTIONS = f"{TEST}/questions.json"
ANSWER_KEY = f"{TEST}/questionsKey.json"


def test_the_2019_questions_read_as_they_are(legacy_content: Path) -> None:
    body = (legacy_content / "subjects" / QUESTIONS).read_bytes()
    questions = parse_questions(QUESTIONS, body)
    assert [question.question_id for question in questions] == ["1", "2", "3", "4", "5", "6"]
    assert questions[0] == Question(
        "1",
        "What is kernel?",
        (
            Choice("a", "kernel is the core component of an operating system"),
            Choice("b", "kernel is an web application"),
            Choice("c", "kernel is a web browser"),
            Choice("d", "none of the mentioned"),
        ),
    )
    assert all(question.choice_ids() == ["a", "b", "c", "d"] for question in questions)
    # What a student sees is the 2019 file itself, field for field.
    assert public_questions(questions) == json.loads(body)


def test_the_2019_answer_key_reads_as_it_is(legacy_content: Path) -> None:
    body = (legacy_content / "subjects" / ANSWER_KEY).read_bytes()
    key = parse_answer_key(ANSWER_KEY, body)
    assert key.answers == (("1", "a"), ("2", "c"), ("3", "a"), ("4", "c"), ("5", "a"), ("6", "d"))
    assert key.questions == 6
    assert key.digest == hashlib.sha256(body).hexdigest()


def test_an_answer_key_may_be_an_object_and_carry_numbers_as_the_2019_data_has() -> None:
    as_object = parse_answer_key(ANSWER_KEY, b'{"1": "a", " 2 ": " C ", "3": 4}')
    as_numbers = parse_answer_key(ANSWER_KEY, b'[{"questionId": 1, "answer": "a"}, {"questionId": 2, "answer": 3}]')
    assert as_object.answers == (("1", "a"), ("2", "C"), ("3", "4"))
    assert as_numbers.answers == (("1", "a"), ("2", "3"))


def test_choice_bodies_are_found_ignoring_case_and_spaces() -> None:
    question = Question("1", "Pick", (Choice("a", "first"), Choice("B", "second")))
    assert question.choice_body(" A ") == "first"
    assert question.choice_body("b") == "second"
    assert question.choice_body("c") is None and question.choice_body(None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" A ", "a"), ("NTLDR", "ntldr"), (3, "3"), (1.5, "1.5"), ("", None), ("  ", None), (None, None), (True, None)],
)
def test_answers_compare_ignoring_case_and_spaces_numbers_as_text(value: Any, expected: str | None) -> None:
    assert normalise(value) == expected
    assert normalise(["a"]) is None and normalise({"a": 1}) is None


def test_a_question_without_text_or_a_choice_without_a_body_reads_as_empty_text() -> None:
    body = json.dumps([{"questionId": "1", "question": None, "answers": [{"answerId": "a", "answerBody": None}]}])
    assert parse_questions(QUESTIONS, body.encode()) == (Question("1", "", (Choice("a", ""),)),)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (None, "is missing"),
        ({"questionId": "1"}, "is not a list of questions"),
        (["1"], "entry 0 has no string questionId"),
        ([{"questionId": 1, "answers": []}], "entry 0 has no string questionId"),
        (
            [{"questionId": "1", "answers": [{"answerId": "a"}]}, {"questionId": "2"}],
            "entry 1: answers is not a list of objects with a string answerId",
        ),
        (
            [{"questionId": "1", "answers": [{"answerId": 1}]}],
            "entry 0: answers is not a list of objects with a string answerId",
        ),
        ([{"questionId": "1", "answers": []}, {"questionId": "1", "answers": []}], "entry 1 repeats questionId '1'"),
    ],
)
def test_malformed_questions_name_the_key_and_the_entry(document: Any, problem: str) -> None:
    body = None if document is None else json.dumps(document).encode()
    with pytest.raises(MalformedDocument) as caught:
        parse_questions(QUESTIONS, body)
    assert (caught.value.key, caught.value.problem, str(caught.value)) == (QUESTIONS, problem, f"{QUESTIONS} {problem}")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "is missing"),
        (b"[]", "has no questions"),
        (b"{}", "has no questions"),
        (b'"a"', "is neither a list nor an object"),
        (b'["a"]', "entry 0 has no questionId"),
        (b'[{"answer": "a"}]', "entry 0 has no questionId"),
        (
            b'[{"questionId": "1", "answer": "a"}, {"questionId": " ", "answer": "b"}]',
            "entry 1 has an invalid questionId",
        ),
        (b'[{"questionId": true, "answer": "a"}]', "entry 0 has an invalid questionId"),
        (b'{" ": "a"}', "has an empty questionId"),
        (b'[{"questionId": "3", "answer": " "}]', "has no answer for question 3"),
        (b'[{"questionId": "3"}]', "has no answer for question 3"),
        (b'{"3": null}', "has no answer for question 3"),
        (b'[{"questionId": "1", "answer": "a"}, {"questionId": 1, "answer": "b"}]', "lists question 1 twice"),
        (b'{"1": "a", " 1": "b"}', "lists question 1 twice"),
        (b"[{", "is not JSON: Expecting property name enclosed in double quotes: line 1 column 3 (char 2)"),
    ],
)
def test_malformed_answer_keys_name_the_key_and_the_question(body: bytes | None, problem: str) -> None:
    with pytest.raises(MalformedDocument) as caught:
        parse_answer_key(ANSWER_KEY, body)
    assert (caught.value.key, caught.value.problem) == (ANSWER_KEY, problem)
    assert caught.value.in_file() == f"questionsKey.json {problem}"


def test_answer_pairs_name_the_field_they_read() -> None:
    assert answer_pairs("k", [{"questionId": 1, "answer": "a"}, {"questionId": "2"}]) == [("1", "a"), ("2", None)]
    with pytest.raises(MalformedDocument, match=r"^k answers entry 1 has no questionId$"):
        answer_pairs("k", [{"questionId": "1"}, {}], "answers ")
    with pytest.raises(MalformedDocument, match=r"^k answers is neither a list nor an object$"):
        answer_pairs("k", "a", "answers ")


def test_the_documents_are_the_2019_shapes_byte_for_byte() -> None:
    questions = (Question("1", "What is kernel?", (Choice("a", "the core"), Choice("b", "a browser"))),)
    assert questions_document(questions) == (
        b"[\n"
        b"  {\n"
        b'    "questionId": "1",\n'
        b'    "question": "What is kernel?",\n'
        b'    "answers": [\n'
        b"      {\n"
        b'        "answerId": "a",\n'
        b'        "answerBody": "the core"\n'
        b"      },\n"
        b"      {\n"
        b'        "answerId": "b",\n'
        b'        "answerBody": "a browser"\n'
        b"      }\n"
        b"    ]\n"
        b"  }\n"
        b"]\n"
    )
    assert answer_key_document([("1", "a")]) == b'[\n  {\n    "questionId": "1",\n    "answer": "a"\n  }\n]\n'


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
IDS = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=6)
QUESTION_LISTS = st.lists(
    st.builds(
        Question,
        question_id=IDS,
        text=TEXT,
        choices=st.lists(st.builds(Choice, answer_id=IDS, body=TEXT), max_size=4).map(tuple),
    ),
    max_size=5,
    unique_by=lambda question: question.question_id,
)


@given(QUESTION_LISTS)
def test_written_questions_read_back_unchanged(questions: list[Question]) -> None:
    assert parse_questions(QUESTIONS, questions_document(questions)) == tuple(questions)


@given(st.lists(st.tuples(IDS, IDS), min_size=1, max_size=8, unique_by=lambda pair: pair[0]))
def test_a_written_answer_key_reads_back_unchanged(pairs: list[tuple[str, str]]) -> None:
    written = answer_key_document(pairs)
    entries = tuple(KeyEntry(*pair) for pair in pairs)
    assert parse_answer_key(ANSWER_KEY, written) == AnswerKey(entries, hashlib.sha256(written).hexdigest())

"""submission: request fields and answers validated against published questions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from api_support import QUESTIONS_NET, legacy_questions
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.codec import dumps
from testtime.documents.questions import Question, parse_questions
from testtime.documents.questions import public_questions as public_question_fields
from testtime.errors import ApiError
from testtime.submission import match_choice, parse_request
from testtime.submission import normalise_answers as normalise_parsed_answers

QUESTIONS = legacy_questions()


def published(questions: Any) -> tuple[Question, ...]:
    """``questions`` as the handlers get them: stored as questions.json, then parsed."""
    return parse_questions("operating-systems/test01/questions.json", dumps(questions))


def normalise_answers(raw: list[Any], questions: Any, field_name: str = "answers") -> list[dict[str, str]]:
    return normalise_parsed_answers(raw, published(questions), field_name)


def public_questions(questions: Any) -> list[dict[str, Any]]:
    return public_question_fields(published(questions))


def error_of(call: Any, *args: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def valid_body(**extra: Any) -> dict[str, Any]:
    return {"subjectName": "operating-systems", "testId": "test01", "answers": [], **extra}


def test_parse_request_reads_fields_and_ignores_unknown_ones() -> None:
    request = parse_request(valid_body(answers=[{"questionId": "1", "answer": "a"}], colour="blue"))
    assert (request.subject, request.test_id, request.answers_field) == ("operating-systems", "test01", "answers")
    assert request.answers == [{"questionId": "1", "answer": "a"}]


def test_test_result_is_accepted_in_place_of_answers() -> None:
    body = valid_body(testResult=[{"questionId": "1", "answer": "a"}])
    del body["answers"]
    assert parse_request(body).answers_field == "testResult"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"testId": "t", "answers": []}, "subjectName: this field is required"),
        (valid_body(subjectName=3), "subjectName: must be a string"),
        (valid_body(testId=None), "testId: must be a string"),
        (valid_body(testId="../x"), "testId: '../x' is not a valid id"),
        (valid_body(subjectName=""), "subjectName: '' is not a valid id"),
        ({"subjectName": "s", "testId": "t"}, "answers: this field is required"),
        (valid_body(answers={"1": "a"}), "answers: must be a list"),
        (valid_body(testResult=[]), "answers: send either answers or testResult, not both"),
    ],
)
def test_parse_request_rejects(body: dict[str, Any], message: str) -> None:
    error = error_of(parse_request, body)
    assert (error.status, error.code) == (400, "bad_request")
    assert error.message.startswith(message)


def test_answers_are_normalised_to_published_ids_and_question_order() -> None:
    raw = [{"questionId": "3", "answer": "B"}, {"questionId": "1", "answer": " a "}, {"questionId": "2", "answer": "c"}]
    assert normalise_answers(raw, QUESTIONS) == [
        {"questionId": "1", "answer": "a"},
        {"questionId": "2", "answer": "c"},
        {"questionId": "3", "answer": "b"},
    ]


def test_unanswered_questions_are_allowed() -> None:
    assert normalise_answers([], QUESTIONS) == []


def test_exact_match_wins_over_case_insensitive_and_ambiguity_is_rejected() -> None:
    assert match_choice("a", ["A", "a"]) == "a"
    assert match_choice("A", ["A", "a"]) == "A"
    assert match_choice("A", ["x", "a"]) == "a"
    assert match_choice(" a", ["A", "a"]) is None


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (
            [
                {"questionId": "1", "answer": "a"},
                {"questionId": "2", "answer": "b"},
                {"questionId": "3", "answer": "e"},
            ],
            "invalid_answer",
            "answers[2].answer: 'e' is not a choice of question 3 (choices: a, b, c, d)",
        ),
        (
            [{"questionId": "9", "answer": "a"}],
            "invalid_answer",
            "answers[0].questionId: '9' is not a question of this test (questions: 1, 2, 3, 4, 5, 6)",
        ),
        (
            [{"questionId": "1", "answer": "a"}, {"questionId": "1", "answer": "b"}],
            "invalid_answer",
            "answers[1].questionId: question 1 is answered more than once",
        ),
        (["a"], "bad_request", "answers[0]: must be an object with questionId and answer"),
        ([{"answer": "a"}], "bad_request", "answers[0].questionId: this field is required"),
        ([{"questionId": "1"}], "bad_request", "answers[0].answer: this field is required"),
        ([{"questionId": 1, "answer": "a"}], "bad_request", "answers[0].questionId: must be a string"),
        ([{"questionId": "1", "answer": None}], "bad_request", "answers[0].answer: must be a string"),
        ([{"questionId": "1", "answer": ""}], "invalid_answer", "answers[0].answer: '' is not a choice of question 1"),
    ],
)
def test_invalid_answers_are_named(raw: list[Any], code: str, message: str) -> None:
    error = error_of(normalise_answers, raw, QUESTIONS)
    assert (error.status, error.code) == (400, code)
    assert error.message.startswith(message)


def test_messages_name_the_field_the_client_used() -> None:
    error = error_of(normalise_answers, [{"questionId": "1", "answer": "z"}], QUESTIONS, "testResult")
    assert error.message.startswith("testResult[0].answer:")


def test_public_questions_drop_anything_but_the_documented_fields() -> None:
    leaky = copy.deepcopy(QUESTIONS_NET)
    leaky[0]["correct"] = "A"
    leaky[0]["answers"][0]["isCorrect"] = True
    assert public_questions(leaky) == QUESTIONS_NET
    assert public_questions(QUESTIONS) == QUESTIONS


@pytest.mark.parametrize(
    "questions",
    [
        {"1": []},
        [{"question": "no id", "answers": []}],
        [{"questionId": "1", "answers": "abcd"}],
        [{"questionId": "1", "answers": [{"answerId": 1}]}],
        [{"questionId": "1", "answers": []}, {"questionId": "1", "answers": []}],
    ],
)
def test_malformed_published_questions_raise(questions: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        published(questions)


def _case_variants(text: str) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from(sorted({c.lower(), c.upper()})) for c in text]).map("".join)


@given(st.data())
def test_any_subset_in_any_order_and_case_normalises_to_question_order(data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.sampled_from([q["questionId"] for q in QUESTIONS]), unique=True))
    picks = {qid: data.draw(st.sampled_from(["a", "b", "c", "d"])) for qid in chosen}
    raw = [{"questionId": qid, "answer": data.draw(_case_variants(picks[qid]))} for qid in chosen]
    result = normalise_answers(data.draw(st.permutations(raw)), QUESTIONS)
    order = [q["questionId"] for q in QUESTIONS]
    assert result == [{"questionId": qid, "answer": picks[qid]} for qid in order if qid in picks]


@given(st.lists(st.fixed_dictionaries({"questionId": st.text(max_size=3), "answer": st.text(max_size=3)})))
def test_arbitrary_answers_either_validate_or_raise_400(raw: list[dict[str, str]]) -> None:
    try:
        result = normalise_answers(raw, QUESTIONS)
    except ApiError as error:
        assert error.status == 400 and error.code in {"bad_request", "invalid_answer"}
    else:
        assert len(result) == len(raw)

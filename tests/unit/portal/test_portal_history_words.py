"""The history page's words put together in portal/history.py: a grade is a number as the others are (``3,5`` in
Polish), and an answer the API gives without its text is shown by its ids, never as "not answered"."""

from __future__ import annotations

import pytest
from flask import Flask
from portal_support import FakeApi

from portal.app import create_app
from portal.history import question, score_lines


def portal(fake_api: FakeApi, language: str) -> Flask:
    environ = {"API_URL": fake_api.url, "PORTAL_SECRET_KEY": "s" * 48, "CLASS_LANGUAGE": language}
    return create_app({"TESTING": True}, environ=environ)


@pytest.mark.parametrize(
    ("language", "grade", "line"),
    [
        ("en", 3.5, "grade 3.5"),
        ("pl", 3.5, "ocena 3,5"),
        ("pl", 5, "ocena 5"),
        ("pl", 4.0, "ocena 4"),
        ("pl", "4+", "ocena 4+"),  # a grade the API words: as it is
    ],
)
def test_the_grade_is_written_as_the_other_numbers(fake_api: FakeApi, language: str, grade: object, line: str) -> None:
    with portal(fake_api, language).test_request_context():
        lines = score_lines({"correct": 3, "questions": 4, "percent": 87.5, "grade": grade})
    assert lines[-1] == line
    assert lines[-2] == ("87,5%" if language == "pl" else "87.5%")


@pytest.mark.parametrize(
    ("item", "answer", "answered"),
    [
        ({"answer": "b", "answerText": ["Blue"]}, "Blue", True),
        ({"answer": "b", "answerText": []}, "b", True),
        ({"answer": ["a", "c"], "answerText": []}, "a, c", True),
        ({"answer": ["a", "c"]}, "a, c", True),
        ({"answer": None, "answerText": []}, "not answered", False),
        ({"answer": [], "answerText": []}, "not answered", False),
        ({"answer": ""}, "not answered", False),
        ({}, "not answered", False),
    ],
)
def test_an_answer_without_its_text_is_shown_by_its_ids(
    fake_api: FakeApi, item: dict[str, object], answer: str, answered: bool
) -> None:
    with portal(fake_api, "en").test_request_context():
        shown = question({"questionId": "q1", "text": "Which?"} | item, closed=False)
    assert (shown["answer"], shown["answered"]) == (answer, answered)

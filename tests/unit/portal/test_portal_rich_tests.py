"""Issue 16 in the portal, against the fake REST API: multiple-answer questions as checkboxes posted as a list,
points and partial credit, the API's own order of questions and choices, resubmission and the student's own
deadline. A test that uses none of it looks and posts as before."""

from __future__ import annotations

import copy
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from portal_support import RICH_TEST, FakeApi, csrf_token
from werkzeug.datastructures import MultiDict

from portal.checks import chosen_answers, posted_answers

TEST_PAGE = "/test/networks/net01"
HIDDEN = re.compile(r'<input type="hidden" name="((?:answer|choices)\.[^"]+)" value="([^"]*)">')


@pytest.fixture
def rich(fake_api: FakeApi) -> FakeApi:
    fake_api.test = copy.deepcopy(RICH_TEST)
    return fake_api


def hidden_answers(html: str) -> list[tuple[str, str]]:
    return HIDDEN.findall(html)


def test_a_multiple_answer_question_is_checkboxes_in_the_apis_order_with_its_points(
    as_student: FlaskClient, rich: FakeApi
) -> None:
    page = as_student.get(TEST_PAGE).get_data(as_text=True)
    assert page.count('type="checkbox"') == 3 and page.count('type="radio"') == 2
    assert re.findall(r'<input type="checkbox" id="q-q1-(\w)" name="choices\.q1"', page) == ["C", "A", "B"]
    assert page.index("TCP is ...") < page.index("Which layers carry addresses?"), "the API's question order"
    assert page.index('id="q-q2-y"') < page.index('id="q-q2-x"'), "the API's choice order"
    assert 'Which layers carry addresses? <span class="points">(2 points, partial credit)</span>' in page
    assert "Tick every right answer." in page
    assert "Thursday 3 December 2026, 22:00 UTC" in page, "the student's own deadline, as the API gives it"
    assert "a new submission replaces the earlier one" in page
    # No inline script (the CSP allows none): only the portal's own file, which the page works without.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/taking.js" defer>']


def test_two_ticked_choices_are_reviewed_in_the_questions_order_and_sent_as_a_list(
    as_student: FlaskClient, rich: FakeApi
) -> None:
    token = csrf_token(as_student.get(TEST_PAGE).get_data(as_text=True))
    form = MultiDict([("csrf_token", token), ("choices.q1", "A"), ("choices.q1", "C"), ("answer.q2", "x")])
    review = as_student.post(f"{TEST_PAGE}/review", data=form)
    html = review.get_data(as_text=True)
    assert review.status_code == 200, html
    assert "All 2 questions are answered" in html
    assert re.search(r"<li>C\) data link</li><li>A\) network</li>", html), "choice texts, in the question's order"
    assert html.index("TCP is ...") < html.index("Which layers carry addresses?")
    assert "a new submission replaces the earlier one" in html and "Sending is final" not in html
    fields = hidden_answers(html)
    assert fields == [("answer.q2", "x"), ("choices.q1", "C"), ("choices.q1", "A")]
    assert rich.submissions == [], "reviewing submits nothing"

    back = as_student.post(TEST_PAGE, data=MultiDict([("csrf_token", token), *fields])).get_data(as_text=True)
    assert re.search(r'id="q-q1-A" name="choices\.q1" value="A"\s+checked', back), "changing keeps both ticks"
    assert re.search(r'id="q-q1-C" name="choices\.q1" value="C"\s+checked', back)
    assert not re.search(r'value="B"\s+checked', back)

    done = as_student.post(f"{TEST_PAGE}/submit", data=MultiDict([("csrf_token", token), *fields]))
    assert done.status_code == 302 and done.headers["Location"].endswith("/submitted")
    assert rich.submissions == [
        {
            "subjectName": "networks",
            "testId": "net01",
            "answers": [{"questionId": "q2", "answer": "x"}, {"questionId": "q1", "answer": ["C", "A"]}],
        }
    ]
    confirmation = as_student.get("/submitted").get_data(as_text=True)
    assert "are stored" in confirmation and "replaced" not in confirmation


def test_a_new_version_replaces_the_earlier_one_and_the_pages_say_so(as_student: FlaskClient, rich: FakeApi) -> None:
    listing = as_student.get("/tests").get_data(as_text=True)
    assert "Take the test" in listing and "Submitted on" not in listing
    token = csrf_token(listing)
    for answer in ("x", "y"):
        done = as_student.post(f"{TEST_PAGE}/submit", data={"csrf_token": token, "answer.q2": answer})
        assert done.status_code == 302
        confirmation = as_student.get("/submitted").get_data(as_text=True)
    assert "Your new version of <strong>net01</strong> (networks) replaced the earlier one" in confirmation
    assert "this is version 2" in confirmation
    assert [s["answers"] for s in rich.submissions] == [[{"questionId": "q2", "answer": a}] for a in ("x", "y")]

    listing = as_student.get("/tests").get_data(as_text=True)
    assert (
        'Submitted on <time datetime="2026-11-18T12:00:00+00:00">Wednesday 18 November 2026, 12:00 UTC</time>; you '
        'may send a new version until <time datetime="2026-12-03T22:00:00+00:00">Thursday 3 December 2026, 22:00 UTC'
        "</time>."
    ) in listing
    assert "Send a new version" in listing
    page = as_student.get(TEST_PAGE).get_data(as_text=True)
    assert "Submitted on" in page and "a new submission replaces the earlier one" in page
    review = as_student.post(f"{TEST_PAGE}/review", data={"csrf_token": token, "answer.q2": "x"})
    assert "Send my new version" in review.get_data(as_text=True)


@pytest.mark.parametrize(
    ("listed_at", "sent_here", "words"),
    [
        (None, None, "Submitted; you may send a new version until"),  # sent from another device or session
        (None, "2026-11-20T08:00:00+00:00", 'Submitted on <time datetime="2026-11-20T08:00:00+00:00">'),
        ("2026-11-21T08:00:00Z", "2026-11-20T08:00:00+00:00", 'Submitted on <time datetime="2026-11-21T08:00:00Z">'),
    ],
)
def test_the_listing_says_when_it_was_submitted_when_anybody_knows(
    app: Flask, listed_at: str | None, sent_here: str | None, words: str
) -> None:
    entry = {"testId": "net01", "title": "Layers", "deadline": "2026-12-03T22:00:00+00:00", "questionCount": 2}
    entry |= {"resubmit": True, "submitted": True} | ({"submittedAt": listed_at} if listed_at else {})
    listing = {"subjects": [{"subjectName": "networks", "tests": [entry]}]}
    sent_at = {"networks/net01": sent_here} if sent_here else {}
    with app.test_request_context():
        html = app.jinja_env.get_template("tests.html").render(listing=listing, notice=None, sent_at=sent_at)
    assert words in html and "Send a new version" in html


@pytest.mark.parametrize(
    ("answers", "problem", "asks_the_api"),
    [
        ([("choices.q1", "A"), ("choices.q1", "A")], "Question 2 has a choice ticked more than once", False),
        ([("choices.q1", "A"), ("choices.q1", "Z")], "An answer to question 2 is not one of its choices", True),
        ([("choices.q1", "a")], "An answer to question 2 is not one of its choices", True),  # ids match exactly
        ([("choices.q2", "x"), ("choices.q2", "y")], "Question 1 has more than one answer", True),
        ([("choices.q2", "x")], "Question 1 takes one answer only", True),
        ([("answer.q2", "x"), ("answer.q2", "y")], "Question 1 has more than one answer", False),
        ([("choices.q9", "A")], "a question this test does not have", True),
    ],
)
@pytest.mark.parametrize("step", ["review", "submit", "change"])
def test_repeated_unknown_or_too_many_choices_are_the_portals_message(
    as_student: FlaskClient,
    rich: FakeApi,
    answers: list[tuple[str, str]],
    problem: str,
    asks_the_api: bool,
    step: str,
) -> None:
    token = csrf_token(as_student.get(TEST_PAGE).get_data(as_text=True))
    path = TEST_PAGE + ("" if step == "change" else f"/{step}")
    response = as_student.post(path, data=MultiDict([("csrf_token", token), *answers]))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="answer-problems"' in html and problem in html
    assert html.count('type="checkbox"') == 3, "the test's page again, to answer"
    assert rich.submissions == []
    posted = any(method == "POST" and path.endswith("/v1/test") for method, path, _ in rich.requests)
    # Sending lets the API check choices (one request when they are fine); a form no page posts never leaves.
    assert posted == (step == "submit" and asks_the_api)


def test_one_choice_in_a_radio_field_is_one_answer_to_a_multiple_question() -> None:
    question = RICH_TEST["questions"][1]  # type: ignore[index]
    form = MultiDict([("answer.q1", "B"), ("choices.q2", ""), ("csrf_token", "t")])
    assert posted_answers(form) == {"q1": "B"}
    assert chosen_answers([question], form) == ({"q1": ("B",)}, [])
    assert chosen_answers([question], MultiDict([("choices.q1", "B"), ("choices.q1", "C")])) == ({"q1": ("C", "B")}, [])
    assert posted_answers(MultiDict([("answer.q1", "B"), ("choices.q1", "C")])) is None, "two kinds of field"


def test_a_test_without_the_new_fields_looks_and_posts_as_before(as_student: FlaskClient, fake_api: FakeApi) -> None:
    page = as_student.get(TEST_PAGE).get_data(as_text=True)
    assert 'type="checkbox"' not in page and "points" not in page and "replaces" not in page
    token = csrf_token(page)
    review = as_student.post(f"{TEST_PAGE}/review", data={"csrf_token": token, "answer.q1": "A"})
    html = review.get_data(as_text=True)
    assert "Sending is final: once you send your answers, you cannot change them." in html
    assert "Submit my answers" in html
    assert hidden_answers(html) == [("answer.q1", "A")]
    as_student.post(f"{TEST_PAGE}/submit", data={"csrf_token": token, "answer.q1": "A"})
    assert fake_api.submissions[0]["answers"] == [{"questionId": "q1", "answer": "A"}]
    assert "are stored" in as_student.get("/submitted").get_data(as_text=True)


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ({"points": 2}, "2 points"),
        ({"points": 1.5, "partial": True}, "1.5 points, partial credit"),
        ({"points": 2.0}, "2 points"),
        ({"points": 1}, "1 point"),
        ({"partial": True}, "partial credit"),
        ({}, ""),
        ({"points": True, "partial": "yes"}, ""),
        ({"points": -1}, ""),
        ({"points": "2"}, ""),
    ],
)
def test_what_a_question_is_worth_in_words(app: Flask, question: dict[str, object], words: str) -> None:
    assert app.jinja_env.filters["worth"](question) == words


def test_the_trainer_sees_points_and_who_is_pending_by_their_own_deadline(app: Flask) -> None:
    row = {"studentId": "student07", "name": "Ada", "correct": 1, "questions": 2, "percent": 70.0, "grade": 4}
    test = {"subjectName": "networks", "testId": "net01", "title": "Layers", "deadline": "2026-11-30T22:00:00Z"}
    test |= {"scored": False, "results": [row | {"points": 3.5, "maxPoints": 5.0}], "submittedNotScored": []}
    test |= {"missing": ["student08"], "pending": [{"studentId": "student09", "deadline": "2026-12-03T22:00:00Z"}]}
    with app.test_request_context():
        html = app.jinja_env.get_template("results.html").render(tests=[test], subject=None, test_id=None)
        plain = app.jinja_env.get_template("results.html").render(
            tests=[{**test, "results": [row], "pending": []}], subject=None, test_id=None
        )
    assert '<th scope="col">Points</th>' in html and '<td data-label="Points">3.5 / 5</td>' in html
    assert "Pending, with a later deadline of their own:</strong>" in html
    assert "student09 (until <time" in html and "Thursday 3 December 2026, 22:00 UTC" in html
    assert "Missing (1):</strong> student08" in html
    assert "Points" not in plain and "Pending" not in plain, "an unweighted test without extensions as before"

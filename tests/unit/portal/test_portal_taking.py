"""Issue 15, point 5, in the portal against the fake REST API: a test already submitted says so, with the date in
words, before any question, from any link or bookmark; a test of one submission then shows no form at all; the
page counts the answers given; the review says that sending is final (or that a new version replaces the earlier
one); the student's name and the subject's title, not their ids, are on the pages."""

from __future__ import annotations

import copy
import re

import pytest
from flask.testing import FlaskClient
from portal_support import RICH_TEST, STUDENT_NAME, SUBJECT_TITLE, FakeApi, csrf_token

TEST_PAGE = "/test/networks/net01"
SUBMITTED_WORDS = 'Submitted on <time datetime="2026-11-18T12:00:00+00:00">Wednesday 18 November 2026, 12:00 UTC</time>'


def submit_once(client: FlaskClient) -> None:
    token = csrf_token(client.get(TEST_PAGE).get_data(as_text=True))
    assert client.post(f"{TEST_PAGE}/submit", data={"csrf_token": token, "answer.q1": "A"}).status_code == 302


def test_a_submitted_test_says_so_before_any_question_and_shows_no_form(
    as_student: FlaskClient, fake_api: FakeApi
) -> None:
    submit_once(as_student)
    page = as_student.get(TEST_PAGE)  # a bookmark: straight to the test's address
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert SUBMITTED_WORDS in html
    assert "cannot be changed" in html
    assert "<form" not in html.split("</header>")[1], "no form: nothing to send"
    assert "Which layer routes packets?" not in html and 'type="radio"' not in html
    assert 'href="/history"' in html, "a link to the history"


def test_a_submitted_test_cannot_be_reviewed_again(as_student: FlaskClient, fake_api: FakeApi) -> None:
    token = csrf_token(as_student.get(TEST_PAGE).get_data(as_text=True))
    submit_once(as_student)
    review = as_student.post(f"{TEST_PAGE}/review", data={"csrf_token": token, "answer.q1": "B"})
    html = review.get_data(as_text=True)
    assert SUBMITTED_WORDS in html and "Submit my answers" not in html


def test_a_resubmit_test_submitted_says_so_first_and_shows_the_form(as_student: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.test = copy.deepcopy(RICH_TEST)
    submit_once_rich = csrf_token(as_student.get(TEST_PAGE).get_data(as_text=True))
    as_student.post(f"{TEST_PAGE}/submit", data={"csrf_token": submit_once_rich, "answer.q2": "x"})
    html = as_student.get(TEST_PAGE).get_data(as_text=True)
    assert SUBMITTED_WORDS in html and "a new submission replaces the earlier one" in html
    assert html.index("Submitted on") < html.index("TCP is ..."), "said before any question"
    assert 'type="radio"' in html and "Review my answers" in html


def test_the_page_counts_the_answers_given(as_student: FlaskClient) -> None:
    page = as_student.get(TEST_PAGE).get_data(as_text=True)
    progress = re.search(r'<p class="progress" id="progress" aria-live="polite">(.*?)</p>', page, re.S)
    assert progress and re.sub(r"<[^>]+>", "", progress.group(1)) == "0 of 2 answered"
    token = csrf_token(page)
    back = as_student.post(TEST_PAGE, data={"csrf_token": token, "answer.q2": "x"}).get_data(as_text=True)
    assert '<span class="answered-count">1</span> of 2 answered' in back, "the answers brought back from the review"
    assert 'data-store="testtime:answers:student07:networks:net01"' in back


@pytest.mark.parametrize("resubmit", [False, True])
def test_the_review_says_what_sending_does(as_student: FlaskClient, fake_api: FakeApi, resubmit: bool) -> None:
    if resubmit:
        fake_api.test = copy.deepcopy(RICH_TEST)
    token = csrf_token(as_student.get(TEST_PAGE).get_data(as_text=True))
    html = as_student.post(f"{TEST_PAGE}/review", data={"csrf_token": token, "answer.q2": "x"}).get_data(as_text=True)
    assert ("Sending is final" in html) is not resubmit
    assert ("a new submission replaces the earlier one" in html) is resubmit


def test_names_not_ids(as_student: FlaskClient, fake_api: FakeApi) -> None:
    listing = as_student.get("/tests").get_data(as_text=True)
    assert f"Signed in as <strong>{STUDENT_NAME}</strong>" in listing
    assert f"<h2>{SUBJECT_TITLE}</h2>" in listing and "student07" not in listing
    page = as_student.get(TEST_PAGE).get_data(as_text=True)
    assert f'<p class="meta">{SUBJECT_TITLE} · deadline' in page
    token = csrf_token(page)
    as_student.post(f"{TEST_PAGE}/review", data={"csrf_token": token, "answer.q1": "A"})
    as_student.post(f"{TEST_PAGE}/submit", data={"csrf_token": token, "answer.q1": "A"})
    done = as_student.get("/submitted").get_data(as_text=True)
    assert f"Your answers to <strong>Layers</strong> ({SUBJECT_TITLE}) are stored" in done
    assert 'data-clear-answers="testtime:answers:student07:networks:net01"' in done


def test_the_header_has_the_menu_of_each_role(as_student: FlaskClient, client: FlaskClient) -> None:
    html = as_student.get("/tests").get_data(as_text=True)
    nav = re.search(r'<nav class="nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav and re.findall(r'href="([^"]+)"', nav.group(1)) == ["/tests", "/history"]
    assert 'href="/tests" aria-current="page"' in nav.group(1)

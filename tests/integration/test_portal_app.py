"""The portal (Flask test client) against the real REST API deployed on the throwaway embedded AWS: students sign
in, take a test with the review step and see the confirmation or the API's own error; the trainer sees the scores
the deployed scorer wrote, and who is missing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.app import create_app
from tests.integration.harness import LocalAws, api_key
from tests.integration.portal_support import (
    OPEN_TEST,
    QUESTIONS,
    RIGHT,
    SCORED_TEST,
    SUBJECT,
    PortalContent,
    publish_portal_content,
    restore_sample_content,
    score_now,
)

pytestmark = pytest.mark.integration

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def content(deployed: LocalAws) -> Iterator[PortalContent]:
    published = publish_portal_content(deployed)
    try:
        yield published
    finally:
        restore_sample_content(deployed)


@pytest.fixture
def client(deployed: LocalAws, content: PortalContent) -> FlaskClient:
    environ = {"API_URL": deployed.outputs()["ApiUrl"], "PORTAL_SECRET_KEY": "integration-" * 4}
    return create_app({"TESTING": True}, environ=environ).test_client()


def token(html: str) -> str:
    match = CSRF.search(html)
    assert match, html[:2000]
    return match.group(1)


def unthrottled(request: Callable[[], Any]) -> Any:
    """The portal's answer once the student's key is within its usage plan again: these tests drive a student
    faster than the plan allows (5 requests a second, a burst of 10), and the emulator enforces it as AWS does."""
    for _ in range(20):
        response = request()
        if response.status_code != 429:
            return response
        time.sleep(0.5)
    return response


def sign_in(client: FlaskClient, key: str) -> Any:
    csrf = token(client.get("/signin").get_data(True))
    return unthrottled(lambda: client.post("/signin", data={"api_key": key, "csrf_token": csrf}))


def answer(client: FlaskClient, test_id: str, answers: dict[str, str]) -> Any:
    page = unthrottled(lambda: client.get(f"/test/{SUBJECT}/{test_id}"))
    assert page.status_code == 200, page.get_data(True)
    data = {"csrf_token": token(page.get_data(True)), **{f"answer.{qid}": value for qid, value in answers.items()}}
    review = unthrottled(lambda: client.post(f"/test/{SUBJECT}/{test_id}/review", data=data))
    assert review.status_code == 200, review.get_data(True)
    return unthrottled(lambda: client.post(f"/test/{SUBJECT}/{test_id}/submit", data=data)), review


def test_healthz(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}


def test_a_student_sees_the_open_tests_with_their_deadlines(deployed: LocalAws, client: FlaskClient) -> None:
    response = sign_in(client, api_key(deployed, "portal01"))
    assert response.status_code == 302
    page = client.get("/tests").get_data(True)
    assert "Signed in as <strong>Portal Student One</strong>" in page  # the class list's name, not the id
    for title in ("Web basics", "Web basics, scored", "Operating systems basics"):
        assert title in page
    assert page.count("<time datetime=") >= 3
    assert f'href="/test/{SUBJECT}/{OPEN_TEST}"' in page


def test_a_student_takes_a_test_reviews_it_and_gets_the_confirmation(deployed: LocalAws, client: FlaskClient) -> None:
    sign_in(client, api_key(deployed, "portal01"))
    form = client.get(f"/test/{SUBJECT}/{OPEN_TEST}").get_data(True)
    assert form.count('type="radio"') == sum(len(q["choices"]) for q in QUESTIONS)
    submitted, review = answer(client, OPEN_TEST, {"1": "a", "2": "b"})
    assert "1 of 3 questions are not answered" in review.get_data(True)
    assert submitted.status_code == 302
    confirmation = client.get("/submitted").get_data(True)
    assert "Your answers to <strong>Web basics</strong>" in confirmation  # the title, not the id
    assert "2 of 3 questions answered" in confirmation
    assert f'href="/test/{SUBJECT}/{OPEN_TEST}"' not in client.get("/tests").get_data(True)

    again = client.post(
        f"/test/{SUBJECT}/{OPEN_TEST}/submit",
        data={"csrf_token": token(client.get("/tests").get_data(True)), "answer.1": "c"},
    )
    assert again.status_code == 409
    assert "You already submitted the test “Web basics”" in again.get_data(True)


def test_the_apis_error_message_is_shown(deployed: LocalAws, client: FlaskClient) -> None:
    sign_in(client, api_key(deployed, "portal04"))
    missing = client.get(f"/test/{SUBJECT}/no-such-test")
    assert missing.status_code == 404
    assert "has no test &#39;no-such-test&#39;" in missing.get_data(True)


def test_a_wrong_key_is_refused(client: FlaskClient) -> None:
    response = sign_in(client, "this-is-not-a-key-of-anybody")
    assert response.status_code == 403
    assert "This API key was not accepted" in response.get_data(True)
    assert client.get("/tests").headers["Location"].endswith("/signin")


def test_a_student_cannot_see_the_trainer_page(deployed: LocalAws, client: FlaskClient) -> None:
    sign_in(client, api_key(deployed, "portal04"))
    assert client.get("/results").status_code == 302


def test_the_trainer_page_shows_scores_after_the_scorer_ran(
    deployed: LocalAws, client: FlaskClient, content: PortalContent
) -> None:
    students = {sid: FlaskClient(client.application) for sid in ("portal01", "portal02")}
    chosen = {"portal01": RIGHT, "portal02": {"1": "a", "2": "a", "3": "a"}}
    for sid, student in students.items():
        sign_in(student, api_key(deployed, sid))
        submitted, _ = answer(student, SCORED_TEST, chosen[sid])
        assert submitted.status_code == 302, submitted.get_data(True)

    assert sign_in(client, api_key(deployed, "trainer")).status_code == 302
    before = client.get(f"/results?subjectName={SUBJECT}&testId={SCORED_TEST}").get_data(True)
    assert "Submitted, not scored yet:</strong> portal01, portal02" in before

    score_now(deployed, content)
    page = client.get(f"/results?subjectName={SUBJECT}&testId={SCORED_TEST}")
    html = page.get_data(True)
    assert page.status_code == 200
    assert 'class="badge scored"' in html
    cells = r'<tr><th scope="row">(portal0\d)</th><td[^>]*>([^<]*)</td><td[^>]*>(\d) / 3</td>\s*<td[^>]*>([^<]*)</td>'
    rows = re.findall(cells, html)
    assert [(sid, name, correct) for sid, name, correct, _ in rows] == [
        ("portal01", "Portal Student One", "3"),
        ("portal02", "Portal Student Two", "1"),
    ]
    missing = re.search(r"Missing \((\d+)\):</strong> ([^<]*)<", html)
    assert missing and {"portal03", "portal04", "student01"} <= set(missing.group(2).split(", "))
    assert "portal01" not in missing.group(2)


def test_what_cannot_be_a_key_an_id_or_a_choice_is_a_message_and_never_a_500(
    deployed: LocalAws, client: FlaskClient
) -> None:
    for key in ("Ключ-студента-1234567890", "🔑" * 24, "key-of-somebody\r\nX-Injected: yes"):
        refused = sign_in(client, key)
        assert refused.status_code == 400
        assert "This is not an API key" in refused.get_data(True)

    sign_in(client, api_key(deployed, "portal04"))  # portal04 never submits
    for path in (f"/test/{SUBJECT}%0A/{OPEN_TEST}", f"/test/{SUBJECT}/{OPEN_TEST}%0A", "/test/%FF/x"):
        missing = client.get(path)
        assert missing.status_code == 404 and "<h1>Page not found</h1>" in missing.get_data(True)
    page = client.get(f"/test/{SUBJECT}/{OPEN_TEST}").get_data(True)
    forged = client.post(
        f"/test/{SUBJECT}/{OPEN_TEST}/submit", data={"csrf_token": token(page), "answer.1": "z", "answer.2": "b"}
    )
    assert forged.status_code == 400
    assert "The answer to question 1 is not one of its choices" in forged.get_data(True)
    assert f'href="/test/{SUBJECT}/{OPEN_TEST}"' in client.get("/tests").get_data(True), "nothing was submitted"

    trainer = FlaskClient(client.application)
    sign_in(trainer, api_key(deployed, "trainer"))
    junk = trainer.get(f"/results?subjectName={SUBJECT}%0A&testId={OPEN_TEST}")
    assert junk.status_code == 400 and "This is not a subject name" in junk.get_data(True)

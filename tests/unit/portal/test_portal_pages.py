"""The portal against a fake REST API: pages, CSRF, security headers, the session cookie, and the API key that
never shows up in a URL, a page or a log line."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from portal_support import STUDENT_KEY, TRAINER_KEY, WRONG_KEY, FakeApi, csrf_token, sign_in

from portal.api import ApiClient, ApiFailure, key_refused
from portal.app import SECURITY_HEADERS, create_app


def test_healthz_answers_without_calling_the_api(client: FlaskClient, fake_api: FakeApi) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert fake_api.requests == []


def test_healthz_reports_a_missing_api_url() -> None:
    app = create_app({"TESTING": True}, environ={"PORTAL_SECRET_KEY": "s" * 48})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "misconfigured"


@pytest.mark.parametrize("path", ["/signin", "/healthz", "/no-such-page", "/tests"])
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy  # the portal's own files only
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_loads_its_stylesheet_from_the_portal_itself(client: FlaskClient) -> None:
    assert client.get("/static/portal.css").status_code == 200


def test_sign_in_without_csrf_token_is_refused(client: FlaskClient, fake_api: FakeApi) -> None:
    client.get("/signin")
    response = client.post("/signin", data={"api_key": STUDENT_KEY})
    assert response.status_code == 400
    assert "Form not accepted" in response.get_data(as_text=True)
    assert fake_api.requests == [], "a form without its token must not reach the API"


def test_a_token_from_another_session_is_refused(app: Flask, fake_api: FakeApi) -> None:
    token = csrf_token(app.test_client().get("/signin").get_data(as_text=True))
    other = app.test_client()
    other.get("/signin")
    assert other.post("/signin", data={"api_key": STUDENT_KEY, "csrf_token": token}).status_code == 400
    assert fake_api.requests == []


@pytest.mark.parametrize(
    "path", ["/signout", "/test/networks/net01/review", "/test/networks/net01/submit", "/test/networks/net01"]
)
def test_every_form_of_a_signed_in_student_needs_the_token(
    as_student: FlaskClient, fake_api: FakeApi, path: str
) -> None:
    response = as_student.post(path, data={"answer.q1": "A"})
    assert response.status_code == 400
    assert fake_api.submissions == []
    assert as_student.get("/tests").status_code == 200, "a refused form must not sign the student out"


def test_the_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    response = sign_in(client, STUDENT_KEY)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_a_secure_deployment_sends_the_cookie_over_https_only(fake_api: FakeApi) -> None:
    environ = {"API_URL": fake_api.url, "PORTAL_SECRET_KEY": "s" * 48, "PORTAL_COOKIE_SECURE": "true"}
    client = create_app({"TESTING": True}, environ=environ).test_client()
    response = sign_in(client, STUDENT_KEY)
    assert all("Secure" in cookie for cookie in response.headers.getlist("Set-Cookie"))


def test_a_student_takes_a_test_with_review_and_confirmation(as_student: FlaskClient, fake_api: FakeApi) -> None:
    listing = as_student.get("/tests")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Layers" in html and "networks" in html
    assert "Monday 30 November 2026, 22:00 UTC" in html

    page = as_student.get("/test/networks/net01").get_data(as_text=True)
    assert page.count('type="radio"') == 4
    assert "Which layer routes packets?" in page

    token = csrf_token(page)
    review = as_student.post("/test/networks/net01/review", data={"csrf_token": token, "answer.q1": "A"})
    text = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "1 of 2 questions are not answered" in text
    assert "A) network" in text
    assert fake_api.submissions == [], "reviewing submits nothing"

    back = as_student.post("/test/networks/net01", data={"csrf_token": token, "answer.q1": "A"})
    assert re.search(r'value="A"\s+checked', back.get_data(as_text=True)), "changing answers keeps the choices"

    done = as_student.post(
        "/test/networks/net01/submit", data={"csrf_token": token, "answer.q1": "A", "answer.q2": "y"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/submitted")
    confirmation = as_student.get("/submitted").get_data(as_text=True)
    assert "Submitted" in confirmation and "2 of 2 questions answered" in confirmation
    assert fake_api.submissions == [
        {
            "subjectName": "networks",
            "testId": "net01",
            "answers": [{"questionId": "q1", "answer": "A"}, {"questionId": "q2", "answer": "y"}],
        }
    ]
    assert "No open tests right now" in as_student.get("/tests").get_data(as_text=True)


def test_the_apis_error_message_is_shown(as_student: FlaskClient, fake_api: FakeApi) -> None:
    token = csrf_token(as_student.get("/tests").get_data(as_text=True))
    data = {"csrf_token": token, "answer.q1": "B"}
    assert as_student.post("/test/networks/net01/submit", data=data).status_code == 302
    again = as_student.post("/test/networks/net01/submit", data=data)
    assert again.status_code == 409
    assert "You already submitted test &#39;net01&#39;." in again.get_data(as_text=True)
    missing = as_student.get("/test/networks/nope")
    assert missing.status_code == 404 and "no such test" in missing.get_data(as_text=True)


def test_a_wrong_key_is_refused(client: FlaskClient) -> None:
    response = sign_in(client, WRONG_KEY)
    assert response.status_code == 403
    assert "This API key was not accepted" in response.get_data(as_text=True)
    assert client.get("/tests").headers["Location"].endswith("/signin")


def test_the_trainer_sees_results_and_students_do_not(client: FlaskClient, as_student: FlaskClient) -> None:
    assert as_student.get("/results").headers["Location"].endswith("/")  # back to the student's own start page
    as_student.post("/signout", data={"csrf_token": csrf_token(as_student.get("/tests").get_data(as_text=True))})

    assert sign_in(client, TRAINER_KEY).status_code == 302
    page = client.get("/results")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "student07" in html and "Ada" in html and "2 / 2" in html and "scored" in html
    assert "Missing (1):" in html and "student08" in html
    assert client.get("/tests").headers["Location"].endswith("/")


def test_sign_out_ends_the_session(as_student: FlaskClient) -> None:
    token = csrf_token(as_student.get("/tests").get_data(as_text=True))
    response = as_student.post("/signout", data={"csrf_token": token})
    assert response.headers["Location"].endswith("/signin")
    assert "You are signed out" in as_student.get("/signin").get_data(as_text=True)
    assert as_student.get("/tests").headers["Location"].endswith("/signin")


def test_an_unreachable_api_gives_a_clear_message(fake_api: FakeApi) -> None:
    environ = {"API_URL": "http://127.0.0.1:9/api", "PORTAL_SECRET_KEY": "s" * 48}
    client = create_app({"TESTING": True}, environ=environ).test_client()
    response = sign_in(client, STUDENT_KEY)
    assert response.status_code == 403  # the sign-in page again, with the reason
    assert "cannot be reached" in response.get_data(as_text=True)


def test_the_key_is_never_in_a_url_a_page_or_a_log_line(
    client: FlaskClient, fake_api: FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # requests and urllib3 included
    seen: list[str] = []

    def visit(response: object) -> None:
        seen.append(response.headers.get("Location", ""))  # type: ignore[attr-defined]
        seen.append(response.get_data(as_text=True))  # type: ignore[attr-defined]

    for key in (STUDENT_KEY, WRONG_KEY):
        response = sign_in(client, key)
        visit(response)
    for path in ("/", "/tests", "/test/networks/net01", "/submitted"):
        visit(client.get(path))
    token = csrf_token(client.get("/tests").get_data(as_text=True))
    visit(client.post("/test/networks/net01/review", data={"csrf_token": token, "answer.q1": "A"}))
    visit(client.post("/test/networks/net01/submit", data={"csrf_token": token, "answer.q1": "A"}))
    sign_in(client, TRAINER_KEY)
    visit(client.get("/results"))

    for key in (STUDENT_KEY, WRONG_KEY, TRAINER_KEY):
        assert not any(key in text for text in seen), "a key in a page or a redirect"
        assert not any(key in record.getMessage() for record in caplog.records), "a key in a log line"
        assert not any(key in path for _, path, _ in fake_api.requests), "a key in a URL"
    assert any(headers.get("x-api-key") == STUDENT_KEY for _, _, headers in fake_api.requests), "sent as a header"
    assert caplog.records, "the portal and requests did log (the check above is not vacuous)"


def test_the_client_passes_the_apis_messages_through(fake_api: FakeApi) -> None:
    api = ApiClient(fake_api.url)
    with pytest.raises(ApiFailure) as gateway:
        api.list_tests(WRONG_KEY)
    # API Gateway's own {"message": "Forbidden"} is AWS's phrase: the portal says it in its own words.
    assert (gateway.value.status, gateway.value.code, gateway.value.message) == (403, "forbidden", key_refused())
    with pytest.raises(ApiFailure) as refusal:
        api.results(STUDENT_KEY)
    assert refusal.value.message == "Only the trainer's API key may."
    assert WRONG_KEY not in str(gateway.value) and STUDENT_KEY not in str(refusal.value)


def test_a_secret_key_is_required_outside_tests() -> None:
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY is not set"):
        create_app(environ={"API_URL": "http://127.0.0.1:9/api"})
    with pytest.raises(RuntimeError, match="too short"):
        create_app(environ={"API_URL": "http://127.0.0.1:9/api", "PORTAL_SECRET_KEY": "short"})


def test_debug_is_never_switched_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("FLASK_ENV", "development")
    environ = {"API_URL": "http://127.0.0.1:9/api", "PORTAL_SECRET_KEY": "s" * 48, "PORTAL_SESSION_DIR": str(tmp_path)}
    app = create_app(environ=environ)
    assert app.debug is False
    assert app.config["TESTING"] is False
    assert app.config["WTF_CSRF_ENABLED"] is not False

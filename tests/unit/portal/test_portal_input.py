"""What a person types reaches a header, a URL or the API only once it is checked: a key that cannot be one, an
id that is not SAFE_ID, an answer that is not a choice are messages on the portal's own pages, and the fake API
(a real HTTP server) shows that none of them was sent."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from portal_support import STUDENT_KEY, TRAINER_KEY, FakeApi, csrf_token, sign_in

from portal.api import ApiClient, ApiFailure, key_refused
from portal.app import create_app
from portal.checks import is_safe_id
from testtime import layout

NOT_A_KEY = "This is not an API key"
KEYS_THAT_ARE_NO_KEYS = {
    "cyrillic": "Ключ-студента-1234567890",
    "emoji": "🔑" * 24,
    "latin-1 letters": "é" * 24,  # Latin-1 encodable, so requests would send it: still no key
    "nul": "student-key-Qx7pLm2Vw9\x00",
    "cr lf (header injection)": "student-key-Qx7pLm2Vw9\r\nX-Injected: yes",
    "lone line feed inside": "student-key\nQx7pLm2Vw9",
    "space inside": "student-key Qx7pLm2Vw9",
    "tab inside": "student-key\tQx7pLm2Vw9",
    "delete": "student-key-Qx7pLm2Vw9\x7f",
    "other control": "student-key-\x1bQx7pLm2Vw9",
    "c1 control": "student-key-\x85Qx7pLm2Vw9",
    "no-break space": "student-key-\u00a0Qx7pLm2Vw9",
    "zero-width space": "student-key-\u200bQx7pLm2Vw9",
    "too short": "short-key",
    "too long": "k" * 129,
    "200 kB": "k" * 200_000,
    "only spaces": "    ",
}


def api_paths(fake_api: FakeApi) -> list[str]:
    return [path for _, path, _ in fake_api.requests]


@pytest.mark.parametrize("key", KEYS_THAT_ARE_NO_KEYS.values(), ids=KEYS_THAT_ARE_NO_KEYS.keys())
def test_a_key_that_cannot_be_one_is_a_message_on_the_sign_in_form(
    client: FlaskClient, fake_api: FakeApi, key: str
) -> None:
    response = sign_in(client, key)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="signin-error"' in html and 'id="api_key"' in html, "the sign-in form again, with the reason"
    assert NOT_A_KEY in html or "Enter your API key." in html
    assert not key.strip() or key.strip() not in html, "the key is never shown back"
    assert fake_api.requests == [], "a key that cannot be one never reaches the x-api-key header"
    assert client.get("/tests").headers["Location"].endswith("/signin")


def test_a_pasted_key_with_a_line_break_at_the_end_signs_in(client: FlaskClient, fake_api: FakeApi) -> None:
    assert sign_in(client, f"  {STUDENT_KEY}\r\n").status_code == 302
    assert {headers["x-api-key"] for _, _, headers in fake_api.requests} == {STUDENT_KEY}


def test_an_empty_or_missing_key_asks_for_one(client: FlaskClient, fake_api: FakeApi) -> None:
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    for data in ({"csrf_token": token}, {"csrf_token": token, "api_key": ""}):
        response = client.post("/signin", data=data)
        assert response.status_code == 400
        assert "Enter your API key." in response.get_data(as_text=True)
    assert fake_api.requests == []


def test_the_client_itself_never_puts_a_non_key_into_a_header(fake_api: FakeApi) -> None:
    api = ApiClient(fake_api.url)
    for key in ("Ключ-студента-1234567890", "student-key-Qx7pLm2Vw9\r\nX-Injected: yes"):
        with pytest.raises(ApiFailure) as refused:
            api.list_tests(key)
        assert (refused.value.status, refused.value.message) == (403, key_refused())
    assert fake_api.requests == []


def test_a_one_megabyte_form_is_refused_with_the_portals_own_page(client: FlaskClient, fake_api: FakeApi) -> None:
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin", data={"csrf_token": token, "api_key": "k" * 1_000_000})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "<h1>Too much data</h1>" in html and "· Test Time</title>" in html
    assert "Request Entity Too Large" not in html and "capacity limit" not in html, "Werkzeug's words"
    assert fake_api.requests == []


def test_a_multipart_form_of_many_parts_is_refused(client: FlaskClient, fake_api: FakeApi) -> None:
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    boundary = "portal-boundary"
    parts = [("csrf_token", token), ("api_key", STUDENT_KEY)] + [(f"f{index}", "x") for index in range(1500)]
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' for name, value in parts
    )
    body += f"--{boundary}--\r\n"
    response = client.post("/signin", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "<h1>Too much data</h1>" in response.get_data(as_text=True)
    assert fake_api.requests == []


# Every one of these is refused by the ids of the README (layout.SAFE_ID matched whole), so the portal must
# answer a 404 page for it in the path and never ask the API.
IDS_THAT_ARE_NO_IDS = [
    "networks\n",
    "networks\r\n",
    "networks ",
    " networks",
    "net\x00works",
    "..",
    "a..b",
    "-networks",
    ".networks",
    "n" * 65,
    "réseaux",
    "\ufffd",
    "net%works",
    "net works",
]
IDS = ["networks", "net01", "a", "A.b_c-d", "n" * 64, "0"]


@pytest.mark.parametrize("value", IDS + IDS_THAT_ARE_NO_IDS)
def test_the_portals_ids_are_the_ids_of_the_service(value: str) -> None:
    assert is_safe_id(value) is layout.is_safe_id(value)
    assert is_safe_id(value) is (value in IDS)


@pytest.mark.parametrize(
    "path",
    [
        "/test/networks%0A/net01",
        "/test/networks/net01%0A",
        "/test/networks%0D%0A/net01",
        "/test/networks%20/net01",
        "/test/net%00works/net01",
        "/test/../net01",
        "/test/a..b/net01",
        "/test/-networks/net01",
        "/test/" + "n" * 65 + "/net01",
        "/test/r%C3%A9seaux/net01",
        "/test/%FF/x",
        "/test/%FF%FE/%C0%AF",
        "/test/%25/x",
        "/tests/%FF/x",
        "/test/networks/net01%0A/review",
    ],
)
def test_an_id_in_the_path_that_is_not_one_is_a_404_page_and_no_api_call(
    as_student: FlaskClient, fake_api: FakeApi, path: str
) -> None:
    before = len(fake_api.requests)
    token = csrf_token(as_student.get("/signin").get_data(as_text=True))
    method = "POST" if path.endswith("/review") else "GET"
    response = as_student.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html and "· Test Time</title>" in html
    assert not any("/v1/test" in p for p in api_paths(fake_api)[before:]), "the API was asked about a non-id"


@pytest.mark.parametrize(
    "query",
    [
        "subjectName=networks%0A",
        "subjectName=networks%0A&testId=net01",
        "subjectName=networks&testId=net01%0A",
        "subjectName=networks%20",
        "subjectName=%20",
        "subjectName=%FF",
        "subjectName=..",
        "subjectName=" + "n" * 65,
        "subjectName=net%00works",
        "testId=net01",
    ],
)
def test_a_results_filter_that_is_not_an_id_is_a_message_on_the_form(
    client: FlaskClient, fake_api: FakeApi, query: str
) -> None:
    assert sign_in(client, TRAINER_KEY).status_code == 302
    before = len(fake_api.requests)
    response = client.get(f"/results?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="results-error"' in html and 'id="subjectName"' in html, "the filter form again, with the reason"
    assert "No test has been published yet" not in html
    assert len(fake_api.requests) == before, "the API is not asked with a value that is no id"


def test_a_results_filter_of_ids_is_passed_on_unchanged(client: FlaskClient, fake_api: FakeApi) -> None:
    assert sign_in(client, TRAINER_KEY).status_code == 302
    assert client.get("/results?subjectName=networks&testId=net01").status_code == 200
    query = parse_qs(urlsplit(api_paths(fake_api)[-1]).query)
    assert query == {"subjectName": ["networks"], "testId": ["net01"]}
    assert client.get("/results?subjectName=&testId=").status_code == 200, "an empty filter is no filter"


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"answer.q1": "Z"}, "The answer to question 1 is not one of its choices"),
        ({"answer.q1": "A\n"}, "The answer to question 1 is not one of its choices"),
        ({"answer.q1": "a"}, "The answer to question 1 is not one of its choices"),  # choices match exactly
        ({"answer.q2": "x\x00"}, "The answer to question 2 is not one of its choices"),
        ({"answer.q9": "A"}, "a question this test does not have"),
        ({"answer.q1\n": "A"}, "a question this test does not have"),
        ({"answer.": "A"}, "a question this test does not have"),
        ({"answer.q1": ["A", "B"]}, "Question 1 has more than one answer"),
    ],
)
@pytest.mark.parametrize("step", ["review", "submit", "change"])
def test_an_answer_that_is_not_a_choice_is_a_message_and_nothing_is_submitted(
    as_student: FlaskClient, fake_api: FakeApi, answers: dict[str, str | list[str]], problem: str, step: str
) -> None:
    token = csrf_token(as_student.get("/test/networks/net01").get_data(as_text=True))
    path = "/test/networks/net01" + ("" if step == "change" else f"/{step}")
    response = as_student.post(path, data={"csrf_token": token, "answer.q2": "y", **answers})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="answer-problems"' in html and problem in html
    assert html.count('type="radio"') == 4, "the test's page again, to answer"
    if "answer.q2" not in answers:
        assert 'value="y" checked' in html, "the valid answers stay chosen"
    assert fake_api.submissions == []
    posted = any(method == "POST" and path.endswith("/v1/test") for method, path, _ in fake_api.requests)
    # Reviewing asks the API nothing; sending lets the API check the answers (one request when they are fine) and
    # shows its refusal in the portal's words. Two answers to one question never leave the portal.
    assert posted == (step == "submit" and not any(isinstance(value, list) for value in answers.values()))


def test_an_api_gateway_refusal_is_shown_in_the_portals_words(as_student: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.refuse_every_key = True  # API Gateway answers {"message": "Forbidden"}
    response = as_student.get("/tests")
    assert response.headers["Location"].endswith("/signin")
    page = as_student.get("/signin").get_data(as_text=True)
    assert key_refused().replace("'", "&#39;") in page
    assert "Forbidden" not in page


def test_an_expired_form_is_a_readable_page(fake_api: FakeApi) -> None:
    environ = {"API_URL": fake_api.url, "PORTAL_SECRET_KEY": "s" * 48}
    client = create_app({"TESTING": True, "WTF_CSRF_TIME_LIMIT": -1}, environ=environ).test_client()
    response = sign_in(client, STUDENT_KEY)  # the token is older than the limit at once
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<h1>Form not accepted</h1>" in html and "reload the page" in html
    assert "expired" in html and "CSRF" not in html
    assert fake_api.requests == []


def test_an_error_page_that_cannot_be_rendered_is_still_the_portals_words(app: Flask) -> None:
    from jinja2 import DictLoader

    app.jinja_env.loader = DictLoader({})  # no template at all, as if the image had lost them
    response = app.test_client().get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html and "Not Found</title>" not in html


@pytest.mark.parametrize(
    ("status", "body", "portal_status", "words"),
    [
        (429, {"message": "Too Many Requests"}, 429, "wait a moment"),
        (413, {"message": "Request Too Long"}, 413, "too large"),
        (404, {"message": "Missing Authentication Token"}, 404, "did not understand this request"),
        (400, {"message": "Invalid request body"}, 400, "did not understand this request"),
        (500, {"message": "Internal server error"}, 502, "cannot be reached right now"),
        (502, {"message": "Internal server error"}, 502, "cannot be reached right now"),
        (504, {"message": "Endpoint request timed out"}, 502, "cannot be reached right now"),
        (503, None, 502, "cannot be reached right now"),
    ],
)
def test_api_gateways_own_answers_are_the_portals_words_and_never_a_500(
    as_student: FlaskClient, fake_api: FakeApi, status: int, body: object, portal_status: int, words: str
) -> None:
    fake_api.gateway_answer = (status, body)
    for path in ("/tests", "/test/networks/net01"):
        response = as_student.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == portal_status
        assert words in html and "· Test Time</title>" in html
        assert not isinstance(body, dict) or body["message"] not in html, "AWS's phrase on the page"

"""A sweep of every route of the portal with hostile inputs (ids that are no ids, invalid UTF-8, NUL, CR/LF,
garbled cookies and forms, every method), as a visitor, a student and the trainer: no answer is a 5xx, every
page is the portal's own (no Werkzeug page, no traceback, no AWS phrase, no bare code), and the fake API (a real
HTTP server) received only ids of the service and keys shaped like keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from portal_support import STUDENT_KEY, TRAINER_KEY, FakeApi, csrf_token, sign_in

from portal.app import create_app
from testtime import layout

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]
JUNK_IDS = [
    "%0A",
    "networks%0A",
    "networks%0D%0AX-Injected:%20yes",
    "%FF",
    "%C0%AF",
    "%00",
    "..",
    "%2e%2e",
    "%252e%252e",
    "n" * 100,
    "%E2%80%AE",
    "%F0%9F%94%91",
    "%D0%9A%D0%BB%D1%8E%D1%87",
    "a%20b",
    "%3Cscript%3E",
]
EXTRA_PATHS = [
    "/%FF",
    "/signin%0A",
    "/signin/",
    "//signin",
    "/static/../app.py",
    "/static/%2e%2e/app.py",
    "/static/portal.css%00",
    "/static/%FF",
    "/tests?x=%FF&y=%00",
    "/results?subjectName=%FF&testId=%0A",
    "/results?subjectName=" + "a" * 5000,
    "/results?subjectName=networks&subjectName=%0A",
    "/test/networks/net01?subjectName=%0A",
    "/submitted?x=%FF",
]
JUNK_KEYS = ["Ключ-студента-1234567890", "🔑" * 30, "key\r\nX-Injected: yes-1234567890", "\x00" * 30, "k" * 300]
# (content type, body) sent as they are
RAW_BODIES = [
    ("application/x-www-form-urlencoded", b"api_key=\xff\xfe&csrf_token=\xff"),
    ("application/x-www-form-urlencoded", b"api_key=%FF%FE&answer.q1=%00&csrf_token=%"),
    ("application/x-www-form-urlencoded", b"&&&===&" * 2000),
    ("multipart/form-data", b"--x\r\n\r\n"),  # no boundary
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n\xff\r\n--x--\r\n"),
    ("application/json", b'{"api_key": "' + "Ж".encode() * 30 + b'"}'),
    ("text/plain; charset=utf-16", "api_key=Ключ".encode("utf-16")),
]
JUNK_COOKIES = [
    "",
    "garbage",
    "\x00\x01\x02",
    "a.b.c.d.e",
    "Ключ",
    "x" * 3000,
    "%FF%FE",
    '"quoted"',
]
WERKZEUG_WORDS = re.compile(
    r"Werkzeug|Traceback|Request Entity Too Large|The requested URL was not found|method is not allowed|"
    r"Internal Server Error|<title>\d{3} |Forbidden|Missing Authentication Token|BadRequest|KeyError|Exception"
)


def rule_paths(app: Flask) -> list[str]:
    """Every route with its arguments as valid ids and as each junk id."""
    paths: set[str] = set(EXTRA_PATHS)
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            paths.add("/static/portal.css")
            continue
        for junk in [None, *JUNK_IDS]:
            path = rule.rule
            for number, argument in enumerate(sorted(rule.arguments)):
                value = ("networks", "net01")[number % 2] if junk is None else junk
                path = path.replace(f"<safe_id:{argument}>", value).replace(f"<{argument}>", value)
            paths.add(path)
    return sorted(paths)


def assert_the_portals_answer(response: object, method: str, path: str) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, f"{method} {path!r} answered {status}"
    if status in (301, 302, 303, 307, 308) or method in ("HEAD", "OPTIONS"):
        return
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    if path.startswith("/healthz") and status in (200, 503):
        assert response.is_json  # type: ignore[attr-defined]
        return
    if path == "/static/portal.css" and status == 200:
        return
    if path == "/results/gradebook.csv" and status == 200:  # the trainer's download: a CSV, not a page
        assert response.mimetype == "text/csv"  # type: ignore[attr-defined]
        return
    assert "· Test Time</title>" in body, f"{method} {path!r} ({status}) is not the portal's page: {body[:300]!r}"
    assert not WERKZEUG_WORDS.search(body), f"{method} {path!r} ({status}): {WERKZEUG_WORDS.search(body)}"


def assert_the_api_saw_only_ids_and_keys(fake_api: FakeApi) -> None:
    for _, path, headers in fake_api.requests:
        for name, values in parse_qs(urlsplit(path).query, keep_blank_values=True).items():
            assert all(layout.is_safe_id(value) for value in values), f"{name}={values!r} reached the API"
        assert re.fullmatch(r"[\x21-\x7e]{20,128}", headers.get("x-api-key", "")), "a non-key in the header"


@pytest.fixture
def clients(app: Flask) -> Iterator[dict[str, FlaskClient]]:
    student, trainer = app.test_client(), app.test_client()
    assert sign_in(student, STUDENT_KEY).status_code == 302
    assert sign_in(trainer, TRAINER_KEY).status_code == 302
    yield {"visitor": app.test_client(), "student": student, "trainer": trainer}


@pytest.mark.parametrize("who", ["visitor", "student", "trainer"])
def test_every_route_and_method_with_junk_ids_answers_the_portals_own_page(
    app: Flask, clients: dict[str, FlaskClient], fake_api: FakeApi, who: str
) -> None:
    client = clients[who]
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    forms = [{}, {"csrf_token": token}, {"csrf_token": token, "answer.q1": "A\n", "answer.q9\r\n": "%00"}]
    refused_forms = [{}, {"csrf_token": "forged"}]  # for the sign-out, which a valid one would end the sweep with
    for path in rule_paths(app):
        for method in METHODS:
            for form in (refused_forms if path == "/signout" else forms) if method == "POST" else [None]:
                assert_the_portals_answer(client.open(path, method=method, data=form), method, path)
    start_page = {"visitor": "/signin", "student": "/tests", "trainer": "/results"}[who]
    assert client.get("/").headers["Location"].endswith(start_page), "the sweep left the client as it was"
    assert_the_api_saw_only_ids_and_keys(fake_api)


@pytest.mark.parametrize("who", ["visitor", "student", "trainer"])
def test_junk_forms_keys_and_bodies_never_fail(
    app: Flask, clients: dict[str, FlaskClient], fake_api: FakeApi, who: str
) -> None:
    client = clients[who]
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    for path in (
        "/signin",
        "/test/networks/net01",
        "/test/networks/net01/review",
        "/test/networks/net01/submit",
        "/signout",  # last: a valid token signs the client out
    ):
        for key in JUNK_KEYS:
            data = {"csrf_token": token, "api_key": key, "answer.q1": key}
            assert_the_portals_answer(client.post(path, data=data), "POST", path)
        for content_type, body in RAW_BODIES:
            response = client.post(path, data=body, content_type=content_type)
            assert_the_portals_answer(response, "POST", path)
        many = {"csrf_token": token, **{f"answer.q{index}": "A" for index in range(3000)}}
        assert_the_portals_answer(client.post(path, data=many), "POST", path)
    assert_the_api_saw_only_ids_and_keys(fake_api)


@pytest.mark.parametrize("cookie", JUNK_COOKIES)
def test_a_garbled_session_cookie_starts_afresh(app: Flask, fake_api: FakeApi, cookie: str) -> None:
    client = app.test_client()
    client.set_cookie("tt_session", cookie)
    for path in ("/", "/signin", "/tests", "/results", "/test/networks/net01"):
        assert_the_portals_answer(client.get(path), "GET", path)
    client.set_cookie("tt_session", cookie)
    response = client.post("/signin", data={"api_key": STUDENT_KEY, "csrf_token": "forged"})
    assert response.status_code == 400 and "Form not accepted" in response.get_data(as_text=True)
    assert sign_in(client, STUDENT_KEY).status_code == 302, "a garbled cookie is replaced, not a dead end"
    assert fake_api.requests and all(h["x-api-key"] == STUDENT_KEY for _, _, h in fake_api.requests)


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "\u00e9vil.example"},
        {"Host": "a" * 300},
        {"Referer": "\x00\xff"},
        {"Accept-Language": "\xff" * 100},
        {"Forwarded": "for=\xff;proto=\x00;host=\xfe"},
        {"X-Forwarded-For": "not-an-address, \xff"},
        {"Content-Length": "-1"},
    ],
)
def test_junk_headers_never_fail(clients: dict[str, FlaskClient], headers: dict[str, str]) -> None:
    for client in clients.values():
        for path in ("/", "/signin", "/tests", "/results", "/test/networks/net01", "/no-such-page"):
            assert_the_portals_answer(client.get(path, headers=headers), "GET", path)


def test_a_method_a_page_does_not_take_is_a_405_page_naming_what_it_takes(client: FlaskClient) -> None:
    response = client.open("/signin", method="DELETE")
    html = response.get_data(as_text=True)
    assert response.status_code == 405
    assert "<h1>Not possible here</h1>" in html and "cannot be used that way" in html
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    head = client.head("/signin")
    assert head.status_code == 200 and head.get_data() == b""


@pytest.mark.parametrize("proxy_header", ["forwarded", "x-forwarded"])
def test_junk_forwarding_headers_behind_a_proxy_never_fail(fake_api: FakeApi, proxy_header: str) -> None:
    environ = {
        "API_URL": fake_api.url,
        "PORTAL_SECRET_KEY": "s" * 48,
        "PORTAL_PROXY_HOPS": "1",
        "PORTAL_PROXY_HEADER": proxy_header,
    }
    client = create_app({"TESTING": True}, environ=environ).test_client()
    junk = [
        {"Forwarded": "for=\xff;proto=https;host=\xfe\x00"},
        {"Forwarded": "proto=https;host=" + "a" * 300},  # a DNS label past 63 characters: Werkzeug's BadHost
        {"Forwarded": ";;;,,,=,="},
        {"X-Forwarded-Host": "\xff\x00", "X-Forwarded-Proto": "https"},
        {"X-Forwarded-Host": "a" * 300, "X-Forwarded-For": ",,,"},
        {"X-Forwarded-Host": "a:b:c", "X-Forwarded-Proto": "javascript"},
    ]
    for headers in junk:
        for path in ("/", "/signin", "/tests", "/no-such-page"):
            assert_the_portals_answer(client.get(path, headers=headers), "GET", path)
        response = client.post("/signin", data={"api_key": STUDENT_KEY}, headers=headers)
        assert_the_portals_answer(response, "POST", "/signin")

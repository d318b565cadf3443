"""The portal's server-side sessions: the cookie carries a signed random id and never the API key, signing out
revokes the stored session (a saved cookie no longer signs anyone in), the store is shared by gunicorn's worker
processes, and behind the HTTP API's RFC 7239 Forwarded header the portal knows it is served over HTTPS."""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from portal_support import STUDENT_KEY, TRAINER_KEY, FakeApi, csrf_token, gunicorn, sign_in

from portal.app import create_app

COOKIE = "tt_session"
PUBLIC_HOST = "a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com"
# What API Gateway's HTTP API sends to an HTTP_PROXY integration (by= is the VPC link's address).
FORWARDED = f"by=10.42.0.17;for=198.51.100.7;host={PUBLIC_HOST};proto=https"


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def decoded_parts(value: str) -> list[bytes]:
    """Every way the cookie's value can be read: as is, each dot-separated part base64-decoded, and inflated
    (Flask's own cookie session is ``[.]base64(zlib?(json)).timestamp.signature``)."""
    readings = [value.encode()]
    for part in value.split("."):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            continue
        readings.append(raw)
        with contextlib.suppress(zlib.error):
            readings.append(zlib.decompress(raw))
    return readings


def test_the_cookie_holds_a_signed_random_id_and_no_api_key(app: Flask, client: FlaskClient) -> None:
    assert sign_in(client, STUDENT_KEY).status_code == 302
    value = session_cookie(client)
    for reading in decoded_parts(value):
        assert STUDENT_KEY.encode() not in reading, "the API key is readable in the cookie"
        assert b"api_key" not in reading and b"student" not in reading, "session data in the cookie"
    sid, _, signature = value.rpartition(".")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", sid), "32 random bytes, base64url"
    assert signature, "the id is signed"
    # The key is kept server side, in the store's files, readable by the portal's user only.
    store = app.config["SESSION_CACHELIB"]
    assert store.get(f"testtime:{sid}")["api_key"] == STUDENT_KEY
    files = [Path(store._path) / name for name in os.listdir(store._path) if not name.endswith("__wz_cache_count")]
    assert files and all(path.stat().st_mode & 0o077 == 0 for path in files)


def test_a_forged_or_unsigned_session_id_signs_nobody_in(app: Flask, client: FlaskClient) -> None:
    assert sign_in(client, STUDENT_KEY).status_code == 302
    sid = session_cookie(client).rpartition(".")[0]
    other = app.test_client()
    for forged in (sid, f"{sid}.AAAAAAAAAAAAAAAAAAAAAAAAAAA"):
        other.set_cookie(COOKIE, forged)
        assert other.get("/tests").headers["Location"].endswith("/signin")


def test_signing_out_revokes_a_saved_cookie(app: Flask, as_student: FlaskClient) -> None:
    saved = session_cookie(as_student)
    assert as_student.get("/tests").status_code == 200
    token = csrf_token(as_student.get("/tests").get_data(as_text=True))
    assert as_student.post("/signout", data={"csrf_token": token}).headers["Location"].endswith("/signin")

    replay = app.test_client()
    replay.set_cookie(COOKIE, saved)
    response = replay.get("/tests", follow_redirects=True)
    assert response.request.path == "/signin", "the saved cookie still signs the student in"
    page = response.get_data(as_text=True)
    assert "Sign in" in page and "Signed in as" not in page
    assert session_cookie(as_student) != saved, "a new id after signing out"
    assert app.config["SESSION_CACHELIB"].get(f"testtime:{saved.rpartition('.')[0]}") is None, "still stored"


def test_signing_in_starts_a_new_session_id(app: Flask, client: FlaskClient) -> None:
    client.get("/signin")
    before = session_cookie(client)
    assert sign_in(client, STUDENT_KEY).status_code == 302
    after = session_cookie(client)
    assert after != before, "an id set before sign-in (session fixation) must not carry the signed-in session"
    stale = app.test_client()
    stale.set_cookie(COOKIE, before)
    assert stale.get("/tests").headers["Location"].endswith("/signin")


def test_a_session_dir_is_required_outside_tests() -> None:
    with pytest.raises(RuntimeError, match="PORTAL_SESSION_DIR is not set"):
        create_app(environ={"API_URL": "http://127.0.0.1:9/api", "PORTAL_SECRET_KEY": "s" * 48})


# ---------------------------------------------------------------- behind the HTTP API (RFC 7239 Forwarded)


@pytest.fixture
def behind_http_api(fake_api: FakeApi) -> FlaskClient:
    environ = {
        "API_URL": fake_api.url,
        "PORTAL_SECRET_KEY": "s" * 48,
        "PORTAL_COOKIE_SECURE": "true",
        "PORTAL_PROXY_HOPS": "1",
        "PORTAL_PROXY_HEADER": "forwarded",
    }
    # The integration reaches the task by its private address, so Host is not the public name.
    client = create_app({"TESTING": True}, environ=environ).test_client()
    client.environ_base.update(HTTP_HOST="10.42.0.99:8080", REMOTE_ADDR="10.42.0.17")
    return client


def test_behind_the_http_api_the_portal_is_https_with_hsts_and_a_secure_cookie(behind_http_api: FlaskClient) -> None:
    response = behind_http_api.get("/signin", headers={"Forwarded": FORWARDED})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = response.get_data(as_text=True)
    # Signing in passes Flask-WTF's HTTPS referrer check only when the public host is known.
    response = behind_http_api.post(
        "/signin",
        data={"api_key": STUDENT_KEY, "csrf_token": csrf_token(page)},
        headers={"Forwarded": FORWARDED, "Referer": f"https://{PUBLIC_HOST}/signin"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_only_the_element_the_http_api_added_is_trusted(behind_http_api: FlaskClient) -> None:
    # A client's own Forwarded element comes first; the proxy's is the last one.
    spoofed = f"for=203.0.113.9;host=evil.example;proto=http, {FORWARDED}"
    response = behind_http_api.get("/signin", headers={"Forwarded": spoofed, "X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" in response.headers
    unproxied = behind_http_api.get("/signin", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in unproxied.headers, "X-Forwarded-* is not the HTTP API's header"


def test_the_browser_sends_the_referrer_that_the_https_form_check_needs(
    behind_http_api: FlaskClient,
) -> None:
    response = behind_http_api.get("/signin", headers={"Forwarded": FORWARDED})
    # no-referrer would make every HTTPS form fail: Flask-WTF refuses a POST without a Referer there.
    assert response.headers["Referrer-Policy"] == "same-origin"
    refused = behind_http_api.post(
        "/signin",
        data={"api_key": STUDENT_KEY, "csrf_token": csrf_token(response.get_data(as_text=True))},
        headers={"Forwarded": FORWARDED},
    )
    assert refused.status_code == 400


# ---------------------------------------------------------------- two gunicorn workers, one store


@pytest.fixture
def gunicorn_portal(fake_api: FakeApi, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The portal under gunicorn with two worker processes, as bin/portal.sh and the container run it."""

    def ready(port: int) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    options = ("--workers", "2", "--threads", "1", "--access-logfile", "-")
    options += ("--access-logformat", "pid=%(p)s %(r)s %(s)s")
    with gunicorn(fake_api, tmp_path, ready, options=options) as (port, log_path):
        yield f"http://127.0.0.1:{port}", log_path


def test_every_worker_process_sees_the_session_and_its_revocation(gunicorn_portal: tuple[str, Path]) -> None:
    url, log = gunicorn_portal
    browser = requests.Session()
    page = browser.get(f"{url}/signin", timeout=10).text
    form = {"api_key": TRAINER_KEY, "csrf_token": csrf_token(page)}
    signed_in = browser.post(f"{url}/signin", data=form, allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302
    saved = browser.cookies.get(COOKIE)
    # A new connection each time, eight at once: while one single-threaded worker is busy the other accepts (one
    # after another, the kernel may hand every connection to the same worker).
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: requests.get(f"{url}/results", cookies={COOKIE: saved},
                                                      allow_redirects=False, timeout=10), range(40)))  # fmt: skip
    assert all(page.status_code == 200 and "Ada" in page.text for page in pages)
    token = csrf_token(browser.get(f"{url}/results", timeout=10).text)
    assert browser.post(f"{url}/signout", data={"csrf_token": token}, allow_redirects=False, timeout=10).is_redirect
    with ThreadPoolExecutor(8) as pool:
        replays = list(pool.map(lambda _: requests.get(f"{url}/results", cookies={COOKIE: saved},
                                                        allow_redirects=False, timeout=10), range(20)))  # fmt: skip
    assert all(r.status_code == 302 and r.headers["Location"].endswith("/signin") for r in replays)
    served = re.findall(r"pid=<?(\d+)>? GET /results HTTP/1.1 (\d+)", log.read_text())
    assert len({pid for pid, status in served if status == "200"}) == 2, "both workers served the signed-in pages"
    assert len({pid for pid, status in served if status == "302"}) == 2, "both workers refused the saved cookie"


def test_a_flood_of_anonymous_visits_leaves_a_signed_in_student_signed_in(
    fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store holds a bounded number of sessions and drops those that expire first when full: a visitor who
    never signs in (a session for the sign-in form's CSRF token) must be dropped before any student."""
    monkeypatch.setattr("portal.app.SESSION_STORE_THRESHOLD", 20)
    app = create_app({"TESTING": True}, environ={"API_URL": fake_api.url, "PORTAL_SECRET_KEY": "s" * 48})
    student = app.test_client()
    assert sign_in(student, STUDENT_KEY).status_code == 302
    time.sleep(1.1)  # the store's expiry times have whole seconds: the visitors' sessions are all newer
    for _ in range(60):
        assert app.test_client().get("/signin").status_code == 200
    assert student.get("/tests").status_code == 200, "the student was signed out by anonymous visits"

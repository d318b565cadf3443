"""The portal under gunicorn (as bin/portal.sh and the container run it), sent raw HTTP bytes no browser would
send: percent-encoded junk in the path and query, unknown methods, a 1 MB body. Every answer is below 500 and,
once the request reaches the app, the portal's own page. What gunicorn refuses before the app sees the request
(raw non-ASCII bytes in the request line or a header, a request line past 4094 bytes) is gunicorn's 400 or 414."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from portal_support import FakeApi, gunicorn

REACHES_THE_APP = [
    (b"GET /tests/%FF/x", 404),
    (b"GET /test/%FF%FE/x", 404),
    (b"GET /test/networks%0D%0AX-Injected:%20yes/net01", 404),
    (b"GET /test/a%00b/x", 404),
    (b"GET /signin%0A", 404),
    (b"GET /results?subjectName=%FF", 302),  # a visitor: to the sign-in page first
    (b"PUT /signin", 405),
    (b"BREW /signin", 405),
    (b"TRACE /", 405),
    (b"OPTIONS *", 404),
    (b"HEAD /signin", 200),
    (b"GET http://elsewhere.example/signin", 200),
]
# Werkzeug's default descriptions and titles, which the portal's pages replace with its own words.
DEFAULT_WORDS = re.compile(rb"Werkzeug|Traceback|requested URL|method is not allowed|Not Found<|Method Not Allowed<")
GUNICORNS_OWN = [
    b"GET /test/\xff\xfe/x HTTP/1.1\r\nHost: portal\r\n",
    b"GET /results?subjectName=\xff HTTP/1.1\r\nHost: portal\r\n",
    b"GET /signin HTTP/1.1\r\nHost: portal\r\nCookie: tt_session=\xff\x00\r\n",
    b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: portal\r\n",
]


@pytest.fixture
def portal_port(fake_api: FakeApi, tmp_path: Path) -> Iterator[int]:
    def ready(port: int) -> bool:
        return b" 200 " in exchange(port, b"GET /healthz HTTP/1.1\r\nHost: portal\r\n")[:20]

    with gunicorn(fake_api, tmp_path, ready, options=("--workers", "1"), secret="w" * 48) as (port, log_path):
        yield port
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


def exchange(port: int, head: bytes, body: bytes = b"") -> bytes:
    """One request on its own connection (``Connection: close``), the whole answer."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(head + b"Connection: close\r\n\r\n" + body)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
            return answer
    except OSError:
        return b""


def status_of(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    assert match, answer[:200]
    return int(match.group(1))


def test_raw_junk_that_reaches_the_app_gets_the_portals_own_page(portal_port: int) -> None:
    for request_line, expected in REACHES_THE_APP:
        answer = exchange(portal_port, request_line + b" HTTP/1.1\r\nHost: portal\r\n")
        assert status_of(answer) == expected, (request_line, answer[:300])
        if expected in (404, 405):
            assert "· Test Time</title>".encode() in answer, (request_line, answer[-500:])
            assert not DEFAULT_WORDS.search(answer), (request_line, answer[-500:])


def test_a_one_megabyte_body_is_the_portals_413_page(portal_port: int) -> None:
    head = (
        b"POST /signin HTTP/1.1\r\nHost: portal\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 1000000\r\n"
    )
    answer = exchange(portal_port, head, b"api_key=" + b"k" * (1_000_000 - 8))
    assert status_of(answer) == 413
    assert b"<h1>Too much data</h1>" in answer


def test_what_gunicorn_refuses_itself_is_no_5xx(portal_port: int) -> None:
    for head in GUNICORNS_OWN:
        assert status_of(exchange(portal_port, head)) in (400, 414), head[:60]

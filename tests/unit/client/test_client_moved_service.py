"""A URL that no longer answers as this service (a removed stage, a deleted REST API, a host that is gone) is said
in words, "ask your trainer for the new set-up", and never mixed up with a wrong key: the local server answers as
API Gateway and MiniStack do (the bodies and the x-amzn-ErrorType header of each case)."""

from __future__ import annotations

from pathlib import Path

import pytest
from client_harness import FakeApi, run_client, write_config
from test_time.outcomes import EXIT_CONFIG, EXIT_FORBIDDEN, EXIT_NETWORK

MOVED = (
    "The service address has changed or the service is gone: ask your trainer for the new set-up "
    "(bin/pull-api-config.sh)."
)
FORBIDDEN = {"x-amzn-ErrorType": "ForbiddenException"}
NO_ROUTE = {"x-amzn-ErrorType": "MissingAuthenticationTokenException"}


def gateway_refuses_the_key(api: FakeApi) -> None:
    """A live stage: the route refuses the key; a path that is no route is an unknown resource."""
    api.reply("POST", "/v1/tests", {"message": "Forbidden"}, status=403, **FORBIDDEN)
    api.reply("GET", "/v1", {"message": "Missing Authentication Token"}, status=403, **NO_ROUTE)


def stage_removed(api: FakeApi) -> None:
    """No such stage: API Gateway answers every path with its Forbidden, whatever the key."""
    api.reply("POST", "/v1/tests", {"message": "Forbidden"}, status=403, **FORBIDDEN)
    api.reply("GET", "/v1", {"message": "Forbidden"}, status=403, **FORBIDDEN)


def test_a_removed_stage_says_the_address_changed(fake_api: FakeApi, tmp_path: Path) -> None:
    stage_removed(fake_api)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert proc.stderr == f"test-time.sh: {MOVED}\n"
    assert "Forbidden" not in proc.stderr and "403" not in proc.stderr
    probe = fake_api.seen[1]
    assert (probe.method, probe.path) == ("GET", "/stage/api/v1")
    assert "x-api-key" not in probe.headers  # the key goes to the routes only


def test_a_wrong_key_on_a_live_stage_is_still_a_wrong_key(fake_api: FakeApi, tmp_path: Path) -> None:
    gateway_refuses_the_key(fake_api)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.returncode == EXIT_FORBIDDEN, proc.stderr
    assert "your API key was not accepted" in proc.stderr
    assert "address has changed" not in proc.stderr


def test_the_apis_own_refusal_of_a_key_asks_nothing_more(fake_api: FakeApi, tmp_path: Path) -> None:
    """A key of a student no longer on the class list: the function itself refuses, with an error code."""
    fake_api.reply("POST", "/v1/tests", {"error": "forbidden", "message": "Not a student of the class list."}, 403)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.returncode == EXIT_FORBIDDEN, proc.stderr
    assert "not accepted" in proc.stderr and "Not a student of the class list." in proc.stderr
    assert [seen.path for seen in fake_api.seen] == ["/stage/api/v1/tests"]


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (404, b'{"message": "Not Found"}', {}),  # MiniStack: a deleted REST API
        (403, b'{"message":"Missing Authentication Token"}', NO_ROUTE),  # no such route at this URL
        (404, b"<html><body>Not Found</body></html>", {}),  # no API at all answers there any more
    ],
    ids=["deleted-api", "no-route", "no-api"],
)
def test_a_deleted_api_says_the_address_changed(
    fake_api: FakeApi, tmp_path: Path, status: int, body: bytes, headers: dict[str, str]
) -> None:
    fake_api.reply("POST", "/v1/tests", body, status=status, **headers)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert proc.stderr == f"test-time.sh: {MOVED}\n"


def test_a_test_the_api_does_not_know_is_not_a_moved_service(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/test", {"error": "not_found", "message": "testId: no test 'x'"}, status=404)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--subject", "os", "--test", "x")
    assert "not found: testId: no test 'x'" in proc.stderr
    assert "address has changed" not in proc.stderr


def test_a_host_that_no_longer_resolves_names_both_causes(tmp_path: Path) -> None:
    """.invalid never resolves (RFC 6761), as a deleted API's host name may not."""
    proc = run_client(write_config(tmp_path / "config", "https://gone-api.invalid/prod"), "--list")
    assert proc.returncode == EXIT_NETWORK, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "unknown host (check your network and the API URL); if your network works: the service address" in (
        proc.stderr
    )
    assert "ask your trainer for the new set-up (bin/pull-api-config.sh)" in proc.stderr


def test_the_first_runs_check_gets_the_same_words(fake_api: FakeApi, tmp_path: Path) -> None:
    """bin/test_time/first_run.py checks a typed URL and key through Api: the same failure, said before asking again."""
    from test_time.api import Api
    from test_time.outcomes import Failure

    stage_removed(fake_api)
    with pytest.raises(Failure) as raised:
        Api(fake_api.url, "a-key-of-twenty-chars-or-more").list_tests()
    assert (raised.value.message, raised.value.status) == (MOVED, EXIT_CONFIG)

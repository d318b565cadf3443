"""The config file's values before they reach a header, a URL or the file again: a key that http.client cannot send
or that would add a header, a URL with a password or characters no API URL has, an id from the API in the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from client_harness import KEY, FakeApi, listing, run_client, write_config
from test_time.api import Api
from test_time.outcomes import EXIT_CONFIG, Failure
from test_time.settings import normalise_url, read_config
from test_time.settings import write_config as save_config


@pytest.mark.parametrize(
    "key",
    [
        "ключ-двадцать-символов",
        "key-with-emoji-🙂-inside",
        "key with a space inside",
        "key\twith-a-tab-inside",
        "k\x00y",
    ],
    ids=repr,
)
def test_a_key_no_api_key_has_is_one_line_and_no_request(fake_api: FakeApi, tmp_path: Path, key: str) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    proc = run_client(write_config(tmp_path / "config", fake_api.url, key=key), "--list")
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr  # no traceback (UnicodeEncodeError before the fix)
    assert "API_KEY has characters no API key has" in proc.stderr
    assert key not in proc.stderr  # a key is never printed
    assert fake_api.seen == []


@pytest.mark.parametrize("key", [KEY + "\r\nX-Injected: 1", KEY + "\nX-Injected: 1", KEY + "\r", "é" * 20])
def test_the_api_refuses_a_key_that_breaks_its_header(fake_api: FakeApi, key: str) -> None:
    """ops/smoke hands the key to Api directly, without a config file: the check is in Api too."""
    with pytest.raises(Failure) as refused:
        Api(fake_api.url, key)
    assert refused.value.status == EXIT_CONFIG
    assert fake_api.seen == []


def test_a_url_with_a_password_is_refused_without_showing_it(fake_api: FakeApi, tmp_path: Path) -> None:
    url = fake_api.url.replace("http://", "http://student:s3cret-pw@")
    proc = run_client(write_config(tmp_path / "config", url), "--list")
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "no user name or password" in proc.stderr
    assert "s3cret-pw" not in proc.stderr and "student:" not in proc.stderr
    assert fake_api.seen == []


@pytest.mark.parametrize(
    "tail",
    ["\u200b", "/ścieżka", ":99999", ":0", ":port", "\x7f"],
    ids=["zero-width", "non-ascii", "port", "0", "p", "del"],
)
def test_a_url_no_api_url_has_is_one_line_and_no_request(fake_api: FakeApi, tmp_path: Path, tail: str) -> None:
    host = "http://127.0.0.1"
    url = host + tail if tail.startswith(":") else fake_api.url + tail
    proc = run_client(write_config(tmp_path / "config", url), "--list")
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr  # no traceback
    assert "invalid config" in proc.stderr and "API_URL" in proc.stderr
    assert fake_api.seen == []


@pytest.mark.parametrize("character", ["\r", "\n", "\u2028", "\x85", "\x1e", "\x1b", "\x00", "\u200b", "é"], ids=repr)
def test_a_url_with_a_line_break_or_control_character_inside_is_refused(character: str) -> None:
    with pytest.raises(ValueError):
        normalise_url(f"http://127.0.0.1:8080/st{character}age")


def test_a_student_id_from_the_api_never_writes_a_line_of_its_own(tmp_path: Path) -> None:
    """The first run saves the studentId the API answered: one with a line break would add a setting."""
    path = tmp_path / "config"
    save_config(path, {"API_URL": "http://127.0.0.1:9/api", "API_KEY": KEY, "STUDENT_ID": "x\nAPI_URL=http://evil"})
    read = read_config(path)
    assert read is not None
    assert read["API_URL"] == "http://127.0.0.1:9/api"
    assert "STUDENT_ID" not in read and "evil" not in path.read_text()
    with pytest.raises(ValueError):
        save_config(path, {"API_URL": "http://127.0.0.1:9/api", "API_KEY": KEY + "\nAPI_URL=http://evil"})
    assert read_config(path) == read  # the refused write left the file as it was

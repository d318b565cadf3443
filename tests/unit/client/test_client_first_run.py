"""The first run's prompts refuse what the config file refuses: a URL with a password or characters no API URL
has, a key with characters no API key has (it would break the x-api-key header); each is asked again."""

from __future__ import annotations

import io

import pytest
from client_harness import KEY
from test_time import first_run
from test_time.console import Console


def test_the_key_prompt_asks_again_until_it_is_a_key(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    typed = iter(["ключ-двадцать-символов", "a\x1b[2Jkey-of-twenty-chars", "key with spaces in it", KEY])
    monkeypatch.setattr(first_run.getpass, "getpass", lambda prompt: next(typed))  # the student typing
    assert first_run.ask_key(Console()) == KEY
    out = capsys.readouterr().out
    assert out.count("That is not an API key: an API key is only letters, digits and punctuation") == 3
    assert "ключ" not in out  # a key is never shown


def test_the_url_prompt_asks_again_and_never_shows_a_password(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    lines = "https://anna:s3cret-pw@abc.execute-api.eu-central-1.amazonaws.com/api\nhttp://127.0.0.1:8080/a\u200bpi\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines + "http://127.0.0.1:8080/api/v1/tests\n"))
    assert first_run.ask_url(Console()) == "http://127.0.0.1:8080"
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "'https://...@abc.execute-api.eu-central-1.amazonaws.com/api': the API URL has no user name or password" in out
    )
    assert out.count("s3cret-pw") == 1  # only the echo of the line read from the pipe, never in a message
    assert out.count("paste the URL your trainer gave you") == 2

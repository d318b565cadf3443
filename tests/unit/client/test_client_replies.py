"""What the API answers, shown and never obeyed: no redirect followed with the key, a reply too deep or too big is
one line, text with escape sequences is shown as text, and a message stays one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from client_harness import FakeApi, listing, one_question, run_client, write_config
from test_time.outcomes import EXIT_CONFIG, EXIT_REJECTED, EXIT_SERVER


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_with_the_key(fake_api: FakeApi, tmp_path: Path, status: int) -> None:
    elsewhere = fake_api.url + "/elsewhere"
    fake_api.reply("POST", "/v1/tests", b"", status=status, Location=elsewhere)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert proc.stderr.count("\n") == 1 and "sends requests elsewhere" in proc.stderr
    assert [seen.path for seen in fake_api.seen] == ["/stage/api/v1/tests"]  # the Location never got the key


def test_a_reply_nested_too_deep_is_one_line(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", b"[" * 200_000 + b"]" * 200_000)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.returncode == EXIT_SERVER, proc.stderr  # RecursionError's traceback before the fix
    assert proc.stderr.count("\n") == 1 and "not a JSON object" in proc.stderr


def test_a_reply_larger_than_api_gateway_sends_is_not_read_whole(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", b'{"subjects": [], "pad": "' + b"x" * (11 * 1024 * 1024) + b'"}')
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.returncode == EXIT_SERVER, proc.stderr
    assert "larger than 10 MB" in proc.stderr


@pytest.mark.parametrize("reply", [{"subjects": ["not a subject"]}, {"subjects": [{"tests": [7]}]}], ids=repr)
def test_a_listing_of_another_shape_is_one_line(fake_api: FakeApi, tmp_path: Path, reply: object) -> None:
    fake_api.reply("POST", "/v1/tests", reply)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.returncode == EXIT_SERVER, proc.stderr  # AttributeError's traceback before the fix
    assert proc.stderr.count("\n") == 1 and "unexpected reply" in proc.stderr


def test_a_message_with_line_breaks_and_escapes_stays_one_line(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/test", {"message": "no such test\nfake: second line\x1b]0;owned\x07"}, status=404)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--subject", "os", "--test", "test01")
    assert proc.returncode == EXIT_REJECTED, proc.stderr
    assert proc.stderr.count("\n") == 1 and "\x1b" not in proc.stderr
    assert "no such test\\x0afake: second line\\x1b]0;owned\\x07" in proc.stderr


def test_question_text_with_escape_sequences_is_shown_as_text(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    fake_api.reply("GET", "/v1/test", one_question("Clear\x1b[2J the screen\x9b?"))
    proc = run_client(
        write_config(tmp_path / "config", fake_api.url), "--subject", "os", "--test", "test01", input="a\nn\n"
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "\x1b" not in proc.stdout and "\x9b" not in proc.stdout
    assert "Clear\\x1b[2J the screen\\x9b?" in proc.stdout


def test_answers_typed_with_control_characters_are_explained_not_echoed_raw(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    fake_api.reply("GET", "/v1/test", one_question())
    typed = "a\x1b[31m\nb\x00\nA\nn\n"
    proc = run_client(
        write_config(tmp_path / "config", fake_api.url), "--subject", "os", "--test", "test01", input=typed
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "\x1b" not in proc.stdout and "\x00" not in proc.stdout
    assert "'a\\x1b[31m' is not one of a, b — type one of them" in proc.stdout
    assert "'b\\x00' is not one of a, b" in proc.stdout
    assert "-> a) right" in proc.stdout  # the third line was the answer
    assert [seen.method for seen in fake_api.seen] == ["GET", "POST"]  # nothing submitted: cancelled


@pytest.mark.parametrize("number", ["²", "٣", "1.0", "+1", " 1e0"], ids=repr)
def test_numbers_at_the_menu_and_the_review_are_ascii_digits(fake_api: FakeApi, tmp_path: Path, number: str) -> None:
    """str.isdigit() is true for '²' and '٣', and int('²') raises ValueError: both are asked again."""
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01"), ("os", "test02")))
    fake_api.reply("GET", "/v1/test", one_question())
    typed = f"{number}\n1\na\n{number}\nn\n"
    proc = run_client(write_config(tmp_path / "config", fake_api.url), input=typed)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{number.strip()!r} is not a test number: type a number from 1-2." in proc.stdout
    assert f"{number.strip()!r} is not y, n or a question number from 1 to 1" in proc.stdout
    assert proc.stderr.strip() == "Cancelled. Nothing was sent."

"""A test already submitted says so before any question (and stops, unless it takes resubmissions); the review
says that sending is final; a key the API refuses at the first call is asked again, alone, in a terminal, and
written to the config only once the API accepts it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from client_harness import KEY, FakeApi, listing, one_question, run_client, write_config
from test_time import first_run
from test_time.main import main
from test_time.outcomes import EXIT_ALREADY, EXIT_FORBIDDEN

SUBMITTED = {"submitted": True, "submittedAt": "2099-01-02T12:00:00+00:00"}
RIGHT_KEY = "the-right-key-of-twenty-chars"


def test_a_submitted_test_says_when_before_any_question_and_stops(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/test", {**one_question(), **SUBMITTED})
    proc = run_client(
        write_config(tmp_path / "config", fake_api.url), "--subject", "os", "--test", "test01", input="a\ny\n"
    )
    assert proc.returncode == EXIT_ALREADY, proc.stdout + proc.stderr
    assert proc.stdout == "\nYou submitted A test on Friday 2 January 2099, 12:00 UTC.\n" or (
        proc.stdout.startswith("\nYou submitted A test on Friday 2 January 2099, ")  # another zone than UTC
    )
    assert "Question" not in proc.stdout and "What is a kernel?" not in proc.stdout
    assert proc.stderr == "test-time.sh: already submitted: your answers to A test are stored and cannot be changed\n"
    assert [seen.method for seen in fake_api.seen] == ["GET"]  # no listing, nothing sent


def test_a_submitted_resubmit_test_says_a_new_submission_replaces_it(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/test", {**one_question(), **SUBMITTED, "resubmit": True})
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    proc = run_client(
        write_config(tmp_path / "config", fake_api.url), "--subject", "os", "--test", "test01", input="a\nn\n"
    )
    assert proc.returncode == 1
    out = " ".join(proc.stdout.split())  # the client wraps to the terminal's width
    said = out.index("You submitted this test on Friday 2 January 2099, ")
    assert "a new submission replaces it (the earlier one is kept)." in out
    assert said < out.index("Question 1/1")  # before any question
    assert "Sending these answers replaces the answers you submitted on " in out
    assert "Sending is final" not in out  # it is not: a new submission replaces it


def test_the_review_says_sending_is_final(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/test", one_question())
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    proc = run_client(
        write_config(tmp_path / "config", fake_api.url), "--subject", "os", "--test", "test01", input="a\nn\n"
    )
    assert (
        "-> a) right\nSending is final: once sent, these answers cannot be changed.\nSend these answers?" in proc.stdout
    )


class Terminal(io.StringIO):
    """What the student types, as a terminal would give it (the client asks only when it has a terminal)."""

    def isatty(self) -> bool:
        return True


def refuse_all_but(api: FakeApi, key: str) -> None:
    api.reply("POST", "/v1/tests", {"message": "Forbidden"}, status=403, **{"x-amzn-ErrorType": "ForbiddenException"})
    api.reply("GET", "/v1", {"message": "Missing Authentication Token"}, status=403)  # a live stage
    api.reply_to_key(key, "POST", "/v1/tests", {**listing(("os", "test01")), "studentName": "Ala Kowalska"})


def test_a_refused_key_is_asked_again_alone_and_saved_once_accepted(
    fake_api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    refuse_all_but(fake_api, RIGHT_KEY)
    config = write_config(tmp_path / "config", fake_api.url, extra="STUDENT_ID=s01\n")
    typed = iter(["still-a-wrong-key-of-20", RIGHT_KEY])
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        assert f"API_KEY={KEY}\n" in config.read_text()  # nothing written before a key is accepted
        return next(typed)

    monkeypatch.setattr(first_run.getpass, "getpass", getpass)
    monkeypatch.setattr("sys.stdin", Terminal(""))
    assert main(["--config", str(config), "--list"]) == 0
    out = capsys.readouterr().out
    assert prompts == ["API key (not shown while you type): "] * 2
    assert "API URL: " not in out  # the URL answered: only the key is asked
    said = " ".join(out.split())  # the console wraps to the terminal's width
    assert "Your API key was not accepted. Paste the key your trainer gave you (the API URL stays as it is)." in said
    assert "That did not work: your API key was not accepted: check API_KEY, or ask your trainer for it." in said
    assert "Forbidden" not in out and "403" not in out
    assert f"OK, you are Ala Kowalska. Saved to {config}" in " ".join(out.split())
    assert "Open tests for Ala Kowalska:\n  1. os: Title of test01 [os/test01]" in out
    saved = config.read_text()
    assert f"API_URL={fake_api.url}\n" in saved and f"API_KEY={RIGHT_KEY}\n" in saved
    assert "STUDENT_ID=student01\n" in saved and KEY not in saved


def test_a_refused_key_from_a_pipe_is_one_line_and_asks_nothing(fake_api: FakeApi, tmp_path: Path) -> None:
    refuse_all_but(fake_api, RIGHT_KEY)
    config = write_config(tmp_path / "config", fake_api.url)
    proc = run_client(config, "--list", input=RIGHT_KEY + "\n")
    assert (proc.returncode, proc.stdout) == (EXIT_FORBIDDEN, "")
    assert proc.stderr == "test-time.sh: your API key was not accepted: check API_KEY, or ask your trainer for it\n"
    assert f"API_KEY={KEY}\n" in config.read_text()

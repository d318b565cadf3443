"""Issue 16 point 8: a test without any new feature is taken exactly as before: the same request body, byte for
byte, the same screens, the same "Stored" line (an old client and this one send the same thing)."""

from __future__ import annotations

from pathlib import Path

from client_harness import FakeApi, listing, one_question, run_client, write_config

# The body the client sent before issue 16 (json.dumps with its default separators, the fields in this order).
SINGLE_ANSWER_BODY = b'{"subjectName": "os", "testId": "test01", "answers": [{"questionId": "1", "answer": "a"}]}'
STORED = {
    "status": "stored",
    "subjectName": "os",
    "testId": "test01",
    "studentId": "student01",
    "receivedAt": "2026-12-01T10:00:00Z",
    "answered": 1,
    "questionCount": 1,
}


def test_a_single_answer_test_sends_the_same_body_as_before(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    fake_api.reply("GET", "/v1/test", one_question())
    fake_api.reply("POST", "/v1/test", STORED, status=201)
    config = write_config(tmp_path / "config", fake_api.url)
    proc = run_client(config, "--subject", "os", "--test", "test01", input="A\ny\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    posts = [seen for seen in fake_api.seen if (seen.method, seen.path) == ("POST", "/stage/api/v1/test")]
    assert [seen.body for seen in posts] == [SINGLE_ANSWER_BODY]
    assert posts[0].headers["content-type"] == "application/json"
    out = proc.stdout
    assert "Question 1/1\nWhat is a kernel?\n  a) right\n  b) wrong\nYour answer (a, b): A\n" in out
    assert "point" not in out and "replace" not in out and "choose one or more" not in out
    assert "-> a) right" in out
    assert "Send these answers? y = send, n = cancel, 1-1 = change that answer: y\n" in out
    assert "Stored: your answers to A test were received on " in out


def test_an_already_submitted_test_without_resubmit_is_refused_as_before(fake_api: FakeApi, tmp_path: Path) -> None:
    """Not listed any more after a submission (no "resubmit"): --subject/--test says so without asking anything."""
    fake_api.reply("POST", "/v1/tests", listing())
    fake_api.reply("GET", "/v1/test", one_question())
    config = write_config(tmp_path / "config", fake_api.url)
    proc = run_client(config, "--subject", "os", "--test", "test01", input="a\ny\n")
    assert proc.returncode == 7, proc.stdout + proc.stderr
    assert "already submitted: you already sent your answers to A test; the first ones are kept" in proc.stderr
    assert [seen.method for seen in fake_api.seen] == ["GET", "POST"]  # the test, then the listing: no submission

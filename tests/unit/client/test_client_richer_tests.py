"""Issue 16 in the terminal client: multiple-answer questions typed as ``a,c`` and sent as a list, points per
question, the API's own order of questions and choices, the student's own deadline, and resubmission (the listing,
the review and the "replaced" reply say that a new submission replaces the earlier one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from client_harness import FakeApi, run_client, write_config
from test_time.answers import parse_choices
from test_time.deadlines import local_time, parse_instant

OWN_DEADLINE = "2099-03-07T21:30:00Z"  # an extension: later than everybody else's, as the API answers it
SUBMITTED_AT = "2099-01-02T08:15:00Z"


def rich_test(**extra: Any) -> dict[str, Any]:
    """The API's order (shuffled for this student): question 3 first, its choices c, a, b."""
    return {
        "testId": "test01",
        "title": "Networks, week 3",
        "deadline": OWN_DEADLINE,
        "questions": [
            {
                "questionId": "3",
                "question": "Which are private IPv4 ranges?",
                "answers": [
                    {"answerId": "c", "answerBody": "192.168.0.0/16"},
                    {"answerId": "a", "answerBody": "10.0.0.0/8"},
                    {"answerId": "b", "answerBody": "8.8.8.0/24"},
                ],
                "points": 2,
                "multiple": True,
                "partial": True,
            },
            {
                "questionId": "1",
                "question": "What is a kernel?",
                "answers": [{"answerId": "b", "answerBody": "a browser"}, {"answerId": "a", "answerBody": "the core"}],
                "points": 0.5,
            },
        ],
        **extra,
    }


def rich_listing(**extra: Any) -> dict[str, Any]:
    test = {"testId": "test01", "title": "Networks, week 3", "deadline": OWN_DEADLINE, "questionCount": 2, **extra}
    return {"studentId": "student03", "subjects": [{"subjectName": "os", "tests": [test]}]}


def sent_answers(api: FakeApi) -> list[Any]:
    posts = [seen for seen in api.seen if (seen.method, seen.path) == ("POST", "/stage/api/v1/test")]
    assert len(posts) == 1
    return json.loads(posts[0].body)["answers"]


def take(api: FakeApi, tmp_path: Path, typed: str, reply: dict[str, Any] | None = None, status: int = 201) -> Any:
    api.reply("POST", "/v1/test", reply or {"status": "stored", "receivedAt": "2099-01-03T10:00:00Z"}, status=status)
    config = write_config(tmp_path / "config", api.url)
    return run_client(config, "--subject", "os", "--test", "test01", input=typed)


@pytest.mark.parametrize(
    ("typed", "picked"),
    [
        ("a,c", ("c", "a")),  # in the question's choice order (the API's: c, a, b)
        ("a c", ("c", "a")),
        ("A, C", ("c", "a")),
        (" c ,  a ", ("c", "a")),
        ("a,a", ("a",)),  # a repeat is one choice
        ("b", ("b",)),
        ("a,,b,", ("a", "b")),
    ],
)
def test_several_choices_are_typed_on_one_line(typed: str, picked: tuple[str, ...]) -> None:
    assert parse_choices(typed, ["c", "a", "b"]) == (picked, [])


def test_pieces_that_are_not_choices_are_named() -> None:
    assert parse_choices("a, d x", ["a", "b", "c"]) == (("a",), ["d", "x"])
    assert parse_choices("", ["a", "b"]) == ((), [])
    assert parse_choices("yes no", ["yes no", "maybe"]) == (("yes no",), [])  # a choice id with a blank inside


def test_a_multiple_answer_question_takes_a_list_and_shows_points(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", rich_listing())
    fake_api.reply("GET", "/v1/test", rich_test())
    proc = take(fake_api, tmp_path, "a,d\n\nA, C, a\nA\ny\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "Networks, week 3 (os): 2 questions, 2.5 points" in out
    assert "Question 1/2 (2 points, partial credit)\nWhich are private IPv4 ranges?\n" in out
    assert "  c) 192.168.0.0/16\n  a) 10.0.0.0/8\n  b) 8.8.8.0/24\n" in out  # the API's order
    assert "Your answer (c, a, b — choose one or more, e.g. c,b): a,d\n" in out
    assert "'d' is not one of c, a, b — choose one or more of them, e.g. c,b" in out
    assert "An answer is needed — choose one or more of c, a, b, e.g. c,b" in out
    assert "Question 2/2 (0.5 points)\nWhat is a kernel?\n  b) a browser\n  a) the core\nYour answer (b, a): A\n" in out
    assert "1. Which are private IPv4 ranges?\n       -> c) 192.168.0.0/16\n       -> a) 10.0.0.0/8\n" in out
    assert "2. What is a kernel?\n       -> a) the core\n" in out
    assert "replace" not in out  # no resubmit: nothing about replacing
    # In the API's order; the multiple-answer one a list, the single-answer one a string as before.
    assert sent_answers(fake_api) == [{"questionId": "3", "answer": ["c", "a"]}, {"questionId": "1", "answer": "a"}]


def test_a_multiple_answer_changed_at_the_review(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", rich_listing())
    fake_api.reply("GET", "/v1/test", rich_test())
    proc = take(fake_api, tmp_path, "a\nb\n1\nx\nb a\n1\n\ny\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Your answer (c, a, b — choose one or more, e.g. c,b; Enter keeps a): x\n" in proc.stdout
    assert "'x' is not one of c, a, b" in proc.stdout
    assert "Enter keeps a,b): \n" in proc.stdout  # the second change kept the first change
    assert sent_answers(fake_api) == [{"questionId": "3", "answer": ["a", "b"]}, {"questionId": "1", "answer": "b"}]


def test_the_deadline_shown_is_the_students_own(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", rich_listing())
    fake_api.reply("GET", "/v1/test", rich_test())
    own = parse_instant(OWN_DEADLINE)
    assert own is not None
    listed = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert listed.returncode == 0, listed.stderr
    assert f"deadline {local_time(own)}, closes in" in listed.stdout
    taken = take(fake_api, tmp_path, "a\na\nn\n")
    assert taken.returncode == 1
    assert f"\ndeadline {local_time(own)}, closes in" in taken.stdout  # the test's own page too


def test_a_submitted_resubmit_test_is_listed_reviewed_and_replaced(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", rich_listing(resubmit=True, submitted=True))
    fake_api.reply("GET", "/v1/test", rich_test(resubmit=True, submitted=True, submittedAt=SUBMITTED_AT))
    submitted = parse_instant(SUBMITTED_AT)
    assert submitted is not None
    listed = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert listed.returncode == 0, listed.stderr
    assert "1. os: Networks, week 3 (2 questions) [os/test01]" in listed.stdout
    assert "     submitted; a new submission replaces it\n" in listed.stdout  # the listing does not say when

    fake_api.seen.clear()
    replaced = {"status": "replaced", "version": 2, "receivedAt": "2099-01-04T09:00:00Z", "testId": "test01"}
    proc = take(fake_api, tmp_path, "a\na\ny\n", reply=replaced, status=200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    when = local_time(submitted)
    assert f"You submitted this test on {when}; a new submission replaces it" in out
    assert f"Sending these answers replaces the answers you submitted on {when}.\nSend these answers?" in out
    assert "Replaced: version 2 of your answers to Networks, week 3, received on " in out
    assert "replaced the earlier one. Every version is kept" in " ".join(out.split())
    assert "Stored:" not in out
    assert sent_answers(fake_api) == [{"questionId": "3", "answer": ["a"]}, {"questionId": "1", "answer": "a"}]


def test_a_resubmit_test_not_yet_submitted_says_it_can_be_replaced(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", rich_listing(resubmit=True))
    fake_api.reply("GET", "/v1/test", rich_test(resubmit=True))
    listed = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert "submitted" not in listed.stdout
    proc = take(fake_api, tmp_path, "a\na\ny\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "You may send new answers until your deadline: a new submission replaces the earlier one." in proc.stdout
    assert "Sending these answers replaces" not in proc.stdout
    assert "Stored: your answers to Networks, week 3 were received on " in proc.stdout


def test_the_last_submission_allowed_is_said_in_words(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", rich_listing(resubmit=True, submitted=True))
    fake_api.reply("GET", "/v1/test", rich_test(resubmit=True, submitted=True))
    message = "You have submitted test 'test01' of 'os' 50 times, the most one student may; the last is kept."
    proc = take(
        fake_api, tmp_path, "a\na\ny\n", reply={"error": "too_many_submissions", "message": message}, status=409
    )
    assert proc.returncode == 7, proc.stdout + proc.stderr
    assert proc.stderr == f"test-time.sh: no more submissions accepted: {message}\n"

"""``--history``: each submitted test with its subject and test titles, when it was sent, its status, the score and
grade once scored, and the review: the student's answers always, the right answers and explanations only once the
test is closed for everybody (before that, when they will be shown)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from client_harness import FakeApi, run_client, write_config
from test_time.outcomes import EXIT_SERVER, EXIT_USAGE

OPEN = "2099-01-05T23:00:00+00:00"


def entry(closed: bool, **more: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"questionId": "q1", "text": "What is a kernel?", "answer": "b", "answerText": ["a browser"]}
    if closed:
        item |= {"right": "a", "rightText": ["the core"], "correct": False, "points": 0, "maxPoints": 1,
                 "explanation": "The kernel runs the machine."}  # fmt: skip
    several = {"questionId": "q2", "text": "Private ranges?", "answer": ["a"], "answerText": ["10.0.0.0/8"]}
    if closed:
        several |= {"right": ["a", "c"], "rightText": ["10.0.0.0/8", "192.168.0.0/16"], "correct": False,
                    "points": 1, "maxPoints": 2}  # fmt: skip
    return {
        "subjectName": "operating-systems",
        "subjectTitle": "Operating systems",
        "testId": "test01",
        "title": "Processes",
        "submittedAt": "2027-06-10T10:00:00+00:00",
        "deadline": OPEN,
        "closedForEverybody": closed,
        "answersShownAfter": "2099-01-06T12:00:00+00:00",
        "status": "scored",
        "score": {"correct": 0, "questions": 2, "points": 1, "maxPoints": 3, "percent": 33.3333, "grade": "2"},
        "review": [item, several],
        **more,
    }


def history(*tests: dict[str, Any]) -> dict[str, Any]:
    return {"studentId": "s01", "studentName": "Ala Kowalska", "tests": list(tests)}


def test_before_closing_the_score_comes_alone_and_says_when_the_answers_come(fake_api: FakeApi, tmp_path: Path) -> None:
    waiting = {"subjectName": "net", "testId": "t9", "title": "Routing", "submittedAt": "2027-06-11T08:00:00Z",
               "status": "submitted", "closedForEverybody": False}  # fmt: skip
    scored_only = {name: value for name, value in entry(closed=False, version=2).items() if name != "review"}
    fake_api.reply("GET", "/v1/history", history(waiting, scored_only))  # the API's review waits for the close
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--history")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Tests submitted by Ala Kowalska, newest first:\n\nnet: Routing\n  Submitted on ")
    assert "  Not scored yet: your score appears here once it is scored.\n" in out
    assert "\nOperating systems: Processes\n  Submitted on " in out and "(version 2).\n" in out
    assert "  Score: 1 of 3 points (33.3%), grade 2\n" in out
    assert "your answer:" not in out and "What is a kernel?" not in out
    said = " ".join(out.split())  # wrapped to the terminal's width
    assert "Your answers and the right answers are shown once the test closes for everybody: Tuesday 6 January" in said
    assert "right answer:" not in out and "kernel runs" not in out and "(wrong)" not in out
    assert out.index("Routing") < out.index("Processes")  # the API's order: newest first
    assert [seen.path for seen in fake_api.seen] == ["/stage/api/v1/history"]


def test_after_closing_the_review_has_the_right_answers_and_explanations(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/history", history(entry(closed=True)))
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--history")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "your answer: b) a browser\n         right answer: a) the core (wrong)\n" in out
    assert "         The kernel runs the machine.\n" in out
    assert "right answer: a) 10.0.0.0/8; c) 192.168.0.0/16 (partly right, 1 of 2)\n" in out
    assert "shown once the test closes" not in out


def test_history_in_polish(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/history", history(entry(closed=True), entry(closed=False, status="submitted")))
    proc = run_client(write_config(tmp_path / "config", fake_api.url, extra="LANGUAGE=pl\n"), "--history")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Testy wysłane – Ala Kowalska (od najnowszego):\n")
    assert "  Wysłano: czwartek, 10 czerwca 2027, " in out
    assert "  Wynik: 1 z 3 pkt (33,3%), ocena 2\n" in out
    assert "Twoja odpowiedź: b) a browser\n         poprawna odpowiedź: a) the core (źle)\n" in out
    assert "(częściowo dobrze, 1 z 2)" in out
    assert "Jeszcze nie oceniony: wynik pojawi się tutaj po ocenieniu." in out


def test_no_submitted_test_yet(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/history", {"studentId": "s01", "tests": []})
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--history")
    assert (proc.returncode, proc.stdout) == (0, "s01 has not submitted any test yet.\n")


def test_a_reply_without_a_list_of_tests_is_unexpected(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("GET", "/v1/history", {"tests": "none"})
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--history")
    assert (proc.returncode, proc.stderr.count("\n")) == (EXIT_SERVER, 1)
    assert "no list of tests" in proc.stderr


def test_history_goes_alone(fake_api: FakeApi, tmp_path: Path) -> None:
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--history", "--list")
    assert proc.returncode == EXIT_USAGE
    assert "--history goes alone" in proc.stderr
    assert fake_api.seen == []


def test_a_fractional_grade_and_fractional_points(fake_api: FakeApi, tmp_path: Path) -> None:
    """A grade of 3.5 is shown (Polish 3,5), as the client writes any number; a total of 2.5 points takes the form
    of a fraction, not a whole number's plural."""
    score = {"correct": 1, "questions": 2, "points": 1.5, "maxPoints": 2.5, "percent": 60.0, "grade": 3.5}
    fake_api.reply("GET", "/v1/history", history(entry(closed=False, score=score)))
    english = run_client(write_config(tmp_path / "en", fake_api.url), "--history")
    assert english.returncode == 0, english.stderr
    assert "  Score: 1.5 of 2.5 points (60%), grade 3.5\n" in english.stdout
    polish = run_client(write_config(tmp_path / "pl", fake_api.url, extra="LANGUAGE=pl\n"), "--history")
    assert polish.returncode == 0, polish.stderr
    assert "  Wynik: 1,5 z 2,5 pkt (60%), ocena 3,5\n" in polish.stdout


def test_a_whole_grade_as_a_number_and_an_unusable_one(fake_api: FakeApi, tmp_path: Path) -> None:
    whole = {"points": 3, "maxPoints": 3, "grade": 5.0}
    odd = {"points": 1, "maxPoints": 3, "grade": True}  # not a grade: the line goes without one
    fake_api.reply("GET", "/v1/history", history(entry(closed=False, score=whole), entry(closed=False, score=odd)))
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--history")
    assert proc.returncode == 0, proc.stderr
    assert "  Score: 3 of 3 points, grade 5\n" in proc.stdout
    assert "  Score: 1 of 3 points\n" in proc.stdout

"""``testtime.history``, the pure part of ``GET /api/v1/history``: the review built from the questions, the
student's answers, the answer key and the score, and when the right answers may be shown."""

from __future__ import annotations

from datetime import UTC, datetime

from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import AnswerKey, Choice, KeyEntry, Question
from testtime.documents.scores import ScoreRecord
from testtime.documents.submissions import Submission
from testtime.history import Submitted, history, history_entry, score_json

DUE = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
EXTENSION = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
BETWEEN = datetime(2026, 11, 22, tzinfo=UTC)
AFTER = datetime(2026, 11, 26, tzinfo=UTC)
QUESTIONS = (
    Question("q1", "Which?", (Choice("A", "first"), Choice("B", "second"))),
    Question("q2", "Which ones?", (Choice("x", "ex"), Choice("y", "why"), Choice("z", "zed")), 2, True, True),
)
KEY = AnswerKey(
    (KeyEntry("q1", "A", explanation="Because."), KeyEntry("q2", ("x", "y"), points=2, partial=True)), "digest"
)
TEST = CatalogTest("os", "t1", "Processes", DUE, 2, extensions=(("s02", EXTENSION),), subject_title="Systemy")


def scored(student: str = "s01", answers: dict[str, object] | None = None) -> Submitted:
    given = {"q1": "a", "q2": frozenset({"x", "z"})} if answers is None else answers
    submission = Submission(student, given, "2026-11-19T10:00:00+00:00", legacy=False)  # type: ignore[arg-type]
    score = ScoreRecord("3", 1, 2, 50.0, points=1.0, max_points=3)
    return Submitted(TEST, student, "2026-11-19T10:00:00+00:00", None, score, QUESTIONS, submission, KEY)


def test_while_an_extension_still_runs_the_score_comes_without_any_review() -> None:
    """Not even the student's own answers: beside the score they give the key away (a 100% makes them the key)."""
    entry = history_entry(scored(), BETWEEN)  # s01's own deadline has passed, s02's has not
    assert entry["closedForEverybody"] is False and entry["answersShownAfter"] == "2026-11-25T22:00:00+00:00"
    assert entry["status"] == "scored" and entry["score"]["percent"] == 50.0
    assert "review" not in entry
    assert not {"first", "ex", "zed", "Because."} & set(str(entry).replace("'", " ").split())


def test_once_closed_for_everybody_the_right_answers_points_and_explanation_appear() -> None:
    q1, q2 = history_entry(scored(), AFTER)["review"]
    assert (q1["right"], q1["rightText"], q1["correct"], q1["points"], q1["maxPoints"]) == ("A", ["first"], True, 1, 1)
    assert q1["explanation"] == "Because."
    # Partial credit: x right, z wrong, y missed: (1 - 1) / 2 of 2 points.
    assert (q2["right"], q2["rightText"], q2["correct"], q2["points"], q2["maxPoints"]) == (
        ["x", "y"],
        ["ex", "why"],
        False,
        0,
        2,
    )
    assert "explanation" not in q2


def test_an_unanswered_question_and_the_extended_students_own_deadline() -> None:
    entry = history_entry(scored("s02", {}), AFTER)
    assert entry["deadline"] == "2026-11-25T22:00:00+00:00"
    assert [(item["answer"], item["answerText"], item["correct"]) for item in entry["review"]] == [
        (None, [], False),
        (None, [], False),
    ]


def test_not_scored_yet_means_no_score_and_no_review_and_the_newest_comes_first() -> None:
    older = Submitted(TEST, "s01", "2026-11-18T10:00:00+00:00")
    other = CatalogTest("os", "t2", "Memory", DUE, 1, resubmit=True)
    newer = Submitted(other, "s01", "2026-11-19T09:00:00+00:00", version=3)
    body = history("s01", "Ala", [older, newer], BETWEEN)
    assert [t["testId"] for t in body["tests"]] == ["t2", "t1"]
    assert body["tests"][0]["version"] == 3 and "version" not in body["tests"][1]
    assert body["tests"][1]["status"] == "submitted" and "score" not in body["tests"][1]
    assert body["tests"][1]["subjectTitle"] == "Systemy" and body["tests"][0]["subjectTitle"] == "os"


def test_the_score_in_the_contracts_shape() -> None:
    assert score_json(ScoreRecord("4", 3, 4, 75.0)) == {
        "correct": 3,
        "questions": 4,
        "points": 3,
        "maxPoints": 4,
        "percent": 75.0,
        "grade": "4",
    }
    assert score_json(ScoreRecord(5, None, None, None, legacy=True))["points"] is None

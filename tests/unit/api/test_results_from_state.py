"""Issue 14, point 10: ``GET /api/v1/results`` answers from the scorer's state cache (``scorer/tests/<s>/<t>.json``):
a few requests per test whatever the class size, ``score.json`` read only for a scored student the cache lacks (a
2019 ``{"score": N}`` included), ``stale`` when the cache is of another answer key or grade scale, and the item
analysis of the scores. The bucket is the api suite's moto bucket; the rows are made by the real scoring code."""

from __future__ import annotations

import json
import statistics
from typing import Any

import pytest
from api_support import BUCKET, invoke, make_event

from testtime.documents.questions import KeyEntry, answer_key_document, parse_answer_key
from testtime.documents.scorer_records import ScoreRow, TestState, state_document
from testtime.documents.scores import score_document
from testtime.handlers import results
from testtime.identity import api_key_digest
from testtime.scoring import GradeScale, parse_grade_scale, score_answers, scoring_version

TRAINER_KEY = "the-trainers-key-of-issue-14"
SUBJECT, TEST_ID = "stats", "quiz01"
QUERY = {"subjectName": SUBJECT, "testId": TEST_ID}
KEY = [KeyEntry("q1", "a"), KeyEntry("q2", ("a", "c"), points=2, partial=True), KeyEntry("q3", "b")]
QUESTIONS = [
    {"questionId": "q1", "question": "One?", "answers": [{"answerId": c, "answerBody": c} for c in "abc"]},
    {
        "questionId": "q2",
        "question": "Two?",
        "answers": [{"answerId": c, "answerBody": c} for c in "abcd"],
        "points": 2,
        "multiple": True,
        "partial": True,
    },
    {"questionId": "q3", "question": "Three?", "answers": [{"answerId": c, "answerBody": c} for c in "ab"]},
]
ANSWER_SETS: list[dict[str, Any]] = [  # cycled over the students
    {"q1": "a", "q2": ("a", "c"), "q3": "b"},
    {"q1": "b", "q2": ("a",), "q3": "b"},
    {"q1": "a", "q2": ("a", "b"), "q3": "a"},
    {"q1": "c", "q2": None, "q3": None},
]
CLASS = 40  # students; the last 4 did not submit
SUBMITTED = CLASS - 4


def sid(index: int) -> str:
    return f"student{index:02d}"


def put(s3: Any, key: str, body: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body if isinstance(body, bytes) else json.dumps(body).encode())


def rows_of(key_entries: list[KeyEntry], scale: GradeScale | None = None) -> dict[str, ScoreRow]:
    scale = scale or GradeScale()
    key = parse_answer_key("k", answer_key_document(key_entries))
    rows = {}
    for index in range(SUBMITTED):
        score = score_answers(ANSWER_SETS[index % 4], key, scale, SUBJECT, TEST_ID, sid(index))
        rows[sid(index)] = ScoreRow(
            score.correct, score.questions, score.percent, score.grade, score.points, score.max_points,
            answers=dict(score.answers),
        )  # fmt: skip
    return rows


def write_state(s3: Any, rows: dict[str, ScoreRow], version: str) -> None:
    put(s3, f"scorer/tests/{SUBJECT}/{TEST_ID}.json", state_document(TestState(version, rows)))


@pytest.fixture
def scored(s3: Any) -> Any:
    """A test past its deadline, 36 of 40 students scored by the scorer: score.json and the state cache agree."""
    entry = {
        "subject": SUBJECT,
        "testId": TEST_ID,
        "title": "Statystyka — quiz",
        "due": "2026-11-16T22:00:00+00:00",
        "firstPublished": "2026-11-09T09:00:00+00:00",
        "questionCount": 3,
        "closedAt": None,
    }
    put(s3, "catalog.json", {"version": 1, "tests": [entry]})
    students = [
        {"student_id": sid(i), "email": f"{sid(i)}@example.com", "name": f"Łukasz Żółć {i}", "api_key_sha256": None}
        for i in range(CLASS)
    ]
    put(s3, "studentsList.json", students)
    put(s3, "trainer.json", {"api_key_sha256": api_key_digest(TRAINER_KEY)})
    put(s3, f"{SUBJECT}/{TEST_ID}/questions.json", QUESTIONS)
    put(s3, f"{SUBJECT}/{TEST_ID}/questionsKey.json", answer_key_document(KEY))
    key = parse_answer_key("k", answer_key_document(KEY))
    rows = rows_of(KEY)
    for student, row in rows.items():
        put(s3, f"{SUBJECT}/{TEST_ID}/{student}/testResult.json", {"studentId": student, "answers": []})
        score = score_answers(row.answers or {}, key, GradeScale(), SUBJECT, TEST_ID, student)
        put(s3, f"{SUBJECT}/{TEST_ID}/{student}/score.json", score_document(score, "2026-11-16T22:15:00+00:00"))
    write_state(s3, rows, scoring_version(key, GradeScale()))
    return s3


def trainer_view() -> dict[str, Any]:
    status, body = invoke(results.handler, make_event("GET", "/api/v1/results", key=TRAINER_KEY, query=QUERY))
    assert status == 200, body
    return dict(body)


def only_test(body: dict[str, Any]) -> dict[str, Any]:
    [test] = body["tests"]
    return dict(test)


def test_scores_come_from_the_state_cache_in_a_few_requests(scored: Any, s3_calls: Any) -> None:
    test = only_test(trainer_view())
    assert not any(key.endswith("/score.json") for key in s3_calls.keys), s3_calls.calls
    # trainer.json, catalog.json, the class list; per test one listing (a page), the cache, the key, the questions.
    assert s3_calls.count <= 7, s3_calls.calls
    assert test["scored"] is True and test["stale"] is False
    assert len(test["results"]) == SUBMITTED and test["missing"] == [sid(i) for i in range(SUBMITTED, CLASS)]
    # The rows are what score.json holds.
    for row in test["results"]:
        stored_key = f"{SUBJECT}/{TEST_ID}/{row['studentId']}/score.json"
        stored = json.loads(scored.get_object(Bucket=BUCKET, Key=stored_key)["Body"].read())
        assert {name: row[name] for name in ("correct", "questions", "percent", "grade", "points", "maxPoints")} == {
            name: stored[name] for name in ("correct", "questions", "percent", "grade", "points", "maxPoints")
        }
    first = next(row for row in test["results"] if row["studentId"] == sid(0))
    assert first == {
        "studentId": sid(0),
        "name": "Łukasz Żółć 0",
        "correct": 3,
        "questions": 3,
        "percent": 100.0,
        "grade": 5,
        "points": 4,
        "maxPoints": 4,
    }


def test_the_request_count_does_not_grow_with_the_class(scored: Any, s3_calls: Any) -> None:
    trainer_view()
    small = s3_calls.count
    for index in range(CLASS, CLASS + 200):  # 200 more scored students
        put(scored, f"{SUBJECT}/{TEST_ID}/{sid(index)}/testResult.json", {"studentId": sid(index), "answers": []})
        put(scored, f"{SUBJECT}/{TEST_ID}/{sid(index)}/score.json", {"score": 3})
    rows = rows_of(KEY)
    rows |= {sid(i): rows[sid(0)] for i in range(CLASS, CLASS + 200)}
    write_state(scored, rows, scoring_version(parse_answer_key("k", answer_key_document(KEY)), GradeScale()))
    s3_calls.reset()
    assert len(only_test(trainer_view())["results"]) == SUBMITTED + 200
    assert s3_calls.count == small, s3_calls.calls  # the listing is still one page (under 1,000 keys)


def test_a_scored_student_the_cache_lacks_is_read_from_score_json(scored: Any, s3_calls: Any) -> None:
    rows = rows_of(KEY)
    del rows[sid(1)], rows[sid(2)]
    write_state(scored, rows, scoring_version(parse_answer_key("k", answer_key_document(KEY)), GradeScale()))
    put(scored, f"{SUBJECT}/{TEST_ID}/{sid(2)}/score.json", {"score": 4})  # as the 2019 service wrote it
    test = only_test(trainer_view())
    score_reads = sorted(key for name, key in s3_calls.calls if name == "GetObject" and key.endswith("/score.json"))
    assert score_reads == [f"{SUBJECT}/{TEST_ID}/{sid(1)}/score.json", f"{SUBJECT}/{TEST_ID}/{sid(2)}/score.json"]
    by_id = {row["studentId"]: row for row in test["results"]}
    assert len(by_id) == SUBMITTED and test["submittedNotScored"] == []
    assert by_id[sid(1)]["correct"] == 1 and by_id[sid(1)]["points"] == 2  # ANSWER_SETS[1]: q3, half of q2
    assert by_id[sid(2)] == {
        "studentId": sid(2),
        "name": "Łukasz Żółć 2",
        "correct": None,
        "questions": None,
        "percent": None,
        "grade": 4,
    }
    # The 2019 grade has no percent: it is not in the figures; sid(1)'s score.json is, without its answers.
    analysis = test["analysis"]
    assert analysis["submitted"] == SUBMITTED - 1
    q1 = analysis["questions"][0]
    assert sum(q1["choices"].values()) + q1["unanswered"] == SUBMITTED - 2


def test_a_cache_of_another_answer_key_is_stale(scored: Any) -> None:
    assert only_test(trainer_view())["stale"] is False
    corrected = [KEY[0], KEY[1], KeyEntry("q3", "a")]  # the trainer fixed question 3's answer
    put(scored, f"{SUBJECT}/{TEST_ID}/questionsKey.json", answer_key_document(corrected))
    test = only_test(trainer_view())
    assert test["stale"] is True
    assert next(r for r in test["results"] if r["studentId"] == sid(0))["grade"] == 5  # the old score, until rescored
    # The analysis judges the answers against the current key: question 3 is now right for ANSWER_SETS[2] only.
    assert test["analysis"]["questions"][2]["facility"] == 0.25


def test_the_scorers_grade_scale_decides_the_version(scored: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bands = "[[90, 'A'], [50, 'B'], [0, 'F']]".replace("'", '"')
    scale = parse_grade_scale(bands)
    key = parse_answer_key("k", answer_key_document(KEY))
    write_state(scored, rows_of(KEY, scale), scoring_version(key, scale))
    assert only_test(trainer_view())["stale"] is True  # the route without the scorer's GRADE_SCALE
    monkeypatch.setenv("GRADE_SCALE", bands)
    test = only_test(trainer_view())
    assert test["stale"] is False
    assert list(test["analysis"]["grades"]) == ["A", "B", "F"]


def test_a_broken_cache_falls_back_to_the_scores(scored: Any, capsys: pytest.CaptureFixture[str]) -> None:
    put(scored, f"scorer/tests/{SUBJECT}/{TEST_ID}.json", b"{not json")
    test = only_test(trainer_view())
    assert len(test["results"]) == SUBMITTED and test["stale"] is False
    assert test["analysis"]["questions"][0]["facility"] is None  # score.json keeps no answers
    assert test["analysis"]["submitted"] == SUBMITTED
    assert "document unreadable" in capsys.readouterr().out


def test_the_analysis_of_the_cached_scores(scored: Any) -> None:
    analysis = only_test(trainer_view())["analysis"]
    rows = rows_of(KEY)
    percents = [row.percent for row in rows.values()]
    assert analysis["submitted"] == SUBMITTED and analysis["missing"] == CLASS - SUBMITTED
    assert analysis["mean"] == round(statistics.fmean(percents), 2)
    assert analysis["median"] == round(statistics.median(percents), 2)
    assert analysis["stdev"] == round(statistics.stdev(percents), 2)
    grades: dict[str, int] = {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0, "0": 0}
    for row in rows.values():
        grades[str(row.grade)] += 1
    assert analysis["grades"] == grades and list(analysis["grades"]) == list(grades)
    q1, q2, q3 = analysis["questions"]
    per_set = SUBMITTED // 4  # each answer set 9 times
    assert q1["id"] == "q1" and q1["facility"] == 0.5  # sets 0 and 2 chose a
    assert q1["choices"] == {"a": 2 * per_set, "b": per_set, "c": per_set} and q1["unanswered"] == 0
    assert q2["facility"] == 0.25 and q2["unanswered"] == per_set
    assert q2["choices"] == {"a": 3 * per_set, "b": per_set, "c": per_set, "d": 0}  # d: nobody, still listed
    assert q3["choices"] == {"a": per_set, "b": 2 * per_set} and q3["unanswered"] == per_set
    assert all(isinstance(q["flags"], list) for q in analysis["questions"])


def test_the_class_list_comes_with_the_answer(scored: Any) -> None:
    students = trainer_view()["students"]
    assert len(students) == CLASS
    assert students[3] == {"studentId": sid(3), "name": "Łukasz Żółć 3", "email": f"{sid(3)}@example.com"}


def test_nobody_scored_yet_has_no_analysis(scored: Any) -> None:
    for index in range(SUBMITTED):
        scored.delete_object(Bucket=BUCKET, Key=f"{SUBJECT}/{TEST_ID}/{sid(index)}/score.json")
    scored.delete_object(Bucket=BUCKET, Key=f"scorer/tests/{SUBJECT}/{TEST_ID}.json")
    test = only_test(trainer_view())
    assert test["analysis"] is None and test["results"] == [] and len(test["submittedNotScored"]) == SUBMITTED

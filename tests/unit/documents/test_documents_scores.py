"""documents.scores: score.json read in today's shape and the 2019 scorer's ``{"score": N}``, written in one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.codec import MalformedDocument
from testtime.documents.scores import Score, ScoreRecord, WrongAnswer, parse_score, score_document

TEST = "operating-systems/test01"
KEY = f"{TEST}/student02/score.json"
SCORED_AT = "2026-12-01T22:00:05+00:00"
SCORE = Score("student02", "operating-systems", "test01", 4, 6, 66.67, 3, (WrongAnswer("3", "b", "a"),))


def test_the_2019_scores_read_as_a_grade_without_counts(legacy_stored: Path) -> None:
    stored = {
        path.parent.name: parse_score(f"{TEST}/{path.parent.name}/score.json", path.read_bytes())
        for path in sorted((legacy_stored / TEST).glob("*/score.json"))
    }
    assert stored == {
        "student01": ScoreRecord(5, None, None, None, legacy=True),
        "student04": ScoreRecord(1, None, None, None, legacy=True),
    }
    assert stored["student01"].to_json() == {"correct": None, "questions": None, "percent": None, "grade": 5}


@pytest.mark.parametrize("grade", [4, 3.5, "B+"])
def test_a_2019_score_may_be_any_grade(grade: Any) -> None:
    assert parse_score(KEY, json.dumps({"score": grade}).encode()) == ScoreRecord(grade, None, None, None, True)


def test_the_score_document_is_todays_shape_byte_for_byte() -> None:
    expected = (
        "{\n"
        '  "studentId": "student02",\n'
        '  "subjectName": "operating-systems",\n'
        '  "testId": "test01",\n'
        '  "correct": 4,\n'
        '  "questions": 6,\n'
        '  "percent": 66.67,\n'
        '  "grade": 3,\n'
        '  "wrong": [\n'
        "    {\n"
        '      "questionId": "3",\n'
        '      "answer": "b",\n'
        '      "correctAnswer": "a"\n'
        "    }\n"
        "  ],\n"
        f'  "scoredAt": "{SCORED_AT}"\n'
        "}\n"
    )
    assert score_document(SCORE, SCORED_AT) == expected.encode()


def test_todays_score_reads_with_its_counts() -> None:
    record = parse_score(KEY, score_document(SCORE, SCORED_AT))
    assert record == ScoreRecord(3, 4, 6, 66.67, legacy=False)
    assert record.to_json() == {"correct": 4, "questions": 6, "percent": 66.67, "grade": 3}
    assert parse_score(KEY, b'{"correct": 6, "questions": 6, "percent": 100, "grade": 5}').percent == 100.0


def current(**changes: Any) -> bytes:
    document = json.loads(score_document(SCORE, SCORED_AT))
    document.update(changes)
    return json.dumps({name: value for name, value in document.items() if value is not ...}).encode()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "is missing"),
        (b"[5]", "is not an object"),
        (b"5", "is not an object"),
        (b"{}", "lacks correct, questions or grade"),
        (b'{"score": null}', "lacks correct, questions or grade"),
        (b'{"score": true}', "lacks correct, questions or grade"),
        (current(correct=...), "lacks correct, questions or grade"),
        (current(questions=-6), "lacks correct, questions or grade"),
        (current(correct=True), "lacks correct, questions or grade"),
        (current(grade=None), "lacks correct, questions or grade"),
        (current(grade=[3]), "lacks correct, questions or grade"),
        (current(percent=...), "has no numeric percent"),
        (current(percent="66.67"), "has no numeric percent"),
        (current(percent=False), "has no numeric percent"),
        (current(correct=7), "counts 7 correct of 6 questions"),
        (b'{"correct": 1, "questions": 1, "percent": NaN, "grade": 5}', "is not JSON: NaN is not a JSON number"),
    ],
)
def test_a_malformed_score_names_the_key(body: bytes | None, problem: str) -> None:
    with pytest.raises(MalformedDocument) as caught:
        parse_score(KEY, body)
    assert (caught.value.key, caught.value.problem, str(caught.value)) == (KEY, problem, f"{KEY} {problem}")


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)
GRADES = st.integers(-10, 10) | st.floats(allow_nan=False, allow_infinity=False) | TEXT


@st.composite
def scores(draw: st.DrawFn) -> Score:
    questions = draw(st.integers(0, 200))
    correct = draw(st.integers(0, questions))
    wrong = draw(st.lists(st.builds(WrongAnswer, TEXT, st.none() | TEXT, TEXT), max_size=questions - correct))
    percent = draw(st.floats(0, 100))
    return Score(draw(TEXT), draw(TEXT), draw(TEXT), correct, questions, percent, draw(GRADES), tuple(wrong))


@given(scores(), TEXT)
def test_a_written_score_reads_back_unchanged(score: Score, scored_at: str) -> None:
    written = score_document(score, scored_at)
    assert parse_score(KEY, written) == ScoreRecord(score.grade, score.correct, score.questions, score.percent)
    document = json.loads(written)
    assert [WrongAnswer(w["questionId"], w["answer"], w["correctAnswer"]) for w in document["wrong"]] == list(
        score.wrong
    )
    assert (document["studentId"], document["subjectName"], document["testId"], document["scoredAt"]) == (
        score.student_id,
        score.subject,
        score.test_id,
        scored_at,
    )

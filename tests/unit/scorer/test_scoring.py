"""Grading against the answer key: the original rule, configured scales, legacy and corrupt submissions."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import parse_answer_key as parse_answer_key_document
from testtime.documents.scores import WrongAnswer, score_document
from testtime.documents.submissions import Submission
from testtime.documents.submissions import parse_submission as parse_submission_document
from testtime.scoring import GradeScale, missing_students, parse_grade_scale, score, scoring_version

KEY_FILE = "os/t1/questionsKey.json"


def parse_answer_key(body: bytes):  # type: ignore[no-untyped-def]
    return parse_answer_key_document(KEY_FILE, body)


def parse_submission(body: bytes, student_id: str) -> Submission:
    return parse_submission_document(f"os/t1/{student_id}/testResult.json", body, student_id)


KEY = parse_answer_key(
    json.dumps(
        [
            {"questionId": "1", "answer": "a"},
            {"questionId": "2", "answer": "c"},
            {"questionId": "3", "answer": "a"},
            {"questionId": "4", "answer": "c"},
            {"questionId": "5", "answer": "a"},
            {"questionId": "6", "answer": "d"},
        ]
    ).encode()
)


def submission(answers: object, **extra: object) -> bytes:
    return json.dumps({"studentId": "s1", "subjectName": "os", "testId": "t1", "answers": answers, **extra}).encode()


def test_counts_correct_answers_and_names_the_wrong_ones_with_the_right_answer() -> None:
    body = submission(
        [
            {"questionId": "1", "answer": "a"},
            {"questionId": "2", "answer": "b"},
            {"questionId": "3", "answer": "A "},
            {"questionId": "4", "answer": "c"},
            {"questionId": "6", "answer": "d"},
        ],
        receivedAt="2026-11-20T10:00:00+00:00",
    )
    result = score(parse_submission(body, "s1"), KEY, GradeScale(), "os", "t1")
    assert (result.correct, result.questions, result.percent, result.grade) == (4, 6, 66.67, 3)
    assert result.wrong == (WrongAnswer("2", "b", "c"), WrongAnswer("5", None, "a"))
    doc = json.loads(score_document(result, "2026-11-24T06:00:00+00:00"))
    assert doc["wrong"] == [
        {"questionId": "2", "answer": "b", "correctAnswer": "c"},
        {"questionId": "5", "answer": None, "correctAnswer": "a"},
    ]
    assert set(doc) == {
        "studentId",
        "subjectName",
        "testId",
        "correct",
        "questions",
        "percent",
        "grade",
        "wrong",
        "scoredAt",
    }


@pytest.mark.parametrize(("correct", "grade"), [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 5)])
def test_default_grade_is_the_originals_round_of_correct_over_questions_times_five(correct: int, grade: int) -> None:
    # 3/6*5 = 2.5 rounds half to even (2), as Python's round did in the original service.
    assert GradeScale().grade(correct, 6) == grade


def test_configured_scale_picks_the_highest_band_reached() -> None:
    scale = parse_grade_scale("[[0, 2], [50, 3], [70, 3.5], [80, 4], [90, 5]]")
    assert [scale.grade(c, 10) for c in (0, 4, 5, 6, 7, 8, 9, 10)] == [2, 2, 3, 3, 3.5, 4, 5, 5]
    assert scale.grade(2, 3) == 3  # 66.67 % is below 70, whatever the rounding of percent
    assert parse_grade_scale('[[0, "F"], [50, "A"]]').grade(1, 2) == "A"


@pytest.mark.parametrize(
    "text",
    ["nope", "{}", "[[10, 2]]", "[[0, 2], [0, 3]]", "[[0]]", "[[true, 2]]", "[[0, 2], [101, 5]]", "[[0, null]]"],
)
def test_invalid_scales_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match="GRADE_SCALE"):
        parse_grade_scale(text)


def test_no_scale_setting_means_the_original_rule() -> None:
    assert parse_grade_scale(None) == parse_grade_scale("  ") == parse_grade_scale("[]") == GradeScale()


def test_legacy_submission_with_test_result_and_no_received_at() -> None:
    legacy = json.dumps(
        {"studentId": "s1", "testResult": [{"questionId": 1, "answer": "a"}, {"questionId": 2, "answer": "c"}]}
    ).encode()
    parsed = parse_submission(legacy, "s1")
    assert parsed.legacy and parsed.received_at is None
    assert score(parsed, KEY, GradeScale(), "os", "t1").correct == 2
    as_object = json.dumps({"testResult": {"1": "a", "6": "d", "5": "b"}}).encode()
    assert score(parse_submission(as_object, "s1"), KEY, GradeScale(), "os", "t1").correct == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "entry 0 has no questionId"),  # a bare list is the 2019 stored shape; these entries are not
        (b'"abc"', "neither a JSON object nor a list"),
        (b'{"studentId": "s1"}', "neither"),
        (b'{"answers": "abc"}', "neither a list nor an object"),
        (b'{"answers": [{"answer": "a"}]}', "no questionId"),
        (b'{"answers": [{"questionId": null, "answer": "a"}]}', "invalid questionId"),
    ],
)
def test_corrupt_submissions_raise_a_clear_error(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedDocument, match=reason):
        parse_submission(body, "s1")


def test_repeated_and_unknown_questions_do_not_inflate_the_score() -> None:
    body = submission(
        [{"questionId": "1", "answer": "a"}, {"questionId": "1", "answer": "b"}, {"questionId": "99", "answer": "a"}]
    )
    result = score(parse_submission(body, "s1"), KEY, GradeScale(), "os", "t1")
    assert (result.correct, result.questions) == (1, 6)


@pytest.mark.parametrize(
    "body",
    [
        b"nope",
        b"[]",
        b'[{"questionId": "1"}]',
        b'[{"questionId": "1", "answer": "a"}, {"questionId": "1", "answer": "b"}]',
    ],
)
def test_unusable_answer_keys_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedDocument):
        parse_answer_key(body)


def test_scoring_version_changes_with_key_or_scale() -> None:
    other = parse_answer_key(b'[{"questionId": "1", "answer": "b"}]')
    scale = parse_grade_scale("[[0, 2], [50, 5]]")
    versions = {scoring_version(KEY, GradeScale()), scoring_version(other, GradeScale()), scoring_version(KEY, scale)}
    assert len(versions) == 3
    assert scoring_version(KEY, GradeScale()) == scoring_version(KEY, GradeScale())


def test_missing_students_are_the_class_without_a_submission() -> None:
    assert missing_students(["s3", "s1", "s2", "s1"], ["s2", "stranger"]) == ["s1", "s3"]


@given(st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=6, max_size=6))
def test_score_is_consistent_for_any_answers(answers: list[str | None]) -> None:
    body = submission([{"questionId": str(n), "answer": a} for n, a in enumerate(answers, start=1)])
    result = score(parse_submission(body, "s1"), KEY, GradeScale(), "os", "t1")
    assert result.correct + len(result.wrong) == result.questions == 6
    assert 0 <= result.percent <= 100 and 0 <= int(result.grade) <= 5

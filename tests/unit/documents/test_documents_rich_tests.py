"""Issue 16's documents: points, multiple answers, partial credit, explanations, shuffle, resubmission, extensions.

Each is optional: a test without them keeps the documents' bytes (the 2019 shapes and today's).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from testtime import layout
from testtime.documents.catalog import CatalogTest, catalog_document, parse_catalog
from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import (
    Choice,
    KeyEntry,
    Question,
    answer_key_document,
    parse_answer_key,
    parse_questions,
    questions_document,
)
from testtime.documents.scores import parse_score, score_document
from testtime.documents.submissions import parse_submission, submission_document
from testtime.ordering import order_of, student_order
from testtime.scoring import GradeScale, question_points, score

KEY = "networks/week3/questionsKey.json"
QUESTIONS = "networks/week3/questions.json"
DUE = datetime(2026, 12, 10, 22, 0, tzinfo=UTC)
CHOICES = (Choice("a", "10.0.0.0/8"), Choice("b", "8.8.8.0/24"), Choice("c", "192.168.0.0/16"), Choice("d", "1/8"))


def test_questions_carry_points_multiple_and_partial_only_when_used() -> None:
    plain = Question("1", "Plain", CHOICES[:2])
    rich = Question("2", "Which are private?", CHOICES, points=2.5, multiple=True, partial=True)
    document = json.loads(questions_document([plain, rich]))
    assert document[0] == {
        "questionId": "1",
        "question": "Plain",
        "answers": [{"answerId": "a", "answerBody": "10.0.0.0/8"}, {"answerId": "b", "answerBody": "8.8.8.0/24"}],
    }
    assert (document[1]["points"], document[1]["multiple"], document[1]["partial"]) == (2.5, True, True)
    assert parse_questions(QUESTIONS, questions_document([plain, rich])) == (plain, rich)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"points": 0}, "points 0 is not a number above 0"),
        ({"points": True}, "points True is not a number above 0"),
        ({"points": 1001}, "at most 1000"),
        ({"multiple": "yes"}, "multiple 'yes' is not true or false"),
    ],
)
def test_questions_with_an_unusable_option_are_malformed(entry: dict[str, object], problem: str) -> None:
    body = json.dumps([{"questionId": "1", "question": "Q", "answers": [{"answerId": "a"}], **entry}])
    with pytest.raises(MalformedDocument, match=problem):
        parse_questions(QUESTIONS, body.encode())


def test_an_answer_key_keeps_lists_points_partial_and_explanations() -> None:
    entries = [
        KeyEntry("1", "a"),
        KeyEntry("2", ("a", "c"), points=2, partial=True, explanation="RFC 1918 ranges."),
        KeyEntry("3", ("b",), points=0.5),
    ]
    written = answer_key_document(entries)
    assert json.loads(written) == [
        {"questionId": "1", "answer": "a"},
        {"questionId": "2", "answer": ["a", "c"], "points": 2, "partial": True, "explanation": "RFC 1918 ranges."},
        {"questionId": "3", "answer": ["b"], "points": 0.5},
    ]
    key = parse_answer_key(KEY, written)
    assert key.entries == tuple(entries)
    assert (key.max_points, key.weighted, key.explanations) == (3.5, True, {"2": "RFC 1918 ranges."})
    assert key.entry("2") == entries[1] and key.entry("9") is None
    plain = parse_answer_key(KEY, answer_key_document([("1", "a"), ("2", "b")]))
    assert not plain.weighted and plain.max_points == 2


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"answer": []}, "empty or invalid answer list"),
        ({"answer": ["a", "A"]}, "repeats a choice"),
        ({"answer": "a", "partial": True}, "partial applies only to a list answer"),
        ({"answer": ["a"], "explanation": 3}, "explanation is not text"),
        ({"answer": "a", "points": -1}, "points -1 is not a number above 0"),
    ],
)
def test_an_answer_key_with_an_unusable_entry_is_malformed(entry: dict[str, object], problem: str) -> None:
    with pytest.raises(MalformedDocument, match=problem):
        parse_answer_key(KEY, json.dumps([{"questionId": "1", **entry}]).encode())


def _test(**options: object) -> CatalogTest:
    return CatalogTest("networks", "week3", "Week 3", DUE, 3, **options)  # type: ignore[arg-type]


def test_extensions_give_one_student_their_own_deadline() -> None:
    later = DUE + timedelta(days=3)
    test = _test(extensions=(("student03", later),))
    assert test.deadline == DUE and test.deadline_for("student01") == DUE and test.deadline_for("student03") == later
    assert test.is_open_for("student03", DUE + timedelta(days=1)) and not test.is_open_for("student01", DUE)
    assert test.closes_for_everybody == later and test.earliest_deadline == DUE
    assert not test.closed_for_everybody(DUE + timedelta(days=1)) and test.closed_for_everybody(later)
    closed = _test(extensions=(("student03", later),), closed_at=DUE - timedelta(hours=1))
    assert closed.deadline_for("student03") == DUE - timedelta(hours=1)  # closing closes it for everybody
    assert closed.closed_for_everybody(DUE - timedelta(hours=1))


def test_catalog_options_are_written_only_when_used_and_read_back() -> None:
    rich = _test(shuffle=True, resubmit=True, extensions=(("student03", DUE + timedelta(days=3)),))
    plain = _test()
    assert "shuffle" not in plain.to_json() and "extensions" not in plain.to_json()
    assert rich.to_json()["extensions"] == {"student03": "2026-12-13T22:00:00+00:00"}
    catalog = parse_catalog("catalog.json", catalog_document([rich]))
    assert catalog.find("networks", "week3") == rich and not catalog.problems


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"shuffle": "yes"}, "shuffle 'yes' is not true or false"),
        ({"extensions": ["student03"]}, "extensions is not an object"),
        ({"extensions": {"student 3": "2026-12-13T22:00:00Z"}}, "invalid student id"),
        ({"extensions": {"student03": "next week"}}, "extensions.student03 'next week' is not an ISO 8601"),
    ],
)
def test_a_catalog_entry_with_unusable_options_is_skipped_and_named(entry: dict[str, object], problem: str) -> None:
    document = {"version": 1, "tests": [{**_test().to_json(), **entry}]}
    catalog = parse_catalog("catalog.json", json.dumps(document).encode())
    assert not catalog.tests and problem in catalog.problems[0]


def test_open_tests_use_each_students_deadline_and_keep_resubmittable_tests_listed() -> None:
    later = DUE + timedelta(days=3)
    catalog = parse_catalog(
        "catalog.json",
        catalog_document([_test(resubmit=True, extensions=(("student03", later),))]),
    )
    after_due = DUE + timedelta(hours=1)
    assert catalog.open_tests(set(), after_due, student_id="student01") == []
    listed = catalog.open_tests({("networks", "week3")}, after_due, student_id="student03")
    assert listed[0]["tests"][0] == {
        "testId": "week3",
        "title": "Week 3",
        "deadline": "2026-12-13T22:00:00+00:00",
        "questionCount": 3,
        "resubmit": True,
        "submitted": True,
    }
    assert [t.name for t in catalog.due_by(after_due)] == ["networks/week3"]


def test_submission_versions_have_their_own_keys() -> None:
    assert layout.submission_version_key("s", "t", "p", 1) == layout.submission_key("s", "t", "p")
    assert layout.submission_version_key("s", "t", "p", 12) == "s/t/p/testResult.12.json"
    assert [layout.submission_version_of(leaf) for leaf in ("testResult.json", "testResult.12.json")] == [1, 12]
    for leaf in ("testResult.1.json", "testResult.02.json", "testResult.x.json", "score.json", "testResult.2.jso"):
        assert layout.submission_version_of(leaf) is None
    assert layout.parse_test_folder_key("s", "t", "s/t/p/testResult.3.json") == ("p", "testResult.3.json")
    with pytest.raises(ValueError):
        layout.submission_version_key("s", "t", "p", 0)


def test_a_submission_keeps_lists_and_its_version() -> None:
    answers = [{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": ["a", "c"]}]
    first = submission_document("student01", "networks", "week3", answers, "2026-12-09T10:00:00Z")
    assert "version" not in json.loads(first)
    second = submission_document("student01", "networks", "week3", answers, "2026-12-09T11:00:00Z", version=2)
    parsed = parse_submission("k", second, "student01")
    assert parsed.version == 2 and parsed.answers == {"1": "a", "2": frozenset({"a", "c"})}
    with pytest.raises(MalformedDocument, match="version 0"):
        parse_submission("k", json.dumps({"answers": [], "version": 0}).encode(), "student01")


MULTI = KeyEntry("2", ("a", "c"), points=2)
PARTIAL = KeyEntry("2", ("a", "b", "c"), points=3, partial=True)


@pytest.mark.parametrize(
    ("entry", "given", "points"),
    [
        (MULTI, frozenset({"a", "c"}), 2),
        (MULTI, frozenset({"a"}), 0),  # all or nothing
        (MULTI, frozenset({"a", "c", "d"}), 0),
        (MULTI, None, 0),
        (PARTIAL, frozenset({"a", "b", "c"}), 3),
        (PARTIAL, frozenset({"a", "b"}), 2),  # two of three right: 2/3 of 3 points
        (PARTIAL, frozenset({"a", "d"}), 0),  # one right, one wrong: 1/3 - 1/3
        (PARTIAL, frozenset({"a", "b", "d"}), 1),
        (PARTIAL, frozenset({"d"}), 0),  # never below zero
        (PARTIAL, "a", 1),  # one choice sent as text
    ],
)
def test_multiple_answer_questions_score_as_moodle_does(entry: KeyEntry, given: object, points: float) -> None:
    assert question_points(entry, given) == pytest.approx(points)  # type: ignore[arg-type]


def test_points_weigh_the_percent_and_the_score_records_them() -> None:
    key = parse_answer_key(
        KEY,
        answer_key_document([KeyEntry("1", "a", points=1), KeyEntry("2", ("a", "b", "c"), points=3, partial=True)]),
    )
    submission = parse_submission(
        "k",
        submission_document(
            "student01",
            "networks",
            "week3",
            [{"questionId": "1", "answer": "b"}, {"questionId": "2", "answer": ["a", "b"]}],
            "2026-12-09T10:00:00Z",
            version=3,
        ),
        "student01",
    )
    result = score(submission, key, GradeScale(), "networks", "week3")
    assert (result.correct, result.questions, result.points, result.max_points) == (0, 2, 2.0, 4)
    assert (result.percent, result.grade, result.version) == (50.0, 2, 3)  # 2 of 4 points; round(2.5) is 2
    stored = json.loads(score_document(result, "2026-12-11T00:00:00Z"))
    assert stored["wrong"][1] == {
        "questionId": "2",
        "answer": ["a", "b"],
        "correctAnswer": ["a", "b", "c"],
        "earned": 2.0,
        "points": 3,
    }
    assert (stored["points"], stored["maxPoints"], stored["version"]) == (2.0, 4, 3)
    record = parse_score("k", score_document(result, "2026-12-11T00:00:00Z"))
    assert (record.points, record.max_points) == (2.0, 4)


def test_thirds_of_points_add_up_exactly() -> None:
    entries = [KeyEntry(str(n), ("a", "b", "c"), partial=True) for n in range(3)]
    key = parse_answer_key(KEY, answer_key_document(entries))
    given = [{"questionId": str(n), "answer": ["a", "b"]} for n in range(3)]
    submission = parse_submission("k", submission_document("s1", "n", "w", given, "2026-12-09T10:00:00Z"), "s1")
    result = score(submission, key, GradeScale(), "n", "w")
    assert (result.points, result.percent) == (2.0, 66.67)


def test_an_unweighted_score_keeps_todays_shape() -> None:
    key = parse_answer_key(KEY, answer_key_document([("1", "a"), ("2", "b")]))
    submission = parse_submission("k", json.dumps({"answers": [{"questionId": "1", "answer": "a"}]}).encode(), "s1")
    stored = json.loads(score_document(score(submission, key, GradeScale(), "n", "w"), "2026-12-11T00:00:00Z"))
    assert list(stored) == [
        "studentId",
        "subjectName",
        "testId",
        "correct",
        "questions",
        "percent",
        "grade",
        "wrong",
        "scoredAt",
    ]
    assert stored["wrong"] == [{"questionId": "2", "answer": None, "correctAnswer": "b"}]


def test_each_student_has_an_order_of_their_own_and_keeps_it() -> None:
    questions = [Question(str(n), f"Q{n}", CHOICES) for n in range(1, 9)]
    first = student_order(questions, "networks", "week3", "student01")
    assert student_order(questions, "networks", "week3", "student01") == first  # stable
    other = student_order(questions, "networks", "week3", "student02")
    assert [q.question_id for q in first] != [q.question_id for q in other]
    assert sorted(q.question_id for q in first) == [q.question_id for q in questions]  # nothing lost
    assert all(sorted(q.choice_ids()) == ["a", "b", "c", "d"] for q in first)
    assert any(q.choice_ids() != ["a", "b", "c", "d"] for q in first)
    assert order_of(questions, "networks", "week3", "student01", shuffle=False) == [str(n) for n in range(1, 9)]
    assert order_of(questions, "networks", "week3", "student01", shuffle=True) == [q.question_id for q in first]


def test_decimal_points_sum_exactly_so_full_marks_read_back() -> None:
    key = parse_answer_key(KEY, answer_key_document([KeyEntry("1", "a", points=0.1), KeyEntry("2", "b", points=0.7)]))
    assert key.max_points == 0.8  # not 0.7999999999999999
    answers = [{"questionId": "1", "answer": "a"}, {"questionId": "2", "answer": "b"}]
    submission = parse_submission("k", submission_document("s1", "n", "w", answers, "2026-12-09T10:00:00Z"), "s1")
    result = score(submission, key, GradeScale(), "n", "w")
    assert (result.points, result.max_points, result.percent) == (0.8, 0.8, 100.0)
    assert parse_score("k", score_document(result, "2026-12-11T00:00:00Z")).points == 0.8


def test_points_of_hundreds_of_digits_are_malformed_not_a_crash() -> None:
    body = json.dumps([{"questionId": "1", "answer": "a", "points": 10**400}]).encode()
    with pytest.raises(MalformedDocument, match="points"):
        parse_answer_key(KEY, body)

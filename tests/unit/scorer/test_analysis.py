"""Item analysis of a designed class, checked against figures computed here independently (plain formulas)."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ops.class_results import TestResults
from ops.report import analysis_of, missing_count, report_json, text_report
from testtime.analysis import analyse
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import Choice, Question, parse_answer_key
from testtime.documents.scorer_records import ScoreRow, TestState
from testtime.documents.submissions import Submission, normalise_given
from testtime.scoring import GradeScale, score

INFO = CatalogTest("os", "quiz1", "Processes and threads", datetime(2026, 11, 23, 22, tzinfo=UTC), 7)


def key_of(entries: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    return parse_answer_key("os/quiz1/questionsKey.json", json.dumps(entries).encode())


DEFAULT_SCALE = GradeScale()


def row_of(key, answers: dict[str, object], scale: GradeScale = DEFAULT_SCALE) -> ScoreRow:  # type: ignore[no-untyped-def]
    """The row the scorer caches: the real score of these answers, and the answers as stored (normalised)."""
    given = {qid: normalise_given(answer) for qid, answer in answers.items()}
    result = score(Submission("s", given, None, False), key, scale, "os", "quiz1")
    stored = {
        entry.question_id: tuple(sorted(g)) if isinstance(g := given.get(entry.question_id), frozenset) else g
        for entry in key.entries
    }
    return ScoreRow(
        result.correct, result.questions, result.percent, result.grade, result.points, result.max_points, 1, stored
    )


def pearson(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    top = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return top / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


# -- a designed class of 12: one question everybody gets, one nobody gets, one with a wrong key -----------------

KEY = key_of(
    [
        {"questionId": "q1", "answer": "a"},
        {"questionId": "q2", "answer": "b"},
        {"questionId": "q3", "answer": "c"},  # wrong: the right answer is a, which the strong students pick
        {"questionId": "q4", "answer": "d"},
        {"questionId": "q5", "answer": "a"},
        {"questionId": "q6", "answer": "b"},
        {"questionId": "q7", "answer": "c"},
    ]
)
QUESTIONS = tuple(
    Question(qid, f"Question {qid}?", tuple(Choice(c, f"choice {c}") for c in "abcd"))
    for qid in ("q1", "q2", "q3", "q4", "q5", "q6", "q7")
)
STUDENTS = [f"s{n:02d}" for n in range(1, 13)]  # strongest first


def designed_answers(n: int) -> dict[str, str | None]:
    """Student number n (1-12)."""
    return {
        "q1": "a",
        "q2": "c" if n <= 6 else ("d" if n <= 10 else None),
        "q3": "a" if n <= 7 else "c",
        "q4": "d" if n <= 8 else "b",
        "q5": "a" if n in (1, 3, 5, 8, 10, 11) else ("c" if n < 12 else None),  # unrelated to the rest
        "q6": "b" if n <= 9 else "a",
        "q7": "c" if n <= 5 or n in (7, 8) else "d",
    }


CLASS = {sid: designed_answers(n) for n, sid in enumerate(STUDENTS, start=1)}
RIGHT = {"q1": "a", "q2": "b", "q3": "c", "q4": "d", "q5": "a", "q6": "b", "q7": "c"}


def independent_discrimination(qid: str) -> float | None:
    """1/0 on the question against the percent right on the six other questions, by the plain formula."""
    xs = [1.0 if CLASS[sid][qid] == RIGHT[qid] else 0.0 for sid in STUDENTS]
    ys = [sum(CLASS[sid][o] == RIGHT[o] for o in RIGHT if o != qid) * 100 / 6 for sid in STUDENTS]
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return pearson(xs, ys)


def designed():  # type: ignore[no-untyped-def]
    rows = {sid: row_of(KEY, answers) for sid, answers in CLASS.items()}
    return analyse(INFO, rows, KEY, GradeScale(), missing=3, questions=QUESTIONS), rows


def test_facilities_are_the_exact_share_with_full_marks() -> None:
    analysis, _ = designed()
    facilities = {q.question_id: q.facility for q in analysis.questions}
    assert facilities == {"q1": 1.0, "q2": 0.0, "q3": 5 / 12, "q4": 8 / 12, "q5": 6 / 12, "q6": 9 / 12, "q7": 7 / 12}
    assert [q.question_id for q in analysis.questions] == list(RIGHT)


def test_discrimination_matches_pearson_r_on_the_rest_of_the_test() -> None:
    analysis, _ = designed()
    for question in analysis.questions:
        expected = independent_discrimination(question.question_id)
        if expected is None:
            assert question.discrimination is None, question.question_id
        else:
            assert question.discrimination is not None
            assert abs(question.discrimination - expected) < 0.001, question.question_id
    by_id = {q.question_id: q for q in analysis.questions}
    assert by_id["q1"].discrimination is None  # everybody right: no variance
    assert by_id["q2"].discrimination is None  # nobody right
    assert by_id["q3"].discrimination is not None and by_id["q3"].discrimination < -0.5
    assert by_id["q4"].discrimination is not None and by_id["q4"].discrimination > 0.4
    assert by_id["q6"].discrimination is not None and by_id["q6"].discrimination > 0.3


def test_flags_name_the_questions_that_need_a_look_with_the_figure() -> None:
    analysis, _ = designed()
    flags = {q.question_id: q.flags for q in analysis.questions}
    assert flags["q1"] == flags["q4"] == flags["q6"] == flags["q7"] == ()
    assert flags["q2"] == ("nobody got it right (facility 0.00, under 0.2)",)
    (wrong_key,) = flags["q3"]
    r = independent_discrimination("q3")
    assert r is not None and f"discrimination {r:.2f}" in wrong_key
    assert "probably a wrong answer key" in wrong_key
    q5 = independent_discrimination("q5")
    assert q5 is not None and 0 <= q5 < 0.1
    assert flags["q5"] == (f"it hardly tells stronger from weaker students (discrimination {q5:.2f}, under 0.1)",)


def test_choice_counts_cover_every_choice_and_the_unanswered() -> None:
    analysis, _ = designed()
    by_id = {q.question_id: q for q in analysis.questions}
    assert by_id["q1"].choices == {"a": 12, "b": 0, "c": 0, "d": 0}
    assert (by_id["q2"].choices, by_id["q2"].unanswered) == ({"a": 0, "b": 0, "c": 6, "d": 4}, 2)
    assert (by_id["q3"].choices, by_id["q3"].unanswered) == ({"a": 7, "b": 0, "c": 5, "d": 0}, 0)
    assert (by_id["q5"].choices, by_id["q5"].unanswered) == ({"a": 6, "b": 0, "c": 5, "d": 0}, 1)


def test_class_figures_and_grade_distribution() -> None:
    analysis, rows = designed()
    percents = [rows[sid].percent for sid in STUDENTS]
    assert (analysis.submitted, analysis.missing) == (12, 3)
    assert analysis.mean == round(sum(percents) / 12, 2)
    assert analysis.median == round(sorted(percents)[5] / 2 + sorted(percents)[6] / 2, 2)
    mean = sum(percents) / 12
    assert analysis.stdev == round(math.sqrt(sum((p - mean) ** 2 for p in percents) / 11), 2)
    grades = [round(sum(CLASS[sid][q] == RIGHT[q] for q in RIGHT) / 7 * 5) for sid in STUDENTS]
    assert list(analysis.grades) == ["5", "4", "3", "2", "1", "0"]
    assert analysis.grades == {str(g): grades.count(g) for g in (5, 4, 3, 2, 1, 0)}
    assert sum(analysis.grades.values()) == 12


def test_json_has_numbers_as_numbers() -> None:
    analysis, _ = designed()
    document = json.loads(json.dumps(analysis.to_json()))
    assert set(document) == {
        "subject",
        "testId",
        "title",
        "submitted",
        "missing",
        "mean",
        "median",
        "stdev",
        "grades",
        "questions",
    }
    assert (document["subject"], document["testId"], document["title"]) == ("os", "quiz1", INFO.title)
    assert all(isinstance(document[name], float | int) for name in ("mean", "median", "stdev", "submitted"))
    q3 = document["questions"][2]
    assert set(q3) == {"id", "facility", "discrimination", "choices", "unanswered", "flags"}
    assert q3["id"] == "q3" and q3["facility"] == 5 / 12 and isinstance(q3["discrimination"], float)
    assert document["questions"][0]["discrimination"] is None
    assert document["grades"]["5"] == analysis.grades["5"]


# -- fewer students: no discrimination flag, no stdev, nothing scored ------------------------------------------


def test_a_small_class_gets_no_discrimination_flag_even_when_negative() -> None:
    few = {sid: CLASS[sid] for sid in STUDENTS[:4] + STUDENTS[-4:]}
    rows = {sid: row_of(KEY, answers) for sid, answers in few.items()}
    q3 = analyse(INFO, rows, KEY, GradeScale(), 0).questions[2]
    assert q3.discrimination is not None and q3.discrimination < 0
    assert q3.flags == ()  # 8 students: too few to judge (facility 4/8 is not low)


def test_one_student_and_no_student() -> None:
    one = analyse(INFO, {"s01": row_of(KEY, CLASS["s01"])}, KEY, GradeScale(), 11)
    assert (one.submitted, one.stdev, one.mean, one.median) == (1, None, 71.43, 71.43)
    assert all(q.discrimination is None for q in one.questions)
    none = analyse(INFO, {}, KEY, GradeScale(), 12)
    assert (none.submitted, none.missing, none.mean, none.median, none.stdev) == (0, 12, None, None, None)
    assert all(q.facility is None and q.flags == () for q in none.questions)
    assert none.grades == {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0, "0": 0}


def test_rows_without_answers_count_for_the_class_not_for_the_questions() -> None:
    rows = {sid: row_of(KEY, answers) for sid, answers in CLASS.items()}
    rows["old1"] = ScoreRow(7, 7, 100.0, 5)  # cached before answers were kept
    rows["old2"] = ScoreRow(0, 7, 0.0, 0)
    analysis = analyse(INFO, rows, KEY, GradeScale(), 0, QUESTIONS)
    assert analysis.submitted == 14
    percents = [row.percent for row in rows.values()]
    assert analysis.mean == round(statistics.fmean(percents), 2)
    assert sum(analysis.grades.values()) == 14
    assert [q.facility for q in analysis.questions] == [1.0, 0.0, 5 / 12, 8 / 12, 6 / 12, 9 / 12, 7 / 12]
    assert sum(analysis.questions[0].choices.values()) == 12


def test_choice_ids_match_whatever_their_case_and_unknown_answers_are_counted() -> None:
    questions = (Question("q1", "?", (Choice("A", "yes"), Choice("B", "no"))),)
    key = key_of([{"questionId": "q1", "answer": "A"}])
    rows = {"s1": row_of(key, {"q1": "a"}), "s2": row_of(key, {"q1": " B"}), "s3": row_of(key, {"q1": "zz"})}
    (question,) = analyse(INFO, rows, key, GradeScale(), 0, questions).questions
    assert question.choices == {"A": 1, "B": 1, "zz": 1}
    assert question.facility == 1 / 3
    (without,) = analyse(INFO, rows, key, GradeScale(), 0).questions  # no questions.json: the key's, then seen
    assert without.choices == {"A": 1, "b": 1, "zz": 1}


# -- weighted and multiple-answer questions ------------------------------------------------------------------

WEIGHTED = key_of(
    [
        {"questionId": "w1", "answer": "a", "points": 2},
        {"questionId": "w2", "answer": ["a", "c"], "partial": True},
        {"questionId": "w3", "answer": ["b", "d"]},
        {"questionId": "w4", "answer": "b", "points": 0.5},
    ]
)
POINTS = {"w1": 2.0, "w2": 1.0, "w3": 1.0, "w4": 0.5}


def independent_points(qid: str, answer: object) -> float:
    """Points by hand: partial credit (right picked - wrong picked) / right choices, never below 0."""
    if qid == "w1":
        return 2.0 if answer == "a" else 0.0
    if qid == "w4":
        return 0.5 if answer == "b" else 0.0
    picked = set(answer or ())  # type: ignore[arg-type]
    if qid == "w2":
        return max(len(picked & {"a", "c"}) - len(picked - {"a", "c"}), 0) / 2
    return 1.0 if picked == {"b", "d"} else 0.0


WEIGHTED_CLASS: dict[str, dict[str, object]] = {
    "p01": {"w1": "a", "w2": ["a", "c"], "w3": ["b", "d"], "w4": "b"},
    "p02": {"w1": "a", "w2": ["a"], "w3": ["b", "d"], "w4": "b"},
    "p03": {"w1": "a", "w2": ["c", "a"], "w3": ["b"], "w4": "a"},
    "p04": {"w1": "b", "w2": ["a", "b"], "w3": ["d", "b"], "w4": "b"},
    "p05": {"w1": "a", "w2": ["a", "c", "d"], "w3": None, "w4": None},
    "p06": {"w1": "c", "w2": ["b", "d"], "w3": ["a"], "w4": "b"},
    "p07": {"w1": "b", "w2": None, "w3": ["b", "d", "a"], "w4": "a"},
}


def test_weighted_and_multiple_answer_questions() -> None:
    rows = {sid: row_of(WEIGHTED, answers) for sid, answers in WEIGHTED_CLASS.items()}
    analysis = analyse(INFO, rows, WEIGHTED, GradeScale(), 0)
    sids = sorted(WEIGHTED_CLASS)
    for question in analysis.questions:
        qid = question.question_id
        full = [1.0 if independent_points(qid, WEIGHTED_CLASS[s][qid]) == POINTS[qid] else 0.0 for s in sids]
        rest_max = sum(p for o, p in POINTS.items() if o != qid)
        rest = [
            sum(independent_points(o, WEIGHTED_CLASS[s][o]) for o in POINTS if o != qid) * 100 / rest_max for s in sids
        ]
        assert question.facility == sum(full) / len(full), qid
        assert question.discrimination is not None
        assert abs(question.discrimination - pearson(full, rest)) < 0.001, qid
    w2, w3 = analysis.questions[1], analysis.questions[2]
    # partial credit is not full marks: only p01 and p03 picked exactly a and c
    assert w2.facility == 2 / 7
    assert (w2.choices, w2.unanswered) == ({"a": 5, "c": 3, "b": 2, "d": 2}, 1)
    assert (w3.choices, w3.unanswered) == ({"b": 5, "d": 4, "a": 2}, 1)
    assert analysis.mean == round(statistics.fmean(row.percent for row in rows.values()), 2)


def test_a_single_question_test_has_no_rest_to_correlate_with() -> None:
    key = key_of([{"questionId": "q1", "answer": "a"}])
    rows = {f"s{n}": row_of(key, {"q1": "a" if n % 2 else "b"}) for n in range(12)}
    (question,) = analyse(INFO, rows, key, GradeScale(), 0).questions
    assert (question.facility, question.discrimination, question.flags) == (0.5, None, ())


def test_grades_follow_a_configured_scale_best_first() -> None:
    scale = GradeScale(((90.0, "A"), (60.0, "B"), (0.0, "F")))
    rows = {sid: row_of(KEY, answers, scale) for sid, answers in CLASS.items()}
    analysis = analyse(INFO, rows, KEY, scale, 0)
    assert list(analysis.grades) == ["A", "B", "F"]
    expected = {"A": 0, "B": 0, "F": 0}
    for row in rows.values():
        expected[str(row.grade)] += 1
    assert analysis.grades == expected and expected["B"] > 0 and expected["F"] > 0


# -- bin/report.sh's rendering (ops/report.py) over the same class ---------------------------------------------


def results_of(state: TestState | None, submitted: frozenset[str] | None, info: CatalogTest = INFO) -> TestResults:
    return TestResults(info, KEY, QUESTIONS, state, submitted)


def test_report_of_a_scored_test_counts_only_students_who_can_no_longer_submit() -> None:
    rows = {sid: row_of(KEY, answers) for sid, answers in CLASS.items()}
    extended = replace(INFO, extensions=(("late1", datetime(2026, 11, 30, 22, tzinfo=UTC)),))
    results = results_of(TestState("v", rows, {"bad1": "unreadable"}), frozenset(rows) | {"bad1"}, extended)
    now = datetime(2026, 11, 24, tzinfo=UTC)
    class_ids = [*STUDENTS, "bad1", "gone1", "gone2", "late1"]
    assert missing_count(results, class_ids, now) == 2  # late1 may still submit; bad1 did submit
    analysis = analysis_of(results, class_ids, GradeScale(), now)
    assert (analysis.submitted, analysis.missing) == (12, 2)
    assert analysis == analyse(extended, rows, KEY, GradeScale(), 2, QUESTIONS)
    document = report_json([(results, analysis)])["tests"][0]
    assert (document["scored"], document["problems"], document["questions"][2]["choices"]["a"]) == (True, [], 7)


def test_report_of_a_test_not_scored_yet_has_its_counts_only() -> None:
    results = results_of(None, frozenset({"s01", "s02"}))
    before, after = datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)
    assert analysis_of(results, STUDENTS, GradeScale(), before).missing == 0  # still open
    analysis = analysis_of(results, STUDENTS, GradeScale(), after)
    assert (analysis.submitted, analysis.missing, analysis.questions, analysis.grades) == (2, 10, (), {})
    lines = text_report(results, analysis, ZoneInfo("Europe/Warsaw"), after)
    assert lines[:4] == [
        "os/quiz1: Processes and threads",
        "  deadline: Monday 23 November 2026, 23:00 CET",
        "  submitted: 2, missing: 10",
        "  not scored yet: its deadline has passed (bin/score-now.sh scores it now)",
    ]


def test_report_text_has_grade_bars_and_the_question_table() -> None:
    rows = {sid: row_of(KEY, answers) for sid, answers in CLASS.items()}
    results = results_of(TestState("v", rows), frozenset(rows))
    now = datetime(2026, 11, 24, tzinfo=UTC)
    analysis = analysis_of(results, STUDENTS, GradeScale(), now)
    lines = text_report(results, analysis, ZoneInfo("Europe/Warsaw"), now)
    bars = {line.split("|")[0].strip(): line.split("|")[1] for line in lines if line.startswith("    ") and "|" in line}
    assert list(bars) == ["5", "4", "3", "2", "1", "0"]
    top = max(analysis.grades.values())
    for grade, bar in bars.items():
        count = analysis.grades[grade]
        assert bar.split() == (["#" * round(count * 40 / top), str(count)] if count else [str(count)])
    q3 = next(line for line in lines if line.split()[:2] == ["3", "q3"])
    assert q3.split()[2:4] == ["0.42", f"{independent_discrimination('q3'):.2f}"]
    assert q3.endswith("a 7, b 0, c* 5, d 0")
    assert sum("needs a look:" in line for line in lines) == 3  # q2, q3, q5

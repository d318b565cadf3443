"""Item analysis of one scored test: the class's figures and each question's facility, discrimination and choices.

Pure (no I/O): it reads the score rows of the scorer's state cache (:class:`ScoreRow`, with each student's answers)
and the answer key. Shown in the trainer's email, the portal's trainer page and ``bin/report.sh``.

* facility: the share of the scored students with full marks on the question (Moodle's facility index for
  right/wrong items);
* discrimination: Moodle's discrimination index, "the correlation coefficient between the scores for this item and
  the total scores for the rest of the test" (https://docs.moodle.org/dev/Quiz_statistics_calculations): Pearson's
  r of full marks (1 or 0) against the percent of the points of the other questions, so the question's own points
  do not inflate it; None where either side has no variance.

A row cached before the answers were kept (``answers is None``) counts in the class's figures, not in a question's.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import AnswerKey, KeyEntry, Question, normalise
from testtime.documents.scorer_records import ScoreRow
from testtime.i18n import MAIL
from testtime.scoring import GradeScale, grade_order, question_points

_ = MAIL.gettext
_p = MAIL.pgettext

Answer = str | tuple[str, ...]

# When a question needs a look (issue 14): few right answers, or a question that does not tell the students who
# did well on the rest of the test from those who did not (judged only with enough students to mean something).
LOW_FACILITY = 0.2
LOW_DISCRIMINATION = 0.1
DISCRIMINATION_MIN_STUDENTS = 10
# The rest-of-test percent is rounded this far so that equal scores reached by different float sums compare equal.
_REST_DECIMALS = 9


@dataclass(frozen=True)
class QuestionAnalysis:
    question_id: str
    facility: float | None  # share of scored students with full marks on it, 0..1 (None: nobody scored)
    discrimination: float | None  # Pearson r of full marks (1/0) vs percent on the rest; None without variance
    choices: dict[str, int]  # choice id -> students who chose it (every choice of the question, 0 included)
    unanswered: int
    flags: tuple[str, ...]  # plain-words reasons the question needs a look

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.question_id,
            "facility": self.facility,
            "discrimination": self.discrimination,
            "choices": dict(self.choices),
            "unanswered": self.unanswered,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class TestAnalysis:
    __test__ = False  # a domain class, not a pytest test case

    subject: str
    test_id: str
    title: str
    submitted: int
    missing: int
    mean: float | None  # of the percent
    median: float | None
    stdev: float | None  # sample standard deviation (n - 1); None for fewer than 2 students
    grades: dict[str, int]  # str(grade) -> students, every grade of the scale, best first, 0s included
    questions: tuple[QuestionAnalysis, ...]  # in the answer key's order

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "testId": self.test_id,
            "title": self.title,
            "submitted": self.submitted,
            "missing": self.missing,
            "mean": self.mean,
            "median": self.median,
            "stdev": self.stdev,
            "grades": dict(self.grades),
            "questions": [question.to_json() for question in self.questions],
        }


def grade_label(grade: Any) -> str:
    """A grade as a key of ``grades``: 5.0 read back from JSON is the grade 5."""
    if isinstance(grade, float) and grade.is_integer():
        grade = int(grade)
    return str(grade)


def _given(answer: Answer | None) -> str | frozenset[str] | None:
    """A stored answer as the grading compares it (a multiple-answer question's choices as a set)."""
    if isinstance(answer, tuple | list):
        return frozenset(answer) if answer else None
    return answer


def _picked(answer: Answer | None) -> tuple[str, ...]:
    if answer is None:
        return ()
    return tuple(answer) if isinstance(answer, tuple | list) else (answer,)


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if len(xs) < 2 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    try:
        return round(statistics.correlation(xs, ys), 4)
    except statistics.StatisticsError:  # a constant side after all
        return None


def _choice_counts(entry: KeyEntry, question: Question | None, answers: Sequence[Answer | None]) -> dict[str, int]:
    """Every choice of the question with how many students picked it; stored answers are normalised, so they are
    matched to the choice ids case- and space-insensitively. An answer no choice has is counted under itself."""
    # Without questions.json: the key's choices, then the ones seen.
    ids = question.choice_ids() if question is not None else list(entry.right_choices)
    counts: dict[str, int] = {choice: 0 for choice in ids}
    by_normal = {normalise(choice): choice for choice in ids}
    seen: dict[str, int] = {}
    for answer in answers:
        for choice in _picked(answer):
            known = by_normal.get(choice) or by_normal.get(normalise(choice))  # stored answers are normalised
            if known is not None:
                counts[known] += 1
            else:
                seen[choice] = seen.get(choice, 0) + 1
    return counts | dict(sorted(seen.items()))


def _decimal(value: float, digits: int) -> str:
    """A figure as the flags' reader writes it ("0.15"; "0,15" in Polish: see testtime.emails.decimal)."""
    text = f"{value:.{digits}f}" if digits else f"{value:g}"
    text = text.removeprefix("-") if not text.strip("-0.") else text  # -0.004 reads 0.00, not -0.00
    mark = _p("decimal mark", ".")
    return text.replace(".", mark) if mark != "." else text


def _flags(facility: float | None, discrimination: float | None, scored: int) -> tuple[str, ...]:
    """Why the question needs a look, in words, in the class's language (the trainer's email, page and report)."""
    flags: list[str] = []
    if facility is not None and facility < LOW_FACILITY:
        figures = {"facility": _decimal(facility, 2), "limit": _decimal(LOW_FACILITY, 0)}
        if facility == 0:
            flags.append(_("nobody got it right (facility {facility}, under {limit})", **figures))
        else:
            flags.append(_("few students got it right (facility {facility}, under {limit})", **figures))
    if discrimination is not None and scored >= DISCRIMINATION_MIN_STUDENTS and discrimination < LOW_DISCRIMINATION:
        if discrimination < 0:
            flags.append(
                _(
                    "students who did well on the rest of the test did worse on it (discrimination {value}, below "
                    "0): probably a wrong answer key",
                    value=_decimal(discrimination, 2),
                )
            )
        else:
            flags.append(
                _(
                    "it hardly tells stronger from weaker students (discrimination {value}, under {limit})",
                    value=_decimal(discrimination, 2),
                    limit=_decimal(LOW_DISCRIMINATION, 0),
                )
            )
    return tuple(flags)


def _earned(key: AnswerKey, answered: Sequence[Mapping[str, Answer | None]]) -> list[list[float]]:
    """Per student, the points of each question in key order; each distinct answer is graded once (a class gives
    few distinct answers to a question, so 1,000 students cost a few dozen gradings per question)."""
    graded: dict[tuple[str, str | frozenset[str] | None], float] = {}
    table = []
    for answers in answered:
        row = []
        for entry in key.entries:
            given = _given(answers.get(entry.question_id))
            points = graded.get((entry.question_id, given))
            if points is None:
                points = graded[(entry.question_id, given)] = question_points(entry, given)
            row.append(points)
        table.append(row)
    return table


def _question(
    index: int,
    key: AnswerKey,
    question: Question | None,
    answered: Sequence[Mapping[str, Answer | None]],
    earned: Sequence[Sequence[float]],
) -> QuestionAnalysis:
    entry = key.entries[index]
    mine = [answers.get(entry.question_id) for answers in answered]
    full = [1.0 if row[index] == entry.points else 0.0 for row in earned]
    rest_max = float(sum(Fraction(str(other.points)) for other in key.entries) - Fraction(str(entry.points)))
    discrimination = None
    if rest_max > 0:
        rest = [round((sum(row) - row[index]) * 100 / rest_max, _REST_DECIMALS) for row in earned]
        discrimination = _correlation(full, rest)
    facility = sum(full) / len(full) if full else None
    return QuestionAnalysis(
        question_id=entry.question_id,
        facility=facility,
        discrimination=discrimination,
        choices=_choice_counts(entry, question, mine),
        unanswered=sum(1 for answer in mine if not _picked(answer)),
        flags=_flags(facility, discrimination, len(full)),
    )


def _grades(rows: Mapping[str, ScoreRow], scale: GradeScale) -> dict[str, int]:
    grades = {grade_label(grade): 0 for grade in grade_order(scale)}
    for row in rows.values():
        label = grade_label(row.grade)
        grades[label] = grades.get(label, 0) + 1  # a grade of another scale (older scores) is listed after
    return grades


def analyse(
    info: CatalogTest,
    rows: Mapping[str, ScoreRow],
    key: AnswerKey,
    scale: GradeScale,
    missing: int,
    questions: Sequence[Question] = (),
) -> TestAnalysis:
    """The item analysis of a test from its score rows (student id -> row) and the answer key they were scored
    with; ``questions`` (questions.json) name every choice, so that choices nobody picked are counted too."""
    percents = [row.percent for _sid, row in sorted(rows.items())]
    answered = [row.answers for _sid, row in sorted(rows.items()) if row.answers is not None]
    by_id = {question.question_id: question for question in questions}
    earned = _earned(key, answered)
    return TestAnalysis(
        subject=info.subject,
        test_id=info.test_id,
        title=info.title,
        submitted=len(rows),
        missing=missing,
        mean=round(statistics.fmean(percents), 2) if percents else None,
        median=round(statistics.median(percents), 2) if percents else None,
        stdev=round(statistics.stdev(percents), 2) if len(percents) >= 2 else None,
        grades=_grades(rows, scale),
        questions=tuple(
            _question(index, key, by_id.get(entry.question_id), answered, earned)
            for index, entry in enumerate(key.entries)
        ),
    )

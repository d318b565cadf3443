"""Grading: a submission against a test's answer key, on a configurable grade scale. Pure (no I/O).

The documents it grades (answer key, submission) and the score it produces are read and written by
:mod:`testtime.documents`; this module only decides.

A question is worth its ``points`` (1 unless the key says otherwise). A multiple-answer question scores all or
nothing (exactly the right choices), or with ``partial`` by Moodle's multiple-response rule: with k right choices,
each right choice picked earns 1/k of the points and each wrong one picked costs 1/k, never below zero for the
question. Sums are exact (fractions), so 3 x 1/3 is 1, and rounded only once, in the score.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from testtime.documents.questions import POINTS_DECIMALS, AnswerKey, KeyEntry, normalise
from testtime.documents.scores import Grade, Score, WrongAnswer
from testtime.documents.submissions import Given, Submission
from testtime.i18n import MAIL

_ = MAIL.gettext  # the grade_scale setting's problems, as the trainer's tools report them

# Bumped when the content of score.json changes shape, so existing score.json files get rewritten.
SCORE_FORMAT = 1


@dataclass(frozen=True)
class GradeScale:
    """``bands`` as ``(min_percent, grade)`` sorted by min_percent descending; empty means the original rule."""

    bands: tuple[tuple[float, Grade], ...] = ()

    def grade(self, earned: float, total: float) -> Grade:
        """The grade of ``earned`` out of ``total`` (right answers of questions, or points of a weighted test)."""
        if total <= 0:
            return 0 if not self.bands else self.bands[-1][1]
        if not self.bands:
            # The original service's rule, Python's round (half to even) included.
            return round(earned / total * 5)
        percent = earned * 100 / total  # exact, not the rounded percent, so 59.996 % is not 60 %
        for minimum, grade in self.bands:
            if percent >= minimum:
                return grade
        return self.bands[-1][1]

    def describe(self) -> str:
        """Canonical text of the scale; part of the scoring version."""
        return json.dumps([[m, g] for m, g in self.bands]) if self.bands else "round(correct/questions*5)"


def parse_grade_scale(text: str | None) -> GradeScale:
    """A scale from settings: JSON ``[[min_percent, grade], ...]`` with a band starting at 0; empty for default."""
    if text is None or not text.strip():
        return GradeScale()
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise ValueError(_("GRADE_SCALE is not JSON: {error}", error=error)) from None
    if not isinstance(raw, list):
        raise ValueError(_("GRADE_SCALE must be a JSON list of [min_percent, grade] pairs"))
    if not raw:
        return GradeScale()  # group_vars' grade_scale: [] means the original round(correct / questions * 5)
    bands: list[tuple[float, Grade]] = []
    for item in raw:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or isinstance(item[0], bool)
            or not isinstance(item[0], int | float)
            or not isinstance(item[1], int | float | str)
            or isinstance(item[1], bool)
        ):
            raise ValueError(_("GRADE_SCALE entry {entry} is not a [min_percent, grade] pair", entry=repr(item)))
        minimum = float(item[0])
        if not math.isfinite(minimum) or not 0 <= minimum <= 100:
            raise ValueError(_("GRADE_SCALE minimum {minimum} is not between 0 and 100", minimum=repr(item[0])))
        bands.append((minimum, item[1]))
    if len({m for m, _grade in bands}) != len(bands):
        raise ValueError(_("GRADE_SCALE has two bands with the same minimum"))
    if min(m for m, _grade in bands) != 0:
        raise ValueError(_("GRADE_SCALE needs a band starting at 0, so that every score has a grade"))
    return GradeScale(tuple(sorted(bands, key=lambda band: band[0], reverse=True)))


def scoring_version(key: AnswerKey, scale: GradeScale) -> str:
    """Equal versions give equal score.json content for the same (immutable) submission."""
    text = f"{SCORE_FORMAT}\n{key.digest}\n{scale.describe()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _picked(given: Given | tuple[str, ...]) -> frozenset[str]:
    if isinstance(given, frozenset | tuple):
        return frozenset(given)
    return frozenset() if given is None else frozenset({given})


def _worth(entry: KeyEntry) -> Fraction:
    """The question's points exactly as written (0.1 is a tenth, not the float nearest to it)."""
    return Fraction(str(entry.points))


def _earned(entry: KeyEntry, given: Given | tuple[str, ...]) -> Fraction:
    points = _worth(entry)
    if not entry.multiple:
        return points if isinstance(given, str) and given == normalise(entry.answer) else Fraction(0)
    right = frozenset(choice for choice in map(normalise, entry.right_choices) if choice is not None)
    picked = _picked(given)
    if not entry.partial:
        return points if picked == right else Fraction(0)
    share = Fraction(len(picked & right) - len(picked - right), len(right))
    return max(share, Fraction(0)) * points


def question_points(entry: KeyEntry, given: Given | tuple[str, ...]) -> float:
    """The points ``given`` earns on the question ``entry`` describes (all or nothing, or partial credit); a
    multiple answer may be a frozenset or a tuple (as a state cache row keeps it)."""
    return float(_earned(entry, given))


def _as_given(given: Given) -> str | tuple[str, ...] | None:
    return tuple(sorted(given)) if isinstance(given, frozenset) else given


def score(submission: Submission, key: AnswerKey, scale: GradeScale, subject: str, test_id: str) -> Score:
    """Points earned over the questions of the key; answers to unknown questions are ignored. An unweighted key
    (one point each, one answer each) gives today's score: right answers over questions."""
    correct = 0
    earned_total = Fraction(0)
    wrong: list[WrongAnswer] = []
    answers: list[tuple[str, str | tuple[str, ...] | None]] = []
    for entry in key.entries:
        given = submission.answers.get(entry.question_id)
        answers.append((entry.question_id, _as_given(given)))
        earned = _earned(entry, given)
        earned_total += earned
        if earned == _worth(entry):
            correct += 1
        elif key.weighted:
            share = round(float(earned), POINTS_DECIMALS)
            wrong.append(WrongAnswer(entry.question_id, _as_given(given), entry.answer, share, entry.points))
        else:
            wrong.append(WrongAnswer(entry.question_id, _as_given(given), entry.answer))
    questions = key.questions
    if key.weighted:
        total = sum((_worth(entry) for entry in key.entries), Fraction(0))
        percent = round(float(earned_total * 100 / total), 2)
        grade = scale.grade(float(earned_total), float(total))
        points: float | None = round(float(earned_total), POINTS_DECIMALS)
    else:  # exactly the original figures: right answers over questions
        percent = round(correct * 100 / questions, 2) if questions else 0.0
        grade, points = scale.grade(correct, questions), None
    return Score(
        submission.student_id,
        subject,
        test_id,
        correct,
        questions,
        percent,
        grade,
        tuple(wrong),
        points=points,
        max_points=key.max_points if key.weighted else None,
        version=submission.version,
        answers=tuple(answers),
    )


def score_answers(
    answers: Mapping[str, str | tuple[str, ...] | None],
    key: AnswerKey,
    scale: GradeScale,
    subject: str,
    test_id: str,
    student_id: str,
    version: int = 1,
) -> Score:
    """The score the same answers (as a state cache row keeps them) get under ``key``: a regrade's preview."""
    given: dict[str, Given] = {
        qid: frozenset(answer) if isinstance(answer, tuple) else answer for qid, answer in answers.items()
    }
    return score(Submission(student_id, given, None, False, version), key, scale, subject, test_id)


class ScoreFigures(Protocol):
    """What a Score and a state cache's ScoreRow both have."""

    correct: int
    points: float | None
    percent: float
    grade: Grade


def same_score(before: ScoreFigures, after: ScoreFigures) -> bool:
    """Whether two scores read the same to the student (right answers, points, percent, grade): the one rule
    that decides that a regrade changed a score (the scorer's notice, the publisher's preview)."""
    return (before.correct, before.points, before.percent, before.grade) == (
        after.correct,
        after.points,
        after.percent,
        after.grade,
    )


def grade_order(scale: GradeScale) -> list[Grade]:
    """Every grade the scale gives, best first (the original rule: 5 down to 0)."""
    if not scale.bands:
        return [5, 4, 3, 2, 1, 0]
    return list(dict.fromkeys(grade for _minimum, grade in scale.bands))


def missing_students(class_ids: Iterable[str], submitted: Iterable[str]) -> list[str]:
    """Students of the class list without a submission, sorted."""
    done = set(submitted)
    return sorted({sid for sid in class_ids if sid not in done})

"""Grading: a submission against a test's answer key, on a configurable grade scale. Pure (no I/O).

The documents it grades (answer key, submission) and the score it produces are read and written by
:mod:`testtime.documents`; this module only decides.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

from testtime.documents.questions import AnswerKey, normalise
from testtime.documents.scores import Grade, Score, WrongAnswer
from testtime.documents.submissions import Submission

# Bumped when the content of score.json changes shape, so existing score.json files get rewritten.
SCORE_FORMAT = 1


@dataclass(frozen=True)
class GradeScale:
    """``bands`` as ``(min_percent, grade)`` sorted by min_percent descending; empty means the original rule."""

    bands: tuple[tuple[float, Grade], ...] = ()

    def grade(self, correct: int, questions: int) -> Grade:
        if questions <= 0:
            return 0 if not self.bands else self.bands[-1][1]
        if not self.bands:
            # The original service's rule, Python's round (half to even) included.
            return round(correct / questions * 5)
        percent = correct * 100 / questions  # exact, not the rounded percent, so 59.996 % is not 60 %
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
        raise ValueError(f"GRADE_SCALE is not JSON: {error}") from None
    if not isinstance(raw, list):
        raise ValueError("GRADE_SCALE must be a JSON list of [min_percent, grade] pairs")
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
            raise ValueError(f"GRADE_SCALE entry {item!r} is not a [min_percent, grade] pair")
        minimum = float(item[0])
        if not math.isfinite(minimum) or not 0 <= minimum <= 100:
            raise ValueError(f"GRADE_SCALE minimum {item[0]!r} is not between 0 and 100")
        bands.append((minimum, item[1]))
    if len({m for m, _ in bands}) != len(bands):
        raise ValueError("GRADE_SCALE has two bands with the same minimum")
    if min(m for m, _ in bands) != 0:
        raise ValueError("GRADE_SCALE needs a band starting at 0, so that every score has a grade")
    return GradeScale(tuple(sorted(bands, key=lambda band: band[0], reverse=True)))


def scoring_version(key: AnswerKey, scale: GradeScale) -> str:
    """Equal versions give equal score.json content for the same (immutable) submission."""
    text = f"{SCORE_FORMAT}\n{key.digest}\n{scale.describe()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def score(submission: Submission, key: AnswerKey, scale: GradeScale, subject: str, test_id: str) -> Score:
    """Correct answers over the questions of the key; answers to unknown questions are ignored."""
    correct = 0
    wrong: list[WrongAnswer] = []
    for qid, right in key.answers:
        given = submission.answers.get(qid)
        if given is not None and given == normalise(right):
            correct += 1
        else:
            wrong.append(WrongAnswer(qid, given, right))
    questions = key.questions
    percent = round(correct * 100 / questions, 2) if questions else 0.0
    return Score(
        submission.student_id,
        subject,
        test_id,
        correct,
        questions,
        percent,
        scale.grade(correct, questions),
        tuple(wrong),
    )


def missing_students(class_ids: Iterable[str], submitted: Iterable[str]) -> list[str]:
    """Students of the class list without a submission, sorted."""
    done = set(submitted)
    return sorted({sid for sid in class_ids if sid not in done})

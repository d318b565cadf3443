"""The order a student sees a shuffled test in: questions and each question's choices in an order of their own.

Pure and stable: the order is drawn from a generator seeded by the SHA-256 of the subject, test and student ids,
so a student gets the same order on every request, in every container, in the portal and in the terminal client,
and no order needs storing. Answers are kept by choice id, so scoring never depends on the order. The order is not
a secret (anyone may compute it); it only keeps neighbours from comparing "the third answer of question 2".
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Sequence

from testtime.documents.questions import Question


def _generator(*parts: str) -> random.Random:
    seed = hashlib.sha256("\0".join(parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(seed, "big"))


def student_order(questions: Sequence[Question], subject: str, test_id: str, student_id: str) -> tuple[Question, ...]:
    """``questions`` and their choices in ``student_id``'s own order of ``subject/test_id``."""
    generator = _generator("testtime-order", subject, test_id, student_id)
    ordered = list(questions)
    generator.shuffle(ordered)
    shuffled: list[Question] = []
    for question in ordered:
        choices = list(question.choices)
        generator.shuffle(choices)
        shuffled.append(dataclasses.replace(question, choices=tuple(choices)))
    return tuple(shuffled)


def order_of(questions: Sequence[Question], subject: str, test_id: str, student_id: str, shuffle: bool) -> list[str]:
    """The question ids in the order the student saw them (the published order when the test does not shuffle)."""
    seen = student_order(questions, subject, test_id, student_id) if shuffle else tuple(questions)
    return [question.question_id for question in seen]

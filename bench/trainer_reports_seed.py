"""The trainer-reports benchmark's data: N students x M scored tests, as the scorer leaves them, seeded straight into
a bucket (bench/trainer_reports.py): the class list and the trainer's key digest, the catalog (every test past its
deadline), per test its questions, answer key and state cache (every row with the student's answers), and per
student who submitted (95 %) the submission and its score.json, so that a test's listing is as long as it is
after a real run. Scores are the real scorer's (:func:`testtime.scoring.score_answers`), written through the
documents' writers."""

from __future__ import annotations

import hashlib
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from testtime import layout
from testtime.deadlines import to_iso
from testtime.documents.class_list import Student, class_list_document, trainer_document
from testtime.documents.codec import dumps
from testtime.documents.questions import (
    AnswerKey,
    Choice,
    KeyEntry,
    Question,
    answer_key_document,
    parse_answer_key,
    questions_document,
)
from testtime.documents.scorer_records import KeySnapshot, ScoreRow, TestState, state_document
from testtime.documents.scores import score_document
from testtime.identity import api_key_digest
from testtime.scoring import GradeScale, score_answers, scoring_version

SUBJECT = "bench"
QUESTIONS = 10
CHOICES = "abcd"
SUBMIT_SHARE = 0.95  # the others are missing
SEED_CONCURRENCY = 16
TRAINER_KEY = "bench-trainer-key-0123456789abcdef"  # only its digest is stored, as a publish does
SURNAMES = ("Łukaszewicz", "Nowak", "Öztürk", "Smith", "Wiśniewska", "García")


def student_ids(count: int) -> list[str]:
    return [f"bench{n:05d}" for n in range(1, count + 1)]


def test_ids(count: int) -> list[str]:
    return [f"test{m:02d}" for m in range(1, count + 1)]


def _key(rng: random.Random) -> AnswerKey:
    entries = [KeyEntry(str(q), rng.choice(CHOICES)) for q in range(1, QUESTIONS)]
    entries.append(KeyEntry(str(QUESTIONS), ("a", "c"), points=2, partial=True))  # one weighted multiple-answer
    return parse_answer_key("key", answer_key_document(entries))


def _questions(test_id: str) -> list[Question]:
    return [
        Question(
            str(q),
            f"Question {q} of {test_id}?",
            tuple(Choice(c, f"choice {c} of question {q}") for c in CHOICES),
            points=2 if q == QUESTIONS else 1,
            multiple=q == QUESTIONS,
            partial=q == QUESTIONS,
        )
        for q in range(1, QUESTIONS + 1)
    ]


def _answers(key: AnswerKey, strength: float, rng: random.Random) -> dict[str, str | tuple[str, ...] | None]:
    """A student who knows the right answer with probability ``strength`` and guesses otherwise."""
    answers: dict[str, str | tuple[str, ...] | None] = {}
    for entry in key.entries:
        if rng.random() < 0.05:
            answers[entry.question_id] = None
        elif entry.multiple:
            answers[entry.question_id] = (
                tuple(sorted(entry.right_choices)) if rng.random() < strength else tuple(sorted(rng.sample(CHOICES, 2)))
            )
        else:
            answers[entry.question_id] = entry.answer if rng.random() < strength else rng.choice(CHOICES)
    return answers


def _listed(answer: str | tuple[str, ...] | None) -> str | list[str] | None:
    return list(answer) if isinstance(answer, tuple) else answer


def bucket_objects(students: list[str], tests: list[str], rng: random.Random) -> list[tuple[str, bytes]]:
    now = datetime.now(UTC)
    names = {sid: f"Bench {SURNAMES[n % len(SURNAMES)]} {n}" for n, sid in enumerate(students)}
    objects: list[tuple[str, bytes]] = [
        (
            layout.STUDENTS_LIST,
            class_list_document(Student(sid, f"{sid}@example.com", names[sid], None) for sid in students),
        ),
        (layout.TRAINER, trainer_document(api_key_digest(TRAINER_KEY))),
    ]
    strength = {sid: rng.uniform(0.3, 0.95) for sid in students}
    scale = GradeScale()
    entries = []
    scored_at = to_iso(now - timedelta(minutes=30))
    for test_id in tests:
        key = _key(rng)  # its digest is that of the bytes uploaded here, as after a publish
        questions = questions_document(_questions(test_id))
        objects += [(layout.answer_key_key(SUBJECT, test_id), answer_key_document(key.entries))]
        objects += [(layout.questions_key(SUBJECT, test_id), questions)]
        rows: dict[str, ScoreRow] = {}
        for sid in students:
            if rng.random() >= SUBMIT_SHARE:
                continue
            answers = _answers(key, strength[sid], rng)
            result = score_answers(answers, key, scale, SUBJECT, test_id, sid)
            rows[sid] = ScoreRow(
                result.correct,
                result.questions,
                result.percent,
                result.grade,
                result.points,
                result.max_points,
                1,
                answers,
            )
            submission = {
                "studentId": sid,
                "subjectName": SUBJECT,
                "testId": test_id,
                "receivedAt": to_iso(now - timedelta(hours=2)),
                "answers": [{"questionId": qid, "answer": _listed(a)} for qid, a in answers.items() if a is not None],
            }
            objects.append((layout.submission_key(SUBJECT, test_id, sid), dumps(submission)))
            objects.append((layout.score_key(SUBJECT, test_id, sid), score_document(result, scored_at)))
        snapshot = {e.question_id: KeySnapshot(e.answer, e.points, e.partial) for e in key.entries}
        state = TestState(scoring_version(key, scale), rows, {}, tuple(sorted(rows)), snapshot)
        objects.append((layout.scorer_state_key(SUBJECT, test_id), state_document(state)))
        entries.append(
            {
                "subject": SUBJECT,
                "testId": test_id,
                "title": f"Benchmark test {test_id}",
                "due": to_iso(now - timedelta(hours=1)),
                "firstPublished": to_iso(now - timedelta(days=7)),
                "questionCount": QUESTIONS,
                "closedAt": None,
                "questionsSha256": hashlib.sha256(questions).hexdigest(),
            }
        )
    objects.append((layout.CATALOG, dumps({"version": 1, "tests": entries})))  # last, as a publish writes it
    return objects


def seed(s3: Any, bucket: str, students: list[str], tests: list[str], rng: random.Random) -> int:
    """Upload :func:`bucket_objects` (SEED_CONCURRENCY at a time; ``s3`` needs that many pooled connections)."""
    objects = bucket_objects(students, tests, rng)

    def put(item: tuple[str, bytes]) -> None:
        s3.put_object(Bucket=bucket, Key=item[0], Body=item[1], ContentType="application/json")

    with ThreadPoolExecutor(max_workers=SEED_CONCURRENCY) as pool:
        list(pool.map(put, objects[:-1]))
    put(objects[-1])
    return len(objects)

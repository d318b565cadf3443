"""The S3 objects of the data bucket rendered from the content: pure, and byte-stable (``testtime.s3io.dumps``)
so that unchanged content gives unchanged ETags and the publisher uploads nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ops.content.model import Content, Student, Test
from testtime import layout
from testtime.s3io import dumps


def questions_document(test: Test) -> list[dict[str, Any]]:
    """The original ``questions.json`` shape; it never carries the answer."""
    return [
        {
            "questionId": question.id,
            "question": question.text,
            "answers": [{"answerId": choice.id, "answerBody": choice.body} for choice in question.choices],
        }
        for question in test.questions
    ]


def answer_key_document(test: Test) -> list[dict[str, str]]:
    return [{"questionId": question.id, "answer": question.answer} for question in test.questions]


def students_document(students: Iterable[Student], digests: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """``studentsList.json``; a student without a key yet (only in a ``--check`` plan) has a null digest."""
    return [
        {
            "student_id": student.id,
            "email": student.email,
            "name": student.name,
            "api_key_sha256": digests.get(student.id),
        }
        for student in students
    ]


def trainer_document(digest: str | None) -> dict[str, Any]:
    return {"api_key_sha256": digest}


def render_objects(
    content: Content, catalog: Mapping[str, Any], student_digests: Mapping[str, str | None], trainer_digest: str | None
) -> dict[str, bytes]:
    """Every object the publisher owns, key -> bytes, in upload order: the catalog last, so that a test is
    listed only once its questions are in place."""
    objects: dict[str, bytes] = {}
    for test in content.tests:
        objects[layout.questions_key(test.subject, test.test_id)] = dumps(questions_document(test))
        objects[layout.answer_key_key(test.subject, test.test_id)] = dumps(answer_key_document(test))
    objects[layout.STUDENTS_LIST] = dumps(students_document(content.students, student_digests))
    objects[layout.TRAINER] = dumps(trainer_document(trainer_digest))
    objects[layout.CATALOG] = dumps(dict(catalog))
    return objects

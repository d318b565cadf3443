"""The S3 objects of the data bucket rendered from the content: pure, and byte-stable (the writers of
:mod:`testtime.documents`) so that unchanged content gives unchanged ETags and the publisher uploads nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ops.content.model import Content
from testtime import layout
from testtime.documents.catalog import Catalog, catalog_document
from testtime.documents.class_list import class_list_document, trainer_document
from testtime.documents.questions import answer_key_document, questions_document


def render_objects(
    content: Content, catalog: Catalog, student_digests: Mapping[str, str | None], trainer_digest: str | None
) -> dict[str, bytes]:
    """Every object the publisher owns, key -> bytes, in upload order: the catalog last, so that a test is
    listed only once its questions are in place. A student without a digest (only in a ``--check`` plan, before
    the key exists) is listed with a null one."""
    objects: dict[str, bytes] = {}
    for test in content.tests:
        objects[layout.questions_key(test.subject, test.test_id)] = questions_document(test.published_questions())
        objects[layout.answer_key_key(test.subject, test.test_id)] = answer_key_document(test.key_entries())
    students = (
        dataclasses.replace(student, api_key_sha256=student_digests.get(student.student_id))
        for student in content.students
    )
    objects[layout.STUDENTS_LIST] = class_list_document(students)
    objects[layout.TRAINER] = trainer_document(trainer_digest)
    objects[layout.CATALOG] = catalog_document(catalog.tests.values())
    return objects

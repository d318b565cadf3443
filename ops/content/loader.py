"""Loading a content folder: every file is checked before anything is returned, so nothing half-valid is published."""

from __future__ import annotations

from pathlib import Path

from ops.content.fields import identity
from ops.content.model import Content
from ops.content.problems import ContentError, Problem
from ops.content.students import load_students
from ops.content.subjects import load_tests
from ops.i18n import TRAINER

_ = TRAINER.gettext


def load_content(folder: Path) -> Content:
    """The validated content of ``folder``; ContentError listing every problem found otherwise."""
    if not folder.is_dir():
        raise ContentError([Problem(str(folder), _("the content folder does not exist"))])
    problems: list[Problem] = []
    students = load_students(folder, problems)
    # A test's extensions name students of the class list; one with problems of its own is not checked against
    # (its mistakes are reported already, and a student left out of it would be named twice).
    roster = {identity(student.student_id): student.student_id for student in students} if not problems else None
    titles: dict[str, str] = {}
    tests = load_tests(folder, problems, roster, titles)
    if problems:
        raise ContentError(problems)
    return Content(tuple(students), tuple(tests), titles)

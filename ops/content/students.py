"""The class list: ``students.yml`` (``id``, ``name``, ``email``) or the original ``studentsList.json``
(``student_id``, ``email``; no name, so the id stands in for it)."""

from __future__ import annotations

from pathlib import Path

from ops.content.documents import read_document
from ops.content.fields import FieldChecker
from ops.content.model import Student
from ops.content.problems import Problem
from testtime.layout import STUDENTS_LIST

AUTHORED_FILES = ("students.yml", "students.yaml")
# "testtime-trainer" names the trainer's API key; a student with that id would share it.
RESERVED_IDS = frozenset({"trainer"})


def load_students(folder: Path, problems: list[Problem]) -> list[Student]:
    present = [name for name in (*AUTHORED_FILES, STUDENTS_LIST) if (folder / name).is_file()]
    if not present:
        problems.append(Problem(AUTHORED_FILES[0], "missing: the class list (a list of id, name, email)"))
        return []
    if len(present) > 1:
        problems.append(Problem(present[1], f"only one class list may be present, found {' and '.join(present)}"))
        return []
    legacy = present[0] == STUDENTS_LIST
    document, parse_problems = read_document(folder, present[0])
    problems.extend(parse_problems)
    if document is None:
        return []
    check = FieldChecker(document, problems)
    rows = check.items(document.data, (), "students")
    if rows is None:
        return []
    id_key, required, optional = (
        ("student_id", ("student_id", "email"), ("name",)) if legacy else ("id", ("id", "name", "email"), ())
    )
    students: list[Student] = []
    seen: dict[str, int | None] = {}
    for index, row in enumerate(rows):
        fields = check.mapping(row, (index,), required, optional)
        if fields is None:
            continue
        student_id = check.get(
            fields, (index,), id_key, lambda value, where: check.key_part(value, where, "a student id")
        )
        if student_id in RESERVED_IDS:
            check.report((index, id_key), f"{student_id!r} is reserved (it names the trainer's API key)")
            student_id = None
        check.unique(seen, student_id, (index, id_key), "student id")
        # The original list has no names: the id stands in, so greetings still read naturally.
        name = check.get(fields, (index,), "name", check.text) or student_id
        email = check.get(fields, (index,), "email", check.email)
        if student_id is not None and name is not None and email is not None:
            students.append(Student(student_id=student_id, email=email, name=name))
    return students

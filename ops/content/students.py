"""The class list: ``students.yml`` (``id``, ``name``, ``email``) or the original ``studentsList.json``
(``student_id``, ``email``; no name, so the id stands in for it)."""

from __future__ import annotations

from pathlib import Path

from ops.content.documents import is_present, read_document
from ops.content.fields import FieldChecker, Seen, identity
from ops.content.model import Student
from ops.content.problems import Problem
from ops.content.subjects import LEGACY_KEY, LEGACY_QUESTIONS
from ops.i18n import TRAINER
from testtime.layout import STUDENTS_LIST

_ = TRAINER.gettext
_p = TRAINER.pgettext

AUTHORED_FILES = ("students.yml", "students.yaml")
# Ids no student may have, in any case (see FieldChecker.unique), with the reason a trainer reads (translated when
# reported).
RESERVED_IDS = {
    "trainer": "it names the trainer's API key",  # "testtime-trainer"; a student with that id would share it
    # A test's folder in the bucket holds these files next to each student's folder (layout.questions_key): a
    # student of that name would make a key both an object and a folder, which no backup folder can hold.
    **dict.fromkeys((LEGACY_QUESTIONS, LEGACY_KEY), "a test's own file in the bucket has that name"),
}
_RESERVED_BY_IDENTITY = {identity(name): reason for name, reason in RESERVED_IDS.items()}


def _reason(reason: str) -> str:
    """The reason of :data:`RESERVED_IDS`, in the class's language (the msgids, written out for the extractor)."""
    return {
        "it names the trainer's API key": _("it names the trainer's API key"),
        "a test's own file in the bucket has that name": _("a test's own file in the bucket has that name"),
    }[reason]


def load_students(folder: Path, problems: list[Problem]) -> list[Student]:
    present = [name for name in (*AUTHORED_FILES, STUDENTS_LIST) if is_present(folder, name)]
    if not present:
        problems.append(Problem(AUTHORED_FILES[0], _("missing: the class list (a list of id, name, email)")))
        problems.extend(_misnamed_class_lists(folder))
        return []
    if len(present) > 1:
        found = _(" and ").join(present)
        problems.append(Problem(present[1], _("only one class list may be present, found {found}", found=found)))
        return []
    legacy = present[0] == STUDENTS_LIST
    document, parse_problems = read_document(folder, present[0])
    problems.extend(parse_problems)
    if document is None:
        return []
    check = FieldChecker(document, problems)
    rows = check.items(document.data, (), _p("a list of", "students"))
    if rows is None:
        return []
    id_key, required, optional = (
        ("student_id", ("student_id", "email"), ("name",)) if legacy else ("id", ("id", "name", "email"), ())
    )
    students: list[Student] = []
    seen: Seen = {}
    seen_emails: Seen = {}
    for index, row in enumerate(rows):
        fields = check.mapping(row, (index,), required, optional)
        if fields is None:
            continue
        student_id = check.get(
            fields,
            (index,),
            id_key,
            lambda value, where: check.key_part(value, where, _p("cannot be used as", "a student id")),
        )
        reserved = _RESERVED_BY_IDENTITY.get(identity(student_id)) if student_id is not None else None
        if reserved is not None:
            check.report(
                (index, id_key), _("{value} is reserved ({reason})", value=repr(student_id), reason=_reason(reserved))
            )
            student_id = None
        check.unique(seen, student_id, (index, id_key), _p("duplicate", "student id"), ignore_case=True)
        # The original list has no names: the id stands in, so greetings still read naturally.
        name = check.get(fields, (index,), "name", check.text) or student_id
        email = check.get(fields, (index,), "email", check.email)
        # One address, one person: else one inbox gets two students' scores. Compared ignoring case: domains are not
        # case sensitive, and RFC 5321 section 2.4 discourages relying on the case of the local part.
        check.unique(seen_emails, email, (index, "email"), _p("duplicate", "e-mail address"), ignore_case=True)
        if student_id is not None and name is not None and email is not None:
            students.append(Student(student_id=student_id, email=email, name=name))
    return students


def _misnamed_class_lists(folder: Path) -> list[Problem]:
    """A class list named in another case ('Students.yml'): the same file on the case-insensitive disks trainers
    edit content on, not found on a case-sensitive one."""
    names = {identity(name): name for name in (*AUTHORED_FILES, STUDENTS_LIST)}
    return [
        Problem(
            entry.name,
            _("the class list is named {name}, in exactly that case", name=repr(names[identity(entry.name)])),
        )
        for entry in sorted(folder.iterdir())
        if identity(entry.name) in names and entry.name not in names.values()
    ]

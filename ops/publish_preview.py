"""What the publisher tells the trainer: the preview of a ``--check`` and the report of a publication in the
trainer's terms (tests added, changed, closed or reopened with their deadlines, students added, removed or changed,
answer keys, extensions, options), warnings, then a summary, in the class's language (ops.i18n), dates in words in
the trainer's zone. The bucket's objects are listed only on request (``verbose``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from ops import apikeys
from ops.content import CatalogChanges
from ops.deployment import DEFAULT_TIMEZONE
from ops.i18n import TRAINER
from ops.regrade_preview import TestRegrade
from testtime import layout
from testtime.deadlines import describe
from testtime.documents.catalog import Catalog
from testtime.documents.class_list import ClassList, Student

_ = TRAINER.gettext
_n = TRAINER.ngettext
_p = TRAINER.pgettext

ADD, UPDATE, UNCHANGED = "add", "update", "unchanged"
ADDED, CHANGED, CLOSED, REOPENED = "added", "changed", "closed", "reopened"


@dataclass(frozen=True)
class TestChange:
    """A test as this publication changes it for the students: ``kind`` is ADDED, CHANGED, CLOSED or REOPENED."""

    __test__ = False  # a domain class, not a pytest test case

    name: str  # <subject>/<testId>
    title: str
    kind: str
    due: datetime  # its deadline after this publication (a closed test: the one it had)
    default_due: bool = False  # its file sets no due: the default deadline after its first publication applies
    was_due: datetime | None = None  # the deadline before, when this publication moves it
    was_title: str | None = None  # the title before, when this publication changes it
    questions: bool = False  # what the students are shown changed (texts, choices, points, number of questions)
    key_changed: bool = False  # the answer key changed
    key_questions: tuple[str, ...] = ()  # the questions whose scoring changed with it (none: an explanation only)
    closed_at: datetime | None = None  # a closed test: when (before its deadline: closed early)

    @property
    def changed(self) -> bool:
        return self.questions or self.key_changed or self.was_due is not None or self.was_title is not None


# (student id, what of theirs changed: "name", "email")
StudentChange = tuple[str, tuple[str, ...]]


@dataclass
class PublishReport:
    objects: dict[str, str]  # key -> add, update or unchanged
    tests: CatalogChanges
    students_added: list[str]
    students_removed: list[str]
    keys: apikeys.KeySync
    verifications: list[str]  # addresses SES was (or would be) asked to verify
    warnings: list[str]
    regrades: list[TestRegrade] = field(default_factory=list)  # scored tests whose answer key changed
    timezone: str = DEFAULT_TIMEZONE  # the trainer's: dates are shown in words in it
    test_changes: list[TestChange] = field(default_factory=list)  # ops.publish_preview.changes_of_tests
    students_changed: list[StudentChange] = field(default_factory=list)
    student_names: dict[str, str] = field(default_factory=dict)  # id -> name, shown with the id

    def lines(self, *, check: bool, verbose: bool = False) -> list[str]:
        """One line per change, warnings, then the summary, in the class's language; ``verbose`` first lists the
        bucket's objects (with ``check`` the unchanged ones too)."""
        zone = ZoneInfo(self.timezone)
        lines = []
        if verbose:
            shown = [(action, key) for key, action in self.objects.items() if check or action != UNCHANGED]
            lines += [f"{_object_action(action):<10} {key}" for action, key in shown]
        lines += [line_of_test(change, zone) for change in self.test_changes]
        lines += [
            _row(
                _("extension"), _("{test} {student}: until {due}", test=name, student=student, due=describe(due, zone))
            )
            if due is not None
            else _("extension removed {test} {student}", test=name, student=student)
            for name, student, due in self.tests.extensions
        ]
        lines += [
            _row(_("test option"), _("{test}: {option} on", test=name, option=option))
            if on
            else _row(_("test option"), _("{test}: {option} off", test=name, option=option))
            for name, option, on in self.tests.options
        ]
        lines += [
            _row(_("subject title"), _("{subject}: {title}", subject=subject, title=title))
            if title
            else _row(_("subject title"), _("{subject}: none (the id is shown)", subject=subject))
            for subject, title in self.tests.titles
        ]
        lines += [_row(_("student added"), self._student(student)) for student in self.students_added]
        lines += [_row(_("student removed"), self._student(student)) for student in self.students_removed]
        lines += [
            _row(
                _("student changed"),
                _("{student}: {fields}", student=self._student(student), fields=", ".join(map(_field, fields))),
            )
            for student, fields in self.students_changed
        ]
        lines += [
            _("api key {action} {name}", action=apikeys.key_action(change.action).ljust(7), name=change.name)
            for change in self.keys.changes
        ]
        lines += [_row(_("ses verify"), address) for address in self.verifications]
        lines += [_row(_("rescore"), regrade.line(check=check)) for regrade in self.regrades]
        lines += [_("warning: {warning}", warning=warning) for warning in self.warnings]
        return [*lines, self.summary(check=check)]

    def _student(self, student_id: str) -> str:
        name = self.student_names.get(student_id)
        return _("{student} ({name})", student=student_id, name=name) if name else student_id

    def summary(self, *, check: bool) -> str:
        count = list(self.objects.values()).count
        kinds = [change.kind for change in self.test_changes]
        keys = _(
            "{create} create, {enable} enable, {disable} disable, {attach} attach",
            **{action: self.keys.count(action) for action in ("create", "enable", "disable", "attach")},
        )
        values = {
            "add": count(ADD),
            "update": count(UPDATE),
            "unchanged": count(UNCHANGED),
            "new": kinds.count(ADDED),
            "changed": kinds.count(CHANGED),
            "closed": kinds.count(CLOSED),
            "reopened": kinds.count(REOPENED),
            "added": len(self.students_added),
            "removed": len(self.students_removed),
            "keys": keys,
            "ses": len(self.verifications),
        }
        if check:
            return _(
                "check, nothing changed: tests {new} new, {changed} changed, {closed} closed, {reopened} reopened; "
                "students {added} added, {removed} removed; api keys {keys}; ses {ses} to verify; files {add} to "
                "upload, {update} to replace, {unchanged} unchanged",
                **values,
            )
        return _(
            "published: tests {new} new, {changed} changed, {closed} closed, {reopened} reopened; students {added} "
            "added, {removed} removed; api keys {keys}; ses {ses} to verify; files {add} uploaded, {update} replaced, "
            "{unchanged} unchanged",
            **values,
        )


def line_of_test(change: TestChange, zone: ZoneInfo) -> str:
    """A test's line: what happens to it, its id and title, its deadline in words (marked when it is the default
    one) and, for a test already published, what of it changes."""
    test = _("{test} ({title})", test=change.name, title=change.title)
    due = describe(change.due, zone)
    if change.default_due:
        due = _("{due} (default: its file sets no 'due')", due=due)
    if change.kind == ADDED:
        return _row(_("test added"), _("{test}: due {due}", test=test, due=due))
    if change.kind == CLOSED and change.closed_at is not None and change.closed_at < change.due:
        detail = _("{test}: closed before its deadline, {due}: no more submissions; what was submitted is still scored",
                   test=test, due=describe(change.due, zone))  # fmt: skip
        return _row(_("test closed"), detail)
    if change.kind == CLOSED:
        detail = _("{test}: it was due {due}; what was submitted is still scored", test=test,
                   due=describe(change.due, zone))  # fmt: skip
        return _row(_("test closed"), detail)
    details = []
    if change.was_title is not None:
        details.append(_("title, was {title}", title=change.was_title))
    if change.questions:
        details.append(_("questions"))
    if change.key_changed and change.key_questions:
        details.append(
            _n(
                "answer key of question {questions}",
                "answer key of questions {questions}",
                len(change.key_questions),
                questions=", ".join(change.key_questions),
            )
        )
    elif change.key_changed:
        details.append(_("answer key, but no score can change (an explanation or the layout)"))
    if change.was_due is not None:
        details.append(_("due {due}, was {was}", due=due, was=describe(change.was_due, zone)))
    elif change.kind == REOPENED:
        details.insert(0, _("due {due}", due=due))
    label = _("test reopened") if change.kind == REOPENED else _("test changed")
    return _row(label, _("{test}: {changes}", test=test, changes="; ".join(details)))


def changes_of_tests(
    before: Catalog,
    after: Catalog,
    changes: CatalogChanges,
    objects: Mapping[str, str],
    key_changes: Sequence[TestRegrade],
    default_due: Collection[str],
) -> list[TestChange]:
    """What this publication does to each test, new ones first, then the changed, reopened and closed ones (catalog
    order within each): ``objects`` is the plan (key -> action), ``key_changes`` the answer keys it changes
    (ops.regrade_preview.read_key_changes), ``default_due`` the tests (subject/testId) whose file sets no due. A test
    that stays closed, or whose entry changes only by its extensions, options or subject title (each said on a line
    of its own), is not listed."""
    kinds = {
        **dict.fromkeys(changes.added, ADDED),
        **dict.fromkeys(changes.closed, CLOSED),
        **dict.fromkeys(changes.reopened, REOPENED),
    }
    keys = {change.name: change for change in key_changes}
    found = []
    for ref, test in after.tests.items():
        kind = kinds.get(test.name)
        old = before.tests.get(ref)
        if kind == CLOSED:
            found.append(TestChange(test.name, test.title, CLOSED, test.due, closed_at=test.closed_at))
            continue
        if kind == ADDED or old is None:
            found.append(TestChange(test.name, test.title, ADDED, test.due, test.name in default_due))
            continue
        if kind is None and test.closed_at is not None:
            continue  # closed before: its entry stays as it was
        key = keys.get(test.name)
        change = TestChange(
            test.name,
            test.title,
            kind or CHANGED,
            test.due,
            test.name in default_due,
            was_due=old.due if old.due != test.due else None,
            was_title=old.title if old.title != test.title else None,
            questions=objects.get(layout.questions_key(test.subject, test.test_id)) == UPDATE,
            key_changed=objects.get(layout.answer_key_key(test.subject, test.test_id)) == UPDATE,
            key_questions=key.questions if key is not None else (),
        )
        if kind == REOPENED or change.changed:
            found.append(change)
    order = (ADDED, CHANGED, REOPENED, CLOSED)
    return sorted(found, key=lambda change: order.index(change.kind))  # stable: catalog order within a kind


def student_changes(existing: ClassList, students: Sequence[Student]) -> list[StudentChange]:
    """The students of the class list whose name or address the content changes, in the content's order."""
    before = existing.by_id()
    found = []
    for student in students:
        old = before.get(student.student_id)
        if old is not None:
            pairs = (("name", student.name, old.name), ("email", student.email, old.email))
            fields = tuple(name for name, now, then in pairs if now != then)
            if fields:
                found.append((student.student_id, fields))
    return found


def _field(name: str) -> str:
    words = {"name": _p("student's", "name"), "email": _p("student's", "email")}
    return words[name]


def _row(label: str, detail: str) -> str:
    """A preview line: what changes, padded so that the details line up, then which one."""
    return f"{label:<15} {detail}"


def _object_action(action: str) -> str:
    words = {ADD: _p("object", "add"), UPDATE: _p("object", "update"), UNCHANGED: _p("object", "unchanged")}
    return words[action]


def past_deadlines(catalog: Catalog, opened: set[str], now: datetime, zone: ZoneInfo) -> list[str]:
    """Tests opened by this publication whose deadline has already passed: students could not answer them."""
    return [
        _(
            "{test}: its deadline, {due}, has passed; set 'due' to give students time",
            test=test.name,
            due=describe(test.due, zone),
        )
        for test in catalog.tests.values()
        if test.name in opened and test.due <= now
    ]


def shortening_extensions(catalog: Catalog, changes: CatalogChanges, zone: ZoneInfo) -> list[str]:
    """Extensions set now that end before the test's deadline, the default one (the content's checks refuse one
    before an explicit ``due``): that student would have less time than the others."""
    warnings = []
    for name, student, due in changes.extensions:
        test = next(test for test in catalog.tests.values() if test.name == name)
        if due is not None and due < test.due:
            warnings.append(
                _(
                    "{test}: the extension of {student} ends {due}, before the test's deadline, {deadline}; that "
                    "student has less time than the others",
                    test=name,
                    student=student,
                    due=describe(due, zone),
                    deadline=describe(test.due, zone),
                )
            )
    return warnings


def late_extensions(catalog: Catalog, changes: CatalogChanges, now: datetime, zone: ZoneInfo) -> list[str]:
    """Extensions set now on a test whose common deadline has passed: the scorer may already have emailed the
    others their scores and the right answers, which the extended student could then see before submitting."""
    warnings = []
    for name, student, due in changes.extensions:
        test = next(test for test in catalog.tests.values() if test.name == name)
        if due is not None and test.deadline <= now < due:
            warnings.append(
                _(
                    "{test}: the extension of {student} comes after the test's deadline, {deadline}; if the scorer has "
                    "run since, the other students were emailed their scores and the right answers, which {student} "
                    "may see before submitting",
                    test=name,
                    student=student,
                    deadline=describe(test.deadline, zone),
                )
            )
    return warnings


def dropped_entries(existing: Catalog, *, check: bool) -> list[str]:
    """The bucket's catalog entries no reader can use (the API and the scorer skip them too): the catalog written
    now no longer lists them; a test of the content among them is listed again as first published now."""
    if check:
        return [
            _(
                "{file}: {problem}; the new catalog would keep only the entries that can be read",
                file=layout.CATALOG,
                problem=problem,
            )
            for problem in existing.problems
        ]
    return [
        _(
            "{file}: {problem}; the new catalog keeps only the entries that can be read",
            file=layout.CATALOG,
            problem=problem,
        )
        for problem in existing.problems
    ]

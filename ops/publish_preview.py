"""What the publisher tells the trainer: the preview of a ``--check`` and the report of a publication, one line
per change, warnings, then a summary, in the class's language (ops.i18n), dates in words in the trainer's zone."""

from __future__ import annotations

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

_ = TRAINER.gettext
_p = TRAINER.pgettext

ADD, UPDATE, UNCHANGED = "add", "update", "unchanged"


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

    def lines(self, *, check: bool) -> list[str]:
        """One line per change (per object in a ``--check`` plan), warnings, then the summary, in the class's
        language."""
        zone = ZoneInfo(self.timezone)
        shown = [(action, key) for key, action in self.objects.items() if check or action != UNCHANGED]
        lines = [f"{_object_action(action):<10} {key}" for action, key in shown]
        lines += [_row(_("test closed"), name) for name in self.tests.closed]
        lines += [_row(_("test reopened"), name) for name in self.tests.reopened]
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
        lines += [_row(_("student added"), student) for student in self.students_added]
        lines += [_row(_("student removed"), student) for student in self.students_removed]
        lines += [
            _("api key {action} {name}", action=apikeys.key_action(change.action).ljust(7), name=change.name)
            for change in self.keys.changes
        ]
        lines += [_row(_("ses verify"), address) for address in self.verifications]
        lines += [_row(_("rescore"), regrade.line(check=check)) for regrade in self.regrades]
        lines += [_("warning: {warning}", warning=warning) for warning in self.warnings]
        return [*lines, self.summary(check=check)]

    def summary(self, *, check: bool) -> str:
        count = list(self.objects.values()).count
        keys = _(
            "{create} create, {enable} enable, {disable} disable, {attach} attach",
            **{action: self.keys.count(action) for action in ("create", "enable", "disable", "attach")},
        )
        values = {
            "add": count(ADD),
            "update": count(UPDATE),
            "unchanged": count(UNCHANGED),
            "new": len(self.tests.added),
            "closed": len(self.tests.closed),
            "reopened": len(self.tests.reopened),
            "added": len(self.students_added),
            "removed": len(self.students_removed),
            "keys": keys,
            "ses": len(self.verifications),
        }
        if check:
            return _(
                "check, nothing changed: objects {add} add, {update} update, {unchanged} unchanged; tests {new} new, "
                "{closed} closed, {reopened} reopened; students {added} added, {removed} removed; api keys {keys}; "
                "ses {ses} to verify",
                **values,
            )
        return _(
            "published: objects {add} add, {update} update, {unchanged} unchanged; tests {new} new, {closed} closed, "
            "{reopened} reopened; students {added} added, {removed} removed; api keys {keys}; ses {ses} to verify",
            **values,
        )


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

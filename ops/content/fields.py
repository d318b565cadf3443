"""Schema checks of single fields: each check reports into the shared problem list and returns the clean value
(or None when the value is unusable, so that callers go on checking the rest of the file)."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email

from ops.content.documents import Document
from ops.content.due import parse_due
from ops.content.problems import FieldPath, Problem
from ops.i18n import TRAINER
from testtime.layout import is_safe_id

_ = TRAINER.gettext
_p = TRAINER.pgettext

T = TypeVar("T")


def safe_id_rule() -> str:
    return _("use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")


def due_example() -> str:
    return _("e.g. {offset} or {zoned}", offset="2026-11-30T23:00:00+01:00", zoned="2026-11-30T23:00 Europe/Warsaw")


def kind(value: Any) -> str:
    """The trainer's word for the type of a parsed value (after "found")."""
    if value is None:
        return _p("found", "nothing")
    if isinstance(value, bool):
        return _p("found", "true/false")
    if isinstance(value, int | float):
        return _p("found", "a number")
    if isinstance(value, str):
        return _p("found", "text")
    return _p("found", "a list") if isinstance(value, list) else _p("found", "a mapping")


# The values of a document already checked by ``FieldChecker.unique``: the compared form -> (as typed, its line).
Seen = dict[str, tuple[str, int | None]]


def identity(value: str) -> str:
    """The form in which two ids or e-mail addresses are the same to a person: Unicode NFC (composed and decomposed
    accents look alike), then ``casefold`` (full case folding, e.g. 'ß' and 'SS'; ids are ASCII, e-mails may not be)."""
    return unicodedata.normalize("NFC", value).casefold()


def same_except_case(what: str, value: str, first: str, first_at: str | None) -> str:
    """The message for ``value`` when ``first`` (at ``first_at``: a line or a file) differs from it only in case;
    ``what`` is a translated noun (e.g. ``_p("duplicate", "student id")``)."""
    if first_at:
        return _("{what} {value} is the same as {first} ({first_at}) except for case",
                 what=what, value=repr(value), first=repr(first), first_at=first_at)  # fmt: skip
    return _("{what} {value} is the same as {first} except for case", what=what, value=repr(value), first=repr(first))


def name_problem(relative: str, name: str, what: str) -> Problem | None:
    """A problem when a file or folder name cannot serve as ``what`` (translated, context "cannot be used as"; it
    becomes part of S3 keys)."""
    if is_safe_id(name):
        return None
    return Problem(
        relative, _("the name {name} cannot be used as {what}: {rule}", name=repr(name), what=what, rule=safe_id_rule())
    )


class FieldChecker:
    """Checks the fields of one document, collecting every problem instead of stopping at the first."""

    def __init__(self, document: Document, problems: list[Problem]) -> None:
        self.document = document
        self.problems = problems

    def report(self, where: FieldPath, message: str) -> None:
        self.problems.append(self.document.problem(where, message))

    def get(
        self, fields: dict[str, Any], where: FieldPath, key: str, convert: Callable[[Any, FieldPath], T | None]
    ) -> T | None:
        """``convert`` applied to ``fields[key]``; None when the key is absent (``mapping`` reported it if required)."""
        if key not in fields:
            return None
        return convert(fields[key], (*where, key))

    def mapping(
        self, value: Any, where: FieldPath, required: Sequence[str], optional: Sequence[str] = ()
    ) -> dict[str, Any] | None:
        """``value`` when it is a mapping; unknown keys (with a hint) and missing required keys are reported."""
        allowed = [*required, *optional]
        if not isinstance(value, dict):
            self.report(where, _("expected a mapping with keys {keys}, found {found}", keys=", ".join(allowed),
                                 found=kind(value)))  # fmt: skip
            return None
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = (_("did you mean {key}?", key=repr(close[0])) if close
                        else _("expected one of {keys}", keys=", ".join(allowed)))  # fmt: skip
                self.report((*where, key), _("unknown key ({hint})", hint=hint))
        for key in required:
            if key not in value:
                self.report(where, _("missing required key {key}", key=repr(key)))
        return value

    def items(self, value: Any, where: FieldPath, what: str) -> list[Any] | None:
        """``what``: translated, context "a list of"."""
        if not isinstance(value, list):
            self.report(where, _("expected a list of {what}, found {found}", what=what, found=kind(value)))
            return None
        return value

    def text(self, value: Any, where: FieldPath) -> str | None:
        """Non-empty text, without surrounding blanks (YAML block scalars end with a newline)."""
        if not isinstance(value, str) or not value.strip():
            found = _p("found", "empty text") if isinstance(value, str) else kind(value)
            self.report(where, _("expected text, found {found}", found=found))
            return None
        return value.strip()

    def label(self, value: Any, where: FieldPath) -> str | None:
        """A question or choice id: text as typed (a JSON number is accepted as its digits)."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            found = _p("found", "empty text") if isinstance(value, str) else kind(value)
            self.report(where, _("expected an id, found {found}", found=found))
            return None
        if value != value.strip():
            self.report(where, _("{value} starts or ends with blanks", value=repr(value)))
            return None
        return value

    def key_part(self, value: Any, where: FieldPath, what: str | None = None) -> str | None:
        """An id that becomes part of S3 keys (student, subject, test); ``what``: translated, context "cannot be
        used as"."""
        value = self.label(value, where)
        if value is not None and not is_safe_id(value):
            what = what or _p("cannot be used as", "an id")
            self.report(where, _("{value} cannot be used as {what}: {rule}", value=repr(value), what=what,
                                 rule=safe_id_rule()))  # fmt: skip
            return None
        return value

    def email(self, value: Any, where: FieldPath) -> str | None:
        address = self.text(value, where)
        if address is None:
            return None
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as error:
            self.report(
                where, _("{address} is not a valid e-mail address: {error}", address=repr(address), error=error)
            )
            return None
        return address

    def due(self, value: Any, where: FieldPath) -> datetime | None:
        if not isinstance(value, str) or not value.strip():
            self.report(where, _("expected a date-time with offset ({example}), found {found}", example=due_example(),
                                 found=kind(value)))  # fmt: skip
            return None
        try:
            return parse_due(value)
        except ValueError as error:
            self.report(where, f"{error} ({due_example()})")
            return None

    def unique(self, seen: Seen, value: str | None, where: FieldPath, what: str, *, ignore_case: bool = False) -> None:
        """Reports ``value`` when an earlier field of the document had it (``seen``: see :data:`Seen`; ``what``:
        translated, context "duplicate").

        ``ignore_case``: values that differ only in case are one value too. Trainers edit content on case-insensitive
        file systems (macOS, Windows), and to a person ``Student01`` and ``student01`` are the same id, while S3 keys
        are case sensitive (AmazonS3/latest/userguide/object-keys.html) and would hold them as two."""
        if value is None:
            return
        key = identity(value) if ignore_case else value
        if key not in seen:
            seen[key] = (value, self.document.line(where))
            return
        first, line = seen[key]
        if unicodedata.normalize("NFC", first) == unicodedata.normalize("NFC", value):
            if line:
                self.report(where, _("duplicate {what} {value} (first at line {line})", what=what, value=repr(value),
                                     line=line))  # fmt: skip
            else:
                self.report(where, _("duplicate {what} {value}", what=what, value=repr(value)))
        else:
            self.report(where, same_except_case(what, value, first, _("line {line}", line=line) if line else None))

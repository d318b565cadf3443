"""A subject's display title: the optional ``subjects/<subject>/subject.yml`` holding one key, ``title``.

Without the file people are shown the subject's id (``operating-systems``); with it, the title ("Systemy
operacyjne") in the portal, the client, emails and the trainer's tools. Publishing writes it into every catalog
entry of the subject as ``subjectTitle``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ops.content.documents import read_document
from ops.content.fields import FieldChecker, identity
from ops.content.problems import Problem
from ops.i18n import TRAINER

_ = TRAINER.gettext
_n = TRAINER.ngettext

SUBJECT_FILE = "subject.yml"
SUBJECT_STEM = "subject"
MAX_TITLE = 200


def misnamed_subject_file(relative: str, name: str) -> Problem | None:
    """A problem for a file that reads as the subject's title file but is not named exactly ``subject.yml``
    (``Subject.yml``, ``subject.yaml``): left alone it would be loaded as a test named 'subject'."""
    stem, _dot, suffix = name.rpartition(".")
    if identity(stem) != SUBJECT_STEM or suffix.lower() not in ("yml", "yaml") or name == SUBJECT_FILE:
        return None
    return Problem(relative, _("a subject's title belongs in a file named {name}, in lower case", name=SUBJECT_FILE))


def load_subject_title(folder: Path, relative: str, problems: list[Problem]) -> str | None:
    """The title in the subject's ``subject.yml`` (``relative`` to the content folder); None when it has problems
    (reported into ``problems``)."""
    document, parse_problems = read_document(folder, relative)
    problems.extend(parse_problems)
    if document is None:
        return None
    check = FieldChecker(document, problems)
    fields = check.mapping(document.data, (), ("title",))
    if fields is None:
        return None
    title = check.get(fields, (), "title", check.text)
    if title is None:
        return None
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in title):
        check.report(("title",), _("a subject's title is one line of text, without line breaks or control characters"))
        return None
    if len(title) > MAX_TITLE:
        check.report(("title",), _n("is {n} character long; a subject's title may be at most {most}",
                                     "is {n} characters long; a subject's title may be at most {most}",
                                     len(title), most=MAX_TITLE))  # fmt: skip
        return None
    return title

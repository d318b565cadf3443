"""``catalog.json``: every test ever published, with its deadline, computed from the catalog already in the bucket.

Rules: a test keeps its ``firstPublished`` (so republishing never moves a default deadline); the default deadline is
Monday 23:00 in the trainer's timezone after first publication; an explicit ``due`` always wins; a test gone from
the content is closed now (``closedAt``, kept once set, never deleted: its submissions still get scored); a test
that comes back is open again (``closedAt`` null). Reading and writing the document (its version, which entries
count) is :mod:`testtime.documents.catalog`'s.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

from ops.content.model import Content
from testtime import layout
from testtime.deadlines import default_deadline
from testtime.documents.catalog import Catalog, CatalogTest, parse_catalog


def read_catalog(body: bytes | None) -> Catalog:
    """The bucket's ``catalog.json`` (None: not published yet); MalformedDocument when it is of another version
    or cannot be read."""
    return parse_catalog(layout.CATALOG, body)


def build_catalog(existing: Catalog | None, content: Content, now: datetime, tz_name: str) -> Catalog:
    """The catalog after publishing ``content`` at ``now``, its tests sorted by (subject, testId)."""
    previous = dict(existing.tests) if existing is not None else {}
    published_now = now.astimezone(UTC).replace(microsecond=0)  # the stored precision: the deadline counts from it
    tests: list[CatalogTest] = []
    for test in content.tests:
        before = previous.pop((test.subject, test.test_id), None)
        first_published = before.first_published if before and before.first_published else published_now
        tests.append(
            CatalogTest(
                subject=test.subject,
                test_id=test.test_id,
                title=test.title,
                due=test.due or default_deadline(first_published, tz_name),
                question_count=len(test.questions),
                closed_at=None,
                first_published=first_published,
                # From the content on every publication: a test whose file drops them loses them.
                shuffle=test.shuffle,
                resubmit=test.resubmit,
                extensions=test.extensions,
                subject_title=content.subject_titles.get(test.subject),
            )
        )
    for before in previous.values():
        tests.append(dataclasses.replace(before, closed_at=before.closed_at or published_now))
    tests.sort(key=lambda test: (test.subject, test.test_id))
    return Catalog(tests={(test.subject, test.test_id): test for test in tests})


# (test as subject/testId, student id, that student's due; None: the extension was taken back)
ExtensionChange = tuple[str, str, datetime | None]


@dataclass(frozen=True)
class CatalogChanges:
    """Tests as ``subject/testId``: new in the catalog, closed by this publication, open again; the extensions of
    open tests set (new or moved) or taken back by it; and the options (``shuffle``, ``resubmit``) of a published
    test turned on or off, as (test, option, now on); and the subjects whose display title changed, as (subject,
    the new title; None: taken away), for subjects with a test published before and still open."""

    added: tuple[str, ...]
    closed: tuple[str, ...]
    reopened: tuple[str, ...]
    extensions: tuple[ExtensionChange, ...] = ()
    options: tuple[tuple[str, str, bool], ...] = ()
    titles: tuple[tuple[str, str | None], ...] = ()


def catalog_changes(existing: Catalog | None, catalog: Catalog) -> CatalogChanges:
    before = existing.tests if existing is not None else {}
    added, closed, reopened = [], [], []
    extensions: list[ExtensionChange] = []
    options: list[tuple[str, str, bool]] = []
    titles: dict[str, str | None] = {}
    for ref, test in catalog.tests.items():
        old = before.get(ref)
        if old is None:
            added.append(test.name)
        elif test.closed_at and not old.closed_at:
            closed.append(test.name)
        elif old.closed_at and not test.closed_at:
            reopened.append(test.name)
        if test.closed_at is None:  # a closed test keeps its entry as it was
            extensions.extend(_extension_changes(test, old))
            if old is not None:
                options.extend((test.name, name, now) for name, now, then in _flags(test, old) if now != then)
                if test.subject_title != old.subject_title:
                    titles.setdefault(test.subject, test.subject_title)
    return CatalogChanges(
        tuple(added), tuple(closed), tuple(reopened), tuple(extensions), tuple(options), tuple(titles.items())
    )


def _flags(test: CatalogTest, old: CatalogTest) -> list[tuple[str, bool, bool]]:
    return [("shuffle", test.shuffle, old.shuffle), ("resubmit", test.resubmit, old.resubmit)]


def _extension_changes(test: CatalogTest, old: CatalogTest | None) -> list[ExtensionChange]:
    now, then = dict(test.extensions), dict(old.extensions) if old is not None else {}
    changes: list[ExtensionChange] = [
        (test.name, student_id, due) for student_id, due in test.extensions if then.get(student_id) != due
    ]
    changes += [(test.name, student_id, None) for student_id in sorted(then) if student_id not in now]
    return sorted(changes, key=lambda change: change[1])

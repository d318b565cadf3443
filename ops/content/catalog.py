"""``catalog.json``: every test ever published, with its deadline, computed from the catalog already in the bucket.

Rules: a test keeps its ``firstPublished`` (so republishing never moves a default deadline); the default deadline is
Monday 23:00 in the trainer's timezone after first publication; an explicit ``due`` always wins; a test gone from
the content is closed now (``closedAt``, kept once set, never deleted: its submissions still get scored); a test
that comes back is open again (``closedAt`` null).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ops.content.model import Content
from testtime.deadlines import default_deadline, parse_instant, to_iso

CATALOG_VERSION = 1
TestRef = tuple[str, str]  # (subject, testId)


def build_catalog(existing: Mapping[str, Any] | None, content: Content, now: datetime, tz_name: str) -> dict[str, Any]:
    previous: dict[TestRef, Mapping[str, Any]] = {_ref(entry): entry for entry in _entries(existing)}
    published_now = to_iso(now)
    tests: list[dict[str, Any]] = []
    for test in content.tests:
        before = previous.pop((test.subject, test.test_id), None)
        first_published = before["firstPublished"] if before else published_now
        due = test.due or default_deadline(parse_instant(first_published), tz_name)
        tests.append(
            {
                "subject": test.subject,
                "testId": test.test_id,
                "title": test.title,
                "due": to_iso(due),
                "firstPublished": first_published,
                "questionCount": len(test.questions),
                "closedAt": None,
            }
        )
    for before in previous.values():
        tests.append({**before, "closedAt": before.get("closedAt") or published_now})
    tests.sort(key=_ref)
    return {"version": CATALOG_VERSION, "tests": tests}


@dataclass(frozen=True)
class CatalogChanges:
    """Tests as ``subject/testId``: new in the catalog, closed by this publication, open again."""

    added: tuple[str, ...]
    closed: tuple[str, ...]
    reopened: tuple[str, ...]


def catalog_changes(existing: Mapping[str, Any] | None, catalog: Mapping[str, Any]) -> CatalogChanges:
    before = {_ref(entry): entry for entry in _entries(existing)}
    added, closed, reopened = [], [], []
    for entry in _entries(catalog):
        name = "/".join(_ref(entry))
        old = before.get(_ref(entry))
        if old is None:
            added.append(name)
        elif entry.get("closedAt") and not old.get("closedAt"):
            closed.append(name)
        elif old.get("closedAt") and not entry.get("closedAt"):
            reopened.append(name)
    return CatalogChanges(tuple(added), tuple(closed), tuple(reopened))


def _entries(catalog: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if catalog is None:
        return []
    if catalog.get("version") != CATALOG_VERSION:
        raise ValueError(
            f"catalog.json has version {catalog.get('version')!r}; this publisher knows version {CATALOG_VERSION}"
        )
    return list(catalog.get("tests", []))


def _ref(entry: Mapping[str, Any]) -> TestRef:
    return entry["subject"], entry["testId"]

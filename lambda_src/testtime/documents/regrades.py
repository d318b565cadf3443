"""A regrade: the scores that a corrected answer key (or grade scale) changed, as the scorer found them.

``scorer/regrades/<subject>/<test>/<version>.json`` (:func:`testtime.layout.regrade_record_key`), written once,
create-only, by the run that rescored the test at ``version``, before it records the new scores in its state
cache: ``{"version", "foundAt", "changes": {studentId: {"before": row, "after": row, "questions": [ids]}}}``
(rows as in the state cache, :func:`testtime.documents.scorer_records.row_document`). Only students whose score
email was already sent are in it: they are the ones told, once each, through the regrade ledger
(:func:`testtime.layout.regrade_emails`); the others' first email carries the new score anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from testtime.deadlines import parse_instant, to_iso
from testtime.documents.codec import MalformedDocument, dumps, loads
from testtime.documents.scorer_records import ScoreRow, parse_row, row_document


@dataclass(frozen=True)
class RegradeChange:
    """One student's score before and after, and the questions whose key change moved their points."""

    before: ScoreRow
    after: ScoreRow
    questions: tuple[str, ...] = ()  # question ids, in the key's order


@dataclass(frozen=True)
class Regrade:
    version: str
    found_at: datetime | None = None
    changes: Mapping[str, RegradeChange] = field(default_factory=dict)  # student id -> change


def regrade_document(regrade: Regrade) -> bytes:
    changes = {
        sid: {"before": row_document(c.before), "after": row_document(c.after), "questions": list(c.questions)}
        for sid, c in sorted(regrade.changes.items())
    }
    found = to_iso(regrade.found_at) if regrade.found_at else None
    return dumps({"version": regrade.version, "foundAt": found, "changes": changes})


def parse_regrade(key: str, body: bytes | None) -> Regrade | None:
    """The regrade record; None when there is none."""
    if body is None:
        return None
    document = loads(key, body)
    if not isinstance(document, dict) or not isinstance(document.get("changes"), dict):
        raise MalformedDocument(key, "is not a regrade record (version, changes)")
    changes: dict[str, RegradeChange] = {}
    for sid, raw in document["changes"].items():
        questions = raw.get("questions", []) if isinstance(raw, dict) else None
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            raise MalformedDocument(key, f"has no usable change of {sid}")
        changes[str(sid)] = RegradeChange(
            parse_row(key, str(sid), raw.get("before")), parse_row(key, str(sid), raw.get("after")), tuple(questions)
        )
    found: Any = document.get("foundAt")
    try:
        found_at = parse_instant(found) if found else None
    except ValueError:
        found_at = None
    return Regrade(str(document.get("version") or ""), found_at, changes)

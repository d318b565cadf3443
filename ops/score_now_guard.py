"""``bin/score-now.sh``'s guard against scoring ahead of time.

A run ``--as-of`` a moment later than now treats every test due by then as closed: it scores the submissions in
and emails the students their scores, the right answers included, while the test is still open, so a classmate
could still read them and submit. Without ``--yes`` the command refuses (exit 1), sends nothing, and names the
tests it would score early, with their deadlines in the trainer's time zone, read from the bucket's catalog as
``bin/status.sh`` reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ops.class_results import get_bytes
from ops.deployment import DeploymentError, data_bucket, load_settings
from ops.i18n import TRAINER
from testtime import layout
from testtime.deadlines import describe
from testtime.documents.catalog import CatalogTest, parse_catalog
from testtime.documents.codec import MalformedDocument

_ = TRAINER.gettext
_n = TRAINER.ngettext


@dataclass(frozen=True)
class EarlyTest:
    test: CatalogTest
    closes: datetime  # its first deadline (everybody's, or one student's extension) between now and --as-of

    @property
    def is_common_deadline(self) -> bool:
        return self.closes == self.test.deadline


def closing_between(tests: Iterable[CatalogTest], now: datetime, as_of: datetime) -> list[EarlyTest]:
    """The tests a run as of ``as_of`` would score before their time: a deadline of theirs (everybody's, or a
    student's extension) is after ``now`` and not after ``as_of`` (the scorer takes a deadline at ``as_of`` as
    passed). The soonest first."""
    found = []
    for test in tests:
        deadlines = {test.deadline, *(test.deadline_for(student) for student, _due in test.extensions)}
        early = sorted(moment for moment in deadlines if now < moment <= as_of)
        if early:
            found.append(EarlyTest(test, early[0]))
    return sorted(found, key=lambda item: (item.closes, item.test.name))


def catalog_tests(target: str) -> list[CatalogTest]:
    """The published tests, from the data bucket's catalog; DeploymentError in words when it cannot be read."""
    bucket, region = data_bucket(target)
    try:
        body = get_bytes(boto3.client("s3", region_name=region), bucket, layout.CATALOG)
        return list(parse_catalog(layout.CATALOG, body).tests.values())
    except (ClientError, BotoCoreError, MalformedDocument):
        raise DeploymentError(
            _(
                "the published tests could not be read from the data bucket {bucket}, so nothing was scored: "
                "bin/status.sh says more",
                bucket=bucket,
            )
        ) from None


def _line(item: EarlyTest, zone: ZoneInfo) -> str:
    test = item.test
    when = describe(item.closes, zone)
    if item.is_common_deadline:
        deadline = _("due {moment}", moment=when)
    else:
        deadline = _("due {moment} for a student with an extension", moment=when)
    title = _("{subject}: {title}", subject=test.subject_title, title=test.title) if test.subject_title else test.title
    return f"  {test.name} ({title}), {deadline}"


def refusal_lines(early: list[EarlyTest], as_of: datetime, zone: ZoneInfo) -> list[str]:
    """What the trainer reads when the command refuses; the first line starts with ``error:``."""
    lines = [
        _(
            "error: --as-of {moment} is later than now: the tests due by then would be scored, and their scores "
            "emailed with the right answers, while students can still submit them.",
            moment=describe(as_of, zone),
        )
    ]
    if early:
        lines.append(
            _n(
                "The open test it would score before its deadline:",
                "The {n} open tests it would score before their deadlines:",
                len(early),
            )
        )
        lines += [_line(item, zone) for item in early]
    else:
        lines.append(_("No open test is due by then; reminders could still go out before their time."))
    lines.append(_("Nothing was sent. To score as of then all the same, run it again with --yes."))
    return lines


def refusal(target: str, as_of: datetime) -> list[str]:
    """The refusal of a run as of ``as_of`` (later than now), naming the open tests it would score early."""
    early = closing_between(catalog_tests(target), datetime.now(UTC), as_of)
    return refusal_lines(early, as_of, ZoneInfo(load_settings().trainer_timezone))

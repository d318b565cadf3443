"""Where every test stands (``bin/status.sh``): deadline in words, open, closed, scored or to regrade, submitted
and missing counts, reminders sent, and when the scorer runs next.

Per test of the catalog, from what the API and the scorer wrote: one listing of its submissions
(:func:`ops.class_results.read_class_results`), its state cache, and its reminder ledger (records "sent" in
``scorer/reminders/<subject>/<test>/``). Nothing is changed. States:

* ``open``: before the test's deadline (students with an extension may submit after it, the line below says so);
* ``scored``: the deadline has passed and the scorer's state cache holds a score (or an unreadable submission) of
  every student who submitted;
* ``closed``: the deadline has passed and some submission is not scored yet (the scorer's next run takes it,
  or ``bin/score-now.sh`` now);
* ``regrade``: scored, but the answer key (or ``grade_scale``) changed since: the next run scores it again and
  emails the students whose score changed.

``missing``: students of the class list without a submission (while a test is open, those who have not sent it
yet; after its deadline, not a student whose own extension still runs: the summary calls them pending). The
scorer's next run comes from ``scorer_schedule`` and ``trainer_timezone`` in ``group_vars/all.yml``.

Exit status: 0 when the status was printed, 1 when the deployment or the bucket cannot be read, 2 for a bad option.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError

from ops import cli
from ops import target as targets
from ops.class_results import ClassResults, TestResults
from ops.deployment import SETTINGS_FILE, DeploymentError, load_settings
from ops.gradebook import ReadError, read_results, warn_problems
from ops.i18n import TRAINER, run_in_class_language
from testtime import layout, s3io
from testtime.deadlines import describe, parse_instant
from testtime.documents.scorer_records import SENT
from testtime.s3direct import ObjectClient
from testtime.schedule import next_run, rate_interval
from testtime.scorer.data import S3Data
from testtime.scorer.ledger import read_email_ledger
from testtime.scoring import GradeScale, scoring_version

_ = TRAINER.gettext
_n = TRAINER.ngettext
_p = TRAINER.pgettext

WIDTH = 80
DEFAULT_SCALE = GradeScale()  # the original rule, round(correct / questions * 5)
NBSP = "\u00a0"
# testtime.deadlines.describe's form, in English ("Monday 14 June 2027, 23:00 CEST") or Polish ("poniedziałek, 14
# czerwca 2027, 23:00 CEST")
_DATE_IN_WORDS = re.compile(r"\w+,? \d+ \w+ \d{4}, \d\d:\d\d \S+")
EXAMPLES = """examples:
  bin/status.sh                                       every test, now
  bin/status.sh --as-of 2026-11-30T23:30:00+01:00     as if it were then
  bin/status.sh --target aws --region eu-west-1       the deployment in a real account

exit status: 0 the status was printed, 1 the deployment or its data bucket cannot be read, 2 a bad option."""
OPEN, CLOSED, SCORED, REGRADE = "open", "closed", "scored", "regrade"


@dataclass(frozen=True)
class ScorerSettings:
    zone: ZoneInfo
    schedule: str
    reminder_hours: float
    scale: GradeScale = DEFAULT_SCALE


@dataclass(frozen=True)
class TestStatus:
    __test__ = False  # not a pytest test class, despite the name

    results: TestResults
    state: str  # OPEN, CLOSED or SCORED
    submitted: int
    missing: int
    reminders: int | None  # reminders sent; None: the ledger could not be read


def scorer_settings(path: Path = SETTINGS_FILE) -> ScorerSettings:
    """The trainer's zone, the scorer's schedule and the reminder lead time, as the deploy gives them to AWS."""
    settings = load_settings(path)
    zone = ZoneInfo(settings.trainer_timezone)
    return ScorerSettings(zone, settings.scorer_schedule, settings.reminder_hours_before, settings.grade_scale)


def test_state(results: TestResults, now: datetime, scale: GradeScale) -> str:
    if results.test.is_open(now):
        return OPEN
    state = results.state
    if state is None:
        return CLOSED
    if results.key is not None and state.version != scoring_version(results.key, scale):
        return REGRADE  # the answer key (or the grade scale) changed since: the next run scores it again
    covered = set(state.rows) | set(state.corrupt)
    return SCORED if set(results.submitted or ()) <= covered else CLOSED


def statuses(
    results: ClassResults, reminders: dict[str, int | None], now: datetime, scale: GradeScale = DEFAULT_SCALE
) -> list[TestStatus]:
    class_ids = set(results.students.ids())
    found = []
    for item in results.tests:
        submitted = set(item.submitted or ())
        if item.state is not None:  # a score whose submission a listing no longer shows still counts
            submitted |= set(item.state.rows) | set(item.state.corrupt)
        found.append(
            TestStatus(
                item,
                test_state(item, now, scale),
                len(submitted),
                _missing(item, class_ids - submitted, now),
                reminders.get(item.test.name),
            )
        )
    return found


def _missing(item: TestResults, absent: set[str], now: datetime) -> int:
    if item.test.is_open(now):
        return len(absent)
    return sum(1 for sid in absent if not item.test.is_open_for(sid, now))


def reminders_sent(bucket: str, results: ClassResults) -> dict[str, int | None]:
    """Per test name, the students whose reminder is recorded sent; None where the ledger could not be read."""
    data = S3Data(bucket, ObjectClient(bucket))
    s3io.client()  # the listings' boto3 client, made before the threads: making one is not thread-safe

    def count(item: TestResults) -> int | None:
        try:
            ledger = read_email_ledger(data, layout.reminder_emails(item.test.subject, item.test.test_id))
        except (ClientError, BotoCoreError):
            return None
        return sum(1 for record in ledger.values() if record is not None and record.status == SENT)

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(count, results.tests))
    return {item.test.name: n for item, n in zip(results.tests, counts, strict=True)}


# -- text ------------------------------------------------------------------------------------------------------


def _every(period: timedelta) -> str:
    seconds = int(period.total_seconds())
    if seconds % 86400 == 0:
        return _n("every day", "every {n} days", seconds // 86400)
    if seconds % 3600 == 0:
        return _n("every hour", "every {n} hours", seconds // 3600)
    return _n("every minute", "every {n} minutes", max(seconds // 60, 1))  # rates are whole minutes


def next_run_line(settings: ScorerSettings, now: datetime) -> str:
    expression, zone = settings.schedule, settings.zone
    try:
        moment = next_run(expression, zone, now)
        period = rate_interval(expression)
    except ValueError as error:
        return _(
            "The scorer's schedule in group_vars/all.yml cannot be read ({error}): check scorer_schedule.", error=error
        )
    if moment is not None:
        return _(
            "The scorer runs next: {moment} (schedule {schedule} in {zone}).",
            moment=describe(moment, zone),
            schedule=expression,
            zone=zone.key,
        )
    if period is not None:
        return _(
            "The scorer runs {every}, counted from when it was deployed ({schedule}).",
            every=_every(period),
            schedule=expression,
        )
    if expression.strip().lower().startswith("at("):
        return _("The scorer does not run again: its one run ({schedule}) has passed.", schedule=expression)
    return _(
        "The scorer runs at the times of {schedule} in {zone} (the next one is not computed here).",
        schedule=expression,
        zone=zone.key,
    )


def state_word(state: str) -> str:
    """The state as the table shows it, in the class's language."""
    words = {
        OPEN: _p("test state", "open"),
        CLOSED: _p("test state", "closed"),
        SCORED: _p("test state", "scored"),
        REGRADE: _p("test state", "regrade"),
    }
    return words.get(state, state)


def _detail(status: TestStatus, zone: ZoneInfo, now: datetime) -> list[str]:
    """The title (after the subject's, when it has one), then the deadline in words (on the title's line when both
    fit), the extensions, whether it is scored: each phrase whole on a line, so a date is never split."""
    test = status.results.test
    when = describe(test.deadline, zone)
    if test.closed_at is not None and test.closed_at < test.due:
        deadline = _("closed {moment}", moment=when)
    elif not test.is_open(now):
        deadline = _("was due {moment}", moment=when)
    else:
        deadline = _("due {moment}", moment=when)
    phrases = [deadline]
    if test.extensions:
        phrases.append(
            _n(
                "{n} extension, until {moment}",
                "{n} extensions, the last until {moment}",
                len(test.extensions),
                moment=describe(test.closes_for_everybody, zone),
            )
        )
    if status.results.state is None and not test.is_open(now):
        phrases.append(_("not scored yet: bin/score-now.sh scores it now"))
    title = _("{subject}: {title}", subject=test.subject_title, title=test.title) if test.subject_title else test.title
    indent = "    "
    together = f"{indent}{title}, {deadline}"
    if len(together) <= WIDTH:
        return [together, *(indent + phrase for phrase in phrases[1:])]
    wrapped = textwrap.wrap(title, WIDTH, initial_indent=indent, subsequent_indent=indent)
    return [*wrapped, *(indent + phrase for phrase in phrases)]


def status_lines(found: Sequence[TestStatus], settings: ScorerSettings, now: datetime) -> list[str]:
    lines = [_("Tests as of {moment}", moment=describe(now, settings.zone)), ""]
    if not found:
        lines += [
            _("Nothing is published yet."),
            _("Write a test in content/ and run ./update-subjects-or-students.sh."),
        ]
    else:
        columns = (_("test"), _("state"), _("submitted"), _("missing"), _("reminders"))
        name_width = max(len(columns[0]), *(len(s.results.test.name) for s in found))
        state_width = max(len(columns[1]), *(len(state_word(state)) for state in (OPEN, CLOSED, SCORED, REGRADE)))
        widths = (name_width, state_width, *(len(column) for column in columns[2:]))
        header = "  ".join(
            [f"{columns[0]:<{widths[0]}}", f"{columns[1]:<{widths[1]}}", *(f"{c:>{len(c)}}" for c in columns[2:])]
        )
        lines += [header, "-" * len(header)]
        for status in found:
            reminders = "?" if status.reminders is None else str(status.reminders)
            lines.append(
                f"{status.results.test.name:<{widths[0]}}  {state_word(status.state):<{widths[1]}}"
                f"  {status.submitted:>{widths[2]}}  {status.missing:>{widths[3]}}  {reminders:>{widths[4]}}"
            )
            lines += _detail(status, settings.zone, now)
        if any(s.reminders is None for s in found):
            lines.append(_("(?: the reminder records of that test could not be read)"))
    hours = settings.reminder_hours
    if hours:
        if hours == int(hours):
            shown = _n("{n} hour", "{n} hours", int(hours))
        else:  # a fraction has a form of its own in some languages (Polish: "1,5 godziny")
            shown = _("{hours} hours (a fraction)", hours=format(hours, "g"))
        reminders = _(
            "Reminders: {hours} before each student's own deadline, to those who have not submitted.", hours=shown
        )
    else:
        reminders = _("Reminders: off (reminder_hours_before: 0 in group_vars/all.yml).")
    lines.append("")
    # The schedule expression and the dates stay whole: their spaces are made unbreakable while wrapping.
    next_line = next_run_line(settings, now)
    whole = [settings.schedule, *_DATE_IN_WORDS.findall(next_line)]
    for paragraph in (next_line, reminders):
        for phrase in whole:
            paragraph = paragraph.replace(phrase, phrase.replace(" ", NBSP))
        wrapped = textwrap.wrap(
            paragraph, WIDTH, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
        )
        lines += [line.replace(NBSP, " ") for line in wrapped]
    return lines


# -- the command -----------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=cli.prog(__name__),
        description=__doc__.split("\n\n")[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--as-of", metavar="ISO", help="as if it were this instant (ISO 8601 with offset; default: now)"
    )
    targets.add_target_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line, its output in the class's language."""
    return run_in_class_language(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    now = datetime.now(UTC)
    if args.as_of is not None:
        try:
            now = parse_instant(args.as_of)
        except ValueError:
            print(
                _(
                    "error: --as-of {value} is not an ISO 8601 date-time with offset, e.g. 2026-11-23T23:00:00+01:00",
                    value=repr(args.as_of),
                ),
                file=sys.stderr,
            )
            return cli.USAGE
    targets.enter_deployed(args.target, args.region)
    try:
        settings = scorer_settings()
        results, bucket, _region = read_results(args.target, listings=True)
        warn_problems(results)
        reminders = reminders_sent(bucket, results)
    except (ReadError, DeploymentError) as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError):  # the reminder ledgers' client could not even start
        print(
            _("error: the reminder records in the data bucket {bucket} could not be read", bucket=bucket),
            file=sys.stderr,
        )
        return 1
    lines = status_lines(statuses(results, reminders, now, settings.scale), settings, now)
    sys.stdout.buffer.write(("\n".join(lines) + "\n").encode("utf-8"))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

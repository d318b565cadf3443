"""The item analysis of every scored test (``bin/report.sh``): class figures, grade distribution, per question.

It reads what the scorer already wrote (the state caches, the answer keys and questions, one listing per test:
:func:`ops.class_results.read_class_results`) and analyses it with :func:`testtime.analysis.analyse`; nothing is
scored or changed. Text by default, ``--json`` for ``{"tests": [...]}`` with every figure a number.

Exit status: 0 when the report printed, 1 when the deployment or the bucket cannot be read, 2 for a bad option or
a test that does not exist.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from ops import cli
from ops import target as targets
from ops.class_results import ClassResults, TestResults, read_class_results, submitters
from ops.deployment import SETTINGS_FILE, DeploymentError, data_bucket, load_settings
from ops.i18n import TRAINER, run_in_class_language
from testtime.analysis import QuestionAnalysis, TestAnalysis, analyse
from testtime.deadlines import describe
from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import AnswerKey, normalise
from testtime.scoring import GradeScale

_ = TRAINER.gettext

BAR_WIDTH = 40  # characters of the longest grade bar
LISTERS = 8  # tests listed at once
EXAMPLES = """examples:
  bin/report.sh                              every test, as text
  bin/report.sh --subject os --test quiz1    one test
  bin/report.sh --subject os --json          the tests of one subject as JSON
  bin/report.sh --target aws --region eu-west-1   the deployment in a real account

exit status: 0 the report was printed, 1 the deployment or its data bucket cannot be read, 2 a bad option or a
test that does not exist."""


class ReportError(Exception):
    """One line for the user; the exit status is 1."""


class UsageError(Exception):
    """One line for the user; the exit status is 2."""


def grade_scale(path: Path = SETTINGS_FILE) -> GradeScale:
    """group_vars/all.yml's grade_scale, the one the deploy gives the scorer (GRADE_SCALE)."""
    return load_settings(path).grade_scale


def missing_count(results: TestResults, class_ids: Sequence[str], now: datetime) -> int:
    """Students of the class without a submission who can no longer submit. Once the scorer scored the test its
    deadline is past (a run ``--as-of`` a later moment included): only a student with a later extension of their
    own may still submit. Before, those whose own deadline has passed."""
    test, state = results.test, results.state
    done = set(results.submitted or ())
    if state is not None:
        done |= set(state.rows) | set(state.corrupt)

    def waiting(sid: str) -> bool:
        if state is not None:
            return test.extension_for(sid) is not None and test.deadline_for(sid) > now
        return test.deadline_for(sid) > now

    return sum(1 for sid in class_ids if sid not in done and not waiting(sid))


def analysis_of(results: TestResults, class_ids: Sequence[str], scale: GradeScale, now: datetime) -> TestAnalysis:
    """The test's analysis; an unscored test's has only the counts (and no questions)."""
    missing = missing_count(results, class_ids, now)
    key = results.key or AnswerKey((), "")  # an unreadable key: the class figures still stand
    if results.state is None:
        empty = analyse(results.test, {}, AnswerKey((), ""), scale, missing)
        return replace(empty, submitted=len(results.submitted or ()), grades={})
    return analyse(results.test, results.state.rows, key, scale, missing, results.questions)


def report_json(pairs: Sequence[tuple[TestResults, TestAnalysis]]) -> dict[str, Any]:
    return {
        "tests": [
            analysis.to_json() | {"scored": results.state is not None, "problems": list(results.problems)}
            for results, analysis in pairs
        ]
    }


# -- text ------------------------------------------------------------------------------------------------------


def _figure(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _choices(question: QuestionAnalysis, key: AnswerKey | None) -> str:
    entry = key.entry(question.question_id) if key is not None else None
    right = {normalise(choice) for choice in entry.right_choices} if entry is not None else set()
    return ", ".join(
        f"{choice}{'*' if normalise(choice) in right else ''} {count}" for choice, count in question.choices.items()
    )


def grade_bars(grades: dict[str, int]) -> list[str]:
    """One line per grade: a bar of ``#`` as long as its share of the largest count, and the count."""
    if not grades:
        return []
    top = max(grades.values()) or 1
    label = max(len(grade) for grade in grades)
    return [
        f"    {grade:>{label}} | {'#' * round(count * BAR_WIDTH / top):<{BAR_WIDTH}} {count}"
        for grade, count in grades.items()
    ]


def question_lines(analysis: TestAnalysis, key: AnswerKey | None) -> list[str]:
    if not analysis.questions:
        return []
    names = (_("question"), _("facility"), _("discrimination"), _("unanswered"), _("choices"))
    width = max(len(names[0]), *(len(q.question_id) for q in analysis.questions))
    facility, discrimination, unanswered = (max(len(name), 4) for name in names[1:4])
    lines = [
        _(
            "  questions (facility: share with full marks; discrimination: against the rest of the test; "
            "* right answer):"
        ),
        f"    {'#':>3}  {names[0]:<{width}}  {names[1]:>{facility}}  {names[2]:>{discrimination}}"
        f"  {names[3]:>{unanswered}}  {names[4]}",
    ]
    for number, question in enumerate(analysis.questions, start=1):
        lines.append(
            f"    {number:>3}  {question.question_id:<{width}}  {_figure(question.facility):>{facility}}"
            f"  {_figure(question.discrimination):>{discrimination}}  {question.unanswered:>{unanswered}}"
            f"  {_choices(question, key)}"
        )
        lines += [_("         needs a look: {flag}", flag=flag) for flag in question.flags]
    return lines


def text_report(results: TestResults, analysis: TestAnalysis, zone: ZoneInfo, now: datetime) -> list[str]:
    test = results.test
    lines = [f"{test.subject}/{test.test_id}: {test.title}"]
    if test.subject_title:
        lines.append(_("  subject: {title}", title=test.subject_title))
    lines.append(_("  deadline: {moment}", moment=describe(test.deadline, zone)))
    lines += [_("  cannot be read: {problem}", problem=problem) for problem in results.problems]
    counts = _("  submitted: {submitted}, missing: {missing}", submitted=analysis.submitted, missing=analysis.missing)
    if results.state is None:
        if test.is_open(now):
            return [*lines, counts, _("  not scored yet: still open"), ""]
        return [*lines, counts, _("  not scored yet: its deadline has passed (bin/score-now.sh scores it now)"), ""]
    lines.append(counts)
    if analysis.submitted:
        lines.append(
            _(
                "  percent: mean {mean}, median {median}, standard deviation {stdev}",
                mean=_figure(analysis.mean),
                median=_figure(analysis.median),
                stdev=_figure(analysis.stdev),
            )
        )
        lines += [_("  grades:"), *grade_bars(analysis.grades)]
    if results.key is None:
        lines.append(_("  the answer key cannot be read, so there are no per-question figures"))
    lines += question_lines(analysis, results.key)
    return [*lines, ""]


# -- the command -----------------------------------------------------------------------------------------------


def _bucket(target: str) -> tuple[str, str | None]:
    try:
        return data_bucket(target)
    except DeploymentError as error:
        raise ReportError(str(error)) from None


def with_unscored_listed(s3: Any, bucket: str, results: ClassResults) -> ClassResults:
    """Who submitted a test the scorer has not scored yet: one listing each. A scored test's state cache names
    every submitter already, so those are not listed."""
    tests = tuple(
        replace(item, submitted=submitters(s3, bucket, item.test)) if item.state is None else item
        for item in results.tests
    )
    return replace(results, tests=tests)


def read(target: str, subject: str | None, test_id: str | None) -> ClassResults:
    bucket, region = _bucket(target)
    s3 = boto3.client("s3", region_name=region, config=Config(max_pool_connections=32, retries={"max_attempts": 5}))
    try:
        return with_unscored_listed(s3, bucket, read_class_results(s3, bucket, subject, test_id, listings=False))
    except EndpointConnectionError:
        if target == "local":
            raise ReportError(_("cannot reach the local AWS endpoint: start it with: bin/local-aws.sh start")) from None
        raise ReportError(_("cannot reach the {target} AWS endpoint: check the network", target=target)) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise ReportError(
            _("the data bucket {bucket} could not be read ({reason})", bucket=bucket, reason=code or error)
        ) from None
    except BotoCoreError as error:
        raise ReportError(
            _("the data bucket {bucket} could not be read: {error}", bucket=bucket, error=error)
        ) from None
    except MalformedDocument as error:
        raise ReportError(_("the results cannot be read: {error}", error=error)) from None


def build(
    results: ClassResults, subject: str | None, test_id: str | None, scale: GradeScale, now: datetime
) -> list[tuple[TestResults, TestAnalysis]]:
    tests = [t for t in results.tests if subject in (None, t.test.subject) and test_id in (None, t.test.test_id)]
    if not tests:
        if subject is not None and test_id is not None:
            raise UsageError(_("there is no test {subject}/{test} in the catalog", subject=subject, test=test_id))
        if subject is not None:
            raise UsageError(_("there is no subject {subject} in the catalog", subject=subject))
    class_ids = results.students.ids()
    return [(t, analysis_of(t, class_ids, scale, now)) for t in tests]


def main(argv: Sequence[str] | None = None, now: datetime | None = None) -> int:
    """The command line, its output in the class's language."""
    return run_in_class_language(lambda: _main(argv, now))


def _main(argv: Sequence[str] | None, now: datetime | None) -> int:
    parser = argparse.ArgumentParser(
        prog=cli.prog(__name__),
        description=__doc__.split("\n\n")[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--subject", help="only the tests of this subject")
    parser.add_argument("--test", dest="test_id", help="only this test (with --subject)")
    parser.add_argument("--json", action="store_true", help='print {"tests": [...]} as JSON')
    targets.add_target_options(parser)
    args = parser.parse_args(argv)
    if args.test_id is not None and args.subject is None:
        parser.error("--test needs --subject (a test id is unique only within its subject)")
    targets.enter_deployed(args.target, args.region)
    now = now or datetime.now(UTC)
    try:
        settings = load_settings()
        scale = grade_scale()
        pairs = build(read(args.target, args.subject, args.test_id), args.subject, args.test_id, scale, now)
    except UsageError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return cli.USAGE
    except (ReportError, DeploymentError) as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report_json(pairs), indent=2, ensure_ascii=False))
        return 0
    if not pairs:
        print(_("No tests published yet."))
        return 0
    zone = ZoneInfo(settings.trainer_timezone)
    for results, analysis in pairs:
        print("\n".join(text_report(results, analysis, zone, now)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

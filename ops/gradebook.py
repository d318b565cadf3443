"""The gradebook (``bin/gradebook.sh``): one row per student, the percent and grade of each scored test, the mean.

It reads what the scorer already wrote (the class list, the catalog and each test's state cache:
:func:`ops.class_results.read_class_results` without listings, a few requests per test) and changes nothing.
The table for the terminal by default; ``--csv`` the CSV (UTF-8 with a byte order mark, for spreadsheets);
``--output FILE`` writes it to FILE instead of printing it. The column rules are :mod:`testtime.gradebook`'s.

Exit status: 0 when the gradebook was printed or written, 1 when the deployment or the bucket cannot be read (or
FILE cannot be written), 2 for a bad option or a subject that does not exist.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from ops import cli, deployment
from ops import target as targets
from ops.class_results import ClassResults, read_class_results
from ops.deployment import DeploymentError
from ops.i18n import TRAINER, run_in_class_language
from testtime.documents.codec import MalformedDocument
from testtime.gradebook import Gradebook, build_gradebook

_ = TRAINER.gettext
_n = TRAINER.ngettext

EXAMPLES = """examples:
  bin/gradebook.sh                               the table, in the terminal
  bin/gradebook.sh --csv > grades.csv            the CSV (opens in Excel, LibreOffice, Google Sheets)
  bin/gradebook.sh --csv --output grades.csv     the same, written to a file
  bin/gradebook.sh --subject operating-systems   the tests of one subject only
  bin/gradebook.sh --target aws --region eu-west-1   the deployment in a real account

exit status: 0 the gradebook was printed or written, 1 the deployment or its data bucket cannot be read (or FILE
cannot be written), 2 a bad option or a subject that does not exist."""
# Parallel GETs of the class results: boto3's default pool of 10 connections would make them wait.
S3_CONFIG = Config(max_pool_connections=32, retries={"max_attempts": 5, "mode": "standard"})


class ReadError(Exception):
    """One line for the user; the exit status is 1."""


class UsageError(Exception):
    """One line for the user; the exit status is 2."""


def data_bucket(target: str) -> tuple[str, str | None]:
    """The data bucket's name and the deployment's region, from build/<target>/stack-outputs.json."""
    try:
        return deployment.data_bucket(target)
    except DeploymentError as error:
        raise ReadError(str(error)) from None


def s3_client(region: str | None) -> Any:
    return boto3.client("s3", region_name=region, config=S3_CONFIG)


def read_results(
    target: str, subject: str | None = None, listings: bool = False
) -> tuple[ClassResults, str, str | None]:
    """The class results of the deployment (and its bucket and region); ReadError in words when they cannot be
    read."""
    bucket, region = data_bucket(target)
    try:
        return read_class_results(s3_client(region), bucket, subject, None, listings=listings), bucket, region
    except EndpointConnectionError:
        if target == "local":
            raise ReadError(_("cannot reach the local AWS endpoint: start it with: bin/local-aws.sh start")) from None
        raise ReadError(_("cannot reach the {target} AWS endpoint: check the network", target=target)) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        reason = code or _("no reason given")
        raise ReadError(
            _("the data bucket {bucket} could not be read ({reason})", bucket=bucket, reason=reason)
        ) from None
    except BotoCoreError:
        raise ReadError(
            _("the data bucket {bucket} could not be read (the AWS endpoint did not answer)", bucket=bucket)
        ) from None
    except MalformedDocument as error:
        raise ReadError(_("the results cannot be read: {error}", error=error)) from None


def warn_problems(results: ClassResults) -> None:
    """Documents that could not be read, one line each on stderr: their tests count as not scored."""
    for problem in [*results.catalog.problems, *results.students.problems]:
        print(_("warning: {warning}", warning=problem), file=sys.stderr)
    for item in results.tests:
        for problem in item.problems:
            print(_("warning: {test}: {problem}", test=item.test.name, problem=problem), file=sys.stderr)


def gradebook(results: ClassResults, subject: str | None = None) -> Gradebook:
    tests = [t for t in results.tests if subject is None or t.test.subject == subject]
    if subject is not None and not tests:
        raise UsageError(_("there is no subject {subject} in the catalog", subject=subject))
    return build_gradebook(results.students.students, [(t.test, t.state) for t in tests])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=cli.prog(__name__),
        description=__doc__.split("\n\n")[0],
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--csv", action="store_true", help="print CSV (UTF-8 with a byte order mark) instead")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of printing")
    parser.add_argument("--subject", help="only the tests of this subject")
    targets.add_target_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line, its messages in the class's language."""
    return run_in_class_language(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.output is not None and args.output.is_dir():
        print(
            _(
                "error: --output {path} is a folder: name a file, e.g. {example}",
                path=args.output,
                example=args.output / "grades.csv",
            ),
            file=sys.stderr,
        )
        return cli.USAGE
    targets.enter_deployed(args.target, args.region)
    try:
        results, _bucket, _region = read_results(args.target, args.subject)
        warn_problems(results)
        book = gradebook(results, args.subject)
    except ReadError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return 1
    except UsageError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return cli.USAGE
    text = book.to_csv() if args.csv else book.to_text() + "\n"
    # Bytes, not the terminal's encoding: a C locale would otherwise fail on "Łukaszewicz".
    data = text.encode("utf-8")
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        args.output.write_bytes(data)
    except OSError as error:
        print(
            _("error: {path} cannot be written: {reason}", path=args.output, reason=error.strerror or error),
            file=sys.stderr,
        )
        return 1
    scored = len(book.tests)
    students = _n("{n} student", "{n} students", len(book.rows))
    wrote = _n(
        "Wrote {path}: {students}, {n} scored test.",
        "Wrote {path}: {students}, {n} scored tests.",
        scored,
        path=args.output,
        students=students,
    )
    print(wrote)
    return 0


if __name__ == "__main__":
    sys.exit(main())

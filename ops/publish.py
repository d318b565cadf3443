"""The publisher: validates the content, syncs the API keys, then uploads only the objects whose bytes changed.

    ./update-subjects-or-students.sh [--content DIR] [--target local|aws] [--region R] [--check] [-v]
        [--project NAME] [--timezone TZ] [--ses-verify-students | --no-ses-verify-students] [--yes]

What it says is in the trainer's terms (ops.publish_preview): tests added, changed, closed or reopened with their
deadlines in words, students added or removed, answer keys changed; ``-v`` adds the bucket's objects.

Content problems are printed one per line (exit 2) before the deployment is read; a bucket document that cannot be
read (``catalog.json`` of another version, a ``studentsList.json`` that is not a list) is one line (exit 1) before
any change. Unchanged objects are recognised by their ETag (the MD5 of the bytes of a single-part put), read with one
HEAD per object, so a second run uploads nothing. Nothing is ever deleted, and nothing under
``<subject>/<test>/<studentId>/``, ``submitted/`` or ``scorer/`` is written: removed tests are closed in
``catalog.json`` and removed students' keys are disabled, their data stays. API Gateway and SES calls are paced to
AWS's control-plane quotas (ops.aws_clients): a first publication of 500 students takes about 100 s (and 8 minutes
more with ``ses_verify_students``), with progress lines on stderr.

Order and visibility (issue 18): every questions.json and answer key is written before the ``catalog.json`` that
points at it, each catalog entry names the SHA-256 of its questions (``questionsSha256``), and when a document the
API's warm functions keep (the catalog, the class list, questions) was replaced, the run waits until their copies
have expired (the stack output ``ApiCacheTtlSeconds``, 15 s by default, plus a second) before it returns: from
then on every request sees the new publication.

Regrades (issue 14): a changed answer key of a test the scorer already scored is previewed from the scorer's state
cache (ops.regrade_preview): ``--check`` says how many scores would change, and a real publish asks for confirmation
before it changes anything (``--yes`` does not ask; without a terminal and without ``--yes`` nothing is published).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from ops import apikeys, aws_clients, regrade_preview, ses_verify
from ops.cli import prog
from ops.content import (
    Content,
    ContentError,
    build_catalog,
    catalog_changes,
    load_content,
    read_catalog,
    render_objects,
)
from ops.deployment import (
    Settings,
    StackOutputs,
    add_common_arguments,
    check_timezone,
    load_settings,
    load_stack_outputs,
    stack_outputs_path,
)
from ops.i18n import TRAINER, run_in_class_language
from ops.publish_preview import (
    ADD,
    UNCHANGED,
    UPDATE,
    PublishReport,
    changes_of_tests,
    dropped_entries,
    late_extensions,
    past_deadlines,
    shortening_extensions,
    student_changes,
)
from ops.regrade_preview import NotConfirmed, TestRegrade
from ops.target import add_target_options, enter_deployed
from testtime import layout, s3io
from testtime.documents.catalog import Catalog, catalog_document
from testtime.documents.class_list import parse_class_list
from testtime.documents.codec import MalformedDocument
from testtime.scoring import GradeScale

_ = TRAINER.gettext

# Added to how long a warm API function may keep a copy of the catalog or the class list (the stack output
# ApiCacheTtlSeconds: api_cache_ttl_seconds in roles/service_stack/defaults/main.yml, 15 s).
CLOCK_MARGIN_SECONDS = 1.0
HEAD_WORKERS = 8


def publish(
    content: Content,
    outputs: StackOutputs,
    settings: Settings,
    *,
    now: datetime,
    check: bool,
    apigateway: Any,
    ses: Any,
    project: str | None = None,
    settle: Callable[[float], None] | None = None,
    scale: GradeScale | None = None,
    confirm: Callable[[list[TestRegrade]], None] | None = None,
) -> PublishReport:
    """Publishes validated ``content``; with ``check`` only reads, and reports what would change.

    ``settle(seconds)`` is called after the writes when the API's warm functions may still hold a previous copy of
    what was written (testtime.store keeps the catalog and the class list for ``outputs.api_cache_seconds``): it must
    wait that long, so that once this returns every request sees the new publication. ``main`` sleeps.

    ``scale`` is the deployed grade scale the regrade preview scores with. ``confirm(regrades)`` is called, before
    any change, when this publication changes the answer key of a test already scored; it raises NotConfirmed to
    publish nothing (``main`` asks the trainer). Not called with ``check``.
    """
    bucket = outputs.data_bucket
    # Reads first: a problem with the bucket (a catalog of another version, a class list that is not one: a
    # MalformedDocument) stops the run before any key is touched or any object written.
    existing_catalog = read_catalog(s3io.get_bytes(bucket, layout.CATALOG))
    existing_students = parse_class_list(layout.STUDENTS_LIST, s3io.get_bytes(bucket, layout.STUDENTS_LIST))
    catalog = build_catalog(existing_catalog, content, now, settings.trainer_timezone)
    key_changes = regrade_preview.read_key_changes(bucket, content.tests, scale or GradeScale())
    regrades = [change for change in key_changes if change.rescored]
    if regrades and not check and confirm is not None:
        confirm(regrades)  # before the key sync: a refusal leaves everything as it was

    student_ids = content.student_ids()
    keys = apikeys.sync_api_keys(apigateway, outputs.usage_plan_id, student_ids, apply=not check, project=project)
    if not check and (len(keys.student_digests) < len(content.students) or keys.trainer_digest is None):
        raise RuntimeError("an API key digest is missing after the key sync")
    desired = render_objects(content, catalog, keys.student_digests, keys.trainer_digest)
    catalog = _with_questions_digests(catalog, desired)
    del desired[layout.CATALOG]  # put back last: it is written after every object its entries point at
    desired[layout.CATALOG] = catalog_document(catalog.tests.values())
    objects = _plan_objects(bucket, desired)
    written_at: float | None = None
    if not check:
        for key, body in desired.items():  # in render order: catalog.json last
            if objects[key] != UNCHANGED:
                _put(bucket, key, body)
                if _may_be_cached_by_the_api(key, objects[key]):
                    written_at = time.monotonic()

    emails = [student.email for student in content.students]
    verifications = ses_verify.verify_addresses(ses, emails, apply=not check) if settings.ses_verify_students else []
    if written_at is not None and settle is not None:
        remaining = outputs.api_cache_seconds + CLOCK_MARGIN_SECONDS - (time.monotonic() - written_at)
        if remaining > 0:
            settle(remaining)
    tests = catalog_changes(existing_catalog, catalog)
    before = existing_students.ids()
    zone = ZoneInfo(settings.trainer_timezone)
    default_due = {f"{test.subject}/{test.test_id}" for test in content.tests if test.due is None}
    names = {student.student_id: student.name for student in (*existing_students.students, *content.students)}
    return PublishReport(
        objects=objects,
        tests=tests,
        students_added=[student for student in student_ids if student not in before],
        students_removed=[student for student in before if student not in student_ids],
        keys=keys,
        verifications=verifications,
        warnings=[
            *dropped_entries(existing_catalog, check=check),
            *past_deadlines(catalog, {*tests.added, *tests.reopened}, now, zone),
            *shortening_extensions(catalog, tests, zone),
            *late_extensions(catalog, tests, now, zone),
        ],
        regrades=regrades,
        timezone=settings.trainer_timezone,
        test_changes=changes_of_tests(existing_catalog, catalog, tests, objects, key_changes, default_due),
        students_changed=student_changes(existing_students, content.students),
        student_names={student: name for student, name in names.items() if name},
    )


def _with_questions_digests(catalog: Catalog, desired: Mapping[str, bytes]) -> Catalog:
    """Each published test's entry names the SHA-256 of the ``questions.json`` bytes uploaded with it, so the API
    serves cached questions only while they are those bytes (testtime.store). A closed test keeps its digest."""
    tests = {}
    for ref, test in catalog.tests.items():
        body = desired.get(layout.questions_key(test.subject, test.test_id))
        tests[ref] = (
            test if body is None else dataclasses.replace(test, questions_sha256=hashlib.sha256(body).hexdigest())
        )
    return dataclasses.replace(catalog, tests=tests)


def _may_be_cached_by_the_api(key: str, action: str) -> bool:
    """Whether a warm API function may hold a previous copy of ``key``: an object replaced (a first upload has no
    previous copy: a missing catalog or questions.json is not cached, and a class list read as empty is read again
    before refusing a key), other than trainer.json, the answer keys and whatever the API reads anew each time."""
    return action == UPDATE and (key in (layout.CATALOG, layout.STUDENTS_LIST) or key.endswith("/questions.json"))


def _plan_objects(bucket: str, desired: Mapping[str, bytes]) -> dict[str, str]:
    for key in desired:
        if not _publisher_owns(key):
            raise RuntimeError(f"refusing to write {key}: it belongs to the students or the scorer")
    client = s3io.client()  # made here, not in the threads: creating boto3 clients is not thread-safe
    with ThreadPoolExecutor(HEAD_WORKERS) as pool:
        etags = dict(zip(desired, pool.map(lambda key: _etag(client, bucket, key), desired), strict=True))
    return {key: _action(body, etags[key]) for key, body in desired.items()}


def _publisher_owns(key: str) -> bool:
    """Top-level files and ``<subject>/<test>/<file>``; never a student's folder, markers, the scorer's ledger or
    the invitations' records."""
    owned_by_others = (layout.SUBMITTED_PREFIX, layout.SCORER_PREFIX, layout.INVITATIONS_PREFIX)
    return not key.startswith(owned_by_others) and key.count("/") in (0, 2)


def _action(body: bytes, etag: str | None) -> str:
    if etag is None:
        return ADD
    return UNCHANGED if etag.strip('"') == hashlib.md5(body, usedforsecurity=False).hexdigest() else UPDATE


def _etag(client: Any, bucket: str, key: str) -> str | None:
    try:
        return str(client.head_object(Bucket=bucket, Key=key)["ETag"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _put(bucket: str, key: str, body: bytes) -> None:
    s3io.client().put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def _wait_for_api_caches(seconds: float) -> None:
    print(
        _(
            "waiting {seconds} s until no warm API function still holds the previous catalog or class list",
            seconds=round(seconds),
        ),
        file=sys.stderr,
        flush=True,
    )
    time.sleep(seconds)


EXAMPLES = """\
examples:
  ./update-subjects-or-students.sh                  publish content/ to the local deployment
  ./update-subjects-or-students.sh --check          say what would change (tests and their deadlines,
                                                    students, answer keys), change nothing
  ./update-subjects-or-students.sh --check -v       the same, and every file of the bucket it would write
  ./update-subjects-or-students.sh --content ~/class-b
                                                    another content folder (the original JSON layout works too)
  ./update-subjects-or-students.sh --target aws --region eu-west-1
  ./update-subjects-or-students.sh --yes            publish a corrected answer key of a scored test without
                                                    asking (it is rescored, each changed score emailed)

Everything is validated before anything is uploaded. Exit status: 0 published (or checked), 1 failed (nothing
was changed, or the message says what), 2 a bad option or a mistake in the content (each printed with its file
and line).
"""


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(
        prog=prog(__name__),
        description="Publish the tests and the class list after a lesson: validates the content, then uploads only\n"
        "what changed, creates or disables one API key per student, and closes the tests removed from it.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_arguments(made, target=False)
    add_target_options(made)
    made.add_argument("-v", "--verbose", action="store_true", help="also list the bucket's files written (or not)")
    made.add_argument(
        "--timezone", metavar="TZ", help="the trainer's time zone for default deadlines (setting trainer_timezone)"
    )
    made.add_argument(
        "--ses-verify-students",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ask SES to verify the students' addresses (setting ses_verify_students)",
    )
    made.add_argument("--project", metavar="NAME", help="the deployment's project_name (default: group_vars/all.yml's)")
    made.add_argument(
        "--yes",
        action="store_true",
        help="publish a changed answer key of a test already scored without asking; the scorer's next run rescores "
        "it and emails each student whose score changed",
    )
    return made


def main(argv: Sequence[str] | None = None) -> int:
    """The command line, its output in the class's language; a bad option exits 2 (argparse), a content problem 2,
    an unusable target, deployment or setting 1 (``error: ...``)."""
    args = parser().parse_args(argv)
    return run_in_class_language(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    enter_deployed(args.target, args.region)  # TargetError: the local AWS not running, no AWS credentials
    try:
        content = load_content(args.content)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise SystemExit(2) from None
    outputs = load_stack_outputs(stack_outputs_path(args.target))
    settings = load_settings()
    scale = regrade_preview.deployed_grade_scale()
    if args.timezone:
        settings = dataclasses.replace(settings, trainer_timezone=check_timezone(args.timezone))
    if args.ses_verify_students is not None:
        settings = dataclasses.replace(settings, ses_verify_students=args.ses_verify_students)
    try:
        report = publish(
            content,
            outputs,
            settings,
            now=datetime.now(UTC),
            check=args.check,
            apigateway=aws_clients.client("apigateway", region_name=outputs.region),
            ses=aws_clients.client("ses", region_name=outputs.region),
            project=args.project,
            settle=_wait_for_api_caches,
            scale=scale,
            confirm=regrade_preview.confirmation(yes=args.yes, stdin=sys.stdin, stdout=sys.stderr),
        )
    except MalformedDocument as error:
        print(
            _(
                "cannot publish: {error} (bucket {bucket}); nothing was changed",
                error=error,
                bucket=outputs.data_bucket,
            ),
            file=sys.stderr,
        )
        return 1
    except NotConfirmed as error:
        print(_("not published: {error}; nothing was changed", error=error), file=sys.stderr)
        return 1
    print("\n".join(report.lines(check=args.check, verbose=args.verbose)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The API URL and a student's API key, for the trainer to hand out (or to set up the student client).

    bin/pull-api-config.sh --student ID [--save] [--target local|aws] [--region R]
    bin/pull-api-config.sh --all [--target local|aws] [--region R]
    bin/pull-api-config.sh --trainer [--target local|aws] [--region R]

``--student`` prints ``API Endpoint URL: <url>`` and ``API Key: <key>`` (the original service's output); with
``--save`` it also writes the student client's config file, ``${TRAININGS_CONFIG:-~/.trainings/config}``
(``KEY=value`` lines API_URL, API_KEY, STUDENT_ID and LANGUAGE, the class's ``language`` the client speaks; mode
600, its folder 700 when created; replaced atomically).
``--all`` prints a CSV (``student_id,email,api_key,name,api_url,portal_url``: the first three columns as they
always were) of every student of the published class list (``studentsList.json``) whose key is enabled; the URL
also goes to stderr. ``--trainer`` prints the trainer's key and the address of the portal's trainer page.

Key values come from API Gateway (``get_api_keys`` with ``includeValues``) and are printed only as above, never
logged. Exit status: 0 done, 1 unknown student or deployment problem, 2 usage error.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ops import cli
from ops import target as targets
from ops.apikeys import is_projects_key, key_name, key_prefix, trainer_key_name
from ops.deployment import (
    DeploymentError,
    StackOutputs,
    load_settings,
    load_stack_outputs,
    project_name,
    stack_outputs_path,
)
from ops.i18n import TRAINER, run_in_class_language
from testtime import layout
from testtime.documents.class_list import Student, parse_class_list
from testtime.documents.codec import MalformedDocument

DEFAULT_CONFIG = "~/.trainings/config"
CSV_COLUMNS = ["student_id", "email", "api_key", "name", "api_url", "portal_url"]
TRAINER_PAGE = "/results"  # the portal's trainer page (portal/views.py), behind its sign-in
_ = TRAINER.gettext
PUBLISH = "./update-subjects-or-students.sh"
CONFIG_HEADER = "# Test Time: the student client's settings (bin/test-time.sh). Keep this file private.\n"
EXAMPLES = """examples:
  bin/pull-api-config.sh --student student01          API Endpoint URL: ... / API Key: ...
  bin/pull-api-config.sh --student student01 --save   also writes ${TRAININGS_CONFIG:-~/.trainings/config}
  bin/pull-api-config.sh --all > keys.csv             student_id,email,api_key,name,api_url,portal_url
  bin/pull-api-config.sh --trainer                    the trainer's key and the trainer page's address
  bin/pull-api-config.sh --target aws --region eu-west-1 --student student01

--save writes the student client's config (API_URL, API_KEY, STUDENT_ID; mode 600) for bin/test-time.sh.

exit status: 0 done, 1 unknown student or deployment problem, 2 a bad option."""


class PullError(Exception):
    """One line for the trainer; the exit status goes with it."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ApiKey:
    name: str
    value: str
    enabled: bool


def config_path() -> Path:
    """``$TRAININGS_CONFIG`` (the student client reads the same variable), else ``~/.trainings/config``."""
    return Path(os.environ.get("TRAININGS_CONFIG") or DEFAULT_CONFIG).expanduser()


def _enabled(item: dict[str, Any]) -> bool:
    # MiniStack keeps a patched flag as the string "true"/"false"; AWS returns booleans.
    return item.get("enabled") in (True, "true")


def _created(item: dict[str, Any]) -> datetime:
    created = item.get("createdDate")
    return created if isinstance(created, datetime) else datetime.min.replace(tzinfo=UTC)


def api_keys(apigateway: Any, name_query: str) -> dict[str, ApiKey]:
    """This project's keys whose name starts with ``name_query``, by exact name; the oldest wins should a name
    repeat. Another deployment's keys (a smoke-test copy's) never count, even where the names overlap."""
    project = project_name()
    pages = apigateway.get_paginator("get_api_keys").paginate(nameQuery=name_query, includeValues=True)
    items = sorted((item for page in pages for item in page.get("items", [])), key=_created)
    keys: dict[str, ApiKey] = {}
    for item in items:
        name = item.get("name")
        ours = isinstance(name, str) and name.startswith(name_query) and is_projects_key(item, project)
        if ours and name not in keys:
            keys[name] = ApiKey(name=name, value=str(item.get("value") or ""), enabled=_enabled(item))
    return keys


def class_list(s3: Any, bucket: str) -> list[Student]:
    """The published class list (``studentsList.json``), in its published order."""
    try:
        body = s3.get_object(Bucket=bucket, Key=layout.STUDENTS_LIST)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise PullError(
                _("no class list in bucket {bucket}: publish first ({command})", bucket=bucket, command=PUBLISH)
            ) from None
        raise
    try:
        return list(parse_class_list(layout.STUDENTS_LIST, body).students)
    except MalformedDocument as error:
        unreadable = error.problem.startswith(("is not JSON", "is not UTF-8"))
        if unreadable:
            message = _("{file} in bucket {bucket} is not valid JSON", file=layout.STUDENTS_LIST, bucket=bucket)
            raise PullError(message) from None
        raise PullError(
            _("{file} in bucket {bucket} is not a list", file=layout.STUDENTS_LIST, bucket=bucket)
        ) from None


def student_key(apigateway: Any, s3: Any, outputs: StackOutputs, student_id: str) -> str:
    """The enabled key of a student of the published class list; PullError otherwise."""
    if not layout.is_safe_id(student_id):
        raise PullError(_("{id} is not a valid student id (letters, digits, '.', '_' or '-')", id=repr(student_id)))
    if student_id not in {student.student_id for student in class_list(s3, outputs.data_bucket)}:
        raise PullError(
            _(
                "unknown student {id}: not on the published class list ({file}, then {command})",
                id=repr(student_id),
                file="content/students.yml",
                command=PUBLISH,
            )
        )
    key = api_keys(apigateway, key_name(student_id)).get(key_name(student_id))
    if key is None:
        raise PullError(_("student {id} has no API key yet: run {command}", id=repr(student_id), command=PUBLISH))
    if not key.enabled:
        raise PullError(
            _("the API key of student {id} is disabled: run {command}", id=repr(student_id), command=PUBLISH)
        )
    return key.value


def all_keys(apigateway: Any, s3: Any, outputs: StackOutputs) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """Rows ``(student_id, email, key, name)`` of the class list, and the students skipped (no enabled key)."""
    keys = api_keys(apigateway, key_prefix())
    rows, skipped = [], []
    for student in class_list(s3, outputs.data_bucket):
        key = keys.get(key_name(student.student_id))
        if key is None or not key.enabled or not key.value:
            skipped.append(student.student_id)
        else:
            rows.append((student.student_id, student.email, key.value, student.name or ""))
    return rows, skipped


def trainer_key(apigateway: Any) -> str:
    """The trainer's enabled key; PullError otherwise."""
    key = api_keys(apigateway, trainer_key_name()).get(trainer_key_name())
    if key is None or not key.value:
        raise PullError(_("the trainer has no API key yet: run {command}", command=PUBLISH))
    if not key.enabled:
        raise PullError(_("the trainer's API key is disabled: run {command}", command=PUBLISH))
    return key.value


def portal_url(target: str) -> str:
    """Where students and the trainer open the portal: the stack output PortalUrl on aws; locally the process
    bin/portal.sh runs on this machine (the emulator's own portal endpoint routes nowhere). "" when not deployed."""
    if target == "local":
        return f"http://127.0.0.1:{os.environ.get('PORTAL_PORT') or '8080'}"
    try:
        return load_stack_outputs(stack_outputs_path(target)).portal_url
    except DeploymentError:
        return ""


def write_config(path: Path, api_url: str, api_key: str, student_id: str | None, language: str | None = None) -> None:
    """The client's config file, mode 600, replaced atomically (a reader never sees half a file). ``language``: the
    class's, which the client speaks in (without it, the language of the API's last answer)."""
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True)
    lines = [CONFIG_HEADER, f"API_URL={api_url}\n", f"API_KEY={api_key}\n"]
    if student_id:
        lines.append(f"STUDENT_ID={student_id}\n")
    if language:
        lines.append(f"LANGUAGE={language}\n")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # created with mode 600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.writelines(lines)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=cli.prog(__name__),
        description="Print the API URL and a student's API key (or every student's, as CSV).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--student", metavar="ID", help="the student whose key to print")
    parser.add_argument("--all", action="store_true", help="a CSV of every student of the published class list")
    parser.add_argument("--trainer", action="store_true", help="the trainer's key and the trainer page's address")
    parser.add_argument(
        "--save", action="store_true", help=f"also write the client's config (${{TRAININGS_CONFIG:-{DEFAULT_CONFIG}}})"
    )
    targets.add_target_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    return run_in_class_language(lambda: _checked(parser, args))


def _checked(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.all and args.student is not None:
        parser.error(_("--student and --all do not go together"))
    if args.trainer and (args.all or args.student is not None):
        parser.error(_("--trainer prints the trainer's key only: leave out --student and --all"))
    if not args.all and args.student is None and not args.trainer:
        parser.error(_("say whose key: --student ID, --all for every student, or --trainer"))
    if (args.all or args.trainer) and args.save:
        parser.error(_("--save writes one student's config: use it with --student ID"))
    targets.enter_deployed(args.target, args.region)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        outputs = load_stack_outputs(stack_outputs_path(args.target))
        apigateway = boto3.client("apigateway", region_name=outputs.region)
        s3 = boto3.client("s3", region_name=outputs.region)
        if args.trainer:
            key = trainer_key(apigateway)
            portal = portal_url(args.target)
            print(_("API Endpoint URL: {url}", url=outputs.api_url))
            print(_("API Key: {key}", key=key))
            print(_("Trainer page: {url}", url=portal + TRAINER_PAGE if portal else _("no portal deployed")))
            if portal and args.target == "local":
                print(_("Sign in there with this key (the portal runs on this machine: {command}).",
                        command="bin/portal.sh status"))  # fmt: skip
            elif portal:
                print(_("Sign in there with this key."))
            return 0
        if args.all:
            rows, skipped = all_keys(apigateway, s3, outputs)
            portal = portal_url(args.target)
            print(_("API Endpoint URL: {url}", url=outputs.api_url), file=sys.stderr)
            for student_id in skipped:
                print(_("skipped {id}: no enabled API key", id=student_id), file=sys.stderr)
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            writer.writerows([*row, outputs.api_url, portal] for row in rows)
            return 0
        key = student_key(apigateway, s3, outputs, args.student)
        print(_("API Endpoint URL: {url}", url=outputs.api_url))
        print(_("API Key: {key}", key=key))
        if args.save:
            path = config_path()
            write_config(path, outputs.api_url, key, args.student, load_settings().language)
            print(_("Saved to {path} (mode 600): {command} will use it.", path=path, command="bin/test-time.sh"))
        return 0
    except (PullError, DeploymentError) as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return getattr(error, "status", 1)
    except (ClientError, BotoCoreError) as error:
        print(_("error: the deployment could not be reached: {error}", error=error), file=sys.stderr)
        return 1
    except OSError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Invitations (``bin/invite-students.sh``): each student of the published class list gets one email with their API
URL, their API key, the portal's one-click sign-in link (``<portal>/signin#key=<key>``, :func:`signin_link`) and the
one-line terminal set-up; again only when one of those changed.

    bin/invite-students.sh [--student ID] [--dry-run] [--target local|aws] [--region R]

A record per student, ``invitations/<studentId>.json`` = ``{"keySha256", "apiUrl", "portalUrl", "sentAt",
"messageId"}`` (the key's digest, never the key), is written right after SES accepted the email. A run sends to the
students without a record or whose key digest, API URL or portal URL differs from it; ``--student ID`` sends to
that student even when nothing changed. Emails go through SES paced to its send rate (``GetSendQuota``
MaxSendRate, testtime.mailer); at the daily quota the run stops and names the students left for the next run.

Exit status: 0 every email went (or nothing was due), 1 a student could not be sent theirs (or the deployment is
missing), 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import boto3
import yaml
from botocore.exceptions import BotoCoreError, ClientError

from ops import aws_clients, cli
from ops import target as targets
from ops.apikeys import key_name, key_prefix
from ops.deployment import (
    SETTINGS_FILE,
    DeploymentError,
    StackOutputs,
    load_settings,
    load_stack_outputs,
    stack_outputs_path,
)
from ops.i18n import TRAINER, run_in_class_language
from ops.pull_api_config import PullError, api_keys, class_list, portal_url
from testtime import layout
from testtime.deadlines import to_iso
from testtime.documents import codec
from testtime.documents.class_list import Student
from testtime.documents.codec import MalformedDocument
from testtime.identity import api_key_digest
from testtime.mailer import DailyQuotaExceeded, Mailer, SendFailed
from testtime.notices import invitation_email

_ = TRAINER.gettext
_n = TRAINER.ngettext

READERS = 16  # parallel GETs of the records: a class of 1,000 is read in seconds
EXAMPLES = """examples:
  bin/invite-students.sh                       every student not yet invited, or whose key or URL changed
  bin/invite-students.sh --student student01   that student only, even when nothing changed
  bin/invite-students.sh --dry-run             say who would get what; send nothing
  bin/invite-students.sh --target aws --region eu-west-1    the deployment in a real account

Prints one line per student (sent, unchanged, or failed and why) and a total. Emails go through SES at its send
rate and stop at its daily quota (run again the next day for the rest); locally they land in bin/outbox.sh.

exit status: 0 done, 1 a student's email could not be sent (or no deployment), 2 a bad option."""


def signin_link(portal: str, key: str) -> str:
    """The invitation's one-click sign-in: ``<portal>/signin#key=<key>``; "" where there is no portal. The key is in
    the fragment, which a browser never sends: so it reaches no server, proxy or log, and the portal's
    static/signin-link.js takes it out of the address and the history before it signs in."""
    if not portal:
        return ""
    return f"{portal.rstrip('/')}/signin#key={quote(key, safe='')}"


def record_key(student_id: str) -> str:
    return f"{layout.INVITATIONS_PREFIX}{student_id}.json"


@dataclass(frozen=True)
class Invitation:
    """What a student was sent, as recorded: the key only as its SHA-256 digest."""

    key_sha256: str
    api_url: str
    portal_url: str
    sent_at: str = ""
    message_id: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "keySha256": self.key_sha256,
            "apiUrl": self.api_url,
            "portalUrl": self.portal_url,
            "sentAt": self.sent_at,
            "messageId": self.message_id,
        }

    @classmethod
    def from_json(cls, raw: object) -> Invitation | None:
        """None for a record of another shape: its student is sent the invitation again."""
        if not isinstance(raw, dict) or not all(isinstance(raw.get(name), str) for name in ("keySha256", "apiUrl")):
            return None
        return cls(
            key_sha256=raw["keySha256"],
            api_url=raw["apiUrl"],
            portal_url=str(raw.get("portalUrl") or ""),
            sent_at=str(raw.get("sentAt") or ""),
            message_id=str(raw.get("messageId") or ""),
        )


@dataclass(frozen=True)
class Planned:
    """One student's part of a run: ``reasons`` to send (empty: unchanged), or a ``problem`` that stops it."""

    student: Student
    key: str = ""
    reasons: tuple[str, ...] = ()
    problem: str = ""


def reasons_to_send(record: Invitation | None, now: Invitation) -> tuple[str, ...]:
    """What changed since the student's last invitation, in words; () when nothing did."""
    if record is None:
        return (_("first invitation"),)
    changed = [
        reason
        for reason, differs in (
            (_("new API key"), record.key_sha256 != now.key_sha256),
            (_("new service address"), record.api_url != now.api_url),
            (_("new portal address"), record.portal_url != now.portal_url),
        )
        if differs
    ]
    return tuple(changed)


def plan(
    students: Sequence[Student],
    keys: Mapping[str, str | None],
    records: Mapping[str, Invitation | None],
    api_url: str,
    portal: str,
    resend: bool = False,
) -> list[Planned]:
    """Pure: each student's part. ``keys``: student id -> enabled key value (None: no usable key); ``resend``:
    send even when nothing changed (``--student``)."""
    planned = []
    for student in students:
        key = keys.get(student.student_id)
        if not key:
            problem = _("no enabled API key: run ./update-subjects-or-students.sh")
            planned.append(Planned(student, problem=problem))
            continue
        reasons = reasons_to_send(records.get(student.student_id), Invitation(api_key_digest(key), api_url, portal))
        if resend and not reasons:
            reasons = (_("sent again, as asked"),)
        planned.append(Planned(student, key, reasons))
    return planned


def read_records(s3: Any, bucket: str, student_ids: Iterable[str]) -> dict[str, Invitation | None]:
    """Each student's record (None: none yet, or unreadable), read in parallel; one GET per student."""

    def read(student_id: str) -> Invitation | None:
        try:
            body = s3.get_object(Bucket=bucket, Key=record_key(student_id))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        try:
            return Invitation.from_json(codec.loads(record_key(student_id), body))
        except MalformedDocument:
            return None

    ids = list(student_ids)
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return dict(zip(ids, pool.map(read, ids), strict=True))


def write_record(s3: Any, bucket: str, student_id: str, invitation: Invitation) -> None:
    body = codec.dumps(invitation.to_json())
    s3.put_object(Bucket=bucket, Key=record_key(student_id), Body=body, ContentType="application/json")


def _send_problem(error: SendFailed) -> str:
    """Why SES did not take an email, in the trainer's words (the mailer's text is SES's code and message)."""
    text = str(error)
    if text.startswith("MessageRejected") and "not verified" in text.lower():
        return _("the email was refused: in the SES sandbox every address must be verified first (ses_verify_students)")
    if text.startswith("MessageRejected"):
        return _("the email was refused by the mail service")
    if text.startswith(("Throttling", "ServiceUnavailable", "Internal")):
        return _("the mail service was busy after {attempts} tries: run again later", attempts=error.attempts)
    return _("the email could not be sent (the mail service did not take it): run again later")


@dataclass
class Tally:
    sent: int = 0
    unchanged: int = 0
    failed: int = 0

    def line(self, dry_run: bool) -> str:
        counts = {"sent": self.sent, "unchanged": self.unchanged, "failed": self.failed}
        if dry_run:
            return _("Invitations: {sent} to send, {unchanged} unchanged, {failed} failed", **counts)
        return _("Invitations: {sent} sent, {unchanged} unchanged, {failed} failed", **counts)


Say = Callable[[str], None]


def _print(line: str) -> None:
    print(line, flush=True)  # one line per student as it goes: a large class takes minutes at SES's rate


def deliver(
    planned: Sequence[Planned],
    mailer: Mailer | None,
    s3: Any,
    bucket: str,
    api_url: str,
    portal: str,
    zone: ZoneInfo,
    say: Say = _print,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Tally:
    """Sends what ``planned`` says, one line per student; ``mailer`` None: a dry run that sends nothing."""
    tally = Tally()
    quota_left = float("inf")
    if mailer is not None and any(part.reasons for part in planned):
        quota_left = mailer.quota().remaining_24h
    for part in planned:
        who = part.student.student_id
        if part.problem:
            tally.failed += 1
            say(_("{who}: failed: {problem}", who=who, problem=part.problem))
            continue
        if not part.reasons:
            tally.unchanged += 1
            say(_("{who}: unchanged", who=who))
            continue
        why = ", ".join(part.reasons)
        if mailer is None:
            tally.sent += 1
            say(_("{who}: would send ({why}) to {email}", who=who, why=why, email=part.student.email))
            continue
        if quota_left < 1:
            tally.failed += 1
            say(_("{who}: not sent: today's sending quota is used up; run again tomorrow", who=who))
            continue
        # The record keeps the portal's address (a change of it is a reason to send again), the email the link.
        link = signin_link(portal, part.key)
        email = invitation_email(who, part.student.name or "", api_url, part.key, link, zone)
        try:
            message_id = mailer.send(part.student.email, email.subject, email.text, email.html)
        except DailyQuotaExceeded:
            quota_left = 0
            tally.failed += 1
            say(_("{who}: not sent: today's sending quota is used up; run again tomorrow", who=who))
            continue
        except SendFailed as error:
            tally.failed += 1
            say(_("{who}: failed: {problem}", who=who, problem=_send_problem(error)))
            continue
        quota_left -= 1
        record = Invitation(api_key_digest(part.key), api_url, portal, to_iso(now()), message_id)
        try:
            write_record(s3, bucket, who, record)
        except (ClientError, BotoCoreError):
            tally.failed += 1
            say(_("{who}: sent, but its record could not be saved: the next run sends it again", who=who))
            continue
        tally.sent += 1
        say(_("{who}: sent ({why}) to {email}", who=who, why=why, email=part.student.email))
    return tally


def sender_email(path: Path = SETTINGS_FILE) -> str:
    """group_vars/all.yml's sender_email, the address every email of the service comes from."""
    values = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    sender = str((values or {}).get("sender_email") or "").strip() if isinstance(values, dict) else ""
    if not sender:
        raise DeploymentError(_("sender_email is not set in {path}", path=path))
    return sender


def enabled_keys(apigateway: Any, students: Sequence[Student]) -> dict[str, str | None]:
    keys = api_keys(apigateway, key_prefix())
    found = {student.student_id: keys.get(key_name(student.student_id)) for student in students}
    return {sid: key.value if key and key.enabled and key.value else None for sid, key in found.items()}


def invite(args: argparse.Namespace) -> int:
    outputs = load_stack_outputs(stack_outputs_path(args.target))
    zone = ZoneInfo(load_settings().trainer_timezone)
    s3 = boto3.client("s3", region_name=outputs.region)
    students = class_list(s3, outputs.data_bucket)
    if args.student is not None:
        if not layout.is_safe_id(args.student):
            raise PullError(
                _("{student!r} is not a valid student id (letters, digits, '.', '_' or '-')", student=args.student), 2
            )
        students = [student for student in students if student.student_id == args.student]
        if not students:
            raise PullError(
                _(
                    "unknown student {student!r}: not on the published class list (content/students.yml, then "
                    "./update-subjects-or-students.sh)",
                    student=args.student,
                )
            )
    portal = portal_url(args.target)
    keys = enabled_keys(aws_clients.client("apigateway", region_name=outputs.region), students)
    records = read_records(s3, outputs.data_bucket, [student.student_id for student in students])
    planned = plan(students, keys, records, outputs.api_url, portal, resend=args.student is not None)
    mailer = None
    if not args.dry_run:
        mailer = Mailer(aws_clients.client("ses", region_name=outputs.region), sender_email())
    tally = deliver(planned, mailer, s3, outputs.data_bucket, outputs.api_url, portal, zone)
    print(tally.line(args.dry_run))
    return 1 if tally.failed else 0


def other_urls(outputs: StackOutputs, s3: Any) -> int:
    """How many students' invitations name another API URL than the deployment's."""
    try:
        students = class_list(s3, outputs.data_bucket)
    except PullError:
        return 0  # nothing published yet: nobody was invited
    records = read_records(s3, outputs.data_bucket, [student.student_id for student in students])
    return sum(1 for record in records.values() if record is not None and record.api_url != outputs.api_url)


def url_notice(outputs_json: str) -> int:
    """The deploy's hook (ops/deploy_command.py): says so when students were sent another URL. Never fails the
    deploy: it always returns 0."""
    try:
        outputs = load_stack_outputs(Path(outputs_json))
        stale = other_urls(outputs, boto3.client("s3", region_name=outputs.region))
    except (DeploymentError, ClientError, BotoCoreError, OSError) as error:
        print(
            _("note: the invitations could not be checked against the new address ({error})", error=error),
            file=sys.stderr,
        )
        return 0
    if stale:
        changed = _("The service address changed: run bin/invite-students.sh to send students the new one.")
        sent = _n("({n} student was sent the old one.)", "({n} students were sent the old one.)", stale)
        print(f"\n{changed} {sent}")
    return 0


def _parser() -> argparse.ArgumentParser:
    description = _("Email each student of the published class list how to take their tests.")
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=description, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--student", metavar="ID", help=_("send to this student only, even when nothing changed"))
    parser.add_argument("--dry-run", action="store_true", help=_("say who would be sent what; send nothing"))
    targets.add_target_options(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command line, its output (and the students' emails) in the class's language."""
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_in_class_language(lambda: _main(argv))


def _main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    targets.enter_deployed(args.target, args.region)
    try:
        return invite(args)
    except (PullError, DeploymentError) as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return getattr(error, "status", cli.FAILED)
    except (ClientError, BotoCoreError) as error:
        print(_("error: the AWS request failed: {error}", error=error), file=sys.stderr)
        return cli.FAILED


if __name__ == "__main__":
    sys.exit(main())

"""The emails the embedded AWS captured (``bin/outbox.sh``): what the scorer would have delivered, to read locally.

MiniStack keeps every email sent through SES and lists them at ``GET <endpoint>/_ministack/ses/messages``
(``{"messages": {"<account>": [{"MessageId", "Source", "To", "CC", "BCC", "Subject", "BodyText", "BodyHtml",
"Timestamp", "Type"}]}}``, ``Timestamp`` in epoch seconds). A real SES keeps no outbox, so this is local only.

Exit status: 0 done, 1 the local AWS cannot be read, 2 a bad option (``--target aws`` included).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ops import cli
from ops import target as targets
from ops.i18n import TRAINER, run_in_class_language
from testtime.deadlines import parse_instant

_ = TRAINER.gettext
_n = TRAINER.ngettext
_p = TRAINER.pgettext

MESSAGES_PATH = "/_ministack/ses/messages"
EXAMPLES = """examples:
  bin/outbox.sh                           one block per email: date, from, to, subject, text body
  bin/outbox.sh --to student01@example.com --since 2026-11-23T23:00:00+01:00
  bin/outbox.sh --json                    [{"to": [...], "subject", "text", "html", "timestamp", ...}]

Local target only: a real SES (--target aws) keeps no outbox.

exit status: 0 done, 1 the local AWS cannot be read, 2 a bad option (--target aws included)."""


class OutboxError(Exception):
    """One line for the user."""


@dataclass(frozen=True)
class Email:
    sender: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    text: str
    html: str
    timestamp: float | None
    message_id: str

    @property
    def when(self) -> str:
        if self.timestamp is None:
            return ""
        return datetime.fromtimestamp(self.timestamp, UTC).isoformat(timespec="seconds")

    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"to": self.to, "subject": self.subject, "text": self.text}
        if self.html:
            out["html"] = self.html
        if self.timestamp is not None:
            out["timestamp"] = self.when
        out["from"] = self.sender
        if self.cc:
            out["cc"] = self.cc
        if self.bcc:
            out["bcc"] = self.bcc
        out["messageId"] = self.message_id
        return out


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def parse_messages(raw: Any) -> list[Email]:
    """Every captured email of every account, oldest first."""
    groups = raw.get("messages") if isinstance(raw, dict) else None
    if not isinstance(groups, dict):
        raise OutboxError(_("the embedded AWS answered with an unexpected outbox format"))
    emails = []
    for records in groups.values():
        for rec in records if isinstance(records, list) else []:
            if not isinstance(rec, dict):
                continue
            stamp = rec.get("Timestamp")
            emails.append(
                Email(
                    sender=str(rec.get("Source") or ""),
                    to=_strings(rec.get("To")),
                    cc=_strings(rec.get("CC")),
                    bcc=_strings(rec.get("BCC")),
                    subject=str(rec.get("Subject") or ""),
                    text=str(rec.get("BodyText") or ""),
                    html=str(rec.get("BodyHtml") or ""),
                    timestamp=float(stamp) if isinstance(stamp, int | float) else None,
                    message_id=str(rec.get("MessageId") or ""),
                )
            )
    return sorted(emails, key=lambda email: email.timestamp or 0.0)


def fetch(endpoint: str) -> list[Email]:
    url = endpoint.rstrip("/") + MESSAGES_PATH
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return parse_messages(json.loads(response.read()))
    except urllib.error.HTTPError as error:
        raise OutboxError(_("{url} answered with an error (HTTP {code})", url=url, code=error.code)) from None
    except (urllib.error.URLError, OSError):
        raise OutboxError(
            _(
                "the local AWS is not running on {endpoint}: start it with {command}",
                endpoint=endpoint,
                command="bin/local-aws.sh start",
            )
        ) from None
    except ValueError:
        raise OutboxError(_("{url} did not answer JSON", url=url)) from None


def select(emails: Sequence[Email], to: str | None = None, since: datetime | None = None) -> list[Email]:
    """Those sent to ``to`` (any of To, CC, BCC; case-insensitive) at or after ``since``."""
    wanted = to.strip().lower() if to else None
    cutoff = since.timestamp() if since else None
    return [
        email
        for email in emails
        if (wanted is None or wanted in (address.strip().lower() for address in email.recipients()))
        and (cutoff is None or (email.timestamp is not None and email.timestamp >= cutoff))
    ]


def human(emails: Sequence[Email]) -> str:
    if not emails:
        return _("no emails captured")
    # The headers' names, padded so that their values line up (in English as in an email: "Subject: ...").
    labels = {"from": _p("email header", "From:"), "to": _p("email header", "To:"),
              "cc": _p("email header", "Cc:"), "bcc": _p("email header", "Bcc:"),
              "subject": _p("email header", "Subject:")}  # fmt: skip
    width = max(len(label) for label in labels.values())
    blocks = []
    for number, email in enumerate(emails, start=1):
        title = _n("=== email {number} of {n}", "=== email {number} of {n}", len(emails), number=number)
        head = [f"{title}  {email.when}".rstrip()]
        fields = [("from", email.sender), ("to", ", ".join(email.to)), ("cc", ", ".join(email.cc)),
                  ("bcc", ", ".join(email.bcc)), ("subject", email.subject)]  # fmt: skip
        head += [f"{labels[name]:<{width}} {value}" for name, value in fields if value or name not in ("cc", "bcc")]
        body = email.text.rstrip() or _("(no text part; HTML only)")
        blocks.append("\n".join(head) + "\n\n" + body + "\n")
    return "\n".join(blocks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--json", action="store_true", help="a JSON array instead of readable blocks")
    parser.add_argument("--to", metavar="ADDRESS", help="only emails to this address")
    parser.add_argument("--since", metavar="ISO", help="only emails sent at or after this instant (ISO 8601)")
    targets.add_target_options(parser)  # only local has an outbox: --target aws is refused below
    args = parser.parse_args(argv)
    return run_in_class_language(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    if args.target != "local":
        print(_("error: SES keeps no outbox on --target aws: only the embedded local AWS captures emails."),
              file=sys.stderr)  # fmt: skip
        return cli.USAGE
    since = None
    if args.since:
        try:
            since = parse_instant(args.since)
        except ValueError:
            print(_("error: --since {value} is not an ISO 8601 date-time with offset", value=repr(args.since)),
                  file=sys.stderr)  # fmt: skip
            return cli.USAGE
    where = targets.enter_deployed(args.target, args.region)
    try:
        emails = select(fetch(where.endpoint or targets.local_endpoint()), args.to, since)
    except OutboxError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return 1
    print(
        json.dumps([email.to_json() for email in emails], indent=2, ensure_ascii=False) if args.json else human(emails)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

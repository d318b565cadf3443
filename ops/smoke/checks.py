"""What the smoke test looks at in the account: the scorer's email records, the local outbox, the portal over
HTTP, and what is left of the copy after its removal. Each check raises StepFailed with plain words."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import requests
from botocore.exceptions import BotoCoreError, ClientError

from ops import outbox
from ops.smoke.runner import StepFailed
from testtime import layout
from testtime.documents.codec import MalformedDocument
from testtime.documents.scorer_records import SENT, parse_summary_record
from testtime.s3direct import ObjectClient
from testtime.scorer.data import S3Data
from testtime.scorer.ledger import read_email_ledger


@dataclass(frozen=True)
class SentEmails:
    student_message_id: str
    trainer_message_id: str


def sent_emails(bucket: str, subject: str, test_id: str, student_id: str) -> SentEmails:
    """The SES message ids the scorer recorded for the student's score email and the trainer's summary.

    SendEmail answers with a MessageId once SES accepted the email, and with an error (MessageRejected, e.g. an
    unverified recipient in the sandbox) otherwise (SES API reference, SendEmail; SES v2's SendEmail says "generated
    when the message is accepted", which is not delivery). The scorer writes the id to its ledger (``scorer/``):
    that is what the copy checks on AWS, where no outbox exists.
    """
    data = S3Data(bucket, ObjectClient(bucket))
    summary_key = layout.summary_ledger_key(subject, test_id)
    try:
        record = read_email_ledger(data, layout.score_emails(subject, test_id)).get(student_id)
        summary_body = data.get(summary_key)
    except (ClientError, BotoCoreError) as error:
        raise StepFailed(f"could not read the scorer's email records in {bucket}: {error}") from None
    if record is None or record.status != SENT or not record.message_id:
        why = (record.error if record else None) or "no record of it"
        raise StepFailed(f"the student's score email was not accepted by SES ({why})")
    try:
        summary = None if summary_body is None else parse_summary_record(summary_key, summary_body)
    except MalformedDocument:
        summary = None
    if summary is None or summary.status != SENT or not summary.message_id:
        why = (summary.error if summary else None) or "no record of it"
        raise StepFailed(f"the trainer's summary email was not accepted by SES ({why})")
    return SentEmails(record.message_id, summary.message_id)


def check_local_outbox(endpoint: str, sent: SentEmails, student_email: str, trainer_email: str) -> None:
    """The embedded AWS captured both emails, each to the right address, under the message ids recorded."""
    try:
        by_id = {email.message_id: email for email in outbox.fetch(endpoint)}
    except outbox.OutboxError as error:
        raise StepFailed(f"could not read the local outbox: {error}") from None
    for who, message_id, address in (
        ("student's score email", sent.student_message_id, student_email),
        ("trainer's summary", sent.trainer_message_id, trainer_email),
    ):
        email = by_id.get(message_id)
        if email is None:
            raise StepFailed(f"the {who} is recorded as sent but is not in the local outbox")
        if address.lower() not in (recipient.lower() for recipient in email.recipients()):
            raise StepFailed(f"the {who} went to {', '.join(email.recipients())}, not to {address}")


def http_get(url: str, timeout: float = 20) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def check_portal(base_url: str, wait_seconds: float) -> str:
    """The portal's health check answers, then its sign-in page; retried for ``wait_seconds`` (a task starting)."""
    deadline = time.monotonic() + wait_seconds
    problem = ""
    while True:
        try:
            health, _ = http_get(f"{base_url}/healthz")
            page_status, page = http_get(f"{base_url}/signin")
            if health == 200 and page_status == 200 and 'id="api_key"' in page:
                return f"{base_url} answers: health check and sign-in page"
            problem = f"health check answered {health}, sign-in page {page_status}"
        except (urllib.error.URLError, OSError) as error:
            problem = f"no answer ({getattr(error, 'reason', error)})"
        if time.monotonic() > deadline:
            raise StepFailed(f"the portal at {base_url} does not answer properly: {problem}")
        time.sleep(5)


_CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SESSION_COOKIE = "tt_session"


def _csrf(page: str, where: str) -> str:
    found = _CSRF_FIELD.search(page)
    if not found:
        raise StepFailed(f"the portal's {where} page has no form token")
    return found.group(1)


def portal_sign_in_and_out(base_url: str, api_key: str, *, secure: bool) -> str:
    """A student signs in to the portal with their key, sees their tests, signs out; then the cookie they had
    no longer signs anybody in. Behind HTTPS the session cookie must be Secure; it is always HttpOnly."""
    browser = requests.Session()
    page = browser.get(f"{base_url}/signin", timeout=20)
    form = {"csrf_token": _csrf(page.text, "sign-in"), "api_key": api_key}
    # A browser sends the page it posts from (Referrer-Policy same-origin); over HTTPS the form check needs it.
    signed_in = browser.post(
        f"{base_url}/signin", data=form, headers={"Referer": f"{base_url}/signin"}, allow_redirects=False, timeout=20
    )
    if signed_in.status_code != 302:
        raise StepFailed(f"signing in to the portal did not go through (answer {signed_in.status_code})")
    set_cookie = signed_in.headers.get("Set-Cookie", "")
    flags = {part.strip().lower() for part in set_cookie.split(";")}
    if "httponly" not in flags or (secure and "secure" not in flags):
        raise StepFailed(f"the session cookie lacks {'Secure and ' if secure else ''}HttpOnly: {set_cookie!r}")
    saved = browser.cookies.get(SESSION_COOKIE)
    tests = browser.get(f"{base_url}/tests", allow_redirects=False, timeout=20)
    if tests.status_code != 200 or "Signed in as" not in tests.text:
        raise StepFailed(f"after signing in, the portal's test list did not show (answer {tests.status_code})")
    signed_out = browser.post(
        f"{base_url}/signout",
        data={"csrf_token": _csrf(tests.text, "test list")},
        headers={"Referer": f"{base_url}/tests"},
        allow_redirects=False,
        timeout=20,
    )
    if signed_out.status_code != 302:
        raise StepFailed(f"signing out of the portal did not go through (answer {signed_out.status_code})")
    replay = requests.Session()
    replay.cookies.set(SESSION_COOKIE, saved or "")
    again = replay.get(f"{base_url}/tests", allow_redirects=False, timeout=20)
    if again.status_code != 302 or not again.headers.get("Location", "").endswith("/signin"):
        raise StepFailed("after signing out, the saved session cookie still opens the student's test list")
    return "signed in with the student's key, saw the tests, signed out; the old cookie no longer works"


def leftovers(session: Any, project: str, key_names: set[str]) -> list[str]:
    """Every stack, bucket, API key and log group of the copy that still exists (named after ``project``)."""
    found: list[str] = []
    cloudformation = session.client("cloudformation")
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        found += [
            f"stack {stack['StackName']}"
            for stack in page["Stacks"]
            if stack["StackName"].startswith(f"{project}-") and stack["StackStatus"] != "DELETE_COMPLETE"
        ]
    found += [f"bucket {b['Name']}" for b in session.client("s3").list_buckets()["Buckets"] if project in b["Name"]]
    apigateway = session.client("apigateway")
    for page in apigateway.get_paginator("get_api_keys").paginate():
        found += [
            f"API key {item['name']}"
            for item in page.get("items", [])
            if item.get("name", "").startswith(f"{project}-") or item.get("name") in key_names
        ]
    logs = session.client("logs")
    for prefix in (f"/aws/lambda/{project}-", f"/aws/apigateway/{project}-", f"/ecs/{project}-"):
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
            found += [f"log group {group['logGroupName']}" for group in page["logGroups"]]
    return found

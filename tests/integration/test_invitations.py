"""Invitations and keys against a deployed, published emulator: bin/invite-students.sh sends each student their own
key and URL once (the emails read back from the SES outbox), again only to a student whose key or URL changed, the
deploy says when invited students have another URL, bin/pull-api-config.sh --trainer and --all print what the
trainer hands out, and the student client says a removed service moved instead of "Forbidden"."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from ops.invitations import Invitation, deliver, plan, read_records
from ops.outbox import Email, fetch
from tests.integration.harness import ROOT, LocalAws, api_key
from tests.support.throwaway_aws import ThrowawayAws
from testtime.documents.class_list import Student
from testtime.mailer import Mailer

pytestmark = pytest.mark.integration

STUDENTS = ("student01", "student02", "student03")
SUBJECT = "[Test Time] How to take your tests"
MOVED = "The service address has changed or the service is gone: ask your trainer for the new set-up"


@pytest.fixture(scope="module")
def classroom(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    """Its own deployment: a key is rotated and records are rewritten here, which other modules must not see."""
    with throwaway_aws("invitations", publish=True) as aws:
        yield aws


def invite(aws: LocalAws, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return aws.run("bin/invite-students.sh", *args, check=check, timeout=300)


def invitations(aws: LocalAws, to: Iterable[str] = STUDENTS) -> list[Email]:
    """The invitations sent to these students (the class's own by default), oldest first."""
    addresses = {f"{student}@example.com" for student in to}
    return [email for email in fetch(aws.endpoint) if email.subject == SUBJECT and email.to[0] in addresses]


def record(aws: LocalAws, student_id: str) -> dict[str, Any]:
    bucket = aws.outputs()["DataBucketName"]
    return json.loads(aws.client("s3").get_object(Bucket=bucket, Key=f"invitations/{student_id}.json")["Body"].read())


def put_record(aws: LocalAws, student_id: str, value: dict[str, Any]) -> None:
    bucket = aws.outputs()["DataBucketName"]
    body = json.dumps(value).encode()
    aws.client("s3").put_object(Bucket=bucket, Key=f"invitations/{student_id}.json", Body=body)


def lines_of(stdout: str) -> dict[str, str]:
    return {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in stdout.splitlines() if ": " in line}


def test_each_student_is_invited_once_and_again_only_after_a_change(classroom: LocalAws) -> None:
    outputs = classroom.outputs()
    url, portal = outputs["ApiUrl"], f"http://127.0.0.1:{classroom.portal_port}"

    dry = invite(classroom, "--dry-run")
    assert all(lines_of(dry.stdout)[s].startswith("would send (first invitation)") for s in STUDENTS), dry.stdout
    assert "Invitations: 3 to send, 0 unchanged, 0 failed" in dry.stdout
    assert invitations(classroom) == []  # a dry run sends nothing and records nothing

    first = invite(classroom)
    said = lines_of(first.stdout)
    assert [said[s] for s in STUDENTS] == [f"sent (first invitation) to {s}@example.com" for s in STUDENTS]
    assert first.stdout.rstrip().endswith("Invitations: 3 sent, 0 unchanged, 0 failed")
    sent = invitations(classroom)
    assert sorted(email.to[0] for email in sent) == [f"{s}@example.com" for s in STUDENTS]
    for email in sent:
        student = email.to[0].split("@")[0]
        key = api_key(classroom, student)
        assert f"Your API key:  {key}" in email.text and f"Your API URL:  {url}" in email.text
        assert portal in email.text and "bin/test-time.sh" in email.text
        assert key in email.html and key not in email.subject
        # One click signs in: the key rides in the link's fragment, which no browser sends to a server.
        link = f"{portal}/signin#key={quote(key, safe='')}"
        assert link in email.text and f'href="{link}"' in email.html
        for body in (email.text, email.html):
            assert not re.search(r"\?[^\s\"'<>]*" + re.escape(quote(key, safe="")), body), "no key in a query"
        others = [api_key(classroom, other) for other in STUDENTS if other != student]
        assert not any(other in email.text for other in others)  # each student's own key only
        kept = record(classroom, student)
        assert kept["keySha256"] == hashlib.sha256(key.encode()).hexdigest()
        # The record names the portal, not the link (which holds the key).
        assert (kept["apiUrl"], kept["portalUrl"], kept["messageId"]) == (url, portal, email.message_id)
        assert key not in json.dumps(kept)

    again = invite(classroom)
    assert [lines_of(again.stdout)[s] for s in STUDENTS] == ["unchanged"] * 3
    assert "Invitations: 0 sent, 3 unchanged, 0 failed" in again.stdout
    assert len(invitations(classroom)) == 3

    # student02 was invited with an older URL (a redeploy): the deploy says so, the next run sends them only.
    put_record(classroom, "student02", {**record(classroom, "student02"), "apiUrl": "https://old.example/api"})
    redeployed = classroom.run("deploy-api-gateway.sh", timeout=900)
    assert "The service address changed: run bin/invite-students.sh to send students the new one." in (
        redeployed.stdout
    )
    assert "(1 student was sent the old one.)" in redeployed.stdout
    moved = invite(classroom)
    said = lines_of(moved.stdout)
    assert said["student02"] == "sent (new service address) to student02@example.com"
    assert said["student01"] == said["student03"] == "unchanged"
    assert [email.to for email in invitations(classroom)[3:]] == [["student02@example.com"]]
    assert "The service address changed" not in classroom.run("deploy-api-gateway.sh", timeout=900).stdout

    # student03's key is replaced (deleted, then made again by the publisher): only they get the new one.
    apigateway = classroom.client("apigateway")
    old_key = api_key(classroom, "student03")
    items = apigateway.get_api_keys(nameQuery="testtime-student03")["items"]
    item = next(i for i in items if i["name"] == "testtime-student03")
    apigateway.delete_api_key(apiKey=item["id"])
    classroom.run("update-subjects-or-students.sh", timeout=900)
    new_key = api_key(classroom, "student03")
    assert new_key != old_key
    rotated = invite(classroom)
    said = lines_of(rotated.stdout)
    assert said["student03"] == "sent (new API key) to student03@example.com"
    assert said["student01"] == said["student02"] == "unchanged"
    latest = invitations(classroom)[4:]
    assert [email.to for email in latest] == [["student03@example.com"]]
    assert f"Your API key:  {new_key}" in latest[0].text and old_key not in latest[0].text

    # An explicit --student sends again even when nothing changed.
    resent = invite(classroom, "--student", "student01")
    assert resent.stdout.splitlines()[0] == "student01: sent (sent again, as asked) to student01@example.com"
    assert "Invitations: 1 sent, 0 unchanged, 0 failed" in resent.stdout
    assert [email.to for email in invitations(classroom)[5:]] == [["student01@example.com"]]


def test_an_unknown_student_is_one_clear_line(classroom: LocalAws) -> None:
    proc = invite(classroom, "--student", "nobody42", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "unknown student 'nobody42'" in proc.stderr
    bad = invite(classroom, "--student", "../x", check=False)
    assert bad.returncode == 2 and "not a valid student id" in bad.stderr


def test_trainer_prints_the_trainer_key_and_the_trainer_page(classroom: LocalAws) -> None:
    proc = classroom.run("bin/pull-api-config.sh", "--trainer", timeout=120)
    said = lines_of(proc.stdout)
    assert said["API Endpoint URL"] == classroom.outputs()["ApiUrl"]
    assert said["API Key"] == api_key(classroom, "trainer")
    assert said["Trainer page"] == f"http://127.0.0.1:{classroom.portal_port}/results"
    both = classroom.run("bin/pull-api-config.sh", "--trainer", "--all", check=False, timeout=120)
    assert both.returncode == 2 and "--trainer" in both.stderr


def test_all_adds_name_and_url_columns_after_the_old_ones(classroom: LocalAws) -> None:
    proc = classroom.run("bin/pull-api-config.sh", "--all", timeout=120)
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0] == ["student_id", "email", "api_key", "name", "api_url", "portal_url"]
    url, portal = classroom.outputs()["ApiUrl"], f"http://127.0.0.1:{classroom.portal_port}"
    names = {"student01": "Anna Kowalska", "student02": "Piotr Nowak", "student03": "Maria Wiśniewska"}
    for student_id, email, key, name, api_url, portal_url in rows[1:]:
        assert (email, key, name) == (f"{student_id}@example.com", api_key(classroom, student_id), names[student_id])
        assert (api_url, portal_url) == (url, portal)


def client(aws: LocalAws, url: str, key: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The student's client with this URL and key, as a student runs it (no .venv, no AWS variables)."""
    config = tmp_path / "config"
    config.write_text(f"API_URL={url}\nAPI_KEY={key}\n", encoding="utf-8")
    config.chmod(0o600)
    env = aws.env(TRAININGS_CONFIG=str(config))
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    env["PATH"] = os.pathsep.join(part for part in env["PATH"].split(os.pathsep) if ".venv" not in part)
    return subprocess.run(
        [str(ROOT / "bin" / "test-time.sh"), "--list"], cwd=ROOT, env=env, text=True, capture_output=True, timeout=120
    )


def test_the_client_says_a_removed_service_moved_and_a_wrong_key_is_still_wrong(
    classroom: LocalAws, tmp_path: Path
) -> None:
    url = classroom.outputs()["ApiUrl"]  # <endpoint>/_aws/execute-api/<api id>/api
    key = api_key(classroom, "student01")
    assert client(classroom, url, key, tmp_path).returncode == 0
    gone_stage = client(classroom, url.rsplit("/", 1)[0] + "/removed", key, tmp_path)  # 403 Forbidden
    gone_api = client(classroom, url.replace(classroom.outputs()["RestApiId"], "deleted0api"), key, tmp_path)  # 404
    for gone in (gone_stage, gone_api):
        assert gone.returncode == 3, gone.stderr
        assert gone.stderr.startswith(f"test-time.sh: {MOVED}") and gone.stderr.count("\n") == 1
    wrong_key = client(classroom, url, "not-a-key-of-this-api", tmp_path)  # 403 Forbidden too, on a live stage
    assert wrong_key.returncode == 5 and "your API key was not accepted" in wrong_key.stderr


class DailyQuota:
    """The emulator's SES with ``left`` emails left today: GetSendQuota says so, and SendEmail beyond it is refused
    as SES refuses it (HTTP 400 Throttling "Daily message quota exceeded."; the emulator has no daily quota)."""

    def __init__(self, ses: Any, left: int, announced: bool = True) -> None:
        self.ses, self.left, self.announced = ses, left, announced

    def get_send_quota(self) -> dict[str, Any]:
        quota = dict(self.ses.get_send_quota())
        if self.announced:
            quota["Max24HourSend"] = quota["SentLast24Hours"] + self.left
        return quota

    def send_email(self, **kwargs: Any) -> dict[str, Any]:
        if self.left <= 0:
            error = {"Error": {"Code": "Throttling", "Message": "Daily message quota exceeded."}}
            raise ClientError(error, "SendEmail")
        self.left -= 1
        return dict(self.ses.send_email(**kwargs))


@pytest.mark.parametrize("announced", [True, False], ids=["quota-known-at-start", "quota-hit-while-sending"])
def test_the_run_stops_cleanly_at_the_daily_quota(classroom: LocalAws, announced: bool) -> None:
    """One email left today: the first student gets theirs and a record, the others are named for the next run."""
    s3 = classroom.client("s3")
    bucket = f"invitation-quota-{'known' if announced else 'hit'}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": classroom.region})
    ids = [f"quota-{'known' if announced else 'hit'}-{n}" for n in range(3)]
    students = [Student(student_id, f"{student_id}@example.com", f"Student {n}") for n, student_id in enumerate(ids)]
    keys = {student_id: f"key-of-{student_id}-000000000000" for student_id in ids}
    planned = plan(students, keys, {}, "http://api.example/api", "http://portal.example")
    mailer = Mailer(DailyQuota(classroom.client("ses"), left=1, announced=announced), "testtime@example.com")
    said: list[str] = []
    tally = deliver(
        planned, mailer, s3, bucket, "http://api.example/api", "http://portal.example", ZoneInfo("UTC"), said.append
    )
    assert (tally.sent, tally.unchanged, tally.failed) == (1, 0, 2)
    assert said[0] == f"{ids[0]}: sent (first invitation) to {ids[0]}@example.com"
    assert said[1:] == [f"{sid}: not sent: today's sending quota is used up; run again tomorrow" for sid in ids[1:]]
    sent = invitations(classroom, ids)
    assert [email.to for email in sent] == [[f"{ids[0]}@example.com"]]
    assert f"http://portal.example/signin#key={keys[ids[0]]}" in sent[0].text
    records = read_records(s3, bucket, ids)
    assert isinstance(records[ids[0]], Invitation) and records[ids[1]] is None and records[ids[2]] is None

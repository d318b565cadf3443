"""Issue 16 through the portal (Flask test client) against the real REST API on the throwaway embedded AWS: the
questions and choices in the API's own order for the student (shuffle), checkboxes for a multiple-answer question
whose ticks are stored as a list, points and partial credit shown, a second submission that replaces the first
(both versions kept), and an extended student who sees their own deadline.

Our own content: a copy of content/ plus students portalr01 and portalr02 and the subject ``portal-rich``, whose
one test is due in a week, with a three-day extension for portalr02; content/ is published back at the end."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from portal.api import ApiClient
from portal.app import create_app
from tests.integration.api_content import restore_sample_content
from tests.integration.harness import LocalAws, api_key, copy_sample_content, wait_until_listed
from testtime import layout

pytestmark = pytest.mark.integration

SUBJECT, TEST = "portal-rich", "week3"
STUDENT, EXTENDED = "portalr01", "portalr02"
QUESTIONS = [
    {
        "id": "1",
        "text": "Which protocol resolves names?",
        "choices": {"a": "DNS", "b": "ARP", "c": "NTP"},
        "answer": "a",
    },
    {
        "id": "2",
        "text": "Which ranges are private?",
        "choices": {"a": "10.0.0.0/8", "b": "8.8.8.0/24", "c": "192.168.0.0/16", "d": "1.1.1.0/24"},
        "answer": ["a", "c"],
        "partial": True,
        "points": 2,
    },
    {
        "id": "3",
        "text": "Which are transport protocols?",
        "choices": {"a": "TCP", "b": "IP", "c": "UDP"},
        "answer": ["a", "c"],
    },
]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="((?:answer|choices)\.[^"]+)" value="([^"]*)">')
FIELD = re.compile(r'<input type="(radio|checkbox)" id="q-([^"]+)-([^"]+)" name="(?:answer|choices)\.')


@dataclass(frozen=True)
class Rich:
    aws: LocalAws
    keys: dict[str, str]
    due: datetime
    extension: datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def write_content(dest: Path, due: datetime, extension: datetime) -> Path:
    copy_sample_content(dest)
    class_list = yaml.safe_load((dest / "students.yml").read_text(encoding="utf-8"))
    class_list += [{"id": sid, "name": f"Portal {sid}", "email": f"{sid}@example.com"} for sid in (STUDENT, EXTENDED)]
    (dest / "students.yml").write_text(yaml.safe_dump(class_list, allow_unicode=True), encoding="utf-8")
    document = {
        "title": "Portal, week 3",
        "due": iso(due),
        "shuffle": True,
        "resubmit": True,
        "extensions": {EXTENDED: iso(extension)},
        "questions": QUESTIONS,
    }
    (dest / "subjects" / SUBJECT).mkdir(parents=True)
    (dest / "subjects" / SUBJECT / f"{TEST}.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    return dest


@pytest.fixture(scope="module")
def rich(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rich]:
    due = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    extension = due + timedelta(days=3)
    content = write_content(tmp_path_factory.mktemp("portal-rich") / "content", due, extension)
    deployed.run("update-subjects-or-students.sh", "--content", str(content))
    keys = {sid: api_key(deployed, sid) for sid in (STUDENT, EXTENDED)}
    wait_until_listed(deployed, STUDENT, SUBJECT, TEST)
    wait_until_listed(deployed, EXTENDED, SUBJECT, TEST)
    try:
        yield Rich(deployed, keys, due, extension)
    finally:
        restore_sample_content(deployed)


def portal(rich: Rich, student: str) -> FlaskClient:
    environ = {"API_URL": rich.aws.outputs()["ApiUrl"], "PORTAL_SECRET_KEY": "rich-portal-" * 4}
    client = create_app({"TESTING": True}, environ=environ).test_client()
    token = CSRF.search(client.get("/signin").get_data(as_text=True))
    assert token
    signed_in = client.post("/signin", data={"api_key": rich.keys[student], "csrf_token": token.group(1)})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:2000]
    return client


def token(html: str) -> str:
    match = CSRF.search(html)
    assert match, html[:2000]
    return match.group(1)


def stored(rich: Rich, key: str) -> Any:
    s3 = rich.aws.client("s3")
    return json.loads(s3.get_object(Bucket=rich.aws.outputs()["DataBucketName"], Key=key)["Body"].read())


def shown(when: datetime) -> str:
    moment = when.astimezone(UTC)
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} UTC"  # the portal's words for dates (portal/words.py)


def test_the_portal_takes_a_shuffled_multiple_answer_test_and_replaces_the_submission(rich: Rich) -> None:
    client = portal(rich, STUDENT)
    page = client.get(f"/test/{SUBJECT}/{TEST}").get_data(as_text=True)
    served = ApiClient(rich.aws.outputs()["ApiUrl"]).get_test(rich.keys[STUDENT], SUBJECT, TEST)
    api_order = [(q["questionId"], c["answerId"]) for q in served["questions"] for c in q["answers"]]
    assert [(qid, cid) for _, qid, cid in FIELD.findall(page)] == api_order, "the API's order, as it is"
    kinds = {qid: kind for kind, qid, _ in FIELD.findall(page)}
    assert kinds == {"1": "radio", "2": "checkbox", "3": "checkbox"}
    assert 'Which ranges are private? <span class="points">(2 points, partial credit)</span>' in page
    assert shown(rich.due) in page and "a new submission replaces the earlier one" in page

    form = MultiDict([("csrf_token", token(page)), ("answer.1", "a"), ("choices.2", "c"), ("choices.2", "a")])
    review = client.post(f"/test/{SUBJECT}/{TEST}/review", data=form).get_data(as_text=True)
    assert "1 of 3 questions are not answered" in review
    assert "<li>a) 10.0.0.0/8</li>" in review and "<li>c) 192.168.0.0/16</li>" in review
    fields = HIDDEN.findall(review)
    first = client.post(f"/test/{SUBJECT}/{TEST}/submit", data=MultiDict([("csrf_token", token(review)), *fields]))
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert "are stored" in client.get("/submitted").get_data(as_text=True)
    version_1 = stored(rich, layout.submission_version_key(SUBJECT, TEST, STUDENT, 1))
    assert {a["questionId"]: a["answer"] for a in version_1["answers"]} == {"1": "a", "2": ["a", "c"]}

    listing = client.get("/tests").get_data(as_text=True)
    assert "Submitted on" in listing and "you may send a new version until <time datetime=" in listing
    again = MultiDict([("csrf_token", token(listing)), ("choices.3", "a"), ("choices.3", "c")])
    second = client.post(f"/test/{SUBJECT}/{TEST}/submit", data=again)
    assert second.status_code == 302, second.get_data(as_text=True)[:2000]
    assert "replaced the earlier one (this is version 2)" in client.get("/submitted").get_data(as_text=True)
    version_2 = stored(rich, layout.submission_version_key(SUBJECT, TEST, STUDENT, 2))
    assert [(a["questionId"], a["answer"]) for a in version_2["answers"]] == [("3", ["a", "c"])]
    assert stored(rich, layout.submission_version_key(SUBJECT, TEST, STUDENT, 1)) == version_1, "both kept"


def test_an_extended_student_sees_their_own_deadline(rich: Rich) -> None:
    client = portal(rich, EXTENDED)
    listing = client.get("/tests").get_data(as_text=True)
    ours = re.search(rf'<section class="subject">\s*<h2>{SUBJECT}</h2>(.*?)</section>', listing, re.DOTALL)
    assert ours, listing[:3000]
    assert shown(rich.extension) in ours.group(1) and shown(rich.due) not in ours.group(1)
    page = client.get(f"/test/{SUBJECT}/{TEST}").get_data(as_text=True)
    assert shown(rich.extension) in page and shown(rich.due) not in page

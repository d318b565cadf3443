"""The portal's history page against the real ``GET /api/v1/history`` deployed on a throwaway embedded AWS: a test
submitted and not scored yet, one scored while a classmate's extension still runs (no right answer anywhere on the
page), one scored and closed for everybody (right answers, marks and explanations), a student who sees only their
own tests, an empty history, the page in Polish, and the page at 390 px in headless chromium."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import yaml
from flask.testing import FlaskClient
from portal_support import csrf_token, gunicorn

from portal.app import create_app
from tests.integration.harness import LocalAws, api_key, copy_sample_content, wait_until_listed
from tests.integration.portal_support import PortalContent, score_now
from tests.support.browser import ARTIFACTS, chromium
from tests.support.throwaway_aws import ThrowawayAws

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SUBJECT = "history-demo"
SUBJECT_TITLE = "Historia wyników"
OPEN, CLOSED, EXTENDED = "history-open", "history-closed", "history-extended"
STUDENTS = {"hist01": "Ala Kowalska", "hist02": "Olek Nowak", "hist03": "Ewa Zielińska", "hist04": "Jan Pusty"}
# Each test its own texts, so that a right answer of one test cannot be found on the page for another reason.
QUESTIONS = {
    OPEN: [
        {"id": "1", "text": "Open: which colour?", "choices": {"a": "open-red", "b": "open-blue"}, "answer": "a"},
    ],
    CLOSED: [
        {
            "id": "1",
            "text": "Closed: which method reads?",
            "choices": {"a": "closed-GET", "b": "closed-POST"},
            "answer": "a",
            "explanation": "GET reads; POST sends.",
        },
        {"id": "2", "text": "Closed: HTTPS port?", "choices": {"a": "closed-80", "b": "closed-443"}, "answer": "b"},
    ],
    EXTENDED: [
        {
            "id": "1",
            "text": "Extended: TLS protects?",
            "choices": {"a": "ext-disk", "b": "ext-traffic"},
            "answer": "b",
            "explanation": "Extended-explanation: TLS encrypts traffic.",
        },
        {"id": "2", "text": "Extended: DNS maps?", "choices": {"a": "ext-names", "b": "ext-colours"}, "answer": "a"},
    ],
}
# hist01 takes all three (one of two right in CLOSED, both wrong in EXTENDED); hist02 takes CLOSED, both right;
# hist03 has an extension on EXTENDED and never submits (the test stays open for them); hist04 submits nothing.
ANSWERS = {
    ("hist01", OPEN): {"1": "b"},
    ("hist01", CLOSED): {"1": "a", "2": "a"},
    ("hist01", EXTENDED): {"1": "a", "2": "b"},
    ("hist02", CLOSED): {"1": "a", "2": "b"},
}


@dataclass(frozen=True)
class Classroom:
    aws: LocalAws
    api_url: str
    extension_ends: datetime


def _content(folder: Path, dues: dict[str, datetime], extension_ends: datetime) -> Path:
    copy_sample_content(folder)
    for title in (folder / "subjects").glob("*/subject.yml"):  # the copy gives every .yml a due, a title too
        title.write_text("".join(line for line in title.read_text().splitlines(True) if not line.startswith("due:")))
    students = yaml.safe_load((folder / "students.yml").read_text())
    students += [{"id": sid, "name": name, "email": f"{sid}@example.com"} for sid, name in STUDENTS.items()]
    (folder / "students.yml").write_text(yaml.safe_dump(students, sort_keys=False, allow_unicode=True))
    subject = folder / "subjects" / SUBJECT
    subject.mkdir()
    (subject / "subject.yml").write_text(yaml.safe_dump({"title": SUBJECT_TITLE}, allow_unicode=True))
    for test_id, due in dues.items():
        document: dict[str, Any] = {"title": f"Test {test_id}", "due": due.isoformat(), "questions": QUESTIONS[test_id]}
        if test_id == EXTENDED:
            document["extensions"] = {"hist03": extension_ends.isoformat()}
        (subject / f"{test_id}.yml").write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return folder


def _call(method: str, url: str, key: str, body: dict[str, Any] | None = None) -> Any:
    """The API as a student's browser would reach it through the portal, waiting out the usage plan's throttle."""
    for _ in range(30):
        response = requests.request(method, url, json=body, headers={"x-api-key": key}, timeout=60)
        if response.status_code != 429:
            assert response.ok, response.text
            return response.json()
        time.sleep(0.5)
    raise AssertionError(f"{method} {url} stayed throttled")


@pytest.fixture(scope="module")
def classroom(throwaway_aws: ThrowawayAws) -> Iterator[Classroom]:
    """Published with every test open; the students submit; published again with CLOSED's and EXTENDED's deadline
    just passed (hist03's extension a month away); then the deployed scorer runs."""
    with throwaway_aws("history") as aws:
        now = datetime.now(UTC).replace(microsecond=0)
        later, extension_ends = now + timedelta(days=30), now + timedelta(days=40)
        opened = _content(aws.workdir / "content-open", dict.fromkeys(QUESTIONS, later), extension_ends)
        aws.run("update-subjects-or-students.sh", "--content", str(opened))
        wait_until_listed(aws, "hist01", SUBJECT, CLOSED)
        api_url = aws.outputs()["ApiUrl"]
        for (student, test_id), answers in ANSWERS.items():
            body = {
                "subjectName": SUBJECT,
                "testId": test_id,
                "answers": [{"questionId": qid, "answer": answer} for qid, answer in answers.items()],
            }
            _call("POST", f"{api_url}/api/v1/test", api_key(aws, student), body)
        closes = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)  # after every submission
        dues = {OPEN: later, CLOSED: closes, EXTENDED: closes}
        aws.run(
            "update-subjects-or-students.sh",
            "--content",
            str(_content(aws.workdir / "content-closed", dues, extension_ends)),
        )
        time.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds()) + 1)
        score_now(aws, PortalContent(aws.workdir / "content-closed", closes))
        yield Classroom(aws, api_url, extension_ends)


def portal(classroom: Classroom, language: str = "en") -> FlaskClient:
    environ = {"API_URL": classroom.api_url, "PORTAL_SECRET_KEY": "history-" * 6, "CLASS_LANGUAGE": language}
    return create_app({"TESTING": True}, environ=environ).test_client()


def history_of(classroom: Classroom, student: str, language: str = "en") -> str:
    client = portal(classroom, language)
    token = csrf_token(client.get("/signin").get_data(as_text=True))
    for _ in range(30):  # the usage plan's throttle, as for _call
        signed = client.post("/signin", data={"api_key": api_key(classroom.aws, student), "csrf_token": token})
        if signed.status_code != 429:
            break
        time.sleep(0.5)
    assert signed.status_code == 302, signed.get_data(as_text=True)
    page = client.get("/history")
    assert page.status_code == 200, page.get_data(as_text=True)
    return page.get_data(as_text=True)


def section(page: str, test_id: str) -> str:
    """The part of the page about one test (each is a <section>, headed by the test's title)."""
    parts = [part for part in page.split("<section")[1:] if f">Test {test_id}</h2>" in part]
    assert len(parts) == 1, page
    return parts[0].split("</section>")[0]


def test_a_submitted_test_not_yet_scored_says_so_and_when_the_answers_come(classroom: Classroom) -> None:
    page = history_of(classroom, "hist01")
    assert "Signed in as <strong>Ala Kowalska</strong>" in page
    assert page.index(">Test history-closed<") < page.index(">Test history-open<"), "the newest submission first"
    shown = section(page, OPEN)
    assert SUBJECT_TITLE in shown and "Submitted on <time datetime=" in shown
    assert "Submitted, not scored yet" in shown and "Your score:" not in shown
    assert "Your answers and the right answers are shown after <time" in shown
    assert "when the test has closed for everybody" in shown
    assert "open-red" not in page and "open-blue" not in page, "no review before scoring"


def test_scored_while_a_classmate_may_still_submit_shows_the_score_but_no_answer(classroom: Classroom) -> None:
    page = history_of(classroom, "hist01")
    shown = section(page, EXTENDED)
    assert '<span class="badge scored">Scored</span>' in shown
    assert "0 of 2 questions right" in shown and "0%" in shown
    # Not even the student's own answers: beside the score they would give the key away.
    answers = ("ext-disk", "ext-colours", "ext-traffic", "ext-names", "Extended-explanation")
    for hidden in (*answers, "Right answer:", "✓", "✗"):
        assert hidden not in shown, hidden
    for hidden in ("ext-traffic", "ext-names", "Extended-explanation"):
        assert hidden not in page, f"{hidden} is on the page before the test closed for everybody"
    ends = f'<time datetime="{classroom.extension_ends.isoformat()}">'
    assert f"Your answers and the right answers are shown after {ends}" in shown, "when: hist03's extension ends"


def test_scored_and_closed_for_everybody_shows_right_answers_marks_and_explanations(classroom: Classroom) -> None:
    page = history_of(classroom, "hist01")
    shown = section(page, CLOSED)
    graded = _call("GET", f"{classroom.api_url}/api/v1/history", api_key(classroom.aws, "hist01"))
    score = next(test["score"] for test in graded["tests"] if test["testId"] == CLOSED)
    assert f"1 of 2 questions right · 50% · grade {score['grade']}" in shown
    first, second = shown.split("<li>")[1:3]
    assert "Closed: which method reads?" in first and "Your answer: closed-GET" in first
    assert "Right answer: closed-GET" in first and '<span aria-hidden="true">✓</span> Right' in first
    assert "Why: GET reads; POST sends." in first
    assert "Your answer: closed-80" in second and "Right answer: closed-443" in second
    assert '<span aria-hidden="true">✗</span> Wrong' in second and "Why:" not in second, "no explanation given"
    assert "the right answers are shown after" not in shown


def test_a_student_sees_only_their_own_tests(classroom: Classroom) -> None:
    page = history_of(classroom, "hist02")
    assert "Signed in as <strong>Olek Nowak</strong>" in page
    assert page.count("<section") == 1 and ">Test history-closed</h2>" in page
    assert "2 of 2 questions right · 100%" in page and "Your answer: closed-443" in page
    assert "Your answer: closed-80" not in page, "hist01's answer"


def test_a_student_who_submitted_nothing_gets_a_friendly_sentence(classroom: Classroom) -> None:
    page = history_of(classroom, "hist04")
    assert "<section" not in page
    assert 'id="history-empty">Nothing here yet: the tests you submit are listed here' in page


def test_the_history_in_polish(classroom: Classroom) -> None:
    page = history_of(classroom, "hist01", language="pl")
    assert '<html lang="pl">' in page
    for english in ("Submitted on", "Your score:", "Right answer:", "The right answers are shown", "questions right"):
        assert english not in page, english
    assert "1 z 2 pytań poprawnie · 50%" in page and "Prawidłowa odpowiedź: closed-443" in page


def test_the_page_fits_a_phone(classroom: Classroom, tmp_path: Path) -> None:
    """390 px wide (an iPhone 12 to 15) in headless chromium, through gunicorn as the container runs the portal."""

    def ready(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return bool(json.loads(answer.read()).get("status") == "ok")
        except OSError:
            return False

    api = SimpleNamespace(url=classroom.api_url)
    with gunicorn(api, tmp_path, ready) as (port, _), chromium() as browser:  # type: ignore[arg-type]
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"http://127.0.0.1:{port}/signin")
        page.fill("#api_key", api_key(classroom.aws, "hist01"))
        page.click("button[type=submit]")
        page.wait_for_url("**/tests")
        page.goto(f"http://127.0.0.1:{port}/history")
        assert page.locator("section.history-test").count() == 3
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "history-390.png"), full_page=True)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the history page scrolls sideways at 390 px: {widths}"
        context.close()

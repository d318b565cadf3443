"""Issue 14 on the portal's trainer page: per test the grade chart (CSS bars), mean, median and standard deviation,
the per-question table (facility, discrimination, choices, flags), dates in words in the portal's zone, and the
"Download gradebook (CSV)" link: one row per student of the class list, per scored test a percent and a grade
column, the student's mean, empty cells for no score, UTF-8 with a BOM. Against the fake REST API (a real HTTP
server), answering a results document that validates against openapi/testtime-api.yaml."""

from __future__ import annotations

import copy
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import portal_support
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from portal_support import STUDENT_KEY, TRAINER_KEY, FakeApi, sign_in

from portal.app import create_app

OPENAPI = Path(__file__).resolve().parents[3] / "openapi" / "testtime-api.yaml"


def _row(sid: str, name: str, correct: int, percent: float, grade: Any) -> dict[str, Any]:
    return {"studentId": sid, "name": name, "correct": correct, "questions": 3, "percent": percent, "grade": grade}


QUIZ_ANALYSIS = {
    "subject": "stats",
    "testId": "quiz01",
    "title": "Statystyka",
    "submitted": 3,
    "missing": 1,
    "mean": 55.56,
    "median": 66.67,
    "stdev": 38.49,
    "grades": {"5": 1, "4": 0, "3": 1, "2": 0, "1": 1, "0": 0},
    "questions": [
        {"id": "q1", "facility": 0.6667, "discrimination": 0.87, "choices": {"a": 2, "b": 1, "c": 0},
         "unanswered": 0, "flags": []},
        {"id": "q2", "facility": 0.0, "discrimination": None, "choices": {"a": 0, "b": 3},
         "unanswered": 0, "flags": ["few got it right (facility 0.00, under 0.2)"]},
    ],
}  # fmt: skip
RESULTS: dict[str, Any] = {
    "students": [
        {"studentId": "s1", "name": "Łukasz Łukaszewicz", "email": "lukasz@example.com"},
        {"studentId": "s2", "name": "Zoë Żółć", "email": "zoe@example.com"},
        {"studentId": "s3", "name": '=HYPERLINK("x")', "email": "s3@example.com"},
        {"studentId": "s4", "name": None, "email": "s4@example.com"},
    ],
    "tests": [
        {  # the most recent deadline first, as the route answers
            "subjectName": "stats",
            "testId": "quiz02",
            "title": "Open still",
            "deadline": "2026-12-07T22:00:00+00:00",
            "scored": False,
            "results": [],
            "submittedNotScored": ["s1"],
            "missing": ["s2", "s3", "s4"],
            "stale": False,
            "analysis": None,
        },
        {
            "subjectName": "stats",
            "testId": "quiz01",
            "title": "Statystyka",
            "deadline": "2026-11-16T22:00:00+00:00",
            "scored": True,
            "results": [
                _row("s1", "Łukasz Łukaszewicz", 3, 100.0, 5),
                _row("s2", "Zoë Żółć", 2, 66.67, 3),
                _row("s3", '=HYPERLINK("x")', 0, 0.0, 1),
            ],
            "submittedNotScored": [],
            "missing": ["s4"],
            "stale": True,
            "analysis": QUIZ_ANALYSIS,
        },
        {
            "subjectName": "history",
            "testId": "old",
            "title": "From 2019",
            "deadline": "2019-05-06T21:00:00+00:00",
            "scored": True,
            "results": [
                {
                    "studentId": "s2",
                    "name": "Zoë Żółć",
                    "correct": None,
                    "questions": None,
                    "percent": None,
                    "grade": 4,
                },
                {"studentId": "gone", "name": None, "correct": 1, "questions": 2, "percent": 50.0, "grade": 2.5},
            ],
            "submittedNotScored": [],
            "missing": ["s1", "s3", "s4"],
            "stale": False,
            "analysis": None,
        },
    ],
}


def test_the_documents_here_are_answers_the_route_may_give() -> None:
    spec = yaml.safe_load(OPENAPI.read_text())
    schema = spec["paths"]["/api/v1/results"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(RESULTS)


@pytest.fixture
def app(fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setattr(portal_support, "RESULTS", copy.deepcopy(RESULTS))  # what the fake API answers
    environ = {"API_URL": fake_api.url, "PORTAL_SECRET_KEY": "s" * 48, "PORTAL_TIMEZONE": "Europe/Warsaw"}
    return create_app({"TESTING": True}, environ=environ)


@pytest.fixture
def trainer(client: FlaskClient) -> Iterator[FlaskClient]:
    assert sign_in(client, TRAINER_KEY).status_code == 302
    yield client


def section(html: str, test_id: str) -> str:
    match = re.search(rf'<section class="result" id="result-stats-{test_id}">(.*?)</section>', html, re.S)
    assert match, f"no section of {test_id}"
    return match.group(1)


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def test_the_page_shows_the_figures_the_chart_and_the_questions(trainer: FlaskClient) -> None:
    page = trainer.get("/results")
    assert page.status_code == 200
    quiz = section(page.get_data(as_text=True), "quiz01")
    figures = text(re.search(r'<dl class="figures".*?</dl>', quiz, re.S).group(0))  # type: ignore[union-attr]
    assert figures == "Submitted 3 Missing 1 Mean 55.56 % Median 66.67 % Standard deviation 38.49 %"
    bars = re.findall(r'<tr data-grade="([^"]+)">.*?<td class="count">(\d+).*?<span class="gbar w(\d+)">', quiz, re.S)
    assert bars == [("5", "1", "100"), ("4", "0", "0"), ("3", "1", "100"), ("2", "0", "0"), ("1", "1", "100"),
                    ("0", "0", "0")]  # fmt: skip
    assert "(33 %)" in quiz  # each grade's share of the scored
    rows = re.findall(r'<tr( class="flagged")? data-question="([^"]+)">(.*?)</tr>', quiz, re.S)
    assert [(flagged, qid, text(cells)) for flagged, qid, cells in rows] == [
        ("", "q1", "1 (q1) 67 % 0.87 a 2 · b 1 · c 0 0 no"),
        (' class="flagged"', "q2", "2 (q2) 0 % – a 0 · b 3 0 few got it right (facility 0.00, under 0.2)"),
    ]
    assert 'id="stale-stats-quiz01"' in quiz and "scorer's next run scores this test again" in quiz
    assert "Łukasz Łukaszewicz" in quiz and "3 / 3" in quiz


def test_dates_are_in_words_in_the_portals_zone(trainer: FlaskClient) -> None:
    html = trainer.get("/results").get_data(as_text=True)
    assert "Monday 16 November 2026, 23:00 CET" in section(html, "quiz01")  # 22:00 UTC in Warsaw's winter
    assert "Monday 6 May 2019, 23:00 CEST" in html  # ... and in its summer


def test_a_test_without_an_analysis_or_percent_shows_what_it_has(trainer: FlaskClient) -> None:
    html = trainer.get("/results").get_data(as_text=True)
    open_still = section(html, "quiz02")
    assert 'class="figures"' not in open_still and "waiting for the scorer" in open_still
    old = re.search(r'<section class="result" id="result-history-old">(.*?)</section>', html, re.S).group(1)  # type: ignore[union-attr]
    assert "None" not in old and re.search(r"<td[^>]*></td>", old)  # the 2019 grade: no counts, no percent, no "None"


def test_the_page_links_the_gradebook(trainer: FlaskClient) -> None:
    html = trainer.get("/results").get_data(as_text=True)
    assert re.search(r'<a class="button" id="gradebook" href="/results/gradebook.csv" download>', html)
    assert "Download gradebook (CSV)" in html


def test_the_gradebook_csv(trainer: FlaskClient, fake_api: FakeApi) -> None:
    response = trainer.get("/results/gradebook.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="gradebook.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark, for Excel"
    assert "Łukaszewicz".encode() in body and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["id", "name", "email", "history/old %", "history/old grade", "stats/quiz01 %", "stats/quiz01 grade", "mean %"],
        ["s1", "Łukasz Łukaszewicz", "lukasz@example.com", "", "", "100", "5", "100"],
        ["s2", "Zoë Żółć", "zoe@example.com", "", "4", "66.67", "3", "66.67"],
        ["s3", '\'=HYPERLINK("x")', "s3@example.com", "", "", "0", "1", "0"],
        ["s4", "", "s4@example.com", "", "", "", "", ""],
        ["gone", "", "", "50", "2.5", "", "", "50"],
    ]
    # Every test in one request (no filter), with the trainer's key.
    method, path, headers = fake_api.requests[-1]
    assert (method, path, headers["x-api-key"]) == ("GET", "/api/api/v1/results", TRAINER_KEY)


def test_only_the_trainer_gets_the_gradebook(client: FlaskClient) -> None:
    assert client.get("/results/gradebook.csv").headers["Location"].endswith("/signin")
    assert sign_in(client, STUDENT_KEY).status_code == 302
    assert client.get("/results/gradebook.csv").headers["Location"].endswith("/")


def test_the_gradebook_when_the_service_cannot_answer(trainer: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.gateway_answer = (504, {"message": "Endpoint request timed out"})
    response = trainer.get("/results/gradebook.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 502 and "· Test Time</title>" in html
    assert "cannot be reached right now" in html and "Endpoint" not in html

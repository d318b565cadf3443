"""The API answers in the class's language: every sentence a person reads (the service's errors, API Gateway's own
answers rendered into the template) through the api catalog, with ``Content-Language`` saying which."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from api_support import KEYS, invoke, make_event

from testtime.handlers import get_test, history, list_tests, submit_test

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def polish(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLASS_LANGUAGE", "pl")
    monkeypatch.setenv("TRAINER_TIMEZONE", "Europe/Warsaw")


def headers_of(handler: Any, event: dict[str, Any]) -> dict[str, str]:
    return dict(handler(event, None)["headers"])


def test_english_is_the_default_and_says_so(published: Any) -> None:
    assert headers_of(list_tests.handler, make_event("POST", "/api/v1/tests"))["Content-Language"] == "en"


def test_an_unknown_key_is_refused_in_polish(published: Any, polish: None) -> None:
    status, body = invoke(history.handler, make_event("GET", "/api/v1/history", key="not-a-key"))
    assert (status, body["error"]) == (403, "forbidden")
    assert body["message"] == "Ten klucz API nie należy do żadnej osoby z listy uczestników."
    assert headers_of(history.handler, make_event("GET", "/api/v1/history", key="x"))["Content-Language"] == "pl"


def test_a_closed_test_says_when_in_polish_words_in_the_trainers_zone(published: Any, polish: None) -> None:
    query = {"subjectName": "networks", "testId": "net-old"}  # due 2026-11-16T22:00:00Z: 23:00 in Warsaw
    status, body = invoke(get_test.handler, make_event("GET", "/api/v1/test", query=query))
    assert (status, body["error"]) == (410, "test_closed")
    assert body["message"] == (
        "Test „Past due” z przedmiotu networks jest już zamknięty — termin minął: poniedziałek, 16 listopada 2026,"
        " 23:00 CET."
    )


def test_bad_bodies_and_answers_are_explained_in_polish(published: Any, polish: None) -> None:
    status, body = invoke(submit_test.handler, make_event("POST", "/api/v1/test", raw_body="[1]"))
    assert (status, body["message"]) == (400, "Treść żądania musi być obiektem JSON, a nie: tablica.")
    answers = {"subjectName": "networks", "testId": "net01", "answers": [{"questionId": "q1", "answer": "Z"}]}
    status, body = invoke(submit_test.handler, make_event("POST", "/api/v1/test", body=answers))
    assert (status, body["error"]) == (400, "invalid_answer")
    assert body["message"] == "answers[0].answer: 'Z' nie jest odpowiedzią do wyboru w pytaniu q1 (do wyboru: A, B)"
    status, body = invoke(submit_test.handler, make_event("POST", "/api/v1/test", body=answers | {"answers": []}))
    assert status == 201
    status, body = invoke(submit_test.handler, make_event("POST", "/api/v1/test", body=answers | {"answers": []}))
    assert (status, body["error"]) == (409, "already_submitted")
    assert body["message"].startswith("Test „Layers” z przedmiotu networks został już przez Ciebie wysłany")


def test_a_server_error_is_polish_too(published: Any, polish: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history.store, "submitted_tests", lambda student_id: 1 / 0)
    status, body = invoke(history.handler, make_event("GET", "/api/v1/history", key=KEYS["student02"]))
    assert (status, body["error"]) == (500, "internal_error")
    assert body["message"].startswith("Serwer nie mógł obsłużyć żądania; spróbuj ponownie później")


def _gateway_filter() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("testtime_gateway", ROOT / "filter_plugins" / "testtime_gateway.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_gateways_own_answers_come_from_the_catalog_in_each_language() -> None:
    responses = {r["type"]: r for r in _gateway_filter().gateway_responses("pl")}
    assert {
        "INVALID_API_KEY",
        "MISSING_AUTHENTICATION_TOKEN",
        "THROTTLED",
        "QUOTA_EXCEEDED",
        "REQUEST_TOO_LARGE",
    } <= set(responses)
    key = json.loads(responses["INVALID_API_KEY"]["body"])
    assert key == {
        "error": "forbidden",
        "message": "Brak klucza API albo klucz jest nieprawidłowy. Sprawdź klucz w ustawieniach lub zapytaj"
        " prowadzącego.",
    }
    assert responses["THROTTLED"]["body"].isascii() and responses["THROTTLED"]["language"] == "pl"
    english = {r["type"]: json.loads(r["body"]) for r in _gateway_filter().gateway_responses("en")}
    assert english["QUOTA_EXCEEDED"]["error"] == "quota_exceeded"
    assert "Missing Authentication Token" not in json.dumps(english) and "Forbidden" not in json.dumps(english)
    with pytest.raises(ValueError, match="no compiled api catalog"):
        _gateway_filter().gateway_responses("xx")

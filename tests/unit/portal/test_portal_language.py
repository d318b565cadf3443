"""The portal in the class's language (CLASS_LANGUAGE, Flask-Babel, portal/translations): every page's words, its
``lang``, dates in words and plural forms; an unknown language is refused at start, as a bad zone is."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from portal_support import STUDENT_KEY, FakeApi, csrf_token, sign_in

from ops.local_portal import portal_settings
from portal.app import create_app
from portal.checks import api_key_problem

ROOT = Path(__file__).resolve().parents[3]


def portal(fake_api: FakeApi, language: str | None, zone: str = "Europe/Warsaw") -> Flask:
    environ = {"API_URL": fake_api.url, "PORTAL_SECRET_KEY": "s" * 48, "PORTAL_TIMEZONE": zone}
    if language is not None:
        environ["CLASS_LANGUAGE"] = language
    return create_app({"TESTING": True}, environ=environ)


@pytest.fixture
def polish(fake_api: FakeApi) -> Flask:
    return portal(fake_api, "pl")


def test_english_is_the_default(fake_api: FakeApi) -> None:
    app = portal(fake_api, None)
    assert app.config["LANGUAGE"] == "en"
    html = app.test_client().get("/signin").get_data(as_text=True)
    assert '<html lang="en">' in html and "Your API key" in html


@pytest.mark.parametrize("language", ["xx", "de", "../pl", "pl/LC_MESSAGES"])
def test_a_language_without_a_catalog_is_refused_at_start(fake_api: FakeApi, language: str) -> None:
    with pytest.raises(RuntimeError, match="CLASS_LANGUAGE"):
        portal(fake_api, language)


def test_the_pages_in_polish(polish: Flask) -> None:
    client = polish.test_client()
    signin = client.get("/signin").get_data(as_text=True)
    assert '<html lang="pl">' in signin and "Twój klucz API" in signin and "Zaloguj się" in signin
    refused = client.post("/signin", data={"api_key": "short", "csrf_token": csrf_token(signin)})
    assert "To nie jest klucz API: jest krótszy niż 20 znaków." in refused.get_data(as_text=True)
    assert sign_in(client, STUDENT_KEY).status_code == 302
    listing = client.get("/tests").get_data(as_text=True)
    assert "Otwarte testy" in listing and "Rozwiąż test" in listing and "Zalogowano jako" in listing
    # 22:00 UTC on 30 November is 23:00 in Warsaw's winter
    assert "poniedziałek 30 listopada 2026, 23:00 CET" in listing
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Nie znaleziono strony" in missing.get_data(as_text=True)


def test_dates_in_words_in_each_language(fake_api: FakeApi) -> None:
    summer = "2027-06-14T21:00:00Z"
    expected = {"en": "Monday 14 June 2027, 23:00 CEST", "pl": "poniedziałek 14 czerwca 2027, 23:00 CEST"}
    for language, words in expected.items():
        app = portal(fake_api, language)
        with app.test_request_context():
            assert app.jinja_env.filters["in_words"](summer) == words
            assert app.jinja_env.filters["when"](summer) == words


@pytest.mark.parametrize(
    ("points", "words"),
    [(1, "1 punkt"), (2, "2 punkty"), (4, "4 punkty"), (5, "5 punktów"), (12, "12 punktów"), (22, "22 punkty"),
     (1.5, "1,5 punktu")],
)  # fmt: skip
def test_points_take_the_polish_plural_forms(polish: Flask, points: float, words: str) -> None:
    with polish.test_request_context():
        assert polish.jinja_env.filters["worth"]({"points": points}) == words
        assert polish.jinja_env.filters["worth"]({"points": points, "partial": True}) == f"{words}, punkty częściowe"


def test_the_portals_own_messages_follow_the_language(polish: Flask) -> None:
    with polish.test_request_context():
        assert api_key_problem("") == "Wpisz swój klucz API."
    assert api_key_problem("") == "Enter your API key.", "outside a request: the source language"


@pytest.mark.parametrize("typed", ["PL", " pl ", "Pl\n"])
def test_the_language_is_taken_as_ops_deployment_takes_it(fake_api: FakeApi, typed: str) -> None:
    app = portal(fake_api, typed)
    assert app.config["LANGUAGE"] == "pl"
    assert '<html lang="pl">' in app.test_client().get("/signin").get_data(as_text=True)


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_language_is_english(fake_api: FakeApi, blank: str) -> None:
    assert portal(fake_api, blank).config["LANGUAGE"] == "en"


@pytest.mark.parametrize(
    ("group_vars", "environment", "expected"),
    [
        ('language: "PL"\n', None, "pl"),
        ("language: pl\n", " PL ", "pl"),
        ("trainer_timezone: UTC\n", None, "en"),
        ("language: pl\n", "EN", "en"),
    ],
)
def test_the_local_portal_gets_a_lowercase_language(
    tmp_path: Path, group_vars: str, environment: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bin/portal.sh's language (ops.local_portal.portal_settings): group_vars/all.yml's, CLASS_LANGUAGE winning."""
    settings = tmp_path / "all.yml"
    settings.write_text(group_vars)
    if environment is not None:
        monkeypatch.setenv("CLASS_LANGUAGE", environment)
    assert portal_settings(settings)[1] == expected

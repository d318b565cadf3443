"""testtime.i18n: the class's language from CLASS_LANGUAGE, translated at call time, English without a catalog;
and the dates in words that every part shows (testtime.deadlines)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from testtime import deadlines, i18n

WARSAW = ZoneInfo("Europe/Warsaw")
SUMMER = datetime(2027, 6, 14, 21, 0, tzinfo=UTC)
WINTER = datetime(2027, 1, 4, 22, 0, tzinfo=UTC)


def test_english_is_the_default_and_an_unknown_language_falls_back_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLASS_LANGUAGE", raising=False)
    assert i18n.class_language() == "en"
    monkeypatch.setenv("CLASS_LANGUAGE", "xx")
    assert i18n.class_language() == "en"
    monkeypatch.setenv("CLASS_LANGUAGE", " PL ")
    assert i18n.class_language() == "pl"


def test_polish_is_shipped() -> None:
    assert i18n.available_languages() == ("en", "pl")


def test_dates_in_words_in_each_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLASS_LANGUAGE", raising=False)
    assert deadlines.describe(SUMMER, WARSAW) == "Monday 14 June 2027, 23:00 CEST"
    assert deadlines.describe(WINTER, WARSAW) == "Monday 4 January 2027, 23:00 CET"
    with i18n.use_language("pl"):
        assert deadlines.describe(SUMMER, WARSAW) == "poniedziałek, 14 czerwca 2027, 23:00 CEST"
        assert deadlines.describe_date(WINTER, WARSAW) == "poniedziałek, 4 stycznia 2027"
    monkeypatch.setenv("CLASS_LANGUAGE", "pl")  # what a function gets from the template
    assert deadlines.describe_date(datetime(2027, 3, 3, 12, tzinfo=UTC), WARSAW) == "środa, 3 marca 2027"


def test_every_weekday_and_month_has_a_polish_word() -> None:
    with i18n.use_language("pl"):
        days = {deadlines.describe_date(datetime(2027, 3, day, 12, tzinfo=UTC), WARSAW).split(",")[0] for day in
                range(1, 8)}  # fmt: skip
        months = {deadlines.describe_date(datetime(2027, month, 1, 12, tzinfo=UTC), WARSAW).split()[2] for month in
                  range(1, 13)}  # fmt: skip
    assert len(days) == 7 and len(months) == 12
    assert "października" in months and "niedziela" in days

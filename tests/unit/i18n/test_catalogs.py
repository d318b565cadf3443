"""ops/catalogs.py on a domain of its own in a temporary folder: it finds every kind of problem it promises to,
and the project's own catalogs have none (the gate of issue 15: a text without its translation fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from ops import catalogs

SOURCE = """
from testtime.i18n import MAIL
_ = MAIL.gettext
_n = MAIL.ngettext
_p = MAIL.pgettext


def texts(n: int, name: str) -> list[str]:
    return [
        _("Hello {name}", name=name),
        _n("{n} question", "{n} questions", n),
        _p("weekday", "Monday"),
    ]
"""
POLISH = {
    "Hello {name}": "Dzień dobry, {name}",
    ("{n} question", "{n} questions"): ("{n} pytanie", "{n} pytania", "{n} pytań"),
    "Monday": "poniedziałek",
}


@pytest.fixture
def domain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> catalogs.Domain:
    source = tmp_path / "speaking.py"
    source.write_text(SOURCE, encoding="utf-8")
    monkeypatch.setattr(catalogs, "ROOT", tmp_path)
    return catalogs.Domain("mail", tmp_path / "locale", lambda: [source])


def _translate(domain: catalogs.Domain, texts: dict[object, object]) -> None:
    path = domain.po_path("pl")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="pl")
    for message in catalog:
        if message.id in texts:
            message.string = texts[message.id]
    with path.open("wb") as handle:
        write_po(handle, catalog)


def test_a_new_text_is_reported_until_translated_and_compiled(domain: catalogs.Domain) -> None:
    catalogs.update(domain, ["pl"])
    problems = catalogs.check([domain])
    assert sum("has no translation" in problem for problem in problems) == 3
    _translate(domain, POLISH)
    assert any(".mo is missing" in problem for problem in catalogs.check([domain]))
    catalogs.compile_domain(domain)
    assert catalogs.check([domain]) == []


def test_the_compiled_catalog_speaks_polish_with_three_plural_forms(domain: catalogs.Domain) -> None:
    import gettext

    catalogs.update(domain, ["pl"])
    _translate(domain, POLISH)
    catalogs.compile_domain(domain)
    polish = gettext.translation("mail", domain.locale_dir, languages=["pl"])
    forms = [polish.ngettext("{n} question", "{n} questions", n).format(n=n) for n in (1, 3, 5, 22, 25)]
    assert forms == ["1 pytanie", "3 pytania", "5 pytań", "22 pytania", "25 pytań"]
    assert polish.pgettext("weekday", "Monday") == "poniedziałek"


def test_a_translation_that_loses_or_invents_a_placeholder_is_refused(domain: catalogs.Domain) -> None:
    catalogs.update(domain, ["pl"])
    _translate(domain, {**POLISH, "Hello {name}": "Dzień dobry, {imie}"})
    catalogs.compile_domain(domain)
    problems = catalogs.check([domain])
    assert len(problems) == 1 and "placeholders" in problems[0] and "Hello {name}" in problems[0]


def test_fuzzy_unused_and_stale_catalogs_are_each_refused(domain: catalogs.Domain, tmp_path: Path) -> None:
    catalogs.update(domain, ["pl"])
    _translate(domain, POLISH)
    catalogs.compile_domain(domain)
    path = domain.po_path("pl")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="pl")
    catalog.get("Monday", "weekday").flags.add("fuzzy")
    catalog.add("Goodbye", "Do widzenia")
    with path.open("wb") as handle:
        write_po(handle, catalog)
    problems = catalogs.check([domain])
    assert any("fuzzy" in problem for problem in problems)
    assert any("'Goodbye' is used nowhere" in problem for problem in problems)
    assert any(".mo is missing or older" in problem for problem in problems)
    catalogs.update(domain)  # drops the unused text, keeps the translations
    with path.open("rb") as handle:
        kept = read_po(handle, locale="pl")
    assert kept.get("Goodbye") is None and kept.get("Hello {name}").string == "Dzień dobry, {name}"


def test_every_text_of_the_project_is_translated_into_every_shipped_language() -> None:
    problems = catalogs.check()
    assert not problems, "\n".join(problems)


def test_every_part_ships_the_same_languages() -> None:
    shipped = {name: tuple(domain.languages()) for name, domain in catalogs.DOMAINS.items()}
    assert set(shipped.values()) == {("pl",)}, shipped

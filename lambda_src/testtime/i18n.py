"""What people read, in the class's language: the standard library's gettext over the catalogs in ``locale/``.

The class's language is ``language`` in group_vars/all.yml; the deploy gives it to every function as
``CLASS_LANGUAGE`` (not ``LANGUAGE``, which gettext itself reads). English is the source language: its texts are
the message ids, so it needs no catalog. Another language is a folder ``locale/<code>/LC_MESSAGES/`` with one
``.po`` file per domain (and its compiled ``.mo``, see ``ops/catalogs.py``): a third language is files, not code.

Each module that people read takes the domain of its part, one per module::

    from testtime.i18n import MAIL
    _ = MAIL.gettext                       # _("Your score for {test}", test=title)
    ngettext = MAIL.ngettext               # ngettext("{n} point", "{n} points", n)

``api`` is what the API answers, ``mail`` every email, ``dates`` the words of dates and times. Placeholders are
``str.format`` names, filled after translation, so a translation may put them in another order.
"""

from __future__ import annotations

import functools
import gettext as stdlib_gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_LANGUAGE = "en"
LANGUAGE_VARIABLE = "CLASS_LANGUAGE"
LOCALE_DIR = Path(__file__).with_name("locale")

_chosen: list[str] = []  # use_language()'s stack; empty: the environment's language


@functools.cache
def available_languages(locale_dir: Path = LOCALE_DIR) -> tuple[str, ...]:
    """English and every language with a compiled catalog in ``locale_dir``. Looked up once per process:
    ``class_language()`` asks for every text, and the catalogs shipped with the code do not change while it runs."""
    found = {path.parent.parent.name for path in locale_dir.glob("*/LC_MESSAGES/*.mo")}
    return (DEFAULT_LANGUAGE, *sorted(found - {DEFAULT_LANGUAGE}))


def class_language() -> str:
    """The language texts are given in now: ``use_language``'s, else ``CLASS_LANGUAGE``'s, else English. A code
    without a catalog falls back to English (the deploy refuses one, see ops/deployment.py)."""
    if _chosen:
        return _chosen[-1]
    wanted = (os.environ.get(LANGUAGE_VARIABLE) or "").strip().lower()
    return wanted if wanted in available_languages() else DEFAULT_LANGUAGE


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Texts in ``language`` inside the block (the trainer's tools read it from the settings; tests switch)."""
    _chosen.append(language)
    try:
        yield
    finally:
        _chosen.pop()


@functools.cache
def translations(domain: str, language: str, locale_dir: Path = LOCALE_DIR) -> stdlib_gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return stdlib_gettext.NullTranslations()
    return stdlib_gettext.translation(domain, locale_dir, languages=[language], fallback=True)


class Messages:
    """The texts of one gettext domain, translated at the moment they are asked for."""

    def __init__(self, domain: str, locale_dir: Path = LOCALE_DIR) -> None:
        self.domain = domain
        self.locale_dir = locale_dir

    def _catalog(self) -> stdlib_gettext.NullTranslations:
        return translations(self.domain, class_language(), self.locale_dir)

    def gettext(self, message: str, /, **values: Any) -> str:
        text = self._catalog().gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """The form for ``n`` (Polish has three); ``{n}`` in the text is the number."""
        return self._catalog().ngettext(singular, plural, n).format(n=n, **values)

    def pgettext(self, context: str, message: str, /, **values: Any) -> str:
        """A text whose translation depends on where it stands (a month's name alone or in a date)."""
        text = self._catalog().pgettext(context, message)
        return text.format(**values) if values else text


API = Messages("api")
MAIL = Messages("mail")
DATES = Messages("dates")

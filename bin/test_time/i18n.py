"""The client's texts in the class's language: the standard library's gettext over ``locale/`` (domain "client").

The same shape as the service's ``testtime.i18n.Messages`` (the client ships without the service): English is the
source, its texts are the message ids; ``{name}`` placeholders are filled after translation. The language is the
config's ``LANGUAGE``, else the ``Content-Language`` of the API's first answer that has one, else English.
"""

from __future__ import annotations

import functools
import gettext as stdlib_gettext
import re
from pathlib import Path
from typing import Any, List  # noqa: UP035 (Python 3.8)

DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "client"
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")

# [language, where it came from]: "config" wins over "api", which is heard once and kept for the run.
_state: List[str] = [DEFAULT_LANGUAGE, ""]  # noqa: UP006


def available_languages(locale_dir: Path = LOCALE_DIR) -> tuple[str, ...]:
    found = {path.parent.parent.name for path in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return (DEFAULT_LANGUAGE, *sorted(found - {DEFAULT_LANGUAGE}))


def supported(code: str) -> str | None:
    """The catalog's language for ``code`` ('pl', 'pl-PL', 'PL' -> 'pl'), or None when the client has none."""
    text = code.strip()
    if not LANGUAGE_CODE.fullmatch(text):
        return None
    primary = re.split(r"[-_]", text)[0].lower()
    return primary if primary in available_languages() else None


def current_language() -> str:
    return _state[0]


def set_language(code: str, source: str = "config") -> None:
    """``source`` "config": the student's setting; "api": a Content-Language heard, kept unless the config chose."""
    language = supported(code)
    if language is None or (source == "api" and _state[1]):
        return
    _state[0], _state[1] = language, source


def reset_language() -> None:
    _state[0], _state[1] = DEFAULT_LANGUAGE, ""


@functools.lru_cache(maxsize=None)  # noqa: UP033 (functools.cache needs Python 3.9)
def translations(language: str, locale_dir: Path = LOCALE_DIR) -> stdlib_gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return stdlib_gettext.NullTranslations()
    return stdlib_gettext.translation(DOMAIN, str(locale_dir), languages=[language], fallback=True)


class Messages:
    """The texts of the client's domain, translated at the moment they are asked for."""

    def __init__(self, locale_dir: Path = LOCALE_DIR) -> None:
        self.locale_dir = locale_dir

    def _catalog(self) -> stdlib_gettext.NullTranslations:
        return translations(current_language(), self.locale_dir)

    def gettext(self, message: str, /, **values: Any) -> str:
        text = self._catalog().gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """The form for ``n`` (Polish has three); ``{n}`` in the text is the number."""
        return self._catalog().ngettext(singular, plural, n).format(n=n, **values)

    def pgettext(self, context: str, message: str, /, **values: Any) -> str:
        text = self._catalog().pgettext(context, message)
        return text.format(**values) if values else text


CLIENT = Messages()

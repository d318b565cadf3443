"""The portal's words in the class's language (Flask-Babel, catalog portal/translations/<code>/messages.po).

``_`` and ``_n`` fill ``{name}`` placeholders with ``str.format`` AFTER translation, as ``testtime.i18n`` does, so
that every catalog of the service has one placeholder style (``ops.catalogs check`` compares them). Call them at
request time only: a module-level text would be translated once, in no language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import format_datetime, get_translations

from portal.trainer_report import instant


def _(message: str, **values: Any) -> str:
    text = get_translations().gettext(message)
    return text.format(**values) if values else text


def _n(singular: str, plural: str, n: int, **values: Any) -> str:
    """The plural form for ``n`` (Polish has three: 1 punkt, 2 punkty, 5 punktów); ``{n}`` is the number."""
    return get_translations().ngettext(singular, plural, n).format(n=n, **values)


def _p(context: str, message: str, **values: Any) -> str:
    text = get_translations().pgettext(context, message)
    return text.format(**values) if values else text


def in_words(value: Any) -> str:
    """An instant in words in the display zone and the class's language: "Monday 14 June 2027, 23:00 CEST",
    "poniedziałek 14 czerwca 2027, 23:00 CEST" (the abbreviation says whether summer time applies); anything that
    is not an instant as it came."""
    moment = instant(value)
    if moment is None:
        return "" if value is None else str(value)
    local = moment.astimezone(current_app.config["DISPLAY_ZONE"])
    # The pattern is the translator's (CLDR date fields: a language may want another order or a comma).
    pattern = _p("date pattern", "EEEE d MMMM y, HH:mm")
    return f"{format_datetime(local, pattern, rebase=False)} {local.tzname()}"


def number(value: Any) -> str:
    """A JSON number as a person writes it (``5``, not ``5.0``; ``3.5``, ``3,5`` in Polish); empty otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    text = str(int(value)) if float(value).is_integer() else str(value)
    return text.replace(".", _p("decimal separator", "."))


def worth(question: Any) -> str:
    """What a question is worth, when the API says: "2 points", "1.5 points, partial credit"; else empty."""
    if not isinstance(question, Mapping):
        return ""
    points, words = question.get("points"), []
    shown = number(points)
    if shown and points > 0:
        if float(points).is_integer():
            words.append(_n("{n} point", "{n} points", int(points)))
        else:  # a fraction takes its own form in Polish ("1,5 punktu"), not one of the three of a whole number
            words.append(_p("a fraction of points", "{points} points", points=shown))
    if question.get("partial") is True:
        words.append(_("partial credit"))
    return ", ".join(words)

"""The ``due`` field: ISO 8601 with an offset, a YAML timestamp, or a local time followed by an IANA zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ops.i18n import TRAINER

_ = TRAINER.gettext

# "2026-11-30T23:00 Europe/Warsaw" or "2026-11-30T23:00[Europe/Warsaw]" (RFC 9557 style).
_WITH_ZONE = re.compile(r"(?P<local>.+?)(?:\s+|\[)(?P<zone>[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*)\]?")
# YAML timestamps may put blanks before the offset ("2026-11-30 23:00:00 +01:00"); ISO 8601 does not.
_BLANKS_BEFORE_OFFSET = re.compile(r"\s+(?=(?:Z|[+-]\d{2}(?::?\d{2})?)$)")


def parse_due(text: str) -> datetime:
    """An aware datetime; ValueError with a sentence for the trainer when ``text`` is not one."""
    text = text.strip()
    zoned = _WITH_ZONE.fullmatch(text)
    if zoned and zoned["zone"] not in ("Z", "z"):
        local = _iso(zoned["local"], text)
        try:
            zone = ZoneInfo(zoned["zone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                _("unknown time zone {zone} in {text}", zone=repr(zoned["zone"]), text=repr(text))
            ) from None
        return local if local.tzinfo else local.replace(tzinfo=zone)
    moment = _iso(_BLANKS_BEFORE_OFFSET.sub("", text), text)
    if moment.tzinfo is None:
        raise ValueError(_("{text} has no UTC offset or time zone", text=repr(text)))
    return moment


def _iso(candidate: str, original: str) -> datetime:
    try:
        return datetime.fromisoformat(candidate.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(_("{text} is not an ISO 8601 date-time", text=repr(original))) from None

"""Deadlines: parsing ISO 8601 instants and the default deadline, Monday 23:00 in the trainer's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from testtime.i18n import DATES

_ = DATES.gettext
_p = DATES.pgettext

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_TIME = time(23, 0)


def parse_instant(value: str) -> datetime:
    """An aware datetime from ISO 8601 text with an offset (``Z`` accepted); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string")
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset or zone")
    return parsed


def to_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with seconds precision, e.g. ``2026-11-23T22:00:00+00:00``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def default_deadline(
    published: datetime, tz_name: str, weekday: int = DEFAULT_WEEKDAY, at: time = DEFAULT_TIME
) -> datetime:
    """The first ``weekday`` at ``at`` local time in ``tz_name`` strictly after ``published``.

    Local wall-clock time is kept whatever the UTC offset of that day (winter and summer time both right).
    """
    tz = ZoneInfo(tz_name)
    local = published.astimezone(tz)
    days_ahead = (weekday - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days_ahead), at, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=days_ahead + 7), at, tzinfo=tz)
    return candidate


def utc_now() -> datetime:
    """The current instant; the one clock of the API handlers, so tests can monkeypatch it."""
    return datetime.now(UTC)


def _weekday(number: int) -> str:
    """Monday is 0, as ``datetime.weekday()``. In the class's language through gettext, not the process's locale
    (Lambda's and the container's C locale would print English)."""
    names = (
        _p("weekday", "Monday"), _p("weekday", "Tuesday"), _p("weekday", "Wednesday"), _p("weekday", "Thursday"),
        _p("weekday", "Friday"), _p("weekday", "Saturday"), _p("weekday", "Sunday"),
    )  # fmt: skip
    return names[number]


def _month(number: int) -> str:
    """A month's name as it stands in a date ("14 June"; Polish "14 czerwca", the genitive)."""
    names = (
        _p("month in a date", "January"), _p("month in a date", "February"), _p("month in a date", "March"),
        _p("month in a date", "April"), _p("month in a date", "May"), _p("month in a date", "June"),
        _p("month in a date", "July"), _p("month in a date", "August"), _p("month in a date", "September"),
        _p("month in a date", "October"), _p("month in a date", "November"), _p("month in a date", "December"),
    )  # fmt: skip
    return names[number - 1]


def describe_date(moment: datetime, zone: ZoneInfo) -> str:
    """The day of ``moment`` in ``zone`` in words, e.g. "Monday 14 June 2027"."""
    local = moment.astimezone(zone)
    return _(
        "{weekday} {day} {month} {year}",
        weekday=_weekday(local.weekday()),
        day=local.day,
        month=_month(local.month),
        year=local.year,
    )


def describe(moment: datetime, zone: ZoneInfo) -> str:
    """``moment`` in ``zone`` in words, e.g. "Monday 14 June 2027, 23:00 CEST" (the zone's abbreviation says
    whether summer time applies)."""
    local = moment.astimezone(zone)
    return _(
        "{date}, {time} {zone}", date=describe_date(moment, zone), time=local.strftime("%H:%M"), zone=local.tzname()
    )

"""Dates in words in the class's language (the weekday and month names are the client's own texts, not the
machine's locale): a deadline, and how long until it closes."""

from __future__ import annotations

from datetime import datetime, timezone

from .i18n import CLIENT

_ = CLIENT.gettext
_n = CLIENT.ngettext
_p = CLIENT.pgettext

UTC = timezone.utc  # noqa: UP017 (datetime.UTC needs Python 3.11; students may have an older python3)


def parse_instant(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        moment.astimezone()  # year 1 or 9999 with an offset cannot be shown in local time
    except (ValueError, OverflowError, OSError):
        return None
    return moment


def _weekday(number: int) -> str:
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


def local_time(moment: datetime, seconds: bool = False) -> str:
    """``moment`` on this machine's clock in words: "Monday 14 June 2027, 23:00 CEST"."""
    local = moment.astimezone()
    date = _(
        "{weekday} {day} {month} {year}",
        weekday=_weekday(local.weekday()),
        day=local.day,
        month=_month(local.month),
        year=local.year,
    )
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return _("{date}, {time} {zone}", date=date, time=clock, zone=local.tzname() or "").rstrip()


def closes_in(deadline: datetime, now: datetime) -> str:
    """'closes in 2 days', 'closes in 1 day 5 hours', 'closes in 5 hours', 'closes in 3 minutes'."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return _("closed")
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days >= 2 or (days == 1 and not hours):
        return _n("closes in {n} day", "closes in {n} days", days)
    if days == 1:
        return _n("closes in 1 day {n} hour", "closes in 1 day {n} hours", hours)
    if hours >= 2 or (hours == 1 and not minutes):
        return _n("closes in {n} hour", "closes in {n} hours", hours)
    if hours == 1:
        return _n("closes in 1 hour {n} minute", "closes in 1 hour {n} minutes", minutes)
    if minutes >= 1:
        return _n("closes in {n} minute", "closes in {n} minutes", minutes)
    return _("closes in less than a minute")


def describe_deadline(text: str) -> str:
    deadline = parse_instant(text)
    if deadline is None:
        return _("deadline {deadline}", deadline=text)
    return _("deadline {when}, {left}", when=local_time(deadline), left=closes_in(deadline, datetime.now(UTC)))


def when_text(text: object) -> str:
    """An ISO instant from the API in words, or the text as it came when it is not one."""
    moment = parse_instant(str(text or ""))
    return local_time(moment) if moment else str(text or "?")

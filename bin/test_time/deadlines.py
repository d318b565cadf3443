"""A deadline in words: the local time and how long until it closes."""

from __future__ import annotations

from datetime import datetime, timezone

UTC = timezone.utc  # noqa: UP017 (datetime.UTC needs Python 3.11; students may have an older python3)


def parse_instant(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        moment.astimezone()  # year 1 or 9999 with an offset cannot be shown in local time
    except (ValueError, OverflowError, OSError):
        return None
    return moment


def unit(count: int, name: str) -> str:
    return f"{count} {name}{'' if count == 1 else 's'}"


def closes_in(deadline: datetime, now: datetime) -> str:
    """'closes in 2 days', 'closes in 1 day 5 hours', 'closes in 5 hours', 'closes in 3 minutes'."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "closed"
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days >= 2:
        return f"closes in {unit(days, 'day')}"
    if days == 1:
        return "closes in 1 day" + (f" {unit(hours, 'hour')}" if hours else "")
    if hours >= 2:
        return f"closes in {unit(hours, 'hour')}"
    if hours == 1:
        return "closes in 1 hour" + (f" {unit(minutes, 'minute')}" if minutes else "")
    if minutes >= 1:
        return f"closes in {unit(minutes, 'minute')}"
    return "closes in less than a minute"


def local_time(moment: datetime, seconds: bool = False) -> str:
    return moment.astimezone().strftime("%a %d %b %Y %H:%M" + (":%S" if seconds else "") + " %Z")


def describe_deadline(text: str) -> str:
    deadline = parse_instant(text)
    if deadline is None:
        return f"deadline {text}"
    return f"deadline {local_time(deadline)}, {closes_in(deadline, datetime.now(UTC))}"

"""When an EventBridge Scheduler expression fires next, in its time zone. Pure (no I/O).

The three forms of EventBridge Scheduler (User Guide, "Schedule types in EventBridge Scheduler";
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):

* ``cron(minutes hours day-of-month month day-of-week year)``, six fields (EventBridge, "Cron expressions
  reference"): minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT
  (1 is Sunday, not Monday as in Python), year 1970-2199; ``,`` lists, ``-`` ranges, ``*`` all, ``/`` steps
  (``0/15``: from 0 every 15), and ``?`` in exactly one of the two day fields. ``L``, ``W`` and ``#`` are valid
  AWS but not computed here: :func:`next_run` answers None for them.
* ``rate(N minutes|hours|days)``: counted from when the schedule was created, which the expression does not say:
  :func:`next_run` answers None, :func:`rate_interval` gives the period.
* ``at(yyyy-mm-ddThh:mm:ss)``: once, at that wall-clock time.

Daylight saving time (same page, "Daylight saving time on EventBridge Scheduler", and AWS re:Post "adjust an
EventBridge schedule for DST"): a cron time that does not exist on the day the clocks go forward is skipped, and
a time that happens twice when they go back fires once (here: the first of the two).
"""

from __future__ import annotations

import calendar
import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from testtime.i18n import MAIL

_ = MAIL.gettext  # what the trainer's tools say of a schedule setting they cannot use, in the class's language
_p = MAIL.pgettext

MONTHS = {
    name: n
    for n, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
    )
}
WEEKDAYS = {name: n for n, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
FIRST_YEAR, LAST_YEAR = 1970, 2199
_FORM = re.compile(r"^\s*(cron|rate|at)\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_RATE = re.compile(r"^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$", re.IGNORECASE)
_UNIT = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


class Unpredictable(Exception):
    """A valid (or possibly valid) expression whose next run this module does not compute: ``L``, ``W``, ``#``,
    and a range that wraps around (``FRI-MON``)."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 1, 7, WEEKDAYS),
    _Field("year", FIRST_YEAR, LAST_YEAR),
)


@dataclass(frozen=True)
class Cron:
    """The values each field allows; ``None`` for a day field written ``?``."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int] | None
    months: tuple[int, ...]
    weekdays: frozenset[int] | None  # 1 = Sunday .. 7 = Saturday
    years: tuple[int, ...]

    def day_matches(self, day: date) -> bool:
        if self.days is not None:
            return day.day in self.days
        assert self.weekdays is not None
        return (day.weekday() + 1) % 7 + 1 in self.weekdays  # Python's Monday 0 -> AWS's 2


def _named(field: _Field) -> str:
    """A cron field's name in the class's language, for the messages."""
    names = {
        "minutes": _p("cron field", "minutes"),
        "hours": _p("cron field", "hours"),
        "day-of-month": _p("cron field", "day-of-month"),
        "month": _p("cron field", "month"),
        "day-of-week": _p("cron field", "day-of-week"),
        "year": _p("cron field", "year"),
    }
    return names[field.name]


def _value(text: str, field: _Field) -> int:
    upper = text.upper()
    if field.names and upper in field.names:
        return field.names[upper]
    if not text.isdigit():
        if field.names:
            raise ValueError(_("{field}: {text} is not a number or a name", field=_named(field), text=repr(text)))
        raise ValueError(_("{field}: {text} is not a number", field=_named(field), text=repr(text)))
    value = int(text)
    if not field.low <= value <= field.high:
        bounds = {"low": field.low, "high": field.high}
        raise ValueError(_("{field}: {value} is outside {low}-{high}", field=_named(field), value=value, **bounds))
    return value


def _part(part: str, field: _Field) -> set[int]:
    for token in re.split(r"[-/]", part.upper()):
        named = field.names is not None and token in field.names
        if not named and any(mark in token for mark in "LW#") and field.name.startswith("day-of"):
            unread = _("{field}: {part} (L, W and # are not computed)", field=_named(field), part=repr(part))
            raise Unpredictable(unread)
    base, _slash, step_text = part.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) < 1:
            raise ValueError(
                _("{field}: the step in {part} is not a positive number", field=_named(field), part=repr(part))
            )
        step = int(step_text)
    if base == "*":
        low, high = field.low, field.high
    elif "-" in base:
        first, _dash, last = base.partition("-")
        low, high = _value(first, field), _value(last, field)
        if low > high:
            # Quartz, whose syntax AWS's follows, wraps such a range around (FRI-MON); AWS does not document it.
            raise Unpredictable(_("{field}: the range {range} wraps around", field=_named(field), range=repr(base)))
    else:
        low = _value(base, field)
        high = field.high if step_text else low  # "5/15": from 5 to the end of the field, every 15
    return set(range(low, high + 1, step))


def _values(text: str, field: _Field) -> set[int]:
    if not text:
        raise ValueError(_("{field} is empty", field=_named(field)))
    found: set[int] = set()
    for part in text.split(","):
        found |= _part(part.strip(), field)
    return found


def parse_cron(fields_text: str) -> Cron:
    """The fields of ``cron(...)``; ValueError when it is not a valid AWS cron, Unpredictable for L, W, #."""
    fields = fields_text.split()
    if len(fields) != len(_FIELDS):
        raise ValueError(
            _(
                "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not {n}",
                n=len(fields),
            )
        )
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ValueError(_("exactly one of day-of-month and day-of-week must be ?"))
    for text, field in ((minutes, _FIELDS[0]), (hours, _FIELDS[1]), (month, _FIELDS[3]), (year, _FIELDS[5])):
        if "?" in text:
            raise ValueError(_("{field}: ? is allowed only in a day field", field=_named(field)))
    return Cron(
        minutes=tuple(sorted(_values(minutes, _FIELDS[0]))),
        hours=tuple(sorted(_values(hours, _FIELDS[1]))),
        days=None if dom == "?" else frozenset(_values(dom, _FIELDS[2])),
        months=tuple(sorted(_values(month, _FIELDS[3]))),
        weekdays=None if dow == "?" else frozenset(_values(dow, _FIELDS[4])),
        years=tuple(sorted(_values(year, _FIELDS[5]))),
    )


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time happens in ``zone`` (not in the hour skipped when clocks go forward)."""
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def _cron_next(cron: Cron, zone: ZoneInfo, after: datetime) -> datetime | None:
    start = after.astimezone(zone)
    for year in cron.years:
        if year < start.year:
            continue
        for month in cron.months:
            if (year, month) < (start.year, start.month):
                continue
            for day_number in range(1, calendar.monthrange(year, month)[1] + 1):
                day = date(year, month, day_number)
                if day < start.date() - timedelta(days=1) or not cron.day_matches(day):
                    continue
                for hour in cron.hours:
                    for minute in cron.minutes:
                        # fold=0: of a time that happens twice (clocks back), the first; it fires once.
                        local = datetime(year, month, day_number, hour, minute, tzinfo=zone, fold=0)
                        if _exists(local, zone) and local.astimezone(UTC) > after.astimezone(UTC):
                            return local
    return None


def _form(expression: str) -> tuple[str, str]:
    match = _FORM.match(expression or "")
    if not match:
        raise ValueError(_("{expression} is not cron(...), rate(...) or at(...)", expression=repr(expression)))
    return match.group(1).lower(), match.group(2)


def rate_interval(expression: str) -> timedelta | None:
    """The period of ``rate(...)``; None for another form. ValueError for a bad rate."""
    form, body = _form(expression)
    if form != "rate":
        return None
    match = _RATE.match(body)
    if not match or int(match.group(1)) < 1:
        raise ValueError(
            _("{expression}: a rate is a positive whole number and minutes, hours or days", expression=repr(expression))
        )
    count, unit = int(match.group(1)), match.group(2).lower().rstrip("s")
    if (count == 1) != (match.group(2).lower() == unit):
        one, more = f"rate(1 {unit})", f"rate({max(count, 2)} {unit}s)"
        raise ValueError(_("{expression}: say {one} or {more}", expression=repr(expression), one=one, more=more))
    return count * _UNIT[unit]


def check(expression: str) -> None:
    """ValueError when the expression is not one EventBridge Scheduler takes (as far as this module reads it)."""
    form, body = _form(expression)
    if form == "rate":
        rate_interval(expression)
    elif form == "at":
        _at(expression, body, ZoneInfo("UTC"))
    else:
        with contextlib.suppress(Unpredictable):  # valid AWS, only not computed here
            parse_cron(body)


def _at(expression: str, body: str, zone: ZoneInfo) -> datetime:
    try:
        return datetime.strptime(body.strip(), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=zone)
    except ValueError:
        raise ValueError(_("{expression}: at(...) takes yyyy-mm-ddThh:mm:ss", expression=repr(expression))) from None


def next_run(expression: str, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first time strictly after ``after`` at which the schedule fires, aware in ``zone``; None when it never
    fires again, when it is a rate (its start is unknown), or when it uses L, W or #. ValueError when the
    expression is not valid."""
    form, body = _form(expression)
    if form == "rate":
        rate_interval(expression)
        return None
    if form == "at":
        moment = _at(expression, body, zone)
        return moment if moment.astimezone(UTC) > after.astimezone(UTC) else None
    try:
        cron = parse_cron(body)
    except Unpredictable:
        return None
    return _cron_next(cron, zone, after)

"""When the scorer's EventBridge Scheduler expression fires next: cron, rate and at, in the trainer's zone, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from testtime.schedule import check, next_run, parse_cron, rate_interval

WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)  # a Wednesday, 15:30 in Warsaw (CET, UTC+1)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WARSAW)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 23 ? * MON *)", local(2026, 12, 7, 23, 0)),  # the weekly default: next Monday
        ("cron(0 23 ? * 2 *)", local(2026, 12, 7, 23, 0)),  # 2 is Monday: AWS counts from SUN = 1
        ("cron(0 23 ? * 1 *)", local(2026, 12, 6, 23, 0)),  # 1 is Sunday
        ("cron(0 23 ? * 7 *)", local(2026, 12, 5, 23, 0)),  # 7 is Saturday
        ("cron(0/15 * * * ? *)", local(2026, 12, 2, 15, 45)),  # every quarter hour, strictly after 15:30
        ("cron(*/15 * * * ? *)", local(2026, 12, 2, 15, 45)),
        ("cron(5/20 * * * ? *)", local(2026, 12, 2, 15, 45)),  # 5, 25, 45
        ("cron(0 8-17 ? * MON-FRI *)", local(2026, 12, 2, 16, 0)),
        ("cron(0 10 ? * SAT,SUN *)", local(2026, 12, 5, 10, 0)),
        ("cron(0 10 ? * sun,sat *)", local(2026, 12, 5, 10, 0)),  # names in any case
        ("cron(0 8 1 * ? *)", local(2027, 1, 1, 8, 0)),  # first of the month: December's has passed
        ("cron(0 8 1,15 JAN-MAR ? *)", local(2027, 1, 1, 8, 0)),
        ("cron(0 0 29 2 ? *)", local(2028, 2, 29, 0, 0)),  # leap day: more than a year ahead
        ("cron(0 0 31 * ? *)", local(2026, 12, 31, 0, 0)),
        ("cron(0 12 * * ? 2030)", local(2030, 1, 1, 12, 0)),
        ("cron(30 15 2 12 ? 2026)", None),  # exactly now is not "next"
        ("cron(31 15 2 12 ? 2026)", local(2026, 12, 2, 15, 31)),
        ("cron(0 0 1 1 ? 2020-2025)", None),  # only past years: never again
        ("cron(0 0 30 2 ? *)", None),  # 30 February never comes
        ("at(2027-01-15T09:30:00)", local(2027, 1, 15, 9, 30)),
        ("at(2026-12-01T09:30:00)", None),  # in the past
        ("rate(15 minutes)", None),  # counted from the schedule's creation, which the expression does not say
        ("rate(1 day)", None),
        ("cron(0 9 ? * 2#1 *)", None),  # first Monday: valid AWS, not computed
        ("cron(0 9 L * ? *)", None),
        ("cron(0 9 ? * 6L *)", None),
        ("cron(0 9 15W * ? *)", None),
        ("cron(0 22-2 * * ? *)", None),  # wraps around: not documented by AWS, not computed
    ],
)
def test_next_run(expression: str, expected: datetime | None) -> None:
    found = next_run(expression, WARSAW, NOW)
    assert found == expected
    if found is not None:
        assert found.tzinfo == WARSAW  # in the trainer's zone, for describe()


def test_spring_forward_skips_the_missing_time() -> None:
    # 28 March 2027: Warsaw goes from 02:00 CET straight to 03:00 CEST; a 02:30 run that day does not happen.
    after = datetime(2027, 3, 27, 2, 0, tzinfo=UTC)
    found = next_run("cron(30 2 * * ? *)", WARSAW, after)
    assert found == local(2027, 3, 29, 2, 30)
    assert found.utcoffset() == timedelta(hours=2)
    # An hourly schedule goes from 01:00 CET to 03:00 CEST: one hour of UTC apart.
    assert next_run("cron(0 * * * ? *)", WARSAW, datetime(2027, 3, 28, 0, 30, tzinfo=UTC)) == local(2027, 3, 28, 3, 0)


def test_fall_back_runs_once_in_the_repeated_hour() -> None:
    # 31 October 2027: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice; the schedule fires at the first.
    first = next_run("cron(30 2 * * ? *)", WARSAW, datetime(2027, 10, 30, 12, 0, tzinfo=UTC))
    assert first is not None and first.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    after_first = next_run("cron(30 2 * * ? *)", WARSAW, first)
    assert after_first == local(2027, 11, 1, 2, 30)  # not the second 02:30 (01:30 UTC) of 31 October


def test_wall_clock_time_kept_across_the_change() -> None:
    # 23:00 every Monday stays 23:00 local in summer and winter: 21:00 UTC, then 22:00 UTC.
    summer = next_run("cron(0 23 ? * MON *)", WARSAW, datetime(2027, 10, 20, tzinfo=UTC))
    winter = next_run("cron(0 23 ? * MON *)", WARSAW, summer)  # type: ignore[arg-type]
    assert summer is not None and winter is not None
    assert summer.astimezone(UTC).hour == 21 and winter.astimezone(UTC).hour == 22
    assert (summer.hour, winter.hour) == (23, 23)


def test_other_zone() -> None:
    assert next_run("cron(0 9 * * ? *)", ZoneInfo("America/New_York"), NOW) == datetime(
        2026, 12, 3, 9, 0, tzinfo=ZoneInfo("America/New_York")
    )


@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(15 minutes)", timedelta(minutes=15)),
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(2 hours)", timedelta(hours=2)),
        ("rate(1 day)", timedelta(days=1)),
        ("cron(0 23 ? * MON *)", None),
    ],
)
def test_rate_interval(expression: str, period: timedelta | None) -> None:
    assert rate_interval(expression) == period


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 23 * * MON *)",  # both day fields set: one must be ?
        "cron(0 23 ? * ? *)",  # both ?
        "cron(0 23 ? * MON)",  # five fields
        "cron(60 23 ? * MON *)",
        "cron(0 24 ? * MON *)",
        "cron(0 23 ? * 0 *)",  # day-of-week is 1-7
        "cron(0 23 ? * 8 *)",
        "cron(0 23 0 * ? *)",
        "cron(0 23 1 13 ? *)",
        "cron(0 23 1 * ? 1969)",
        "cron(0 23 1 * ? 2200)",
        "cron(0/0 * * * ? *)",
        "cron(a * * * ? *)",
        "cron(0 ? * * ? *)",
        "cron(L * * * ? *)",  # L only in the day fields
        "rate(0 minutes)",
        "rate(5 minute)",  # AWS: singular for 1, plural otherwise
        "rate(1 minutes)",
        "rate(5 weeks)",
        "at(2027-01-15 09:30)",
        "every monday",
        "",
    ],
)
def test_invalid_expressions(expression: str) -> None:
    with pytest.raises(ValueError):
        check(expression)
    with pytest.raises(ValueError):
        next_run(expression, WARSAW, NOW)


def test_check_accepts_what_is_valid_but_not_computed() -> None:
    for expression in ("cron(0 9 ? * 2#1 *)", "cron(0 9 L * ? *)", "cron(0/15 * * * ? *)", "rate(5 minutes)"):
        check(expression)


def test_parse_cron_values() -> None:
    cron = parse_cron("0,30 9-11 ? JAN,JUL MON-WED 2027")
    assert cron.minutes == (0, 30) and cron.hours == (9, 10, 11)
    assert cron.days is None and cron.weekdays == frozenset({2, 3, 4})
    assert cron.months == (1, 7) and cron.years == (2027,)


# An independent reading of the rules: walk UTC minute by minute, take the first whose local time matches; of a
# repeated local time (clocks back), only its first occurrence (fold 0) counts.
_AWS_WEEKDAY = {0: 2, 1: 3, 2: 4, 3: 5, 4: 6, 5: 7, 6: 1}


def _brute_force(
    minutes: set[int],
    hours: set[int],
    weekdays: set[int] | None,
    days: set[int] | None,
    after: datetime,
    limit: timedelta,
) -> datetime | None:
    moment = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    while moment - after <= limit:
        wall = moment.astimezone(WARSAW)
        repeated = wall.replace(fold=1).utcoffset() != wall.replace(fold=0).utcoffset()
        day_ok = (days is None or wall.day in days) and (weekdays is None or _AWS_WEEKDAY[wall.weekday()] in weekdays)
        if wall.minute in minutes and wall.hour in hours and day_ok and not (repeated and wall.fold == 1):
            return wall
        moment += timedelta(minutes=1)
    return None


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.sets(st.integers(0, 59), min_size=1, max_size=3),
    hours=st.sets(st.integers(0, 23), min_size=1, max_size=3),
    weekdays=st.one_of(st.none(), st.sets(st.integers(1, 7), min_size=1, max_size=3)),
    offset_minutes=st.integers(0, 60 * 24 * 14),
    season=st.sampled_from([datetime(2027, 3, 24, tzinfo=UTC), datetime(2027, 10, 27, tzinfo=UTC), NOW]),
)
def test_matches_a_brute_force_walk(
    minutes: set[int], hours: set[int], weekdays: set[int] | None, offset_minutes: int, season: datetime
) -> None:
    after = season + timedelta(minutes=offset_minutes)
    day_of_week = "?" if weekdays is None else ",".join(map(str, sorted(weekdays)))
    day_of_month = "*" if weekdays is None else "?"
    expression = (
        f"cron({','.join(map(str, sorted(minutes)))} {','.join(map(str, sorted(hours)))} {day_of_month} * "
        f"{day_of_week} *)"
    )
    expected = _brute_force(minutes, hours, weekdays, None, after, timedelta(days=9))
    assert next_run(expression, WARSAW, after) == expected

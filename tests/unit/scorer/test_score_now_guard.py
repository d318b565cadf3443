"""bin/score-now.sh's guard (ops/score_now_guard.py): which tests a run ``--as-of`` later than now would score
before their time, and the refusal that names them, in English and in Polish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ops.score_now_guard import closing_between, refusal_lines
from testtime.documents.catalog import CatalogTest
from testtime.i18n import use_language

ZONE = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday
MONDAY = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # Monday 23:00 in Warsaw
AS_OF = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # a week after


def entry(test_id: str, due: datetime, **more: Any) -> CatalogTest:
    """A catalog entry of subject os."""
    return CatalogTest(subject="os", test_id=test_id, title=f"Test {test_id}", due=due, question_count=1, **more)


DUE_MONDAY = entry("t1", MONDAY)
ALREADY_CLOSED = entry("t0", NOW - timedelta(days=1))
LATER = entry("t9", AS_OF + timedelta(seconds=1))
AT_AS_OF = entry("t5", AS_OF)  # the scorer takes a deadline at --as-of as passed
# Its common deadline has passed; one student's extension runs until Thursday.
EXTENDED = entry("t2", NOW - timedelta(hours=1), extensions=(("s3", datetime(2026, 11, 26, 22, 0, tzinfo=UTC)),))
# Closed by the trainer before its due: closed already, whatever its due or extensions say.
CLOSED_EARLY = entry("t3", MONDAY, closed_at=NOW - timedelta(minutes=5), extensions=(("s1", MONDAY),))


def test_only_the_tests_with_a_deadline_between_now_and_as_of_are_named_soonest_first() -> None:
    tests = [LATER, AT_AS_OF, ALREADY_CLOSED, DUE_MONDAY, EXTENDED, CLOSED_EARLY]
    found = closing_between(tests, NOW, AS_OF)
    assert [(item.test.test_id, item.closes, item.is_common_deadline) for item in found] == [
        ("t1", MONDAY, True),
        ("t2", datetime(2026, 11, 26, 22, 0, tzinfo=UTC), False),
        ("t5", AS_OF, True),
    ]
    assert closing_between(tests, NOW, NOW) == []
    later = closing_between(tests, AS_OF, AS_OF + timedelta(days=1))
    assert [(item.test.test_id, item.closes) for item in later] == [("t9", AS_OF + timedelta(seconds=1))]


def test_the_refusal_names_the_tests_and_their_deadlines_in_words() -> None:
    found = closing_between([DUE_MONDAY, EXTENDED], NOW, AS_OF)
    assert refusal_lines(found, AS_OF, ZONE) == [
        "error: --as-of Monday 30 November 2026, 23:00 CET is later than now: the tests due by then would be "
        "scored, and their scores emailed with the right answers, while students can still submit them.",
        "The 2 open tests it would score before their deadlines:",
        "  os/t1 (Test t1), due Monday 23 November 2026, 23:00 CET",
        "  os/t2 (Test t2), due Thursday 26 November 2026, 23:00 CET for a student with an extension",
        "Nothing was sent. To score as of then all the same, run it again with --yes.",
    ]
    assert refusal_lines([], AS_OF, ZONE)[1:] == [
        "No open test is due by then; reminders could still go out before their time.",
        "Nothing was sent. To score as of then all the same, run it again with --yes.",
    ]


def test_the_refusal_in_polish() -> None:
    found = closing_between([DUE_MONDAY, EXTENDED], NOW, AS_OF)
    with use_language("pl"):
        lines = refusal_lines(found, AS_OF, ZONE)
        one = refusal_lines(found[:1], AS_OF, ZONE)[1]
    assert lines == [
        "błąd: --as-of poniedziałek, 30 listopada 2026, 23:00 CET to chwila późniejsza niż teraz: testy z terminem "
        "do tej chwili zostałyby ocenione, a wyniki wysłane e-mailem z poprawnymi odpowiedziami, choć uczniowie "
        "wciąż mogą je oddawać.",
        "2 otwarte testy, które zostałyby ocenione przed terminem:",
        "  os/t1 (Test t1), termin: poniedziałek, 23 listopada 2026, 23:00 CET",
        "  os/t2 (Test t2), termin ucznia z przedłużeniem: czwartek, 26 listopada 2026, 23:00 CET",
        "Nic nie zostało wysłane. Aby mimo to ocenić na tę chwilę, uruchom ponownie z --yes.",
    ]
    assert one == "Otwarty test, który zostałby oceniony przed terminem:"

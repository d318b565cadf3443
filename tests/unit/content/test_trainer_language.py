"""The trainer's tools in the class's language: bin/status.sh, bin/report.sh and the publish preview of
./update-subjects-or-students.sh in Polish (the shipped second language), dates in words, plural forms right,
subjects by their titles; English stays the default."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from content_support import STUDENTS_YML, TEST_YML, FakeDeployment, MakeContent

import ops.deployment
import ops.publish
from ops.class_results import ClassResults, TestResults
from ops.content import load_content
from ops.deployment import Settings
from ops.publish import publish
from ops.regrade_preview import TestRegrade
from ops.report import analysis_of, text_report
from ops.score_now import failed_run_lines, summary_lines
from ops.status import ScorerSettings, status_lines, statuses
from testtime import layout
from testtime.documents.catalog import parse_catalog
from testtime.documents.class_list import parse_class_list
from testtime.i18n import use_language

ZONE = ZoneInfo("Europe/Warsaw")
DUE = "2026-11-23T22:00:00+00:00"  # Monday 23:00 in Warsaw
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday


def results(subject_title: str | None = "Systemy operacyjne") -> ClassResults:
    entry = {"subject": "os", "testId": "t1", "title": "Jądra", "due": DUE, "firstPublished": DUE,
             "questionCount": 1, "closedAt": None, "extensions": {"s3": "2026-11-26T22:00:00+00:00"}}  # fmt: skip
    if subject_title:
        entry["subjectTitle"] = subject_title
    catalog = parse_catalog(layout.CATALOG, json.dumps({"version": 1, "tests": [entry]}).encode())
    students = parse_class_list(
        layout.STUDENTS_LIST,
        json.dumps([{"student_id": f"s{n}", "email": f"s{n}@example.org"} for n in (1, 2, 3)]).encode(),
    )
    test = catalog.tests[next(iter(catalog.tests))]
    return ClassResults(catalog, students, (TestResults(test, None, (), None, frozenset({"s1"})),))


def status_text(language: str, now: datetime = NOW, hours: float = 24) -> list[str]:
    settings = ScorerSettings(ZONE, "cron(0/15 * * * ? *)", hours)
    with use_language(language):
        return status_lines(statuses(results(), {"os/t1": 2}, now), settings, now)


def test_status_in_polish() -> None:
    lines = status_text("pl")
    assert lines[0] == "Stan testów: środa, 18 listopada 2026, 10:30 CET"
    assert lines[2].split() == ["test", "stan", "oddane", "brakuje", "przypomnienia"]
    assert lines[4].split() == ["os/t1", "otwarty", "1", "2", "2"]
    # 81 characters together: the deadline goes whole on a line of its own
    assert lines[5:8] == [
        "    Systemy operacyjne: Jądra",
        "    termin: poniedziałek, 23 listopada 2026, 23:00 CET",
        "    1 przedłużenie, kończy się: czwartek, 26 listopada 2026, 23:00 CET",
    ]
    text = "\n".join(lines)
    assert "Następne ocenianie: środa, 18 listopada 2026, 10:45 CET" in text.replace("\n  ", " ")
    assert "Przypomnienia: 24 godziny przed terminem każdego ucznia" in text
    assert all(len(line) <= 80 for line in lines), lines
    # a date in words is never split across lines, in Polish too
    assert any("środa, 18 listopada 2026, 10:45 CET" in line for line in lines)


@pytest.mark.parametrize(
    ("hours", "words"), [(1, "1 godzinę"), (2, "2 godziny"), (5, "5 godzin"), (1.5, "1.5 godziny")]
)
def test_the_reminder_hours_take_the_polish_plural_form(hours: float, words: str) -> None:
    assert f"Przypomnienia: {words} przed" in "\n".join(status_text("pl", hours=hours))


def test_status_after_the_deadline_in_polish_and_in_english() -> None:
    after = datetime(2026, 11, 24, 8, tzinfo=UTC)
    polish = status_text("pl", after)
    assert polish[4].split()[:2] == ["os/t1", "zamknięty"]
    assert "    jeszcze nieoceniony: bin/score-now.sh oceni go od razu" in polish
    # too long for one line of 80: the deadline goes whole on a line of its own
    assert polish[5:7] == [
        "    Systemy operacyjne: Jądra",
        "    termin minął: poniedziałek, 23 listopada 2026, 23:00 CET",
    ]
    english = status_text("en", after)
    assert english[0] == "Tests as of Tuesday 24 November 2026, 09:00 CET"
    assert english[5] == "    Systemy operacyjne: Jądra, was due Monday 23 November 2026, 23:00 CET"
    assert "    not scored yet: bin/score-now.sh scores it now" in english


def test_a_subject_without_a_title_shows_just_the_test_title() -> None:
    settings = ScorerSettings(ZONE, "cron(0/15 * * * ? *)", 24)
    lines = status_lines(statuses(results(None), {}, NOW), settings, NOW)
    assert lines[5] == "    Jądra, due Monday 23 November 2026, 23:00 CET"


def test_report_in_polish() -> None:
    found = results()
    [item] = found.tests
    with use_language("pl"):
        lines = text_report(item, analysis_of(item, found.students.ids(), Settings().grade_scale, NOW), ZONE, NOW)
    assert lines == [
        "os/t1: Jądra",
        "  przedmiot: Systemy operacyjne",
        "  termin: poniedziałek, 23 listopada 2026, 23:00 CET",
        "  oddane: 1, brakujące: 0",
        "  jeszcze nieoceniony: wciąż otwarty",
        "",
    ]


@pytest.mark.parametrize(
    ("changed", "scored", "expected"),
    [
        (1, 1, "wynik 1 z 1 ucznia by się zmienił; dostanie e-mail z nowym wynikiem"),
        (2, 3, "wyniki 2 z 3 uczniów by się zmieniły; dostaną e-mail z nowym wynikiem"),
        (2, 12, "wyniki 2 z 12 uczniów by się zmieniły; dostaną e-mail z nowym wynikiem"),
    ],
)
def test_the_regrade_preview_in_polish(changed: int, scored: int, expected: str) -> None:
    regrade = TestRegrade("os/t1", ("2", "5"), scored, tuple(f"s{n}" for n in range(changed)), 0)
    with use_language("pl"):
        assert regrade.line(check=True) == f"os/t1: zmieniony klucz odpowiedzi pytań 2, 5; {expected}"


def test_the_publish_preview_in_polish(aws: FakeDeployment, make_content: MakeContent) -> None:
    def run(folder: Path, *, check: bool) -> list[str]:
        with use_language("pl"):
            report = publish(load_content(folder), aws.outputs, Settings(), now=NOW, check=check,
                             apigateway=aws.apigateway, ses=aws.ses)  # fmt: skip
            return report.lines(check=check)

    first = run(make_content(), check=False)
    assert first[0] == (
        "nowy test       networks/test01 (Networks): termin: poniedziałek, 23 listopada 2026, 23:00 CET (domyślny: "
        "plik testu nie podaje „due”)"
    )
    assert first[1] == "nowy uczeń      student01 (Anna Kowalska)"
    assert first[-1] == (
        "opublikowano: testy: nowe 1, zmienione 0, zamknięte 0, otwarte ponownie 0; uczniowie: dodani 3, usunięci 0; "
        "klucze API: nowe 4, włączone 0, wyłączone 0, dołączone do planu 0; SES: do weryfikacji 0; pliki: wysłane 5, "
        "zastąpione 0, bez zmian 0"
    )
    extended = TEST_YML + "extensions:\n  student01: 2026-11-25T23:00 Europe/Warsaw\n"
    changed = make_content(
        {
            "subjects/networks/test01.yml": extended,
            "subjects/networks/subject.yml": "title: Sieci komputerowe\n",
            "students.yml": STUDENTS_YML.split("- id: student03")[0],
        }
    )
    plan = run(changed, check=True)
    assert plan[:-1] == [
        "przedłużenie    networks/test01 student01: nowy termin: środa, 25 listopada 2026, 23:00 CET",
        "tytuł przedmiotu networks: Sieci komputerowe",
        "usunięty uczeń  student03 (Maria Wiśniewska)",
        "klucz API wyłącz  testtime-student03",
    ]
    assert plan[-1].startswith("sprawdzenie, niczego nie zmieniono: testy: nowe 0, zmienione 0, zamknięte 0,")
    assert plan[-1].endswith("; pliki: do wysłania 0, do zastąpienia 2, bez zmian 3")


def test_the_publisher_speaks_the_language_of_the_settings(
    cli: FakeDeployment, make_content: MakeContent, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``language: pl`` in group_vars/all.yml: ops.i18n.use_class_language() at the entry point reads it."""
    monkeypatch.setattr(ops.deployment, "load_settings", lambda *args, **kwargs: Settings(language="pl"))
    assert ops.publish.main(["--content", str(make_content()), "--target", "local"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("opublikowano: testy: nowe 1, zmienione 0,")
    monkeypatch.setattr(ops.deployment, "load_settings", lambda *args, **kwargs: Settings())
    assert ops.publish.main(["--content", str(make_content()), "--check"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("check, nothing changed: tests 0 new, 0 changed,")


SUMMARY = {"asOf": "2026-11-24T06:00:00+00:00", "testsScored": 2, "submissionsScored": 5, "missing": 1,
           "emailsSent": 6, "emailsFailed": 0, "summarySent": True, "failures": [], "handedOver": False}  # fmt: skip


def test_score_now_in_english_and_polish() -> None:
    assert summary_lines(SUMMARY) == [
        "Scorer run as of 2026-11-24T06:00:00+00:00",
        "  tests scored:        2",
        "  submissions scored:  5",
        "  missing:             1 (students without a submission, summed over tests)",
        "  emails sent:         6",
        "  emails failed:       0",
        "  trainer summary:     sent",
        "  failures:            none",
        "  handed over:         no",
    ]
    with use_language("pl"):
        lines = summary_lines(SUMMARY) + failed_run_lines([])
    assert lines == [
        "Ocenianie na stan z 2026-11-24T06:00:00+00:00",
        "  ocenione testy:      2",
        "  ocenione odpowiedzi: 5",
        "  brakuje:             1 (uczniowie bez oddanego testu, łącznie ze wszystkich testów)",
        "  e-maile wysłane:     6",
        "  e-maile nieudane:    0",
        "  podsumowanie trenera: wysłane",
        "  błędy:               brak",
        "  przekazane dalej:    nie",
        "  nieudane oceniania:  brak w ostatnich 14 dniach",
    ]

"""The class's language: the config's LANGUAGE, else the Content-Language of the API's answers, else English; Polish
texts with Polish plural forms (1 pytanie, 2 pytania, 5 pytań) and dates in Polish words; no API Gateway phrase and
no bare HTTP code in any message."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from client_harness import FakeApi, listing, one_question, run_client, write_config
from test_time import deadlines
from test_time.answers import points_label
from test_time.i18n import CLIENT, current_language, set_language
from test_time.outcomes import EXIT_CONFIG, EXIT_FORBIDDEN, EXIT_SERVER, EXIT_THROTTLED
from test_time.settings import read_config
from test_time.settings import write_config as save_config


def polish_listing(*counts: int) -> dict:
    tests = [
        {"testId": f"test{n:02d}", "title": f"Test {n}", "deadline": "2099-01-05T23:00:00+00:00", "questionCount": n}
        for n in counts
    ]
    return {
        "studentId": "s01",
        "studentName": "Ala Kowalska",
        "subjects": [{"subjectName": "os", "subjectTitle": "Systemy operacyjne", "tests": tests}],
    }


def test_language_pl_in_the_config_gives_polish_with_its_three_plural_forms(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", polish_listing(1, 2, 5, 22, 12))
    proc = run_client(write_config(tmp_path / "config", fake_api.url, extra="LANGUAGE=pl\n"), "--list")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Otwarte testy – Ala Kowalska:\n")
    assert "1. Systemy operacyjne: Test 1 (1 pytanie) [os/test01]" in out
    assert "Systemy operacyjne: Test 2 (2 pytania)" in out
    assert "Systemy operacyjne: Test 5 (5 pytań)" in out
    assert "Systemy operacyjne: Test 22 (22 pytania)" in out
    assert "Systemy operacyjne: Test 12 (12 pytań)" in out
    assert "termin: poniedziałek, 5 stycznia 2099, " in out and "zamyka się za " in out
    assert "Open tests" not in out and "question" not in out and "deadline" not in out


def test_the_apis_content_language_is_used_and_kept_for_the_run(fake_api: FakeApi, tmp_path: Path) -> None:
    # The first answer says Polish; a later one saying English does not switch the language within the run.
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")), **{"Content-Language": "pl"})
    fake_api.reply("GET", "/v1/test", one_question(), **{"Content-Language": "en"})
    config = write_config(tmp_path / "config", fake_api.url)
    proc = run_client(config, input="\nb\nn\n")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Otwarte testy – student01:" in proc.stdout
    assert "Który test? Wpisz jego numer (1) albo naciśnij Enter: " in proc.stdout
    assert "Pytanie 1/1" in proc.stdout and "Twoja odpowiedź (a, b): b" in proc.stdout
    assert "Wysłanie jest ostateczne: wysłanych odpowiedzi nie można już zmienić." in proc.stdout
    assert "Wysłać te odpowiedzi? t = wyślij, n = anuluj, 1-1 = zmień tę odpowiedź: n" in proc.stdout
    assert proc.stderr == "Anulowano. Nic nie zostało wysłane.\n"


def test_the_configs_language_wins_over_the_apis(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")), **{"Content-Language": "pl"})
    proc = run_client(write_config(tmp_path / "config", fake_api.url, extra="LANGUAGE=en\n"), "--list")
    assert "Open tests for student01:" in proc.stdout and "closes in" in proc.stdout


def test_without_any_language_the_client_speaks_english(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert proc.stdout.startswith("Open tests for student01:\n")
    assert "1. os: Title of test01 [os/test01]\n     deadline Monday 5 January 2099, " in proc.stdout


def test_a_polish_answer_is_taken_with_t_and_the_review_says_sending_is_final(
    fake_api: FakeApi, tmp_path: Path
) -> None:
    fake_api.reply("GET", "/v1/test", {**one_question(), "subjectTitle": "Systemy operacyjne"})
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    fake_api.reply("POST", "/v1/test", {"status": "stored", "receivedAt": "2099-01-01T10:00:00+00:00"}, status=201)
    config = write_config(tmp_path / "config", fake_api.url, extra="LANGUAGE=pl\n")
    proc = run_client(config, "--subject", "os", "--test", "test01", input="A\nt\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "A test (Systemy operacyjne): 1 pytanie\n" in out
    assert "Sprawdź swoje odpowiedzi na test A test:" in out
    assert "Wysłanie jest ostateczne" in out
    assert "Zapisano: Twoje odpowiedzi na test A test odebrano: czwartek, 1 stycznia 2099, " in out
    assert "bin/test-time.sh --history pokaże Twój wynik" in out


def test_help_is_in_the_configs_language(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", "http://127.0.0.1:9/api", extra="LANGUAGE=pl\n")
    proc = run_client(config, "--help")
    assert proc.returncode == 0
    assert "Rozwiązuj testy domowe Test Time w terminalu." in proc.stdout
    assert "kody wyjścia:" in proc.stdout and "wypisz wysłane testy wraz z wynikami i odpowiedziami" in proc.stdout
    assert "przykłady:" in proc.stdout


def test_a_language_without_texts_is_english_and_a_non_code_is_a_broken_config(
    fake_api: FakeApi, tmp_path: Path
) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    german = run_client(write_config(tmp_path / "de", fake_api.url, extra="LANGUAGE=de\n"), "--list")
    assert german.returncode == 0
    assert "Open tests for student01:" in german.stdout
    assert german.stderr.count("no texts in language de yet: English is used") == 1  # said once, not per read
    broken = run_client(write_config(tmp_path / "broken", fake_api.url, extra="LANGUAGE=pl; rm -rf\n"), "--list")
    assert (broken.returncode, broken.stderr.count("\n")) == (EXIT_CONFIG, 1)
    assert "LANGUAGE 'pl; rm -rf' is not a language code such as pl" in broken.stderr


def test_the_config_keeps_its_language_when_written(tmp_path: Path) -> None:
    path = tmp_path / "config"
    save_config(path, {"API_URL": "http://127.0.0.1:9", "API_KEY": "k" * 20, "STUDENT_ID": "s01", "LANGUAGE": "pl"})
    assert "LANGUAGE=pl\n" in path.read_text()
    assert read_config(path)["LANGUAGE"] == "pl"
    assert current_language() == "pl"  # reading it chose the language


@pytest.mark.parametrize(
    ("days", "hours", "minutes", "english", "polish"),
    [
        (1, 0, 0, "closes in 1 day", "zamyka się za 1 dzień"),
        (3, 0, 0, "closes in 3 days", "zamyka się za 3 dni"),
        (1, 1, 0, "closes in 1 day 1 hour", "zamyka się za 1 dzień i 1 godzinę"),
        (1, 3, 0, "closes in 1 day 3 hours", "zamyka się za 1 dzień i 3 godziny"),
        (1, 5, 0, "closes in 1 day 5 hours", "zamyka się za 1 dzień i 5 godzin"),
        (0, 1, 0, "closes in 1 hour", "zamyka się za 1 godzinę"),
        (0, 22, 0, "closes in 22 hours", "zamyka się za 22 godziny"),
        (0, 12, 0, "closes in 12 hours", "zamyka się za 12 godzin"),
        (0, 1, 1, "closes in 1 hour 1 minute", "zamyka się za 1 godzinę i 1 minutę"),
        (0, 0, 1, "closes in 1 minute", "zamyka się za 1 minutę"),
        (0, 0, 24, "closes in 24 minutes", "zamyka się za 24 minuty"),
        (0, 0, 25, "closes in 25 minutes", "zamyka się za 25 minut"),
        (0, 0, 0, "closes in less than a minute", "zamyka się za mniej niż minutę"),
    ],
)
def test_time_left_in_both_languages(days: int, hours: int, minutes: int, english: str, polish: str) -> None:
    now = datetime(2027, 6, 10, 10, 0, tzinfo=deadlines.UTC)
    deadline = now + timedelta(days=days, hours=hours, minutes=minutes, seconds=30)
    assert deadlines.closes_in(deadline, now) == english
    set_language("pl")
    assert deadlines.closes_in(deadline, now) == polish


def test_points_and_dates_in_polish() -> None:
    set_language("pl")
    assert [points_label(n) for n in (1, 2, 5, 0.5)] == ["1 punkt", "2 punkty", "5 punktów", "0,5 punktu"]
    assert CLIENT.ngettext("{n} question", "{n} questions", 14) == "14 pytań"
    moment = datetime(2027, 6, 14, 21, 0, tzinfo=deadlines.UTC).astimezone()
    said = deadlines.local_time(moment)
    weekday = ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela")[moment.weekday()]
    assert said.startswith(f"{weekday}, {moment.day} czerwca 2027, {moment:%H:%M}")


@pytest.mark.parametrize(
    ("status", "body", "exit_status"),
    [
        (429, {"message": "Too Many Requests"}, EXIT_THROTTLED),
        (500, {"message": "Internal server error"}, EXIT_SERVER),
        (502, b"", EXIT_SERVER),
        (401, {"message": "Unauthorized"}, EXIT_FORBIDDEN),
    ],
)
def test_gateway_answers_are_said_in_plain_words(
    fake_api: FakeApi, tmp_path: Path, status: int, body: object, exit_status: int
) -> None:
    fake_api.reply("POST", "/v1/tests", body, status=status)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list")
    assert (proc.returncode, proc.stderr.count("\n")) == (exit_status, 1), proc.stderr
    for jargon in ("Too Many Requests", "Internal server error", "Unauthorized", "HTTP", str(status)):
        assert jargon not in proc.stderr
    assert len(proc.stderr) > len("test-time.sh: ") + 20  # a sentence, not a code

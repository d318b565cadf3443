"""Every email kind rendered with ``language: pl``: Polish texts, Polish plural forms (three of them), dates in
Polish words, decimal commas, subject titles and students' names instead of ids, ``<html lang="pl">``, and no
English text of the mail catalog left in the subject, the plain text or the HTML.

The content here is Polish as a Polish class's is, so any English left comes from the service, never from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from tests.unit.scorer.test_summary_email import AS_OF, designed_test
from testtime.deadlines import parse_instant
from testtime.documents.catalog import CatalogTest
from testtime.documents.questions import parse_answer_key, parse_questions
from testtime.documents.scorer_records import ScoreRow
from testtime.documents.submissions import parse_submission
from testtime.emails import RenderedEmail, ScorePart, combined_student_email, question_book, student_email
from testtime.i18n import LOCALE_DIR, use_language
from testtime.notices import RegradeChange, invitation_email, regrade_email, reminder_email
from testtime.scorer.failures import Failure
from testtime.scoring import GradeScale, score
from testtime.summary_email import SummaryCounts, trainer_summary

ZONE = ZoneInfo("Europe/Warsaw")
DUE = parse_instant("2027-06-14T21:00:00Z")  # Monday 14 June 2027, 23:00 CEST
SUBJECT_TITLE = "Systemy operacyjne"
TITLE = "Procesy i wątki"
NAME = "Łucja Wąs-Żółkiewska"
OS = CatalogTest("systemy-operacyjne", "test02", TITLE, DUE, 3, subject_title=SUBJECT_TITLE)
KEY = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
CATALOG = Path(LOCALE_DIR) / "pl" / "LC_MESSAGES" / "mail.po"
QUESTIONS = [
    {
        "questionId": "1",
        "question": "Co robi planista procesów?",
        "answers": [{"answerId": "a", "answerBody": "przydziela procesor"}, {"answerId": "b", "answerBody": "nic"}],
        "points": 1.5,
    },
    {
        "questionId": "2",
        "question": "Czym jest wątek?",
        "answers": [{"answerId": "a", "answerBody": "ścieżką wykonania"}, {"answerId": "b", "answerBody": "plikiem"}],
    },
    {
        "questionId": "3",
        "question": "Co tworzy fork()?",
        "answers": [{"answerId": "a", "answerBody": "proces potomny"}, {"answerId": "b", "answerBody": "wątek"}],
    },
]
BOOK = question_book(parse_questions("q.json", json.dumps(QUESTIONS).encode()))
ANSWER_KEY = [
    {"questionId": "1", "answer": "a", "points": 1.5},
    {"questionId": "2", "answer": "a"},
    {"questionId": "3", "answer": "a"},
]


def english_texts() -> list[str]:
    """Every piece of English of the mail catalog of two words or more, between its {placeholders}."""
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    pieces = set()
    for message in catalog:
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            for piece in re.split(r"\{[a-z_]+\}", msgid):
                if len(re.findall(r"[A-Za-z]+", piece)) >= 2:
                    pieces.add(piece.strip())
    return sorted(pieces)


ENGLISH = english_texts()


def readable(email: RenderedEmail) -> str:
    """What a person reads of the email: the subject, the plain text and the HTML's text without its tags."""
    html_text = unescape(re.sub(r"<[^>]+>", " ", email.html))
    return "\n".join([email.subject, email.text, html_text])


def assert_polish(email: RenderedEmail) -> None:
    assert '<html lang="pl">' in email.html
    seen = readable(email)
    left = [piece for piece in ENGLISH if piece in seen]
    assert not left, f"English left in the Polish email: {left}"
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", seen)  # dates in words, never ISO


def scored(answers: dict[str, str], info: CatalogTest = OS, student: str = "s01"):  # type: ignore[no-untyped-def]
    key = parse_answer_key("k.json", json.dumps(ANSWER_KEY).encode())
    body = json.dumps({"answers": [{"questionId": q, "answer": a} for q, a in answers.items()]}).encode()
    return score(parse_submission("r.json", body, student), key, GradeScale(), info.subject, info.test_id)


@pytest.fixture(autouse=True)
def polish() -> Iterator[None]:
    with use_language("pl"):
        yield


def test_the_catalog_gives_the_check_pieces_of_english_to_look_for() -> None:
    # The check below can fail: the catalog's English is there to be found, e.g. in an English email.
    assert "here is your test score." in ENGLISH and len(ENGLISH) > 50
    with use_language("en"):
        english = student_email(scored({"1": "a", "2": "a", "3": "a"}), OS, NAME, BOOK)
    assert any(piece in readable(english) for piece in ENGLISH)


def test_a_score_email_in_polish_with_names_points_and_the_right_answers() -> None:
    part = ScorePart(scored({"1": "b", "2": "a"}), OS, BOOK, {"1": "Planista decyduje, który proces dostaje CPU."})
    email = combined_student_email([part], NAME)
    assert email.subject == "[Systemy operacyjne] [test02] Wynik testu"
    text = email.text
    assert text.startswith(f"Dzień dobry, {NAME},\n\nOto Twój wynik testu.\n\nProcesy i wątki (Systemy operacyjne)\n")
    assert "  Wynik: 1 z 3,5 pkt (28,57%)\n  Ocena: 1\n" in text  # a weighted test: points with a decimal comma
    assert "  2 pytania bez kompletu punktów:" in text  # two of them: the second Polish plural form
    # the values in one column after the longest Polish name
    assert "    Twoja odpowiedź:      b) nic\n    Prawidłowa odpowiedź: a) przydziela procesor\n" in text
    assert "    Wyjaśnienie:          Planista decyduje" in text and "    Punkty:               0 z 1,5\n" in text
    assert "(brak odpowiedzi)" in text  # question 3 left unanswered
    assert "<th>Prawidłowa odpowiedź</th>" in email.html and "<b>1 z 3,5</b> pkt" in email.html
    assert "systemy-operacyjne" not in readable(email)  # the subject's title, not its id
    assert_polish(email)


def test_one_wrong_answer_and_five_questions_take_the_other_plural_forms() -> None:
    plain = CatalogTest("systemy-operacyjne", "test03", "Pamięć", DUE, 5, subject_title=SUBJECT_TITLE)
    questions = [
        {"questionId": str(n), "question": f"Pytanie o pamięć nr {n}?", "answers": [{"answerId": "a"}]}
        for n in range(1, 6)
    ]
    key = parse_answer_key("k.json", json.dumps([{"questionId": str(n), "answer": "a"} for n in range(1, 6)]).encode())
    body = json.dumps({"answers": [{"questionId": str(n), "answer": "a"} for n in range(1, 5)]}).encode()
    result = score(parse_submission("r.json", body, "s01"), key, GradeScale(), plain.subject, plain.test_id)
    book = question_book(parse_questions("q.json", json.dumps(questions).encode()))
    email = student_email(result, plain, NAME, book)
    assert "  Wynik: poprawnie 4 z 5 pytań (80%)\n" in email.text  # "z 5 pytań": five, the third form
    assert "  1 pytanie bez poprawnej odpowiedzi:" in email.text  # one: the first form
    assert "poprawnie <b>4 z 5</b> pytań" in email.html
    assert_polish(email)
    all_right = student_email(scored({"1": "a", "2": "a", "3": "a"}), OS, NAME, BOOK)
    assert "  Wszystkie Twoje odpowiedzi są poprawne.\n" in all_right.text
    assert_polish(all_right)


def test_one_email_per_student_counts_its_tests_in_polish() -> None:
    tests = [
        CatalogTest("systemy-operacyjne", f"test{n}", f"Temat {n}", DUE, 3, subject_title=SUBJECT_TITLE)
        for n in range(1, 6)
    ]
    parts = [ScorePart(scored({"1": "a", "2": "a", "3": "a"}, info), info, BOOK) for info in tests]
    two = combined_student_email(parts[:2], NAME)
    assert two.subject == "[Test Time] Wyniki testów (2 testy)"
    assert "Oto Twoje wyniki z 2 testów." in two.text
    five = combined_student_email(parts, NAME)
    assert five.subject == "[Test Time] Wyniki testów (5 testów)"
    assert "Temat 5 (Systemy operacyjne)" in five.text
    for email in (two, five):
        assert_polish(email)


def test_a_regrade_notice_in_polish() -> None:
    before = ScoreRow(2, 3, 70.0, 4.5, points=3.5, max_points=5)
    after = ScoreRow(1, 3, 46.67, 2, points=2.3333, max_points=5)
    email = regrade_email(RegradeChange("s01", NAME, before, after, (1, 3, 4)), OS)
    assert email.subject == "[Systemy operacyjne] [test02] Zmiana wyniku testu"
    assert (
        "Twój wynik testu Procesy i wątki (Systemy operacyjne) się zmienił: było 3,5 z 5 pkt, jest 2,33 z 5 pkt "
        "(46,67%, ocena 2), ponieważ poprawiono klucz odpowiedzi do pytań 1, 3 i 4." in email.text
    )
    assert "  Było: 3,5 z 5 pkt (70%, ocena 4,5)\n  Jest: 2,33 z 5 pkt (46,67%, ocena 2)\n" in email.text
    one = regrade_email(RegradeChange("s01", NAME, ScoreRow(1, 3, 33.33, 2), ScoreRow(2, 3, 66.67, 4), (2,)), OS)
    assert "było 1 z 3, jest 2 z 3 (66,67%, ocena 4), ponieważ poprawiono klucz odpowiedzi do pytania 2." in one.text
    for rendered in (email, one):
        assert_polish(rendered)


def test_a_reminder_in_polish_with_the_deadline_in_polish_words() -> None:
    own = parse_instant("2027-06-16T21:00:00Z")  # Wednesday, summer time
    email = reminder_email(OS, "s01", NAME, own, ZONE, "https://portal.example.org")
    assert email.subject == "[Systemy operacyjne] [test02] Przypomnienie, termin: środa, 16 czerwca 2027, 23:00 CEST"
    assert (
        "Test Procesy i wątki (Systemy operacyjne) ma termin: środa, 16 czerwca 2027, 23:00 CEST. "
        "Twoje odpowiedzi jeszcze nie dotarły." in email.text
    )
    assert "Rozwiąż go w portalu: https://portal.example.org\n" in email.text
    assert "albo w terminalu: bin/test-time.sh --subject systemy-operacyjne --test test02" in email.text
    winter = reminder_email(OS, "s01", NAME, parse_instant("2027-01-11T22:00:00Z"), ZONE)
    assert "poniedziałek, 11 stycznia 2027, 23:00 CET" in winter.text
    assert "Rozwiąż go w terminalu: bin/test-time.sh" in winter.text
    for rendered in (email, winter):
        assert_polish(rendered)


def test_an_invitation_in_polish_signs_in_with_one_click() -> None:
    link = f"https://portal.example.org/signin#key={KEY}"
    email = invitation_email("s01", NAME, "https://api.example.org/v1", KEY, link, ZONE)
    assert email.subject == "[Test Time] Jak rozwiązywać testy" and KEY not in email.subject
    assert f"Dzień dobry, {NAME},\n\nOto jak rozwiązywać testy w Test Time.\n" in email.text
    assert f"Twój klucz API:  {KEY}\n" in email.text  # the key line for the terminal client
    assert f"W przeglądarce zaloguj się do portalu jednym kliknięciem:\n  {link}\n" in email.text
    assert f'<a href="{link}">Zaloguj się do Test Time</a>' in email.html
    assert "Terminy podawane są w strefie czasowej Europe/Warsaw." in email.text
    assert_polish(email)


def test_the_trainers_summary_in_polish_with_the_analysis_and_chart() -> None:
    test = designed_test(title=TITLE, text="Które wywołanie tworzy proces?")
    section = replace(test, info=replace(test.info, subject_title=SUBJECT_TITLE))
    failures = [Failure("email-failed", "MessageRejected", "os", "test02", "student04")]
    failures.append(Failure("catalog", "catalog.json"))
    email = trainer_summary(AS_OF, [section], failures, SummaryCounts(10, 1, 2, {"os/test02": 10}), ZONE)
    tally = "12 osób ocenionych, 2 bez odpowiedzi, 2 osoby ocenione ponownie, 2 problemy"  # three plural forms
    assert email.subject == f"Wyniki – Procesy i wątki: {tally}"
    text = email.text
    assert text.startswith("Ocenianie uruchomione: poniedziałek, 23 listopada 2026, 23:15 CET.\n")
    assert "Procesy i wątki (Systemy operacyjne / test02)" in text  # the trainer's view keeps the test's id
    assert "Ocenieni: 12 (nowi: 2), bez odpowiedzi: 2, z późniejszym terminem: 1" in text
    assert "Bez odpowiedzi (2): student14 (Nia), student15" in text  # names beside the ids
    assert "Z późniejszym terminem (1): student13 (Max) (termin: czwartek, 26 listopada 2026, 23:00 CET)" in text
    assert "Oceny:" in text and "Do sprawdzenia: mało kto odpowiedział poprawnie (łatwość 0,08, poniżej 0,2)" in text
    assert re.search(r"Średnia \d+(,\d)?%, mediana \d+(,\d)?%, odchylenie standardowe \d+(,\d)?%", text)
    assert "student12 (Łukasz Łukaszewicz)" in text and "nowy wynik" in text
    assert "  student05 (Eli): 4 z 4 -> 2 z 4 (poprawiono klucze pytań 2 i 4)" in text
    assert "    2  ####################  5 (41,7%)" in text and "(moc różnicująca 0,00, poniżej 0,1)" in text
    assert "E-maile do uczestników: wysłane: 10, niewysłane: 1, czekające na następne ocenianie: 2." in text
    assert "nie wysłano e-maila: os / test02, student04: MessageRejected" in text
    html = email.html
    assert ">Ocena 5</td>" in html and "<h3" in html and ">Uczestnicy</h3>" in html
    assert ">Moc różnicująca</th>" in html and ">Najczęstsza błędna odpowiedź</th>" in html
    assert_polish(email)


def test_a_run_with_nothing_new_and_one_failure_in_polish() -> None:
    one = trainer_summary(AS_OF, [], [Failure("catalog", "catalog.json")], SummaryCounts(), ZONE)
    assert one.subject == "Ocenianie Test Time: 1 problem"
    assert "Brak nowo ocenionych testów." in one.text and "  katalog testów: -, -: catalog.json" in one.text
    five = [Failure("catalog", f"catalog.json {n}") for n in range(5)]
    assert trainer_summary(AS_OF, [], five, SummaryCounts(), ZONE).subject == "Ocenianie Test Time: 5 problemów"
    quiet = trainer_summary(AS_OF + timedelta(days=1), [], [], SummaryCounts(), ZONE)
    assert quiet.subject == "Ocenianie Test Time: tylko e-maile"
    for rendered in (one, quiet):
        assert_polish(rendered)

"""What ``./update-subjects-or-students.sh`` (and its ``--check``) says, in the trainer's terms: tests added, changed,
closed or reopened with their titles and deadlines in words (the default deadline said to be one), students added,
removed or changed, answer keys; the bucket's keys only with ``-v``. Pure: the report is built here, no AWS."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ops.apikeys import KeyChange, KeySync
from ops.content import catalog_changes
from ops.publish_preview import (
    ADDED,
    CHANGED,
    CLOSED,
    REOPENED,
    PublishReport,
    TestChange,
    changes_of_tests,
    line_of_test,
    student_changes,
)
from ops.regrade_preview import TestRegrade
from testtime import layout
from testtime.documents.catalog import Catalog, CatalogTest
from testtime.documents.class_list import ClassList, Student
from testtime.i18n import use_language

ZONE = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday
MONDAY = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 23:00 in Warsaw: the default deadline after NOW
FRIDAY = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)


def entry(test_id: str, title: str = "Kernels", due: datetime = MONDAY, **changes: object) -> CatalogTest:
    test = CatalogTest(subject="os", test_id=test_id, title=title, due=due, question_count=2, first_published=NOW)
    return dataclasses.replace(test, **changes)


def catalog(*tests: CatalogTest) -> Catalog:
    return Catalog(tests={(test.subject, test.test_id): test for test in tests})


def test_a_new_test_says_its_deadline_in_words_and_whether_it_is_the_default() -> None:
    default = TestChange("os/t1", "Kernels", ADDED, MONDAY, default_due=True)
    assert line_of_test(default, ZONE) == (
        "test added      os/t1 (Kernels): due Monday 23 November 2026, 23:00 CET (default: its file sets no 'due')"
    )
    explicit = TestChange("os/t2", "Scheduling", ADDED, FRIDAY)
    assert line_of_test(explicit, ZONE) == "test added      os/t2 (Scheduling): due Friday 27 November 2026, 23:00 CET"


def test_a_changed_test_names_what_changed() -> None:
    everything = TestChange("os/t1", "Kernels and modules", CHANGED, FRIDAY, was_due=MONDAY, was_title="Kernels",
                            questions=True, key_changed=True, key_questions=("2", "5"))  # fmt: skip
    assert line_of_test(everything, ZONE) == (
        "test changed    os/t1 (Kernels and modules): title, was Kernels; questions; answer key of questions 2, 5; "
        "due Friday 27 November 2026, 23:00 CET, was Monday 23 November 2026, 23:00 CET"
    )
    one_key = TestChange("os/t1", "Kernels", CHANGED, MONDAY, True, key_changed=True, key_questions=("3",))
    assert line_of_test(one_key, ZONE) == "test changed    os/t1 (Kernels): answer key of question 3"
    explained = TestChange("os/t1", "Kernels", CHANGED, MONDAY, key_changed=True)
    assert line_of_test(explained, ZONE) == (
        "test changed    os/t1 (Kernels): answer key, but no score can change (an explanation or the layout)"
    )
    back_to_default = TestChange("os/t1", "Kernels", CHANGED, MONDAY, True, was_due=FRIDAY)
    assert line_of_test(back_to_default, ZONE) == (
        "test changed    os/t1 (Kernels): due Monday 23 November 2026, 23:00 CET (default: its file sets no 'due'), "
        "was Friday 27 November 2026, 23:00 CET"
    )


def test_a_closed_and_a_reopened_test() -> None:
    early = TestChange("os/t1", "Kernels", CLOSED, MONDAY, closed_at=NOW)
    assert line_of_test(early, ZONE) == (
        "test closed     os/t1 (Kernels): closed before its deadline, Monday 23 November 2026, 23:00 CET: no more "
        "submissions; what was submitted is still scored"
    )
    late = TestChange("os/t1", "Kernels", CLOSED, MONDAY, closed_at=MONDAY + timedelta(days=2))
    assert line_of_test(late, ZONE) == (
        "test closed     os/t1 (Kernels): it was due Monday 23 November 2026, 23:00 CET; what was submitted is still "
        "scored"
    )
    reopened = TestChange("os/t1", "Kernels", REOPENED, MONDAY, True)
    assert line_of_test(reopened, ZONE) == (
        "test reopened   os/t1 (Kernels): due Monday 23 November 2026, 23:00 CET (default: its file sets no 'due')"
    )
    changed_too = dataclasses.replace(reopened, questions=True)
    assert line_of_test(changed_too, ZONE).endswith("(default: its file sets no 'due'); questions")


def test_the_changes_of_the_tests_come_from_the_two_catalogs_and_the_plan() -> None:
    before = catalog(entry("t1"), entry("t2"), entry("t3", closed_at=NOW), entry("t4"), entry("t5"))
    after = catalog(
        entry("t0", "Boot", due=FRIDAY),  # new, its own due
        entry("t1"),  # the same entry; only its answer key changed
        entry("t2", closed_at=NOW + timedelta(days=1)),  # closed now
        entry("t3"),  # open again
        entry("t4", due=FRIDAY, title="Kernels II"),  # moved and renamed
        entry("t5", shuffle=True),  # an option only: a line of its own, not a test change
    )
    plan = {layout.answer_key_key("os", "t1"): "update", layout.questions_key("os", "t1"): "unchanged"}
    keys = [TestRegrade("os/t1", ("2",), 0, (), 0)]
    changes = changes_of_tests(before, after, catalog_changes(before, after), plan, keys, {"os/t1", "os/t3"})
    assert changes == [
        TestChange("os/t0", "Boot", ADDED, FRIDAY),
        TestChange("os/t1", "Kernels", CHANGED, MONDAY, True, key_changed=True, key_questions=("2",)),
        TestChange("os/t4", "Kernels II", CHANGED, FRIDAY, was_due=MONDAY, was_title="Kernels"),
        TestChange("os/t3", "Kernels", REOPENED, MONDAY, True),
        TestChange("os/t2", "Kernels", CLOSED, MONDAY, closed_at=NOW + timedelta(days=1)),
    ]
    assert changes_of_tests(after, after, catalog_changes(after, after), {}, [], ()) == []  # nothing to say


def test_students_whose_name_or_address_changes() -> None:
    published = ClassList((Student("s1", "s1@example.org", "Ada"), Student("s2", "s2@example.org")))
    content = [Student("s1", "ada@example.org", "Ada"), Student("s2", "s2@example.org", "Bob"), Student("s3", "x@y.z")]
    assert student_changes(published, content) == [("s1", ("email",)), ("s2", ("name",))]


def report(**changes: object) -> PublishReport:
    made = PublishReport(
        objects={layout.questions_key("os", "t1"): "add", layout.CATALOG: "update", layout.TRAINER: "unchanged"},
        tests=catalog_changes(catalog(), catalog(entry("t1"))),
        students_added=["s3"],
        students_removed=["s2"],
        keys=KeySync(changes=[KeyChange("testtime-s3", "create"), KeyChange("testtime-s2", "disable")]),
        verifications=[],
        warnings=[],
        test_changes=[TestChange("os/t1", "Kernels", ADDED, MONDAY, default_due=True)],
        students_changed=[("s1", ("name", "email"))],
        student_names={"s1": "Ada Lovelace", "s3": "Łucja Nowak"},
    )
    return dataclasses.replace(made, **changes)


def test_the_report_names_no_bucket_key_unless_asked() -> None:
    lines = report().lines(check=True)
    assert lines == [
        "test added      os/t1 (Kernels): due Monday 23 November 2026, 23:00 CET (default: its file sets no 'due')",
        "student added   s3 (Łucja Nowak)",
        "student removed s2",
        "student changed s1 (Ada Lovelace): name, email",
        "api key create  testtime-s3",
        "api key disable testtime-s2",
        "check, nothing changed: tests 1 new, 0 changed, 0 closed, 0 reopened; students 1 added, 1 removed; api keys "
        "1 create, 0 enable, 1 disable, 0 attach; ses 0 to verify; files 1 to upload, 1 to replace, 1 unchanged",
    ]
    assert report().lines(check=True, verbose=True)[:3] == [
        "add        os/t1/questions.json",
        "update     catalog.json",
        "unchanged  trainer.json",
    ]
    published = report().lines(check=False, verbose=True)
    assert published[:2] == ["add        os/t1/questions.json", "update     catalog.json"]  # not the unchanged
    assert published[-1] == (
        "published: tests 1 new, 0 changed, 0 closed, 0 reopened; students 1 added, 1 removed; api keys 1 create, "
        "0 enable, 1 disable, 0 attach; ses 0 to verify; files 1 uploaded, 1 replaced, 1 unchanged"
    )


def test_a_rescore_follows_the_changed_test() -> None:
    regrade = TestRegrade("os/t1", ("2",), 3, ("s1",), 0)
    changed = TestChange("os/t1", "Kernels", CHANGED, MONDAY, key_changed=True, key_questions=("2",))
    lines = report(test_changes=[changed], regrades=[regrade]).lines(check=True)
    assert "test changed    os/t1 (Kernels): answer key of question 2" in lines
    assert (
        "rescore         os/t1: answer key changed for question 2; 1 of 3 students' scores would change; they get "
        "an email with the new score"
    ) in lines
    assert lines[-1].startswith("check, nothing changed: tests 0 new, 1 changed, 0 closed, 0 reopened;")


def test_the_report_in_polish() -> None:
    changed = TestChange("os/t2", "Jądra", CHANGED, FRIDAY, was_due=MONDAY, questions=True, key_changed=True,
                         key_questions=("2", "5"))  # fmt: skip
    closed = TestChange("os/t3", "Procesy", CLOSED, MONDAY, closed_at=NOW)
    late = TestChange("os/t4", "Pamięć", CLOSED, MONDAY, closed_at=FRIDAY)
    with use_language("pl"):
        lines = report(test_changes=[*report().test_changes, changed, closed, late]).lines(check=True)
    assert lines[:8] == [
        "nowy test       os/t1 (Kernels): termin: poniedziałek, 23 listopada 2026, 23:00 CET (domyślny: plik testu "
        "nie podaje „due”)",
        "zmieniony test  os/t2 (Jądra): pytania; klucz odpowiedzi pytań 2, 5; termin: piątek, 27 listopada 2026, "
        "23:00 CET, wcześniej: poniedziałek, 23 listopada 2026, 23:00 CET",
        "test zamknięty  os/t3 (Procesy): zamknięty przed terminem (poniedziałek, 23 listopada 2026, 23:00 CET): nie "
        "można już oddawać odpowiedzi; to, co oddano, zostanie ocenione",
        "test zamknięty  os/t4 (Pamięć): termin minął: poniedziałek, 23 listopada 2026, 23:00 CET; to, co oddano, "
        "zostanie ocenione",
        "nowy uczeń      s3 (Łucja Nowak)",
        "usunięty uczeń  s2",
        "zmieniony uczeń s1 (Ada Lovelace): imię i nazwisko, e-mail",
        "klucz API nowy    testtime-s3",
    ]
    assert lines[-1] == (
        "sprawdzenie, niczego nie zmieniono: testy: nowe 1, zmienione 1, zamknięte 2, otwarte ponownie 0; uczniowie: "
        "dodani 1, usunięci 1; klucze API: nowe 1, włączone 0, wyłączone 1, dołączone do planu 0; SES: do weryfikacji "
        "0; pliki: do wysłania 1, do zastąpienia 1, bez zmian 1"
    )

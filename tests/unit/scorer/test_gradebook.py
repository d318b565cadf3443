"""The gradebook: one row per student, per scored test a percent and a grade, the mean; empty never 0; UTF-8 BOM."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from testtime.documents.catalog import CatalogTest
from testtime.documents.class_list import Student
from testtime.documents.scorer_records import ScoreRow, TestState
from testtime.gradebook import BOM, build_gradebook, number_text
from testtime.i18n import use_language

STUDENTS = (
    Student("s01", "s01@example.com", "Anna Łukaszewicz"),
    Student("s02", "s02@example.com", "Jürgen Groß"),
    Student("s03", "s03@example.com", None),  # no name in the class list: empty cell
    Student("s04", "s04@example.com", '=HYPERLINK("http://x")'),
)


def catalog_test(subject: str, test_id: str, due: datetime, closed: datetime | None = None) -> CatalogTest:
    return CatalogTest(subject, test_id, f"{test_id} title", due, 4, closed_at=closed)


EARLY = catalog_test("os", "t2", datetime(2026, 11, 23, 22, tzinfo=UTC))
LATE = catalog_test("net", "t1", datetime(2026, 11, 30, 22, tzinfo=UTC))
CLOSED_EARLIER = catalog_test("os", "t9", datetime(2026, 12, 30, tzinfo=UTC), closed=datetime(2026, 11, 1, tzinfo=UTC))
NEVER_SCORED = catalog_test("os", "t3", datetime(2026, 12, 7, 22, tzinfo=UTC))


def row(correct: int, questions: int, grade: int | float | str) -> ScoreRow:
    return ScoreRow(correct, questions, round(correct * 100 / questions, 2), grade)


STATES = [
    (LATE, TestState("v1", {"s01": row(3, 4, 4), "s02": row(0, 4, 0)})),
    (NEVER_SCORED, None),
    (EARLY, TestState("v1", {"s01": row(4, 4, 5), "s03": row(2, 3, 3), "gone": row(1, 4, 1)})),
    (CLOSED_EARLIER, TestState("v1", {})),  # a state without rows: nothing scored, no columns
]


def read_back(text: str) -> list[list[str]]:
    encoded = text.encode("utf-8")
    assert encoded.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark, once
    return list(csv.reader(io.StringIO(encoded.decode("utf-8-sig"), newline="")))


def test_columns_in_deadline_order_and_only_scored_tests() -> None:
    book = build_gradebook(STUDENTS, STATES)
    assert [t.name for t in book.tests] == ["os/t2", "net/t1"]
    assert book.header() == ["id", "name", "email", "os/t2 %", "os/t2 grade", "net/t1 %", "net/t1 grade", "mean %"]


def test_missing_is_empty_never_zero_and_mean_over_scored_tests_only() -> None:
    rows = read_back(build_gradebook(STUDENTS, STATES).to_csv())
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["s01"] == ["s01", "Anna Łukaszewicz", "s01@example.com", "100", "5", "75", "4", "87.5"]
    # s02 scored 0 on net/t1 (a real zero) and has no os/t2 score (empty); the mean counts net/t1 only.
    assert by_id["s02"] == ["s02", "Jürgen Groß", "s02@example.com", "", "", "0", "0", "0"]
    assert by_id["s03"] == ["s03", "", "s03@example.com", "66.67", "3", "", "", "66.67"]
    # No score at all: every score cell and the mean empty.
    assert by_id["s04"][3:] == ["", "", "", "", ""]


def test_rows_follow_the_class_list_then_former_students() -> None:
    rows = read_back(build_gradebook(STUDENTS, STATES).to_csv())
    assert [r[0] for r in rows[1:]] == ["s01", "s02", "s03", "s04", "gone"]
    assert rows[-1] == ["gone", "", "", "25", "1", "", "", "25"]


def test_polish_and_german_names_round_trip_through_the_csv_module() -> None:
    text = build_gradebook(STUDENTS, STATES).to_csv()
    assert text.count(BOM) == 1 and text.startswith(BOM)
    names = [r[1] for r in read_back(text)[1:3]]
    assert names == ["Anna Łukaszewicz", "Jürgen Groß"]
    assert "\r\n" in text  # RFC 4180 line ends, which spreadsheets expect


def test_formula_like_text_is_kept_as_text() -> None:
    rows = read_back(build_gradebook(STUDENTS, STATES).to_csv())
    assert rows[4][1] == '\'=HYPERLINK("http://x")'


def test_fractional_and_text_grades() -> None:
    states = [(EARLY, TestState("v1", {"s01": ScoreRow(1, 3, 33.33, 2.5, 1.0, 3.0), "s02": row(2, 3, "B")}))]
    rows = read_back(build_gradebook(STUDENTS[:2], states).to_csv())
    assert rows[1][3:] == ["33.33", "2.5", "33.33"]
    assert rows[2][3:] == ["66.67", "B", "66.67"]


def test_no_scored_test_gives_identity_columns_and_empty_means() -> None:
    book = build_gradebook(STUDENTS[:1], [(NEVER_SCORED, None)])
    assert read_back(book.to_csv()) == [
        ["id", "name", "email", "mean %"],
        ["s01", "Anna Łukaszewicz", "s01@example.com", ""],
    ]


def test_text_table_is_aligned() -> None:
    lines = build_gradebook(STUDENTS, STATES).to_text().splitlines()
    assert lines[0].split() == ["os/t2", "net/t1", "mean"]  # each test's name over its two figures
    assert lines[1].split() == ["id", "name", "email", "%", "grade", "%", "grade", "%"]
    assert set(lines[2]) == {"-", " "}
    # Right-aligned figures: every line with a mean ends where the header's last column ends.
    end = len(lines[1])
    assert lines[0].endswith("mean") and len(lines[0]) == end
    assert lines[3].startswith("s01   Anna Łukaszewicz ") and lines[3].endswith("  87.5") and len(lines[3]) == end
    assert lines[4].endswith("  0") and len(lines[4]) == end
    # Under each test, its percent and grade end in that test's column: os/t2 ends where "os/t2" ends.
    os_end = lines[0].index("os/t2") + len("os/t2")
    assert lines[3][:os_end].endswith("100      5") and lines[5][:os_end].endswith("66.67      3")
    assert lines[4][:os_end].strip().endswith("s02@example.com")  # no os/t2 score: blank, not 0
    assert lines[6] == 's04   =HYPERLINK("http://x")  s04@example.com'  # a terminal runs no formula: unguarded


def test_number_text() -> None:
    assert [number_text(v) for v in (100.0, 66.67, 0.0, 87.5, 33.333, 0.004)] == [
        "100",
        "66.67",
        "0",
        "87.5",
        "33.33",
        "0",
    ]


def test_the_text_table_speaks_the_class_language_and_the_csv_keeps_its_column_names() -> None:
    with use_language("pl"):
        book = build_gradebook(STUDENTS, STATES)
        lines = book.to_text().splitlines()
        empty = build_gradebook((), [(NEVER_SCORED, None)]).to_text()
        header = read_back(book.to_csv())[0]
    assert lines[0].split() == ["os/t2", "net/t1", "średnia"]
    assert lines[1].startswith("identyfikator  imię i nazwisko")
    assert lines[1].split()[-5:] == ["%", "ocena", "%", "ocena", "%"]
    assert len(lines[3]) == len(lines[1])  # still aligned with the longer Polish words
    assert empty.endswith("(brak uczestników)")
    assert header == ["id", "name", "email", "os/t2 %", "os/t2 grade", "net/t1 %", "net/t1 grade", "mean %"]

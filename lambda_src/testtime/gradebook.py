"""The gradebook: one row per student, one percent and one grade column per scored test, and the student's mean.
Pure (no I/O): built from the class list and each test's state cache (what the scorer wrote).

The column rules (the portal's CSV download follows the same ones, see :func:`build_gradebook`):

* columns ``id``, ``name``, ``email``, then per scored test (a test whose state cache has at least one score row),
  in deadline order (the test's effective deadline, then subject, then test id), ``<subject>/<test> %`` and
  ``<subject>/<test> grade``, then ``mean %``;
* rows: the students of the class list in its order, then students who have a score but are no longer on the class
  list, by id (name and email empty);
* a percent as the scorer rounded it (2 decimals), written without trailing zeros (``100``, ``66.67``); a grade as
  it is (``5``, ``4.5``, ``B``); a student without a score on a test (no submission, not yet scored, unreadable)
  has EMPTY cells, never 0;
* ``mean %``: the plain mean of the student's percents over the tests they were scored in, rounded to 2 decimals;
  empty when they were scored in none;
* a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so that a
  spreadsheet shows it as text instead of running it as a formula (OWASP, "CSV Injection").

The CSV is UTF-8 with a byte order mark: Excel reads a CSV without one in the computer's legacy code page, so
"Łukaszewicz" would come out garbled ("CSV: An Encoding Nightmare", donatstudios.com, 2022 update: "Current
versions of Excel will only reliably load a UTF-8 CSV if a UTF-8 BOM is in place"); Python reads it back with
the ``utf-8-sig`` codec, LibreOffice and Google Sheets take it as well.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean

from testtime.documents.catalog import CatalogTest
from testtime.documents.class_list import Student
from testtime.documents.scorer_records import Grade, ScoreRow, TestState
from testtime.i18n import MAIL

_ = MAIL.gettext  # the terminal table's headers in the class's language (ops.i18n chooses it); the CSV's stay

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class GradebookRow:
    student_id: str
    name: str
    email: str
    scores: tuple[ScoreRow | None, ...]  # one per test of the gradebook, None: no score
    mean: float | None  # mean percent over the scored tests; None: scored in none


@dataclass(frozen=True)
class Gradebook:
    tests: tuple[CatalogTest, ...]  # the scored tests, in deadline order
    rows: tuple[GradebookRow, ...]

    def header(self) -> list[str]:
        # The CSV's column names stay as they are in every language: spreadsheets and scripts read them, and the
        # portal's gradebook (portal/trainer_report.py) has the same ones.
        columns = ["id", "name", "email"]
        for test in self.tests:
            columns += [f"{test.name} %", f"{test.name} grade"]
        return [*columns, "mean %"]

    def cells(self, spreadsheet: bool = True) -> list[list[str]]:
        """Every row as the text of its cells (without the header); ``spreadsheet``: formula-like text guarded."""
        guard = _safe_text if spreadsheet else str
        table = []
        for row in self.rows:
            cells = [row.student_id, guard(row.name), guard(row.email)]
            for score in row.scores:
                cells += ["", ""] if score is None else [number_text(score.percent), grade_text(score.grade)]
            table.append([*cells, "" if row.mean is None else number_text(row.mean)])
        return table

    def to_csv(self) -> str:
        """The CSV text, starting with the byte order mark; lines end in CRLF (RFC 4180). Encode it as UTF-8."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.header())
        writer.writerows(self.cells())
        return BOM + out.getvalue()

    def to_text(self) -> str:
        """An aligned table for the terminal: a test's name over its percent and grade, figures right-aligned, a
        blank for no score."""
        cells = self.cells(spreadsheet=False)
        grade = _("grade")
        columns: list[list[str]] = [["", _("id")], ["", _("name")], ["", _("email")]]
        bodies: list[list[str]] = [[row[n] for row in cells] for n in range(3)]
        for index, test in enumerate(self.tests):
            percents = [row[3 + 2 * index] for row in cells]
            grades = [row[4 + 2 * index] for row in cells]
            pw, gw = (max(map(_width, [title, *values])) for title, values in (("%", percents), (grade, grades)))
            columns.append([test.name, f"{'%':>{pw}}  {grade:>{gw}}"])
            bodies.append([f"{p:>{pw}}  {g:>{gw}}" for p, g in zip(percents, grades, strict=True)])
        columns.append([_("mean"), "%"])
        bodies.append([row[-1] for row in cells])
        widths = [max(map(_width, [*title, *body])) for title, body in zip(columns, bodies, strict=True)]
        lines = [_line([title[0] for title in columns], widths, 3), _line([title[1] for title in columns], widths, 3)]
        lines.append("  ".join("-" * width for width in widths))
        lines += [_line([body[n] for body in bodies], widths, 3) for n in range(len(cells))]
        if not cells:
            lines.append(_("(no students)"))
        return "\n".join(lines)


def number_text(value: float) -> str:
    """``100`` for 100.0, ``66.67`` for 66.67: no trailing zeros, never an exponent."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def grade_text(grade: Grade) -> str:
    return number_text(grade) if isinstance(grade, float) else str(grade)


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _width(text: str) -> int:
    """Columns the text takes on a terminal: wide East Asian characters two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line(cells: Sequence[str], widths: Sequence[int], text_columns: int) -> str:
    parts = []
    for n, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * (width - _width(cell))
        parts.append(cell + pad if n < text_columns else pad + cell)
    return "  ".join(parts).rstrip()


def _deadline_order(test: CatalogTest) -> tuple[object, str, str]:
    return (test.deadline, test.subject, test.test_id)


def build_gradebook(students: Iterable[Student], tests: Iterable[tuple[CatalogTest, TestState | None]]) -> Gradebook:
    """The gradebook of the class list ``students`` over ``tests`` (each with its state cache, None when never
    scored): the rules of the module's docstring."""
    scored = sorted(
        ((test, state) for test, state in tests if state is not None and state.rows),
        key=lambda p: _deadline_order(p[0]),
    )
    class_list = list(students)
    listed = {student.student_id for student in class_list}
    former = sorted({sid for _test, state in scored for sid in state.rows if sid not in listed})
    people = [(s.student_id, s.name or "", s.email) for s in class_list] + [(sid, "", "") for sid in former]
    rows = []
    for student_id, name, email in people:
        scores = tuple(state.rows.get(student_id) for _test, state in scored)
        percents = [score.percent for score in scores if score is not None]
        mean = round(fmean(percents), 2) if percents else None
        rows.append(GradebookRow(student_id, name, email, scores, mean))
    return Gradebook(tuple(test for test, _state in scored), tuple(rows))

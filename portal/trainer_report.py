"""The trainer page's figures and its CSV gradebook, from ``GET /api/v1/results`` (pure: no Flask, no I/O).

The portal is its own container and cannot import ``testtime``: these rules repeat, in the portal's own code,
those of ``lambda_src/testtime/gradebook.py`` (``bin/gradebook.sh --csv``), so that the two gradebooks match column
for column (the column names stay as they are in every language: they are the gradebook's, read by spreadsheets and
scripts alike):

* columns ``id``, ``name``, ``email``, then per scored test (a test with at least one score), in deadline order
  (the effective deadline, then subject, then test id), ``<subject>/<test> %`` and ``<subject>/<test> grade``,
  then ``mean %``;
* rows: the class list in its order, then students with a score who are no longer on it, by id (name and email
  empty);
* a percent without trailing zeros (``100``, ``66.67``); a grade as it is; no score is EMPTY cells, never 0 (a
  grade of the 2019 service, which kept no percent, shows its grade and an empty percent);
* ``mean %``: the mean of the student's percents over the tests they were scored in, 2 decimals; empty for none;
* a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP,
  "CSV Injection"), so a spreadsheet shows it as text instead of running it;
* UTF-8 with a byte order mark (Excel reads a CSV without one in the legacy code page, garbling "Łukaszewicz"),
  lines ending in CRLF (RFC 4180).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from statistics import fmean
from typing import Any

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def instant(value: Any) -> datetime | None:
    """An ISO 8601 instant of the API (with an offset, or ``Z``); None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def number_text(value: Any) -> str:
    """``100`` for 100.0, ``66.67`` for 66.67: no trailing zeros, never an exponent; empty for no number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def grade_text(grade: Any) -> str:
    if grade is None:
        return ""
    return number_text(grade) if isinstance(grade, float) else str(grade)


def share_text(share: Any) -> str:
    """A share 0..1 as a whole percent ("45 %"); a dash for none (nobody scored, no variance)."""
    text = number_text(share * 100 if isinstance(share, int | float) and not isinstance(share, bool) else None)
    return f"{round(float(text))} %" if text else "–"


def _safe_text(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _deadline_order(test: Mapping[str, Any]) -> tuple[datetime, str, str]:
    moment = instant(test.get("deadline")) or datetime.max.replace(tzinfo=UTC)
    return moment, str(test.get("subjectName")), str(test.get("testId"))


def gradebook_rows(document: Mapping[str, Any]) -> list[list[str]]:
    """The gradebook as rows of cell text, the header first."""
    tests = sorted((t for t in document.get("tests", []) if t.get("results")), key=_deadline_order)
    scores = [{row["studentId"]: row for row in test["results"]} for test in tests]
    class_list = list(document.get("students", []))
    listed = {student["studentId"] for student in class_list}
    former = sorted({sid for by_id in scores for sid in by_id if sid not in listed})
    people = [(s["studentId"], s.get("name"), s.get("email")) for s in class_list] + [(sid, "", "") for sid in former]
    header = ["id", "name", "email"]
    for test in tests:
        name = f"{test['subjectName']}/{test['testId']}"
        header += [f"{name} %", f"{name} grade"]
    table = [[*header, "mean %"]]
    for student_id, name, email in people:
        cells = [student_id, _safe_text(name), _safe_text(email)]
        percents = []
        for by_id in scores:
            row = by_id.get(student_id)
            if row is None:
                cells += ["", ""]
                continue
            cells += [number_text(row.get("percent")), grade_text(row.get("grade"))]
            if number_text(row.get("percent")):
                percents.append(float(row["percent"]))
        table.append([*cells, number_text(round(fmean(percents), 2)) if percents else ""])
    return table


def gradebook_csv(document: Mapping[str, Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(gradebook_rows(document))  # the csv module's lines end in CRLF
    return (BOM + out.getvalue()).encode("utf-8")


def grade_bars(analysis: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The grade chart: per grade (best first) its students, their share of the scored, and the bar's width in
    whole percent of the widest bar (the template turns it into one of the stylesheet's width classes: the page's
    Content-Security-Policy allows no inline style)."""
    grades: Mapping[str, int] = analysis.get("grades") or {}
    total, widest = sum(grades.values()), max(grades.values(), default=0)
    return [
        {
            "grade": grade,
            "count": count,
            "share": f"{round(count * 100 / total)} %" if total else "",
            "width": round(count * 100 / widest) if widest else 0,
        }
        for grade, count in grades.items()
    ]


def choices_text(choices: Mapping[str, int]) -> str:
    """Every choice with the students who chose it, "a 12 · b 3 · c 0"; a choice and its count are joined by a
    no-break space, so a line never splits them."""
    return " · ".join(f"{choice}\u00a0{count}" for choice, count in choices.items()) if choices else "–"

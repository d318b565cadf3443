"""The settings' problems the trainer's tools report (the grade scale, the scorer's schedule), in Polish with
``language: pl``: the same rules as in English, in the class's language."""

from __future__ import annotations

import pytest

from testtime.i18n import use_language
from testtime.schedule import check
from testtime.scoring import parse_grade_scale


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("[[50, 5]]", "GRADE_SCALE potrzebuje progu od 0, aby każdy wynik miał ocenę"),
        ("[[0, 2], [0, 3]]", "GRADE_SCALE ma dwa progi o tym samym minimum"),
        ("[[120, 5], [0, 2]]", "Minimum 120 w GRADE_SCALE nie mieści się między 0 a 100"),
        ('{"5": 90}', "GRADE_SCALE musi być listą JSON par [min_percent, ocena]"),
    ],
)
def test_a_grade_scale_that_cannot_be_used_is_said_in_polish(setting: str, said: str) -> None:
    with use_language("pl"), pytest.raises(ValueError) as caught:
        parse_grade_scale(setting)
    assert str(caught.value) == said


@pytest.mark.parametrize(
    ("expression", "said"),
    [
        ("cron(0 25 ? * MON *)", "godziny: 25 jest poza zakresem 0–23"),
        ("cron(0 18 * * MON *)", "dokładnie jedno z pól: dzień miesiąca i dzień tygodnia musi mieć wartość ?"),
        ("cron(0 18 ? * MON)", "wyrażenie cron ma 6 pól (minuty, godziny, dzień miesiąca, miesiąc, dzień tygodnia, "
         "rok), a nie 5"),
        ("rate(2 hour)", "'rate(2 hour)': należy napisać rate(1 hour) albo rate(2 hours)"),
        ("every day", "'every day' nie jest wyrażeniem cron(...), rate(...) ani at(...)"),
    ],
)  # fmt: skip
def test_a_schedule_that_cannot_be_used_is_said_in_polish(expression: str, said: str) -> None:
    with use_language("pl"), pytest.raises(ValueError) as caught:
        check(expression)
    assert str(caught.value) == said
    with pytest.raises(ValueError) as english:  # the same rule in English, the default
        check(expression)
    assert str(english.value) != said

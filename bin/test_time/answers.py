"""A question's choices and points as the API sends them, and an answer typed for it: one choice id, or for a
question marked ``"multiple": true`` any number of them typed on one line (``a,c``, ``a c``, ``A, C``)."""

from __future__ import annotations

import math
import re
from typing import Any, Tuple, Union  # noqa: UP035 (Python 3.8: see Answer)

from .i18n import CLIENT

_ = CLIENT.gettext
_n = CLIENT.ngettext
_p = CLIENT.pgettext

# One choice id, or the choice ids picked for a multiple-answer question (in the question's choice order). A
# runtime alias: typing's spelling, since students may run Python 3.8, where `str | tuple[str, ...]` raises.
Answer = Union[str, Tuple[str, ...]]  # noqa: UP006, UP007

_SEPARATOR = re.compile(r"\s+")


def choice_ids(question: dict[str, Any]) -> list[str]:
    return [str(choice.get("answerId")) for choice in question.get("answers") or []]


def is_multiple(question: dict[str, Any]) -> bool:
    return question.get("multiple") is True


def points_of(question: dict[str, Any]) -> float | None:
    """The question's points when the API sent them (a positive number), else None: the question is worth 1."""
    points = question.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)):
        return None
    return float(points) if math.isfinite(points) and points > 0 else None


def number_text(value: float) -> str:
    """2.0 -> '2', 0.5 -> '0.5' (Polish '0,5'): points as a trainer wrote them."""
    return f"{value:.10g}".replace(".", _p("decimal separator", "."))


def points_label(points: float) -> str:
    if points == int(points):
        return _n("{n} point", "{n} points", int(points))
    return _("{points} points", points=number_text(points))  # a fraction: Polish takes the genitive, "0,5 punktu"


def question_note(question: dict[str, Any]) -> str:
    """'(2 points, partial credit)', '(partial credit)', or '' for a question without either."""
    notes = []
    points = points_of(question)
    if points is not None:
        notes.append(points_label(points))
    if is_multiple(question) and question.get("partial") is True:
        notes.append(_("partial credit"))
    return f" ({', '.join(notes)})" if notes else ""


def total_points(questions: list[dict[str, Any]]) -> float | None:
    """The test's points when any question carries points, else None (every question is worth 1, as before)."""
    if all(points_of(question) is None for question in questions):
        return None
    return sum(points_of(question) or 1.0 for question in questions)


def example(ids: list[str]) -> str:
    """'a,c' for choices a, b, c: how several choices are typed."""
    return ",".join(dict.fromkeys([ids[0], ids[min(2, len(ids) - 1)]])) if ids else "a,c"


def match_choice(typed: str, ids: list[str]) -> str | None:
    """The choice id ``typed`` stands for: exact, else the one choice equal to it ignoring case."""
    if typed in ids:
        return typed
    folded = [answer_id for answer_id in ids if answer_id.strip().casefold() == typed.casefold()]
    return folded[0] if len(folded) == 1 else None


def parse_choices(typed: str, ids: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """The choices picked on one line, in the question's choice order and each once, and the pieces that are not
    choices. Pieces are separated by commas and blanks; a piece with a blank inside that is a choice id as a whole
    (a trainer may write one) is that choice."""
    whole = match_choice(typed, ids)
    if whole is not None:
        return (whole,), []
    picked, unknown = set(), []
    for piece in (part.strip() for part in typed.split(",")):
        if not piece:
            continue
        words = [piece] if match_choice(piece, ids) is not None else _SEPARATOR.split(piece)
        for word in words:
            choice = match_choice(word, ids)
            if choice is None:
                unknown.append(word)
            else:
                picked.add(choice)
    return tuple(answer_id for answer_id in ids if answer_id in picked), unknown


def shown(answer: Answer) -> str:
    return answer if isinstance(answer, str) else ",".join(answer)


def sent(answer: Answer) -> str | list[str]:
    """The answer as the API takes it: a string for a single-answer question, a list of choice ids otherwise."""
    return answer if isinstance(answer, str) else list(answer)


def answer_body(question: dict[str, Any], answer_id: str) -> str:
    for choice in question.get("answers") or []:
        if str(choice.get("answerId")) == answer_id:
            return str(choice.get("answerBody", ""))
    return ""

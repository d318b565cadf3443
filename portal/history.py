"""The student's history page: every test they submitted, with the score and, once the test is closed for
everybody, the right answers (``GET /api/v1/history``, contract §4).

Which answers may be shown is the API's decision: it leaves ``right``, ``correct``, points and explanations out of
the review until ``closedForEverybody``. The page shows what it is given, and says when the rest comes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from portal.api import ApiFailure
from portal.views import STUDENT, _key, api, failure_page, signed_in
from portal.words import _, _n, number

blueprint = Blueprint("history", __name__)


@blueprint.get("/history")
@signed_in(STUDENT)
def page() -> Response | str | tuple[str, int]:
    try:
        document = api().history(_key())
    except ApiFailure as failure:
        return failure_page(failure)
    tests = document.get("tests") if isinstance(document, dict) else None
    entries = [entry(test) for test in tests or [] if isinstance(test, Mapping)]
    return render_template("history.html", tests=entries)


def entry(test: Mapping[str, Any]) -> dict[str, Any]:
    """One submitted test as the page shows it. Sentences with a number are put together here (a ``%`` in a
    template's text would be taken for a placeholder); those with a date are the template's, around a <time>."""
    closed = test.get("closedForEverybody") is True
    scored = test.get("status") == "scored" and isinstance(test.get("score"), Mapping)
    version = test.get("version")
    return {
        "subject": test.get("subjectTitle") or test.get("subjectName") or "",
        "title": test.get("title") or test.get("testId") or "",
        "submitted_at": test.get("submittedAt"),
        "version": _("version {version}", version=version) if isinstance(version, int) else "",
        "scored": scored,
        "status": _("Scored") if scored else _("Submitted, not scored yet"),
        "score": score_lines(test["score"]) if scored else [],
        "closed": closed,
        "shown_after": None if closed else test.get("answersShownAfter"),
        "review": [question(item, closed) for item in test.get("review") or [] if isinstance(item, Mapping)],
    }


def score_lines(score: Mapping[str, Any]) -> list[str]:
    """``3 of 4 questions right``, the points when they say more than that, the percent and the grade."""
    lines = []
    correct, questions = number(score.get("correct")), score.get("questions")
    if correct and isinstance(questions, int) and not isinstance(questions, bool):
        lines.append(
            _n("{correct} of {n} question right", "{correct} of {n} questions right", questions, correct=correct)
        )
    points, most = number(score.get("points")), number(score.get("maxPoints"))
    if points and most and (points, most) != (correct, number(questions)):
        lines.append(_("{points} of {most} points", points=points, most=most))
    percent = number(score.get("percent"))
    if percent:
        lines.append(_("{percent}%", percent=percent))
    grade = score.get("grade")
    if grade not in (None, ""):  # a number as the others ("3,5" in Polish); a grade the API words, as it is
        lines.append(_("grade {grade}", grade=number(grade) or str(grade)))
    return lines


def question(item: Mapping[str, Any], closed: bool) -> dict[str, Any]:
    """One question of the review: the student's answer always; the right one and the mark only once closed."""
    # No text for what was chosen (answerText [], a choice gone from the test): its id, or ids, rather than nothing.
    chosen = [str(text) for text in item.get("answerText") or []] or _ids(item.get("answer"))
    shown: dict[str, Any] = {
        "text": item.get("text") or item.get("questionId") or "",
        "answer": ", ".join(chosen) if chosen else _("not answered"),
        "answered": bool(chosen),
    }
    if closed and "right" in item:
        right = item.get("rightText") or item.get("right") or []
        shown["right"] = ", ".join(str(text) for text in right) if isinstance(right, list) else str(right)
        shown["correct"] = item.get("correct") is True
        shown["mark"] = _("Right") if shown["correct"] else _("Wrong")
        points, most = number(item.get("points")), number(item.get("maxPoints"))
        if points and most and most != "1":
            shown["points"] = _("{points} of {most} points", points=points, most=most)
        if item.get("explanation"):
            shown["explanation"] = str(item["explanation"])
    return shown


def _ids(answer: Any) -> list[str]:
    """The answer's ids as the API gives them: one id (a string) or a list of them."""
    if isinstance(answer, str):
        return [answer] if answer else []
    if isinstance(answer, list):
        return [str(one) for one in answer if one not in (None, "")]
    return []

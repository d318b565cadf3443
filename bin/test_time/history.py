"""``--history``: the tests the student submitted (GET /api/v1/history), newest first, with the score once scored.
The review (their answers, the right ones, the explanations) comes only once the test is closed for everybody: the
API leaves it out before, and the client then says when it will be shown."""

from __future__ import annotations

import math
from typing import Any, List  # noqa: UP035 (Python 3.8)

from .answers import number_text
from .console import Console
from .deadlines import parse_instant, when_text
from .i18n import CLIENT
from .taking import student_name, subject_title, title_of

_ = CLIENT.gettext
_n = CLIENT.ngettext
_p = CLIENT.pgettext


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _choices(ids: object, texts: object) -> List[str]:  # noqa: UP006
    """'b) a web browser' for each choice: the id with its text when the API sent both."""
    chosen = [ids] if isinstance(ids, str) else [str(item) for item in ids] if isinstance(ids, list) else []
    words = [str(text) for text in texts] if isinstance(texts, list) else []
    if len(words) != len(chosen):
        return chosen or words
    return [f"{answer_id}) {word}" if word else answer_id for answer_id, word in zip(chosen, words)]  # noqa: B905 (3.8: no strict)


def score_line(score: dict[str, Any]) -> str:
    points, most = _number(score.get("points")), _number(score.get("maxPoints"))
    if points is None or most is None:
        points, most = _number(score.get("correct")), _number(score.get("questions"))
    if points is None or most is None:
        return _("Scored.")
    if most == int(most):
        line = _n("Score: {points} of {most} point", "Score: {points} of {most} points", int(most),
                  points=number_text(points), most=number_text(most))  # fmt: skip
    else:  # a fraction: a text of its own (Polish takes the genitive), not a whole number's plural, as answers.py
        line = _p("a fraction of points", "Score: {points} of {most} points",
                  points=number_text(points), most=number_text(most))  # fmt: skip
    percent = _number(score.get("percent"))
    if percent is not None:
        line = _("{score} ({percent}%)", score=line, percent=number_text(round(percent, 1)))
    grade, shown = score.get("grade"), _number(score.get("grade"))
    if shown is not None:  # a number as the client writes numbers: 3.5, Polish 3,5
        line = _("{score}, grade {grade}", score=line, grade=number_text(shown))
    elif isinstance(grade, str) and grade.strip():
        line = _("{score}, grade {grade}", score=line, grade=grade.strip())
    return line


def show_item(console: Console, number: int, item: dict[str, Any], closed: bool) -> None:
    console.say(f"{number:>3}. {item.get('text', '')}", indent="  ")
    mine = _choices(item.get("answer"), item.get("answerText"))
    if mine:
        console.say(_("your answer: {answer}", answer="; ".join(mine)), indent="         ")
    else:
        console.say(_("your answer: none"), indent="         ")
    if not closed or "right" not in item:
        return
    right = "; ".join(_choices(item.get("right"), item.get("rightText")))
    verdict = _("right") if item.get("correct") is True else _("wrong")
    points, most = _number(item.get("points")), _number(item.get("maxPoints"))
    if points is not None and most is not None and item.get("correct") is not True and points > 0:
        verdict = _("partly right, {points} of {most}", points=number_text(points), most=number_text(most))
    console.say(_("right answer: {answer} ({verdict})", answer=right, verdict=verdict), indent="         ")
    explanation = str(item.get("explanation") or "").strip()
    if explanation:
        console.say(explanation, indent="         ")


def show_test(console: Console, entry: dict[str, Any]) -> None:
    console.say(_("{subject}: {test}", subject=subject_title(entry), test=title_of(entry)))
    submitted = when_text(entry.get("submittedAt"))
    version = entry.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        console.say(_("Submitted on {when} (version {version}).", when=submitted, version=version), indent="  ")
    else:
        console.say(_("Submitted on {when}.", when=submitted), indent="  ")
    closed = entry.get("closedForEverybody") is True
    shown_after = parse_instant(str(entry.get("answersShownAfter") or ""))
    score = entry.get("score")
    if entry.get("status") != "scored" or not isinstance(score, dict):
        console.say(_("Not scored yet: your score appears here once it is scored."), indent="  ")
        return
    console.say(score_line(score), indent="  ")
    review = [item for item in entry.get("review") or [] if isinstance(item, dict)]
    if review:
        console.say(_("Your answers:"), indent="  ")
        for number, item in enumerate(review, start=1):
            show_item(console, number, item, closed)
    if not closed and shown_after is not None:
        when = when_text(entry.get("answersShownAfter"))
        later = _("Your answers and the right answers are shown once the test closes for everybody: {when}.", when=when)
        console.say(later, indent="  ")
    elif not closed:
        console.say(_("Your answers and the right answers are shown once the test closes for everybody."), indent="  ")


def show_history(console: Console, history: dict[str, Any]) -> None:
    tests = [entry for entry in history.get("tests") or [] if isinstance(entry, dict)]
    who = student_name(history)
    if not tests:
        console.say(_("{name} has not submitted any test yet.", name=who) if who else _("No test submitted yet."))
        return
    console.say(
        _("Tests submitted by {name}, newest first:", name=who) if who else _("Your submitted tests, newest first:")
    )
    for entry in tests:
        console.say()
        show_test(console, entry)

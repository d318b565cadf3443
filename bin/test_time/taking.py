"""Taking a test: the listing, the menu, the questions, the review, sending the answers."""

from __future__ import annotations

import re
import sys
from typing import Any

from .answers import (
    Answer,
    answer_body,
    choice_ids,
    example,
    is_multiple,
    match_choice,
    parse_choices,
    points_label,
    question_note,
    sent,
    shown,
    total_points,
)
from .api import Api
from .console import Console, one_line
from .deadlines import describe_deadline, local_time, parse_instant
from .i18n import CLIENT
from .ids import is_safe_id
from .outcomes import EXIT_ALREADY, EXIT_INTERRUPTED, PROG, Failure, NotSent

_ = CLIENT.gettext
_n = CLIENT.ngettext


def open_tests(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """The listed tests, each with its subject (and the subject's title). A test whose subject or test id is not an
    id (the service never lists one) is skipped with a note on stderr: it would only be sent back in the next
    request."""
    tests = []
    for subject in listing.get("subjects") or []:
        for test in subject.get("tests") or []:
            subject_name, test_id = subject.get("subjectName", ""), test.get("testId")
            if not (is_safe_id(subject_name) and is_safe_id(test_id)):
                shown = one_line(f"{subject_name!r}/{test_id!r}")[:200]
                note = _("note: skipped a listed test whose name is not a valid id: {test}", test=shown)
                print(f"{PROG}: {note}", file=sys.stderr)
                continue
            tests.append({**test, "subjectName": subject_name, "subjectTitle": subject.get("subjectTitle")})
    return tests


def student_name(reply: dict[str, Any]) -> str:
    """The student's name as the class list has it, else their id, else ''."""
    for field in ("studentName", "studentId"):
        if isinstance(reply.get(field), str) and reply[field].strip():
            return str(reply[field]).strip()
    return ""


def subject_title(test: dict[str, Any]) -> str:
    title = test.get("subjectTitle")
    return str(title).strip() if isinstance(title, str) and title.strip() else str(test.get("subjectName", ""))


def title_of(test: dict[str, Any], test_id: str = "") -> str:
    title = test.get("title")
    return str(title).strip() if isinstance(title, str) and title.strip() else str(test.get("testId") or test_id)


def questions_text(count: int) -> str:
    return _n("{n} question", "{n} questions", count)


def show_listing(console: Console, listing: dict[str, Any], tests: list[dict[str, Any]]) -> None:
    who = student_name(listing)
    if not tests:
        console.say(_("No open tests for {name} right now.", name=who) if who else _("No open tests right now."))
        return
    console.say(_("Open tests for {name}:", name=who) if who else _("Your open tests:"))
    for number, test in enumerate(tests, start=1):
        count = test.get("questionCount")
        line = _("{subject}: {test}", subject=subject_title(test), test=title_of(test))
        if isinstance(count, int) and not isinstance(count, bool):
            line = _("{test} ({questions})", test=line, questions=questions_text(count))
        ids = f"[{test['subjectName']}/{test.get('testId')}]"
        console.say(f"{number:>3}. {line} {ids}")
        console.say(describe_deadline(str(test.get("deadline", ""))), indent="     ")
        if replaceable(test):
            when = submitted_when(test)
            said = _("submitted on {when}; a new submission replaces it", when=when) if when else None
            console.say(said or _("submitted; a new submission replaces it"), indent="     ")


def replaceable(test: dict[str, Any]) -> bool:
    """A test the caller submitted that accepts a new submission until their deadline ("resubmit")."""
    return test.get("resubmit") is True and test.get("submitted") is True


def submitted_when(test: dict[str, Any]) -> str:
    """'Tuesday 1 December 2026, 10:00 CET', or '' when the reply does not say when the caller submitted."""
    when = parse_instant(str(test.get("submittedAt") or ""))
    return local_time(when) if when else ""


def menu_number(typed: str, total: int) -> int | None:
    """The number typed, from 1 to ``total``; None for anything else (``str.isdigit`` also accepts '²' and '٣',
    and int('²') raises)."""
    if re.fullmatch(r"[0-9]{1,9}", typed) and 1 <= int(typed) <= total:
        return int(typed)
    return None


def pick_test(console: Console, tests: list[dict[str, Any]]) -> dict[str, Any]:
    choices = "1" if len(tests) == 1 else f"1-{len(tests)}"
    while True:
        if len(tests) == 1:
            answer = console.ask(_("Which test? Type its number ({choices}), or press Enter: ", choices=choices))
        else:
            answer = console.ask(_("Which test? Type its number ({choices}): ", choices=choices))
        if not answer and len(tests) == 1:
            return tests[0]
        number = menu_number(answer, len(tests))
        if number is not None:
            return tests[number - 1]
        console.say(
            _("{typed} is not a test number: type a number from {choices}.", typed=repr(answer), choices=choices)
        )


def show_question(console: Console, number: int, total: int, question: dict[str, Any]) -> None:
    console.say()
    console.say(_("Question {number}/{total}", number=number, total=total) + question_note(question))
    console.say(str(question.get("question", "")))
    for choice in question.get("answers") or []:
        console.say(f"{choice.get('answerId')}) {choice.get('answerBody', '')}", indent="  ")


def ask_answer(console: Console, question: dict[str, Any], current: Answer | None = None) -> Answer:
    """One of the question's choices (either case), or for a multiple-answer question one or more of them on one
    line; anything else is explained and asked again. With a ``current`` answer (a change at the review), an
    empty line keeps it."""
    if is_multiple(question):
        return _ask_choices(console, question, current if isinstance(current, tuple) else None)
    ids = choice_ids(question)
    listed = ", ".join(ids)
    if current:
        prompt = _("Your answer ({choices}; Enter keeps {current}): ", choices=listed, current=shown(current))
    else:
        prompt = _("Your answer ({choices}): ", choices=listed)
    while True:
        typed = console.ask(prompt)
        if not typed and current:
            return current
        if not typed:
            console.say(_("An answer is needed — type one of {choices}", choices=listed))
            continue
        choice = match_choice(typed, ids)
        if choice is not None:
            return choice
        console.say(_("{typed} is not one of {choices} — type one of them", typed=repr(typed), choices=listed))


def _ask_choices(console: Console, question: dict[str, Any], current: tuple[str, ...] | None) -> tuple[str, ...]:
    ids = choice_ids(question)
    listed, like = ", ".join(ids), example(ids)
    if current:
        prompt = _(
            "Your answer ({choices} — choose one or more, e.g. {example}; Enter keeps {current}): ",
            choices=listed,
            example=like,
            current=shown(current),
        )
    else:
        prompt = _("Your answer ({choices} — choose one or more, e.g. {example}): ", choices=listed, example=like)
    while True:
        typed = console.ask(prompt)
        if not typed and current:
            return current
        picked, unknown = parse_choices(typed, ids)
        if unknown:
            named = ", ".join(repr(piece) for piece in unknown)
            console.say(
                _n(
                    "{typed} is not one of {choices} — choose one or more of them, e.g. {example}",
                    "{typed} are not among {choices} — choose one or more of them, e.g. {example}",
                    len(unknown),
                    typed=named,
                    choices=listed,
                    example=like,
                )
            )
        elif not picked:
            console.say(
                _("An answer is needed — choose one or more of {choices}, e.g. {example}", choices=listed, example=like)
            )
        else:
            return picked


def show_answer(console: Console, question: dict[str, Any], answer: Answer) -> None:
    for answer_id in (answer,) if isinstance(answer, str) else answer:
        console.say(f"-> {answer_id}) {answer_body(question, answer_id)}", indent="       ")


def review(
    console: Console, name: str, questions: list[dict[str, Any]], answers: list[Answer], replaces: str = ""
) -> None:
    """The review screen: changes by question number until y; NotSent on n. ``replaces`` is the line that says
    the earlier submission will be replaced (a resubmit test); without it, the line that says sending is final."""
    total = len(questions)
    while True:
        console.say()
        console.say(_("Review your answers to {test}:", test=name))
        for index, question in enumerate(questions):
            console.say(f"{index + 1:>3}. {question.get('question', '')}")
            show_answer(console, question, answers[index])
        console.say(replaces or _("Sending is final: once sent, these answers cannot be changed."))
        while True:
            typed = console.ask(
                _("Send these answers? y = send, n = cancel, 1-{total} = change that answer: ", total=total)
            )
            folded = typed.casefold()
            if folded in yes_words():
                return
            if folded in no_words():
                raise NotSent("cancelled")
            number = menu_number(typed, total)
            if number is not None:
                show_question(console, number, total, questions[number - 1])
                answers[number - 1] = ask_answer(console, questions[number - 1], current=answers[number - 1])
                break
            console.say(
                _(
                    "{typed} is not y, n or a question number from 1 to {total} — type one of them",
                    typed=repr(typed),
                    total=total,
                )
            )


def yes_words() -> set[str]:
    """y and yes always (scripts pipe them), and the class's own words (Polish: t, tak)."""
    return {"y", "yes", *_("y|yes").casefold().split("|")}


def no_words() -> set[str]:
    return {"n", "no", *_("n|no").casefold().split("|")}


def stop_if_submitted(console: Console, test: dict[str, Any], name: str) -> None:
    """A test the caller submitted says so before any question; one that takes no new submission stops there."""
    if test.get("submitted") is not True or test.get("resubmit") is True:
        return
    when = submitted_when(test)
    console.say()
    console.say(
        _("You submitted {test} on {when}.", test=name, when=when) if when else _("You submitted {test}.", test=name)
    )
    raise Failure(
        _("already submitted: your answers to {test} are stored and cannot be changed", test=name), EXIT_ALREADY
    )


def answer_test(console: Console, api: Api, subject: str, test_id: str, test: dict[str, Any]) -> dict[str, Any]:
    name = title_of(test, test_id)
    questions = test["questions"]
    stop_if_submitted(console, test, name)
    console.say()
    points = total_points(questions)
    count = questions_text(len(questions))
    worth = _("{questions}, {points}", questions=count, points=points_label(points)) if points is not None else count
    console.say(
        _("{test} ({subject}): {size}", test=name, subject=subject_title({"subjectName": subject, **test}), size=worth)
    )
    console.say(describe_deadline(str(test.get("deadline", ""))))
    replaces = ""
    if replaceable(test):
        when = submitted_when(test)
        if when:
            replaces = _("Sending these answers replaces the answers you submitted on {when}.", when=when)
            console.say(
                _(
                    "You submitted this test on {when}; a new submission replaces it (the earlier one is kept).",
                    when=when,
                )
            )
        else:
            replaces = _("Sending these answers replaces the answers you submitted.")
            console.say(_("You submitted this test; a new submission replaces it (the earlier one is kept)."))
    elif test.get("resubmit") is True:
        console.say(_("You may send new answers until your deadline: a new submission replaces the earlier one."))
    answers: list[Answer] = []
    for number, question in enumerate(questions, start=1):
        show_question(console, number, len(questions), question)
        answers.append(ask_answer(console, question))
    review(console, name, questions, answers, replaces)
    # A single-answer question's answer is a string, as before issue 16; a multiple-answer one's a list of ids.
    payload = [{"questionId": str(q.get("questionId")), "answer": sent(answers[i])} for i, q in enumerate(questions)]
    console.say(_("Sending..."))
    check = _(
        "run bin/{prog} --list to see whether {test} is still open (a stored test is no longer listed)",
        prog=PROG,
        test=name,
    )
    if test.get("resubmit") is True:  # listed either way: sending again is safe, the last version counts
        check = _("your answers may have been stored; you may send them again until your deadline")
    try:
        return api.submit(subject, test_id, payload)
    except KeyboardInterrupt:
        raise Failure(_("interrupted while sending: {check}", check=check), EXIT_INTERRUPTED) from None


def report_sent(console: Console, name: str, reply: dict[str, Any]) -> None:
    """The API's 201 "stored" (the first submission) or 200 "replaced" (a new version, the test has resubmit)."""
    received = parse_instant(str(reply.get("receivedAt", "")))
    when = local_time(received, seconds=True) if received else str(reply.get("receivedAt", "?"))
    if reply.get("status") != "replaced":
        console.say(_("Stored: your answers to {test} were received on {when}.", test=name, when=when))
    else:
        version = reply.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            said = _(
                "Replaced: version {version} of your answers to {test}, received on {when}, replaced the earlier one.",
                version=version,
                test=name,
                when=when,
            )
        else:
            said = _(
                "Replaced: a new version of your answers to {test}, received on {when}, replaced the earlier one.",
                test=name,
                when=when,
            )
        console.say(said + " " + _("Every version is kept; the last one sent before your deadline is scored."))
    console.say(_("Once it is scored, bin/{prog} --history shows your score and your answers.", prog=PROG))

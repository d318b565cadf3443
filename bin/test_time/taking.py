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
from .deadlines import describe_deadline, local_time, parse_instant, unit
from .ids import is_safe_id
from .outcomes import EXIT_INTERRUPTED, PROG, Failure, NotSent


def open_tests(listing: dict[str, Any]) -> list[dict[str, Any]]:
    """The listed tests, each with its subject. A test whose subject or test id is not an id (the service never
    lists one) is skipped with a note on stderr: it would only be sent back in the next request."""
    tests = []
    for subject in listing.get("subjects") or []:
        for test in subject.get("tests") or []:
            subject_name, test_id = subject.get("subjectName", ""), test.get("testId")
            if not (is_safe_id(subject_name) and is_safe_id(test_id)):
                shown = one_line(f"{subject_name!r}/{test_id!r}")[:200]
                print(f"{PROG}: note: skipped a listed test whose name is not a valid id: {shown}", file=sys.stderr)
                continue
            tests.append({**test, "subjectName": subject_name})
    return tests


def show_listing(console: Console, listing: dict[str, Any], tests: list[dict[str, Any]]) -> None:
    who = listing.get("studentId") or "you"
    if not tests:
        console.say(f"No open tests for {who} right now.")
        return
    console.say(f"Open tests for {who}:")
    for number, test in enumerate(tests, start=1):
        count = test.get("questionCount")
        questions = f" ({unit(count, 'question')})" if isinstance(count, int) else ""
        console.say(f"{number:>3}. {test['subjectName']}/{test.get('testId')}: {test.get('title', '')}{questions}")
        console.say(describe_deadline(str(test.get("deadline", ""))), indent="     ")
        if replaceable(test):
            console.say(f"submitted{submitted_when(test)}; a new submission replaces it", indent="     ")


def replaceable(test: dict[str, Any]) -> bool:
    """A test the caller submitted that accepts a new submission until their deadline ("resubmit")."""
    return test.get("resubmit") is True and test.get("submitted") is True


def submitted_when(test: dict[str, Any]) -> str:
    """' on Tue 01 Dec 2026 10:00 CET', or '' when the reply does not say when the caller submitted."""
    when = parse_instant(str(test.get("submittedAt") or ""))
    return f" on {local_time(when)}" if when else ""


def menu_number(typed: str, total: int) -> int | None:
    """The number typed, from 1 to ``total``; None for anything else (``str.isdigit`` also accepts '²' and '٣',
    and int('²') raises)."""
    if re.fullmatch(r"[0-9]{1,9}", typed) and 1 <= int(typed) <= total:
        return int(typed)
    return None


def pick_test(console: Console, tests: list[dict[str, Any]]) -> dict[str, Any]:
    choices = "1" if len(tests) == 1 else f"1-{len(tests)}"
    while True:
        enter = ", or press Enter" if len(tests) == 1 else ""
        answer = console.ask(f"Which test? Type its number ({choices}){enter}: ")
        if not answer and len(tests) == 1:
            return tests[0]
        number = menu_number(answer, len(tests))
        if number is not None:
            return tests[number - 1]
        console.say(f"{answer!r} is not a test number: type a number from {choices}.")


def show_question(console: Console, number: int, total: int, question: dict[str, Any]) -> None:
    console.say()
    console.say(f"Question {number}/{total}{question_note(question)}")
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
    prompt = f"Your answer ({listed}{f'; Enter keeps {current}' if current else ''}): "
    while True:
        typed = console.ask(prompt)
        if not typed and current:
            return current
        if not typed:
            console.say(f"An answer is needed — type one of {listed}")
            continue
        choice = match_choice(typed, ids)
        if choice is not None:
            return choice
        console.say(f"{typed!r} is not one of {listed} — type one of them")


def _ask_choices(console: Console, question: dict[str, Any], current: tuple[str, ...] | None) -> tuple[str, ...]:
    ids = choice_ids(question)
    listed, typed_like = ", ".join(ids), example(ids)
    keeps = f"; Enter keeps {shown(current)}" if current else ""
    prompt = f"Your answer ({listed} — choose one or more, e.g. {typed_like}{keeps}): "
    while True:
        typed = console.ask(prompt)
        if not typed and current:
            return current
        picked, unknown = parse_choices(typed, ids)
        if unknown:
            named = ", ".join(repr(piece) for piece in unknown)
            verb = "is not one" if len(unknown) == 1 else "are not"
            console.say(f"{named} {verb} of {listed} — choose one or more of them, e.g. {typed_like}")
        elif not picked:
            console.say(f"An answer is needed — choose one or more of {listed}, e.g. {typed_like}")
        else:
            return picked


def show_answer(console: Console, question: dict[str, Any], answer: Answer) -> None:
    for answer_id in (answer,) if isinstance(answer, str) else answer:
        console.say(f"-> {answer_id}) {answer_body(question, answer_id)}", indent="       ")


def review(
    console: Console, name: str, questions: list[dict[str, Any]], answers: list[Answer], replaces: str = ""
) -> None:
    """The review screen: changes by question number until y; NotSent on n. ``replaces`` is the line that says
    the earlier submission will be replaced, for a test submitted before."""
    total = len(questions)
    while True:
        console.say()
        console.say(f"Review your answers to {name}:")
        for index, question in enumerate(questions):
            console.say(f"{index + 1:>3}. {question.get('question', '')}")
            show_answer(console, question, answers[index])
        if replaces:
            console.say(replaces)
        while True:
            typed = console.ask(f"Send these answers? y = send, n = cancel, 1-{total} = change that answer: ")
            folded = typed.casefold()
            if folded in ("y", "yes"):
                return
            if folded in ("n", "no"):
                raise NotSent("cancelled")
            number = menu_number(typed, total)
            if number is not None:
                show_question(console, number, total, questions[number - 1])
                answers[number - 1] = ask_answer(console, questions[number - 1], current=answers[number - 1])
                break
            console.say(f"{typed!r} is not y, n or a question number from 1 to {total} — type one of them")


def answer_test(console: Console, api: Api, subject: str, test_id: str, test: dict[str, Any]) -> dict[str, Any]:
    name = f"{subject}/{test_id}"
    questions = test["questions"]
    console.say()
    points = total_points(questions)
    worth = f", {points_label(points)}" if points is not None else ""
    console.say(f"{test.get('title') or name} ({name}): {unit(len(questions), 'question')}{worth}")
    console.say(describe_deadline(str(test.get("deadline", ""))))
    replaces = ""
    if replaceable(test):
        when = submitted_when(test)
        replaces = f"Sending these answers replaces the answers you submitted{when}."
        console.say(f"You submitted this test{when}; a new submission replaces it (the earlier one is kept).")
    elif test.get("resubmit") is True:
        console.say("You may send new answers until your deadline: a new submission replaces the earlier one.")
    answers: list[Answer] = []
    for number, question in enumerate(questions, start=1):
        show_question(console, number, len(questions), question)
        answers.append(ask_answer(console, question))
    review(console, name, questions, answers, replaces)
    # A single-answer question's answer is a string, as before issue 16; a multiple-answer one's a list of ids.
    payload = [{"questionId": str(q.get("questionId")), "answer": sent(answers[i])} for i, q in enumerate(questions)]
    console.say("Sending...")
    check = f"run bin/{PROG} --list to see whether {name} is still open (a stored test is no longer listed)"
    if test.get("resubmit") is True:  # listed either way: sending again is safe, the last version counts
        check = "your answers may have been stored; you may send them again until your deadline"
    try:
        return api.submit(subject, test_id, payload)
    except KeyboardInterrupt:
        raise Failure(f"interrupted while sending: {check}", EXIT_INTERRUPTED) from None


def report_sent(console: Console, name: str, reply: dict[str, Any]) -> None:
    """The API's 201 "stored" (the first submission) or 200 "replaced" (a new version, the test has resubmit)."""
    received = parse_instant(str(reply.get("receivedAt", "")))
    when = local_time(received, seconds=True) if received else str(reply.get("receivedAt", "?"))
    if reply.get("status") != "replaced":
        console.say(f"Stored: your answers to {name} were received at {when}.")
        return
    version = reply.get("version")
    numbered = f"version {version}" if isinstance(version, int) and not isinstance(version, bool) else "a new version"
    console.say(
        f"Replaced: {numbered} of your answers to {name}, received at {when}, replaced the earlier one. "
        "Every version is kept; the last one sent before your deadline is scored."
    )

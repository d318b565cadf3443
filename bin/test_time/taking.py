"""Taking a test: the listing, the menu, the questions, the review, sending the answers."""

from __future__ import annotations

import re
import sys
from typing import Any

from .api import Api
from .console import Console, one_line
from .deadlines import describe_deadline, unit
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


def choice_ids(question: dict[str, Any]) -> list[str]:
    return [str(choice.get("answerId")) for choice in question.get("answers") or []]


def show_question(console: Console, number: int, total: int, question: dict[str, Any]) -> None:
    console.say()
    console.say(f"Question {number}/{total}")
    console.say(str(question.get("question", "")))
    for choice in question.get("answers") or []:
        console.say(f"{choice.get('answerId')}) {choice.get('answerBody', '')}", indent="  ")


def ask_answer(console: Console, question: dict[str, Any], current: str | None = None) -> str:
    """One of the question's choices (either case); anything else is explained and asked again.

    With a ``current`` answer (a change at the review), an empty line keeps it.
    """
    ids = choice_ids(question)
    listed = ", ".join(ids)
    by_folded = {answer_id.strip().casefold(): answer_id for answer_id in ids}
    prompt = f"Your answer ({listed}{f'; Enter keeps {current}' if current else ''}): "
    while True:
        typed = console.ask(prompt)
        if not typed and current:
            return current
        if not typed:
            console.say(f"An answer is needed — type one of {listed}")
            continue
        if typed in ids:
            return typed
        if typed.casefold() in by_folded:
            return by_folded[typed.casefold()]
        console.say(f"{typed!r} is not one of {listed} — type one of them")


def answer_body(question: dict[str, Any], answer_id: str) -> str:
    for choice in question.get("answers") or []:
        if str(choice.get("answerId")) == answer_id:
            return str(choice.get("answerBody", ""))
    return ""


def review(console: Console, name: str, questions: list[dict[str, Any]], answers: list[str]) -> None:
    """The review screen: changes by question number until y; NotSent on n."""
    total = len(questions)
    while True:
        console.say()
        console.say(f"Review your answers to {name}:")
        for index, question in enumerate(questions):
            console.say(f"{index + 1:>3}. {question.get('question', '')}")
            console.say(f"-> {answers[index]}) {answer_body(question, answers[index])}", indent="       ")
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
    console.say(f"{test.get('title') or name} ({name}): {unit(len(questions), 'question')}")
    console.say(describe_deadline(str(test.get("deadline", ""))))
    answers = []
    for number, question in enumerate(questions, start=1):
        show_question(console, number, len(questions), question)
        answers.append(ask_answer(console, question))
    review(console, name, questions, answers)
    payload = [{"questionId": str(q.get("questionId")), "answer": answers[i]} for i, q in enumerate(questions)]
    console.say("Sending...")
    try:
        return api.submit(subject, test_id, payload)
    except KeyboardInterrupt:
        raise Failure(
            f"interrupted while sending: run bin/{PROG} --list to see whether {name} is still open "
            "(a stored test is no longer listed)",
            EXIT_INTERRUPTED,
        ) from None

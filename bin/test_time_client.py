#!/usr/bin/env python3
"""Test Time's terminal client for students: list your open tests, answer one, review, send.

Python 3 standard library only (no packages, no AWS credentials): run it through bin/test-time.sh.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import textwrap
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from http.client import HTTPException
from pathlib import Path
from typing import Any

PROG = "test-time.sh"
VERSION = "1.0.0"
DEFAULT_CONFIG = "~/.trainings/config"
CONFIG_HEADER = "# Test Time: the student client's settings (bin/test-time.sh). Keep this file private.\n"
TIMEOUT_SECONDS = 30
SETUP_ATTEMPTS = 3
UTC = timezone.utc  # noqa: UP017 (datetime.UTC needs Python 3.11; students may have an older python3)

# Exit statuses, documented in --help.
EXIT_STORED = 0
EXIT_NOT_SENT = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_NETWORK = 4
EXIT_FORBIDDEN = 5
EXIT_CLOSED = 6
EXIT_ALREADY = 7
EXIT_SERVER = 8
EXIT_REJECTED = 9
EXIT_THROTTLED = 10
EXIT_INTERRUPTED = 130

EXIT_HELP = f"""\
exit status:
  {EXIT_STORED:<3}  the answers were stored (--list: the list was printed)
  {EXIT_NOT_SENT:<3}  nothing was sent: cancelled at the confirmation, end of input, or no open test
  {EXIT_USAGE:<3}  wrong options
  {EXIT_CONFIG:<3}  invalid or missing config file, or an API URL without the API
  {EXIT_NETWORK:<3}  the API cannot be reached (no network, connection refused, timeout)
  {EXIT_FORBIDDEN:<3}  the API key was not accepted (403)
  {EXIT_CLOSED:<3}  the test is closed (410)
  {EXIT_ALREADY:<3}  you already submitted this test (409)
  {EXIT_SERVER:<3}  server error (5xx) or an unexpected reply
  {EXIT_REJECTED:<3}  no such test (404) or the request was rejected (400)
  {EXIT_THROTTLED:<3}  too many requests (429): wait a little and try again
  {EXIT_INTERRUPTED:<3}  interrupted (Ctrl-C); nothing was sent
"""

USAGE_EXAMPLES = f"""\
examples:
  bin/{PROG}                                    pick a test from a menu and answer it
  bin/{PROG} --list                             print your open tests and their deadlines
  printf 'a\\nc\\na\\nc\\na\\nd\\ny\\n' | bin/{PROG} --subject operating-systems --test test01

With --subject and --test the menus are skipped and the answers are read one per line (a, b, ... in either
case), then one y/n line to confirm; an invalid line is explained and the next line is read instead. At the
review a question number changes that answer.

config: --config FILE, else $TRAININGS_CONFIG, else {DEFAULT_CONFIG}: KEY=value lines API_URL, API_KEY
(and STUDENT_ID), mode 600. The first run in a terminal asks for the URL and the key and writes it; your
trainer's bin/pull-api-config.sh --student ID --save writes the same file.
"""


class Failure(Exception):
    """One line for the student on stderr, and the exit status that goes with it."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotSent(Exception):
    """The student cancelled, or the input ended, before the answers were sent."""


# ---------------------------------------------------------------------------------------------------- config


def config_path(option: str | None) -> Path:
    return Path(option or os.environ.get("TRAININGS_CONFIG") or DEFAULT_CONFIG).expanduser()


def normalise_url(text: str) -> str:
    """The base URL of the API (up to the stage), from what a student may paste; ValueError when it is not one."""
    url = text.strip().rstrip("/")
    for suffix in ("/api/v1/tests", "/api/v1/test", "/api/v1"):
        if url.endswith(suffix):
            url = url[: -len(suffix)].rstrip("/")
            break
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
        raise ValueError(f"{text.strip()!r} is not an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise ValueError(f"{text.strip()!r}: the API URL has no ?query or #fragment")
    return url


def read_config(path: Path) -> dict[str, str] | None:
    """The settings of ``path``; None when the file does not exist; Failure when it is not a valid config."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"invalid config {path}: cannot read it ({error})", EXIT_CONFIG) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"warning: {path} can be read by other users: run chmod 600 {path}", file=sys.stderr)
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        name, equals, value = line.partition("=")
        name, value = name.strip().upper(), value.strip()
        if not equals or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
            raise Failure(f"invalid config {path}, line {number}: expected KEY=value", EXIT_CONFIG)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    missing = [name for name in ("API_URL", "API_KEY") if not values.get(name)]
    if missing:
        raise Failure(f"invalid config {path}: no {' and no '.join(missing)} line", EXIT_CONFIG)
    try:
        values["API_URL"] = normalise_url(values["API_URL"])
    except ValueError as error:
        raise Failure(f"invalid config {path}: API_URL {error}", EXIT_CONFIG) from None
    return values


def write_config(path: Path, values: dict[str, str]) -> None:
    """Mode 600 in a folder created with mode 700, replaced atomically: a reader never sees half a file."""
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))  # mode 600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(CONFIG_HEADER)
            for name in ("API_URL", "API_KEY", "STUDENT_ID"):
                if values.get(name):
                    stream.write(f"{name}={values[name]}\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# ---------------------------------------------------------------------------------------------------- the API


class Api:
    """The three routes, with every failure turned into a Failure (one line, one exit status)."""

    def __init__(self, url: str, key: str) -> None:
        self.url = url
        self._key = key
        self._opener = urllib.request.build_opener()  # honours http(s)_proxy / no_proxy

    def list_tests(self, subject: str | None = None) -> dict[str, Any]:
        listing = self._call("POST", "/api/v1/tests", body={"subjectName": subject} if subject else {})
        if not isinstance(listing.get("subjects"), list):
            raise Failure(f"unexpected reply from {self.url}: no list of subjects", EXIT_SERVER)
        return listing

    def get_test(self, subject: str, test_id: str) -> dict[str, Any]:
        test = self._call("GET", "/api/v1/test", query={"subjectName": subject, "testId": test_id})
        if not isinstance(test.get("questions"), list):
            raise Failure(f"unexpected reply from {self.url}: no list of questions", EXIT_SERVER)
        return test

    def submit(self, subject: str, test_id: str, answers: list[dict[str, str]]) -> dict[str, Any]:
        body = {"subjectName": subject, "testId": test_id, "answers": answers}
        return self._call("POST", "/api/v1/test", body=body)

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, query: dict[str, str] | None = None
    ) -> dict[str, Any]:
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"x-api-key": self._key, "Accept": "application/json", "User-Agent": f"test-time-client/{VERSION}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except urllib.error.URLError as error:
            raise Failure(f"cannot reach the API at {self._where()}: {_reason(error.reason)}", EXIT_NETWORK) from None
        except (HTTPException, OSError) as error:  # socket.timeout too (an OSError in every version)
            raise Failure(f"cannot reach the API at {self._where()}: {_reason(error)}", EXIT_NETWORK) from None
        try:
            reply = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            reply = None
        if status >= 400:
            raise self._failure(status, reply if isinstance(reply, dict) else {})
        if not isinstance(reply, dict):
            raise Failure(f"unexpected reply from {self.url} (HTTP {status}): not a JSON object", EXIT_SERVER)
        return reply

    def _where(self) -> str:
        return urllib.parse.urlsplit(self.url).netloc

    def _failure(self, status: int, reply: dict[str, Any]) -> Failure:
        message = str(reply.get("message") or "").strip()
        said = f": {message}" if message else ""
        if status == 403 and message == "Missing Authentication Token":  # API Gateway: no such route
            return Failure(f"the API URL {self.url} has no Test Time API (403 {message})", EXIT_CONFIG)
        if status == 403:
            return Failure(f"your API key was not accepted (403{said}): check API_KEY", EXIT_FORBIDDEN)
        if status == 409:
            return Failure(f"already submitted{said}", EXIT_ALREADY)
        if status == 410:
            return Failure(f"test closed{said}", EXIT_CLOSED)
        if status == 429:
            return Failure(f"too many requests (429{said}): wait a minute and try again", EXIT_THROTTLED)
        if status == 404:
            return Failure(f"not found{said}", EXIT_REJECTED)
        if 400 <= status < 500:
            return Failure(f"the request was rejected (HTTP {status}){said}", EXIT_REJECTED)
        return Failure(f"server error (HTTP {status}){said or ''}; try again later", EXIT_SERVER)


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the API URL right? is the service up?)"
    if isinstance(reason, socket.gaierror):
        return "unknown host (check your network and the API URL)"
    if isinstance(reason, (socket.timeout, TimeoutError)):  # distinct classes before Python 3.10
        return f"no answer within {TIMEOUT_SECONDS} s"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__


# ---------------------------------------------------------------------------------------------------- time


def parse_instant(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _unit(count: int, name: str) -> str:
    return f"{count} {name}{'' if count == 1 else 's'}"


def closes_in(deadline: datetime, now: datetime) -> str:
    """'closes in 2 days', 'closes in 1 day 5 hours', 'closes in 5 hours', 'closes in 3 minutes'."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "closed"
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days >= 2:
        return f"closes in {_unit(days, 'day')}"
    if days == 1:
        return "closes in 1 day" + (f" {_unit(hours, 'hour')}" if hours else "")
    if hours >= 2:
        return f"closes in {_unit(hours, 'hour')}"
    if hours == 1:
        return "closes in 1 hour" + (f" {_unit(minutes, 'minute')}" if minutes else "")
    if minutes >= 1:
        return f"closes in {_unit(minutes, 'minute')}"
    return "closes in less than a minute"


def local_time(moment: datetime, seconds: bool = False) -> str:
    return moment.astimezone().strftime("%a %d %b %Y %H:%M" + (":%S" if seconds else "") + " %Z")


def describe_deadline(text: str) -> str:
    deadline = parse_instant(text)
    if deadline is None:
        return f"deadline {text}"
    return f"deadline {local_time(deadline)}, {closes_in(deadline, datetime.now(UTC))}"


# ---------------------------------------------------------------------------------------------------- terminal


class Console:
    """Questions and answers: line editing in a terminal; from a pipe, each line read is echoed after its prompt."""

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()
        self.width = max(40, min(shutil.get_terminal_size((100, 24)).columns, 110) - 2)

    def ask(self, prompt: str) -> str:
        if self.interactive:
            return input(prompt).strip()
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            sys.stdout.write("\n")
            raise EOFError
        answer = line.rstrip("\r\n")
        sys.stdout.write(answer + "\n")
        return answer.strip()

    def say(self, text: str = "", indent: str = "") -> None:
        if not text:
            print()
            return
        wrapped = textwrap.fill(
            text,
            width=self.width,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=False,  # paths and URLs stay whole, so that they can be copied
            break_on_hyphens=False,
        )
        print(wrapped)


# ---------------------------------------------------------------------------------------------------- the steps


def first_run(path: Path, console: Console) -> tuple[dict[str, str], dict[str, Any]]:
    """Ask for the URL and the key (hidden), check them with the API, save them. Terminal only."""
    if not console.interactive:
        raise Failure(
            f"invalid config: {path} does not exist; run bin/{PROG} in a terminal once to set it up "
            f"(or ask your trainer for: bin/pull-api-config.sh --student ID --save)",
            EXIT_CONFIG,
        )
    console.say(f"Welcome to Test Time. There are no settings at {path} yet: let's set them up.")
    console.say("Your trainer gave you the API URL and your API key.")
    failure: Failure | None = None
    for attempt in range(1, SETUP_ATTEMPTS + 1):
        url = ""
        while not url:
            try:
                url = normalise_url(console.ask("API URL: "))
            except ValueError as error:
                console.say(f"{error}: paste the URL your trainer gave you, e.g. https://abc123.execute-api...")
        key = ""
        while not key:
            key = getpass.getpass("API key (not shown while you type): ").strip()
            if not key:
                console.say("The key is needed: paste it and press Enter (it stays hidden).")
        console.say("Checking them with the API...")
        try:
            listing = Api(url, key).list_tests()
        except Failure as error:
            failure = error
            if error.status not in (EXIT_NETWORK, EXIT_FORBIDDEN, EXIT_CONFIG, EXIT_REJECTED):
                raise
            left = SETUP_ATTEMPTS - attempt
            console.say(f"That did not work: {error.message}." + (f" Try again ({left} left)." if left else ""))
            continue
        values = {"API_URL": url, "API_KEY": key, "STUDENT_ID": str(listing.get("studentId") or "")}
        write_config(path, values)
        console.say(f"OK, you are {values['STUDENT_ID'] or 'known'}. Saved to {path} (only you can read it).")
        console.say()
        return values, listing
    assert failure is not None
    raise failure


def open_tests(listing: dict[str, Any]) -> list[dict[str, Any]]:
    tests = []
    for subject in listing.get("subjects") or []:
        for test in subject.get("tests") or []:
            tests.append({**test, "subjectName": subject.get("subjectName", "")})
    return tests


def show_listing(console: Console, listing: dict[str, Any], tests: list[dict[str, Any]]) -> None:
    who = listing.get("studentId") or "you"
    if not tests:
        console.say(f"No open tests for {who} right now.")
        return
    console.say(f"Open tests for {who}:")
    for number, test in enumerate(tests, start=1):
        count = test.get("questionCount")
        questions = f" ({_unit(count, 'question')})" if isinstance(count, int) else ""
        console.say(f"{number:>3}. {test['subjectName']}/{test.get('testId')}: {test.get('title', '')}{questions}")
        console.say(describe_deadline(str(test.get("deadline", ""))), indent="     ")


def pick_test(console: Console, tests: list[dict[str, Any]]) -> dict[str, Any]:
    choices = "1" if len(tests) == 1 else f"1-{len(tests)}"
    while True:
        enter = ", or press Enter" if len(tests) == 1 else ""
        answer = console.ask(f"Which test? Type its number ({choices}){enter}: ")
        if not answer and len(tests) == 1:
            return tests[0]
        if answer.isdigit() and 1 <= int(answer) <= len(tests):
            return tests[int(answer) - 1]
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
            if typed.isdigit() and 1 <= int(typed) <= total:
                number = int(typed)
                show_question(console, number, total, questions[number - 1])
                answers[number - 1] = ask_answer(console, questions[number - 1], current=answers[number - 1])
                break
            console.say(f"{typed!r} is not y, n or a question number from 1 to {total} — type one of them")


def answer_test(console: Console, api: Api, subject: str, test_id: str, test: dict[str, Any]) -> dict[str, Any]:
    name = f"{subject}/{test_id}"
    questions = test["questions"]
    console.say()
    console.say(f"{test.get('title') or name} ({name}): {_unit(len(questions), 'question')}")
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


def run(args: argparse.Namespace) -> int:
    console = Console()
    path = config_path(args.config)
    config = read_config(path)
    listing = None
    if config is None:
        config, listing = first_run(path, console)
    api = Api(config["API_URL"], config["API_KEY"])

    if args.list:
        listing = api.list_tests(args.subject) if listing is None or args.subject else listing
        show_listing(console, listing, open_tests(listing))
        return EXIT_STORED

    if args.subject:
        subject, test_id = args.subject, args.test
        test = api.get_test(subject, test_id)  # 404 and 410 first, they say more than the listing
        listed = open_tests(api.list_tests(subject))
        if not any(item.get("testId") == test_id for item in listed):
            raise Failure(
                f"already submitted: you already sent your answers to {subject}/{test_id}; the first ones are kept",
                EXIT_ALREADY,
            )
    else:
        listing = listing or api.list_tests()
        tests = open_tests(listing)
        show_listing(console, listing, tests)
        if not tests:
            return EXIT_NOT_SENT
        console.say()
        chosen = pick_test(console, tests)
        subject, test_id = str(chosen["subjectName"]), str(chosen["testId"])
        test = api.get_test(subject, test_id)

    stored = answer_test(console, api, subject, test_id, test)
    received = parse_instant(str(stored.get("receivedAt", "")))
    when = local_time(received, seconds=True) if received else str(stored.get("receivedAt", "?"))
    console.say(f"Stored: your answers to {subject}/{test_id} were received at {when}.")
    return EXIT_STORED


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Answer your Test Time homework tests from the terminal.",
        epilog=USAGE_EXAMPLES + "\n" + EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--list", action="store_true", help="print your open tests with their deadlines and exit")
    parser.add_argument("--subject", metavar="S", help="the subject of the test to answer (with --test)")
    parser.add_argument("--test", metavar="T", help="the test to answer (with --subject): skips the menus")
    parser.add_argument(
        "--config", metavar="FILE", help=f"config file (default: $TRAININGS_CONFIG or {DEFAULT_CONFIG})"
    )
    args = parser.parse_args(argv)
    if args.test and not args.subject:
        parser.error("--test needs --subject")
    if args.subject and not args.test and not args.list:
        parser.error("--subject needs --test (or --list to list that subject's open tests)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except Failure as failure:
        sys.stdout.flush()
        print(f"{PROG}: {failure.message}", file=sys.stderr)
        return failure.status
    except NotSent:
        sys.stdout.flush()
        print("Cancelled. Nothing was sent.", file=sys.stderr)
        return EXIT_NOT_SENT
    except EOFError:
        sys.stdout.flush()
        print(f"{PROG}: end of input before the confirmation. Nothing was sent.", file=sys.stderr)
        return EXIT_NOT_SENT
    except KeyboardInterrupt:
        sys.stdout.flush()
        print(f"\n{PROG}: interrupted. Nothing was sent.", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

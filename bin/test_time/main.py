"""The options and the run: list, or pick a test (menu or --subject/--test), answer it, send it."""

from __future__ import annotations

import argparse
import sys

from .api import Api
from .console import Console, one_line
from .first_run import first_run
from .ids import ID_RULE, is_safe_id
from .outcomes import (
    EXIT_ALREADY,
    EXIT_HELP,
    EXIT_INTERRUPTED,
    EXIT_NOT_SENT,
    EXIT_STORED,
    EXIT_USAGE,
    PROG,
    Failure,
    NotSent,
)
from .settings import DEFAULT_CONFIG, config_path, read_config
from .taking import answer_test, open_tests, pick_test, report_sent, show_listing

USAGE_EXAMPLES = f"""\
examples:
  bin/{PROG}                                    pick a test from a menu and answer it
  bin/{PROG} --list                             print your open tests and their deadlines
  printf 'a\\nc\\na\\nc\\na\\nd\\ny\\n' | bin/{PROG} --subject operating-systems --test test01

With --subject and --test the menus are skipped and the answers are read one per line (a, b, ... in either
case), then one y/n line to confirm; an invalid line is explained and the next line is read instead. A question
that says "choose one or more" takes its choices on one line: a,c (or a c). At the review a question number
changes that answer. A test that allows resubmission stays listed once you sent it: sending again replaces your
earlier answers (every version is kept; the last one sent before your deadline is scored).

config: --config FILE, else $TRAININGS_CONFIG, else {DEFAULT_CONFIG}: KEY=value lines API_URL, API_KEY
(and STUDENT_ID), mode 600. The first run in a terminal asks for the URL and the key and writes it; your
trainer's bin/pull-api-config.sh --student ID --save writes the same file.
"""


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

    report_sent(console, f"{subject}/{test_id}", answer_test(console, api, subject, test_id, test))
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
    for flag, value in (("--subject", args.subject), ("--test", args.test)):
        # The service's id rule, matched whole (a trailing newline too is refused), before any request.
        if value is not None and not is_safe_id(value):
            parser.exit(EXIT_USAGE, f"{PROG}: {flag} {one_line(repr(value))[:100]} is not an id: an id is {ID_RULE}\n")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except Failure as failure:
        sys.stdout.flush()
        print(f"{PROG}: {one_line(failure.message)}", file=sys.stderr)  # one line, whatever a reply said
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

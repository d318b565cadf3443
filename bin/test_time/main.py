"""The options and the run: list, history, or pick a test (menu or --subject/--test), answer it, send it."""

from __future__ import annotations

import argparse
import contextlib
import sys

from .api import Api
from .console import Console, one_line
from .first_run import first_run, replace_key
from .history import show_history
from .i18n import CLIENT
from .ids import id_rule, is_safe_id
from .outcomes import (
    EXIT_ALREADY,
    EXIT_FORBIDDEN,
    EXIT_INTERRUPTED,
    EXIT_NOT_SENT,
    EXIT_STORED,
    EXIT_USAGE,
    PROG,
    Failure,
    NotSent,
    exit_help,
)
from .settings import DEFAULT_CONFIG, config_path, read_config
from .taking import answer_test, open_tests, pick_test, report_sent, show_listing, title_of

_ = CLIENT.gettext


def usage_examples() -> str:
    return _(
        """\
examples:
  bin/{prog}                                    pick a test from a menu and answer it
  bin/{prog} --list                             print your open tests and their deadlines
  bin/{prog} --history                          your submitted tests, scores and answers
  printf 'a\\nc\\na\\nc\\na\\nd\\ny\\n' | bin/{prog} --subject operating-systems --test test01

With --subject and --test the menus are skipped and the answers are read one per line (a, b, ... in either
case), then one y/n line to confirm; an invalid line is explained and the next line is read instead. A question
that says "choose one or more" takes its choices on one line: a,c (or a c). At the review a question number
changes that answer. A test that allows resubmission stays listed once you sent it: sending again replaces your
earlier answers (every version is kept; the last one sent before your deadline is scored).

config: --config FILE, else $TRAININGS_CONFIG, else {config}: KEY=value lines API_URL, API_KEY
(and STUDENT_ID, LANGUAGE), mode 600. The first run in a terminal asks for the URL and the key and writes it;
your trainer's bin/pull-api-config.sh --student ID --save writes the same file.
""",
        prog=PROG,
        config=DEFAULT_CONFIG,
    )


def run(args: argparse.Namespace) -> int:
    console = Console()
    path = config_path(args.config)
    config = read_config(path)
    listing = None
    if config is None:
        config, listing = first_run(path, console)
    api = Api(config["API_URL"], config["API_KEY"])
    try:
        return _command(args, console, api, listing)
    except Failure as failure:
        # A key refused at the very first call, in a terminal: ask for the key again (the URL answered), then run
        # the command with the accepted key; piped runs and later refusals end as before.
        if failure.status != EXIT_FORBIDDEN or api.answered or not console.interactive or listing is not None:
            raise
        config, listing = replace_key(path, config, console)
        return _command(args, console, Api(config["API_URL"], config["API_KEY"]), listing)


def _command(args: argparse.Namespace, console: Console, api: Api, listing: dict | None) -> int:
    if args.history:
        show_history(console, api.history())
        return EXIT_STORED

    if args.list:
        listing = api.list_tests(args.subject) if listing is None or args.subject else listing
        show_listing(console, listing, open_tests(listing))
        return EXIT_STORED

    if args.subject:
        subject, test_id = args.subject, args.test
        test = api.get_test(subject, test_id)  # 404 and 410 first, they say more than the listing
        listed = [] if test.get("submitted") is True else open_tests(api.list_tests(subject))
        if test.get("submitted") is not True and not any(item.get("testId") == test_id for item in listed):
            name = title_of(test, test_id)  # an API without "submitted": not listed any more means sent
            raise Failure(
                _("already submitted: you already sent your answers to {test}; the first ones are kept", test=name),
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

    report_sent(console, title_of(test, test_id), answer_test(console, api, subject, test_id, test))
    return EXIT_STORED


def _argparse_text(text: str) -> str:
    """argparse's own words ("usage:", "options"), which it asks the standard gettext for (domain "argparse", no
    Polish on a student's machine): in the class's language from the client's catalog instead."""
    texts = {
        "usage: ": _("usage: "),
        "options": _("options"),
        "optional arguments": _("options"),  # Python < 3.10
        "show this help message and exit": _("show this help message and exit"),
        "%(prog)s: error: %(message)s\n": _("%(prog)s: error: %(message)s\n"),
        "unrecognized arguments: %s": _("unrecognized arguments: %s"),
        "expected one argument": _("expected one argument"),
    }
    return texts.get(text, text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    argparse._ = _argparse_text  # type: ignore[attr-defined]  # this process is the client alone
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_("Answer your Test Time homework tests from the terminal."),
        epilog=usage_examples() + "\n" + exit_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--list", action="store_true", help=_("print your open tests with their deadlines and exit"))
    parser.add_argument(
        "--history", action="store_true", help=_("print the tests you submitted, with your scores and answers")
    )
    parser.add_argument("--subject", metavar="S", help=_("the subject of the test to answer (with --test)"))
    parser.add_argument("--test", metavar="T", help=_("the test to answer (with --subject): skips the menus"))
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=_("config file (default: $TRAININGS_CONFIG or {config})", config=DEFAULT_CONFIG),
    )
    args = parser.parse_args(argv)
    if args.history and (args.list or args.subject or args.test):
        parser.error(_("--history goes alone"))
    if args.test and not args.subject:
        parser.error(_("--test needs --subject"))
    if args.subject and not args.test and not args.list:
        parser.error(_("--subject needs --test (or --list to list that subject's open tests)"))
    for flag, value in (("--subject", args.subject), ("--test", args.test)):
        # The service's id rule, matched whole (a trailing newline too is refused), before any request.
        if value is not None and not is_safe_id(value):
            said = _(
                "{flag} {value} is not an id: an id is {rule}",
                flag=flag,
                value=one_line(repr(value))[:100],
                rule=id_rule(),
            )
            parser.exit(EXIT_USAGE, f"{PROG}: {said}\n")
    return args


def _language_from_config(argv: list[str] | None) -> None:
    """The config's LANGUAGE before the options are parsed, so that --help and usage errors are in it too."""
    arguments = sys.argv[1:] if argv is None else argv
    option = next((arguments[i + 1] for i, arg in enumerate(arguments[:-1]) if arg == "--config"), None)
    option = option or next((arg.split("=", 1)[1] for arg in arguments if arg.startswith("--config=")), None)
    with contextlib.suppress(Failure):  # said again, with its exit status, once the options are parsed
        read_config(config_path(option), notes=False)


def main(argv: list[str] | None = None) -> int:
    _language_from_config(argv)
    args = parse_args(argv)
    try:
        return run(args)
    except Failure as failure:
        sys.stdout.flush()
        print(f"{PROG}: {one_line(failure.message)}", file=sys.stderr)  # one line, whatever a reply said
        return failure.status
    except NotSent:
        sys.stdout.flush()
        print(_("Cancelled. Nothing was sent."), file=sys.stderr)
        return EXIT_NOT_SENT
    except EOFError:
        sys.stdout.flush()
        print(f"{PROG}: " + _("end of input before the confirmation. Nothing was sent."), file=sys.stderr)
        return EXIT_NOT_SENT
    except KeyboardInterrupt:
        sys.stdout.flush()
        print(f"\n{PROG}: " + _("interrupted. Nothing was sent."), file=sys.stderr)
        return EXIT_INTERRUPTED

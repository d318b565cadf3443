"""How a run ends: the exit statuses (documented in --help) and the exceptions that carry them."""

from __future__ import annotations

from .i18n import CLIENT

_ = CLIENT.gettext

PROG = "test-time.sh"
VERSION = "1.0.0"

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


def exit_help() -> str:
    """The exit statuses, for --help (a function: texts are translated when they are shown)."""
    rows = (
        (EXIT_STORED, _("the answers were stored (--list, --history: the list was printed)")),
        (EXIT_NOT_SENT, _("nothing was sent: cancelled at the confirmation, end of input, or no open test")),
        (EXIT_USAGE, _("wrong options")),
        (EXIT_CONFIG, _("invalid or missing config file, or an API URL without the API (moved or gone)")),
        (EXIT_NETWORK, _("the API cannot be reached (no network, connection refused, timeout)")),
        (EXIT_FORBIDDEN, _("the API key was not accepted")),
        (EXIT_CLOSED, _("the test is closed")),
        (EXIT_ALREADY, _("you already submitted this test")),
        (EXIT_SERVER, _("the service had a problem, or its reply was not what the client expects")),
        (EXIT_REJECTED, _("no such test, or the request was refused")),
        (EXIT_THROTTLED, _("too many requests at once: wait a little and try again")),
        (EXIT_INTERRUPTED, _("interrupted (Ctrl-C); nothing was sent")),
    )
    return _("exit status:") + "\n" + "".join(f"  {status:<3}  {text}\n" for status, text in rows)


class Failure(Exception):
    """One line for the student on stderr, and the exit status that goes with it."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotSent(Exception):
    """The student cancelled, or the input ended, before the answers were sent."""

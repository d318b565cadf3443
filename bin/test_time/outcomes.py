"""How a run ends: the exit statuses (documented in --help) and the exceptions that carry them."""

from __future__ import annotations

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

EXIT_HELP = f"""\
exit status:
  {EXIT_STORED:<3}  the answers were stored (--list: the list was printed)
  {EXIT_NOT_SENT:<3}  nothing was sent: cancelled at the confirmation, end of input, or no open test
  {EXIT_USAGE:<3}  wrong options
  {EXIT_CONFIG:<3}  invalid or missing config file, or an API URL without the API (moved or gone)
  {EXIT_NETWORK:<3}  the API cannot be reached (no network, connection refused, timeout)
  {EXIT_FORBIDDEN:<3}  the API key was not accepted (403)
  {EXIT_CLOSED:<3}  the test is closed (410)
  {EXIT_ALREADY:<3}  you already submitted this test (409)
  {EXIT_SERVER:<3}  server error (5xx) or an unexpected reply
  {EXIT_REJECTED:<3}  no such test (404) or the request was rejected (400)
  {EXIT_THROTTLED:<3}  too many requests (429): wait a little and try again
  {EXIT_INTERRUPTED:<3}  interrupted (Ctrl-C); nothing was sent
"""


class Failure(Exception):
    """One line for the student on stderr, and the exit status that goes with it."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotSent(Exception):
    """The student cancelled, or the input ended, before the answers were sent."""

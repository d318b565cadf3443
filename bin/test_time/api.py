"""The HTTP client of the API's routes, with every failure turned into a Failure (one line, one status, plain
words: never API Gateway's own phrases such as "Forbidden", nor a bare HTTP code)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException
from typing import Any

from .i18n import CLIENT, set_language
from .ids import id_rule, is_safe_id
from .outcomes import (
    EXIT_ALREADY,
    EXIT_CLOSED,
    EXIT_CONFIG,
    EXIT_FORBIDDEN,
    EXIT_NETWORK,
    EXIT_REJECTED,
    EXIT_SERVER,
    EXIT_THROTTLED,
    EXIT_USAGE,
    VERSION,
    Failure,
)
from .settings import key_problem, normalise_url

_ = CLIENT.gettext


def moved() -> str:
    """Said when the URL no longer answers as this service: a deployment removed (and maybe made again elsewhere: a
    new REST API has a new URL), a stage or API deleted."""
    return _(
        "The service address has changed or the service is gone: ask your trainer for the new set-up "
        "(bin/pull-api-config.sh)."
    )


# API Gateway's own answers (its "gateway responses", and MiniStack's): English jargon, never shown to a student.
GATEWAY_PHRASES = {
    "forbidden", "missing authentication token", "too many requests", "limit exceeded", "not found", "unauthorized",
    "internal server error", "endpoint request timed out", "service unavailable", "bad request",
    "request too long", "invalid api key", "access denied",
}  # fmt: skip

TIMEOUT_SECONDS = 30
# API Gateway answers at most 10 MB ("Payload size", API Gateway quotas for REST APIs): more is not the API, and
# reading it whole would only fill the memory.
MAX_REPLY_BYTES = 10 * 1024 * 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """The API never redirects; following one would send the x-api-key header to wherever it points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx then surfaces as an HTTPError, reported below


class Api:
    """The routes. The URL and the key are checked here too, so that no caller sends a header they break."""

    def __init__(self, url: str, key: str) -> None:
        try:
            self.url = normalise_url(url)
        except ValueError as error:
            raise Failure(_("API URL {problem}", problem=error), EXIT_CONFIG) from None
        problem = key_problem(key)
        if problem:
            raise Failure(_("the API key has characters no API key has ({problem})", problem=problem), EXIT_CONFIG)
        self._key = key
        self.answered = False  # whether any call succeeded: a refusal after one is not a wrong key
        self._opener = urllib.request.build_opener(_NoRedirects)  # honours http(s)_proxy / no_proxy

    def list_tests(self, subject: str | None = None) -> dict[str, Any]:
        body = {"subjectName": _checked("subject", subject)} if subject else {}
        listing = self._call("POST", "/api/v1/tests", body=body)
        subjects = listing.get("subjects")
        if not isinstance(subjects, list) or not all(
            isinstance(subject, dict) and _dicts(subject.get("tests", [])) for subject in subjects
        ):
            raise Failure(_("unexpected reply from {url}: no list of subjects", url=self.url), EXIT_SERVER)
        return listing

    def get_test(self, subject: str, test_id: str) -> dict[str, Any]:
        query = {"subjectName": _checked("subject", subject), "testId": _checked("test", test_id)}
        test = self._call("GET", "/api/v1/test", query=query)
        questions = test.get("questions")
        if not _dicts(questions) or not all(_dicts(question.get("answers", [])) for question in questions):
            raise Failure(_("unexpected reply from {url}: no list of questions", url=self.url), EXIT_SERVER)
        return test

    def history(self) -> dict[str, Any]:
        """The caller's submitted tests, newest first (GET /api/v1/history)."""
        history = self._call("GET", "/api/v1/history")
        if not _dicts(history.get("tests")):
            raise Failure(_("unexpected reply from {url}: no list of tests", url=self.url), EXIT_SERVER)
        return history

    def submit(self, subject: str, test_id: str, answers: list[dict[str, Any]]) -> dict[str, Any]:
        """``answers``: ``{"questionId", "answer"}`` items, the answer a choice id, or a list of them for a
        multiple-answer question. 201 "stored" for a first submission, 200 "replaced" for a new version."""
        body = {"subjectName": _checked("subject", subject), "testId": _checked("test", test_id), "answers": answers}
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
                status, raw = response.status, response.read(MAX_REPLY_BYTES + 1)
                set_language(response.headers.get("Content-Language") or "", source="api")
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read(MAX_REPLY_BYTES + 1)
            set_language(error.headers.get("Content-Language") or "", source="api")
        except urllib.error.URLError as error:
            why = _reason(error.reason)
            if isinstance(error.reason, socket.gaierror):  # a deleted API's host name may no longer resolve
                text = moved()
                why = _("{why}; if your network works: {moved}", why=why, moved=text[0].lower() + text[1:])
            raise Failure(
                _("cannot reach the API at {host}: {why}", host=self._where(), why=why), EXIT_NETWORK
            ) from None
        except (HTTPException, OSError) as error:  # socket.timeout too (an OSError in every version)
            why = _reason(error)
            raise Failure(
                _("cannot reach the API at {host}: {why}", host=self._where(), why=why), EXIT_NETWORK
            ) from None
        if len(raw) > MAX_REPLY_BYTES:
            raise Failure(_("unexpected reply from {url}: larger than 10 MB", url=self.url), EXIT_SERVER)
        try:
            reply = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
            reply = None
        if 300 <= status < 400:
            raise Failure(
                _("the API URL {url} sends requests elsewhere: ask your trainer for the API URL", url=self.url),
                EXIT_CONFIG,
            )
        if status >= 400:
            raise self._failure(status, reply if isinstance(reply, dict) else {})
        if not isinstance(reply, dict):
            raise Failure(_("unexpected reply from {url}: not a JSON object", url=self.url), EXIT_SERVER)
        self.answered = True
        return reply

    def _where(self) -> str:
        return urllib.parse.urlsplit(self.url).netloc

    def _failure(self, status: int, reply: dict[str, Any]) -> Failure:
        """Our API's refusals carry an ``error`` code and a ``message`` in the class's language, which is shown;
        API Gateway's own phrases (``{"message": "Forbidden"}`` and the like) are English jargon: never shown."""
        message = str(reply.get("message") or "").strip()
        if "error" not in reply and message.casefold() in GATEWAY_PHRASES:
            message = ""
        said = f": {message}" if message else ""
        if _no_such_route(status, reply) or self._gone(status, reply):
            return Failure(moved(), EXIT_CONFIG)
        if status in (401, 403):
            problem = _("your API key was not accepted") + said
            return Failure(_("{problem}: check API_KEY, or ask your trainer for it", problem=problem), EXIT_FORBIDDEN)
        if status == 409 and reply.get("error") == "too_many_submissions":  # a resubmit test, sent 50 times
            return Failure(_("no more submissions accepted") + said, EXIT_ALREADY)
        if status == 409:
            return Failure(_("already submitted") + said, EXIT_ALREADY)
        if status == 410:
            return Failure(_("test closed") + said, EXIT_CLOSED)
        if status == 429:
            return Failure(_("the service is busy: wait a minute and try again"), EXIT_THROTTLED)
        if status == 404:
            return Failure(_("not found") + said, EXIT_REJECTED)
        if 400 <= status < 500:
            return Failure(_("the service refused the request") + said, EXIT_REJECTED)
        return Failure(_("the service had a problem{said}; try again later", said=said), EXIT_SERVER)

    def _gone(self, status: int, reply: dict[str, Any]) -> bool:
        """Whether the service no longer answers at this URL, rather than refusing this key.

        API Gateway answers a stage that does not exist with 403 ``{"message": "Forbidden"}``, the very answer it
        gives a wrong API key (both x-amzn-ErrorType ForbiddenException: "How do I troubleshoot HTTP 403 errors
        from API Gateway?", repost.aws knowledge center), and MiniStack a deleted REST API with 404
        ``{"message": "Not Found"}``. Our API's own refusals always carry an ``error`` code. To tell a removed stage
        from a wrong key, ask the same stage, without the key, for a path that is no route: a live stage answers
        403 "Missing Authentication Token" (an unknown resource), a removed one "Forbidden" again.
        """
        if "error" in reply or status not in (403, 404):
            return False
        message = str(reply.get("message") or "").strip()
        if status == 404:  # a deleted API (MiniStack), or a URL where no API answers at all
            return message in ("", "Not Found")
        if message != "Forbidden":
            return False
        try:
            probe = urllib.request.Request(self.url + "/api/v1", method="GET", headers={"Accept": "application/json"})
            with self._opener.open(probe, timeout=TIMEOUT_SECONDS):
                return False  # a success for a non-route: not API Gateway's stage; keep what the key's reply said
        except urllib.error.HTTPError as error:
            try:
                answer = json.loads(error.read(4096).decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                answer = None
            return not _no_such_route(error.code, answer)
        except (urllib.error.URLError, HTTPException, OSError):
            return False  # no answer now: the first reply, a refused key, is what is known


def _no_such_route(status: int, reply: object) -> bool:
    """A live stage's answer to a path that is no route: our gateway response's ``no_such_route`` (the deploy gives
    API Gateway's MISSING_AUTHENTICATION_TOKEN that body), or API Gateway's own phrase where it has none."""
    if status == 403 and isinstance(reply, dict) and reply.get("error") == "no_such_route":
        return True
    return _gateway_says(status, reply, 403, "Missing Authentication Token")


def _gateway_says(status: int, reply: object, expected_status: int, message: str) -> bool:
    """API Gateway's own answer (``{"message": ...}`` without our ``error`` code)."""
    return (
        status == expected_status
        and isinstance(reply, dict)
        and "error" not in reply
        and str(reply.get("message") or "").strip() == message
    )


def _dicts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _checked(what: str, value: str) -> str:
    """An id about to be sent: the options are checked before any request; this keeps every other caller honest."""
    if not is_safe_id(value):
        raise Failure(_("{value} is not an id: an id is {rule}", value=repr(value), rule=id_rule()), EXIT_USAGE)
    return value


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return _("connection refused (is the API URL right? is the service up?)")
    if isinstance(reason, socket.gaierror):
        return _("unknown host (check your network and the API URL)")
    if isinstance(reason, (socket.timeout, TimeoutError)):  # distinct classes before Python 3.10
        return _("no answer within {seconds} s", seconds=TIMEOUT_SECONDS)
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason) or type(reason).__name__

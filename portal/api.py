"""The REST API as the portal uses it: one method per route, the caller's key in ``x-api-key``, bounded timeouts.

Every failure becomes :class:`ApiFailure` with the API's own message when it sent one, so pages can show it.
The key travels only in the request header: never in a URL, an exception message or a log line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from portal.checks import api_key_problem
from portal.words import _

LOG = logging.getLogger(__name__)

# (connect, read) seconds: a cold Lambda behind API Gateway answers well within these.
DEFAULT_TIMEOUT = (5.0, 20.0)


def unreachable() -> str:
    return _("The Test Time service cannot be reached right now; please try again in a minute.")


def key_refused() -> str:
    return _("Your API key is no longer accepted. Sign in again with the key your trainer gave you.")


def gateway_words(status: int) -> str:
    """API Gateway's own answers carry only ``{"message": "Forbidden" | "Too Many Requests" | "Missing
    Authentication Token" | ...}`` (gateway responses, https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html):
    AWS's phrases, shown to nobody: the portal's own words instead. The API's own errors carry ``{"error",
    "message"}`` in plain words, in the class's language, and pass through."""
    if status == 403:
        return key_refused()
    if status == 413:
        return _("What you sent is too large for the Test Time service.")
    if status == 429:
        return _("Too many requests; please wait a moment and try again.")
    return _("The Test Time service did not understand this request. Go back and try again.")


@dataclass(frozen=True)
class ApiFailure(Exception):
    """A request that did not succeed: the HTTP status (502 when there was no answer), a code and a sentence."""

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class ApiClient:
    """A thin client of the REST API at ``base_url`` (the stage URL, ending in ``/api``)."""

    def __init__(self, base_url: str, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()  # one connection pool per thread (requests.Session is not thread-safe)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"Accept": "application/json", "User-Agent": "testtime-portal/1"})
            self._local.session = session
        return session

    def _call(
        self,
        method: str,
        route: str,
        api_key: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        url = f"{self.base_url}/api/v1/{route}"
        if api_key_problem(api_key):  # the views check every key first; this keeps junk out of the header anyway
            raise ApiFailure(403, "forbidden", key_refused())
        try:
            response = self._session().request(
                method, url, params=params, json=body, headers={"x-api-key": api_key}, timeout=self.timeout
            )
        except requests.RequestException as error:
            # The exception's text may carry the URL, never the headers; logged by type only all the same.
            LOG.warning("API %s %s unreachable: %s", method, route, type(error).__name__)
            raise ApiFailure(502, "unreachable", unreachable()) from None
        try:
            document = response.json()
        except ValueError:
            document = None
        if 200 <= response.status_code < 300 and document is not None:
            return document
        failure = _failure(response.status_code, document)
        LOG.info("API %s %s answered %s %s", method, route, failure.status, failure.code)
        raise failure

    def list_tests(self, api_key: str) -> dict[str, Any]:
        """``POST /api/v1/tests``: ``{"studentId", "studentName", "subjects": [{"subjectName", "subjectTitle",
        "tests": [...]}]}``."""
        return dict(self._call("POST", "tests", api_key, body={}))

    def get_test(self, api_key: str, subject: str, test_id: str) -> dict[str, Any]:
        """``GET /api/v1/test``: title, subject title, deadline, questions with their choices, and for a test the
        caller has submitted ``submitted`` and ``submittedAt``."""
        return dict(self._call("GET", "test", api_key, params={"subjectName": subject, "testId": test_id}))

    def history(self, api_key: str) -> dict[str, Any]:
        """``GET /api/v1/history``: the caller's submitted tests, with scores and reviews (contract of issue 15);
        the right answers only once a test is closed for everybody, which the API decides."""
        return dict(self._call("GET", "history", api_key))

    def submit_test(
        self, api_key: str, subject: str, test_id: str, answers: Mapping[str, str | Sequence[str]]
    ) -> dict[str, Any]:
        """``POST /api/v1/test``: stores the answers (201 ``stored``), or for a test that takes resubmissions stores
        a new version that replaces the earlier one (200 ``replaced``). A multiple-answer question's answer is a
        list of choice ids."""
        body = {
            "subjectName": subject,
            "testId": test_id,
            "answers": [
                {"questionId": qid, "answer": answer if isinstance(answer, str) else list(answer)}
                for qid, answer in answers.items()
            ],
        }
        return dict(self._call("POST", "test", api_key, body=body))

    def results(self, api_key: str, subject: str | None = None, test_id: str | None = None) -> dict[str, Any]:
        """``GET /api/v1/results`` (trainer key only): scores, pending and missing students per test."""
        params = {name: value for name, value in (("subjectName", subject), ("testId", test_id)) if value}
        return dict(self._call("GET", "results", api_key, params=params or None))


def _failure(status: int, document: Any) -> ApiFailure:
    """The API's error (``{"error", "message"}``) as it is, or API Gateway's own (``{"message"}``, or nothing) in
    the portal's words."""
    if isinstance(document, dict):
        message, code = document.get("message"), document.get("error")
        if isinstance(message, str) and message and isinstance(code, str) and code and status >= 400:
            return ApiFailure(status, code, message)
    if status >= 500 or status < 400:
        return ApiFailure(502 if status < 400 else status, "unavailable", unreachable())
    return ApiFailure(status, _gateway_code(status), gateway_words(status))


def _gateway_code(status: int) -> str:
    return {403: "forbidden", 429: "throttled", 504: "timeout"}.get(status, "error")

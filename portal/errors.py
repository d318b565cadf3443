"""The portal's own error pages: every refusal a person can meet is ``error.html`` in plain words, never
Werkzeug's default page, a traceback, an AWS phrase or a bare status code."""

from __future__ import annotations

import logging
from html import escape

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

LOG = logging.getLogger("portal")

# status: (title, sentence), in place of Werkzeug's descriptions ("The method is not allowed for the requested URL.").
# The portal's own refusals are messages on their forms, not aborts, so no description of an error is shown.
PLAIN_WORDS: dict[int, tuple[str, str]] = {
    400: ("Request not understood", "The portal could not read what your browser sent. Go back and try again."),
    404: ("Page not found", "There is no such page here. Use the links on the portal's pages."),
    405: ("Not possible here", "This page cannot be used that way. Use the links and buttons on the portal's pages."),
    413: (
        "Too much data",
        "What you sent is more than this form accepts. Go back, check what you typed or pasted, and try again.",
    ),
    429: ("Too many requests", "Too many requests in a short time; wait a moment and try again."),
}
OTHER_REFUSAL = ("Not possible", "The portal cannot do this. Go back and try again.")
UNEXPECTED = ("Unexpected error", "Something went wrong on our side; please try again in a minute.")
CSRF_REFUSED = (
    "Form not accepted",
    "The form expired or did not come from this site. Go back, reload the page and try again.",
)
Page = tuple[str, int, dict[str, str]]  # body, status, headers
# Headers of an HTTP error worth keeping on the portal's page (405's Allow, 429's and 503's Retry-After).
KEPT_HEADERS = ("Allow", "Retry-After")


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def error_page(title: str, message: str, status: int, headers: dict[str, str] | None = None) -> Page:
    """``error.html``; if even that cannot be rendered (no URL adapter for a bad Host header), a bare page of the same
    words, so that a person never sees a server's default error page."""
    try:
        page = render_template("error.html", title=title, message=message)
    except Exception as failure:  # the last resort must not fail in turn
        LOG.warning("the error page could not be rendered (%s)", type(failure).__name__)
        page = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)} · Test Time</title>"
            f"</head><body><h1>{escape(title)}</h1><p>{escape(message)}</p><p><a href='/'>Back</a></p></body></html>"
        )
    return page, status, headers or {}


def _csrf_error(error: CSRFError) -> Page:
    LOG.info("form refused on %s %s: %s", request.method, request.path, error.description)
    return error_page(*CSRF_REFUSED, 400)


def _http_error(error: HTTPException) -> Page:
    status = error.code or 500
    if status >= 500:
        return error_page(*UNEXPECTED, status)
    title, message = PLAIN_WORDS.get(status, OTHER_REFUSAL)
    kept = {name: value for name, value in error.get_headers() if name in KEPT_HEADERS}
    return error_page(title, message, status, kept)


def _unexpected_error(error: Exception) -> Page:
    LOG.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(*UNEXPECTED, 500)

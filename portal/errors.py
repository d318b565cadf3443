"""The portal's own error pages: every refusal a person can meet is ``error.html`` in plain words, never
Werkzeug's default page, a traceback, an AWS phrase or a bare status code."""

from __future__ import annotations

import logging
from html import escape

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.words import _

LOG = logging.getLogger("portal")

# The portal's own refusals are messages on their forms, not aborts, so no description of an error is shown: the
# page says in the class's language what the status means (never Werkzeug's "The method is not allowed ...").


def plain_words(status: int) -> tuple[str, str]:
    """(title, sentence) of an HTTP refusal ``status``, or of an error on the portal's side (5xx)."""
    if status >= 500:
        return _("Unexpected error"), _("Something went wrong on our side; please try again in a minute.")
    if status == 400:
        return _("Request not understood"), _(
            "The portal could not read what your browser sent. Go back and try again."
        )
    if status == 404:
        return _("Page not found"), _("There is no such page here. Use the links on the portal's pages.")
    if status == 405:
        return _("Not possible here"), _(
            "This page cannot be used that way. Use the links and buttons on the portal's pages."
        )
    if status == 413:
        return _("Too much data"), _(
            "What you sent is more than this form accepts. Go back, check what you typed or pasted, and try again."
        )
    if status == 429:
        return _("Too many requests"), _("Too many requests in a short time; wait a moment and try again.")
    return _("Not possible"), _("The portal cannot do this. Go back and try again.")


def csrf_refused() -> tuple[str, str]:
    return _("Form not accepted"), _(
        "The form expired or did not come from this site. Go back, reload the page and try again."
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
            f"<!doctype html><html lang='{escape(_language())}'><head><meta charset='utf-8'>"
            f"<title>{escape(title)} · Test Time</title></head><body><h1>{escape(title)}</h1><p>{escape(message)}</p>"
            f"<p><a href='/'>{escape(_('Back'))}</a></p></body></html>"
        )
    return page, status, headers or {}


def _csrf_error(error: CSRFError) -> Page:
    LOG.info("form refused on %s %s: %s", request.method, request.path, error.description)
    return error_page(*csrf_refused(), 400)


def _http_error(error: HTTPException) -> Page:
    status = error.code or 500
    kept = {name: value for name, value in error.get_headers() if name in KEPT_HEADERS} if status < 500 else {}
    return error_page(*plain_words(status), status, kept)


def _unexpected_error(error: Exception) -> Page:
    LOG.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(*plain_words(500), 500)


def _language() -> str:
    try:
        return str(current_app.config["LANGUAGE"])
    except (RuntimeError, KeyError):
        return "en"

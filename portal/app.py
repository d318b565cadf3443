"""The portal's Flask app: ``create_app()`` builds it from the environment.

Environment:
    API_URL               the REST API's stage URL (``.../api``); required to sign in (``/healthz`` reports it)
    PORTAL_SECRET_KEY     signs the session cookie; required (32 characters or more)
    PORTAL_TIMEZONE       the zone deadlines are shown in (default UTC)
    PORTAL_COOKIE_SECURE  ``true`` behind HTTPS: the session cookie is then sent over HTTPS only (default false)
    PORTAL_PROXY_HOPS     proxies in front (a load balancer: 1) whose X-Forwarded-* headers are trusted (default 0)
    PORTAL_API_TIMEOUT    seconds to wait for the API's answer (default 20)

The signed-in user's API key lives only in the session, a signed HttpOnly SameSite=Lax cookie: never in a URL, a
page or a log line. Every form carries a CSRF token; debug mode is never switched on here.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import views
from portal.api import DEFAULT_TIMEOUT, ApiClient

MIN_SECRET_LENGTH = 32

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _settings(environ: Mapping[str, str]) -> dict[str, Any]:
    try:
        read_timeout = float(environ.get("PORTAL_API_TIMEOUT") or DEFAULT_TIMEOUT[1])
    except ValueError:
        read_timeout = DEFAULT_TIMEOUT[1]
    return {
        "API_URL": (environ.get("API_URL") or "").strip(),
        "SECRET_KEY": environ.get("PORTAL_SECRET_KEY") or "",
        "DISPLAY_TIMEZONE": environ.get("PORTAL_TIMEZONE") or "UTC",
        "SESSION_COOKIE_SECURE": _flag(environ.get("PORTAL_COOKIE_SECURE")),
        "PROXY_HOPS": int(environ.get("PORTAL_PROXY_HOPS") or 0),
        "API_TIMEOUT": (DEFAULT_TIMEOUT[0], read_timeout),
    }


def create_app(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Flask:
    """The portal app, configured from ``environ`` (default ``os.environ``), then ``overrides`` (tests)."""
    app = Flask(__name__)
    app.config.update(
        SESSION_COOKIE_NAME="tt_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),  # also the signed cookie's maximum age
        WTF_CSRF_TIME_LIMIT=3 * 3600,  # a test may take a while to answer
        MAX_CONTENT_LENGTH=256 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.config.update(_settings(os.environ if environ is None else environ))
    app.config.update(overrides or {})
    app.debug = False  # never from the environment; tests use the test client, not the debugger

    if not app.config["SECRET_KEY"]:
        if not app.config.get("TESTING"):
            raise RuntimeError("PORTAL_SECRET_KEY is not set: the portal cannot sign its session cookie.")
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
    if len(app.config["SECRET_KEY"]) < MIN_SECRET_LENGTH:
        raise RuntimeError(f"PORTAL_SECRET_KEY is too short: use {MIN_SECRET_LENGTH} characters or more.")
    try:
        app.config["DISPLAY_ZONE"] = ZoneInfo(app.config["DISPLAY_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"PORTAL_TIMEZONE {app.config['DISPLAY_TIMEZONE']!r} is not a known timezone.") from None
    if app.config["PROXY_HOPS"] > 0:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    app.extensions["testtime_api"] = ApiClient(app.config["API_URL"], app.config["API_TIMEOUT"])
    CSRFProtect(app)
    app.register_blueprint(views.blueprint)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.filters["when"] = _when
    logging.getLogger("portal").setLevel(logging.INFO)
    return app


def _healthz() -> tuple[Response, int]:
    """Liveness and configuration, without calling the API (a load balancer polls it)."""
    from flask import current_app

    if not current_app.config["API_URL"].startswith(("http://", "https://")):
        return jsonify(status="misconfigured", problem="API_URL is not set to an http(s) URL"), 503
    return jsonify(status="ok"), 200


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages show a student's own data: never stored by a browser or a proxy.
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    message = "The form expired or did not come from this site. Go back, reload the page and try again."
    return render_template("error.html", title="Form not accepted", message=message), 400


def _http_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    return render_template("error.html", title=error.name, message=error.description), status


def _unexpected_error(error: Exception) -> tuple[str, int]:
    logging.getLogger("portal").exception("unhandled error on %s %s", request.method, request.path)
    message = "Something went wrong on our side; please try again in a minute."
    return render_template("error.html", title="Unexpected error", message=message), 500


def _when(value: Any) -> str:
    """An ISO 8601 instant as ``Mon 30 Nov 2026, 23:00 (Europe/Warsaw)`` in the display timezone."""
    from flask import current_app

    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = current_app.config["DISPLAY_ZONE"]
    return f"{moment.astimezone(zone):%a %d %b %Y, %H:%M} ({zone.key})"

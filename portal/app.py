"""The portal's Flask app: ``create_app()`` builds it from the environment.

Environment:
    API_URL               the REST API's stage URL (``.../api``); required to sign in (``/healthz`` reports it)
    PORTAL_SECRET_KEY     signs the session id in the cookie; required (32 characters or more)
    PORTAL_SESSION_DIR    the server-side session store, a folder shared by every worker process; required
                          (tests: a temporary folder)
    PORTAL_TIMEZONE       the zone deadlines are shown in (default UTC)
    PORTAL_COOKIE_SECURE  ``true`` behind HTTPS: the session cookie is then sent over HTTPS only (default false)
    PORTAL_PROXY_HOPS     proxies in front whose forwarding headers are trusted (default 0)
    PORTAL_PROXY_HEADER   which headers they set: ``x-forwarded`` (X-Forwarded-For/-Proto/-Host, a load balancer;
                          the default) or ``forwarded`` (RFC 7239 ``Forwarded``, API Gateway's HTTP API)
    PORTAL_API_TIMEOUT    seconds to wait for the API's answer (default 20)
    CLASS_LANGUAGE        the language of every page (default en; another code needs its catalog,
                          portal/translations/<code>/LC_MESSAGES/messages.mo)

The signed-in user's API key lives only in the server-side session (Flask-Session over cachelib's
FileSystemCache): the HttpOnly SameSite=Lax cookie holds a random signed session id and nothing else, and signing
out deletes the stored session, so a saved cookie no longer works. The key is never in a URL, a page or a log
line. Every form carries a CSRF token; debug mode is never switched on here.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
import warnings
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cachelib.file import FileSystemCache
from flask import Flask, Response, current_app, jsonify, request
from flask_babel import Babel
from flask_session.base import ServerSideSession
from flask_session.cachelib import CacheLibSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import history, views, words
from portal.api import DEFAULT_TIMEOUT, ApiClient
from portal.checks import SafeIdConverter, refuse_unreadable_forms
from portal.errors import register_error_pages

MIN_SECRET_LENGTH = 32
SESSION_LIFETIME = timedelta(hours=8)
# Stored sessions kept before cachelib prunes the expired, then the oldest ones (an anonymous visit stores one
# too: its CSRF token). A file is a few hundred bytes.
SESSION_STORE_THRESHOLD = 5000
# A visitor who has not signed in keeps a session only for the sign-in form's CSRF token: it lives this long.
ANONYMOUS_SESSION_LIFETIME = timedelta(minutes=30)
PROXY_HEADERS = ("x-forwarded", "forwarded")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"  # the msgids' language: no catalog

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: over HTTPS Flask-WTF refuses a form POST whose Referer is missing or from
    # another host (WTF_CSRF_SSL_STRICT), and a browser sends none under no-referrer. Other sites still get none.
    "Referrer-Policy": "same-origin",
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
        # as ops/deployment.py takes the class's language: "PL" or " pl " is pl
        "LANGUAGE": (environ.get("CLASS_LANGUAGE") or "").strip().lower() or SOURCE_LANGUAGE,
        "SESSION_COOKIE_SECURE": _flag(environ.get("PORTAL_COOKIE_SECURE")),
        "SESSION_DIR": (environ.get("PORTAL_SESSION_DIR") or "").strip(),
        "PROXY_HOPS": int(environ.get("PORTAL_PROXY_HOPS") or 0),
        "PROXY_HEADER": (environ.get("PORTAL_PROXY_HEADER") or "x-forwarded").strip().lower(),
        "API_TIMEOUT": (DEFAULT_TIMEOUT[0], read_timeout),
    }


def create_app(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Flask:
    """The portal app, configured from ``environ`` (default ``os.environ``), then ``overrides`` (tests)."""
    app = Flask(__name__)
    app.config.update(
        SESSION_COOKIE_NAME="tt_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,  # the cookie's maximum age and the stored session's
        WTF_CSRF_TIME_LIMIT=3 * 3600,  # a test may take a while to answer
        # A request body past this is refused with 413 before it is read (the portal's own page, portal/errors.py):
        # a test's answers are a few kB; the API itself takes at most 64 KiB (lambda_src/testtime/http.py).
        MAX_CONTENT_LENGTH=256 * 1024,
        # Multipart forms only (Werkzeug applies neither to url-encoded bodies, which MAX_CONTENT_LENGTH bounds):
        # https://flask.palletsprojects.com/en/stable/config/#MAX_FORM_MEMORY_SIZE
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        MAX_FORM_PARTS=1000,
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
    _trust_proxies(app)
    _server_side_sessions(app)
    _languages(app)

    app.extensions["testtime_api"] = ApiClient(app.config["API_URL"], app.config["API_TIMEOUT"])
    app.url_map.converters["safe_id"] = SafeIdConverter
    app.before_request(refuse_unreadable_forms)  # registered first, so it runs before CSRFProtect's check
    CSRFProtect(app)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(history.blueprint)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.after_request(_security_headers)
    register_error_pages(app)
    app.jinja_env.filters["when"] = words.in_words
    app.jinja_env.filters["in_words"] = words.in_words
    app.jinja_env.filters["worth"] = words.worth
    app.jinja_env.filters["number"] = words.number
    app.jinja_env.globals["language"] = app.config["LANGUAGE"]
    logging.getLogger("portal").setLevel(logging.INFO)
    return app


def _languages(app: Flask) -> None:
    """Flask-Babel with the class's language for every page; a language without a catalog is refused at start,
    as a bad PORTAL_TIMEZONE is, rather than shown in English."""
    language = app.config["LANGUAGE"]
    catalog = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    if language != SOURCE_LANGUAGE and (not language.replace("_", "").isalnum() or not catalog.is_file()):
        raise RuntimeError(
            f"CLASS_LANGUAGE {language!r} has no portal catalog ({catalog.relative_to(TRANSLATIONS.parent)})."
        )
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    app.config["BABEL_DEFAULT_LOCALE"] = language
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["DISPLAY_TIMEZONE"]
    Babel(app, locale_selector=lambda: current_app.config["LANGUAGE"])
    # As ops/catalogs.py extracts the templates: a {% trans %} block's line breaks and indents are one space.
    app.jinja_env.policies["ext.i18n.trimmed"] = True


def _trust_proxies(app: Flask) -> None:
    """Take the client's address, scheme and host from the front door's headers (so that ``request.is_secure``
    is true behind HTTPS, and the cookie, HSTS and the CSRF referrer check see the public https:// address)."""
    hops, header = app.config["PROXY_HOPS"], app.config["PROXY_HEADER"]
    if header not in PROXY_HEADERS:
        raise RuntimeError(f"PORTAL_PROXY_HEADER must be one of {', '.join(PROXY_HEADERS)}, not {header!r}.")
    if hops <= 0:
        return
    if header == "forwarded":
        app.wsgi_app = ForwardedFix(app.wsgi_app, hops)  # type: ignore[method-assign]
    else:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _server_side_sessions(app: Flask) -> None:
    """Sessions kept in files that every gunicorn worker of this container shares; the cookie holds their id."""
    folder = app.config["SESSION_DIR"]
    if not folder:
        if not app.config.get("TESTING"):
            raise RuntimeError("PORTAL_SESSION_DIR is not set: the portal has nowhere to keep its sessions.")
        folder = tempfile.mkdtemp(prefix="portal-sessions-")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    # Writes are atomic (a temporary file, then os.replace), so concurrent workers never read half a session.
    app.config["SESSION_CACHELIB"] = FileSystemCache(folder, threshold=SESSION_STORE_THRESHOLD, mode=0o600)
    with warnings.catch_warnings():
        # Flask-Session 0.8 marks the signer as deprecated (the random id alone suffices); it is still supported.
        warnings.filterwarnings("ignore", message="The 'use_signer' option is deprecated", category=DeprecationWarning)
        app.session_interface = SignedInFirstSessions(
            client=app.config["SESSION_CACHELIB"],
            key_prefix="testtime:",
            # The id is 32 random bytes; the signature on top means a guessed or stolen store file name is no cookie.
            use_signer=True,
            permanent=True,
            serialization_format="msgpack",
        )


class SignedInFirstSessions(CacheLibSessionInterface):
    """Sessions of visitors who have not signed in expire after ANONYMOUS_SESSION_LIFETIME, students' after the
    app's lifetime, renewed on every request. When the store is full, cachelib drops the sessions that expire
    first: so a flood of anonymous visits to the sign-in page evicts anonymous sessions, not signed-in students."""

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        lifetime = session_lifetime if "api_key" in session else min(session_lifetime, ANONYMOUS_SESSION_LIFETIME)
        super()._upsert_session(lifetime, session, store_id)


class ForwardedFix:
    """The RFC 7239 ``Forwarded`` header's ``for``, ``proto`` and ``host``, from the element the nearest of
    ``hops`` trusted proxies added (the rightmost ones; anything to their left came from the client).

    API Gateway's HTTP API sends ``Forwarded: by=...;for=<client>;host=<public host>;proto=https`` to an
    HTTP_PROXY integration, and no X-Forwarded-* (reserved headers there), which werkzeug's ProxyFix reads.
    """

    def __init__(self, app: WSGIApplication, hops: int) -> None:
        self.app = app
        self.hops = hops

    @staticmethod
    def parse(value: str) -> list[dict[str, str]]:
        elements = []
        for element in value.split(","):
            pairs: dict[str, str] = {}
            for pair in element.split(";"):
                name, _, raw = pair.partition("=")
                if name.strip() and raw.strip():
                    pairs[name.strip().lower()] = raw.strip().strip('"')
            elements.append(pairs)
        return elements

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        elements = self.parse(environ.get("HTTP_FORWARDED", ""))
        if environ.get("HTTP_FORWARDED") and len(elements) >= self.hops:
            trusted = elements[-self.hops]
            client = trusted.get("for", "")
            if client.startswith("["):  # an IPv6 address, maybe with a port: "[2001:db8::1]:4711"
                client = client[1:].partition("]")[0]
            elif client.count(":") == 1:  # an IPv4 address with a port
                client = client.partition(":")[0]
            if client:
                environ["REMOTE_ADDR"] = client
            if trusted.get("proto") in ("http", "https"):
                environ["wsgi.url_scheme"] = trusted["proto"]
            if trusted.get("host"):
                environ["HTTP_HOST"] = trusted["host"]
        return self.app(environ, start_response)


def _healthz() -> tuple[Response, int]:
    """Liveness and configuration, without calling the API (a load balancer polls it)."""
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

"""The config file (KEY=value lines API_URL, API_KEY, STUDENT_ID, LANGUAGE; mode 600): where it is, reading, writing.

Every value is checked before it reaches a request or the file: the key goes into the ``x-api-key`` header, so a
line break in it would add a header and a non-Latin-1 character makes http.client raise UnicodeEncodeError.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
import urllib.parse
from pathlib import Path

from .i18n import CLIENT, LANGUAGE_CODE, set_language, supported
from .ids import is_safe_id
from .outcomes import EXIT_CONFIG, Failure

_ = CLIENT.gettext

DEFAULT_CONFIG = "~/.trainings/config"
CONFIG_HEADER = "# Test Time: the student client's settings (bin/test-time.sh). Keep this file private.\n"
# API Gateway's key values are 20 to 128 alphanumeric characters (CreateApiKey's `value`); the client accepts any
# visible ASCII up to that length, so that a wrong key is still sent and answered "not accepted" by the API.
API_KEY = re.compile(r"[!-~]{1,128}")
# Visible ASCII only: an API Gateway or 127.0.0.1 URL never has more, and http.client cannot send more.
_URL_CHARACTERS = re.compile(r"[!-~]+")


def config_path(option: str | None) -> Path:
    return Path(option or os.environ.get("TRAININGS_CONFIG") or DEFAULT_CONFIG).expanduser()


def normalise_url(text: str) -> str:
    """The base URL of the API (up to the stage), from what a student may paste; ValueError when it is not one."""
    url = text.strip().rstrip("/")
    for suffix in ("/api/v1/tests", "/api/v1/test", "/api/v1"):
        if url.endswith(suffix):
            url = url[: -len(suffix)].rstrip("/")
            break
    shown = repr(text.strip())
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
        raise ValueError(_("{url} is not an http:// or https:// URL", url=shown))
    if not _URL_CHARACTERS.fullmatch(url):
        raise ValueError(_("{url}: the API URL has only ASCII letters, digits and punctuation", url=shown))
    if "@" in parts.netloc:
        # Refused rather than stripped: a password in the URL would be shown in messages and is never needed.
        hidden = repr(urllib.parse.urlunsplit(parts._replace(netloc="...@" + parts.netloc.rpartition("@")[2])))
        raise ValueError(
            _("{url}: the API URL has no user name or password in it (user:password@): remove them", url=hidden)
        )
    try:
        port_ok = bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:  # a port that is not a number from 0 to 65535
        port_ok = False
    if not port_ok:
        raise ValueError(_("{url}: the API URL has no valid host name and port", url=shown))
    if parts.query or parts.fragment:
        raise ValueError(_("{url}: the API URL has no ?query or #fragment", url=shown))
    return url


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be an API key, or None."""
    if API_KEY.fullmatch(key):
        return None
    return _("an API key is only letters, digits and punctuation, without spaces, at most 128 characters")


def read_config(path: Path, notes: bool = True) -> dict[str, str] | None:
    """The settings of ``path``; None when the file does not exist; Failure when it is not a valid config.
    ``notes``: print the warnings about the file (once a run: main reads it twice)."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(
            _("invalid config {path}: cannot read it ({error})", path=path, error=error), EXIT_CONFIG
        ) from None
    if notes and mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(_("warning: {path} can be read by other users: run chmod 600 {path}", path=path), file=sys.stderr)
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        name, equals, value = line.partition("=")
        name, value = name.strip().upper(), value.strip()
        if not equals or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
            raise Failure(
                _("invalid config {path}, line {number}: expected KEY=value", path=path, number=number), EXIT_CONFIG
            )
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    _choose_language(path, values, notes)  # first: every later message is in it
    missing = [name for name in ("API_URL", "API_KEY") if not values.get(name)]
    if missing:
        names = _(" and no ").join(missing)
        raise Failure(_("invalid config {path}: no {names} line", path=path, names=names), EXIT_CONFIG)
    try:
        values["API_URL"] = normalise_url(values["API_URL"])
    except ValueError as error:
        raise Failure(_("invalid config {path}: API_URL {problem}", path=path, problem=error), EXIT_CONFIG) from None
    problem = key_problem(values["API_KEY"])
    if problem:  # the key itself is never printed
        message = _(
            "invalid config {path}: API_KEY has characters no API key has ({problem})", path=path, problem=problem
        )
        raise Failure(message, EXIT_CONFIG)
    return values


def _choose_language(path: Path, values: dict[str, str], notes: bool) -> None:
    """LANGUAGE (optional, written by the trainer's pull-api-config): a code such as pl. One the client has no
    texts for is noted and English used; one that is not a language code at all is a broken config."""
    code = values.get("LANGUAGE", "")
    if not code:
        values.pop("LANGUAGE", None)
        return
    if not LANGUAGE_CODE.fullmatch(code):
        message = _(
            "invalid config {path}: LANGUAGE {code} is not a language code such as pl", path=path, code=repr(code)
        )
        raise Failure(message, EXIT_CONFIG)
    if supported(code) is None:
        if notes:
            print(
                _("note: {path}: no texts in language {code} yet: English is used", path=path, code=code),
                file=sys.stderr,
            )
        return
    set_language(code, source="config")


def write_config(path: Path, values: dict[str, str]) -> None:
    """Mode 600 in a folder created with mode 700, replaced atomically: a reader never sees half a file.

    A value that would not read back as itself (a line break would start a line of its own) is refused, and a
    STUDENT_ID that is not an id (it comes from the API's reply) is left out, as is a LANGUAGE that is no code."""
    lines = []
    for name in ("API_URL", "API_KEY", "STUDENT_ID", "LANGUAGE"):
        value = values.get(name) or ""
        if not value or (name == "STUDENT_ID" and not is_safe_id(value)):
            continue
        if name == "LANGUAGE" and not LANGUAGE_CODE.fullmatch(value):
            continue
        if value != value.strip() or re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", value):
            raise ValueError(f"{name} has a line break or a control character")  # checked before: not reached
        lines.append(f"{name}={value}\n")
    if not path.parent.is_dir():
        path.parent.mkdir(mode=0o700, parents=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))  # mode 600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(CONFIG_HEADER)
            stream.writelines(lines)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise

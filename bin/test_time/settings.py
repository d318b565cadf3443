"""The config file (KEY=value lines API_URL, API_KEY, STUDENT_ID; mode 600): where it is, reading, writing.

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

from .ids import is_safe_id
from .outcomes import EXIT_CONFIG, Failure

DEFAULT_CONFIG = "~/.trainings/config"
CONFIG_HEADER = "# Test Time: the student client's settings (bin/test-time.sh). Keep this file private.\n"
# API Gateway's key values are 20 to 128 alphanumeric characters (CreateApiKey's `value`); the client accepts any
# visible ASCII up to that length, so that a wrong key is still sent and answered "not accepted" by the API.
API_KEY = re.compile(r"[!-~]{1,128}")
KEY_RULE = "an API key is only letters, digits and punctuation, without spaces, at most 128 characters"
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
        raise ValueError(f"{shown} is not an http:// or https:// URL")
    if not _URL_CHARACTERS.fullmatch(url):
        raise ValueError(f"{shown}: the API URL has only ASCII letters, digits and punctuation")
    if "@" in parts.netloc:
        # Refused rather than stripped: a password in the URL would be shown in messages and is never needed.
        hidden = repr(urllib.parse.urlunsplit(parts._replace(netloc="...@" + parts.netloc.rpartition("@")[2])))
        raise ValueError(f"{hidden}: the API URL has no user name or password in it (user:password@): remove them")
    try:
        port_ok = bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:  # a port that is not a number from 0 to 65535
        port_ok = False
    if not port_ok:
        raise ValueError(f"{shown}: the API URL has no valid host name and port")
    if parts.query or parts.fragment:
        raise ValueError(f"{shown}: the API URL has no ?query or #fragment")
    return url


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be an API key, or None."""
    return None if API_KEY.fullmatch(key) else KEY_RULE


def read_config(path: Path) -> dict[str, str] | None:
    """The settings of ``path``; None when the file does not exist; Failure when it is not a valid config."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise Failure(f"invalid config {path}: cannot read it ({error})", EXIT_CONFIG) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"warning: {path} can be read by other users: run chmod 600 {path}", file=sys.stderr)
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
            raise Failure(f"invalid config {path}, line {number}: expected KEY=value", EXIT_CONFIG)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    missing = [name for name in ("API_URL", "API_KEY") if not values.get(name)]
    if missing:
        raise Failure(f"invalid config {path}: no {' and no '.join(missing)} line", EXIT_CONFIG)
    try:
        values["API_URL"] = normalise_url(values["API_URL"])
    except ValueError as error:
        raise Failure(f"invalid config {path}: API_URL {error}", EXIT_CONFIG) from None
    problem = key_problem(values["API_KEY"])
    if problem:  # the key itself is never printed
        raise Failure(f"invalid config {path}: API_KEY has characters no API key has ({problem})", EXIT_CONFIG)
    return values


def write_config(path: Path, values: dict[str, str]) -> None:
    """Mode 600 in a folder created with mode 700, replaced atomically: a reader never sees half a file.

    A value that would not read back as itself (a line break would start a line of its own) is refused, and a
    STUDENT_ID that is not an id (it comes from the API's reply) is left out."""
    lines = []
    for name in ("API_URL", "API_KEY", "STUDENT_ID"):
        value = values.get(name) or ""
        if not value or (name == "STUDENT_ID" and not is_safe_id(value)):
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

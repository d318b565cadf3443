"""One JSON object per log line, through the standard ``logging`` module, in Lambda's JSON log format.

    log("INFO", "submission stored", subject="os", testId="test01", studentId="student01")

prints (one line; ``requestId`` is the Lambda request id of the invocation, when there is one):

    {"timestamp": "2026-12-01T22:00:00.123Z", "level": "INFO", "message": "submission stored",
     "logger": "testtime", "requestId": "…", "subject": "os", "testId": "test01", "studentId": "student01"}

Two ways to get there, chosen by ``AWS_LAMBDA_LOG_FORMAT``, the variable Lambda sets from the function's
``LoggingConfig.LogFormat`` (Lambda developer guide, "Configuring JSON and plain text log formats" and
"Using Lambda advanced logging controls with Python"):

- ``JSON``: Lambda's Python runtime has put a handler with its own JSON formatter on the root logger; it writes
  ``timestamp``, ``level``, ``message``, ``logger``, ``requestId`` and every ``extra`` field of a record. Our
  records go there (``propagate``) and nowhere else.
- anything else (``Text``, no variable: the emulator, a test, a developer's shell): the runtime's root handler,
  if any, prints plain text, so our logger does not propagate to it and prints the same JSON object itself.

Either way a record reaches exactly one handler, so a line is never logged twice. Never pass an API key, an
answer, an answer key or an email body as a field: the fields are the ids a trainer searches by.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TextIO

LOGGER_NAME = "testtime"
LOG_FORMAT_VARIABLE = "AWS_LAMBDA_LOG_FORMAT"  # JSON or Text, from LoggingConfig.LogFormat
LOG_LEVEL_VARIABLE = "AWS_LAMBDA_LOG_LEVEL"  # from LoggingConfig.ApplicationLogLevel (JSON format only)
DEFAULT_LEVEL = logging.INFO

# Keys a field may not use as it is: the attributes of a LogRecord (``logging`` refuses to overwrite them) and
# the keys Lambda's JSON formatter writes itself (it drops an ``extra`` of the same name). Such a field is
# logged as ``<key>_``.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_LAMBDA_KEYS = frozenset(
    {"timestamp", "level", "logger", "requestId", "location", "stackTrace", "errorType", "errorMessage"}
    | {"aws_request_id", "tenant_id", "tenantId", "_frame_type"}
)
RESERVED_KEYS = _RECORD_ATTRIBUTES | _LAMBDA_KEYS

# The ids of the invocation being served, added to every line. Lambda runs one invocation at a time per
# execution environment, so one value for the process (not a ContextVar) is right, and the scorer's worker
# threads see it too.
# Each open bound() block is a frame; the ids are the frames merged in order. A block removes its own frame when it
# ends, whichever block ends first, so two blocks open at once (two runs in one test process) never leave ids
# behind; a snapshot restored on exit would.
_frames: list[dict[str, Any]] = []
_bound_ids: dict[str, Any] = {}  # the merge of _frames, kept for the log lines
_bound_lock = threading.Lock()


def _merge_frames() -> None:
    global _bound_ids
    merged: dict[str, Any] = {}
    for frame in _frames:
        merged.update(frame)
    _bound_ids = merged


_configured: tuple[str, str] | None = None  # (log format, level name) the logger is set up for


def lambda_formats_json() -> bool:
    """True when Lambda's runtime formats the application's log records as JSON itself."""
    return os.environ.get(LOG_FORMAT_VARIABLE, "").strip().upper() == "JSON"


def _level_number(level: str) -> int:
    return logging.getLevelNamesMapping().get(level.strip().upper(), logging.INFO)


def _json_default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (Lambda's own formatter raises on anything else and the line is lost)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    try:
        return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError, RecursionError):  # a cycle, NaN inside a list, …: its text will do
        return str(value)


def _fields(fields: dict[str, Any], reserved: frozenset[str] = RESERVED_KEYS) -> dict[str, Any]:
    return {(f"{key}_" if key in reserved else key): jsonable(value) for key, value in fields.items()}


class JsonLineFormatter(logging.Formatter):
    """The shape of Lambda's JSON log format: timestamp, level, message, logger, requestId, then the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        request_id = getattr(record, "requestId", None)
        if request_id:
            line["requestId"] = request_id
        line.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _RECORD_ATTRIBUTES and key not in line and not key.startswith("_")
        )
        if record.exc_info:  # a plain logging.exception() from code that does not use log()
            line.setdefault("errorType", record.exc_info[0].__name__ if record.exc_info[0] else None)
            line.setdefault("stackTrace", self.formatException(record.exc_info).splitlines())
        return json.dumps(line, default=_json_default, ensure_ascii=False)


class _BoundIdsFilter(logging.Filter):
    """Adds the bound ids to the records of plain ``logging`` calls under ``testtime`` too."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in bound_ids().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at the time (Lambda wraps it, pytest's capsys replaces it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure() -> logging.Logger:
    """Set up the ``testtime`` logger for the log format and level in force; again after they changed (tests)."""
    global _configured
    logger = logging.getLogger(LOGGER_NAME)
    log_format = "JSON" if lambda_formats_json() else "Text"
    # ApplicationLogLevel reaches the runtime as AWS_LAMBDA_LOG_LEVEL; without it, INFO (the decisions).
    level_name = os.environ.get(LOG_LEVEL_VARIABLE, "").strip().upper().replace("TRACE", "DEBUG")
    if _configured == (log_format, level_name):
        return logger
    for handler in [handler for handler in logger.handlers if isinstance(handler, StdoutHandler)]:
        logger.removeHandler(handler)
    if log_format == "JSON":
        logger.propagate = True  # to the runtime's JSON handler on the root logger, and only there
    else:
        handler = StdoutHandler()
        handler.setFormatter(JsonLineFormatter())
        handler.addFilter(_BoundIdsFilter())
        logger.addHandler(handler)
        logger.propagate = False  # the runtime's text handler on the root logger would print it a second time
    logger.setLevel(_level_number(level_name) if level_name else DEFAULT_LEVEL)
    _configured = (log_format, level_name)
    return logger


def log(level: str, message: str, /, **fields: Any) -> None:
    """One line at ``level`` (DEBUG, INFO, WARNING, ERROR) with the invocation's ids and ``fields``.

    A field named like one of Lambda's own keys (``level``, ``timestamp``, …) or a LogRecord attribute
    (``name``, ``module``, …) is logged as ``<name>_``. Values that are not JSON types are logged as text.
    Logging never raises.
    """
    logger = configure()
    number = _level_number(level)
    if not logger.isEnabledFor(number):
        return
    with _bound_lock:
        extra = {**_bound_ids, **_fields(fields)}
    logger.log(number, message, extra=extra)


def lambda_request_id(context: Any) -> str | None:
    """The Lambda request id of an invocation's context object (None outside Lambda)."""
    value = getattr(context, "aws_request_id", None)
    return str(value) if value else None


@contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """Add ``ids`` (``requestId``: the Lambda request id, ``apiRequestId``, ``runId``, …) to every line logged
    until the block ends, from any thread; the ids bound before come back afterwards."""
    present = {key: value for key, value in ids.items() if value is not None}
    frame = dict(_fields(present, _RECORD_ATTRIBUTES))
    with _bound_lock:
        _frames.append(frame)
        _merge_frames()
    try:
        yield
    finally:
        with _bound_lock:
            _frames[:] = [other for other in _frames if other is not frame]
            _merge_frames()


def bind(**ids: Any) -> None:
    """Add ``ids`` (``subject``, ``testId``, ``studentId``, …) to every later line until the enclosing
    :func:`bound` block ends, as a request learns them (``testtime.http.api_handler`` opens that block)."""
    present = {key: value for key, value in ids.items() if value is not None}
    with _bound_lock:
        if not _frames:
            _frames.append({})  # outside any block: stays until the process ends, as a module-level setting
        _frames[-1].update(_fields(present, _RECORD_ATTRIBUTES))
        _merge_frames()


def bound_ids() -> dict[str, Any]:
    """The ids every line carries now (a copy)."""
    with _bound_lock:
        return dict(_bound_ids)


configure()

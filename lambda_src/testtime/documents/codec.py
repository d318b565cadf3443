"""JSON in and out of the bucket, and the one error type of a document that cannot be read."""

from __future__ import annotations

import json
from typing import Any


class MalformedDocument(ValueError):
    """A bucket object that cannot be read as the document its key names; ``str()`` says which and why, e.g.
    ``os/test01/questionsKey.json has no answer for question 3`` (``problem`` reads on from the key)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key} {problem}")
        self.key = key
        self.problem = problem

    @property
    def file(self) -> str:
        """The object's file name, e.g. ``testResult.json``."""
        return self.key.rpartition("/")[2]

    def in_file(self) -> str:
        """The problem named by file only, e.g. ``testResult.json is not JSON: ...``, for a report whose row
        already says which test and student it is about."""
        return f"{self.file} {self.problem}"


def dumps(value: Any) -> bytes:
    """The serialisation of every document we write: stable, so equal content gives equal bytes and ETags.
    NaN and Infinity raise ValueError: :func:`loads` refuses them, so a document holding one could not be read."""
    return (json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(key: str, body: bytes) -> Any:
    """The parsed JSON of ``body`` (a UTF-8 BOM is allowed); MalformedDocument when it is not JSON."""
    try:
        return json.loads(body.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise MalformedDocument(key, f"is not UTF-8 text (byte {error.start})") from None
    except ValueError as error:
        raise MalformedDocument(key, f"is not JSON: {error}") from None


def require(key: str, body: bytes | None) -> bytes:
    """``body``, or MalformedDocument when the object is missing where it must exist."""
    if body is None:
        raise MalformedDocument(key, "is missing")
    return body


def is_count(value: Any) -> bool:
    """A non-negative integer (not a bool, which JSON ``true`` would give)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0

"""The S3 adapter of the API handlers, on top of ``s3io``, with a small cache that lives as long as the container.

The class list, the catalog and published questions change rarely (the trainer republishes), so a warm container
reuses them for ``CACHE_TTL_SECONDS`` (default 15; 0 turns the cache off). Submissions and submitted markers are
never cached: they must be exact. That keeps a warm request at 0 to 2 S3 calls.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from testtime import layout, s3io
from testtime.documents.catalog import Catalog, parse_catalog
from testtime.documents.class_list import ClassList, parse_class_list, parse_trainer
from testtime.documents.questions import Question, parse_questions
from testtime.log import log

T = TypeVar("T")

DEFAULT_TTL_SECONDS = 15.0
MAX_CACHE_ENTRIES = 512  # bounds memory when many tests' questions are read by one container

_cache: dict[str, tuple[float, Any]] = {}
clock: Callable[[], float] = time.monotonic  # tests replace it to expire entries without sleeping


def bucket() -> str:
    name = os.environ.get("DATA_BUCKET")
    if not name:
        raise RuntimeError("DATA_BUCKET is not set")
    return name


def ttl_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("CACHE_TTL_SECONDS", DEFAULT_TTL_SECONDS)))
    except ValueError:
        return DEFAULT_TTL_SECONDS


def clear_cache() -> None:
    _cache.clear()


def _cached(key: str, load: Callable[[], T], keep: Callable[[T], bool] = lambda _: True, fresh: bool = False) -> T:
    """``load()``, reused until the TTL runs out (``fresh`` reloads now); values ``keep`` refuses are not cached."""
    now = clock()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now and not fresh:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    ttl = ttl_seconds()
    if ttl > 0 and keep(value):
        if len(_cache) >= MAX_CACHE_ENTRIES:
            _cache.pop(min(_cache, key=lambda k: _cache[k][0]))  # the entry closest to expiry
        _cache[key] = (now + ttl, value)
    return value


def _published(key: str) -> bytes | None:
    """A published document the trainer uploads (class list, catalog, questions), or None when it is missing.

    The student functions may read these keys but not list the bucket, so on AWS a missing key answers 403
    AccessDenied, not 404 (S3 API reference, GetObject, Permissions): without this, a class list or catalog
    not published yet would be a 500. The 403 cannot tell "missing" from "not allowed", so it is logged as a
    warning naming the key, never passed over silently; tests/iam proves each role may read the keys it reads.
    """
    try:
        return s3io.get_bytes(bucket(), key)
    except ClientError as error:
        if not s3io.is_access_denied(error):
            raise
        log(
            "WARNING",
            "published object missing (or not readable by this function's role): S3 answered AccessDenied",
            key=key,
        )
        return None


def class_list(fresh: bool = False) -> ClassList:
    """The class list (``studentsList.json``); empty when not published yet. Skipped entries are logged once
    per load."""

    def load() -> ClassList:
        parsed = parse_class_list(layout.STUDENTS_LIST, _published(layout.STUDENTS_LIST))
        for problem in parsed.problems:
            log("WARNING", "class list entry skipped", problem=problem)
        return parsed

    return _cached(layout.STUDENTS_LIST, load, fresh=fresh)


def catalog(fresh: bool = False) -> Catalog:
    """The parsed ``catalog.json``; skipped entries are logged once per load, not once per request."""

    def load() -> Catalog:
        parsed = parse_catalog(layout.CATALOG, _published(layout.CATALOG))
        for problem in parsed.problems:
            log("WARNING", "catalog.json entry skipped", problem=problem)
        return parsed

    return _cached(layout.CATALOG, load, fresh=fresh)


def questions(subject: str, test_id: str) -> tuple[Question, ...] | None:
    """The published questions of a test, or None when ``questions.json`` is missing (not cached: it may appear
    soon); MalformedDocument when it cannot be read."""
    key = layout.questions_key(subject, test_id)

    def load() -> tuple[Question, ...] | None:
        body = _published(key)
        return None if body is None else parse_questions(key, body)

    return _cached(key, load, keep=lambda found: found is not None)


def trainer_key_digest() -> str | None:
    """The SHA-256 of the trainer's API key (``trainer.json``); None when not published. Not cached: a new
    trainer key must work, and an old one stop working, at once."""
    return parse_trainer(layout.TRAINER, _published(layout.TRAINER))


def put_submission(subject: str, test_id: str, student_id: str, body: bytes) -> bool:
    """Store ``testResult.json`` only if there is none yet; False when the student already submitted."""
    return s3io.put_if_absent(bucket(), layout.submission_key(subject, test_id, student_id), body)


def mark_submitted(student_id: str, subject: str, test_id: str) -> None:
    """The empty marker that lets ``submitted_tests`` find this submission with one listing."""
    s3io.client().put_object(
        Bucket=bucket(),
        Key=layout.submitted_marker_key(student_id, subject, test_id),
        Body=b"",
        ContentType="application/octet-stream",
    )


def submitted_tests(student_id: str) -> set[tuple[str, str]]:
    """``(subject, testId)`` of every test the student submitted: one ListObjectsV2 per 1,000 markers."""
    done: set[tuple[str, str]] = set()
    for key in s3io.list_keys(bucket(), layout.submitted_marker_prefix(student_id)):
        parsed = layout.parse_submitted_marker(key)
        if parsed is not None and parsed[0] == student_id:
            done.add((parsed[1], parsed[2]))
    return done

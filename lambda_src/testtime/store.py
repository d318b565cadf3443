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

from testtime import catalog as catalog_module
from testtime import layout, s3io
from testtime.http import log

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


def _published_json(key: str) -> Any | None:
    """A published document the trainer uploads (class list, catalog, questions), or None when it is missing.

    The student functions may read these keys but not list the bucket, so on AWS a missing key answers 403
    AccessDenied, not 404 (S3 API reference, GetObject, Permissions): without this, a class list or catalog
    not published yet would be a 500. The 403 cannot tell "missing" from "not allowed", so it is logged as a
    warning naming the key, never passed over silently; tests/iam proves each role may read the keys it reads.
    """
    try:
        return s3io.get_json(bucket(), key)
    except ClientError as error:
        if not s3io.is_access_denied(error):
            raise
        log(
            "WARNING",
            "published object missing (or not readable by this function's role): S3 answered AccessDenied",
            key=key,
        )
        return None


def students(fresh: bool = False) -> list[Any]:
    """The class list (``studentsList.json``); empty when not published yet."""

    def load() -> list[Any]:
        document = _published_json(layout.STUDENTS_LIST)
        if document is None:
            return []
        if not isinstance(document, list):
            raise TypeError("studentsList.json is not a list")
        return document

    return _cached(layout.STUDENTS_LIST, load, fresh=fresh)


def catalog(fresh: bool = False) -> catalog_module.Catalog:
    """The parsed ``catalog.json``; skipped entries are logged once per load, not once per request."""

    def load() -> catalog_module.Catalog:
        parsed = catalog_module.parse_catalog(_published_json(layout.CATALOG))
        for problem in parsed.problems:
            log("WARNING", "catalog.json entry skipped", problem=problem)
        return parsed

    return _cached(layout.CATALOG, load, fresh=fresh)


def questions(subject: str, test_id: str) -> Any | None:
    """The published ``questions.json`` of a test, or None when it is missing (not cached: it may appear soon)."""
    key = layout.questions_key(subject, test_id)
    return _cached(key, lambda: _published_json(key), keep=lambda document: document is not None)


def put_submission(subject: str, test_id: str, student_id: str, document: dict[str, Any]) -> bool:
    """Store ``testResult.json`` only if there is none yet; False when the student already submitted."""
    return s3io.put_if_absent(bucket(), layout.submission_key(subject, test_id, student_id), s3io.dumps(document))


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

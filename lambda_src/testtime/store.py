"""The S3 adapter of the API handlers, on top of ``s3io``, with a small cache that lives as long as the container.

What a warm container keeps, for ``CACHE_TTL_SECONDS`` (default 15; 0 turns every cache off), and how a
publication stays invisible to students anyway (issue 18):

* The class list and ``catalog.json``. A stale copy can refuse what was just published (a new student, a new or
  reopened test, new questions' choices): the handlers read the document again before refusing. An expired copy
  of the catalog is revalidated with a conditional GET that S3 answers 304 without a body while it is unchanged.
  And the publisher reports "published" only once every warm copy has expired (ops/publish.py), so after that
  every request sees the new publication (a test closed early accepts nothing).
* A test's questions, by the SHA-256 of their bytes: the catalog entry names the digest it was published with
  (``questionsSha256``), so the questions a request uses are always those of the catalog entry it decided on,
  with no request to prove it. An entry without a digest (a catalog written before it existed) keeps them for
  the TTL, and a submission reads them again before refusing an answer.

Submissions, submitted markers and scores are never cached: they must be exact. A warm request makes 1 to 2 S3
calls (a GET of a test, a HEAD of the caller's marker: submitted already?; a submission its two PUTs, a replacement
one PUT more per version already stored); the history one listing and a few GETs per submitted test.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from testtime import layout, s3io
from testtime.documents.catalog import Catalog, parse_catalog
from testtime.documents.class_list import ClassList, parse_class_list, parse_trainer
from testtime.documents.questions import AnswerKey, Question, parse_answer_key, parse_questions
from testtime.documents.scores import ScoreRecord, parse_score
from testtime.documents.submissions import Submission, parse_submission
from testtime.log import log

T = TypeVar("T")

DEFAULT_TTL_SECONDS = 15.0
MAX_CACHE_ENTRIES = 512  # bounds memory when many tests' questions are read by one container

_cache: dict[str, tuple[float, Any]] = {}  # key -> (expiry, value): the class list, undigested questions
_catalog: tuple[str, Catalog, float] | None = None  # (ETag, parsed, expiry) of the last catalog.json read
_questions: dict[str, tuple[str, tuple[Question, ...]]] = {}  # key -> (SHA-256 of the bytes, parsed)
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
    global _catalog
    _cache.clear()
    _questions.clear()
    _catalog = None


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
    """A published document the trainer uploads (class list, catalog, questions), or None when it is missing."""
    return _published_unless(key, None).body


def _published_unless(key: str, etag: str | None) -> s3io.Revalidated:
    """``s3io.get_unless_unchanged`` for a published document, a missing one read as no body.

    The student functions may read these keys but not list the bucket, so on AWS a missing key answers 403
    AccessDenied, not 404 (S3 API reference, GetObject, Permissions): without this, a class list or catalog
    not published yet would be a 500. The 403 cannot tell "missing" from "not allowed", so it is logged as a
    warning naming the key, never passed over silently; tests/iam proves each role may read the keys it reads.
    """
    try:
        return s3io.get_unless_unchanged(bucket(), key, etag)
    except ClientError as error:
        if not s3io.is_access_denied(error):
            raise
        log(
            "WARNING",
            "published object missing (or not readable by this function's role): S3 answered AccessDenied",
            key=key,
        )
        return s3io.Revalidated(not_modified=False)


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
    """The parsed ``catalog.json``, kept for the TTL. When the copy has expired, or ``fresh`` asks for the bucket's
    current one, it is revalidated with a conditional GET, which S3 answers 304 without a body while unchanged.
    Skipped entries are logged once per version read, not once per request."""
    global _catalog
    now, ttl = clock(), ttl_seconds()
    cached = _catalog if ttl > 0 else None
    if cached is not None and cached[2] > now and not fresh:
        return cached[1]
    read = _published_unless(layout.CATALOG, cached[0] if cached else None)
    if read.not_modified and cached is not None:
        etag, parsed = cached[0], cached[1]
    else:
        etag, parsed = read.etag, parse_catalog(layout.CATALOG, read.body)
        for problem in parsed.problems:
            log("WARNING", "catalog.json entry skipped", problem=problem)
    _catalog = (etag, parsed, now + ttl) if etag and ttl > 0 else None  # a missing one is asked for again
    return parsed


def questions(
    subject: str, test_id: str, sha256: str | None = None, fresh: bool = False
) -> tuple[Question, ...] | None:
    """The published questions of a test, or None when ``questions.json`` is missing (not cached: it may appear
    soon); MalformedDocument when it cannot be read.

    ``sha256`` is the catalog entry's ``questionsSha256``: cached questions are used only when their bytes had
    that digest, so a current catalog never meets stale questions. Without it (an entry written before the
    digest) they are kept for the TTL, and ``fresh`` reads them again (the handlers do before refusing an answer).
    """
    key = layout.questions_key(subject, test_id)
    if sha256 is None:
        return _cached(key, lambda: _read_questions(key, None), keep=lambda found: found is not None, fresh=fresh)
    hit = _questions.get(key)
    if hit is not None and hit[0] == sha256 and not fresh:
        return hit[1]
    return _read_questions(key, sha256)


def _read_questions(key: str, expected_sha256: str | None) -> tuple[Question, ...] | None:
    """Read and parse ``key``; with ``expected_sha256``, keep the result by the digest of its bytes."""
    body = _published(key)
    if body is None:
        return None
    parsed = parse_questions(key, body)
    if expected_sha256 is None:
        return parsed
    digest = hashlib.sha256(body).hexdigest()
    if digest != expected_sha256:
        # The publisher writes the questions before the catalog that names them, so these are the newer ones: a
        # publication is under way. Serve them; they are kept under their own digest, never the entry's.
        log("INFO", "questions.json is newer than its catalog entry (a publication under way)", key=key)
    if ttl_seconds() > 0:
        if len(_questions) >= MAX_CACHE_ENTRIES and key not in _questions:
            _questions.pop(next(iter(_questions)))  # the oldest entry
        _questions[key] = (digest, parsed)
    return parsed


def trainer_key_digest() -> str | None:
    """The SHA-256 of the trainer's API key (``trainer.json``); None when not published. Not cached: a new
    trainer key must work, and an old one stop working, at once."""
    return parse_trainer(layout.TRAINER, _published(layout.TRAINER))


def put_submission(
    subject: str, test_id: str, student_id: str, body_of: Callable[[int], bytes], versions: int = 1
) -> int | None:
    """Store the first free version of the student's submission, create-only; the version stored, or None when
    versions 1 to ``versions`` all exist (1: only ``testResult.json``, the first submission is final).

    Versions are tried in order with ``If-None-Match: *``, so nothing is ever overwritten and two concurrent
    submissions both land, each as its own version: no listing (the API's roles may not list the bucket) and no
    read. ``body_of(version)`` gives the document of that version (it names the version from 2 on). A 409
    ConditionalRequestConflict (a concurrent write to the same key, PutObject IfNoneMatch in the S3 API reference)
    counts as taken (``s3io.put_if_absent``): this submission moves on to the next version, and the scorer, which
    lists the folder, takes the highest version whatever gap a failed concurrent write leaves.
    """
    for version in range(1, min(versions, layout.MAX_SUBMISSION_VERSIONS) + 1):
        key = layout.submission_version_key(subject, test_id, student_id, version)
        if s3io.put_if_absent(bucket(), key, body_of(version)):
            return version
    return None


# The user-defined metadata of a resubmit test's marker (x-amz-meta-*): which version came last, and when.
RECEIPT_VERSION, RECEIPT_RECEIVED_AT = "submission-version", "received-at"


def mark_submitted(student_id: str, subject: str, test_id: str, receipt: Receipt | None = None) -> None:
    """The empty marker that lets ``submitted_tests`` find this submission with one listing. For a test that
    takes resubmissions, ``receipt`` rides along as user-defined metadata (S3 user guide, "Working with object
    metadata": set at upload, returned by HeadObject), so that ``GET /api/v1/test`` can say when the student last
    submitted with one HEAD; the marker stays empty either way."""
    params: dict[str, Any] = {
        "Bucket": bucket(),
        "Key": layout.submitted_marker_key(student_id, subject, test_id),
        "Body": b"",
        "ContentType": "application/octet-stream",
    }
    if receipt is not None:
        params["Metadata"] = {
            RECEIPT_VERSION: str(receipt.version),
            RECEIPT_RECEIVED_AT: receipt.received_at or "",
        }
    s3io.client().put_object(**params)


@dataclass(frozen=True)
class Receipt:
    """What a resubmit test's marker says: the latest version stored and when it was received (None for a marker
    written without them, e.g. before the test allowed resubmission, or restored without its metadata)."""

    version: int | None
    received_at: str | None
    modified: datetime | None = None  # when the marker was last written (every marker has it)


def submission_receipt_of(student_id: str, subject: str, test_id: str) -> Receipt | None:
    """The student's marker of a test (one HeadObject); None when they have not submitted it. On AWS a missing
    marker answers 403 to a role that may read but not list the bucket (see ``_published_unless``; a HEAD's 403
    has no body, botocore names it by the status): expected here, so read as absent without a warning. Not
    cached: it must be exact."""
    key = layout.submitted_marker_key(student_id, subject, test_id)
    try:
        head = s3io.client().head_object(Bucket=bucket(), Key=key)
    except ClientError as error:
        if s3io.is_access_denied(error) or error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
            return None
        raise
    metadata = {name.lower(): value for name, value in (head.get("Metadata") or {}).items()}
    version = metadata.get(RECEIPT_VERSION, "")
    modified = head.get("LastModified")
    return Receipt(
        int(version) if version.isdigit() else None,
        metadata.get(RECEIPT_RECEIVED_AT) or None,
        modified if isinstance(modified, datetime) else None,
    )


def submitted_tests(student_id: str) -> dict[tuple[str, str], datetime]:
    """``(subject, testId)`` of every test the student submitted, with when its marker was last written (the
    latest submission's time, within the moment between storing it and writing the marker): one ListObjectsV2 per
    1,000 markers."""
    done: dict[tuple[str, str], datetime] = {}
    for key, modified in s3io.list_modified(bucket(), layout.submitted_marker_prefix(student_id)):
        parsed = layout.parse_submitted_marker(key)
        if parsed is not None and parsed[0] == student_id:
            done[(parsed[1], parsed[2])] = modified
    return done


def _own(key: str) -> bytes | None:
    """A document the caller may or may not have (their score, their submission): None when absent. On AWS a
    missing key answers 403 to a role that may not list the bucket (see ``_published_unless``): expected here, a
    score not written yet, so read as absent without a warning."""
    try:
        return s3io.get_bytes(bucket(), key)
    except ClientError as error:
        if s3io.is_access_denied(error):
            return None
        raise


def score_of(subject: str, test_id: str, student_id: str) -> ScoreRecord | None:
    """The student's ``score.json``; None while not scored. Not cached: the scorer may write it any moment."""
    key = layout.score_key(subject, test_id, student_id)
    body = _own(key)
    return None if body is None else parse_score(key, body)


def submission_of(subject: str, test_id: str, student_id: str, version: int = 1) -> Submission | None:
    """Version ``version`` of the student's submission; None when it is not stored."""
    key = layout.submission_version_key(subject, test_id, student_id, version)
    body = _own(key)
    return None if body is None else parse_submission(key, body, student_id)


def answer_key(subject: str, test_id: str) -> AnswerKey | None:
    """The test's ``questionsKey.json``; None when it is missing. Read only for a test closed for everybody."""
    key = layout.answer_key_key(subject, test_id)
    body = _published(key)
    return None if body is None else parse_answer_key(key, body)

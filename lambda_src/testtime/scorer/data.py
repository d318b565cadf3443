"""The data bucket as a scorer run uses it: whole objects as bytes, with the ETags conditional writes need.

Objects go through ``objects`` (:class:`testtime.s3io.Objects`: the lean signed client of :mod:`testtime.s3direct`,
the one object client of the scorer: ``bench/scorer.py --compare-clients`` measured half the CPU per submission of
boto3's), listings through boto3 (paginated). No JSON here: :mod:`testtime.documents` reads and writes the bytes.
Safe to share between threads (both clients are).
"""

from __future__ import annotations

from collections.abc import Iterator

from testtime import s3io


class S3Data:
    def __init__(self, bucket: str, objects: s3io.Objects) -> None:
        self.bucket = bucket
        self.objects = objects

    def get(self, key: str) -> bytes | None:
        """The object's bytes; None when there is no such key."""
        found = self.objects.get(key)
        return None if found is None else found[0]

    def get_with_etag(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and its ETag (for an If-Match overwrite); None when there is no such key."""
        return self.objects.get(key)

    def put(self, key: str, body: bytes) -> None:
        self.objects.put(key, body)

    def put_if_absent(self, key: str, body: bytes) -> bool:
        """Create only (``If-None-Match: *``); False when the key exists already."""
        return self.objects.put(key, body, if_none_match=True) is not None

    def put_if_match(self, key: str, body: bytes, etag: str) -> bool:
        """Overwrite only the version we read; False when another writer got there first."""
        return self.put_conditional(key, body, etag) is not None

    def put_conditional(self, key: str, body: bytes, etag: str | None = None) -> str | None:
        """Create (``etag`` None) or overwrite the version ``etag``; the new ETag, or None when refused."""
        return self.objects.put(key, body, if_none_match=etag is None, if_match=etag) or None

    def list_keys(self, prefix: str) -> Iterator[str]:
        return s3io.list_keys(self.bucket, prefix)

"""Thin S3 I/O shared by every function: object bytes get/put, create-only put, paginated listing.

Everything that touches boto3 for the data bucket goes through here, so the domain modules stay pure and
the request count per operation is easy to see (and to count in benchmarks). What the bytes mean is
:mod:`testtime.documents`' business.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

_CLIENT: Any = None


def client() -> Any:
    """One S3 client per container; endpoint and credentials come from the environment (local or AWS)."""
    global _CLIENT
    if _CLIENT is None:
        _CLIENT = boto3.client(
            "s3",
            config=Config(
                retries={"max_attempts": 4, "mode": "standard"},
                max_pool_connections=int(os.environ.get("S3_MAX_POOL", "16")),
            ),
        )
    return _CLIENT


def _is(error: ClientError, *codes: str) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in codes or str(status) in codes


def is_access_denied(error: ClientError) -> bool:
    """S3's 403. For a GetObject or HeadObject it also means "no such key" when the caller lacks s3:ListBucket on
    the bucket: "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status code 403 Access
    Denied error" (S3 API reference, GetObject, Permissions). Other 403s (a bad signature, an expired token)
    are not this: they carry their own code; a HEAD's 403 has no body, so botocore names it by the status."""
    return error.response.get("Error", {}).get("Code", "") in ("AccessDenied", "403", "Forbidden")


def get_bytes(bucket: str, key: str) -> bytes | None:
    """The object's body, or None when there is no such key."""
    try:
        return client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if _is(error, "NoSuchKey", "404"):
            return None
        raise


@dataclass(frozen=True)
class Revalidated:
    """A conditional GET's outcome: ``not_modified`` (the caller's copy is current), or the current ``body`` and
    ``etag`` (both None when there is no such key)."""

    not_modified: bool
    body: bytes | None = None
    etag: str | None = None


def get_unless_unchanged(bucket: str, key: str, etag: str | None) -> Revalidated:
    """The object, unless its ETag is still ``etag``: GetObject with ``If-None-Match``, which S3 answers 304 Not
    Modified, without a body, when the ETag matches (S3 API reference, GetObject, IfNoneMatch); botocore raises
    that 304 as a ClientError with the code "304"."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if etag:
        kwargs["IfNoneMatch"] = etag
    try:
        response = client().get_object(**kwargs)
    except ClientError as error:
        if etag and _is(error, "304", "NotModified"):
            return Revalidated(not_modified=True)
        if _is(error, "NoSuchKey", "404"):
            return Revalidated(not_modified=False)
        raise
    return Revalidated(not_modified=False, body=response["Body"].read(), etag=response.get("ETag"))


def put_if_absent(bucket: str, key: str, body: bytes, content_type: str = "application/json") -> bool:
    """Create the object only if the key is free (``If-None-Match: *``); False when it already existed.

    S3 makes this atomic, so of two concurrent writers exactly one wins.
    """
    try:
        client().put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, IfNoneMatch="*")
    except ClientError as error:
        if _is(error, "PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
            return False
        raise
    return True


def list_modified(bucket: str, prefix: str = "") -> Iterator[tuple[str, datetime]]:
    """``(key, LastModified)`` of every key under ``prefix``: what ListObjectsV2 returns anyway, page by page."""
    for page in client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield item["Key"], item["LastModified"]


def list_keys(bucket: str, prefix: str = "", delimiter: str | None = None) -> Iterator[str]:
    """Every key under ``prefix``, page by page (S3 returns at most 1,000 per call)."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if delimiter:
        kwargs["Delimiter"] = delimiter
    for page in client().get_paginator("list_objects_v2").paginate(**kwargs):
        for item in page.get("Contents", []):
            yield item["Key"]


class Objects(Protocol):
    """Whole-object GET and PUT in one bucket, with the ETags conditional writes need: what the scorer's thousands
    of requests run on. Implemented by ``testtime.s3direct.ObjectClient``, the lean signed client (tests wrap it
    to count or fail requests)."""

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The object's body and ETag, or None when there is no such key."""
        ...

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str = "application/json",
        if_none_match: bool = False,
        if_match: str | None = None,
    ) -> str | None:
        """Write the object; its new ETag, or None when a condition refused it: create-only over an existing
        object, or If-Match over another version or a deleted object."""
        ...

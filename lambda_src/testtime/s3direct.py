"""Object GET and PUT for the scorer's bulk work, signed with botocore's SigV4 signer and sent over urllib3.

Why not a boto3 call: the scorer is CPU-bound (Lambda gives CPU in proportion to memory: a 256 MB function has
0.145 vCPU), and boto3's request building, event hooks and response parsing double its cost. Measured by
``bench/scorer.py --compare-clients`` (1,000 students x 10 tests): 4.6 ms of CPU per submission scored with this
client against 9.3 ms with boto3 get_object/put_object, so 2.3 times the submissions per second at 256 MB; at 150
submissions/s boto3 would need 1.4 vCPU, more than one Python process can use. This is the scorer's only object
client. Signing, credentials, the endpoint and the CA bundle still come from
botocore; this module only sends the request and maps the answer back to a ``ClientError``, so callers handle
failures exactly as they do for boto3. Everything else (listings, the rest of the functions) stays on boto3.

Addressing: the client's resolved endpoint (``s3io.client().meta.endpoint_url``), so a custom endpoint (the
embedded AWS, ``AWS_ENDPOINT_URL``) is used path-style and AWS virtual-hosted, as boto3 does.
"""

from __future__ import annotations

import os
import random
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import boto3.session
import urllib3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from botocore.httpsession import get_cert_path

from testtime import s3io

MAX_ATTEMPTS = 4  # as the boto3 clients' standard retry mode
RETRY_STATUSES = {500, 502, 503, 504}
RETRY_CODES = {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling"}
TIMEOUT = urllib3.Timeout(connect=5.0, read=30.0)


@dataclass(frozen=True)
class Target:
    """Where the bucket's objects live and how requests to it are signed."""

    base_url: str  # up to the key: https://bucket.s3.region.amazonaws.com/ or http://127.0.0.1:4566/bucket/
    region: str
    credentials: Any  # botocore credentials (refreshable in Lambda), frozen for each request


def target_for(bucket: str) -> Target:
    """The bucket's address and signing identity, from the shared boto3 client's own resolution."""
    s3 = s3io.client()
    endpoint = s3.meta.endpoint_url.rstrip("/")
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        base = f"{parts.scheme}://{bucket}.{parts.netloc}/"
    else:  # an emulator or other custom endpoint: path-style, as boto3 addresses it
        base = f"{endpoint}/{bucket}/"
    credentials = boto3.session.Session().get_credentials()  # the chain boto3's clients use: env, role, ...
    if credentials is None:
        raise NoCredentialsError()
    return Target(base, s3.meta.region_name, credentials)


def ca_bundle() -> str:
    """The CA certificates boto3 would verify with: AWS_CA_BUNDLE (a proxy's own CA, say), else botocore's."""
    return os.environ.get("AWS_CA_BUNDLE") or str(get_cert_path(True))


class ObjectClient:
    """:class:`testtime.s3io.Objects` over urllib3: thread-safe, one connection pool per client."""

    def __init__(self, bucket: str, max_connections: int = 16, target: Target | None = None) -> None:
        self.bucket = bucket
        self.target = target or target_for(bucket)
        self.requests = 0  # HTTP requests sent, retries included (the scorer reports them)
        self._lock = threading.Lock()
        self._pool = urllib3.PoolManager(
            maxsize=max_connections, block=True, cert_reqs="CERT_REQUIRED", ca_certs=ca_bundle()
        )

    def get(self, key: str) -> tuple[bytes, str] | None:
        status, body, etag = self._send("GET", key, b"", {}, allowed=(200, 404))
        return None if status == 404 else (body, etag)

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str = "application/json",
        if_none_match: bool = False,
        if_match: str | None = None,
    ) -> str | None:
        headers = {"Content-Type": content_type}
        refused = (409, 412)
        if if_none_match:
            headers["If-None-Match"] = "*"
        if if_match:
            headers["If-Match"] = if_match
            refused = (404, 409, 412)
        status, _, etag = self._send("PUT", key, body, headers, allowed=(200, *refused))
        return None if status in refused else etag

    def _send(
        self, method: str, key: str, body: bytes, headers: dict[str, str], allowed: tuple[int, ...]
    ) -> tuple[int, bytes, str]:
        url = self.target.base_url + quote(key, safe="/~")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            request = AWSRequest(method, url, data=body, headers=dict(headers))
            S3SigV4Auth(self.target.credentials.get_frozen_credentials(), "s3", self.target.region).add_auth(request)
            with self._lock:
                self.requests += 1
            try:
                response = self._pool.request(
                    method,
                    url,
                    body=body or None,
                    headers=dict(request.headers.items()),
                    retries=False,
                    timeout=TIMEOUT,
                    redirect=False,
                )
            except urllib3.exceptions.HTTPError as error:
                if attempt == MAX_ATTEMPTS:
                    raise EndpointConnectionError(endpoint_url=url, error=error) from error
                _backoff(attempt)
                continue
            status, data = response.status, response.data
            if status in allowed:
                return status, data, str(response.headers.get("ETag") or "")
            code, message = _error_of(data)
            if attempt < MAX_ATTEMPTS and (status in RETRY_STATUSES or code in RETRY_CODES):
                _backoff(attempt)
                continue
            raise ClientError(
                {
                    "Error": {"Code": code or str(status), "Message": message},
                    "ResponseMetadata": {"HTTPStatusCode": status},
                },
                "GetObject" if method == "GET" else "PutObject",
            )
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _error_of(body: bytes) -> tuple[str, str]:
    """S3's XML error document: its Code and Message (empty when there is none)."""
    try:
        root = ET.fromstring(body) if body else None
    except ET.ParseError:
        return "", body[:200].decode("utf-8", "replace")
    if root is None:
        return "", ""
    return root.findtext("Code") or "", root.findtext("Message") or ""


def _backoff(attempt: int) -> None:
    """Full jitter, as botocore's standard mode: up to 0.1 s, 0.2 s, 0.4 s."""
    time.sleep(random.uniform(0, 0.05 * 2**attempt))

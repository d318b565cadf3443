"""The scorer's lean S3 object client (``testtime.s3direct.ObjectClient``) served by moto in-process.

moto's ``mock_aws`` answers boto3's requests inside botocore; the lean client signs with botocore but sends over
urllib3, so its pool is swapped for :class:`LeanTransport`, which hands each signed request unchanged to the same
moto dispatcher. The client is otherwise the production one: URL, signing, headers, retries, answer mapping.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import urllib3
from botocore.awsrequest import AWSPreparedRequest, HTTPHeaders
from moto.core.models import botocore_stubber

from testtime.s3direct import ObjectClient


class LeanTransport:
    """Stands in for the urllib3 pool of a ``testtime.s3direct.ObjectClient``: each request, exactly as the client
    built and signed it, goes to moto's dispatcher (the one boto3's requests reach through botocore), and moto's
    answer comes back as a urllib3 response. Everything else of the lean client (URL, signing, headers, retries,
    mapping of the answer) runs unchanged."""

    def request(self, method: str, url: str, body: bytes | None = None, headers: Any = None, **_: Any) -> Any:
        wire_headers = HTTPHeaders()
        for name, value in dict(headers or {}).items():
            wire_headers[name] = value
        if "Host" not in wire_headers:
            wire_headers["Host"] = urlsplit(url).netloc  # what urllib3 adds on the wire (and SigV4 signed)
        prepared = AWSPreparedRequest(method, url, wire_headers, body or b"", False)
        answer = botocore_stubber.process_request(prepared)
        assert answer is not None, f"moto does not serve {method} {url}"
        status, answer_headers, data = answer
        payload = data.encode() if isinstance(data, str) else bytes(data or b"")
        return urllib3.HTTPResponse(
            body=io.BytesIO(payload),
            headers={str(k): str(v) for k, v in answer_headers.items()},
            status=int(status),
            preload_content=True,
        )


def lean_objects(bucket: str, max_connections: int = 4) -> ObjectClient:
    """The scorer's object client of ``bucket``, answered by moto (call inside an active ``mock_aws``)."""
    client = ObjectClient(bucket, max_connections=max_connections)
    client._pool = LeanTransport()  # type: ignore[assignment]
    return client

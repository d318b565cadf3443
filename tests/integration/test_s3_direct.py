"""The scorer's lean S3 object client (testtime.s3direct) against the embedded AWS, side by side with boto3,
and its retries against a loopback server that answers like a throttled S3."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.integration.harness import LocalAws
from testtime.s3direct import ObjectClient, Target

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bucket(deployed: LocalAws) -> Iterator[tuple[Any, str]]:
    """A scratch bucket of its own in the shared emulator (the service's data bucket is left alone)."""
    s3 = deployed.client("s3")
    name = f"s3direct-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": deployed.region})
    yield s3, name
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def client_for(aws: LocalAws, name: str) -> ObjectClient:
    target = Target(f"{aws.endpoint}/{name}/", aws.region, Credentials("LOCALEMULATORKEY", "local-emulator-secret"))
    return ObjectClient(name, max_connections=4, target=target)


def test_get_and_put_agree_with_boto3(deployed: LocalAws, bucket: tuple[Any, str]) -> None:
    s3, name = bucket
    objects = client_for(deployed, name)
    key = "scores/élève 01/score.json"  # a space and a non-ASCII letter must be quoted the way S3 expects

    assert objects.get(key) is None
    etag = objects.put(key, b'{"percent": 80.0}\n')
    assert etag
    head = s3.head_object(Bucket=name, Key=key)
    assert head["ETag"] == etag
    assert head["ContentType"] == "application/json"
    assert s3.get_object(Bucket=name, Key=key)["Body"].read() == b'{"percent": 80.0}\n'

    s3.put_object(Bucket=name, Key=key, Body=b"written by boto3")
    found = objects.get(key)
    assert found is not None
    assert found[0] == b"written by boto3"
    assert found[1] == s3.head_object(Bucket=name, Key=key)["ETag"]
    assert objects.requests == 3


def test_conditional_writes_refuse_like_s3(deployed: LocalAws, bucket: tuple[Any, str]) -> None:
    s3, name = bucket
    objects = client_for(deployed, name)
    key = "ledger/student01.json"

    first = objects.put(key, b'{"status": "sending"}', if_none_match=True)
    assert first
    assert objects.put(key, b'{"status": "second"}', if_none_match=True) is None  # create-only: taken
    assert objects.put(key, b'{"status": "stale"}', if_match='"0123456789abcdef0123456789abcdef"') is None
    second = objects.put(key, b'{"status": "sent"}', if_match=first)
    assert second and second != first
    assert s3.get_object(Bucket=name, Key=key)["Body"].read() == b'{"status": "sent"}'
    assert objects.put("ledger/nobody.json", b"{}", if_match=first) is None  # If-Match on a missing key


def test_errors_are_client_errors_with_the_s3_code(deployed: LocalAws) -> None:
    objects = client_for(deployed, f"missing-{uuid.uuid4().hex[:12]}")
    with pytest.raises(ClientError) as raised:
        objects.put("a.json", b"{}")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


class _Throttled(BaseHTTPRequestHandler):
    """Answers ``fail`` requests with 503 SlowDown, then 200; records what it was sent."""

    fail: ClassVar[int] = 0
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers.items()))
        if len(type(self).seen) <= type(self).fail:
            body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(503)
        else:
            body = b"payload"
            self.send_response(200)
            self.send_header("ETag", '"abc"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def throttled() -> Iterator[tuple[ObjectClient, type[_Throttled]]]:
    handler = type("Handler", (_Throttled,), {"seen": [], "fail": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    target = Target(
        f"http://127.0.0.1:{server.server_port}/b/", "eu-central-1", Credentials("AKID", "secret", "session-token")
    )
    try:
        yield ObjectClient("b", max_connections=2, target=target), handler
    finally:
        server.shutdown()
        server.server_close()


def test_throttling_is_retried_with_a_fresh_signature(throttled: tuple[ObjectClient, type[_Throttled]]) -> None:
    objects, handler = throttled
    handler.fail = 2
    assert objects.get("k.json") == (b"payload", '"abc"')
    assert len(handler.seen) == 3
    assert objects.requests == 3
    assert all(h["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/") for h in handler.seen)
    assert all(h["X-Amz-Security-Token"] == "session-token" for h in handler.seen)  # a Lambda role's token


def test_throttling_that_does_not_end_raises_after_four_attempts(
    throttled: tuple[ObjectClient, type[_Throttled]],
) -> None:
    objects, handler = throttled
    handler.fail = 10
    with pytest.raises(ClientError) as raised:
        objects.get("k.json")
    assert raised.value.response["Error"]["Code"] == "SlowDown"
    assert len(handler.seen) == 4

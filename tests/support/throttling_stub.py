"""A stand-in for AWS's control plane that throttles as AWS does: moto behind a token-bucket WSGI middleware.

Each call kind has its documented per-account quota (API Gateway: CreateApiKey and DeleteApiKey 5/s, every call
together 10/s; SES: VerifyEmailIdentity, ListIdentities, GetIdentityVerificationAttributes 1/s); beyond it the
stub answers as AWS does: API Gateway HTTP 429 ``TooManyRequestsException`` (JSON), SES HTTP 400 ``Throttling``
(Query XML). The quotas can be scaled per service (``--scale ses=20``: twenty times SES's rates, the same code
path in a twentieth of the time). Written independently of ops.aws_clients on purpose: it judges that module's pacing.

    python -m tests.support.throttling_stub --port 5123 [--scale apigateway=4 --scale ses=40]

``GET /_stub/stats`` gives the times (``time.monotonic`` of this process, seconds) of the calls let through, per
call kind (``accepted``) and per service (``by_service``), and the number throttled per call kind.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

STATS_PATH = "/_stub/stats"
SCALES_PATH = "/_stub/scales"  # POST {"scales": {"apigateway": 4}, "burst": 2}: new quotas, full buckets, no stats
TOTAL = "*"  # the bucket every call of a service draws from too
# Per second, per account: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html and the
# SES API reference ("You can execute this operation no more than once per second").
QUOTAS: dict[str, dict[str, float]] = {
    "apigateway": {"CreateApiKey": 5, "DeleteApiKey": 5, TOTAL: 10},
    "ses": {"VerifyEmailIdentity": 1, "ListIdentities": 1, "GetIdentityVerificationAttributes": 1},
}
# REST routes of API Gateway's key calls; anything else counts under its method and path (and the total).
_APIGATEWAY_ROUTES = [
    ("POST", re.compile(r"^/apikeys/?$"), "CreateApiKey"),
    ("GET", re.compile(r"^/apikeys/?$"), "GetApiKeys"),
    ("GET", re.compile(r"^/apikeys/[^/]+$"), "GetApiKey"),
    ("PATCH", re.compile(r"^/apikeys/[^/]+$"), "UpdateApiKey"),
    ("DELETE", re.compile(r"^/apikeys/[^/]+$"), "DeleteApiKey"),
    ("POST", re.compile(r"^/usageplans/[^/]+/keys/?$"), "CreateUsagePlanKey"),
    ("GET", re.compile(r"^/usageplans/[^/]+/keys/?$"), "GetUsagePlanKeys"),
]
_SERVICE_IN_AUTH = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_SES_THROTTLING = (
    '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>'
    "<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>{id}</RequestId></ErrorResponse>"
)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class Bucket:
    """Non-blocking token bucket, starting full: ``capacity`` tokens (default: one second's worth)."""

    per_second: float
    capacity: float = 0.0
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.capacity = self.capacity or max(1.0, self.per_second)
        self.tokens = self.capacity

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now


class ThrottlingMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]], scales: dict[str, float], burst: float = 0.0) -> None:
        self.app = app
        self.burst = burst
        self.lock = threading.Lock()
        self.configure(scales)

    def configure(self, scales: dict[str, float], burst: float | None = None) -> None:
        with self.lock:
            self.burst = self.burst if burst is None else burst
            self.buckets = {
                (service, kind): Bucket(rate * scales.get(service, 1.0), self.burst)
                for service, kinds in QUOTAS.items()
                for kind, rate in kinds.items()
            }
            self.accepted: dict[str, list[float]] = defaultdict(list)
            self.by_service: dict[str, list[float]] = defaultdict(list)
            self.throttled: dict[str, int] = defaultdict(int)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == SCALES_PATH:
            settings = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
            self.configure(settings["scales"], settings.get("burst"))
            start_response("204 No Content", [])
            return [b""]
        if environ.get("PATH_INFO") == STATS_PATH:
            with self.lock:
                stats = {"accepted": self.accepted, "by_service": self.by_service, "throttled": self.throttled}
                body = json.dumps(stats).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        match = _SERVICE_IN_AUTH.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = match.group(1) if match else ""
        kind = self._kind(service, environ)
        if self._admit(service, kind):
            return self.app(environ, start_response)
        request_id = f"stub-{time.monotonic_ns()}"
        if service == "ses":
            start_response("400 Bad Request", [("Content-Type", "text/xml")])
            return [_SES_THROTTLING.format(id=request_id).encode()]
        start_response(
            "429 Too Many Requests",
            [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "TooManyRequestsException"),
                ("x-amzn-RequestId", request_id),
            ],
        )
        return [json.dumps({"message": "Too Many Requests"}).encode()]

    def _kind(self, service: str, environ: dict[str, Any]) -> str:
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        if service == "ses":  # Query protocol: the action is in the form body, which moto must read again
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            return parse_qs(body.decode()).get("Action", ["?"])[0]
        for route_method, pattern, name in _APIGATEWAY_ROUTES:
            if method == route_method and pattern.match(path):
                return name
        return f"{method} {path}"

    def _admit(self, service: str, kind: str) -> bool:
        """Takes a token from the kind's bucket and the service's total, or from neither (then: throttled)."""
        now = time.monotonic()
        with self.lock:
            buckets = [self.buckets[key] for key in ((service, kind), (service, TOTAL)) if key in self.buckets]
            for bucket in buckets:
                bucket.refill(now)
            if any(bucket.tokens < 1 for bucket in buckets):
                self.throttled[kind] += 1
                return False
            for bucket in buckets:
                bucket.tokens -= 1
            self.accepted[kind].append(now)
            self.by_service[service].append(now)
            return True


class QuietRequestHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No line per request: thousands of them; errors are still logged."""


def serve(port: int, scales: dict[str, float], burst: float) -> None:
    app = ThrottlingMiddleware(DomainDispatcherApplication(create_backend_app), scales, burst)
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietRequestHandler)
    server.serve_forever()


def max_in_window(times: list[float], window: float) -> int:
    """The most calls in any ``window`` seconds: the observed rate, to compare with the quota."""
    ordered, most, start = sorted(times), 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


@dataclass
class RunningStub:
    endpoint: str
    scales: dict[str, float]
    burst: float  # 0: one second's worth

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.endpoint + STATS_PATH, timeout=10) as reply:
            return dict(json.load(reply))

    def configure(self, scales: dict[str, float], burst: float | None = None) -> None:
        """New quotas (and bucket capacity) from now on, full buckets; the stats start afresh."""
        body = json.dumps({"scales": scales, "burst": burst}).encode()
        request = urllib.request.Request(self.endpoint + SCALES_PATH, data=body, method="POST")
        with urllib.request.urlopen(request, timeout=10):
            self.scales = dict(scales)
            self.burst = self.burst if burst is None else burst

    def capacity(self, service: str, kind: str) -> float:
        """The most calls of a kind the stub lets through at once."""
        return self.burst or max(1.0, self.quota(service, kind))

    def quota(self, service: str, kind: str) -> float:
        """The quota per second the stub enforces on a call kind (``TOTAL``: all of the service's calls)."""
        return QUOTAS[service][kind] * self.scales.get(service, 1.0)

    def client_settings(self, service: str) -> dict[str, Any]:
        """Keyword arguments for ops.aws_clients.client: this stub's endpoint and scale, dummy credentials."""
        return {
            "endpoint_url": self.endpoint,
            "region_name": "eu-central-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "quota_scale": self.scales.get(service, 1.0),
        }


@contextmanager
def running(scales: dict[str, float] | None = None, burst: float = 0.0) -> Iterator[RunningStub]:
    """The stub in its own process (its own moto state, and no GIL shared with the client it measures).

    ``scales``: a factor per service (``{"apigateway": 4}``), AWS's quotas where absent. ``burst``: the buckets'
    capacity in calls (default: one second's worth). AWS documents no burst for these quotas; a small one is
    stricter than AWS at the same rate, and throttles two callers that share the quota even when this stub
    (moto on a busy machine) serves them more slowly than the scaled quota."""
    scales = scales or {}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "tests.support.throttling_stub", "--port", str(port), "--burst", str(burst)]
    command += [f"--scale={service}={factor}" for service, factor in scales.items()]
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
    stub = RunningStub(f"http://127.0.0.1:{port}", scales, burst)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                stub.stats()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the throttling stub did not start on port {port}") from None
                time.sleep(0.2)
        yield stub
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--scale", action="append", default=[], metavar="SERVICE=FACTOR", help="multiply a service's quotas"
    )
    parser.add_argument("--burst", type=float, default=0.0, help="bucket capacity in calls (0: one second's worth)")
    args = parser.parse_args()
    scales = {service: float(factor) for service, _, factor in (item.partition("=") for item in args.scale)}
    serve(args.port, scales, args.burst)


if __name__ == "__main__":
    main()

"""boto3 clients for the trainer's tools: paced to AWS's control-plane quotas, and retried when throttled anyway.

Publishing a class calls API Gateway and SES control-plane operations whose quotas are small, fixed and per
account (so another deployment in the same account shares them):

- API Gateway: ``CreateApiKey`` and ``DeleteApiKey`` 5 requests per second per account; every other management
  call (``GetApiKeys``, ``CreateUsagePlanKey``, ``UpdateApiKey``, ...) falls under the total of about 10 per
  second. https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html ("API Gateway quotas for
  creating, deploying and managing an API"). Beyond them: HTTP 429 ``TooManyRequestsException``.
- SES: ``VerifyEmailIdentity``, ``ListIdentities`` and ``GetIdentityVerificationAttributes`` "no more than once
  per second" (https://docs.aws.amazon.com/ses/latest/APIReference/API_VerifyEmailIdentity.html and the pages of
  the other two). Beyond it: HTTP 400 ``Throttling``.

Two layers: a client-side token bucket per call kind (and one for API Gateway's total) paces every HTTP attempt
to 90% of the documented rate, so a trainer alone in the account is not throttled; botocore's adaptive retry
mode with enough attempts absorbs the throttling that another caller sharing the account's quota causes, and its
client-side rate limiter slows this client down while that lasts. botocore's retry quota does not run out: a
throttled attempt's cost is given back when its call succeeds (botocore.retries.standard.RetryQuotaChecker).

Measured with ``bench/control_plane.py`` at AWS's rates (500 students' keys, 30 SES addresses, then the 501
keys deleted): paced, 112 s / 33 s / 112 s with no call throttled; adaptive retries alone, 101 s / 71 s / 101 s
with 9% of the CreateApiKey and DeleteApiKey calls and every VerifyEmailIdentity call throttled once (its
backoff halves SES's one-a-second rate). Pacing costs 10% on API Gateway and doubles SES's throughput.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

# Adaptive mode = standard retries (throttling errors retried with exponential backoff, capped at 20 s) plus a
# client-side rate limiter that engages after the first throttle. 12 attempts bear a long contention.
# https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
RETRIES: dict[str, Any] = {"mode": "adaptive", "max_attempts": 12}
# Pace at 90% of each quota: sent at exactly the quota, calls arrive at AWS with jitter and a few are throttled
# (measured against tests/support/throttling_stub.py); the margin costs 10% of the time and saves the retries.
PACE_SHARE = 0.9


@dataclass(frozen=True)
class Rate:
    """A documented quota: ``per_second`` on average, at most ``burst`` at once."""

    per_second: float
    burst: float = 1.0

    def scaled(self, factor: float) -> Rate:
        return Rate(self.per_second * factor, self.burst)


@dataclass(frozen=True)
class Pacing:
    """The quotas of one service: one per operation, and optionally a total over all its operations."""

    operations: Mapping[str, Rate]
    total: Rate | None = None

    def scaled(self, factor: float) -> Pacing:
        """The same quotas ``factor`` times faster: tests run the real code path in seconds instead of minutes."""
        return Pacing(
            {name: rate.scaled(factor) for name, rate in self.operations.items()},
            self.total.scaled(factor) if self.total else None,
        )


# Bursts of one second's worth of calls at most: AWS documents no burst for these quotas.
QUOTAS: dict[str, Pacing] = {
    "apigateway": Pacing(
        operations={"CreateApiKey": Rate(5, 5), "DeleteApiKey": Rate(5, 5)},
        total=Rate(10, 10),
    ),
    "ses": Pacing(
        operations={
            "VerifyEmailIdentity": Rate(1),
            "ListIdentities": Rate(1),
            "GetIdentityVerificationAttributes": Rate(1),
        }
    ),
}


@dataclass
class TokenBucket:
    """Thread-safe: ``take`` blocks until a token is there; the bucket starts full."""

    rate: Rate
    _tokens: float = field(init=False)
    _updated: float = field(init=False, default_factory=time.monotonic)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._tokens = self.rate.burst

    def take(self) -> float:
        """Waits for a token; returns the seconds waited."""
        with self._lock:  # one waiter at a time, so tokens go out in order
            now = time.monotonic()
            self._tokens = min(self.rate.burst, self._tokens + (now - self._updated) * self.rate.per_second)
            self._updated = now
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate.per_second
            if wait:
                time.sleep(wait)
                self._updated = time.monotonic()
                self._tokens = 1.0
            self._tokens -= 1
            return wait


class Pacer:
    """Takes a token from the operation's bucket and from the service's total before each HTTP attempt."""

    def __init__(self, pacing: Pacing) -> None:
        self._operations = {name: TokenBucket(rate) for name, rate in pacing.operations.items()}
        self._total = TokenBucket(pacing.total) if pacing.total else None
        self.waited = 0.0  # seconds spent waiting, for the benchmark's figures

    def before_send(self, event_name: str, **_: Any) -> None:
        # before-send fires once per attempt (retries included), so retries are paced too. Returns None:
        # a value would be taken as the HTTP response.
        bucket = self._operations.get(event_name.rsplit(".", 1)[-1])
        if bucket:
            self.waited += bucket.take()
        if self._total:
            self.waited += self._total.take()


def client(
    service: str, region_name: str | None = None, *, quota_scale: float = 1.0, paced: bool = True, **kwargs: Any
) -> Any:
    """A boto3 client with the retry configuration and, for the services in ``QUOTAS``, the pacing.

    One pacer per client: a tool makes one client per service, so its calls share the account's quota the way
    AWS counts them. ``quota_scale`` is for tests against a stub whose quotas are scaled the same way;
    ``paced=False`` (retries only) is for the benchmark's comparison.
    """
    made = boto3.client(service, region_name=region_name, config=Config(retries=RETRIES), **kwargs)
    pacing = QUOTAS.get(service)
    if pacing is not None and paced:
        pacer = Pacer(pacing.scaled(quota_scale * PACE_SHARE))
        service_event = made.meta.service_model.service_id.hyphenize()
        made.meta.events.register(f"before-send.{service_event}", pacer.before_send)
        made.meta.pacer = pacer
    return made

"""SES (v1) adapter: one email with HTML + text, paced to the account's MaxSendRate, throttling retried.

The clock and sleep are injectable so that tests can simulate a small quota without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

Clock = Callable[[], float]
Sleep = Callable[[float], None]

# Codes that mean "not sent, try again later"; a read timeout is not here: SES may have sent that one.
_RETRYABLE = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalError",
    "RequestTimeout",
}


# Float rounding could otherwise leave a token at 0.9999999 and a wait too small to move any clock.
_EPSILON = 1e-9


class SendFailed(Exception):
    """This email was not sent; ``attempts`` says how often it was tried."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class DailyQuotaExceeded(SendFailed):
    """SES refuses every further email today: stop sending, the next run carries on."""


@dataclass(frozen=True)
class SendQuota:
    max_send_rate: float  # emails per second
    max_24h: float  # -1: unlimited
    sent_24h: float

    @property
    def remaining_24h(self) -> float:
        return float("inf") if self.max_24h < 0 else max(0.0, self.max_24h - self.sent_24h)


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts up to ``capacity``; thread-safe.

    Starts with one token so the first email goes at once, yet a burst can never exceed the SES rate.
    """

    def __init__(
        self, rate: float, clock: Clock = time.monotonic, sleep: Sleep = time.sleep, capacity: float = 1.0
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self._clock = clock
        self._sleep = sleep
        self._tokens = 1.0
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> None:
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1.0 - _EPSILON:
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return
                wait = max((1.0 - self._tokens) / self.rate, _EPSILON)
            self._sleep(wait)

    def wait_time(self) -> float:
        """Seconds until the next acquisition could succeed."""
        with self._lock:
            self._refill()
            return max(0.0, (1.0 - self._tokens) / self.rate)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", "")) or _code(error)


class Mailer:
    """Sends through an SES v1 client; call :meth:`quota` once, then :meth:`send` from any number of threads."""

    def __init__(
        self,
        ses: Any,
        sender: str,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        max_attempts: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
    ) -> None:
        self.ses = ses
        self.sender = sender
        self.clock = clock
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.bucket: TokenBucket | None = None

    def quota(self) -> SendQuota:
        """The account's quota; also sets the pacing rate (sandbox 1/s, typically 14/s in production)."""
        raw = self.ses.get_send_quota()
        quota = SendQuota(
            float(raw.get("MaxSendRate") or 1.0),
            float(raw.get("Max24HourSend", -1)),
            float(raw.get("SentLast24Hours", 0)),
        )
        self.bucket = TokenBucket(quota.max_send_rate, self.clock, self.sleep)
        return quota

    def wait_s(self) -> float:
        """Seconds until the pacing lets the next email go."""
        return self.bucket.wait_time() if self.bucket else 0.0

    def send(self, to: str, subject: str, text: str, html: str) -> str:
        """The SES MessageId; SendFailed when it was not sent (DailyQuotaExceeded: stop for today)."""
        if self.bucket is None:
            self.quota()
        assert self.bucket is not None
        message = {
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": text, "Charset": "UTF-8"}, "Html": {"Data": html, "Charset": "UTF-8"}},
        }
        for attempt in range(1, self.max_attempts + 1):
            self.bucket.acquire()
            try:
                response = self.ses.send_email(Source=self.sender, Destination={"ToAddresses": [to]}, Message=message)
                return str(response["MessageId"])
            except ClientError as error:
                code, text_ = _code(error), _message(error)
                if code == "Throttling" and "daily" in text_.lower():
                    raise DailyQuotaExceeded(f"{code}: {text_}", attempt) from None
                if code not in _RETRYABLE or attempt == self.max_attempts:
                    raise SendFailed(f"{code}: {text_}", attempt) from None
            except (EndpointConnectionError, ConnectTimeoutError) as error:
                # The request never reached SES, so trying again cannot send twice.
                if attempt == self.max_attempts:
                    raise SendFailed(str(error), attempt) from None
            except BotoCoreError as error:
                raise SendFailed(str(error), attempt) from None
            self.sleep(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))
        raise SendFailed("not sent", self.max_attempts)  # unreachable: the loop returns or raises

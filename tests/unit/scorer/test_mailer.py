"""The SES adapter: pacing with a token bucket, retries on throttling, permanent failures."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from testtime.mailer import DailyQuotaExceeded, Mailer, SendFailed, TokenBucket


class FakeSES:
    def __init__(self, errors: list[Exception] | None = None) -> None:
        self.errors = list(errors or [])
        self.calls: list[dict[str, Any]] = []

    def get_send_quota(self) -> dict[str, float]:
        return {"MaxSendRate": 2.0, "Max24HourSend": 200.0, "SentLast24Hours": 150.0}

    def send_email(self, **kwargs: Any) -> dict[str, str]:
        self.calls.append(kwargs)
        if self.errors:
            raise self.errors.pop(0)
        return {"MessageId": f"m{len(self.calls)}"}


def client_error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "SendEmail")


def test_token_bucket_paces_any_number_of_threads(clock: Any) -> None:
    bucket = TokenBucket(4.0, clock.monotonic, clock.sleep)
    threads = [threading.Thread(target=lambda: [bucket.acquire() for _ in range(5)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 20 acquisitions at 4/s: the first is free, the other 19 need at least 19/4 s.
    assert clock.t >= 19 / 4 - 1e-9


def test_token_bucket_does_not_spin_on_float_rounding(clock: Any) -> None:
    bucket = TokenBucket(1000.0, clock.monotonic, clock.sleep)
    for _ in range(2000):
        bucket.acquire()
    assert 1.99 <= clock.t <= 2.01 and len(clock.sleeps) < 4000


def test_quota_sets_the_rate_and_sends_html_and_text(clock: Any) -> None:
    ses = FakeSES()
    mailer = Mailer(ses, "from@example.org", clock.monotonic, clock.sleep)
    quota = mailer.quota()
    assert (quota.max_send_rate, quota.remaining_24h) == (2.0, 50.0)
    assert [mailer.send("to@example.org", "s", "text", "<p>html</p>") for _ in range(3)] == ["m1", "m2", "m3"]
    assert clock.t == pytest.approx(1.0)  # 3 emails at 2/s
    body = ses.calls[0]["Message"]["Body"]
    assert body["Text"]["Data"] == "text" and body["Html"]["Data"] == "<p>html</p>"
    assert ses.calls[0]["Destination"] == {"ToAddresses": ["to@example.org"]}


def test_throttling_and_unreachable_endpoint_are_retried_with_backoff(clock: Any) -> None:
    errors: list[Exception] = [
        client_error("Throttling", "Maximum sending rate exceeded."),
        EndpointConnectionError(endpoint_url="https://email"),
        client_error("ServiceUnavailable"),
    ]
    mailer = Mailer(FakeSES(errors), "from@example.org", clock.monotonic, clock.sleep)
    assert mailer.send("to@example.org", "s", "t", "h") == "m4"
    assert [s for s in clock.sleeps if s in (0.5, 1.0, 2.0)] == [0.5, 1.0, 2.0]


def test_permanent_errors_and_exhausted_retries_fail(clock: Any) -> None:
    mailer = Mailer(
        FakeSES([client_error("MessageRejected", "Email address is not verified.")]),
        "f@x",
        clock.monotonic,
        clock.sleep,
    )
    with pytest.raises(SendFailed, match=r"MessageRejected: Email address is not verified\.") as failed:
        mailer.send("to@example.org", "s", "t", "h")
    assert failed.value.attempts == 1
    always = Mailer(FakeSES([client_error("Throttling")] * 5), "f@x", clock.monotonic, clock.sleep, max_attempts=3)
    with pytest.raises(SendFailed) as exhausted:
        always.send("to@example.org", "s", "t", "h")
    assert exhausted.value.attempts == 3


def test_daily_quota_is_not_retried(clock: Any) -> None:
    mailer = Mailer(
        FakeSES([client_error("Throttling", "Daily message quota exceeded.")]), "f@x", clock.monotonic, clock.sleep
    )
    with pytest.raises(DailyQuotaExceeded):
        mailer.send("to@example.org", "s", "t", "h")

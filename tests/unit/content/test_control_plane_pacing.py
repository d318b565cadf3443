"""ops.aws_clients' pacing (a token bucket per call kind, taken before every HTTP attempt) and ops.progress' lines.
The end-to-end proof against a throttling stub is tests/integration/test_control_plane_quotas.py."""

from __future__ import annotations

import re
import time

from content_support import FakeDeployment

from ops import aws_clients
from ops.aws_clients import Rate, TokenBucket
from ops.progress import Progress


def test_a_bucket_lets_through_its_burst_then_the_rate() -> None:
    bucket = TokenBucket(Rate(per_second=50, burst=5))
    started = time.monotonic()
    waits = [bucket.take() for _ in range(30)]
    elapsed = time.monotonic() - started
    assert waits[:5] == [0.0] * 5 and all(wait > 0 for wait in waits[5:])
    assert elapsed >= 25 / 50 * 0.95  # 25 calls beyond the burst, at 50 a second


def test_the_trainer_tools_client_paces_each_call_kind_and_has_the_retry_settings(aws: FakeDeployment) -> None:
    # CreateApiKey: 5/s, paced at 90% = 4.5/s after a burst of 5: 8 keys take >= 3/4.5 s.
    apigateway = aws_clients.client("apigateway")
    assert apigateway.meta.config.retries == aws_clients.RETRIES
    started = time.monotonic()
    for number in range(8):
        apigateway.create_api_key(name=f"paced-{number}")
    assert time.monotonic() - started >= 3 / 4.5 * 0.95
    assert apigateway.meta.pacer.waited > 0
    assert not hasattr(aws_clients.client("s3").meta, "pacer")  # only the services with a quota here


def test_progress_says_how_far_and_how_long_in_plain_words() -> None:
    lines: list[str] = []
    progress = Progress("API keys", 5, lines.append, every=2, seconds=3600)
    for _ in range(5):
        progress.step()
    assert len(lines) == 3
    assert all(re.fullmatch(r"API keys: [24] of 5 done, about \d+ s left", line) for line in lines[:2])
    assert re.fullmatch(r"API keys: all 5 done in \d+ s", lines[2])


def test_a_small_run_prints_no_progress() -> None:
    lines: list[str] = []
    progress = Progress("API keys", 3, lines.append)
    for _ in range(3):
        progress.step()
    assert lines == []

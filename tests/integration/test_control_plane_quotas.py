"""Publishing a class of 500 against a stub that throttles as AWS does (tests/support/throttling_stub.py).

The stub enforces API Gateway's CreateApiKey/DeleteApiKey 5/s and 10/s for all calls, and SES's 1/s for its
identity calls, answering 429 TooManyRequestsException / 400 Throttling beyond them. The quotas are scaled so
that the real code path (ops.aws_clients' pacing and retries, ops.apikeys, ops.ses_verify, ops.teardown_api_keys)
runs in a minute or two instead of twelve; bench/control_plane.py runs it at AWS's own rates. The scale is
calibrated: 80% of what the stub (moto, slow on a busy machine) serves one caller per second, so that callers
sharing the quota always exceed it, between AWS's own rates x0.5 and x4 (API Gateway) or x1 and x40 (SES).

The trainer first publishes 500 students alone: the pacing keeps every call under the quotas, so nothing is
throttled (unpaced, calls are: the stub serves more than the quota). Then two throwaway copies in the same
account (``testtime-smoke-x`` and ``-y``, as bin/smoke-test.sh makes) publish while the trainer publishes again,
the trainer and a copy ask SES to verify 530 addresses at once, and both copies are purged at once: the quota is
shared, the stub throttles, and the retries must absorb it with no call failing. Each project touches its own
keys only, although ``testtime``'s student ``smoke-x-trainer`` has the very name of the first copy's trainer key.
(The trainer's own purge of 500 keys at AWS's DeleteApiKey rate is in bench/control_plane.py.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ops import aws_clients
from ops.apikeys import KeySync, project_keys, sync_api_keys
from ops.ses_verify import verify_addresses
from ops.teardown_api_keys import delete_keys, managed_keys
from tests.support import throttling_stub
from tests.support.throttling_stub import TOTAL, RunningStub, max_in_window
from testtime.identity import api_key_digest

pytestmark = pytest.mark.integration

SCALE_LIMITS = {"apigateway": (0.5, 4.0), "ses": (1.0, 40.0)}
SERVED_SHARE = 0.8  # quota = 80% of what the stub serves: two paced callers (90% of it each) exceed it
SHARED_BURST = 2.0  # calls a bucket lets through at once while callers share it: stricter than AWS, so that
# sharing the quota throttles however slowly the stub serves. Alone, the trainer meets one second's worth.
TRAINERS, COPY, SECOND_COPY = "testtime", "testtime-smoke-x", "testtime-smoke-y"
CLASS = [f"student{number:03d}" for number in range(499)] + ["smoke-x-trainer"]  # 500 students
COPY_CLASS = [f"synthetic{number:02d}" for number in range(30)]
RATE_LIMITED = [("apigateway", "CreateApiKey"), ("apigateway", "DeleteApiKey")] + [
    ("ses", kind) for kind in throttling_stub.QUOTAS["ses"]
]


@pytest.fixture(scope="module")
def stub() -> Iterator[RunningStub]:
    with throttling_stub.running({"apigateway": 1000, "ses": 1000}) as running:
        running.configure(calibrated_scales(running))
        yield running


def calibrated_scales(stub: RunningStub) -> dict[str, float]:
    """``SERVED_SHARE`` of the calls per second the stub serves one caller, in units of the documented quota."""
    settings = {**stub.client_settings("apigateway"), "paced": False}
    del settings["quota_scale"]
    apigateway, ses = aws_clients.client("apigateway", **settings), aws_clients.client("ses", **settings)
    served = {"apigateway": _per_second(apigateway.get_api_keys), "ses": _per_second(ses.list_identities)}
    scales = {}
    for service, per_second in served.items():
        lowest, highest = SCALE_LIMITS[service]
        documented = max(throttling_stub.QUOTAS[service].values())
        scales[service] = min(highest, max(lowest, per_second * SERVED_SHARE / documented))
    return scales


def _per_second(call: Callable[[], Any], count: int = 20) -> float:
    call()
    started = time.monotonic()
    for _ in range(count):
        call()
    return count / (time.monotonic() - started)


def clients(stub: RunningStub) -> tuple[Any, Any]:
    """One tool run's clients (each run paces itself, as two trainers' processes would)."""
    return (
        aws_clients.client("apigateway", **stub.client_settings("apigateway")),
        aws_clients.client("ses", **stub.client_settings("ses")),
    )


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Runs the calls in parallel threads; any exception (a call that failed for good) fails the test."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def throttled(stub: RunningStub, service: str) -> int:
    counts: dict[str, int] = stub.stats()["throttled"]
    kinds = throttling_stub.QUOTAS[service]
    if service == "apigateway":  # every API Gateway call kind draws from the total
        return sum(count for kind, count in counts.items() if kind not in throttling_stub.QUOTAS["ses"])
    return sum(counts.get(kind, 0) for kind in kinds)


def assert_within_quotas(stub: RunningStub) -> None:
    """In any window, the calls let through were at most the quota's rate times the window, plus the burst."""
    stats = stub.stats()
    series = [(service, kind, stats["accepted"].get(kind, [])) for service, kind in RATE_LIMITED]
    series.append(("apigateway", TOTAL, stats["by_service"].get("apigateway", [])))
    for service, kind, times in series:
        for window in (1.0, 5.0):
            allowed = stub.quota(service, kind) * window + stub.capacity(service, kind)
            assert max_in_window(times, window) <= allowed, (kind, window)


def assert_keys_match(apigateway: Any, project: str, plan_id: str, students: list[str], sync: KeySync) -> None:
    keys = {key["name"]: key for key in project_keys(apigateway, project, include_values=True)}
    expected = {f"{project}-{student}" for student in [*students, "trainer"]}
    assert set(keys) == expected
    pages = apigateway.get_paginator("get_usage_plan_keys").paginate(usagePlanId=plan_id)
    assert {item["name"] for page in pages for item in page["items"]} == expected
    assert all(key["enabled"] is True for key in keys.values())
    assert sync.student_digests == {s: api_key_digest(keys[f"{project}-{s}"]["value"]) for s in students}
    assert sync.trainer_digest == api_key_digest(keys[f"{project}-trainer"]["value"])


def test_a_class_of_500_publishes_with_no_throttling_failure_and_copies_remove_only_their_keys(
    stub: RunningStub,
) -> None:
    print(f"quotas scaled: {stub.scales}")
    trainers, copy, second = clients(stub), clients(stub), clients(stub)
    plans = {
        project: apigateway.create_usage_plan(name=f"{project}-plan")["id"]
        for project, (apigateway, _) in ((TRAINERS, trainers), (COPY, copy), (SECOND_COPY, second))
    }
    lines: list[str] = []

    # The trainer alone publishes 500 students: paced under the quotas, never throttled (unpaced, it would be:
    # the stub serves more than the quota), and the progress is shown.
    stub.configure(stub.scales)  # fresh buckets and stats
    trainers_sync = sync_api_keys(trainers[0], plans[TRAINERS], CLASS, project=TRAINERS, say=lines.append)
    assert throttled(stub, "apigateway") == 0
    assert_within_quotas(stub)
    assert trainers_sync.count("create") == len(CLASS) + 1
    assert_keys_match(trainers[0], TRAINERS, plans[TRAINERS], CLASS, trainers_sync)
    assert any(re.fullmatch(r"API keys: \d+ of 501 done, about \d+ s left", line) for line in lines)
    assert any(re.fullmatch(r"API keys: all 501 done in \d+ s", line) for line in lines)

    # Two copies publish at once while the trainer publishes again (nothing to change): the quota is shared, the
    # stub throttles, the retries absorb it. The first copy's trainer key, testtime-smoke-x-trainer, has the name
    # of the trainer's student smoke-x-trainer.
    stub.configure(stub.scales, SHARED_BURST)
    syncs = at_once(
        lambda: sync_api_keys(copy[0], plans[COPY], COPY_CLASS, project=COPY, say=lines.append),
        lambda: sync_api_keys(second[0], plans[SECOND_COPY], COPY_CLASS, project=SECOND_COPY, say=lines.append),
        lambda: sync_api_keys(trainers[0], plans[TRAINERS], CLASS, project=TRAINERS, say=lines.append),
    )
    assert throttled(stub, "apigateway") > 0  # the retries were exercised
    assert [sync.count("create") for sync in syncs] == [len(COPY_CLASS) + 1, len(COPY_CLASS) + 1, 0]
    assert syncs[2].changes == [] and syncs[2].student_digests == trainers_sync.student_digests
    assert_keys_match(copy[0], COPY, plans[COPY], COPY_CLASS, syncs[0])
    assert_keys_match(second[0], SECOND_COPY, plans[SECOND_COPY], COPY_CLASS, syncs[1])

    # The trainer and a copy ask SES to verify their students' addresses at once: 500 + 30 VerifyEmailIdentity.
    trainers_addresses = [f"{student}@school.example" for student in CLASS]
    copy_addresses = [f"{student}@copy.example" for student in COPY_CLASS]
    at_once(
        lambda: verify_addresses(trainers[1], trainers_addresses, say=lines.append),
        lambda: verify_addresses(copy[1], copy_addresses, say=lines.append),
    )
    assert throttled(stub, "ses") > 0
    identities = trainers[1].list_identities(IdentityType="EmailAddress", MaxItems=1000)["Identities"]
    assert set(identities) == {*trainers_addresses, *copy_addresses}

    # A copy's class shrinks to nothing: it disables its own students only.
    emptied = sync_api_keys(copy[0], plans[COPY], [], project=COPY, say=lines.append)
    assert emptied.count("disable") == len(COPY_CLASS)

    # Both copies are purged at once (2 x 31 DeleteApiKey), each deleting only its own keys; the trainer's keys
    # (values included) and a key made by hand stay.
    by_hand = trainers[0].create_api_key(name="testtime-by-hand", enabled=True)["id"]
    copy_keys, second_keys = managed_keys(copy[0], COPY), managed_keys(second[0], SECOND_COPY)
    assert {key["id"] for key in copy_keys}.isdisjoint(key["id"] for key in second_keys)
    before = throttled(stub, "apigateway")
    deleted = at_once(
        lambda: delete_keys(copy[0], copy_keys, say=lines.append),
        lambda: delete_keys(second[0], second_keys, say=lines.append),
    )
    assert deleted == [len(COPY_CLASS) + 1, len(COPY_CLASS) + 1]
    assert throttled(stub, "apigateway") > before  # the deletions were throttled too, and retried
    assert_keys_match(trainers[0], TRAINERS, plans[TRAINERS], CLASS, trainers_sync)
    remaining = {key["id"] for key in trainers[0].get_api_keys(limit=500)["items"]}
    assert remaining == {key["id"] for key in project_keys(trainers[0], TRAINERS)} | {by_hand}
    assert_within_quotas(stub)

"""Control-plane benchmark: publish a class's API keys and SES verifications against a stub that throttles as AWS
does, at AWS's real quotas, and print the figures.

    python bench/control_plane.py [--students 500] [--ses-addresses 30] [--scale 1]
                                  [--strategy paced|retries-only|both]      (from the repository root, venv active)

What it does, per strategy, on a fresh stub (``tests/support/throttling_stub.py``: moto behind token buckets with
API Gateway's CreateApiKey/DeleteApiKey 5/s and 10/s in all, SES's 1/s per identity call): creates a usage plan,
runs the publisher's key sync (``ops.apikeys.sync_api_keys``) for ``--students`` new students, SES verification
(``ops.ses_verify.verify_addresses``) for ``--ses-addresses`` new addresses (500 would take 8 minutes at 1/s),
then deletes the keys (``ops.teardown_api_keys``). ``paced`` is the trainer tools' client (ops.aws_clients:
pacing at 90% of each quota + adaptive retries); ``retries-only`` is the same client without the pacing.

Figures: wall time of each phase; calls let through and throttled, per call kind (counted by the stub); the rate
of the busiest 10 seconds against the quota (the stub's buckets hold one second's worth, so a single second may
show up to twice the rate); and whether any call failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

for entry in (str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent.parent / "lambda_src")):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from ops import apikeys, aws_clients, ses_verify, teardown_api_keys  # noqa: E402
from tests.support import throttling_stub  # noqa: E402

PROJECT = "testtime"


def run(strategy: str, students: int, addresses: int, scale: float) -> bool:
    """One strategy on a fresh stub; prints its figures; True when no call failed."""
    print(f"\n== {strategy}: {students} students, {addresses} addresses, quotas x{scale:g}")
    with throttling_stub.running({"apigateway": scale, "ses": scale}) as stub:
        paced = strategy == "paced"
        apigateway = aws_clients.client("apigateway", **stub.client_settings("apigateway"), paced=paced)
        ses = aws_clients.client("ses", **stub.client_settings("ses"), paced=paced)
        plan_id = apigateway.create_usage_plan(name=f"{PROJECT}-plan")["id"]
        ids = [f"student{number:04d}" for number in range(students)]
        phases: dict[str, float] = {}
        failed = False
        try:
            started = time.monotonic()
            sync = apikeys.sync_api_keys(apigateway, plan_id, ids, project=PROJECT, say=print)
            phases["key sync"] = time.monotonic() - started
            assert len(sync.student_digests) == students
            started = time.monotonic()
            ses_verify.verify_addresses(ses, [f"{i}@example.com" for i in ids[:addresses]], say=print)
            phases["ses verify"] = time.monotonic() - started
            started = time.monotonic()
            keys = teardown_api_keys.managed_keys(apigateway, PROJECT)
            deleted = teardown_api_keys.delete_keys(apigateway, keys, say=print)
            phases["key delete"] = time.monotonic() - started
            assert deleted == students + 1
        except Exception as error:  # the figure that matters: report it, keep the others
            failed = True
            print(f"FAILED: {type(error).__name__}: {error}")
        _figures(stub, phases)
    return not failed


def _figures(stub: throttling_stub.RunningStub, phases: dict[str, float]) -> None:
    stats = stub.stats()
    for phase, seconds in phases.items():
        print(f"{phase:<12} {seconds:7.1f} s")
    accepted: dict[str, list[float]] = stats["accepted"]
    throttled: dict[str, int] = stats["throttled"]
    print(f"{'call kind':<36} {'let through':>11} {'throttled':>9} {'busiest 10 s':>12} {'quota':>6}")
    for kind in sorted(set(accepted) | set(throttled)):
        quota = _quota(stub, kind)
        busiest = _busiest(accepted.get(kind, []))
        shown = f"{quota:g}/s" if quota else "-"
        print(f"{kind[:36]:<36} {len(accepted.get(kind, [])):>11} {throttled.get(kind, 0):>9} {busiest:>12} {shown:>6}")
    all_calls = stats["by_service"].get("apigateway", [])
    total = stub.quota("apigateway", throttling_stub.TOTAL)
    print(f"{'API Gateway, all calls':<36} {len(all_calls):>11} {'':>9} {_busiest(all_calls):>12} {total:>4g}/s")


def _busiest(times: list[float]) -> str:
    """The calls of the busiest 10 seconds, per second: the sustained rate (a 1 s window shows the burst too)."""
    return f"{throttling_stub.max_in_window(times, 10.0) / 10:.1f}/s"


def _quota(stub: throttling_stub.RunningStub, kind: str) -> float | None:
    for service, kinds in throttling_stub.QUOTAS.items():
        if kind in kinds:
            return stub.quota(service, kind)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--ses-addresses", type=int, default=30, help="new addresses to verify (1 a second)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every quota (default 1: AWS's)")
    parser.add_argument("--strategy", choices=("paced", "retries-only", "both"), default="paced")
    args = parser.parse_args()
    strategies = ["paced", "retries-only"] if args.strategy == "both" else [args.strategy]
    results = [run(strategy, args.students, args.ses_addresses, args.scale) for strategy in strategies]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Scorer benchmark: score N students x M tests on a throwaway embedded AWS and print the figures next to targets.

    python bench/scorer.py [--students N] [--tests M] [--keep]      (from the repository root, venv active)

Defaults: 1,000 students x 5 tests (5,000 submissions, about 7 minutes, most of it sending at 14 emails/s). The
issue's target size is 1,000 x 10 (``--tests 10``): 10,000 emails take about 12 minutes of sending alone.

What it does: starts its own MiniStack on a free loopback port with its state and build output in a temporary
folder (``tests/integration/harness.LocalAws``, the integration tests' harness), deploys the service with
``deploy-api-gateway.sh``, seeds the data bucket directly with boto3 (class list, M tests with past deadlines,
one submission per student and test; 16 uploads at a time), invokes the deployed scorer once
(RequestResponse, as ``bin/score-now.sh`` does), follows its hand-over if it had to hand over, runs it a second
time (which must send nothing), prints the figures and stops the emulator (``--keep`` leaves it running and
prints how to reach it).

How each figure is measured:

* S3 requests per submission: counted at the emulator. MiniStack can record every API request it serves as a
  CloudTrail event (``POST /_ministack/config {"cloudtrail._recording_enabled": true}``; the buffer is sized
  with ``CLOUDTRAIL_MAX_EVENTS`` at start). Recording is switched on just before the invocation and off after
  it, and nothing else talks to S3 meanwhile, so the S3 events of that window (``LookupEvents`` with
  ``EventSource=s3.amazonaws.com``, paged by time and de-duplicated by event id; failed requests such as a
  refused create-only write count too) are the scorer's requests. They are divided by the submissions
  scored, so the per-test and per-run requests (catalog, class list, keys, listings, state) are included;
  the email ledger's batches are shown apart.
  The scorer's own count (its boto3 client's ``before-send`` events and its lean object client's requests,
  retries included) is printed next to it as a cross-check.
* Scoring wall time: the scorer's summary reports wall seconds per phase (``timings``); scoring is "prepare"
  (catalog, class list, answer keys, listings) + "scoring" (read every submission, write every score.json),
  without sending. Submissions per second = submissions scored / that time; the 5,000-in-30-s target is
  checked against the time this rate needs for 5,000.
* Email send rate: from the timestamps MiniStack stamps on every email it accepts (its outbox): (emails - 1)
  / (last - first), against the account's MaxSendRate (``GetSendQuota``); throttling errors are looked for in
  the summary's failures. The scorer's own figure (emails sent / its sending phase) is printed too.
* Peak memory: the scorer reports ``ru_maxrss`` of its process (MiniStack runs each function in a worker
  process of its own, fresh after deployment), the largest of all its invocations.

MiniStack differs from AWS in speed (one process on this machine, no network) and does not enforce memory
sizes or throttle SES: treat the figures as this code's behaviour, not as AWS latency.

The S3 clients on Lambda-sized CPU (issue 13, "one S3 path"):

    python bench/scorer.py --compare-clients [--students N --tests M] [--memory 256,1024,unlimited]
                           [--clients lean,boto3] [--code REV]              (as root: it creates cpu cgroups)

Measures the scoring work only, for each client (lean: ``testtime.s3direct.ObjectClient``; boto3:
``bench/boto3_objects.py``) x CPU (a 256 MB, a 1,024 MB and an unlimited function), on one deployed and
seeded emulator (bench/scorer_clients.py). CPU as Lambda gives it: in proportion to memory, one vCPU at
1,769 MB (Lambda guide, "Configure Lambda function memory"), as a cgroup v1 CFS quota of period * MB / 1769
(bench/lambda_cpu.py); without a usable cpu controller the mode fails, it never runs unlimited instead. The
deployed function runs inside MiniStack's worker process, which a cgroup cannot single out, so each
configuration runs the scorer's code (``testtime.scorer.run.run``, the handler's call) in a child process that joins
its cgroup first (bench/scorer_child.py), with the deployed scorer's environment, the emulator's S3 and SES;
the emulator stays outside every cgroup, as S3 is outside a Lambda function.

How sending is left out: the child's ``Runtime`` has a time budget spent from the start (``remaining_ms`` 0)
and a hand-over that is recorded, not invoked. The run scores in full, its sending loop stops before the first
email (it still takes and frees each test's sending lease and reads the SES quota once) and the run ends at the
hand-over: no student or trainer email, so 12 minutes of sending at 14/s per configuration are not spent.
Before each configuration every score.json and everything under scorer/ is deleted (and checked gone), so each
run does the same full work; a run that does not score and write every submission fails the benchmark.

Figures per configuration: submissions/s (submissions / (prepareSeconds + scoringSeconds)), CPU seconds per
1,000 submissions (the child's process time in those phases, all threads), S3 requests per submission counted at
the client (boto3's ``before-send`` events plus the lean client's counter) and at the emulator (its request
recording over the child's lifetime, as above); "+ledger" adds the one email-ledger batch per LEDGER_BATCH_SIZE
emails that a sending run writes. Then the targets (>= 150 submissions/s, <= 2.2 requests per submission) and a
verdict: boto3, the package's client, unless the lean client meets the targets at a Lambda-sized CPU where
boto3 does not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for entry in (str(ROOT / "lambda_src"), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from bench.lambda_cpu import CpuLimitUnavailable  # noqa: E402
from bench.s3_trail import S3Trail  # noqa: E402
from bench.scorer_clients import CLIENTS, ClientComparison  # noqa: E402
from bench.scorer_clients import report as clients_report  # noqa: E402
from bench.scorer_seed import (  # noqa: E402
    SEED_CONCURRENCY,
    SUBJECT,
    client,
    request_kind,
    seed,
    student_ids,
    test_ids,
)
from tests.integration.harness import LocalAws  # noqa: E402
from testtime import layout  # noqa: E402

TARGET_REQUESTS = 2.2  # all in, per submission (issue 13)
TARGET_SUBMISSIONS, TARGET_SECONDS = 5000, 30.0
TARGET_SEND_SHARE = 0.9
TARGET_MEMORY_MB = 256.0


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


@dataclass
class Figures:
    summaries: list[dict[str, Any]] = field(default_factory=list)
    s3_events: Counter[tuple[str, str]] = field(default_factory=Counter)
    invoke_seconds: float = 0.0
    chain_seconds: float = 0.0
    emails: list[float] = field(default_factory=list)  # outbox timestamps of the students' emails
    max_send_rate: float = 0.0
    second: dict[str, Any] = field(default_factory=dict)
    second_s3: int = 0
    second_seconds: float = 0.0


class Bench:
    def __init__(self, aws: LocalAws, students: int, tests: int) -> None:
        self.aws = aws
        self.trail = S3Trail(aws)
        self.students = student_ids(students)
        self.tests = test_ids(tests)
        self.rng = random.Random(20261123)

    # -- set-up ----------------------------------------------------------------------------------------------

    def client(self, service: str, **config: Any) -> Any:
        return client(self.aws, service, **config)

    def seed(self, bucket: str) -> int:
        s3 = self.client("s3", max_pool_connections=SEED_CONCURRENCY * 2)
        return seed(s3, bucket, self.students, self.tests, self.rng)

    # -- measuring -------------------------------------------------------------------------------------------

    def s3_events(self, start: float, end: float) -> Counter[tuple[str, str]]:
        """S3 requests MiniStack served in [start, end], by (operation, request_kind of the object)."""
        counted: Counter[tuple[str, str]] = Counter()
        for event in self.trail.events(start, end):
            keys = [r["ResourceName"] for r in event.get("Resources", []) if r.get("ResourceType") == "AWS::S3::Object"]
            counted[(event["EventName"], request_kind(keys[0]) if keys else "test/run")] += 1
        return counted

    def outbox(self, since: float) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.aws.endpoint}/_ministack/ses/messages", timeout=120) as response:
            groups = json.loads(response.read()).get("messages", {})
        return [m for messages in groups.values() for m in messages if float(m.get("Timestamp", 0)) >= since]

    def invoke(self, function: str, as_of: str) -> dict[str, Any]:
        lam = self.client("lambda", read_timeout=960, connect_timeout=10, retries={"total_max_attempts": 1})
        response = lam.invoke(
            FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps({"asOf": as_of}).encode()
        )
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError") or not isinstance(payload, dict):
            raise RuntimeError(f"the scorer failed: {payload}")
        return payload

    def wait_for_chain(self, bucket: str, deadline_s: float) -> None:
        """After a hand-over: the follow-up invocations run asynchronously; the last one sends the summary and
        records it in the summary ledger of every test it covered."""
        s3 = self.client("s3")
        key = layout.summary_ledger_key(SUBJECT, self.tests[-1])
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            try:
                record = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
                if record.get("status") == "sent":
                    return
            except s3.exceptions.NoSuchKey:
                pass
            time.sleep(5)
        raise RuntimeError("the handed-over invocations did not finish in time")

    def run(self, figures: Figures) -> None:
        step(f"deploying to a throwaway MiniStack on {self.aws.endpoint}")
        started = time.monotonic()
        self.aws.run("deploy-api-gateway.sh")
        outputs = self.aws.outputs()
        bucket, function = outputs["DataBucketName"], outputs["ScorerFunctionName"]
        step(f"deployed in {time.monotonic() - started:.0f} s; seeding {bucket}")
        started = time.monotonic()
        count = self.seed(bucket)
        step(f"seeded {count} objects in {time.monotonic() - started:.0f} s ({SEED_CONCURRENCY} at a time)")
        figures.max_send_rate = float(self.client("ses").get_send_quota()["MaxSendRate"])
        as_of = datetime.now(UTC).isoformat(timespec="seconds")

        step(f"invoking {function} (sending {len(self.students) * len(self.tests)} emails takes a while)")
        self.trail.switch(True)
        window_start = time.time()
        started = time.monotonic()
        first = self.invoke(function, as_of)
        figures.invoke_seconds = time.monotonic() - started
        figures.summaries.append(first)
        if first.get("handedOver"):
            step("the scorer handed over to a follow-up invocation; waiting for the chain to finish")
            self.wait_for_chain(bucket, deadline_s=3600)
        figures.chain_seconds = time.monotonic() - started
        window_end = time.time()
        self.trail.switch(False)
        step("counting the S3 requests recorded by the emulator")
        figures.s3_events = self.s3_events(window_start, window_end)
        trainer = "trainer@"
        figures.emails = sorted(
            float(m["Timestamp"])
            for m in self.outbox(window_start)
            if not any(str(to).startswith(trainer) for to in m.get("To", []))
        )

        step("second run (must send nothing)")
        self.trail.switch(True)
        window_start = time.time()
        started = time.monotonic()
        figures.second = self.invoke(function, as_of)
        figures.second_seconds = time.monotonic() - started
        window_end = time.time()
        self.trail.switch(False)
        figures.second_s3 = sum(self.s3_events(window_start, window_end).values())


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def report(figures: Figures, students: int, tests: int) -> list[str]:
    first = figures.summaries[0]
    submissions = int(first.get("submissionsScored", 0))
    timings = first.get("timings") or {}
    scoring_s = float(timings.get("prepareSeconds", 0.0)) + float(timings.get("scoringSeconds", 0.0))
    rate = submissions / scoring_s if scoring_s > 0 else 0.0
    projected = TARGET_SUBMISSIONS / rate if rate > 0 else float("inf")
    s3_total = sum(figures.s3_events.values())
    own = sum(count for (_, kind), count in figures.s3_events.items() if kind == "submission")
    ledger = sum(count for (_, kind), count in figures.s3_events.items() if kind == "ledger")
    all_in = s3_total / submissions if submissions else float("inf")
    marginal = own / submissions if submissions else float("inf")
    operations: Counter[str] = Counter()
    for (name, _), count in figures.s3_events.items():
        operations[name] += count
    self_count = int(first.get("s3Requests", 0))
    sent = len(figures.emails)
    span = figures.emails[-1] - figures.emails[0] if sent > 1 else 0.0
    send_rate = (sent - 1) / span if span > 0 else 0.0
    send_share = send_rate / figures.max_send_rate if figures.max_send_rate else 0.0
    sending_s = float(timings.get("sendingSeconds", 0.0))
    own_rate = int(first.get("emailsSent", 0)) / sending_s if sending_s > 0 else 0.0
    failures = [f for s in figures.summaries for f in s.get("failures") or []]
    throttled = [f for f in failures if "throttl" in str(f.get("error", "")).lower()]
    memory = max(float(s.get("peakMemoryMb", 0.0)) for s in figures.summaries)
    ops = ", ".join(f"{name} {count}" for name, count in operations.most_common())
    cpu = float(timings.get("prepareCpuSeconds", 0.0)) + float(timings.get("scoringCpuSeconds", 0.0))
    expected = students * tests
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        "",
        f"Scorer benchmark: {students} students x {tests} tests = {expected} submissions"
        + ("" if (students, tests) == (1000, 10) else " (the issue's target size is 1000 x 10: --tests 10)"),
        f"  machine: {os.cpu_count()} cores shared by MiniStack, the function and everything else running; "
        f"load average now {load}",
        f"  first run: {first.get('testsScored')} tests, {submissions} submissions scored, "
        f"{first.get('emailsSent')} emails sent, {first.get('emailsFailed')} failed, "
        f"handed over: {'yes' if first.get('handedOver') else 'no'}; invocation {figures.invoke_seconds:.1f} s, "
        f"whole run {figures.chain_seconds:.1f} s",
        f"  phases (s): {json.dumps(timings)}",
        "",
        f"  S3 requests per submission: {all_in:.3f} all-in ({s3_total} recorded by the emulator; the scorer "
        f"counted {self_count}): {marginal:.2f} on the submission's own objects ({own}), "
        f"{ledger / submissions if submissions else 0:.3f} for the email ledger ({ledger}), "
        f"{s3_total - own - ledger} per test and run",
        f"      by operation: {ops}",
        f"      target <= {TARGET_REQUESTS:g}: {verdict(all_in <= TARGET_REQUESTS)}",
        f"  scoring wall time: {scoring_s:.2f} s for {submissions} submissions = {rate:.0f} submissions/s "
        f"(sending excluded); 5,000 would take {projected:.1f} s. The function's own CPU in that time: "
        f"{cpu:.1f} s (the rest is waiting for the emulator's S3, which shares this machine's cores)",
        f"      target 5,000 in < {TARGET_SECONDS:g} s: {verdict(projected < TARGET_SECONDS)}",
        f"  email send rate: {send_rate:.2f}/s over {sent} emails ({send_share:.0%} of the account's MaxSendRate "
        f"{figures.max_send_rate:g}/s; the scorer's own figure {own_rate:.2f}/s), throttling errors: {len(throttled)}",
        f"      target >= {TARGET_SEND_SHARE:.0%} of allowed, no throttling error: "
        f"{verdict(send_share >= TARGET_SEND_SHARE and not throttled and sent == expected)}"
        + ("" if sent == expected else f" ({sent} of {expected} emails arrived)"),
        f"  peak memory of the function: {memory:.1f} MB (ru_maxrss)",
        f"      target < {TARGET_MEMORY_MB:g} MB: {verdict(memory < TARGET_MEMORY_MB)}",
        f"  second run (what every quarter-hourly run with nothing new costs): {figures.second.get('emailsSent')} "
        f"emails, {figures.second.get('scoresWritten')} scores written, {figures.second_s3} S3 requests "
        f"({figures.second_s3 / tests:.1f} per test), {figures.second_seconds:.1f} s",
    ]
    if failures:
        lines.append(f"  failures reported by the scorer: {len(failures)}, e.g. {json.dumps(failures[:3])}")
    return lines


def memory_sizes(raw: str) -> list[int | None]:
    """``256,1024,unlimited`` -> [256, 1024, None]."""
    sizes: list[int | None] = []
    for part in raw.split(","):
        part = part.strip().lower()
        if part == "unlimited":
            sizes.append(None)
        elif part.isdigit() and 128 <= int(part) <= 10240:  # Lambda's range of memory sizes
            sizes.append(int(part))
        else:
            raise argparse.ArgumentTypeError(f"{part!r}: a memory size in MB (128 to 10240) or 'unlimited'")
    return sizes


def client_names(raw: str) -> list[str]:
    names = [part.strip() for part in raw.split(",")]
    if not names or any(name not in CLIENTS for name in names):
        raise argparse.ArgumentTypeError(f"{raw!r}: a comma-separated choice of {', '.join(CLIENTS)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000, help="students in the class (default 1000)")
    parser.add_argument("--tests", type=int, default=5, help="tests past their deadline (default 5; the issue: 10)")
    parser.add_argument("--keep", action="store_true", help="leave the emulator and its folder for a look")
    parser.add_argument(
        "--compare-clients", action="store_true", help="score with each S3 object client under Lambda-sized CPU"
    )
    parser.add_argument(
        "--memory",
        type=memory_sizes,
        default=[256, 1024, None],
        help="with --compare-clients: the functions' memory sizes (default 256,1024,unlimited)",
    )
    parser.add_argument(
        "--clients", type=client_names, default=list(CLIENTS), help="with --compare-clients (default lean,boto3)"
    )
    parser.add_argument(
        "--code", default="", metavar="REV", help="with --compare-clients: score with lambda_src/ of this git revision"
    )
    args = parser.parse_args(argv)
    if args.students < 1 or args.tests < 1:
        parser.error("--students and --tests must be at least 1")
    workdir = Path(tempfile.mkdtemp(prefix="tt-bench-scorer-"))
    aws = LocalAws(workdir)
    figures = Figures()
    # Room in the emulator's request recorder (a ring buffer) for every request of one measured window.
    per_submission = 3 if args.compare_clients else 6
    events = args.students * args.tests * per_submission + 10_000
    # A termination unwinds like Ctrl-C: the cpu cgroups and the emulator are removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        aws.run("bin/local-aws.sh", "start", CLOUDTRAIL_MAX_EVENTS=str(events))
        if args.compare_clients:
            comparison = ClientComparison(aws, workdir, args.students, args.tests, args.memory, args.clients, args.code)
            measured = comparison.run()
            lines = clients_report(measured, args.students, args.tests, comparison.deployed_memory)
            print("\n".join(lines), flush=True)
        else:
            Bench(aws, args.students, args.tests).run(figures)
            print("\n".join(report(figures, args.students, args.tests)), flush=True)
    except CpuLimitUnavailable as error:
        print(f"error: cannot limit the scorer's CPU as Lambda would: {error}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(
                f"\nkept: LOCAL_AWS_PORT={aws.port} LOCAL_AWS_STATE_DIR={workdir / 'ministack'} "
                f"TT_BUILD_ROOT={workdir / 'build'} (stop: those variables + bin/local-aws.sh stop)"
            )
        else:
            aws.stop()
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

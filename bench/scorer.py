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
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for entry in (str(ROOT / "lambda_src"), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from bench.s3_trail import S3Trail  # noqa: E402
from tests.integration.harness import LocalAws  # noqa: E402
from testtime import layout  # noqa: E402

SUBJECT = "bench"
QUESTIONS = 10
CHOICES = "abcd"
SEED_CONCURRENCY = 16
TARGET_REQUESTS = 3.0
TARGET_SUBMISSIONS, TARGET_SECONDS = 5000, 30.0
TARGET_SEND_SHARE = 0.9
TARGET_MEMORY_MB = 256.0


def request_kind(key: str) -> str:
    """What a request's object is: one submission's (testResult.json, score.json), the email ledger (a batch of
    records, or a student's own record), or per test and run (catalog, keys, state, listings, lease)."""
    parts = key.split("/")
    if parts[:2] == ["scorer", "emails"]:
        return "ledger"
    return "submission" if len(parts) == 4 and parts[3] in ("testResult.json", "score.json") else "test/run"


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


class Bench:
    def __init__(self, aws: LocalAws, students: int, tests: int) -> None:
        self.aws = aws
        self.trail = S3Trail(aws)
        self.students = [f"bench{n:05d}" for n in range(1, students + 1)]
        self.tests = [f"test{m:02d}" for m in range(1, tests + 1)]
        self.rng = random.Random(20261123)

    # -- set-up ----------------------------------------------------------------------------------------------

    def client(self, service: str, **config: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.aws.endpoint,
            region_name=self.aws.region,
            aws_access_key_id="LOCALEMULATORKEY",
            aws_secret_access_key="local-emulator-secret",
            config=Config(**config) if config else None,
        )

    def seed(self, bucket: str) -> int:
        s3 = self.client("s3", max_pool_connections=SEED_CONCURRENCY * 2)
        now = datetime.now(UTC)
        objects: list[tuple[str, Any]] = [
            (
                layout.STUDENTS_LIST,
                [
                    {"student_id": sid, "email": f"{sid}@example.com", "name": f"Bench {sid[5:]}"}
                    for sid in self.students
                ],
            ),
            (
                layout.CATALOG,
                {
                    "version": 1,
                    "tests": [
                        {
                            "subject": SUBJECT,
                            "testId": test_id,
                            "title": f"Benchmark test {test_id}",
                            "due": (now - timedelta(hours=1)).isoformat(timespec="seconds"),
                            "firstPublished": (now - timedelta(days=7)).isoformat(timespec="seconds"),
                            "questionCount": QUESTIONS,
                            "closedAt": None,
                        }
                        for test_id in self.tests
                    ],
                },
            ),
        ]
        received = (now - timedelta(hours=2)).isoformat(timespec="seconds")
        for test_id in self.tests:
            key = [{"questionId": str(q), "answer": self.rng.choice(CHOICES)} for q in range(1, QUESTIONS + 1)]
            questions = [
                {
                    "questionId": str(q),
                    "question": f"Question {q} of {test_id}?",
                    "answers": [{"answerId": c, "answerBody": f"choice {c} of question {q}"} for c in CHOICES],
                }
                for q in range(1, QUESTIONS + 1)
            ]
            objects.append((layout.answer_key_key(SUBJECT, test_id), key))
            objects.append((layout.questions_key(SUBJECT, test_id), questions))
            for sid in self.students:
                answers = [
                    {"questionId": str(q), "answer": self.rng.choice(CHOICES)}
                    for q in range(1, QUESTIONS + 1)
                    if self.rng.random() < 0.95  # a few unanswered questions
                ]
                document = {
                    "studentId": sid,
                    "subjectName": SUBJECT,
                    "testId": test_id,
                    "receivedAt": received,
                    "answers": answers,
                }
                objects.append((layout.submission_key(SUBJECT, test_id, sid), document))

        def put(item: tuple[str, Any]) -> None:
            s3.put_object(Bucket=bucket, Key=item[0], Body=json.dumps(item[1]).encode(), ContentType="application/json")

        with ThreadPoolExecutor(max_workers=SEED_CONCURRENCY) as pool:
            list(pool.map(put, objects))
        return len(objects)

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
        figures.second = self.invoke(function, as_of)
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
        f"  second run: {figures.second.get('emailsSent')} emails, {figures.second.get('scoresWritten')} scores "
        f"written, {figures.second_s3} S3 requests",
    ]
    if failures:
        lines.append(f"  failures reported by the scorer: {len(failures)}, e.g. {json.dumps(failures[:3])}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000, help="students in the class (default 1000)")
    parser.add_argument("--tests", type=int, default=5, help="tests past their deadline (default 5; the issue: 10)")
    parser.add_argument("--keep", action="store_true", help="leave the emulator and its folder for a look")
    args = parser.parse_args(argv)
    if args.students < 1 or args.tests < 1:
        parser.error("--students and --tests must be at least 1")
    workdir = Path(tempfile.mkdtemp(prefix="tt-bench-scorer-"))
    aws = LocalAws(workdir)
    figures = Figures()
    events = args.students * args.tests * 6 + 10_000  # room for every request of the run in the recorder
    try:
        aws.run("bin/local-aws.sh", "start", CLOUDTRAIL_MAX_EVENTS=str(events))
        Bench(aws, args.students, args.tests).run(figures)
        print("\n".join(report(figures, args.students, args.tests)), flush=True)
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

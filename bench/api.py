"""API benchmark: the latency of each route against a bare function, and the S3 requests per warm request.

    python bench/api.py [--requests N] [--rounds R] [--warmup W]     (from the repository root, venv active)

Defaults: N=100 measured requests per route, in R=5 interleaved rounds, after W=10 warm-up requests per route;
about 2 minutes on 2 cores, most of it the deploy.

What it does: starts its own MiniStack on a free loopback port with its state and build output in a temporary
folder (``tests/integration/harness.LocalAws``, the integration tests' harness), deploys the service with
``deploy-api-gateway.sh -e`` plus one extra function and route (below), publishes its own content (a class of
N + W students ``bench0001``...: each submits once, and one test ``bench/quiz01``, 10 questions, due in a week),
warms every route up, measures, prints the figures and stops the emulator.

The bare function (``GET /api/v1/bench``, ``bench/bare_function/bench_bare.py``): the gateway with the same API
key check and usage plan, a function with the same runtime, memory and role shape, one S3 GET (``catalog.json``
through the service's own ``testtime.s3io``) and a small JSON answer: the floor a route cannot beat when it reads
S3 once. ``deploy-api-gateway.sh`` zips ``lambda_package_src`` (default ``lambda_src/``), so the bench deploys
with ``-e lambda_package_src=<copy of lambda_src/ plus bench_bare.py>`` and the template's own hooks
``extra_functions`` / ``extra_routes``: nothing is added to the service's package or template, and the bare
function is deployed exactly the way the real ones are. The same ``-e`` raises the usage plan's and the stage's
throttling and quota (per key 5 requests/s otherwise): the benchmark measures latency, not throttling, and the
gateway runs the same checks whatever the limits.

How each figure is measured:

* Latency: sequential HTTP requests over one keep-alive connection to the emulator's API endpoint, timed from
  sending to the last byte of the answer (``time.perf_counter``). Routes are interleaved (R rounds of N/R
  requests each, bare, list, get, submit in turn) so that the load of this shared machine hits every route
  alike. p50 and p95 are nearest-rank percentiles of the N timings. Every answer must have the route's success
  status: ``POST /api/v1/test`` submits for a different student each time (201, the real path, not 409).
* S3 requests per warm request: counted at the emulator. MiniStack can record every API request it serves as a
  CloudTrail event (``POST /_ministack/config {"cloudtrail._recording_enabled": true}``; the buffer is sized
  with ``CLOUDTRAIL_MAX_EVENTS`` at start). Recording is on only while measuring, and nothing but the functions
  talks to S3 meanwhile. Requests are sequential and a function makes its S3 requests before it answers, so each
  S3 event (``LookupEvents`` with ``EventSource=s3.amazonaws.com``, paged by time and de-duplicated by event
  id) falls inside the time span of exactly one measured request and is counted for it; events outside every
  span are reported, not attributed. Before measuring, the counter is calibrated: a known number of S3 requests
  made directly must be counted exactly. The average includes the cache refreshes of a warm container (class
  list, catalog and questions, at most every ``CACHE_TTL_SECONDS``, 15 s), so it is what sustained traffic
  costs; the median is the typical warm request, the figure ``testtime/store.py`` promises (0 to 2).

Targets: each route's p50 at most 1.5 times the bare function's p50; a warm request (the median) makes at most
2 S3 requests. MiniStack differs from AWS (one process on this machine, no network, functions in local
worker processes): read the figures as this code's overhead relative to the floor, not as AWS latency.
"""

from __future__ import annotations

import argparse
import bisect
import http.client
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
for entry in (str(ROOT / "lambda_src"), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import yaml  # noqa: E402

from bench.s3_trail import S3Trail  # noqa: E402
from tests.integration.harness import LocalAws  # noqa: E402

BARE_SOURCE = ROOT / "bench" / "bare_function" / "bench_bare.py"
SUBJECT, TEST_ID, QUESTIONS, CHOICES = "bench", "quiz01", 10, "abcd"
TARGET_RATIO = 1.5
TARGET_S3 = 2.0
CALIBRATION_GETS = 5
UNLIMITED = 100_000  # requests per second, burst and daily quota, per key and for the stage
EXTRA_VARS = {
    "extra_functions": [
        {
            "id": "BenchBare",
            "name": "bench-bare",
            "handler": "bench_bare.handler",
            "memory": 256,
            "timeout": 10,
            "read": ["catalog.json"],
            "put": [],
            "list": [],
        }
    ],
    "extra_routes": [{"path": "bench", "method": "GET", "function": "BenchBare"}],
    "api_rate_limit": UNLIMITED,
    "api_burst_limit": UNLIMITED,
    "api_daily_quota": UNLIMITED * 10,
    "api_stage_rate_limit": UNLIMITED,
    "api_stage_burst_limit": UNLIMITED,
}


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Route:
    label: str
    method: str
    path: str
    expect: int
    request: Callable[[int], tuple[dict[str, str], str, bytes | None]]  # request number -> (headers, query, body)
    timings: list[float] = field(default_factory=list)
    windows: list[tuple[float, float]] = field(default_factory=list)  # wall-clock span of each measured request
    s3_calls: list[int] = field(default_factory=list)  # S3 requests made while serving each one
    s3: Counter[str] = field(default_factory=Counter)  # by operation

    @property
    def s3_average(self) -> float:
        return sum(self.s3_calls) / len(self.s3_calls) if self.s3_calls else float("nan")

    @property
    def s3_median(self) -> float:
        return statistics.median(self.s3_calls) if self.s3_calls else float("nan")


# ---------------------------------------------------------------------------------------------- set-up


def package_source(workdir: Path) -> Path:
    """lambda_src/ plus the bare function's module, the folder the deploy zips for this run only."""
    source = workdir / "lambda_src"
    shutil.copytree(ROOT / "lambda_src", source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(BARE_SOURCE, source / BARE_SOURCE.name)
    return source


def content(workdir: Path, students: list[str]) -> Path:
    folder = workdir / "content"
    (folder / "subjects" / SUBJECT).mkdir(parents=True)
    class_list = [{"id": sid, "name": f"Bench {sid[5:]}", "email": f"{sid}@example.com"} for sid in students]
    (folder / "students.yml").write_text(yaml.safe_dump(class_list), encoding="utf-8")
    due = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
    test = {
        "title": "API benchmark quiz",
        "due": due,
        "questions": [
            {
                "id": q,
                "text": f"Benchmark question {q}?",
                "choices": {c: f"choice {c} of question {q}" for c in CHOICES},
                "answer": CHOICES[q % len(CHOICES)],
            }
            for q in range(1, QUESTIONS + 1)
        ],
    }
    (folder / "subjects" / SUBJECT / f"{TEST_ID}.yml").write_text(yaml.safe_dump(test), encoding="utf-8")
    return folder


def api_keys(aws: LocalAws) -> dict[str, str]:
    """Student id -> API key value, from API Gateway (``testtime-<studentId>``)."""
    keys: dict[str, str] = {}
    for page in aws.client("apigateway").get_paginator("get_api_keys").paginate(includeValues=True):
        for item in page.get("items", []):
            if item["name"].startswith("testtime-"):
                keys[item["name"].removeprefix("testtime-")] = item["value"]
    return keys


# ---------------------------------------------------------------------------------------------- measuring


class Client:
    """Sequential requests over one keep-alive connection to the emulator's API endpoint."""

    def __init__(self, api_url: str) -> None:
        url = urlparse(api_url)
        self.host, self.port, self.prefix = url.hostname or "127.0.0.1", url.port or 80, url.path
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def send(self, route: Route, number: int) -> float:
        headers, query, body = route.request(number)
        path = f"{self.prefix}{route.path}{'?' + query if query else ''}"
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.connection.request(route.method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - started
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()  # the server closed the kept-alive connection: reconnect once
                if attempt == 2:
                    raise
        if response.status != route.expect:
            raise RuntimeError(f"{route.label}: {response.status} instead of {route.expect}: {payload[:300]!r}")
        return elapsed


class Recorder(S3Trail):
    """The S3 requests the emulator serves, as (time, operation)."""

    def s3_events(self, start: float, end: float) -> list[tuple[float, str]]:
        return [(float(event["EventTime"]), event["EventName"]) for event in self.events(start, end)]


def calibrate(aws: LocalAws, recorder: Recorder, bucket: str) -> None:
    """The counter must see exactly the S3 requests made: CALIBRATION_GETS GETs and one listing."""
    s3 = aws.client("s3")
    start = time.time()
    for _ in range(CALIBRATION_GETS):
        s3.get_object(Bucket=bucket, Key="catalog.json")["Body"].read()
    s3.list_objects_v2(Bucket=bucket, Prefix="submitted/")
    end = time.time()
    time.sleep(0.05)
    counted = recorder.s3_events(start, end)
    if len(counted) != CALIBRATION_GETS + 1:
        raise RuntimeError(f"S3 counter calibration failed: {CALIBRATION_GETS + 1} requests made, {counted} counted")


def measure(client: Client, routes: list[Route], requests: int, rounds: int) -> None:
    """``requests`` per route in ``rounds`` interleaved batches, each request's time span recorded."""
    done = 0
    for index in range(rounds):
        batch = requests * (index + 1) // rounds - done
        for route in routes:
            for number in range(done, done + batch):
                start = time.time()
                route.timings.append(client.send(route, number))
                route.windows.append((start, time.time()))
        done += batch


def attribute(routes: list[Route], events: list[tuple[float, str]]) -> int:
    """Count every S3 event for the request whose time span holds it; the number of events outside every span."""
    spans = sorted((a, b, route, index) for route in routes for index, (a, b) in enumerate(route.windows))
    starts = [span[0] for span in spans]
    for route in routes:
        route.s3_calls = [0] * len(route.windows)
    outside = 0
    for moment, operation in events:
        position = bisect.bisect_right(starts, moment) - 1
        if position < 0 or moment > spans[position][1]:
            outside += 1
            continue
        _, _, route, index = spans[position]
        route.s3_calls[index] += 1
        route.s3[operation] += 1
    return outside


# ---------------------------------------------------------------------------------------------- report


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def report(routes: list[Route], outside: int, seconds: float) -> list[str]:
    bare = routes[0]
    floor = percentile(bare.timings, 0.5)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        "",
        f"API benchmark: {len(bare.timings)} warm requests per route, sequential, interleaved; "
        f"measuring took {seconds:.0f} s",
        f"  machine: {os.cpu_count()} cores shared by MiniStack, the functions and everything else running; "
        f"load average now {load}",
        "",
        f"  {'route':<20} {'p50 ms':>7} {'p95 ms':>7} {'p50/bare':>8}   S3 requests per request: "
        "average (cache refreshes included), median, max; by operation",
    ]
    for route in routes:
        p50, p95 = percentile(route.timings, 0.5), percentile(route.timings, 0.95)
        ratio = "" if route is bare else f"{p50 / floor:.2f}"
        operations = ", ".join(f"{name} {count}" for name, count in sorted(route.s3.items()))
        lines.append(
            f"  {route.label:<20} {p50 * 1000:7.1f} {p95 * 1000:7.1f} {ratio:>8}   "
            f"{route.s3_average:.2f}, {route.s3_median:g}, {max(route.s3_calls, default=0)}; {operations or '-'}"
        )
    if outside:
        lines.append(f"  ({outside} S3 requests fell outside every measured request: not attributed)")
    lines.append("")
    for route in routes[1:]:
        ratio = percentile(route.timings, 0.5) / floor
        lines.append(
            f"  {route.label:<20} p50 <= {TARGET_RATIO:g} x bare: {verdict(ratio <= TARGET_RATIO)} ({ratio:.2f}); "
            f"S3 requests of a warm request (median) <= {TARGET_S3:g}: {verdict(route.s3_median <= TARGET_S3)} "
            f"({route.s3_median:g}; average {route.s3_average:.2f})"
        )
    return lines


# ---------------------------------------------------------------------------------------------- main


def run(aws: LocalAws, workdir: Path, requests: int, rounds: int, warmup: int) -> list[str]:
    students = [f"bench{n:04d}" for n in range(1, requests + warmup + 1)]
    step("deploying the service with the bare function (GET /api/v1/bench)")
    extra = {**EXTRA_VARS, "lambda_package_src": str(package_source(workdir))}
    aws.run("deploy-api-gateway.sh", "-e", json.dumps(extra))
    step(f"publishing {len(students)} students and {SUBJECT}/{TEST_ID}")
    aws.run("update-subjects-or-students.sh", "--content", str(content(workdir, students)))
    outputs = aws.outputs()
    keys = api_keys(aws)
    missing = [sid for sid in students if sid not in keys]
    if missing:
        raise RuntimeError(f"no API key for {missing[:5]}")

    def key_of(number: int) -> dict[str, str]:
        return {"x-api-key": keys[students[number % len(students)]]}

    answers = [{"questionId": str(q), "answer": CHOICES[(q * 7) % len(CHOICES)]} for q in range(1, QUESTIONS + 1)]

    def submission(number: int) -> tuple[dict[str, str], str, bytes | None]:
        if number >= len(students):
            raise RuntimeError("more submissions than students")
        body = json.dumps({"subjectName": SUBJECT, "testId": TEST_ID, "answers": answers}).encode()
        return {**key_of(number), "Content-Type": "application/json"}, "", body

    query = urlencode({"subjectName": SUBJECT, "testId": TEST_ID})
    routes = [
        Route("GET  /api/v1/bench", "GET", "/api/v1/bench", 200, lambda n: (key_of(n), "", None)),
        Route(
            "POST /api/v1/tests",
            "POST",
            "/api/v1/tests",
            200,
            lambda n: ({**key_of(n), "Content-Type": "application/json"}, "", b"{}"),
        ),
        Route("GET  /api/v1/test", "GET", "/api/v1/test", 200, lambda n: (key_of(n), query, None)),
        Route("POST /api/v1/test", "POST", "/api/v1/test", 201, submission),
    ]
    client = Client(outputs["ApiUrl"])
    step(f"warming up: {warmup} requests per route")
    for route in routes:
        for number in range(warmup):
            client.send(route, requests + number)  # the warm-up students are the last ones
    for route in routes:
        route.timings.clear()
    recorder = Recorder(aws)
    recorder.switch(True)
    try:
        calibrate(aws, recorder, outputs["DataBucketName"])
        step(f"measuring: {requests} requests per route in {rounds} interleaved rounds")
        started = time.time()
        measure(client, routes, requests, rounds)
        ended = time.time()
    finally:
        recorder.switch(False)
    time.sleep(0.2)
    outside = attribute(routes, recorder.s3_events(started, ended + 1))
    return report(routes, outside, ended - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="measured requests per route (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up requests per route (default 10)")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 1 or not 1 <= args.rounds <= args.requests:
        parser.error("--requests and --warmup must be at least 1, --rounds between 1 and --requests")
    workdir = Path(tempfile.mkdtemp(prefix="tt-bench-api-"))
    aws = LocalAws(workdir)
    try:
        step(f"starting a throwaway embedded AWS on 127.0.0.1:{aws.port}")
        events = 20 * args.requests + 10_000  # room for every S3 request of the measurement in the recorder
        aws.run("bin/local-aws.sh", "start", CLOUDTRAIL_MAX_EVENTS=str(events))
        print("\n".join(run(aws, workdir, args.requests, args.rounds, args.warmup)), flush=True)
    finally:
        aws.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

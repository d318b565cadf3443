"""Trainer-reports benchmark: how long the report, the gradebook and the results route take at N students x M
tests, on a throwaway embedded AWS; prints the figures next to the targets.

    python bench/trainer_reports.py [--students N] [--tests M] [--repeat R] [--keep]   (repository root, venv active)

Defaults: 1,000 students x 10 tests (issue 14's scale); about five minutes, most of it seeding 19,000 objects.

What it does: starts its own MiniStack on a free loopback port (``tests/integration/harness.LocalAws``) without
deploying anything: the three readers need only the data bucket. It creates the bucket and seeds it as a scorer
run leaves it (bench/trainer_reports_seed.py: the class list, the catalog, per test its questions, answer key and
state cache with every student's answers, and per submitter the submission and its score.json), and writes a
``stack-outputs.json`` naming the bucket, which is all the trainer tools read of a deployment. Then, each R times
(the best and the worst are printed):

* ``read_class_results`` (ops/class_results.py) with listings, and as the report reads (only the tests not scored
  yet listed: a scored test's state cache names every submitter), the analysis of every test
  (testtime/analysis.py), and ``ops.report.main(["--json"])`` whole, in this process;
* ``bin/report.sh --json`` and ``bin/report.sh`` as the trainer runs them (a new process: bash, the venv, imports);
* ``ops.gradebook.main(["--csv"])`` in this process and ``bin/gradebook.sh --csv`` as a command;
* the results route: ``testtime.handlers.results.handler`` called in this process with a proxy event carrying the
  trainer's key, as Lambda would call it (a fresh module state the first time: a cold start's S3 client).

MiniStack differs from AWS in speed (one process on this machine, no network): treat the figures as this code's
behaviour and request count, not as AWS latency. On AWS each GET is ~10-30 ms, and the readers issue a few
requests per test, in parallel.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for entry in (str(ROOT / "lambda_src"), str(ROOT)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from bench.trainer_reports_seed import TRAINER_KEY, seed, student_ids, test_ids  # noqa: E402
from ops import gradebook, report  # noqa: E402
from ops.class_results import read_class_results  # noqa: E402
from ops.report import analysis_of, grade_scale  # noqa: E402
from tests.integration.harness import LocalAws  # noqa: E402
from testtime.deadlines import utc_now  # noqa: E402
from testtime.handlers import results  # noqa: E402  (its S3 client is made at the first call, after prepare)

BUCKET = "testtime-bench-reports"
ROUTE_LIMIT_SECONDS = 29.0  # API Gateway's integration timeout (REST API quotas)
COMMAND_TARGET_SECONDS = 10.0  # "print in seconds" (issue 14, point 10)


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def timed(action: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    seconds: list[float] = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def quiet(function: Callable[[list[str]], int], argv: list[str]) -> Callable[[], int]:
    """A tool's main() with its output swallowed (it is measured, not read), failing on a non-zero status."""

    def run() -> int:
        buffer = io.BytesIO()
        out = io.TextIOWrapper(buffer, encoding="utf-8")  # print() and ops.gradebook's bytes alike
        with contextlib.redirect_stdout(out):
            status = function(argv)
            out.flush()
        if status != 0:
            raise RuntimeError(f"{function.__module__}.main({argv}) exited {status}")
        return len(buffer.getvalue())

    return run


def command(aws: LocalAws, *argv: str) -> Callable[[], int]:
    def run() -> int:
        return len(aws.run(*argv, timeout=300).stdout)

    return run


def prepare(aws: LocalAws, students: int, tests: int) -> int:
    """Create and seed the bucket, name it in stack-outputs.json, and point this process at the emulator."""
    os.environ.update(
        {k: v for k, v in aws.playbook_env().items() if k.startswith(("AWS_", "TT_"))},
        AWS_DEFAULT_REGION=aws.region,
        DATA_BUCKET=BUCKET,
        GRADE_SCALE="[]",
    )
    s3 = boto3.client("s3", config=Config(max_pool_connections=32))
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": aws.region})
    aws.build_dir.mkdir(parents=True, exist_ok=True)
    outputs = {"DataBucketName": BUCKET, "Region": aws.region}
    (aws.build_dir / "stack-outputs.json").write_text(json.dumps(outputs), encoding="utf-8")
    return seed(s3, BUCKET, student_ids(students), test_ids(tests), random.Random(14))


def route_event() -> dict[str, Any]:
    headers = {"x-api-key": TRAINER_KEY}
    return {
        "resource": "/api/v1/results",
        "path": "/api/v1/results",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"requestId": "bench", "stage": "api", "identity": {"apiKeyId": None}},
    }


class Context:
    aws_request_id = "bench-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


def route() -> Callable[[], int]:
    def run() -> int:
        response = results.handler(route_event(), Context())
        if response["statusCode"] != 200:
            raise RuntimeError(f"the results route answered {response['statusCode']}: {response['body'][:300]}")
        return len(response["body"])

    return run


def line(name: str, seconds: list[float], size: int | None = None, limit: float | None = None) -> str:
    best, worst = min(seconds), max(seconds)
    text = f"  {name:<44} {best:7.2f} s best, {worst:7.2f} s worst"
    if size is not None:
        text += f", {size / 1e6:6.2f} MB out"
    if limit is not None:
        text += f"   {'ok' if worst <= limit else 'OVER'} (target {limit:g} s)"
    return text


def measure(aws: LocalAws, repeat: int) -> list[str]:
    s3 = boto3.client("s3", config=Config(max_pool_connections=32))
    lines = []
    step("the results route (testtime.handlers.results), in this process")
    seconds, size = timed(route(), repeat)
    lines.append(line("results route (first call = cold)", seconds, size, ROUTE_LIMIT_SECONDS))
    step("read_class_results + analysis + ops.report")
    seconds, read = timed(lambda: read_class_results(s3, BUCKET), repeat)
    lines.append(line("read_class_results (listings)", seconds))
    seconds, read = timed(
        lambda: report.with_unscored_listed(s3, BUCKET, read_class_results(s3, BUCKET, listings=False)), repeat
    )
    lines.append(line("the report's read (scored tests not listed)", seconds))
    scale, now, ids = grade_scale(), utc_now(), read.students.ids()
    seconds, _ = timed(lambda: [analysis_of(t, ids, scale, now) for t in read.tests], repeat)
    lines.append(line(f"analysis of {len(read.tests)} tests", seconds))
    seconds, size = timed(quiet(report.main, ["--json"]), repeat)
    lines.append(line("ops.report.main --json", seconds, size, COMMAND_TARGET_SECONDS))
    seconds, size = timed(quiet(report.main, []), repeat)
    lines.append(line("ops.report.main (text)", seconds, size, COMMAND_TARGET_SECONDS))
    step("ops.gradebook")
    seconds, size = timed(quiet(gradebook.main, ["--csv"]), repeat)
    lines.append(line("ops.gradebook.main --csv", seconds, size, COMMAND_TARGET_SECONDS))
    step("the commands as the trainer runs them")
    for argv in (("bin/report.sh", "--json"), ("bin/report.sh",), ("bin/gradebook.sh", "--csv")):
        seconds, size = timed(command(aws, *argv), repeat)
        lines.append(line(" ".join(argv), seconds, size, COMMAND_TARGET_SECONDS))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000, help="students in the class (default 1000)")
    parser.add_argument("--tests", type=int, default=10, help="scored tests (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--keep", action="store_true", help="leave the emulator and its folder for a look")
    args = parser.parse_args(argv)
    if args.students < 1 or args.tests < 1 or args.repeat < 1:
        parser.error("--students, --tests and --repeat must be at least 1")
    workdir = Path(tempfile.mkdtemp(prefix="tt-bench-reports-"))
    aws = LocalAws(workdir)
    try:
        step(f"starting the embedded AWS on port {aws.port}")
        aws.start()
        step(f"seeding {args.students} students x {args.tests} tests")
        start = time.perf_counter()
        objects = prepare(aws, args.students, args.tests)
        seeded = time.perf_counter() - start
        lines = measure(aws, args.repeat)
        heading = (
            f"\nTrainer reports at {args.students} students x {args.tests} tests"
            f" ({objects} objects seeded in {seeded:.0f} s; {args.repeat} runs each):"
        )
        print("\n".join([heading, *lines]), flush=True)
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

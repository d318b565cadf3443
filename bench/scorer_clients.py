"""``bench/scorer.py --compare-clients``: the scorer's scoring work with each S3 object client under Lambda-sized CPU.

One throwaway emulator, deployed and seeded once; then for each configuration (client lean or boto3 x CPU of a
256 MB, a 1,024 MB and an unlimited function, see bench/lambda_cpu.py): delete what the previous run wrote
(every score.json and everything under scorer/), create the configuration's cpu cgroup, switch the emulator's
request recording on, run the scorer's code once in a child process that joins the cgroup
(bench/scorer_child.py), switch recording off, remove the cgroup. The emulator stays outside every cgroup, as S3
is outside a Lambda function. Every child imports one copy of lambda_src/ taken before the first run (of the
working tree, or of a git revision with ``--code REV``), so all configurations run the same code.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.lambda_cpu import ONE_VCPU_MB, CpuGroup, vcpus
from bench.s3_trail import S3Trail
from bench.scorer_seed import client, request_kind, reset, seed, student_ids, test_ids
from tests.integration.harness import LocalAws

ROOT = Path(__file__).resolve().parents[1]
CHILD = Path(__file__).resolve().parent / "scorer_child.py"
TARGET_RATE = 150.0  # submissions/s: 10 x the original 2019 scorer's 15/s (issue 13)
TARGET_REQUESTS = 2.2  # S3 requests per submission, all in (issue 13)
CHILD_TIMEOUT_S = 3 * 3600
# "In CPython, due to the Global Interpreter Lock, only one thread can execute Python code at once" (Python
# library reference, threading): a scorer process's own work uses one vCPU at most, its threads overlap only while
# they wait for S3. Lambda's Python runtime is CPython.
ONE_PROCESS_VCPUS = 1.0
CLIENTS = ("lean", "boto3")  # testtime.s3direct.ObjectClient, bench/boto3_objects.Boto3Objects


@dataclass
class Measured:
    """One configuration's run."""

    client: str
    memory_mb: int | None
    summary: dict[str, Any]
    client_requests: int
    emulator: Counter[str]  # S3 requests the emulator served, by request_kind
    throttling: dict[str, int]

    @property
    def label(self) -> str:
        if self.memory_mb is None:
            return f"{self.client}, unlimited CPU"
        return f"{self.client}, {self.memory_mb} MB ({vcpus(self.memory_mb):.3f} vCPU)"

    @property
    def submissions(self) -> int:
        return int(self.summary["result"].get("submissionsScored", 0))

    @property
    def scoring_seconds(self) -> float:
        timings = self.summary["timings"]
        return float(timings.get("prepareSeconds", 0.0)) + float(timings.get("scoringSeconds", 0.0))

    @property
    def scoring_cpu_seconds(self) -> float:
        timings = self.summary["timings"]
        return float(timings.get("prepareCpuSeconds", 0.0)) + float(timings.get("scoringCpuSeconds", 0.0))

    @property
    def rate(self) -> float:
        return self.submissions / self.scoring_seconds if self.scoring_seconds > 0 else 0.0

    @property
    def cpu_per_1000(self) -> float:
        return 1000 * self.scoring_cpu_seconds / self.submissions if self.submissions else float("inf")

    @property
    def vcpus_used(self) -> float:
        return self.scoring_cpu_seconds / self.scoring_seconds if self.scoring_seconds > 0 else 0.0

    @property
    def client_per_submission(self) -> float:
        return self.client_requests / self.submissions if self.submissions else float("inf")

    @property
    def emulator_per_submission(self) -> float:
        return sum(self.emulator.values()) / self.submissions if self.submissions else float("inf")

    @property
    def with_ledger(self) -> float:
        """All in as a run that sends: plus one ledger batch per LEDGER_BATCH_SIZE emails (one email each)."""
        return self.emulator_per_submission + 1 / int(self.summary["ledgerBatch"])

    @property
    def meets_targets(self) -> bool:
        return self.rate >= TARGET_RATE and self.with_ledger <= TARGET_REQUESTS


class ClientComparison:
    def __init__(
        self,
        aws: LocalAws,
        workdir: Path,
        students: int,
        tests: int,
        memories: list[int | None],
        clients: list[str],
        code_revision: str = "",
    ) -> None:
        self.aws = aws
        self.workdir = workdir
        self.trail = S3Trail(aws)
        self.students, self.tests = student_ids(students), test_ids(tests)
        self.memories, self.clients = memories, clients
        self.code_revision = code_revision
        self.function_env: dict[str, str] = {}
        self.deployed_memory = 0

    def run(self) -> list[Measured]:
        with CpuGroup(f"tt-bench-{os.getpid()}-probe", 256):
            pass  # fail before the deploy, not after it, where the CPU cannot be limited
        _step(f"deploying to a throwaway MiniStack on {self.aws.endpoint}")
        self.aws.run("deploy-api-gateway.sh")
        outputs = self.aws.outputs()
        bucket = outputs["DataBucketName"]
        function = client(self.aws, "lambda").get_function_configuration(FunctionName=outputs["ScorerFunctionName"])
        self.function_env = dict(function.get("Environment", {}).get("Variables", {}))
        self.deployed_memory = int(function.get("MemorySize", 0))
        s3 = client(self.aws, "s3", max_pool_connections=32)
        started = time.monotonic()
        count = seed(s3, bucket, self.students, self.tests, random.Random(20261123))
        _step(f"seeded {count} objects into {bucket} in {time.monotonic() - started:.0f} s")
        code = self.snapshot_code()
        measured = []
        for memory in self.memories:
            for object_client in self.clients:
                deleted = reset(s3, bucket, self.tests)
                label = "unlimited CPU" if memory is None else f"{memory} MB"
                _step(f"{object_client}, {label}: scoring (the previous run's {deleted} objects deleted)")
                measured.append(self._measure(object_client, memory, code))
                _step(f"    {measured[-1].rate:.0f} submissions/s, {measured[-1].cpu_per_1000:.1f} CPU s per 1,000")
        return measured

    def snapshot_code(self) -> Path:
        """One copy of lambda_src/ for every run: the working tree's, or that of the git revision ``code_revision``
        (read with ``git archive``, which changes nothing in the repository)."""
        target = self.workdir / "code"
        if not self.code_revision:
            shutil.copytree(ROOT / "lambda_src", target / "lambda_src", ignore=shutil.ignore_patterns("__pycache__"))
            return target / "lambda_src"
        target.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", self.code_revision, "lambda_src"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        return target / "lambda_src"

    def _measure(self, object_client: str, memory: int | None, code: Path) -> Measured:
        name = f"tt-bench-{os.getpid()}-{object_client}-{'unlimited' if memory is None else memory}"
        output = self.workdir / f"{name}.json"
        config = {
            "procsFile": "",
            "lambdaSrc": str(code),
            "client": object_client,
            "asOf": datetime.now(UTC).isoformat(timespec="seconds"),
            "output": str(output),
        }
        with CpuGroup(name, memory) as group:
            config["procsFile"] = group.procs_file
            config_file = self.workdir / f"{name}.config.json"
            config_file.write_text(json.dumps(config))
            self.trail.switch(True)
            window_start = time.time()
            try:
                proc = subprocess.run(
                    [sys.executable, str(CHILD), str(config_file)],
                    env=self._child_env(),
                    cwd=self.workdir,
                    text=True,
                    capture_output=True,
                    timeout=CHILD_TIMEOUT_S,
                )
            finally:
                window_end = time.time()
                self.trail.switch(False)
            throttling = group.throttling()
        if proc.returncode != 0:
            raise RuntimeError(f"the scorer run {name} failed:\n{proc.stderr[-4000:]}")
        summary = json.loads(output.read_text())
        expected = len(self.students) * len(self.tests)
        result = summary["result"]
        if result.get("submissionsScored") != expected or result.get("scoresWritten") != expected:
            raise RuntimeError(
                f"the run did not do the full work ({expected} submissions): {json.dumps(result)[:2000]}"
            )
        if memory is not None and throttling.get("nr_periods", 0) == 0:
            raise RuntimeError(f"the cpu cgroup {name} saw no CPU use: the scorer did not run inside it")
        emulator: Counter[str] = Counter()
        for event in self.trail.events(window_start, window_end):
            keys = [r["ResourceName"] for r in event.get("Resources", []) if r.get("ResourceType") == "AWS::S3::Object"]
            emulator[request_kind(keys[0]) if keys else "test/run"] += 1
        return Measured(object_client, memory, summary, int(summary["clientRequests"]), emulator, throttling)

    def _child_env(self) -> dict[str, str]:
        """The deployed function's variables, the emulator's endpoint and credentials; no profile of this machine."""
        env = {"PATH": os.environ["PATH"], "LANG": os.environ.get("LANG", "C.UTF-8")}
        env.update(self.function_env)
        env.update(
            AWS_ENDPOINT_URL=self.aws.endpoint,
            AWS_ACCESS_KEY_ID="LOCALEMULATORKEY",
            AWS_SECRET_ACCESS_KEY="local-emulator-secret",
            AWS_REGION=self.aws.region,
            AWS_DEFAULT_REGION=self.aws.region,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        return env


def cpu_per_submission(measured: list[Measured], client: str) -> float | None:
    """CPU seconds one submission costs with ``client``: the median over its configurations."""
    values = sorted(m.scoring_cpu_seconds / m.submissions for m in measured if m.client == client and m.submissions)
    return values[len(values) // 2] if values else None


def needed_vcpus(cpu_seconds: float) -> float:
    """The CPU the target rate needs when CPU bounds it (S3 keeping up with READ_CONCURRENCY requests in flight)."""
    return TARGET_RATE * cpu_seconds


def ceiling_line(measured: list[Measured]) -> str:
    parts = []
    for name in CLIENTS:
        cpu = cpu_per_submission(measured, name)
        if cpu is None:
            continue
        vcpu = needed_vcpus(cpu)
        where = (
            f"a {vcpu * ONE_VCPU_MB:,.0f} MB function"
            if vcpu <= ONE_PROCESS_VCPUS
            else "more than one Python process can use (its threads run Python code one at a time)"
        )
        parts.append(f"{name} {1000 * cpu:.2f} ms, so {TARGET_RATE:g}/s needs {vcpu:.2f} vCPU: {where}")
    return "  CPU-bound ceiling (CPU per submission, median of the client's runs): " + "; ".join(parts)


def verdict(measured: list[Measured]) -> str:
    """Which client the figures say to keep: the package's own (boto3) unless, on Lambda-sized CPU, the lean one
    meets the targets where boto3 does not, or only the lean one can meet them at all (CPU-bound ceiling)."""
    by = {(m.client, m.memory_mb): m for m in measured}
    sized = sorted({m.memory_mb for m in measured if m.memory_mb is not None})
    pairs = [(by[("lean", mb)], by[("boto3", mb)]) for mb in sized if ("lean", mb) in by and ("boto3", mb) in by]
    lean_cpu, boto_cpu = cpu_per_submission(measured, "lean"), cpu_per_submission(measured, "boto3")
    if not pairs or lean_cpu is None or boto_cpu is None:
        return "verdict: none (both clients must be measured with a Lambda-sized CPU)"
    gains = "; ".join(
        f"{lean.memory_mb} MB: {lean.rate / boto.rate:.2f}x the submissions/s ({lean.rate:.0f} vs {boto.rate:.0f})"
        for lean, boto in pairs
    )
    by_how_much = f"{boto_cpu / lean_cpu:.2f}x less CPU per submission; {gains}"
    only_lean = [lean.memory_mb for lean, boto in pairs if lean.meets_targets and not boto.meets_targets]
    if only_lean:
        sizes = ", ".join(f"{mb} MB" for mb in only_lean)
        return f"verdict: keep the lean client - only it meets the targets at {sizes}; {by_how_much}"
    if any(boto.meets_targets for _, boto in pairs):
        return (
            f"verdict: keep boto3 (one HTTP stack) - it meets the targets wherever the lean client does; {by_how_much}"
        )
    lean_need, boto_need = needed_vcpus(lean_cpu), needed_vcpus(boto_cpu)
    if boto_need <= ONE_PROCESS_VCPUS:
        return (
            f"verdict: keep boto3 (one HTTP stack) - neither client meets the targets at the sizes measured, and "
            f"boto3 can with {boto_need * ONE_VCPU_MB:,.0f} MB (lean: {lean_need * ONE_VCPU_MB:,.0f} MB); {by_how_much}"
        )
    if lean_need <= ONE_PROCESS_VCPUS:
        return (
            f"verdict: keep the lean client - boto3 cannot reach {TARGET_RATE:g}/s in one process at any memory size "
            f"(it needs {boto_need:.2f} vCPU), the lean client can with {lean_need * ONE_VCPU_MB:,.0f} MB; "
            f"{by_how_much}"
        )
    return (
        f"verdict: keep the lean client, the closer one - neither reaches {TARGET_RATE:g}/s in one process "
        f"(lean needs {lean_need:.2f} vCPU, boto3 {boto_need:.2f}): the scoring must be spread; {by_how_much}"
    )


def report(measured: list[Measured], students: int, tests: int, deployed_memory: int) -> list[str]:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    header = (
        f"{'configuration':<31} {'subs/s':>7} {'CPU s/1000':>10} {'vCPU used':>9} {'req/sub client':>14} "
        f"{'emulator':>8} {'+ledger':>7} {'throttled':>9} {'targets':>7}"
    )
    lines = [
        "",
        f"Scorer S3 clients: {students} students x {tests} tests = {students * tests} submissions per configuration"
        + ("" if (students, tests) == (1000, 10) else " (the issue's size is --students 1000 --tests 10)"),
        f"  scoring only (prepare + read every submission + write every score.json); sending left out. Machine: "
        f"{os.cpu_count()} cores shared with the emulator and everything else; load average now {load}. "
        f"The deployed scorer has {deployed_memory} MB.",
        "",
        header,
        "-" * len(header),
    ]
    for m in measured:
        periods = m.throttling.get("nr_periods", 0)
        throttled = f"{m.throttling.get('nr_throttled', 0) / periods:.0%}" if periods else "-"
        lines.append(
            f"{m.label:<31} {m.rate:>7.0f} {m.cpu_per_1000:>10.2f} {m.vcpus_used:>9.2f} "
            f"{m.client_per_submission:>14.3f} {m.emulator_per_submission:>8.3f} {m.with_ledger:>7.3f} {throttled:>9} "
            f"{'MET' if m.meets_targets else 'NOT MET':>7}"
        )
    lines += [
        "",
        f"  targets: >= {TARGET_RATE:g} submissions/s (10 x the 2019 scorer's 15/s); <= {TARGET_REQUESTS:g} S3 "
        "requests per submission all in ('+ledger': the emulator's count plus the one email-ledger batch per "
        "LEDGER_BATCH_SIZE emails a sending run adds).",
        "  subs/s: submissions scored / (prepareSeconds + scoringSeconds); CPU s/1000: the scorer process's CPU "
        "(all threads) in those phases per 1,000 submissions; vCPU used: that CPU / those phases' wall time; "
        "throttled: share of CFS periods the cgroup was throttled in.",
        ceiling_line(measured),
        "",
        verdict(measured),
    ]
    return lines


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)

"""Deploy speed on the embedded AWS: the cold deploy, the everyday redeploy with nothing changed (the up-to-date
shortcut, if the deploy still has one) and the whole playbook with nothing to do (``--force``).

    bench/deploy.sh [--runs N]      (N runs of each no-op kind, default 2; the median is reported)

Target (issue 17, point 4): the playbook with nothing to do takes at most a third of the cold deploy. Two cold
deploys are timed: the trainer's first one, with nothing running (the deploy starts the embedded AWS itself, then
creates everything), and one into an embedded AWS already running and empty. The no-op playbook is timed twice too:
the whole command, and ansible-playbook's run alone (from its start to its exit, as the deploy records it in
build/<target>/deploy-events.jsonl). Both ratios are printed, each with its verdict.

Its own throwaway embedded AWS on a free loopback port and its own build folder, so the trainer's .local/ and
build/ are left alone; every run is the trainer's command, ./deploy-api-gateway.sh, timed from start to exit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1 / 3
RECAP = re.compile(r"^localhost\s*:\s*ok=\d+\s+changed=(\d+)", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    seconds: float
    output: str  # the command's stdout and stderr, then the playbook's log if it wrote one during the run
    played: bool  # the playbook ran (a PLAY RECAP in the output or in a log written during the run)
    changed: int | None  # the recap's changed=, when it ran
    playbook_seconds: float | None  # ansible-playbook's own run, from start to exit, when it ran


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def deploy(env: dict[str, str], log: Path, *options: str) -> Run:
    started = time.time()
    begin = time.monotonic()
    proc = subprocess.run([str(ROOT / "deploy-api-gateway.sh"), *options], env=env, text=True, capture_output=True)
    seconds = time.monotonic() - begin
    output = proc.stdout + proc.stderr
    if log.is_file() and log.stat().st_mtime >= started:  # the deploy command writes Ansible's output there
        output += "\n" + log.read_text(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"the deploy {' '.join(options)} failed (exit {proc.returncode}):\n{output[-4000:]}")
    recaps = RECAP.findall(output)
    return Run(seconds, output, bool(recaps), int(recaps[-1]) if recaps else None, playbook_seconds(log, started))


def playbook_seconds(log: Path, started: float) -> float | None:
    """The playbook's time, from the exit record the deploy appends to its events file (ops/deploy_progress.py)."""
    events = log.with_name("deploy-events.jsonl")
    if not events.is_file() or events.stat().st_mtime < started:
        return None
    for line in reversed(events.read_text(errors="replace").splitlines()):
        record = json.loads(line) if line.startswith("{") else {}
        if record.get("event") == "exit":
            return float(record["seconds"])
    return None


def median(runs: Sequence[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/deploy.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="runs of each no-op kind (default 2; the median counts)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as work:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "TT_"))}
        env.update(
            LOCAL_AWS_PORT=str(free_port()),
            LOCAL_AWS_STATE_DIR=f"{work}/ministack",
            TT_BUILD_ROOT=f"{work}/build",
            PORTAL_AUTOSTART="0",
        )
        log = Path(work, "build", "local", "deploy.log")
        local_aws = str(ROOT / "bin" / "local-aws.sh")
        try:
            first = deploy(env, log)  # nothing running: the deploy starts the embedded AWS itself
            everyday = [deploy(env, log) for _ in range(args.runs)]
            forced = [deploy(env, log, "--force") for _ in range(args.runs)]
            subprocess.run([local_aws, "reset"], env=env, check=True, capture_output=True)
            subprocess.run([local_aws, "start"], env=env, check=True, capture_output=True)
            cold = deploy(env, log)  # into a running, empty embedded AWS
        finally:
            subprocess.run([local_aws, "stop"], env=env, capture_output=True)
    for run in forced:
        if run.changed != 0:
            sys.exit(f"a forced redeploy with nothing to do reported changed={run.changed}:\n{run.output[-4000:]}")
        if run.playbook_seconds is None:
            sys.exit(f"a forced redeploy left no exit record in deploy-events.jsonl:\n{run.output[-4000:]}")
    shortcut = not any(run.played for run in everyday)
    playbook = statistics.median(run.playbook_seconds or 0.0 for run in forced)
    how = "the up-to-date shortcut, no playbook" if shortcut else "the playbook ran: there is no shortcut"
    print(f"cold deploy, nothing running:      {first.seconds:6.1f} s   (starts the embedded AWS too)")
    print(f"cold deploy, embedded AWS running: {cold.seconds:6.1f} s   (an empty one)")
    print(f"no-op redeploy:                    {median(everyday):6.1f} s   (median of {args.runs}; {how})")
    print(f"no-op playbook (--force):          {median(forced):6.1f} s   (median of {args.runs}; changed=0)")
    print(f"  of which ansible-playbook:       {playbook:6.1f} s   (from its start to its exit)")
    for label, ratio in (
        ("ansible-playbook no-op / cold deploy, nothing running", playbook / first.seconds),
        ("no-op command / cold deploy, embedded AWS running", median(forced) / cold.seconds),
    ):
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"ratio {label}: {ratio:4.2f}  (target <= {TARGET:.2f}: {verdict})")
    print(f"ratio no-op redeploy / cold deploy, embedded AWS running: {median(everyday) / cold.seconds:4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

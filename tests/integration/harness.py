"""Drive the real scripts against a throwaway embedded AWS: a MiniStack on a free loopback port, with its
state and the build output in a temporary folder, so a test never touches the trainer's .local/ or build/."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import yaml

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalAws:
    """One throwaway MiniStack, and the environment that points scripts and boto3 at it."""

    workdir: Path
    port: int = field(default_factory=free_port)
    portal_port: int = field(default_factory=free_port)
    region: str = "eu-central-1"
    deploy_output: str = ""  # what the first deploy printed (tests/support/throwaway_aws.py)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def build_dir(self) -> Path:
        return self.workdir / "build" / "local"

    def playbook_env(self) -> dict[str, str]:
        """What ops.target.enter would export for this emulator: for running one playbook
        straight, without the trainer scripts around it."""
        return self.env(
            TT_TARGET="local",
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="LOCALEMULATORKEY",
            AWS_SECRET_ACCESS_KEY="local-emulator-secret",
            AWS_REGION=self.region,
            TT_BUILD_DIR=str(self.build_dir),
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            PATH=os.environ["PATH"],
        )

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a trainer's shell, for this emulator; scripts select the target themselves."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
        env.update(
            LOCAL_AWS_PORT=str(self.port),
            LOCAL_AWS_STATE_DIR=str(self.workdir / "ministack"),
            TT_BUILD_ROOT=str(self.workdir / "build"),
            TRAININGS_CONFIG=str(self.workdir / "trainings-config"),
            PORTAL_PORT=str(self.portal_port),
            PORTAL_STATE_DIR=str(self.workdir / "portal"),
            ANSIBLE_NOCOLOR="1",
            # The embedded AWS fires schedules for real: a quarter-hourly scorer run in the middle of a test would
            # score and email behind its back. Tests run the scorer themselves (bin/score-now.sh).
            TT_SCORER_SCHEDULE_STATE="DISABLED",
            # Each publication that replaces what the API functions cache waits the cache's lifetime out (15 s by
            # default): a few seconds here keep that wait, and what it proves, at a fifth of the time.
            TT_API_CACHE_TTL_SECONDS="3",
        )
        env.update(extra)
        return env

    def run(
        self, *argv: str, check: bool = True, input: str | None = None, timeout: int = 900, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run a project script (path relative to the repo root) and capture its output."""
        proc = subprocess.run(
            [str(ROOT / argv[0]), *argv[1:]],
            cwd=ROOT,
            env=self.env(**extra_env),
            text=True,
            capture_output=True,
            input=input,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-6000:]}"
                f"\n--- stderr\n{proc.stderr[-3000:]}"
            )
        return proc

    def start(self) -> None:
        self.run("bin/local-aws.sh", "start")

    def stop(self) -> None:
        if (ROOT / "bin" / "portal.sh").exists():
            self.run("bin/portal.sh", "stop", check=False)
        self.run("bin/local-aws.sh", "stop", check=False)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="LOCALEMULATORKEY",
            aws_secret_access_key="local-emulator-secret",
        )

    def outputs(self) -> dict[str, str]:
        return json.loads((self.build_dir / "stack-outputs.json").read_text())

    def deploy_log(self) -> str:
        """Ansible's whole output of the last deploy that ran the playbook (the terminal shows only progress)."""
        return (self.build_dir / "deploy.log").read_text()


def play_recap(output: str) -> dict[str, int]:
    """The counters of Ansible's PLAY RECAP line for localhost (ok, changed, failed, ...): of a playbook's own
    output, or of a deploy's log (``LocalAws.deploy_log()``)."""
    for line in output.splitlines():
        if line.startswith("localhost") and "changed=" in line:
            return {k: int(v) for k, v in (part.split("=") for part in line.split(":", 1)[1].split())}
    raise AssertionError(f"no PLAY RECAP in output:\n{output[-3000:]}")


def api_key(aws: LocalAws, owner: str) -> str:
    """The API key value of a student id (or "trainer"), as API Gateway holds it."""
    items = aws.client("apigateway").get_api_keys(nameQuery=f"testtime-{owner}", includeValues=True)["items"]
    matches = [item["value"] for item in items if item["name"] == f"testtime-{owner}"]
    assert matches, f"no API key for {owner}"
    return matches[0]


def wait_until_listed(aws: LocalAws, student: str, subject: str, test_id: str, timeout: float = 90) -> None:
    """Wait until the API lists a just-published test for a student.

    Each warm function keeps the catalog for CACHE_TTL_SECONDS (15 s), so a test published a moment ago shows up
    in POST /api/v1/tests within that time, not at once.
    """
    key = api_key(aws, student)
    deadline = time.monotonic() + timeout
    while True:
        request = urllib.request.Request(
            aws.outputs()["ApiUrl"] + "/api/v1/tests", data=b"{}", method="POST", headers={"x-api-key": key}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                listed = json.loads(response.read())
            if any(
                group["subjectName"] == subject and test["testId"] == test_id
                for group in listed["subjects"]
                for test in group["tests"]
            ):
                return
        except urllib.error.HTTPError:
            pass  # a student published a moment ago: the class list is being refreshed
        if time.monotonic() > deadline:
            raise AssertionError(f"{subject}/{test_id} was not listed for {student} within {timeout:.0f} s")
        time.sleep(1)


def copy_sample_content(dest: Path, open_for: timedelta = timedelta(days=7)) -> Path:
    """content/ copied whole to ``dest`` (publishing replaces everything), every test without a ``due`` given one
    ``open_for`` from now. Its default deadline, the Monday 23:00 after the session first published it, may fall
    while a module runs; an explicit ``due`` wins while the copy is published, and publishing content/ again
    restores the default (ops/content/catalog.py)."""
    shutil.copytree(ROOT / "content", dest)
    due = (datetime.now(UTC) + open_for).replace(microsecond=0).isoformat()
    for path in sorted((dest / "subjects").rglob("*.yml")):
        if path.name == "subject.yml":  # a subject's display title, not a test
            continue
        text = path.read_text(encoding="utf-8")
        if "due" not in (yaml.safe_load(text) or {}):
            first_key = re.search(r"^[A-Za-z_]+:", text, re.MULTILINE)
            at = first_key.start() if first_key else len(text)
            path.write_text(f"{text[:at]}due: {due}\n{text[at:]}", encoding="utf-8")
    return dest

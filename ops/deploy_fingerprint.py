"""The deploy's up-to-date check: skip the playbook when nothing that could shape the deployment changed.

A no-op playbook run still costs its fixed price (Ansible's start and some forty tasks: about 4 s on the
embedded AWS, where a cold deploy takes about 6; bench/deploy.sh prints both). So after every successful deploy
the command records a fingerprint, and the next deploy compares. What it covers is found mechanically, not
listed by hand:

* files: every file of the repository except those under ``NOT_READ``, the few places the deploy never reads
  (the tests, the benchmarks, the docs, the trainer's content, which the publisher reads, the student's client).
  The list says what is left out, not what counts: a new file anywhere else counts at once, and an entry
  forgotten here costs one needless playbook run, never a change that silently does not deploy;
* settings: every environment variable that the files covered read (their Ansible ``env`` lookups and Python
  ``os.environ`` / ``getenv`` reads, found by scanning them), the target's (``TARGET_ENVIRONMENT``: boto3 reads
  those without naming them), and the command line's extra variables.

When the fingerprint matches, it also checks with AWS that every stack is still in a ``*_COMPLETE`` state and
the Lambda package is there, so a stack deleted or failed behind our back deploys again; ``--force`` always runs
the playbook, which is idempotent in its own right (a second run reports changed=0).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ops.i18n import TRAINER
from ops.source_tree import SKIP_DIRS, digest

_ = TRAINER.gettext

ROOT = Path(__file__).resolve().parent.parent
# Never read by the deploy (see above); and what is no part of the repository: git's, the venv, local state, output.
NOT_READ = ("tests", "bench", "docs", "content", "bin/test_time", "bin/test_time_client.py", "bin/test-time.sh")
NOT_THE_REPOSITORY = frozenset({".git", ".venv", ".local", "build", "node_modules", *SKIP_DIRS})
NOT_READ_SUFFIXES = (".md",)
TARGET_ENVIRONMENT = ("TT_TARGET", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")
# How a covered file reads the environment: Ansible's env lookup, Python's os.environ and getenv.
_READS = re.compile(
    r"""lookup\(\s*['"](?:ansible\.builtin\.)?env['"]\s*,\s*['"]([A-Z][A-Z0-9_]*)['"]"""
    r"""|environ(?:\.get)?\s*[\[(]\s*['"]([A-Z][A-Z0-9_]*)['"]"""
    r"""|getenv\(\s*['"]([A-Z][A-Z0-9_]*)['"]"""
)
_SCANNED_SUFFIXES = (".py", ".yml", ".yaml", ".j2", ".cfg", ".sh")
# A secret's value is never written down, not even hashed into the record (a weak one could be guessed back).
_SECRET = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$")


def input_files(root: Path = ROOT) -> list[Path]:
    """Every file the deploy may read: the repository but for NOT_READ, sorted."""
    left_out = {root / name for name in NOT_READ}
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in NOT_THE_REPOSITORY and here / d not in left_out)
        found += [here / name for name in names
                  if here / name not in left_out and not name.endswith((*NOT_READ_SUFFIXES, ".pyc"))]  # fmt: skip
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def environment_read_by(files: Iterable[Path]) -> list[str]:
    """The environment variables the files read, by name."""
    names: set[str] = set()
    for path in files:
        if path.suffix in _SCANNED_SUFFIXES:
            for match in _READS.finditer(path.read_text(encoding="utf-8", errors="replace")):
                names.add(next(group for group in match.groups() if group))
    return sorted(name for name in names | set(TARGET_ENVIRONMENT) if not _SECRET.search(name))


def compute(extra: Sequence[str], root: Path = ROOT) -> str:
    files = input_files(root)
    settings = [f"{name}={os.environ.get(name, '')}" for name in environment_read_by(files)]
    return digest(files, root=root, extra=[*settings, *(f"extra={item}" for item in extra)])


def stale_reason(fingerprint: str, state_file: Path) -> str | None:
    """None when the recorded deployment is current and still there; else why a deploy is needed."""
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return _("no record of a previous deploy")
    if state.get("fingerprint") != fingerprint:
        return _("the deployment's files or settings changed")
    if not Path(state.get("outputs", "")).is_file():
        return _("the stack outputs file is missing")
    try:
        cfn = boto3.client("cloudformation")
        for name in state["stacks"]:
            status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            if not status.endswith("_COMPLETE") or "ROLLBACK" in status or status.startswith("DELETE"):
                return _("stack {name} is {status}", name=name, status=status)
        s3 = boto3.client("s3")
        s3.head_object(Bucket=state["artifacts_bucket"], Key=state["lambda_package_key"])
    except (ClientError, BotoCoreError, KeyError) as error:
        return _("the recorded deployment is not all there ({error})", error=type(error).__name__)
    return None


def save(fingerprint: str, state_file: Path, outputs_file: Path) -> None:
    outputs = json.loads(outputs_file.read_text())
    state = {
        "fingerprint": fingerprint,
        "outputs": str(outputs_file),
        "stacks": outputs["Stacks"],
        "artifacts_bucket": outputs["ArtifactsBucket"],
        "lambda_package_key": outputs["LambdaPackageKey"],
    }
    state_file.write_text(json.dumps(state, indent=2) + "\n")

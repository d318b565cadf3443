"""The deploy's up-to-date check: skip the playbook when nothing that could shape the deployment changed.

A no-op playbook run still costs its fixed price (Ansible's start and some forty tasks: about 4 s on the
embedded AWS, where a cold deploy takes about 6; bench/deploy.sh prints both). So after every successful deploy
the command records a fingerprint, and the next deploy compares. What it covers is found mechanically, not
listed by hand:

* files: every file of the repository (tracked or not, less what .gitignore leaves out) except those under
  ``NOT_READ``, the few places the deploy never reads
  (the tests, the benchmarks, the docs, the trainer's content, which the publisher reads, the student's client).
  The list says what is left out, not what counts: a new file anywhere else counts at once, and an entry
  forgotten here costs one needless playbook run, never a change that silently does not deploy;
* settings: every environment variable the playbook may read (the Ansible ``env`` lookups of its files, and the
  ``os.environ`` / ``getenv`` reads of the Python it runs, found by following the imports of the plugins), the
  target's (``TARGET_ENVIRONMENT``: boto3 reads those without naming them), and the command line's extra
  variables.

When the fingerprint matches, it also checks with AWS that every stack is still in a ``*_COMPLETE`` state and
the Lambda package is there, so a stack deleted or failed behind our back deploys again; ``--force`` always runs
the playbook, which is idempotent in its own right (a second run reports changed=0).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
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
_ANSIBLE_SUFFIXES = (".yml", ".yaml", ".j2", ".cfg")
# The Python that runs inside ansible-playbook: the roles' plugins and modules, the filter and callback plugins.
PLAYBOOK_PYTHON = ("roles/", "action_plugins/", "library/", "filter_plugins/", "callback_plugins/")
# A secret's value is never written down, not even hashed into the record (a weak one could be guessed back).
_SECRET = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$")


def input_files(root: Path = ROOT) -> list[Path]:
    """Every file the deploy may read: the repository's files (git's tracked and untracked ones, less what
    .gitignore leaves out: caches, test output) but for NOT_READ, sorted. Without git, a walk of the folder."""
    left_out = tuple(f"{name}/" for name in NOT_READ)
    listed = _git_files(root)
    if listed is None:
        listed = [path.relative_to(root).as_posix() for path in _walk(root)]
    found = [root / name for name in listed
             if not (name.startswith(left_out) or name in NOT_READ or name.endswith((*NOT_READ_SUFFIXES, ".pyc")))
             and not set(name.split("/")) & NOT_THE_REPOSITORY and (root / name).is_file()]  # fmt: skip
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def _git_files(root: Path) -> list[str] | None:
    if not (root / ".git").exists():
        return None
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], capture_output=True, check=True, timeout=60).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted({name for name in listed.decode("utf-8", "surrogateescape").split("\0") if name})


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in NOT_THE_REPOSITORY)
        found += [Path(folder) / name for name in names]
    return found


def environment_read_by(files: Iterable[Path], root: Path = ROOT) -> list[str]:
    """The environment variables the playbook may read, by name: its files' Ansible ``env`` lookups, and the
    environment reads of the Python it runs (the roles' and plugins' own, and every ``ops`` module they import,
    followed import by import). The commands around the playbook (the deploy command, the local portal) read
    settings of their own that shape no stack, and are left out unless a plugin imports them."""
    names: set[str] = set()
    python: list[Path] = []
    for path in files:
        relative = path.relative_to(root).as_posix()
        if path.suffix == ".py" and relative.startswith(PLAYBOOK_PYTHON):
            python.append(path)
        elif path.suffix in _ANSIBLE_SUFFIXES:
            names |= _reads(path)
    for module in _imported_closure(python, root):
        names |= _reads(module)
    return sorted(name for name in names | set(TARGET_ENVIRONMENT) if not _SECRET.search(name))


def _reads(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return {next(group for group in match.groups() if group) for match in _READS.finditer(text)}


def _imported_closure(start: list[Path], root: Path) -> list[Path]:
    """The files and every project module they import (``ops.x``, ``from ops import x``, ``testtime.x``)."""
    seen: dict[Path, None] = {}
    todo = list(start)
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen[path] = None
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            for name in names:
                todo += _module_files(name, root)
    return list(seen)


def _module_files(name: str, root: Path) -> list[Path]:
    parts = name.split(".")
    if parts[0] not in ("ops", "testtime"):
        return []
    base = root / "lambda_src" if parts[0] == "testtime" else root
    module = base.joinpath(*parts)
    return [candidate for candidate in (module.with_suffix(".py"), module / "__init__.py") if candidate.is_file()]


def compute(extra: Sequence[str], root: Path = ROOT) -> str:
    files = input_files(root)
    settings = [f"{name}={os.environ.get(name, '')}" for name in environment_read_by(files, root)]
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

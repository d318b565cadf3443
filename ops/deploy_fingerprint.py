"""The deploy's up-to-date check: skip Ansible entirely when nothing that shapes the deployment changed.

A no-op ``ansible-playbook`` run costs about as much as a cold one on the embedded AWS (some fifty tasks, each
a fresh Python with boto3), although it changes nothing. So after every successful deploy the script records a
fingerprint of everything the deployment is made of: the files under the folders below, the command line's
extra variables, the target, region and endpoint. The next deploy computes it again; when it is the same, it
checks with AWS that every stack is still in a ``*_COMPLETE`` state, the artifacts bucket and the Lambda
package are there, and the stack outputs file exists, and then stops without a playbook run: no stack update,
no upload. Anything else (a changed file, a stack deleted or failed behind our back, ``--force``) runs the full
playbook, which is idempotent in its own right.

    python -m ops.deploy_fingerprint compute [--extra TEXT ...]     # prints the fingerprint
    python -m ops.deploy_fingerprint check FINGERPRINT STATE_FILE   # exit 0: up to date; 1: deploy (says why)
    python -m ops.deploy_fingerprint save FINGERPRINT STATE_FILE OUTPUTS_FILE
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ("ansible.cfg", "inventory.yml", "playbooks", "roles", "group_vars", "templates", "filter_plugins",
          "lambda_src", "ops", "portal", "requirements.txt", "constraints.txt")  # fmt: skip
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache"}
ENVIRONMENT = ("TT_TARGET", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE", "TT_SCORER_SCHEDULE_STATE")


def input_files(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for name in INPUTS:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and not (set(p.parts) & SKIP_PARTS)]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def compute(extra: Sequence[str], root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in input_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in ENVIRONMENT:
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    for item in extra:
        digest.update(f"extra={item}\0".encode())
    return digest.hexdigest()


def stale_reason(fingerprint: str, state_file: Path) -> str | None:
    """None when the recorded deployment is current and still there; else why a deploy is needed."""
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return "no record of a previous deploy"
    if state.get("fingerprint") != fingerprint:
        return "the deployment's files or settings changed"
    if not Path(state.get("outputs", "")).is_file():
        return "the stack outputs file is missing"
    try:
        cfn = boto3.client("cloudformation")
        for name in state["stacks"]:
            status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            if not status.endswith("_COMPLETE") or "ROLLBACK" in status or status.startswith("DELETE"):
                return f"stack {name} is {status}"
        s3 = boto3.client("s3")
        s3.head_object(Bucket=state["artifacts_bucket"], Key=state["lambda_package_key"])
    except (ClientError, BotoCoreError, KeyError) as error:
        return f"the recorded deployment is not all there ({type(error).__name__})"
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.deploy_fingerprint", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    compute_cmd = sub.add_parser("compute")
    compute_cmd.add_argument("--extra", action="append", default=[])
    check_cmd = sub.add_parser("check")
    check_cmd.add_argument("fingerprint")
    check_cmd.add_argument("state_file", type=Path)
    save_cmd = sub.add_parser("save")
    save_cmd.add_argument("fingerprint")
    save_cmd.add_argument("state_file", type=Path)
    save_cmd.add_argument("outputs_file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "compute":
        print(compute(args.extra))
    elif args.command == "check":
        reason = stale_reason(args.fingerprint, args.state_file)
        if reason:
            print(reason)
            return 1
    else:
        save(args.fingerprint, args.state_file, args.outputs_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())

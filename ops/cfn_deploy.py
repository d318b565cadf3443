"""One CloudFormation stack made as its rendered template says, in one process: what roles/cfn_stack's action
plugin (testtime_cfn_stack) runs, in place of five amazon.aws module runs (each a fresh Python with boto3).

Recover from a failed first create (a stack in ROLLBACK_COMPLETE cannot be updated: it is deleted and created
anew), upload the template under its content-hash key unless it is there, create or update the stack and wait
for it, protect it from deletion once it exists, and save its outputs. An update with nothing to change is the
one API call AWS answers with "No updates are to be performed": that is the everyday redeploy. With
``apply=False`` (check mode) it only looks the stack up: its state and outputs, for the preview.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ops.artifacts_bucket import settled

ABSENT = "ABSENT"
NO_UPDATES = "No updates are to be performed"
# The pauses between two looks at a stack in progress: quick first (the embedded AWS answers within a second),
# then every 5 s as amazon.aws.cloudformation does, so a long update on AWS costs no more calls than before.
PAUSES = (0.2, 0.3, 0.5, 1.0, 1.0, 2.0, 3.0)
LONG_PAUSE = 5.0
# Longer than any create or update of these stacks (the portal's ECS rollout is the slowest, minutes), short
# enough that a stack stuck by hand ends the deploy with a reason instead of a silent wait.
WAIT_LIMIT_SECONDS = 3 * 3600
# Neither holds resources: the remains of a failed first create, and a stack made by a CREATE change set that was
# never executed (REVIEW_IN_PROGRESS stays so until someone acts: AWS CloudFormation User Guide, "Stack status
# codes"). Both are deleted and created anew; a wait never waits on REVIEW_IN_PROGRESS.
EMPTY_STATES = ("ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS")


def preload(*services: str) -> None:
    """Load the services' botocore models into boto3's default session. The roles' action plugins call this when
    ansible-playbook's own process imports them: every worker it forks afterwards makes its clients from memory
    (about 0.15 s saved per task and client)."""
    for service in services:
        boto3.client(service, region_name="us-east-1")  # any region: only the models are kept


class StackFailed(Exception):
    """The stack ended in a failed or rolled-back state; the message says which."""


@dataclass
class StackResult:
    changed: bool
    status_before: str  # ABSENT when there was none (or only the remains of a failed first create)
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    action: str = "none"  # create, update or none


def describe(cfn: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(cfn.describe_stacks(StackName=name)["Stacks"][0])
    except ClientError as error:
        if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
            return None
        raise


def outputs_of(stack: Mapping[str, Any] | None) -> dict[str, str]:
    return {o["OutputKey"]: o.get("OutputValue", "") for o in (stack or {}).get("Outputs", [])}


def wait(
    cfn: Any, name: str, sleep: Callable[[float], None] = time.sleep, limit: float = WAIT_LIMIT_SECONDS
) -> dict[str, Any] | None:
    """Until the stack is in no *_IN_PROGRESS state (REVIEW_IN_PROGRESS counts as ended: it does not end by
    itself); None once a deleted stack is gone. StackFailed after ``limit`` seconds of waiting."""
    pauses, waited = iter(PAUSES), 0.0
    while True:
        stack = describe(cfn, name)
        status = stack["StackStatus"] if stack else ""
        if stack is None or not status.endswith("_IN_PROGRESS") or status == "REVIEW_IN_PROGRESS":
            return stack
        if waited >= limit:
            raise StackFailed(f"{name} is still {status} after {round(waited / 60)} minutes")
        pause = next(pauses, LONG_PAUSE)
        sleep(pause)
        waited += pause


def upload_unless_there(s3: Any, bucket: str, key: str, path: Path) -> bool:
    """Upload under the content-hash key unless that key exists (a key never changes content); True if sent."""
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return False
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) not in ("404", "NoSuchKey", "NotFound"):
            raise
    # The first upload to a bucket made moments ago: it may not be there for S3 yet (ops.artifacts_bucket.settled).
    settled(s3.put_object, Bucket=bucket, Key=key, Body=path.read_bytes(), ServerSideEncryption="AES256")
    return True


def stack_arguments(
    name: str, template_url: str, parameters: Mapping[str, Any], capabilities: Sequence[str], tags: Mapping[str, Any]
) -> dict[str, Any]:
    # str() as amazon.aws.cloudformation does, so a stack it deployed sees the very same values.
    return {
        "StackName": name,
        "TemplateURL": template_url,
        "Parameters": [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in parameters.items()],
        "Capabilities": list(capabilities),
        "Tags": [{"Key": str(k), "Value": str(v)} for k, v in tags.items()],
    }


def _check(stack: dict[str, Any] | None, name: str, action: str) -> dict[str, Any]:
    status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
    if stack is None or "ROLLBACK" in status or status.endswith("_FAILED"):
        raise StackFailed(f"Stack {action} failed: {name} is {status}")
    return stack


def deploy(
    cfn: Any,
    s3: Any,
    *,
    name: str,
    template_path: Path,
    template_key: str,
    bucket: str,
    template_url: str,
    parameters: Mapping[str, Any],
    capabilities: Sequence[str],
    tags: Mapping[str, Any],
    termination_protection: bool,
    apply: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> StackResult:
    stack = describe(cfn, name)
    if stack is not None and stack["StackStatus"].endswith("_IN_PROGRESS") and stack["StackStatus"] not in EMPTY_STATES:
        stack = wait(cfn, name, sleep)  # another run's operation: let it end first
    before = stack["StackStatus"] if stack else ABSENT
    if not apply:
        status = ABSENT if before in EMPTY_STATES else before
        return StackResult(False, status, status, outputs_of(stack if status != ABSENT else None))
    changed = False
    if before in EMPTY_STATES:
        cfn.delete_stack(StackName=name)
        remains = wait(cfn, name, sleep)
        if remains is not None and remains["StackStatus"] != "DELETE_COMPLETE":
            raise StackFailed(f"{name} could not be deleted to be created anew: it is {remains['StackStatus']}")
        stack, before, changed = None, ABSENT, True
    upload_unless_there(s3, bucket, template_key, template_path)
    arguments = stack_arguments(name, template_url, parameters, capabilities, tags)
    action = "none"
    if stack is None:
        cfn.create_stack(**arguments)
        stack, action, changed = _check(wait(cfn, name, sleep), name, "create"), "create", True
    else:
        try:
            cfn.update_stack(**arguments)
            stack, action, changed = _check(wait(cfn, name, sleep), name, "update"), "update", True
        except ClientError as error:
            if NO_UPDATES not in str(error.response.get("Error", {}).get("Message", "")):
                raise
    if termination_protection and not stack.get("EnableTerminationProtection"):
        cfn.update_termination_protection(StackName=name, EnableTerminationProtection=True)
        changed = True
    return StackResult(changed, before, stack["StackStatus"], outputs_of(stack), action)


def event_line(event: Mapping[str, Any]) -> str:
    """``ScorerFunction (AWS::Lambda::Function) CREATE_FAILED: <reason>`` from a stack event."""
    return (f"{event.get('LogicalResourceId', '')} ({event.get('ResourceType', '')}) "
            f"{event.get('ResourceStatus', '')}: {event.get('ResourceStatusReason', '')}")  # fmt: skip


def failing_resources(cfn: Any, name: str, shown: int = 10) -> list[str]:
    """The failed resource events of the stack's latest operation, newest first, at most ``shown``: what a failed
    create or update says of itself. DescribeStackEvents lists the newest first, a page at a time (a large stack's
    rollback can push its first failure past the first page); the operation began with the stack's own event whose
    reason is "User Initiated", so older failures (already dealt with) are left out and no older page is read."""
    lines: list[str] = []
    try:
        for page in cfn.get_paginator("describe_stack_events").paginate(StackName=name):
            for event in page["StackEvents"]:
                if event.get("ResourceStatusReason") == "User Initiated" and event.get("LogicalResourceId") == name:
                    return lines[:shown]
                if str(event.get("ResourceStatus", "")).endswith("FAILED") and event.get("ResourceStatusReason"):
                    lines.append(event_line(event))
    except ClientError:
        pass  # a stack gone meanwhile: the error that ended the deploy says enough
    return lines[:shown]


def save_outputs(outputs: Mapping[str, str], path: Path) -> bool:
    """Write the outputs as sorted JSON unless the file says so already; True if written."""
    text = json.dumps(dict(outputs), indent=4, sort_keys=True) + "\n"
    if path.is_file() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True

"""Remove Test Time from a target in one process: what roles/teardown's action plugins run, in place of the
amazon.aws module runs and ``python -m`` commands it made before (each a fresh Python importing boto3).

``find`` looks up what is deployed; ``plan`` (pure: no boto3) decides from that what a remove deletes and keeps and
words it; then one function per kind of deletion: ``remove_stack`` (called in dependency order: portal, service,
then data; termination protection off first; waited for until it is gone), ``delete_buckets`` (every object version
and delete marker first), ``find_log_groups``/``delete_log_groups`` and ``remove_local_files``. A thing gone
meanwhile is no error. The API keys and the SES identities go through ops.teardown_api_keys and ops.account_settings.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ops import account_settings, cfn_deploy, teardown_api_keys

# DeleteObjects takes at most 1000 keys (S3 API Reference, DeleteObjects); ListObjectVersions pages hold at most
# 1000 versions and delete markers together, so one page is one batch.
DELETE_BATCH = 1000
# DeleteBucket answers BucketNotEmpty when something wrote to the bucket after it was emptied (a function still
# running): emptied again, this many times in all.
EMPTY_ATTEMPTS = 3
GONE = ("NoSuchBucket", "NoSuchKey", "NoSuchVersion", "ResourceNotFoundException", "NotFoundException")


class RemoveFailed(Exception):
    """A stack or a bucket could not be removed; the message says which and why."""

    def __init__(self, message: str, failing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.failing = list(failing)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _gone(error: ClientError) -> bool:
    """A stack, bucket, log group or key that no longer exists (CloudFormation says so in words only)."""
    return _code(error) in GONE or "does not exist" in str(error.response.get("Error", {}).get("Message", ""))


# What is deployed, and what a remove does with it: plain data and functions, nothing of boto3.


@dataclass(frozen=True)
class Names:
    """What the deploy names, and what the remove is asked to do (playbooks/remove.yml's variables)."""

    project: str
    portal_stack: str
    service_stack: str
    data_stack: str
    artifacts_bucket: str
    log_groups: tuple[str, ...]  # every log group the project's functions, API and portal would have
    outputs_file: Path  # build/<target>/stack-outputs.json
    stack_outputs_dir: Path  # build/<target>/stacks
    purge: bool = False  # --purge-data: the data stack, its bucket, the API keys and the SES identities too
    manage_ses: bool = True
    ses_addresses: tuple[str, ...] = ()

    @property
    def stacks(self) -> list[str]:
        """The stacks a remove deletes, in dependency order: the portal uses the service, the service the data."""
        return [self.portal_stack, self.service_stack] + ([self.data_stack] if self.purge else [])


@dataclass(frozen=True)
class Resource:
    logical_id: str
    physical_id: str
    type: str


@dataclass(frozen=True)
class Stack:
    name: str
    status: str
    protected: bool = False
    resources: tuple[Resource, ...] = ()


@dataclass
class Found:
    """What the lookups found (``find`` fills it in against AWS; tests write it by hand)."""

    stacks: dict[str, Stack] = field(default_factory=dict)
    buckets: set[str] = field(default_factory=set)
    saved_data_bucket: str = ""  # the data stack's saved outputs name it once the stack is gone
    api_keys: list[str] = field(default_factory=list)
    ses_identities: list[str] = field(default_factory=list)
    log_groups: list[str] = field(default_factory=list)  # under the prefixes of log_group_candidates


@dataclass
class Plan:
    stacks: list[str]
    buckets: list[str]
    data_bucket: str
    api_keys: list[str]
    ses_identities: list[str]
    log_groups: list[str]
    log_group_candidates: list[str]
    stack_log_groups: list[str]
    local_files: list[str]
    lines: list[str]

    def facts(self) -> dict[str, Any]:
        return dict(self.__dict__)


def removed_stacks(names: Names, stacks: Mapping[str, Stack]) -> list[str]:
    return [name for name in names.stacks if name in stacks]


def declared_log_groups(stacks: Iterable[Stack]) -> list[str]:
    """The log groups the stacks declare, and those their functions write to (Lambda names them itself)."""
    resources = [r for stack in stacks for r in stack.resources if r.physical_id]
    return [r.physical_id for r in resources if r.type == "AWS::Logs::LogGroup"] + [
        "/aws/lambda/" + r.physical_id for r in resources if r.type == "AWS::Lambda::Function"
    ]


def log_group_candidates(names: Names, stacks: Mapping[str, Stack]) -> list[str]:
    declared = declared_log_groups(stacks[name] for name in removed_stacks(names, stacks))
    return list(dict.fromkeys([*names.log_groups, *declared]))


def log_group_prefixes(candidates: Iterable[str], project: str) -> list[str]:
    """One lookup per prefix such as /aws/lambda/<project>-: the shortest start of a name that ends with
    "<project>-" (a name without it is looked up by itself)."""
    pattern = re.compile(rf"^(.*?{re.escape(project)}-)")
    return list(dict.fromkeys((m.group(1) if (m := pattern.match(c)) else c) for c in candidates if c))


def matching_log_groups(found: Iterable[str], candidates: Sequence[str]) -> list[str]:
    """The lookup is by prefix: only the project's exact names are kept."""
    wanted = set(candidates)
    return list(dict.fromkeys(name for name in found if name in wanted))


def data_bucket(names: Names, found: Found) -> str:
    return data_bucket_of(found.stacks.get(names.data_stack), found.saved_data_bucket)


def data_bucket_of(stack: Stack | None, saved: str) -> str:
    """The data bucket as the data stack names it; once the stack is gone, as its saved outputs did (``saved``)."""
    if stack is None:
        return saved
    return next((r.physical_id for r in stack.resources if r.logical_id == "DataBucket"), "")


def local_files(names: Names, exists: Callable[[Path], bool] = Path.is_file) -> list[str]:
    """The merged outputs, the last deploy's record, and the outputs file of each stack a remove deletes (the data
    stack's stays while the data stack does)."""
    paths = [names.outputs_file, names.outputs_file.parent / "last-deploy.json"]
    paths += [names.stack_outputs_dir / f"{stack}.json" for stack in names.stacks]
    return [str(path) for path in paths if exists(path)]


def plan(names: Names, found: Found, *, check: bool, exists: Callable[[Path], bool] = Path.is_file) -> Plan:
    stacks = removed_stacks(names, found.stacks)
    bucket = data_bucket(names, found)
    wanted = [names.artifacts_bucket] + ([bucket] if names.purge and bucket else [])
    buckets = [name for name in wanted if name in found.buckets]
    candidates = log_group_candidates(names, found.stacks)
    result = Plan(
        stacks=stacks,
        buckets=buckets,
        data_bucket=bucket,
        api_keys=list(found.api_keys) if names.purge else [],
        ses_identities=list(found.ses_identities) if names.purge else [],
        log_groups=matching_log_groups(found.log_groups, candidates),
        log_group_candidates=candidates,
        stack_log_groups=declared_log_groups(found.stacks[name] for name in stacks),
        local_files=local_files(names, exists),
        lines=[],
    )
    result.lines = preview_lines(names, found, result, check=check)
    return result


def preview_lines(names: Names, found: Found, plan: Plan, *, check: bool) -> list[str]:
    """ "Removing:" (in check mode "Would remove:") and what, or "Nothing to remove."; then what is kept."""
    removed = [f"stack {name}" for name in plan.stacks]
    if names.artifacts_bucket in plan.buckets:
        removed.append(f"bucket {names.artifacts_bucket} (Lambda packages and templates, every version)")
    if plan.data_bucket and plan.data_bucket in plan.buckets:
        removed.append(f"bucket {plan.data_bucket} (THE DATA: class list, tests, submissions, scores, every version)")
    if plan.api_keys:
        removed.append(f"{len(plan.api_keys)} API keys ({', '.join(plan.api_keys)})")
    if plan.ses_identities:
        removed.append(f"SES identities {', '.join(plan.ses_identities)} "
                       "(they must be verified again after a new deploy)")  # fmt: skip
    removed += [f"log group {name}" for name in plan.log_groups]
    removed += [f"local file {path}" for path in plan.local_files]
    lines = [("Would remove:" if check else "Removing:"), *removed] if removed else ["Nothing to remove."]
    if not names.purge and names.data_stack in found.stacks:
        lines.append(f"Kept: stack {names.data_stack}, its bucket {plan.data_bucket} (class list, tests, submissions,"
                     " scores) and the students' API keys. To serve them again: ./deploy-api-gateway.sh (it attaches"
                     " the kept keys to the new API). --purge-data deletes them.")  # fmt: skip
    if not names.purge and names.manage_ses:
        lines.append(f"Kept: the SES identities {', '.join(names.ses_addresses)} (still verified for the next"
                     " deploy; --purge-data deletes them).")  # fmt: skip
    lines.append("Kept: API Gateway's logging role and the ECS service-linked role (account-wide, other projects"
                 " may use them; never removed).")  # fmt: skip
    return lines


# The lookups and the deletions, on boto3 clients.


def find_stack(cfn: Any, name: str) -> Stack | None:
    """The stack and its resources; None when there is none (a deleted stack, by name, "does not exist")."""
    try:
        stack = cfn_deploy.describe(cfn, name)
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            return None
        pages = cfn.get_paginator("list_stack_resources").paginate(StackName=name)
        resources = tuple(
            Resource(str(r["LogicalResourceId"]), str(r.get("PhysicalResourceId") or ""), str(r["ResourceType"]))
            for page in pages
            for r in page.get("StackResourceSummaries", [])
        )
    except ClientError as error:
        if _gone(error):  # deleted between the two calls
            return None
        raise
    return Stack(name, str(stack["StackStatus"]), bool(stack.get("EnableTerminationProtection")), resources)


def existing_buckets(s3: Any) -> set[str]:
    return {b["Name"] for page in s3.get_paginator("list_buckets").paginate() for b in page.get("Buckets", [])}


def saved_data_bucket(path: Path) -> str:
    try:
        return str(json.loads(path.read_text()).get("DataBucketName", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def find_log_groups(logs: Any, candidates: Sequence[str], project: str) -> list[str]:
    """One DescribeLogGroups per prefix (paginated: 50 groups a page), only the candidates' exact names kept."""
    paginator = logs.get_paginator("describe_log_groups")
    found = [
        group["logGroupName"]
        for prefix in log_group_prefixes(candidates, project)
        for page in paginator.paginate(logGroupNamePrefix=prefix)
        for group in page.get("logGroups", [])
    ]
    return matching_log_groups(found, candidates)


def remove_stack(cfn: Any, name: str, *, sleep: Callable[[float], None] = time.sleep,
                 limit: float = cfn_deploy.WAIT_LIMIT_SECONDS) -> bool:  # fmt: skip
    """Delete the stack and wait until it is gone; False when it was gone already. RemoveFailed when the delete
    ends in any other state: DELETE_FAILED, or back in a *_COMPLETE state (an export another stack imports stops
    a delete that way: boto/botocore#2590), or when the wait outlasts ``limit`` seconds."""
    try:
        return _remove_stack(cfn, name, sleep, limit)
    except cfn_deploy.StackFailed as error:
        raise RemoveFailed(f"Stop: could not remove {name}: {error}") from None


def _remove_stack(cfn: Any, name: str, sleep: Callable[[float], None], limit: float) -> bool:
    stack = cfn_deploy.describe(cfn, name)
    if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
        return False
    status = str(stack["StackStatus"])
    if status.endswith("_IN_PROGRESS") and status not in ("DELETE_IN_PROGRESS", *cfn_deploy.EMPTY_STATES):
        stack = cfn_deploy.wait(cfn, name, sleep, limit)  # another run's update: CloudFormation refuses a delete
        if stack is None:
            return False
    try:
        if stack.get("EnableTerminationProtection"):
            # Only the protection changes: no template, no parameters, no stack update.
            cfn.update_termination_protection(StackName=name, EnableTerminationProtection=False)
        # DeleteStack answers success for a stack that does not exist (aws/aws-cli#6302): gone meanwhile is fine.
        cfn.delete_stack(StackName=name)
    except ClientError as error:
        if _gone(error):
            return False
        raise
    remains = cfn_deploy.wait(cfn, name, sleep, limit)
    if remains is not None and remains["StackStatus"] != "DELETE_COMPLETE":
        failing = cfn_deploy.failing_resources(cfn, name)
        reason = remains.get("StackStatusReason")
        text = f"Stop: could not remove {name}: it is {remains['StackStatus']}" + (f" ({reason})" if reason else "")
        text += (". The failing resources and their reasons: " + "; ".join(failing)) if failing else "."
        raise RemoveFailed(text, failing)
    return True


def _version(entry: Mapping[str, Any]) -> dict[str, str]:
    # AWS names every version ("null" in a bucket never versioned); an emulator may leave it out.
    return {"Key": entry["Key"], **({"VersionId": entry["VersionId"]} if entry.get("VersionId") else {})}


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker; the number deleted. DeleteObjects answers 200 even when
    some keys could not be deleted: its Errors list says which."""
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        for start in range(0, len(entries), DELETE_BATCH):
            batch = [_version(entry) for entry in entries[start : start + DELETE_BATCH]]
            answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            errors = [e for e in answer.get("Errors", []) if e.get("Code") not in GONE]
            if errors:
                first = errors[0]
                example = f"{first.get('Key')}: {first.get('Code')} {first.get('Message', '')}".strip()
                raise RemoveFailed(f"Stop: could not empty the bucket {bucket}: {len(errors)} objects not deleted, "
                                   f"e.g. {example}")  # fmt: skip
            deleted += len(batch)
    return deleted


def delete_bucket(s3: Any, bucket: str, attempts: int = EMPTY_ATTEMPTS) -> bool:
    """Empty the bucket and delete it; False when it was gone already."""
    for attempt in range(1, attempts + 1):
        try:
            empty_bucket(s3, bucket)
            s3.delete_bucket(Bucket=bucket)
            return True
        except ClientError as error:
            if _code(error) == "NoSuchBucket":
                return False
            if _code(error) != "BucketNotEmpty" or attempt == attempts:
                raise
    return False  # not reached


def delete_buckets(s3: Any, buckets: Sequence[str]) -> list[str]:
    return [bucket for bucket in buckets if delete_bucket(s3, bucket)]


def delete_log_groups(logs: Any, names: Sequence[str]) -> list[str]:
    deleted = []
    for name in names:
        try:
            logs.delete_log_group(logGroupName=name)
            deleted.append(name)
        except ClientError as error:
            if not _gone(error):
                raise
    return deleted


def remove_local_files(paths: Sequence[str]) -> list[str]:
    removed = []
    for path in map(Path, paths):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(str(path))
    return removed


def find(names: Names, clients: Callable[[str], Any]) -> Found:
    """Everything a remove may delete that exists now. ``clients(service)`` makes the boto3 clients."""
    cfn = clients("cloudformation")
    found = Found()
    for name in (names.portal_stack, names.service_stack, names.data_stack):
        stack = find_stack(cfn, name)
        if stack is not None:
            found.stacks[name] = stack
    found.buckets = existing_buckets(clients("s3"))
    if names.data_stack not in found.stacks:
        found.saved_data_bucket = saved_data_bucket(names.stack_outputs_dir / f"{names.data_stack}.json")
    if names.purge:
        # The keys are no stack's (ops.apikeys makes them when publishing): studentsList.json identifies the
        # students by their digests, so they go only with the data; so do the SES identities.
        keys = teardown_api_keys.managed_keys(clients("apigateway"), names.project)
        found.api_keys = [key["name"] for key in keys]
        if names.manage_ses:
            outcome = account_settings.delete_email_identities(clients("ses"), names.ses_addresses, apply=False)
            found.ses_identities = list(outcome.details.get("deleted", []))
    candidates = log_group_candidates(names, found.stacks)
    found.log_groups = find_log_groups(clients("logs"), candidates, names.project)
    return found

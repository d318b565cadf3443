"""The artifacts bucket (Lambda zips, rendered templates) made as roles/artifacts_bucket describes it, in one
process: what its action plugin (testtime_artifacts_bucket) runs, in place of amazon.aws.s3_bucket and
community.aws.s3_lifecycle (two module runs, each a fresh Python with boto3).

Each property is read first and written only when it differs, so a second run changes nothing; with
``apply=False`` (check mode) nothing is written and the changes are only named."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
MISSING = ("NoSuchTagSet", "NoSuchBucketPolicy", "NoSuchLifecycleConfiguration", "NoSuchPublicAccessBlockConfiguration",
           "ServerSideEncryptionConfigurationNotFoundError")  # fmt: skip


@dataclass(frozen=True)
class Lifecycle:
    rule_id: str
    noncurrent_days: int
    incomplete_upload_days: int

    def rule(self) -> dict[str, Any]:
        # ExpiredObjectDeleteMarker may share a rule with NoncurrentVersionExpiration, not with Expiration
        # Days/Date (S3 API reference, LifecycleExpiration).
        return {
            "ID": self.rule_id,
            "Filter": {"Prefix": ""},
            "Status": "Enabled",
            "Expiration": {"ExpiredObjectDeleteMarker": True},
            "NoncurrentVersionExpiration": {"NoncurrentDays": self.noncurrent_days},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": self.incomplete_upload_days},
        }


@dataclass
class Outcome:
    changes: list[str] = field(default_factory=list)  # what was (or, in check mode, would be) set

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# A new bucket's configuration is eventually consistent: right after CreateBucket, S3 may still answer NoSuchBucket
# or OperationAborted ("A conflicting conditional operation is currently in progress") for a while (S3 User Guide,
# "Amazon S3 data consistency model"). botocore's retry modes retry neither, so these calls do, as
# amazon.aws.s3_bucket did (AWSRetry.jittered_backoff with catch_extra_error_codes of the two).
NOT_YET_CONSISTENT = ("NoSuchBucket", "OperationAborted")
RETRY_PAUSES = (1.0, 2.0, 4.0, 8.0, 15.0, 20.0, 20.0, 20.0, 20.0)


def settled(call: Any, sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> Any:
    """``call(**kwargs)``, again after a pause while S3 says the new bucket is not there yet or busy."""
    for pause in (*RETRY_PAUSES, None):
        try:
            return call(**kwargs)
        except ClientError as error:
            if _code(error) not in NOT_YET_CONSISTENT or pause is None:
                raise
            sleep(pause)
    raise AssertionError("unreachable")


def _read(call: Any, **kwargs: Any) -> Any:
    """A Get* call's answer, or None where S3 says the property is not set."""
    try:
        return settled(call, **kwargs)
    except ClientError as error:
        if _code(error) in MISSING:
            return None
        raise


def _sorted_lists(value: Any) -> Any:
    """A policy with every list sorted: S3 may hand the statement's lists back in another order than they were
    put (ansible/ansible#29341; amazon.aws compares policies with compare_policies for this)."""
    if isinstance(value, dict):
        return {key: _sorted_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted_lists(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def same_policy(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return bool(_sorted_lists(dict(found)) == _sorted_lists(dict(wanted)))


def _exists(s3: Any, name: str) -> bool:
    try:
        s3.head_bucket(Bucket=name)
        return True
    except ClientError as error:
        if _code(error) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise


def _same_rule(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    keys = ("Status", "Expiration", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload")
    prefix = found.get("Filter", {}).get("Prefix", found.get("Prefix", ""))
    return prefix == "" and all(found.get(key) == wanted[key] for key in keys)


def ensure(
    s3: Any,
    name: str,
    *,
    region: str,
    tags: Mapping[str, str],
    policy: Mapping[str, Any],
    lifecycle: Lifecycle,
    apply: bool = True,
) -> Outcome:
    outcome = Outcome()

    def change(what: str, call: Any, **kwargs: Any) -> None:
        outcome.changes.append(what)
        if apply:
            settled(call, Bucket=name, **kwargs)

    if not _exists(s3, name):
        if not apply:  # every property would be set on the new bucket
            return Outcome(["bucket", "encryption", "versioning", "public access block", "tags", "policy",
                            "lifecycle"])  # fmt: skip
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **where)
        s3.get_waiter("bucket_exists").wait(Bucket=name)
        outcome.changes.append("bucket")
    encryption = _read(s3.get_bucket_encryption, Bucket=name) or {}
    rules = encryption.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if [r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules] != ["AES256"]:
        default = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
        change("encryption", s3.put_bucket_encryption, ServerSideEncryptionConfiguration=default)
    if settled(s3.get_bucket_versioning, Bucket=name).get("Status") != "Enabled":
        change("versioning", s3.put_bucket_versioning, VersioningConfiguration={"Status": "Enabled"})
    block = (_read(s3.get_public_access_block, Bucket=name) or {}).get("PublicAccessBlockConfiguration")
    if block != PUBLIC_ACCESS_BLOCK:
        change("public access block", s3.put_public_access_block, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    found_tags = {t["Key"]: t["Value"] for t in (_read(s3.get_bucket_tagging, Bucket=name) or {}).get("TagSet", [])}
    wanted_tags = {str(k): str(v) for k, v in tags.items()}
    if found_tags != wanted_tags:
        tag_set = [{"Key": k, "Value": v} for k, v in sorted(wanted_tags.items())]
        change("tags", s3.put_bucket_tagging, Tagging={"TagSet": tag_set})
    found_policy = _read(s3.get_bucket_policy, Bucket=name)
    if found_policy is None or not same_policy(json.loads(found_policy["Policy"]), policy):
        change("policy", s3.put_bucket_policy, Policy=json.dumps(policy))
    found_rules = (_read(s3.get_bucket_lifecycle_configuration, Bucket=name) or {}).get("Rules", [])
    wanted_rule = lifecycle.rule()
    ours = [rule for rule in found_rules if rule.get("ID") == lifecycle.rule_id]
    if len(ours) != 1 or not _same_rule(ours[0], wanted_rule):
        others = [rule for rule in found_rules if rule.get("ID") != lifecycle.rule_id]
        configuration = {"Rules": [*others, wanted_rule]}
        change("lifecycle", s3.put_bucket_lifecycle_configuration, LifecycleConfiguration=configuration)
    return outcome

"""The artifacts bucket (Lambda zips, rendered templates) made as roles/artifacts_bucket describes it, in one
process: what its action plugin (testtime_artifacts_bucket) runs, in place of amazon.aws.s3_bucket and
community.aws.s3_lifecycle (two module runs, each a fresh Python with boto3).

Each property is read first and written only when it differs, so a second run changes nothing; with
``apply=False`` (check mode) nothing is written and the changes are only named."""

from __future__ import annotations

import json
from collections.abc import Mapping
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


def _read(call: Any, **kwargs: Any) -> Any:
    """A Get* call's answer, or None where S3 says the property is not set."""
    try:
        return call(**kwargs)
    except ClientError as error:
        if _code(error) in MISSING:
            return None
        raise


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
            call(Bucket=name, **kwargs)

    if not _exists(s3, name):
        if not apply:  # every property would be set on the new bucket
            return Outcome(["bucket", "encryption", "versioning", "public access block", "tags", "policy",
                            "lifecycle"])  # fmt: skip
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **where)
        outcome.changes.append("bucket")
    encryption = _read(s3.get_bucket_encryption, Bucket=name) or {}
    rules = encryption.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if [r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules] != ["AES256"]:
        default = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
        change("encryption", s3.put_bucket_encryption, ServerSideEncryptionConfiguration=default)
    if s3.get_bucket_versioning(Bucket=name).get("Status") != "Enabled":
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
    if found_policy is None or json.loads(found_policy["Policy"]) != policy:
        change("policy", s3.put_bucket_policy, Policy=json.dumps(policy))
    found_rules = (_read(s3.get_bucket_lifecycle_configuration, Bucket=name) or {}).get("Rules", [])
    wanted_rule = lifecycle.rule()
    ours = [rule for rule in found_rules if rule.get("ID") == lifecycle.rule_id]
    if len(ours) != 1 or not _same_rule(ours[0], wanted_rule):
        others = [rule for rule in found_rules if rule.get("ID") != lifecycle.rule_id]
        configuration = {"Rules": [*others, wanted_rule]}
        change("lifecycle", s3.put_bucket_lifecycle_configuration, LifecycleConfiguration=configuration)
    return outcome

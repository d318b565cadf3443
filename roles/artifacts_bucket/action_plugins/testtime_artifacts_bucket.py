"""Action plugin: the artifacts bucket with every property roles/artifacts_bucket names (ops/artifacts_bucket.py),
in Ansible's worker process: one process in place of amazon.aws.s3_bucket's and community.aws.s3_lifecycle's."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import artifacts_bucket, aws_clients, cfn_deploy
from ops.ansible_action import ProjectAction

cfn_deploy.preload("s3")

ARGS = ("name", "region", "tags", "policy", "rule_id", "noncurrent_version_expiration_days",
        "abort_incomplete_multipart_upload_days")  # fmt: skip


class ActionModule(ProjectAction):
    ARGS = ARGS

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        policy = args["policy"]
        lifecycle = artifacts_bucket.Lifecycle(
            str(args["rule_id"]),
            int(args["noncurrent_version_expiration_days"]),
            int(args["abort_incomplete_multipart_upload_days"]),
        )
        outcome = artifacts_bucket.ensure(
            aws_clients.client("s3", region_name=args["region"]),
            str(args["name"]),
            region=str(args["region"]),
            tags=args["tags"] or {},
            policy=json.loads(policy) if isinstance(policy, str) else dict(policy),
            lifecycle=lifecycle,
            apply=apply,
        )
        return {"changed": outcome.changed, "changes": outcome.changes, "name": args["name"]}

    def what(self, args: dict[str, Any]) -> str:
        return f"Could not make the artifacts bucket {args['name']}"

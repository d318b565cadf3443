"""Action plugin: who we deploy as (STS GetCallerIdentity) in Ansible's worker process, without a module run. Shared
by the deploy (roles/artifacts_bucket: the bucket's name holds the account id) and the remove (roles/teardown), so
it lives here, in ansible.cfg's action_plugins, not in one role's folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for ops/
from ops import aws_clients, cfn_deploy
from ops.ansible_action import ProjectAction

cfn_deploy.preload("sts")


class ActionModule(ProjectAction):
    ARGS = ("region",)

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        found = aws_clients.client("sts", region_name=args["region"]).get_caller_identity()
        arn = str(found["Arn"])
        return {"changed": False, "account": str(found["Account"]), "arn": arn, "partition": arn.split(":")[1]}

    def what(self, args: dict[str, Any]) -> str:
        return "Could not find the account to deploy to"

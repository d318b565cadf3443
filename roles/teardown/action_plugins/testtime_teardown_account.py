"""Action plugin: the account the deployment is in (STS GetCallerIdentity; registered, it gives playbooks/remove.yml
the aws_account_id that the artifacts bucket's name needs), in Ansible's worker process (no module run)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported, and the services' models loaded.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import aws_clients, cfn_deploy
from ops.ansible_action import ProjectAction

cfn_deploy.preload("sts", "cloudformation", "s3", "logs", "apigateway", "ses")


class ActionModule(ProjectAction):
    ARGS = ("region",)

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        account = str(aws_clients.client("sts", region_name=args["region"]).get_caller_identity()["Account"])
        return {"changed": False, "account": account}

    def what(self, args: dict[str, Any]) -> str:
        return "Could not find the account the deployment is in"

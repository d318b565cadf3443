"""Action plugin: attach every enabled student and trainer key the usage plan lacks (ops.apikeys'
reattach_enabled_keys), in Ansible's worker process instead of a `python -m ops.apikeys --reattach` run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import apikeys, aws_clients, cfn_deploy
from ops.ansible_action import ProjectAction

cfn_deploy.preload("apigateway")


class ActionModule(ProjectAction):
    ARGS = ("usage_plan_id", "project", "region")

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        apigateway = aws_clients.client("apigateway", region_name=args["region"])
        names = apikeys.reattach_enabled_keys(apigateway, str(args["usage_plan_id"]), apply=apply,
                                              project=str(args["project"]))  # fmt: skip
        return {"changed": bool(names), "attached": names}

    def what(self, args: dict[str, Any]) -> str:
        return "Could not attach the kept API keys to the usage plan"

"""Action plugin: the status, outputs and parameters of a few stacks in one call each, in Ansible's worker
process (in place of one amazon.aws.cloudformation_info module run per stack)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import aws_clients, cfn_deploy
from ops.ansible_action import ProjectAction

cfn_deploy.preload("cloudformation")


class ActionModule(ProjectAction):
    ARGS = ("stacks", "region")

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        found: dict[str, Any] = {}
        cfn = aws_clients.client("cloudformation", region_name=args["region"])
        for name in args["stacks"] or []:
            stack = cfn_deploy.describe(cfn, str(name))
            if stack is not None:
                parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
                found[str(name)] = {"status": stack["StackStatus"], "outputs": cfn_deploy.outputs_of(stack),
                                    "parameters": parameters}  # fmt: skip
        return {"changed": False, "stacks": found}

    def what(self, args: dict[str, Any]) -> str:
        return f"Could not read the stacks {args['stacks']}"

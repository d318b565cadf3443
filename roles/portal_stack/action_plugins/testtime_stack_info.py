"""Action plugin: the status, outputs and parameters of a few stacks in one call each, in Ansible's worker
process (in place of one amazon.aws.cloudformation_info module run per stack)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from botocore.exceptions import BotoCoreError, ClientError

from ops import aws_clients, cfn_deploy

cfn_deploy.preload("cloudformation")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = {name: self._task.args.get(name) for name in ("stacks", "region")}
        result["invocation"] = {"module_args": args}
        found: dict[str, Any] = {}
        try:
            cfn = aws_clients.client("cloudformation", region_name=args["region"])
            for name in args["stacks"] or []:
                stack = cfn_deploy.describe(cfn, str(name))
                if stack is not None:
                    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
                    found[str(name)] = {"status": stack["StackStatus"], "outputs": cfn_deploy.outputs_of(stack),
                                        "parameters": parameters}  # fmt: skip
        except (ClientError, BotoCoreError) as error:
            return {**result, "failed": True, "msg": f"Could not read the stacks {args['stacks']}: {error}"}
        result.update(changed=False, stacks=found)
        return result

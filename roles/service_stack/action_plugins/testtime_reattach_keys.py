"""Action plugin: attach every enabled student and trainer key the usage plan lacks (ops.apikeys'
reattach_enabled_keys), in Ansible's worker process instead of a `python -m ops.apikeys --reattach` run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from botocore.exceptions import BotoCoreError, ClientError

from ops import apikeys, aws_clients, cfn_deploy

cfn_deploy.preload("apigateway")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = {name: self._task.args.get(name) for name in ("usage_plan_id", "project", "region")}
        result["invocation"] = {"module_args": args}
        try:
            apigateway = aws_clients.client("apigateway", region_name=args["region"])
            names = apikeys.reattach_enabled_keys(
                apigateway, str(args["usage_plan_id"]), apply=not self._task.check_mode, project=str(args["project"])
            )
        except (ClientError, BotoCoreError) as error:
            return {**result, "failed": True, "msg": f"Could not attach the kept API keys to the usage plan: {error}"}
        result.update(changed=bool(names), attached=names)
        return result

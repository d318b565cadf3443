"""Action plugin: create or update one stack (ops/cfn_deploy.py) inside Ansible's own worker process.

An action plugin runs on the controller, in the worker Ansible forks for the task: no module process to start,
no boto3 to import again per task (a module run costs about a second; this, a tenth). The target is always
this machine (inventory.yml: localhost, local connection), where a module would run anyway."""

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

cfn_deploy.preload("cloudformation", "s3")

ARGS = ("stack_name", "template_path", "template_key", "bucket", "template_url", "parameters", "capabilities",
        "tags", "termination_protection", "outputs_file", "region")  # fmt: skip


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = {name: self._task.args.get(name) for name in ARGS}
        result["invocation"] = {"module_args": args}
        apply = not self._task.check_mode
        try:
            cfn = aws_clients.client("cloudformation", region_name=args["region"])
            s3 = aws_clients.client("s3", region_name=args["region"])
            done = cfn_deploy.deploy(
                cfn,
                s3,
                name=args["stack_name"],
                template_path=Path(args["template_path"]),
                template_key=args["template_key"],
                bucket=args["bucket"] or "",
                template_url=args["template_url"] or "",
                parameters=args["parameters"] or {},
                capabilities=args["capabilities"] or [],
                tags=args["tags"] or {},
                termination_protection=bool(args["termination_protection"]),
                apply=apply,
            )
        except cfn_deploy.StackFailed as error:
            return {**result, "failed": True, "changed": True, "msg": str(error), "output": str(error)}
        except (ClientError, BotoCoreError) as error:
            return {**result, "failed": True, "msg": f"{args['stack_name']}: {error}"}
        if apply:
            cfn_deploy.save_outputs(done.outputs, Path(args["outputs_file"]))
        result.update(
            changed=done.changed,
            action=done.action,
            status_before=done.status_before,
            status=done.status,
            stack_outputs=done.outputs,
        )
        return result

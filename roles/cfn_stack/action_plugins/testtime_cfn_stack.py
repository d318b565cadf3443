"""Action plugin: create or update one stack (ops/cfn_deploy.py) inside Ansible's own worker process.

An action plugin runs on the controller, in the worker Ansible forks for the task: no module process to start,
no boto3 to import again per task (a module run costs about a second; this, a tenth). The target is always
this machine (inventory.yml: localhost, local connection), where a module would run anyway."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import aws_clients, cfn_deploy
from ops.ansible_action import ActionFailed, ProjectAction

cfn_deploy.preload("cloudformation", "s3")

ARGS = ("stack_name", "template_path", "template_key", "bucket", "template_url", "parameters", "capabilities",
        "tags", "termination_protection", "outputs_file", "region")  # fmt: skip


class ActionModule(ProjectAction):
    ARGS = ARGS

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        try:
            done = cfn_deploy.deploy(
                aws_clients.client("cloudformation", region_name=args["region"]),
                aws_clients.client("s3", region_name=args["region"]),
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
            raise ActionFailed(str(error), changed=True, output=str(error)) from None
        if apply:
            cfn_deploy.save_outputs(done.outputs, Path(args["outputs_file"]))
        return {"changed": done.changed, "action": done.action, "status_before": done.status_before,
                "status": done.status, "stack_outputs": done.outputs}  # fmt: skip

    def what(self, args: dict[str, Any]) -> str:
        return str(args["stack_name"])

"""Action plugin: render one stack's template and create or update the stack (ops/cfn_deploy.py), inside Ansible's
own worker process, as one task (the role's next task keeps its outputs as facts).

An action plugin runs on the controller, in the worker Ansible forks for the task: no module process to start,
no boto3 to import again per task (a module run costs about a second; this, a tenth), and one task where the role
had five (render, name, deploy, record, explain a failure), since each task costs Ansible about 0.05 s even when
it has nothing to do. The target is always this machine (inventory.yml: localhost, local connection)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from botocore.exceptions import ClientError

from ops import aws_clients, cfn_deploy
from ops.ansible_action import ActionFailed, ProjectAction, render_template

cfn_deploy.preload("cloudformation", "s3")

ARGS = ("stack_name", "template_src", "template_dest", "bucket", "bucket_url", "parameters", "capabilities",
        "tags", "termination_protection", "outputs_file", "events_shown", "region")  # fmt: skip


class ActionModule(ProjectAction):
    ARGS = ARGS

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        name = str(args["stack_name"])
        template = Path(args["template_dest"])
        # Rendered in check mode too: the preview needs the template. Named after its content, so a template that
        # did not change is not uploaded again and an update sends the URL it sent last time.
        _, checksum = render_template(self, self.task_vars, Path(args["template_src"]), template)
        key = f"cfn/{name}-{checksum[:16]}.yaml"
        cfn = aws_clients.client("cloudformation", region_name=args["region"])
        try:
            done = cfn_deploy.deploy(
                cfn,
                aws_clients.client("s3", region_name=args["region"]),
                name=name,
                template_path=template,
                template_key=key,
                bucket=args["bucket"] or "",
                template_url=f"{args['bucket_url'] or ''}/{key}",
                parameters=args["parameters"] or {},
                capabilities=args["capabilities"] or [],
                tags=args["tags"] or {},
                termination_protection=bool(args["termination_protection"]),
                apply=apply,
            )
        except (cfn_deploy.StackFailed, ClientError) as error:
            # Ended in a failed state, or refused by CloudFormation (a stack in UPDATE_ROLLBACK_FAILED cannot be
            # updated): either way the stack's latest events say why.
            failing = cfn_deploy.failing_resources(cfn, name, int(args["events_shown"] or 10))
            raise ActionFailed(
                f"Stop: could not deploy {name}: {error}. " + ("The failing resources and their reasons: "
                + "; ".join(failing) if failing else "No failed resource event was recorded."),
                changed=True, output=str(error), failing_resources=failing,
            ) from None  # fmt: skip
        if apply:
            cfn_deploy.save_outputs(done.outputs, Path(args["outputs_file"]))
        result = {"changed": done.changed, "action": done.action, "status_before": done.status_before,
                  "status": done.status, "stack_outputs": done.outputs, "template_key": key,
                  "template_path": str(template)}  # fmt: skip
        if not apply:
            # What a deploy would send, for ops/deploy_preview.py (callback_plugins/testtime_events.py passes a
            # result's testtime_preview on), which asks CloudFormation for every stack's change set at once.
            result["testtime_preview"] = {
                "testtime_preview": name, "status": done.status_before, "template": str(template),
                "parameters": args["parameters"] or {}, "capabilities": args["capabilities"] or [],
                "tags": args["tags"] or {},
            }  # fmt: skip
        return result

    def what(self, args: dict[str, Any]) -> str:
        return f"Stop: could not deploy {args['stack_name']}"

"""Action plugin: find what is deployed and what a remove deletes and keeps (ops/teardown.py ``find`` and
``plan``), registered as teardown_plan: the stacks, buckets, API keys, SES identities, log groups and local files,
and the lines that say so. Looks only: the same in check mode."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

from ansible.module_utils.parsing.convert_bool import boolean

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import aws_clients, cfn_deploy, teardown
from ops.ansible_action import ProjectAction

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker of the remove inherits boto3 and ops/ already imported, and the services' models loaded.
cfn_deploy.preload("cloudformation", "s3", "logs", "apigateway", "ses")

ARGS = ("project", "portal_stack", "service_stack", "data_stack", "artifacts_bucket", "log_groups", "outputs_file",
        "stack_outputs_dir", "purge", "manage_ses", "ses_addresses", "region")  # fmt: skip


class ActionModule(ProjectAction):
    ARGS = ARGS

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        names = teardown.Names(
            project=str(args["project"]),
            portal_stack=str(args["portal_stack"]),
            service_stack=str(args["service_stack"]),
            data_stack=str(args["data_stack"]),
            artifacts_bucket=str(args["artifacts_bucket"]),
            log_groups=tuple(args["log_groups"] or ()),
            outputs_file=Path(str(args["outputs_file"])),
            stack_outputs_dir=Path(str(args["stack_outputs_dir"])),
            purge=boolean(args["purge"]),
            manage_ses=boolean(args["manage_ses"]),
            ses_addresses=tuple(args["ses_addresses"] or ()),
        )
        found = teardown.find(names, partial(aws_clients.client, region_name=args["region"]))
        # The plan's fields are the result's, registered as teardown_plan: a fact a plugin returns is read as a
        # variable only while INJECT_FACTS_AS_VARS is on, whose default turns off in ansible-core 2.24 (deprecated
        # from 2.20: its porting guide); a registered result is a variable whatever that setting says.
        return {"changed": False, **teardown.plan(names, found, check=not apply).facts()}

    def what(self, args: dict[str, Any]) -> str:
        return "Could not find what is deployed"

"""Action plugin: delete the project's log groups (ops/teardown.py), after the stacks: CloudFormation deletes the
groups it created, but a function still running re-creates its group, and the groups AWS made itself are no
stack's. So when stacks were removed they are looked up again first (one lookup per prefix, exact names kept).
Check mode changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ansible.module_utils.parsing.convert_bool import boolean

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import aws_clients, teardown
from ops.ansible_action import ProjectAction


class ActionModule(ProjectAction):
    ARGS = ("log_groups", "look_again", "candidates", "project", "region")

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        names = [str(name) for name in args["log_groups"] or []]
        if not apply:
            return {"changed": bool(names), "deleted": []}
        logs = aws_clients.client("logs", region_name=args["region"])
        if boolean(args["look_again"]):
            names = teardown.find_log_groups(logs, [str(c) for c in args["candidates"] or []], str(args["project"]))
        deleted = teardown.delete_log_groups(logs, names)
        return {"changed": bool(deleted), "deleted": deleted}

    def what(self, args: dict[str, Any]) -> str:
        return "Could not delete the log groups"

"""Action plugin: delete the stacks in the order given (portal, service, then data), termination protection off
first where a stack has it, each waited for until it is gone (ops/teardown.py ``remove_stack``). A delete that
fails stops with the stack's failing resources and their reasons. Check mode changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from botocore.exceptions import BotoCoreError, ClientError

from ops import aws_clients, teardown
from ops.ansible_action import ActionFailed, ProjectAction


class ActionModule(ProjectAction):
    ARGS = ("stacks", "region")

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        stacks = [str(name) for name in args["stacks"] or []]
        if not apply:
            return {"changed": bool(stacks), "removed": []}
        cfn = aws_clients.client("cloudformation", region_name=args["region"])
        removed: list[str] = []
        try:
            for name in stacks:
                if teardown.remove_stack(cfn, name):
                    removed.append(name)
        except teardown.RemoveFailed as error:
            raise ActionFailed(str(error), changed=bool(removed), removed=removed,
                               failing_resources=error.failing) from None  # fmt: skip
        except (ClientError, BotoCoreError) as error:  # refused (no permission...): say what was removed before
            raise ActionFailed(f"{self.what(args)}: {error}", changed=bool(removed), removed=removed) from None
        return {"changed": bool(removed), "removed": removed}

    def what(self, args: dict[str, Any]) -> str:
        return f"Stop: could not remove the stacks {', '.join(map(str, args['stacks'] or []))}"

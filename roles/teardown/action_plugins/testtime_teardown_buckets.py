"""Action plugin: empty the buckets of every object version and delete marker, then delete them (ops/teardown.py
``delete_buckets``). Check mode changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import aws_clients, teardown
from ops.ansible_action import ActionFailed, ProjectAction


class ActionModule(ProjectAction):
    ARGS = ("buckets", "region")

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        buckets = [str(name) for name in args["buckets"] or []]
        if not apply:
            return {"changed": bool(buckets), "deleted": []}
        try:
            deleted = teardown.delete_buckets(aws_clients.client("s3", region_name=args["region"]), buckets)
        except teardown.RemoveFailed as error:
            raise ActionFailed(str(error)) from None
        return {"changed": bool(deleted), "deleted": deleted}

    def what(self, args: dict[str, Any]) -> str:
        return f"Stop: could not delete the buckets {', '.join(map(str, args['buckets'] or []))}"

"""Action plugin: delete the students' and the trainer's API keys of the project (ops/teardown_api_keys.py), only
with --purge-data: the kept class list identifies each student by their key's digest. Check mode changes nothing.
DeleteApiKey is paced to its quota (ops.aws_clients): 500 keys take about 100 s, with a progress line now and then."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ansible.utils.display import Display

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import aws_clients, teardown_api_keys
from ops.ansible_action import ProjectAction

display = Display()


class ActionModule(ProjectAction):
    ARGS = ("project", "region")

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        apigateway = aws_clients.client("apigateway", region_name=args["region"])
        keys = teardown_api_keys.managed_keys(apigateway, str(args["project"]))
        names = [key["name"] for key in keys]
        if not apply:
            return {"changed": bool(keys), "keys": names, "deleted": 0}
        # A worker's own stdout and stderr go nowhere: Ansible's display shows the progress lines.
        deleted = teardown_api_keys.delete_keys_in_class_language(apigateway, keys, say=display.display)
        return {"changed": deleted > 0, "keys": names, "deleted": deleted}

    def what(self, args: dict[str, Any]) -> str:
        return "Could not delete the API keys"

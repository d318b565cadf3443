"""Action plugin: merge the saved outputs of every stack into build/<target>/stack-outputs.json on the controller
(where they are), written only when its content changes: no slurp or copy module runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops.ansible_action import ActionFailed, ProjectAction

ARGS = ("stacks_dir", "stacks", "dest", "extra", "local_endpoint")


class ActionModule(ProjectAction):
    ARGS = ARGS

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for stack in args["stacks"] or []:
            path = Path(str(args["stacks_dir"])) / f"{stack}.json"
            try:
                merged.update(json.loads(path.read_text()))
            except (OSError, ValueError) as error:
                raise ActionFailed(f"Could not read the outputs of {stack} ({path}): {error}") from None
        if args["local_endpoint"] and "RestApiId" in merged:
            # The emulator serves a REST API under its own endpoint, not under the URL its stack output names.
            merged["ApiUrl"] = f"{args['local_endpoint']}/_aws/execute-api/{merged['RestApiId']}/api"
        merged.update(args["extra"] or {})
        text = json.dumps(merged, indent=4, sort_keys=True)  # as to_nice_json wrote it before: no final newline
        dest = Path(str(args["dest"]))
        changed = not (dest.is_file() and dest.read_text() == text)
        if changed and apply:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text)
        return {"changed": changed, "service_outputs": merged}

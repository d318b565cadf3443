"""Action plugin: merge the saved outputs of every stack into build/<target>/stack-outputs.json on the controller
(where they are), written only when its content changes: no slurp or copy module runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

ARGS = ("stacks_dir", "stacks", "dest", "extra", "local_endpoint")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = {name: self._task.args.get(name) for name in ARGS}
        result["invocation"] = {"module_args": args}
        merged: dict[str, Any] = {}
        for stack in args["stacks"] or []:
            path = Path(str(args["stacks_dir"])) / f"{stack}.json"
            try:
                merged.update(json.loads(path.read_text()))
            except (OSError, ValueError) as error:
                return {**result, "failed": True, "msg": f"Could not read the outputs of {stack} ({path}): {error}"}
        if args["local_endpoint"] and "RestApiId" in merged:
            # The emulator serves a REST API under its own endpoint, not under the URL its stack output names.
            merged["ApiUrl"] = f"{args['local_endpoint']}/_aws/execute-api/{merged['RestApiId']}/api"
        merged.update(args["extra"] or {})
        text = json.dumps(merged, indent=4, sort_keys=True)  # as to_nice_json wrote it before: no final newline
        dest = Path(str(args["dest"]))
        changed = not (dest.is_file() and dest.read_text() == text)
        if changed and not self._task.check_mode:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text)
        result.update(changed=changed, service_outputs=merged)
        return result

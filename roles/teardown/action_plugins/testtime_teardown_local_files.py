"""Action plugin: remove the local outputs of the removed stacks on the controller, where they are (no file
module run). The merged outputs name the API and the functions, which are gone: the other scripts then say
"deploy first". Check mode changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import teardown
from ops.ansible_action import ProjectAction


class ActionModule(ProjectAction):
    ARGS = ("paths",)

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        paths = [str(path) for path in args["paths"] or []]
        if not apply:
            return {"changed": any(Path(path).is_file() for path in paths), "removed": []}
        removed = teardown.remove_local_files(paths)
        return {"changed": bool(removed), "removed": removed}

    def what(self, args: dict[str, Any]) -> str:
        return "Could not remove the local outputs"

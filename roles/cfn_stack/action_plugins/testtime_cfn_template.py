"""Action plugin: render one Jinja2 CloudFormation template into build/<target>/cfn/ on the controller, as
ansible.builtin.template would (ops.ansible_action.render_template). Check mode renders too: the preview deploys
nothing, but needs the template. A deploy renders inside testtime_cfn_stack; this is for render.yml alone."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops.ansible_action import ProjectAction, render_template


class ActionModule(ProjectAction):
    ARGS = ("src", "dest")

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        dest = Path(args["dest"])
        changed, checksum = render_template(self, self.task_vars, Path(args["src"]), dest)
        return {"changed": changed, "dest": str(dest), "checksum": checksum}

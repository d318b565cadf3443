"""Action plugin: render one Jinja2 CloudFormation template into build/<target>/cfn/ on the controller.

What ansible.builtin.template does (the same templar, trim_blocks and lstrip_blocks on), without the copy and
stat module runs it makes after rendering: the file is on this machine, so it is compared and written here.
Check mode renders too (the preview deploys nothing, but needs the template)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ansible._internal._templating import _template_vars
from ansible.plugins.action import ActionBase
from ansible.template import trust_as_template


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        source = Path(self._task.args["src"])
        dest = Path(self._task.args["dest"])
        result["invocation"] = {"module_args": {"src": str(source), "dest": str(dest)}}
        searchpath = [*task_vars.get("ansible_search_path", []), self._loader._basedir, str(source.parent)]
        searchpath = [path for base in searchpath for path in (os.path.join(base, "templates"), base)]
        variables = dict(task_vars)
        variables.update(
            _template_vars.generate_ansible_template_vars(
                path=str(source), fullpath=str(source), dest_path=str(dest), include_ansible_managed=True
            )
        )
        templar = self._templar.copy_with_new_env(searchpath=searchpath, available_variables=variables)
        text = templar.template(
            trust_as_template(source.read_text(encoding="utf-8")),
            escape_backslashes=False,
            overrides={"trim_blocks": True, "lstrip_blocks": True},
        )
        data = (text or "").encode("utf-8")
        changed = not (dest.is_file() and dest.read_bytes() == data)
        if changed:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            dest.chmod(0o644)
        result.update(changed=changed, dest=str(dest), checksum=hashlib.sha256(data).hexdigest())
        return result

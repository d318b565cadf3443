"""What every role's action plugin shares (roles/*/action_plugins): its arguments read and echoed as a module's
would be, check mode honoured, and an AWS refusal turned into a failed task with one line saying what could not be
done. A plugin names its ``ARGS`` and writes ``act``; it runs inside ansible-playbook's own process (see
ops/cfn_deploy.py ``preload``), so nothing here starts a Python of its own."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, ClassVar

from ansible._internal._templating import _template_vars
from ansible.plugins.action import ActionBase
from ansible.template import trust_as_template
from botocore.exceptions import BotoCoreError, ClientError


class ActionFailed(Exception):
    """The task fails with this message (and ``extra`` in its result)."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra


class ProjectAction(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    ARGS: ClassVar[tuple[str, ...]] = ()

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        self.task_vars = task_vars or {}
        args = {name: self._task.args.get(name) for name in self.ARGS}
        result["invocation"] = {"module_args": args}
        try:
            result.update(self.act(args, apply=not self._task.check_mode))
        except ActionFailed as failed:
            result.update(failed=True, msg=str(failed), **failed.extra)
        except (ClientError, BotoCoreError) as error:
            result.update(failed=True, msg=f"{self.what(args)}: {error}")
        return result

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        """The task's work; ``apply`` is False in check mode. Returns what goes into the result (``changed``...)."""
        raise NotImplementedError

    def what(self, args: dict[str, Any]) -> str:
        """What could not be done, for the failed task's message."""
        return "Could not do it"


def render_template(action: ActionBase, task_vars: dict[str, Any], source: Path, dest: Path) -> tuple[bool, str]:
    """Render a Jinja2 file as ansible.builtin.template does (the same templar and search path, trim_blocks and
    lstrip_blocks on), without the copy and stat module runs it makes afterwards: the file is on this machine, so it
    is compared and written here, only when its content changed. (changed, SHA-256 of the text)."""
    searchpath = [*task_vars.get("ansible_search_path", []), action._loader._basedir, str(source.parent)]
    searchpath = [path for base in searchpath for path in (os.path.join(base, "templates"), base)]
    variables = dict(task_vars)
    # ansible-core 2.19's own template variables (template_path, ansible_managed...): an internal module, pinned.
    variables.update(
        _template_vars.generate_ansible_template_vars(
            path=str(source), fullpath=str(source), dest_path=str(dest), include_ansible_managed=True
        )
    )
    templar = action._templar.copy_with_new_env(searchpath=searchpath, available_variables=variables)
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
    return changed, hashlib.sha256(data).hexdigest()

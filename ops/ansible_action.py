"""What every role's action plugin shares (roles/*/action_plugins): its arguments read and echoed as a module's
would be, check mode honoured, and an AWS refusal turned into a failed task with one line saying what could not be
done. A plugin names its ``ARGS`` and writes ``act``; it runs inside ansible-playbook's own process (see
ops/cfn_deploy.py ``preload``), so nothing here starts a Python of its own."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.plugins.action import ActionBase
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

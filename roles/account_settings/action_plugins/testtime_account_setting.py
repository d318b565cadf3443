"""Action plugin: runs library/testtime_account_setting.py's logic in Ansible's worker process on the controller
(the target is always this machine: inventory.yml), which saves the module process and its boto3 import."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

MODULE = Path(__file__).resolve().parents[1] / "library" / "testtime_account_setting.py"


def _module() -> Any:
    spec = importlib.util.spec_from_file_location("testtime_account_setting_module", MODULE)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


# Loaded when the strategy loads this class in ansible-playbook's own process, before it forks a worker per task:
# every later worker inherits the module, boto3 and ops/ already imported (about 0.4 s saved per task).
MODULE_CODE = _module()
sys.path.insert(0, str(MODULE.parents[3]))  # the repository root, for ops/
import ops.account_settings  # noqa: E402
import ops.aws_clients  # noqa: E402
import ops.cfn_deploy  # noqa: E402

ops.cfn_deploy.preload("iam", "apigateway", "sts", "ses", "cloudformation")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        module = MODULE_CODE
        _, params = self.validate_argument_spec(argument_spec=module.ARGUMENT_SPEC, required_if=module.REQUIRED_IF)
        result["invocation"] = {"module_args": params}
        result.update(module.result(params, apply=not self._task.check_mode))
        if not result.get("failed") and result.get("msg"):
            result["testtime_note"] = result["msg"]  # shown under the deploy's phase (callback_plugins/testtime_events)
            # What was done stays in Ansible's own output (deploy.log) without -v, as a debug task's message would:
            # the stdout callback prints a result flagged so, as it prints debug's (ansible.builtin.debug sets it).
            result["_ansible_verbose_always"] = True
        return result

"""Ansible callback: one JSON line per task start and per task result, for ./deploy-api-gateway.sh's progress
(ops/deploy_progress.py reads them while the playbook runs).

Enabled only by that command, through ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_CALLBACKS_ENABLED, never in ansible.cfg:
the stdout callback still writes Ansible's usual output, which goes to build/<target>/deploy.log. The lines go to
the file named by TT_DEPLOY_EVENTS; without it the plugin does nothing.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: testtime_events
type: aggregate
short_description: task starts and results as JSON lines, for the deploy command's progress
description: Writes one JSON line per task start and result to the file named by TT_DEPLOY_EVENTS.
requirements: [enabled by ops/deploy_progress.py through ANSIBLE_CALLBACKS_ENABLED]
"""

MAX_MESSAGE = 2000  # a failure's message can hold a whole module response: enough to say why, no more


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "testtime_events"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        path = os.environ.get("TT_DEPLOY_EVENTS")
        self._out = open(path, "a", buffering=1, encoding="utf-8") if path else None  # noqa: SIM115 (the run's length)
        self.disabled = self._out is None

    def _write(self, event: str, **fields: Any) -> None:
        if self._out:
            self._out.write(json.dumps({"event": event, "time": time.time(), **fields}, default=str) + "\n")

    @staticmethod
    def _roles(task: Any) -> list[str]:
        """The task's role and the roles that included it, innermost first (cfn_stack, then data_stack)."""
        names: list[str] = []
        node = task
        while node is not None:
            for role in (getattr(node, "_role", None), getattr(node, "_parent_role", None)):
                name = role.get_name() if role is not None else ""
                if name and (not names or names[-1] != name):
                    names.append(name)
            node = getattr(node, "_parent", None)
        return names

    def _task_fields(self, task: Any) -> dict[str, Any]:
        path = task.get_path() or ""
        return {"roles": self._roles(task), "file": os.path.basename(path.rsplit(":", 1)[0]), "action": task.action}

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        # The strategy templates the task's name just before this call (the name shows the stack's name).
        self._write("task", name=task.name or task.get_name(), **self._task_fields(task))

    def _result(self, event: str, result: Any, **extra: Any) -> None:
        data = result._result
        # A module's own echo of its arguments, else the task's arguments as the worker templated them (an action
        # plugin's result has no invocation).
        args = (data.get("invocation") or {}).get("module_args") or result.task_fields.get("args") or {}
        fields = self._task_fields(result._task)
        fields.update(name=result.task_name, changed=bool(data.get("changed")), **extra)
        if isinstance(args.get("stack_name"), str):
            fields["stack"] = args["stack_name"]
            if isinstance(data.get("action"), str):  # create, update or none: the stack's result line says it
                fields["stack_action"] = data["action"]
        if isinstance(data.get("testtime_preview"), dict):  # check mode: what the stack's deploy would send
            fields["preview"] = data["testtime_preview"]
        if data.get("testtime_note") and event == "ok":  # what a task says it did, for the deploy's progress
            fields["note"] = data["testtime_note"]
        if event == "failed" or fields["action"].endswith("debug"):
            message = data.get("msg") or data.get("output") or data.get("reason") or ""
            if event == "failed" and data.get("stderr"):  # a command's own words say more than "non-zero return code"
                message = f"{message}: {str(data['stderr']).strip().splitlines()[-1]}" if message else data["stderr"]
            fields["msg"] = message if isinstance(message, (str, list)) else json.dumps(message, default=str)
            if isinstance(fields["msg"], str):
                fields["msg"] = fields["msg"][:MAX_MESSAGE]
        self._write(event, **fields)

    def v2_runner_on_ok(self, result: Any) -> None:
        self._result("ok", result)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._result("failed", result, ignored=bool(ignore_errors))

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._result("skipped", result)

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._result("failed", result, ignored=False)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._write("stats", **{key: value for key, value in stats.summarize("localhost").items()})

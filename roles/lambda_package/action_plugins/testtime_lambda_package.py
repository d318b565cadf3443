"""Action plugin: build the Lambda zip (ops/package_lambda.py) and upload it under its content-hash key unless
that key exists, in Ansible's worker process: one step in place of a command and an amazon.aws.s3_object run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ansible.plugins.action import ActionBase

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from botocore.exceptions import BotoCoreError, ClientError

from ops import aws_clients, cfn_deploy, package_lambda

cfn_deploy.preload("s3")

ARGS = ("src", "build_dir", "name", "bucket", "region")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = {name: self._task.args.get(name) for name in ARGS}
        result["invocation"] = {"module_args": args}
        # Built in check mode too: the preview needs the key the functions would get.
        package = package_lambda.package(Path(args["src"]), Path(args["build_dir"]), str(args["name"]))
        uploaded = False
        if not self._task.check_mode:
            try:
                s3 = aws_clients.client("s3", region_name=args["region"])
                uploaded = cfn_deploy.upload_unless_there(s3, str(args["bucket"]), str(package["s3_key"]),
                                                      Path(str(package["path"])))  # fmt: skip
            except (ClientError, BotoCoreError) as error:
                return {**result, "failed": True, "msg": f"Could not upload the Lambda package: {error}"}
        result.update(changed=bool(package["created"]) or uploaded, uploaded=uploaded, package=package)
        return result

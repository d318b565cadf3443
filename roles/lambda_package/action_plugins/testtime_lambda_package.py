"""Action plugin: build the Lambda zip (ops/package_lambda.py) and upload it under its content-hash key unless
that key exists, in Ansible's worker process: one step in place of a command and an amazon.aws.s3_object run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# Imported when the strategy loads this class in ansible-playbook's own process, before it forks a worker per
# task: every later worker inherits boto3 and ops/ already imported (about 0.4 s saved per task).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root, for ops/
from ops import aws_clients, cfn_deploy, package_lambda
from ops.ansible_action import ProjectAction

cfn_deploy.preload("s3")

ARGS = ("src", "build_dir", "name", "bucket", "region")


class ActionModule(ProjectAction):
    ARGS = ARGS

    def act(self, args: dict[str, Any], *, apply: bool) -> dict[str, Any]:
        # Built in check mode too: the preview needs the key the functions would get.
        package = package_lambda.package(Path(args["src"]), Path(args["build_dir"]), str(args["name"]))
        uploaded = False
        if apply:
            s3 = aws_clients.client("s3", region_name=args["region"])
            uploaded = cfn_deploy.upload_unless_there(s3, str(args["bucket"]), str(package["s3_key"]),
                                                  Path(str(package["path"])))  # fmt: skip
        # The package's fields at the top too: the role registers the result as lambda_package (lambda_package.s3_key).
        return {**package, "changed": bool(package["created"]) or uploaded, "uploaded": uploaded, "package": package}

    def what(self, args: dict[str, Any]) -> str:
        return "Could not upload the Lambda package"

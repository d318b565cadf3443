"""The functions' role policies exactly as Ansible renders the service template, with every intrinsic resolved to
the concrete ARNs CloudFormation would give them in one account and region.

Only the intrinsics the role policies use are resolved (``!Sub``, ``!Ref`` of a parameter, ``!GetAtt`` of a log
group's, a function's or a queue's ``Arn``); anything else raises, so a new intrinsic cannot slip through unjudged.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.cfn_yaml import CfnLoader

ROOT = Path(__file__).resolve().parents[2]
PARTITION = "aws"


@dataclass(frozen=True)
class FunctionRole:
    """One Lambda function of the service: its logical id, name and the inline policies of its role."""

    logical_id: str  # e.g. "ListTests" (the template's fn.id)
    function_name: str  # e.g. "testtime-list-tests"
    role_name: str  # the role's logical id, used as its name in the evaluating account
    policies: dict[str, dict[str, Any]]  # policy name -> resolved policy document
    environment: dict[str, str]  # the function's Environment.Variables, resolved


def render_service_template(out: Path) -> dict[str, Any]:
    """``playbooks/render-templates.yml`` into ``out``, as the deploy renders it; the parsed service template."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
    env.update(TT_BUILD_DIR=str(out), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        ["ansible-playbook", str(ROOT / "playbooks" / "render-templates.yml")],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return yaml.load((out / "cfn" / "testtime-service.yaml").read_text(), Loader=CfnLoader)  # type: ignore[no-any-return]


class Resolver:
    """Resolves the intrinsics of one template for a given account, region and parameter values."""

    def __init__(self, template: dict[str, Any], account_id: str, region: str, parameters: dict[str, str]) -> None:
        self.resources: dict[str, Any] = template["Resources"]
        self.pseudo = {"AWS::Partition": PARTITION, "AWS::Region": region, "AWS::AccountId": account_id}
        self.parameters = parameters
        self.account_id, self.region = account_id, region

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (name, argument), *_ = value.items()
            if name == "Fn::Sub":
                return self._sub(argument)
            if name == "Ref":
                return self._ref(argument)
            if name == "Fn::GetAtt":
                return self._get_att(*argument)
            if name.startswith("Fn::"):
                raise ValueError(f"intrinsic {name} is not resolved by this test: {value}")
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources.get(name, {})
        if resource.get("Type") == "AWS::SQS::Queue":  # Ref of a queue is its URL (CloudFormation docs)
            queue = resource["Properties"]["QueueName"]
            return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{queue}"
        raise ValueError(f"!Ref {name}: only parameters, pseudo parameters and queues are resolved")

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                return self._get_att(*name.split(".", 1))
            return self._ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def _get_att(self, logical_id: str, attribute: str) -> str:
        resource = self.resources[logical_id]
        kind, properties = resource["Type"], resource["Properties"]
        if attribute != "Arn":
            raise ValueError(f"!GetAtt {logical_id}.{attribute} is not resolved by this test")
        if kind == "AWS::Logs::LogGroup":
            # The LogGroup's Arn attribute ends in ":*" (CloudFormation docs, AWS::Logs::LogGroup return values).
            name = properties["LogGroupName"]
            return f"arn:{PARTITION}:logs:{self.region}:{self.account_id}:log-group:{name}:*"
        if kind == "AWS::Lambda::Function":
            name = properties["FunctionName"]
            return f"arn:{PARTITION}:lambda:{self.region}:{self.account_id}:function:{name}"
        if kind == "AWS::SQS::Queue":
            return f"arn:{PARTITION}:sqs:{self.region}:{self.account_id}:{properties['QueueName']}"
        raise ValueError(f"!GetAtt of a {kind} is not resolved by this test")


def function_roles(template: dict[str, Any], account_id: str, region: str, data_bucket: str) -> dict[str, FunctionRole]:
    """Every Lambda function of the template with its own role's policies, resolved; keyed by function name."""
    resolver = Resolver(template, account_id, region, {"DataBucketName": data_bucket})
    roles: dict[str, FunctionRole] = {}
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        properties = resource["Properties"]
        role_ref = properties["Role"]
        assert set(role_ref) == {"Fn::GetAtt"} and role_ref["Fn::GetAtt"][1] == "Arn", role_ref
        role_id = role_ref["Fn::GetAtt"][0]
        role = template["Resources"][role_id]["Properties"]
        assert not role.get("ManagedPolicyArns"), f"{role_id}: managed policies are not judged by this test"
        policies = {policy["PolicyName"]: resolver.resolve(policy["PolicyDocument"]) for policy in role["Policies"]}
        environment = resolver.resolve(properties.get("Environment", {}).get("Variables", {}))
        json.dumps([policies, environment])  # fully resolved: plain JSON, no intrinsic left
        roles[properties["FunctionName"]] = FunctionRole(
            logical.removesuffix("Function"),
            properties["FunctionName"],
            role_id,
            policies,
            {name: str(value) for name, value in environment.items()},
        )
    return roles

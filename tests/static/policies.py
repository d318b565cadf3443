"""Every IAM policy document in a rendered template, as plain JSON that parliament can read: the intrinsic
functions (!Sub, !GetAtt, !Ref, !Join, !If …) are resolved into ARN-shaped strings of the right service and
resource type, so that parliament can match each action to its resources."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PARTITION, REGION, ACCOUNT = "aws", "eu-central-1", "123456789012"
PSEUDO = {
    "AWS::Partition": PARTITION,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": "testtime-stack",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/testtime-stack/id",
}
_NO_VALUE = object()  # Ref AWS::NoValue: the element is left out
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


@dataclass(frozen=True)
class PolicyDocument:
    where: str  # "<template>/<logical id>/<property path>", for the report
    resource_type: str  # the type of the resource that carries the document
    document: dict[str, Any]


def _arn(service: str, resource: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _physical_name(logical: str) -> str:
    return f"testtime-{logical.lower()}"


# The ARN each resource type's GetAtt Arn (or Ref, for the types whose Ref is an ARN) returns, per the
# CloudFormation resource reference's "Return values" sections.
def _resource_arn(kind: str, logical: str) -> str:
    name = _physical_name(logical)
    arns = {
        "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
        "AWS::Logs::LogGroup": _arn("logs", f"log-group:{name}:*"),
        "AWS::Lambda::Function": _arn("lambda", f"function:{name}"),
        "AWS::SQS::Queue": _arn("sqs", name),
        "AWS::SNS::Topic": _arn("sns", name),
        "AWS::IAM::Role": _arn("iam", f"role/{name}", region=""),
        "AWS::ECR::Repository": _arn("ecr", f"repository/{name}"),
        "AWS::SecretsManager::Secret": _arn("secretsmanager", f"secret:{name}-AbCdEf"),
        "AWS::ECS::Cluster": _arn("ecs", f"cluster/{name}"),
        "AWS::ECS::TaskDefinition": _arn("ecs", f"task-definition/{name}:1"),
        "AWS::Scheduler::Schedule": _arn("scheduler", f"schedule/default/{name}"),
        "AWS::ServiceDiscovery::Service": _arn("servicediscovery", "service/srv-0123456789abcdef"),
        "AWS::ApiGateway::RestApi": _arn("apigateway", f"/restapis/{logical.lower()}", account=""),
    }
    if kind in arns:
        return arns[kind]
    service = kind.split("::")[1].lower() if kind.count("::") == 2 else "unknown"
    return _arn(service, name)


_REF_IS_ARN = {"AWS::SNS::Topic", "AWS::SecretsManager::Secret", "AWS::ECS::TaskDefinition", "AWS::IAM::ManagedPolicy"}


class Resolver:
    """Resolves a template's intrinsic functions into strings, knowing its resources and parameters."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.resources: dict[str, dict[str, Any]] = template.get("Resources", {})
        self.parameters: dict[str, dict[str, Any]] = template.get("Parameters", {})

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            return str(self.parameters[name].get("Default") or _physical_name(name))
        kind = self.resources.get(name, {}).get("Type", "")
        if kind in _REF_IS_ARN:
            return _resource_arn(kind, name)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{_physical_name(name)}"
        return _physical_name(name)

    def get_att(self, logical: str, attribute: str) -> str:
        kind = self.resources.get(logical, {}).get("Type", "")
        if attribute == "Arn" or attribute.endswith(".Arn"):
            return _resource_arn(kind, logical)
        return f"{_physical_name(logical)}-{attribute.lower().replace('.', '-')}"

    def sub(self, value: Any) -> str:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return self.get_att(logical, attribute)
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical, attribute)
            if key == "Fn::Sub":
                return self.sub(argument)
            if key == "Fn::Join":
                return str(argument[0]).join(str(part) for part in self.resolve(argument[1]))
            if key == "Fn::If":
                # The "true" branch, unless it is AWS::NoValue: every branch is checked by rendering the variants.
                chosen = self.resolve(argument[1])
                return chosen if chosen is not _NO_VALUE else self.resolve(argument[2])
            if key == "Fn::Select":
                return self.resolve(argument[1])[int(self.resolve(argument[0]))]
            if key == "Fn::Split":
                return str(self.resolve(argument[1])).split(argument[0])
            if key == "Fn::ImportValue":
                return f"imported-{self.resolve(argument)}"
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}


def _documents(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping with a Statement under value, with its property path."""
    if isinstance(value, dict):
        if "Statement" in value:
            yield path, value
            return
        for key, item in value.items():
            yield from _documents(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _documents(item, f"{path}[{index}]")


def _owner_arn(resolver: Resolver, logical: str, resource: dict[str, Any]) -> str:
    """The ARN a policy without a Resource element applies to: the role it trusts into, the repository …"""
    properties = resource.get("Properties", {})
    for key in ("Bucket", "Queues", "Topics"):
        if key in properties:
            target = properties[key][0] if isinstance(properties[key], list) else properties[key]
            if isinstance(target, dict) and "Ref" in target:
                return _resource_arn(resolver.resources.get(target["Ref"], {}).get("Type", ""), target["Ref"])
    return _resource_arn(resource["Type"], logical)


def policy_documents(name: str, template: dict[str, Any]) -> list[PolicyDocument]:
    resolver = Resolver(template)
    found = []
    for logical, resource in resolver.resources.items():
        for path, raw in _documents(resource.get("Properties", {}), ""):
            document = resolver.resolve(raw)
            statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
            for statement in statements:
                # Trust and repository policies name no Resource: it is the resource that carries them.
                if "Resource" not in statement and "NotResource" not in statement:
                    statement["Resource"] = _owner_arn(resolver, logical, resource)
            found.append(PolicyDocument(f"{name}/{logical}/{path}", resource["Type"], document))
    return found

#!/usr/bin/python
"""Ansible module: one piece of account-wide state the service needs, made idempotent (ops/account_settings.py).

No amazon.aws module creates service-linked roles, sets API Gateway's account logging role or manages SES
identities, so this thin wrapper reports ``changed`` and supports check mode for them. The deploy runs it through
the action plugin of the same name (in Ansible's worker process: no module process, no second boto3 import);
as a module it still works on its own (``ansible localhost -m testtime_account_setting``)."""

from __future__ import annotations

import sys
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: testtime_account_setting
short_description: Make sure one piece of account-wide state Test Time needs is there, idempotently.
options:
  setting:
    description: Which state.
    choices: [ecs_service_linked_role, apigateway_log_role, ses_identities, ses_identities_deleted]
    required: true
    type: str
  project_root:
    description: The repository root (ops/ is imported from it).
    required: true
    type: path
  region:
    description: The AWS region; credentials and endpoint come from the environment, as for every ops/ tool.
    required: true
    type: str
  role_name:
    description: apigateway_log_role only, the name of the role created when none is set.
    type: str
  replaceable_stack:
    description: apigateway_log_role only, the service stack whose own ApiGatewayCloudWatchRole (an earlier
      version's) may be replaced by ours.
    type: str
  addresses:
    description: ses_identities* only, the email addresses.
    type: list
    elements: str
"""

ACTIONS = {
    "ecs_service_linked_role": "make sure the ECS service-linked role exists",
    "apigateway_log_role": "make sure API Gateway has a role to write its logs with",
    "ses_identities": "make sure the SES identities exist",
    "ses_identities_deleted": "delete the SES identities",
}
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError")


def _stack_role_names(cloudformation: Any, stack: str) -> list[str]:
    """The log role an earlier version of the service stack created (removed from the template since)."""
    from botocore.exceptions import ClientError

    try:
        found = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId="ApiGatewayCloudWatchRole")
    except ClientError:
        return []  # no such stack, or no such resource in it
    return [str(found["StackResourceDetail"].get("PhysicalResourceId") or "")]


def _run(params: dict[str, Any], apply: bool) -> Any:
    from ops import account_settings, aws_clients

    def client(service: str) -> Any:
        # Retried when throttled, and SES paced to its one call per second, like every trainer-side tool.
        return aws_clients.client(service, region_name=params["region"])

    setting = params["setting"]
    if setting == "ecs_service_linked_role":
        return account_settings.ensure_service_linked_role(client("iam"), apply=apply)
    if setting == "apigateway_log_role":
        replaceable = _stack_role_names(client("cloudformation"), params["replaceable_stack"] or "")
        return account_settings.ensure_apigateway_log_role(
            client("apigateway"),
            client("iam"),
            client("sts"),
            role_name=params["role_name"],
            replaceable_role_names=[name for name in replaceable if name],
            apply=apply,
        )
    if setting == "ses_identities":
        return account_settings.ensure_email_identities(client("ses"), params["addresses"] or [], apply=apply)
    return account_settings.delete_email_identities(client("ses"), params["addresses"] or [], apply=apply)


ARGUMENT_SPEC: dict[str, Any] = {
    "setting": {"type": "str", "required": True, "choices": list(ACTIONS)},
    "project_root": {"type": "path", "required": True},
    "region": {"type": "str", "required": True},
    "role_name": {"type": "str"},
    "replaceable_stack": {"type": "str"},
    "addresses": {"type": "list", "elements": "str"},
}
REQUIRED_IF = [("setting", "apigateway_log_role", ["role_name"])]


def result(params: dict[str, Any], apply: bool) -> dict[str, Any]:
    """The task's result: changed, msg and the details, or failed and msg. The action plugin of the same name
    (action_plugins/testtime_account_setting.py) calls this in Ansible's worker, without a module process."""
    if params["project_root"] not in sys.path:
        sys.path.insert(0, params["project_root"])  # the logic lives in ops/ (tested directly, with moto)
    from botocore.exceptions import BotoCoreError, ClientError

    action = ACTIONS[params["setting"]]
    try:
        outcome = _run(params, apply=apply)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in DENIED:
            why = f"the deploying identity lacks the permission for it ({code})"
            return {"failed": True, "msg": f"Could not {action}: {why}."}
        message = error.response.get("Error", {}).get("Message", "")
        return {"failed": True, "msg": f"Could not {action} ({code}: {message})."}
    except BotoCoreError as error:
        return {"failed": True, "msg": f"Could not {action}: AWS could not be reached ({error})."}
    return {**outcome.details, "changed": outcome.changed, "msg": outcome.message}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=REQUIRED_IF, supports_check_mode=True)
    done = result(module.params, apply=not module.check_mode)
    if done.get("failed"):
        module.fail_json(msg=done["msg"])
    module.exit_json(**done)


if __name__ == "__main__":
    main()

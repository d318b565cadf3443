"""Account-wide state on the embedded AWS, through the real scripts: an account where the trainer's address is
an SES identity already and another project set API Gateway's logging role. The deploy leaves both as they are
and creates the ECS service-linked role; ./remove-api-gateway.sh deletes no SES identity and no logging role;
--purge-data deletes the two identities and still no role. (Fresh-account cases: tests/unit/account, on moto.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.harness import LocalAws, play_recap
from tests.support.throwaway_aws import ThrowawayAws

pytestmark = pytest.mark.integration

OTHER_ROLE_NAME = "another-project-apigateway-logs"
IDENTITIES = ["testtime@example.com", "trainer@example.com"]


def logging_role(aws: LocalAws) -> str:
    return str(aws.client("apigateway").get_account().get("cloudwatchRoleArn") or "")


def identities(aws: LocalAws) -> list[str]:
    return sorted(aws.client("ses").list_identities(IdentityType="EmailAddress")["Identities"])


def ecs_role(aws: LocalAws) -> list[dict[str, Any]]:
    return list(aws.client("iam").list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"])


def an_account_used_before(local: LocalAws) -> None:
    """API Gateway's logging role set to another project's role, a verified trainer identity, no ECS role."""
    iam = local.client("iam")
    other = iam.create_role(
        RoleName=OTHER_ROLE_NAME,
        AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
        '{"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}',
    )["Role"]["Arn"]
    local.client("apigateway").update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": other}]
    )
    local.client("ses").verify_email_identity(EmailAddress="trainer@example.com")
    local.other_role = other  # type: ignore[attr-defined]
    local.trainer_identity = local.client("ses").get_identity_verification_attributes(  # type: ignore[attr-defined]
        Identities=["trainer@example.com"]
    )["VerificationAttributes"]
    assert ecs_role(local) == [], "a fresh embedded AWS has no ECS service-linked role"


@pytest.fixture(scope="module")
def aws(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    with throwaway_aws("account", before_deploy=an_account_used_before) as local:
        yield local


def test_the_deploy_leaves_the_other_projects_logging_role_and_the_existing_identity(aws: LocalAws) -> None:
    out = aws.deploy_output
    assert logging_role(aws) == aws.other_role  # type: ignore[attr-defined]
    assert f"API Gateway already writes logs with {aws.other_role}" in out  # type: ignore[attr-defined]
    assert OTHER_ROLE_NAME in [role["RoleName"] for role in aws.client("iam").list_roles()["Roles"]]
    assert identities(aws) == IDENTITIES
    after = aws.client("ses").get_identity_verification_attributes(Identities=["trainer@example.com"])
    assert after["VerificationAttributes"] == aws.trainer_identity  # type: ignore[attr-defined]
    # The stage was created with the account's role in place (MiniStack's CloudFormation does not keep a v1
    # stage's AccessLogSetting, so the setting itself cannot be read back here).
    assert (
        aws.client("apigateway").get_stage(restApiId=aws.outputs()["RestApiId"], stageName="api")["stageName"] == "api"
    )


def test_the_deploy_created_the_ecs_service_linked_role_and_a_second_run_changes_nothing(aws: LocalAws) -> None:
    assert len(ecs_role(aws)) == 1
    assert "Created the ecs.amazonaws.com service-linked role" in aws.deploy_output
    again = aws.run("deploy-api-gateway.sh", "--force")
    assert play_recap(aws.deploy_log())["changed"] == 0, aws.deploy_log()[-4000:]
    assert "service-linked role" in again.stdout and "exists" in again.stdout
    assert len(ecs_role(aws)) == 1


def test_remove_deletes_no_identity_and_no_logging_role(aws: LocalAws) -> None:
    removed = aws.run("remove-api-gateway.sh")
    assert "Kept: the SES identities testtime@example.com, trainer@example.com" in removed.stdout, removed.stdout[
        -4000:
    ]
    assert "Kept: API Gateway's logging role" in removed.stdout
    assert "testtime-service" not in {s["StackName"] for s in aws.client("cloudformation").describe_stacks()["Stacks"]}
    assert identities(aws) == IDENTITIES
    assert logging_role(aws) == aws.other_role  # type: ignore[attr-defined]
    assert len(ecs_role(aws)) == 1


def test_purge_deletes_the_identities_but_never_a_role(aws: LocalAws) -> None:
    preview = aws.run("remove-api-gateway.sh", "--purge-data", "--check")
    assert "SES identities testtime@example.com, trainer@example.com" in preview.stdout, preview.stdout[-4000:]
    assert identities(aws) == IDENTITIES
    purged = aws.run("remove-api-gateway.sh", "--purge-data", "--yes")
    assert "SES identities testtime@example.com, trainer@example.com" in purged.stdout
    assert identities(aws) == []
    assert logging_role(aws) == aws.other_role  # type: ignore[attr-defined]
    assert OTHER_ROLE_NAME in [role["RoleName"] for role in aws.client("iam").list_roles()["Roles"]]
    assert len(ecs_role(aws)) == 1

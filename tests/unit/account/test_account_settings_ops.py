"""ops/account_settings.py against moto's IAM, API Gateway and SES (account states the emulator cannot set up),
and against botocore's Stubber where AWS's own answer is the point: IAM's "has been taken" for a service-linked
role created meanwhile, GetRole before IAM propagated a new role, and UpdateAccount's propagation error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ops import account_settings
from ops.account_settings import Patience
from tests.support.moto_account import AccountOptions, moto_account

REGION = "eu-central-1"
OTHER_ROLE = "arn:aws:iam::123456789012:role/someone-elses-apigateway-logs"
PUSH_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
# IAM's answer to CreateServiceLinkedRole when the role exists (InvalidInput), and UpdateAccount's (BadRequest)
# while IAM has not propagated a new role yet.
TAKEN = "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix."
NOT_YET = "The role ARN does not have required permissions set to API Gateway"


def mocked_account(monkeypatch: pytest.MonkeyPatch, *, managed_policies: bool) -> Iterator[None]:
    """The shared moto account (tests/support/moto_account.py), without a data bucket.

    moto knows AWS's managed policies (AmazonAPIGatewayPushToCloudWatchLogs) only when asked: seconds to load.
    """
    options = AccountOptions(
        region=REGION, bucket=None, env={"MOTO_IAM_LOAD_MANAGED_POLICIES": str(managed_policies).lower()}
    )
    with moto_account(monkeypatch, options):
        yield


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from mocked_account(monkeypatch, managed_policies=False)


@pytest.fixture
def aws_policies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from mocked_account(monkeypatch, managed_policies=True)


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def calls_of(a_client: Any, operation: str) -> list[dict[str, Any]]:
    """Records every call of ``operation`` the real client makes (the call still goes to moto)."""
    seen: list[dict[str, Any]] = []
    a_client.meta.events.register(f"provide-client-params.*.{operation}", lambda params, **_: seen.append(params))
    return seen


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def quick(attempts: int = 5) -> tuple[Patience, Sleeps]:
    sleeps = Sleeps()
    return Patience(attempts=attempts, first_pause=1.0, cap=4.0, sleep=sleeps), sleeps


# ---------------------------------------------------------------- the ECS service-linked role


def test_a_missing_service_linked_role_is_created_once_and_then_reported_unchanged(aws: None) -> None:
    iam = client("iam")
    created = account_settings.ensure_service_linked_role(iam)
    assert created.changed
    roles = iam.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]
    assert [role["Arn"] for role in roles] == [created.details["role"]]
    again = account_settings.ensure_service_linked_role(iam)
    assert not again.changed
    assert again.details["role"] == created.details["role"]
    assert "exists" in again.message


def test_check_mode_says_the_role_would_be_created_and_creates_nothing(aws: None) -> None:
    iam = client("iam")
    preview = account_settings.ensure_service_linked_role(iam, apply=False)
    assert preview.changed and preview.message.startswith("Would create")
    assert iam.list_roles(PathPrefix="/aws-service-role/")["Roles"] == []


# AWS's answer for the ECS service-linked role (GetRole / ListRoles), as the Stubber tests replay it.
ECS_ROLE = {
    "Path": "/aws-service-role/ecs.amazonaws.com/",
    "RoleName": "AWSServiceRoleForECS",
    "RoleId": "AROAEXAMPLEEXAMPLE01",
    "Arn": "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
    "CreateDate": "2026-01-01T00:00:00Z",
}


def test_a_role_created_meanwhile_counts_as_there() -> None:
    """Listed as absent, then IAM answers "has been taken": the role exists (ECS created it meanwhile)."""
    iam = boto3.client("iam", region_name=REGION, aws_access_key_id="a", aws_secret_access_key="b")
    role = ECS_ROLE
    with Stubber(iam) as stub:
        stub.add_response("list_roles", {"Roles": [], "IsTruncated": False})
        stub.add_client_error(
            "create_service_linked_role",
            "InvalidInput",
            TAKEN,
            400,
            expected_params={"AWSServiceName": "ecs.amazonaws.com"},
        )
        stub.add_response("list_roles", {"Roles": [role], "IsTruncated": False})
        outcome = account_settings.ensure_service_linked_role(iam)
        stub.assert_no_pending_responses()
    assert not outcome.changed
    assert outcome.details["role"] == role["Arn"]


def test_a_new_role_is_waited_for_until_get_role_finds_it() -> None:
    iam = boto3.client("iam", region_name=REGION, aws_access_key_id="a", aws_secret_access_key="b")
    role = ECS_ROLE
    patience, sleeps = quick()
    with Stubber(iam) as stub:
        stub.add_response("list_roles", {"Roles": [], "IsTruncated": False})
        stub.add_response("create_service_linked_role", {"Role": role})
        stub.add_client_error(
            "get_role", "NoSuchEntity", "The role with name AWSServiceRoleForECS cannot be found.", 404
        )
        stub.add_client_error(
            "get_role", "NoSuchEntity", "The role with name AWSServiceRoleForECS cannot be found.", 404
        )
        stub.add_response("get_role", {"Role": role}, expected_params={"RoleName": "AWSServiceRoleForECS"})
        outcome = account_settings.ensure_service_linked_role(iam, patience=patience)
        stub.assert_no_pending_responses()
    assert outcome.changed
    assert sleeps == [1.0, 2.0]


# ---------------------------------------------------------------- API Gateway's account logging role


def someone_elses_role(iam: Any) -> None:
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
    iam.create_role(RoleName=OTHER_ROLE.rsplit("/", 1)[-1], AssumeRolePolicyDocument=json.dumps(trust))


def test_a_logging_role_someone_else_set_is_left_untouched(aws: None) -> None:
    apigateway, iam = client("apigateway"), client("iam")
    someone_elses_role(iam)
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": OTHER_ROLE}])
    updates, created = calls_of(apigateway, "UpdateAccount"), calls_of(iam, "CreateRole")
    for apply in (False, True):
        outcome = account_settings.ensure_apigateway_log_role(
            apigateway, iam, client("sts"), role_name="testtime-apigateway-cloudwatch-logs", apply=apply
        )
        assert not outcome.changed
        assert OTHER_ROLE in outcome.message and "left as it is" in outcome.message
    assert apigateway.get_account()["cloudwatchRoleArn"] == OTHER_ROLE
    assert updates == [] and created == []


def test_without_a_logging_role_ours_is_created_set_and_then_left_alone(aws_policies: None) -> None:
    apigateway, iam = client("apigateway"), client("iam")
    preview = account_settings.ensure_apigateway_log_role(
        apigateway, iam, client("sts"), role_name="tt-logs", apply=False
    )
    assert preview.changed and preview.message.startswith("Would create the role tt-logs")
    assert not apigateway.get_account().get("cloudwatchRoleArn")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] == "tt-logs"] == []

    outcome = account_settings.ensure_apigateway_log_role(apigateway, iam, client("sts"), role_name="tt-logs")
    assert outcome.changed
    role = iam.get_role(RoleName="tt-logs")["Role"]
    assert apigateway.get_account()["cloudwatchRoleArn"] == role["Arn"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    attached = iam.list_attached_role_policies(RoleName="tt-logs")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [PUSH_POLICY]

    updates = calls_of(apigateway, "UpdateAccount")
    again = account_settings.ensure_apigateway_log_role(apigateway, iam, client("sts"), role_name="tt-logs")
    assert not again.changed and updates == []


def test_a_setting_that_names_a_deleted_role_is_set_to_ours(aws_policies: None) -> None:
    apigateway, iam = client("apigateway"), client("iam")
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": OTHER_ROLE}])
    outcome = account_settings.ensure_apigateway_log_role(apigateway, iam, client("sts"), role_name="tt-logs")
    assert outcome.changed and "no longer exists" in outcome.message
    assert apigateway.get_account()["cloudwatchRoleArn"] == iam.get_role(RoleName="tt-logs")["Role"]["Arn"]


def test_the_role_an_earlier_service_stack_set_is_replaced_by_our_kept_role(aws_policies: None) -> None:
    apigateway, iam = client("apigateway"), client("iam")
    old = "arn:aws:iam::123456789012:role/testtime-service-ApiGatewayCloudWatchRole-ABC123"
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": old}])
    outcome = account_settings.ensure_apigateway_log_role(
        apigateway,
        iam,
        client("sts"),
        role_name="tt-logs",
        replaceable_role_names=["testtime-service-ApiGatewayCloudWatchRole-ABC123"],
    )
    assert outcome.changed and "earlier service stack" in outcome.message
    assert apigateway.get_account()["cloudwatchRoleArn"] == iam.get_role(RoleName="tt-logs")["Role"]["Arn"]


def test_update_account_is_retried_while_iam_propagates_the_new_role(aws_policies: None) -> None:
    iam, sts = client("iam"), client("sts")
    apigateway = boto3.client("apigateway", region_name=REGION)
    patience, sleeps = quick()
    with Stubber(apigateway) as stub:
        stub.add_response("get_account", {})
        for _ in range(3):
            stub.add_client_error("update_account", "BadRequestException", NOT_YET, 400)
        stub.add_response("update_account", {"cloudwatchRoleArn": "set"})
        outcome = account_settings.ensure_apigateway_log_role(
            apigateway, iam, sts, role_name="tt-logs", patience=patience
        )
        stub.assert_no_pending_responses()
    assert outcome.changed
    assert sleeps == [1.0, 2.0, 4.0]


def test_update_account_gives_up_after_its_bounded_retries_and_other_errors_are_not_retried(aws_policies: None) -> None:
    iam, sts = client("iam"), client("sts")
    apigateway = boto3.client("apigateway", region_name=REGION)
    patience, sleeps = quick(attempts=3)
    with Stubber(apigateway) as stub:
        stub.add_response("get_account", {})
        for _ in range(3):
            stub.add_client_error("update_account", "BadRequestException", NOT_YET, 400)
        with pytest.raises(ClientError):
            account_settings.ensure_apigateway_log_role(apigateway, iam, sts, role_name="tt-logs", patience=patience)
    assert sleeps == [1.0, 2.0]
    sleeps.clear()
    with Stubber(apigateway) as stub:
        stub.add_response("get_account", {})
        stub.add_client_error("update_account", "AccessDeniedException", "not allowed", 403)
        with pytest.raises(ClientError):
            account_settings.ensure_apigateway_log_role(apigateway, iam, sts, role_name="tt-logs", patience=patience)
    assert sleeps == []


# ---------------------------------------------------------------- SES identities


def test_an_existing_identity_is_untouched_and_only_the_missing_one_is_verified(aws: None) -> None:
    ses = client("ses")
    ses.verify_email_identity(EmailAddress="trainer@school.example.org")
    before = ses.get_identity_verification_attributes(Identities=["trainer@school.example.org"])
    verified = calls_of(ses, "VerifyEmailIdentity")
    addresses = ["sender@school.example.org", "trainer@school.example.org"]
    outcome = account_settings.ensure_email_identities(ses, addresses)
    assert outcome.changed
    assert outcome.details == {"created": ["sender@school.example.org"], "kept": ["trainer@school.example.org"]}
    assert verified == [{"EmailAddress": "sender@school.example.org"}]
    after = ses.get_identity_verification_attributes(Identities=["trainer@school.example.org"])
    assert after["VerificationAttributes"] == before["VerificationAttributes"]
    again = account_settings.ensure_email_identities(ses, addresses)
    assert not again.changed and len(verified) == 1


def test_identities_in_check_mode(aws: None) -> None:
    ses = client("ses")
    preview = account_settings.ensure_email_identities(
        ses, ["a@school.example.org", "b@school.example.org"], apply=False
    )
    assert preview.changed and preview.message.startswith("Would ask SES to verify")
    assert ses.list_identities()["Identities"] == []
    account_settings.ensure_email_identities(ses, ["a@school.example.org", "b@school.example.org"])
    assert sorted(ses.list_identities()["Identities"]) == ["a@school.example.org", "b@school.example.org"]


def test_purging_deletes_only_the_named_identities_that_exist(aws: None) -> None:
    ses = client("ses")
    for address in ("a@school.example.org", "other@school.example.org"):
        ses.verify_email_identity(EmailAddress=address)
    preview = account_settings.delete_email_identities(ses, ["a@school.example.org", "gone@x.example.org"], apply=False)
    assert preview.details == {"deleted": ["a@school.example.org"]}
    assert len(ses.list_identities()["Identities"]) == 2
    done = account_settings.delete_email_identities(ses, ["a@school.example.org", "gone@x.example.org"])
    assert done.changed
    assert ses.list_identities()["Identities"] == ["other@school.example.org"]
    assert not account_settings.delete_email_identities(ses, ["a@school.example.org"]).changed

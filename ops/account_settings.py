"""Account-wide state the service needs but must not own in a stack, made idempotent: the ECS service-linked
role, the role API Gateway writes logs with (one setting per account and region), and the SES identities of the
sender and the trainer. Each function takes boto3 clients, changes nothing when ``apply`` is False (Ansible's
check mode) and says what it did or would do in plain words.

The same calls run on both targets (the embedded AWS implements each of them); nothing here asks which one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ops.ses_verify import addresses_to_verify

ECS_SERVICE = "ecs.amazonaws.com"
PUSH_TO_LOGS_POLICY = "policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


@dataclass(frozen=True)
class Outcome:
    """What a function changed (or, in check mode, would change), in words for the trainer."""

    changed: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Patience:
    """How long to wait for IAM's eventual consistency: ``attempts`` tries, the pause doubling up to ``cap``."""

    attempts: int = 10
    first_pause: float = 1.0
    cap: float = 15.0
    sleep: Callable[[float], None] = time.sleep

    def pauses(self) -> list[float]:
        return [min(self.first_pause * 2**n, self.cap) for n in range(self.attempts - 1)]


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", ""))


def _wait_for_role(iam: Any, role_name: str, patience: Patience) -> None:
    """A role just created may be unknown to IAM for a few seconds (eventual consistency): GetRole until found."""
    for pause in [*patience.pauses(), None]:
        try:
            iam.get_role(RoleName=role_name)
            return
        except ClientError as error:
            if _code(error) != "NoSuchEntity" or pause is None:
                raise
            patience.sleep(pause)


def _service_linked_role(iam: Any, service: str) -> dict[str, Any] | None:
    # Service-linked roles live under /aws-service-role/<service>/ (IAM User Guide, "Using service-linked
    # roles"); looking them up by path does not depend on how a name is spelled.
    pages = iam.get_paginator("list_roles").paginate(PathPrefix=f"/aws-service-role/{service}/")
    roles = [role for page in pages for role in page.get("Roles", [])]
    return roles[0] if roles else None


def ensure_service_linked_role(
    iam: Any, service: str = ECS_SERVICE, *, apply: bool = True, patience: Patience = Patience()
) -> Outcome:
    """Makes sure the service-linked role of ``service`` exists and IAM can hand it out.

    ECS creates AWSServiceRoleForECS itself on first use, but a first Fargate service created right after may
    fail with "Unable to assume the service linked role" (ECS Developer Guide, "Using service-linked roles for
    Amazon ECS"): creating it beforehand and waiting for GetRole avoids that race."""
    found = _service_linked_role(iam, service)
    if found:
        return Outcome(False, f"The {service} service-linked role {found['RoleName']} exists.", {"role": found["Arn"]})
    if not apply:
        return Outcome(True, f"Would create the {service} service-linked role.")
    try:
        created = iam.create_service_linked_role(AWSServiceName=service)["Role"]
        role_name, arn = created["RoleName"], created["Arn"]
    except ClientError as error:
        # Created meanwhile (by ECS itself, or another deploy): AWS answers InvalidInput "...has been taken in
        # this account"; some implementations answer EntityAlreadyExists. Both mean the role is there.
        taken = _code(error) == "EntityAlreadyExists" or "has been taken" in _message(error)
        if not taken:
            raise
        found = _service_linked_role(iam, service)
        if not found:
            raise
        return Outcome(False, f"The {service} service-linked role {found['RoleName']} exists.", {"role": found["Arn"]})
    _wait_for_role(iam, role_name, patience)
    return Outcome(True, f"Created the {service} service-linked role {role_name}.", {"role": arn})


def _trust_policy() -> str:
    # Exactly AWS's documented trust policy for this role (API Gateway guide, "Set up CloudWatch logging for REST
    # APIs"): API Gateway is not documented to send aws:SourceAccount when it assumes the account's logging role,
    # and a condition it does not meet would leave UpdateAccount refusing the role for ever.
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "apigateway.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def _ensure_log_role(iam: Any, role_name: str, partition: str, patience: Patience) -> str:
    """Our own log role, outside any stack (so no remove deletes it); reused when it exists already."""
    policy_arn = f"arn:{partition}:iam::aws:{PUSH_TO_LOGS_POLICY}"
    try:
        arn = str(iam.get_role(RoleName=role_name)["Role"]["Arn"])
    except ClientError as error:
        if _code(error) != "NoSuchEntity":
            raise
        arn = str(
            iam.create_role(
                RoleName=role_name,
                AssumeRolePolicyDocument=_trust_policy(),
                Description="Lets API Gateway write access logs to CloudWatch Logs (the account setting).",
            )["Role"]["Arn"]
        )
        _wait_for_role(iam, role_name, patience)
    attached = iam.list_attached_role_policies(RoleName=role_name).get("AttachedPolicies", [])
    if policy_arn not in [policy["PolicyArn"] for policy in attached]:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    return arn


def _role_exists(iam: Any, role_name: str) -> bool:
    """A setting that names a deleted role (say, removed with an older stack) logs nothing: treated as unset."""
    try:
        iam.get_role(RoleName=role_name)
    except ClientError as error:
        if _code(error) != "NoSuchEntity":
            raise
        return False
    return True


def _set_account_role(apigateway: Any, arn: str, patience: Patience) -> None:
    """UpdateAccount refuses a role IAM has not propagated yet with BadRequestException "The role ARN does not
    have required permissions set to API Gateway": retry that, and only that, with backoff."""
    operations = [{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}]
    for pause in [*patience.pauses(), None]:
        try:
            apigateway.update_account(patchOperations=operations)
            return
        except ClientError as error:
            propagating = _code(error) == "BadRequestException" and "permissions" in _message(error)
            if not propagating or pause is None:
                raise
            patience.sleep(pause)


def ensure_apigateway_log_role(
    apigateway: Any,
    iam: Any,
    sts: Any,
    *,
    role_name: str,
    replaceable_role_names: Sequence[str] = (),
    apply: bool = True,
    patience: Patience = Patience(),
) -> Outcome:
    """Makes sure API Gateway has a CloudWatch Logs role in this account and region (the stage's access log
    needs one), without ever replacing a role someone else set.

    ``replaceable_role_names``: roles that an earlier version of this service's own stack created and that the
    next stack update deletes; an account setting pointing at one of them is moved to our kept role."""
    current = apigateway.get_account().get("cloudwatchRoleArn") or ""
    current_name = current.rsplit("/", 1)[-1] if current else ""
    if not current:
        reason = "none is set"
    elif current_name in replaceable_role_names:
        reason = "the role our earlier service stack set goes with it"
    elif not _role_exists(iam, current_name):
        reason = f"the role it was set to, {current}, no longer exists"
    else:
        return Outcome(
            False,
            f"API Gateway already writes logs with {current} (set for the whole account and region): left as it is.",
            {"role": current},
        )
    if not apply:
        return Outcome(True, f"Would create the role {role_name} and make it API Gateway's logging role ({reason}).")
    caller = sts.get_caller_identity()
    partition = str(caller["Arn"]).split(":")[1]
    arn = _ensure_log_role(iam, role_name, partition, patience)
    _set_account_role(apigateway, arn, patience)
    return Outcome(True, f"API Gateway now writes logs with {arn} ({reason}); it is kept on remove.", {"role": arn})


def ensure_email_identities(ses: Any, addresses: Sequence[str], *, apply: bool = True) -> Outcome:
    """Asks SES to verify each address it does not know yet (or whose verification failed); identities that
    exist, verified or pending, are left untouched. SES v1 (VerifyEmailIdentity) like ops/ses_verify.py and the
    scorer's mailer; an identity created through SES v2 or the console is the same identity."""
    wanted = list(dict.fromkeys(addresses))
    missing = addresses_to_verify(ses, wanted)
    kept = [address for address in wanted if address not in missing]
    if not missing:
        return Outcome(False, f"SES identities exist: {', '.join(kept)}.", {"created": [], "kept": kept})
    if apply:
        for address in missing:  # at most once per second: ops.aws_clients' SES client paces it
            ses.verify_email_identity(EmailAddress=address)
    verb = "Asked SES to verify" if apply else "Would ask SES to verify"
    message = f"{verb} {', '.join(missing)} (AWS emails each a link to click once)."
    return Outcome(True, message, {"created": missing, "kept": kept})


def delete_email_identities(ses: Any, addresses: Sequence[str], *, apply: bool = True) -> Outcome:
    """Deletes those of ``addresses`` that are SES identities (only ``--purge-data`` does)."""
    pages = ses.get_paginator("list_identities").paginate(IdentityType="EmailAddress")
    known = {identity for page in pages for identity in page.get("Identities", [])}
    present = [address for address in dict.fromkeys(addresses) if address in known]
    if not present:
        return Outcome(False, "No SES identity to delete.", {"deleted": []})
    if apply:
        for address in present:
            ses.delete_identity(Identity=address)
    verb = "Deleted" if apply else "Would delete"
    return Outcome(True, f"{verb} the SES identities {', '.join(present)}.", {"deleted": present})

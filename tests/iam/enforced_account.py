"""An in-process AWS account with IAM enforced on every request: moto (``mock_aws``, started as the shared moto
account of tests/support/moto_account.py), whose authorisation step is replaced by ``tests.iam.policy_eval``.

moto keeps the parts it does faithfully: the roles and their inline policies (IAM API), AssumeRole credentials
(STS), the SigV4 signature check of every request, the S3, SES, SQS and Lambda backends. What moto 5.2.5 decides
wrongly or not at all (see ``moto/iam/access_control.py`` and ``moto/core/responses.py``) is decided here:

- conditions (moto skips every operator but StringEquals, and passes no ``s3:prefix``);
- the resource of non-S3 calls (moto judges them all against ``*``): SES ``SendEmail`` is judged against the
  sender's identity ARN, Lambda ``Invoke`` against the function's ARN (with its qualifier, if any), SQS
  ``SendMessage`` against the queue's ARN; an operation with no mapping here is denied, so none passes unjudged;
- IAM action names that differ from the API's (``Invoke`` is ``lambda:InvokeFunction``);
- S3's 403 for a missing object: "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP
  status code 403 Access Denied error" (S3 API reference, GetObject and HeadObject, Permissions). moto answers
  404 whatever the caller's permissions.

Every judged request is recorded (role, IAM action, resource, context, decision), so tests can assert that none
was denied and that every grant was used. The scorer's lean client (``testtime.s3direct``) sends through
``tests.support.lean_transport.LeanTransport``, which hands its signed requests, unchanged, to the same moto
dispatcher boto3's requests go through: they are signature-checked and judged the same way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from moto.core.authorization import enable_iam_authentication
from moto.iam.access_control import IAMRequestBase
from moto.iam.models import iam_backends
from moto.s3.models import s3_backends

from tests.iam import policy_eval
from tests.iam.policy_eval import Decision, Request
from tests.support.moto_account import AccountOptions, moto_account

ACCOUNT_ID = "123456789012"  # moto's default account
ADMIN = {"aws_access_key_id": "admin", "aws_secret_access_key": "admin"}  # unchecked while IAM is not enforced
TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# API operation (as moto names it) -> IAM action, where they differ (Service Authorization Reference).
IAM_ACTION_OF = {"lambda:Invoke": "lambda:InvokeFunction"}
BOTO_AGENTS = ("Boto3/", "Botocore/")  # testtime.s3direct sends no User-Agent of its own


@dataclass(frozen=True)
class JudgedCall:
    role: str
    request: Request
    decision: Decision
    lean_client: bool  # sent by testtime.s3direct rather than boto3
    note: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


def _param(data: Any, name: str) -> str | None:
    value = data.get(name) if isinstance(data, dict) else None
    return value[0] if isinstance(value, list) else value


def _json_field(body: Any, name: str) -> str | None:
    """A field of a JSON-protocol request body (SQS's), or None."""
    try:
        value = json.loads(body or b"{}").get(name)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _address(source: str) -> str:
    """The address of ``Name <address>``, as SES names the identity."""
    return source.rpartition("<")[2].rstrip(">").strip() if "<" in source else source.strip()


class EnforcedAccount:
    """Start with :meth:`start`; create roles, then :meth:`enforcing` around the code under test."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.calls: list[JudgedCall] = []
        self._lock = threading.Lock()
        self._open = ExitStack()

    # ------------------------------------------------------------------ lifecycle and administration
    def start(self) -> None:
        """The shared moto account (tests/support/moto_account.py), no bucket yet: the deployment makes it."""
        patch = self._open.enter_context(pytest.MonkeyPatch.context())
        # Lambda invocations go to moto's lambda_simple backend: accepted (202), not run in Docker.
        options = AccountOptions(region=self.region, bucket=None, moto_config={"lambda": {"use_docker": False}})
        self._open.enter_context(moto_account(patch, options))

    def stop(self) -> None:
        self._open.close()

    def admin(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region, **ADMIN)

    def create_role(self, name: str, policies: dict[str, dict[str, Any]]) -> str:
        iam = self.admin("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))["Role"]["Arn"]
        for policy_name, document in policies.items():
            iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
        return str(arn)

    def role_credentials(self, role_arn: str, session: str) -> dict[str, str]:
        """Temporary credentials of the role, as Lambda hands them to the function (environment variables)."""
        creds = self.admin("sts").assume_role(RoleArn=role_arn, RoleSessionName=session)["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }

    @contextmanager
    def enforcing(self) -> Iterator[None]:
        """IAM checks on for every request (moto's signature check, then :meth:`_judge`'s decision)."""
        account = self
        original = IAMRequestBase.check_action_permitted

        def judged(request: IAMRequestBase, resource: str) -> None:
            account._judge(request, resource)

        IAMRequestBase.check_action_permitted = judged  # type: ignore[method-assign]
        try:
            with enable_iam_authentication():
                yield
        finally:
            IAMRequestBase.check_action_permitted = original  # type: ignore[method-assign]

    # ------------------------------------------------------------------ the decision
    def _judge(self, iam_request: Any, resource: str) -> None:
        moto_action: str = iam_request._action
        if moto_action == "sts:GetCallerIdentity":  # always allowed (STS API reference)
            return
        role = getattr(iam_request._access_key, "_owner_role_name", "")
        request = self._request_of(iam_request, moto_action, resource)
        policies = self._policies(role)
        decision = policy_eval.decide(policies, request) if request else Decision.IMPLICIT_DENY
        note = "" if request else f"no IAM mapping for {moto_action}"
        lean = not str(iam_request._headers.get("User-Agent", "")).startswith(BOTO_AGENTS)
        if request and decision is Decision.ALLOW and request.action == "s3:GetObject" and self._missing(resource):
            listing = Request("s3:ListBucket", resource.split("/", 1)[0])
            # Which s3:prefix S3 puts in the context of this implicit check is not documented: none is given
            # here, so a ListBucket grant limited by an s3:prefix condition does not turn the 403 into a 404.
            if policy_eval.decide(policies, listing) is not Decision.ALLOW:
                decision, note = Decision.IMPLICIT_DENY, "missing object, and no s3:ListBucket on the bucket"
        call = JudgedCall(role, request or Request(moto_action, resource), decision, lean, note)
        with self._lock:
            self.calls.append(call)
        if not call.allowed:
            iam_request._raise_access_denied()

    def _policies(self, role: str) -> list[dict[str, Any]]:
        """The role's inline policies as stored in moto's IAM (its only kind of policy: see rendered_policies)."""
        iam = iam_backends[ACCOUNT_ID]["aws"]
        documents = []
        for name in iam.list_role_policies(role):
            _, document = iam.get_role_policy(role, name)
            documents.append(json.loads(document) if isinstance(document, str) else document)
        return documents

    def _request_of(self, iam_request: Any, moto_action: str, resource: str) -> Request | None:
        service = moto_action.split(":", 1)[0]
        action = IAM_ACTION_OF.get(moto_action, moto_action)
        url = urlsplit(iam_request._path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if service == "s3":
            context = {}
            if action == "s3:ListBucket":  # S3's condition keys of ListBucket (Service Authorization Reference)
                for param, key in (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"), ("max-keys", "s3:max-keys")):
                    if param in query:
                        context[key] = query[param]
            return Request(action, resource, context)
        if action in ("ses:SendEmail", "ses:SendRawEmail"):
            # Sending is authorised on the identity of the From address (SES developer guide, IAM policies).
            source = _param(iam_request._data, "Source") or ""
            identity = f"arn:aws:ses:{self.region}:{ACCOUNT_ID}:identity/{_address(source)}"
            return Request(action, identity)
        if action in ("ses:GetSendQuota", "ses:VerifyEmailIdentity"):
            return Request(action, "*")  # no resource type: only "*" (Service Authorization Reference)
        if service == "sqs":
            queue_url = _param(iam_request._data, "QueueUrl") or _json_field(iam_request._body, "QueueUrl") or ""
            return Request(action, f"arn:aws:sqs:{self.region}:{ACCOUNT_ID}:{queue_url.rstrip('/').rsplit('/', 1)[-1]}")
        if action == "lambda:InvokeFunction":
            name = unquote(url.path.rstrip("/").split("/")[-2])
            arn = name if name.startswith("arn:") else f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{name}"
            qualifier = query.get("Qualifier")
            return Request(action, f"{arn}:{qualifier}" if qualifier else arn)
        return None

    def _missing(self, object_arn: str) -> bool:
        bucket_name, _, key = object_arn.split(":::", 1)[1].partition("/")
        bucket = s3_backends[ACCOUNT_ID]["aws"].buckets.get(bucket_name)
        if bucket is None:
            return True
        found = bucket.keys.get(key)
        return found is None or type(found).__name__ == "FakeDeleteMarker"

    # ------------------------------------------------------------------ reading the record
    def calls_of(self, role: str) -> list[JudgedCall]:
        with self._lock:
            return [call for call in self.calls if call.role == role]

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    def since(self, mark: int) -> list[JudgedCall]:
        with self._lock:
            return self.calls[mark:]

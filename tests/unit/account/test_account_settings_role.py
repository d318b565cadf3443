"""roles/account_settings through ansible-playbook, with its module, against moto's server on a free loopback
port (a fresh account per test, as the embedded AWS cannot start one without the ECS service-linked role or with
another project's API Gateway logging role): what it changes, that a second run and check mode change nothing,
and that deploy.yml refuses placeholder addresses on the aws target before anything is deployed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.harness import free_port, play_recap

ROOT = Path(__file__).resolve().parents[3]
REGION = "eu-central-1"
OTHER_ROLE = "arn:aws:iam::123456789012:role/someone-elses-apigateway-logs"
PLAYBOOK = """---
- name: Account settings only
  hosts: localhost
  gather_facts: false
  roles:
    - role: account_settings
  post_tasks:
    - name: The SES identities, as deploy.yml makes sure of them
      ansible.builtin.include_role:
        name: account_settings
        tasks_from: ses_identities.yml
"""


@dataclass
class MotoAccount:
    endpoint: str
    workdir: Path

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
        env.update(
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION=REGION,
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
            PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        )
        return env

    def play(self, *args: str, playbook: Path | None = None) -> subprocess.CompletedProcess[str]:
        if playbook is None:
            playbook = self.workdir / "account.yml"
            playbook.write_text(PLAYBOOK)
        return subprocess.run(
            [
                "ansible-playbook",
                str(playbook),
                "-e",
                f"project_root={ROOT}",
                "-e",
                f"aws_region={REGION}",
                "-e",
                "target=local",
                *args,
            ],
            cwd=ROOT,
            env=self.env(),
            text=True,
            capture_output=True,
            timeout=600,
        )


@pytest.fixture
def account(tmp_path: Path) -> Iterator[MotoAccount]:
    port = free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("moto's server did not start")
        yield MotoAccount(endpoint, tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"--- stdout\n{proc.stdout[-5000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    return proc.stdout


def ecs_roles(account: MotoAccount) -> list[str]:
    roles = account.client("iam").list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]
    return [role["RoleName"] for role in roles]


def test_a_fresh_account_gets_its_roles_and_identities_once(account: MotoAccount) -> None:
    ses = account.client("ses")
    ses.verify_email_identity(EmailAddress="trainer@example.com")  # the trainer's address is an identity already
    before = ses.get_identity_verification_attributes(Identities=["trainer@example.com"])["VerificationAttributes"]

    preview = ok(account.play("--check"))
    assert play_recap(preview)["changed"] == 3, preview[-4000:]
    assert "Would create the ecs.amazonaws.com service-linked role" in preview
    assert ecs_roles(account) == []
    assert not account.client("apigateway").get_account().get("cloudwatchRoleArn")
    assert ses.list_identities()["Identities"] == ["trainer@example.com"]

    first = ok(account.play())
    assert play_recap(first)["changed"] == 3, first[-4000:]
    assert len(ecs_roles(account)) == 1
    log_role = account.client("iam").get_role(RoleName="testtime-apigateway-cloudwatch-logs")["Role"]["Arn"]
    assert account.client("apigateway").get_account()["cloudwatchRoleArn"] == log_role
    assert sorted(ses.list_identities()["Identities"]) == ["testtime@example.com", "trainer@example.com"]
    after = ses.get_identity_verification_attributes(Identities=["trainer@example.com"])["VerificationAttributes"]
    assert after == before, "the existing identity must be left as it was"

    second = ok(account.play())
    assert play_recap(second)["changed"] == 0, second[-4000:]
    assert "SES identities exist: testtime@example.com, trainer@example.com." in second


def test_a_logging_role_set_by_someone_else_is_left_as_it_is(account: MotoAccount) -> None:
    apigateway = account.client("apigateway")
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
    iam = account.client("iam")
    iam.create_role(RoleName=OTHER_ROLE.rsplit("/", 1)[-1], AssumeRolePolicyDocument=json.dumps(trust))
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": OTHER_ROLE}])
    out = ok(account.play())
    assert f"API Gateway already writes logs with {OTHER_ROLE}" in out
    assert apigateway.get_account()["cloudwatchRoleArn"] == OTHER_ROLE
    roles = [role["RoleName"] for role in account.client("iam").list_roles()["Roles"]]
    assert "testtime-apigateway-cloudwatch-logs" not in roles


def test_switched_off_management_touches_nothing(account: MotoAccount) -> None:
    out = ok(
        account.play(
            "-e",
            "manage_ecs_service_linked_role=false",
            "-e",
            "manage_apigateway_account=false",
            "-e",
            "manage_ses_identities=false",
        )
    )
    assert play_recap(out)["changed"] == 0
    assert ecs_roles(account) == []
    assert not account.client("apigateway").get_account().get("cloudwatchRoleArn")
    assert account.client("ses").list_identities()["Identities"] == []


@pytest.mark.parametrize(
    ("overrides", "named", "not_named"),
    [
        ([], ["sender_email", "trainer_email"], []),
        (["-e", "sender_email=tests@school.example.org"], ["trainer_email"], ["sender_email is"]),
    ],
)
def test_the_aws_target_refuses_placeholder_addresses_before_deploying_anything(
    account: MotoAccount, overrides: list[str], named: list[str], not_named: list[str]
) -> None:
    env_target = ["-e", "target=aws"]
    proc = account.play(*env_target, *overrides, playbook=ROOT / "playbooks" / "deploy.yml")
    assert proc.returncode != 0
    for setting in named:
        assert f"{setting} is still the placeholder" in proc.stdout, proc.stdout[-3000:]
    for text in not_named:
        assert text not in proc.stdout
    assert "group_vars/all.yml" in proc.stdout
    recap = play_recap(proc.stdout)
    assert recap["failed"] == 1 and recap["changed"] == 0 and recap["ok"] == 0, proc.stdout[-3000:]
    assert account.client("s3").list_buckets()["Buckets"] == []
    assert ecs_roles(account) == []

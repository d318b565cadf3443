"""Fixtures of the content and publishing tests: content folders written on demand, and a moto AWS with the data
bucket and the usage plan of a deployment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from content_support import BUCKET, STUDENTS_YML, TEST_YML, ContentFiles, FakeDeployment, MakeContent

import ops.deployment
import ops.publish
from ops.deployment import Settings, StackOutputs
from ops.target import Target
from tests.support.moto_account import AccountOptions, MotoAccount

REGION = "eu-central-1"


@pytest.fixture
def make_content(tmp_path: Path) -> MakeContent:
    """Writes a content folder: a valid class list and test, changed by ``files`` (path -> text; None removes)."""
    made: list[Path] = []

    def make(files: ContentFiles | None = None) -> Path:
        folder = tmp_path / f"content-{len(made) + 1}"
        defaults = {"students.yml": STUDENTS_YML, "subjects/networks/test01.yml": TEST_YML}
        for relative, text in {**defaults, **(files or {})}.items():
            if text is not None:
                (folder / relative).parent.mkdir(parents=True, exist_ok=True)
                (folder / relative).write_text(text, encoding="utf-8")
        folder.mkdir(exist_ok=True)
        made.append(folder)
        return folder

    return make


@pytest.fixture
def moto_account_options() -> AccountOptions:
    return AccountOptions(region=REGION, bucket=BUCKET)


@pytest.fixture
def aws(moto_account: MotoAccount) -> FakeDeployment:
    """The shared moto account (tests/conftest.py) with the data bucket and a usage plan."""
    apigateway = moto_account.client("apigateway")
    plan = apigateway.create_usage_plan(name="testtime-students")
    outputs = StackOutputs(
        data_bucket=BUCKET,
        rest_api_id="api123",
        usage_plan_id=plan["id"],
        api_url=f"https://api123.execute-api.{REGION}.amazonaws.com/api",
        region=REGION,
    )
    return FakeDeployment(outputs, moto_account.s3, apigateway, moto_account.client("ses"))


@pytest.fixture
def cli(aws: FakeDeployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeDeployment:
    """``main`` reading this deployment's stack outputs and the default settings, its target moto's account:
    entering it records the --target and --region asked for (``aws.entered``) and leaves the environment alone (the
    real ops.target.enter points boto3 at 127.0.0.1, where moto does not answer; test_publish_cli.py runs it)."""

    def enter_moto(name: str, region: str | None = None) -> Target:
        aws.entered.append((name, region))
        return Target(name=name, region=region or REGION, build_dir=tmp_path, endpoint=None)

    monkeypatch.setattr(ops.publish, "enter_deployed", enter_moto)
    outputs = tmp_path / "stack-outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "DataBucketName": aws.outputs.data_bucket,
                "RestApiId": aws.outputs.rest_api_id,
                "UsagePlanId": aws.outputs.usage_plan_id,
                "ApiUrl": aws.outputs.api_url,
            }
        )
    )
    for module in (ops.deployment, ops.publish):  # ops.publish imports it by name
        monkeypatch.setattr(module, "stack_outputs_path", lambda target: outputs)
    monkeypatch.setattr(ops.publish, "load_settings", Settings)  # not the repository's group_vars
    return aws

"""Fixtures of the content and publishing tests: content folders written on demand, and a moto AWS with the data
bucket and the usage plan of a deployment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from content_support import BUCKET, STUDENTS_YML, TEST_YML, ContentFiles, FakeDeployment, MakeContent

import ops.deployment
import ops.publish
from ops.deployment import Settings, StackOutputs
from testtime import s3io


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
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDeployment]:
    """moto with the data bucket and a usage plan; never real credentials or a real endpoint."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(s3io, "_CLIENT", None)
    with mock_aws():
        import boto3

        s3 = s3io.client()
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        apigateway = boto3.client("apigateway")
        plan = apigateway.create_usage_plan(name="testtime-students")
        outputs = StackOutputs(
            data_bucket=BUCKET,
            rest_api_id="api123",
            usage_plan_id=plan["id"],
            api_url="https://api123.execute-api.eu-central-1.amazonaws.com/api",
            region="eu-central-1",
        )
        yield FakeDeployment(outputs, s3, apigateway, boto3.client("ses"))


@pytest.fixture
def cli(aws: FakeDeployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeDeployment:
    """``main`` reading this deployment's stack outputs and the default settings."""
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
    monkeypatch.setattr(ops.deployment, "stack_outputs_path", lambda target: outputs)
    monkeypatch.setattr(ops.publish, "load_settings", Settings)  # not the repository's group_vars
    return aws

"""The CloudFormation templates as Ansible renders them (cfn-lint, checkov and parliament over every variant:
tests/static/test_static_gates.py): least privilege, retention on every
log group, retained data, and a new API Deployment whenever the API definition changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.templates import render


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("rendered")
    return out, render(out)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def test_the_data_bucket_is_retained_encrypted_and_tls_only(rendered: tuple[Path, dict[str, Any]]) -> None:
    data = rendered[1]["testtime-data"]
    bucket = data["Resources"]["DataBucket"]
    assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"
    rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    statement = data["Resources"]["DataBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_every_log_group_has_retention(rendered: tuple[Path, dict[str, Any]]) -> None:
    for name, template in rendered[1].items():
        for logical, group in resources(template, "AWS::Logs::LogGroup").items():
            assert group["Properties"]["RetentionInDays"] == 30, f"{name}/{logical}"
    service = rendered[1]["testtime-service"]
    for logical, function in resources(service, "AWS::Lambda::Function").items():
        group_ref = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert service["Resources"][group_ref]["Type"] == "AWS::Logs::LogGroup", logical


def test_the_stage_writes_access_logs(rendered: tuple[Path, dict[str, Any]]) -> None:
    stage = rendered[1]["testtime-service"]["Resources"]["ApiStage"]["Properties"]
    assert stage["StageName"] == "api"
    assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [st for policy in role["Properties"].get("Policies", []) for st in policy["PolicyDocument"]["Statement"]]


def test_no_role_allows_a_wildcard_action(rendered: tuple[Path, dict[str, Any]]) -> None:
    for name, template in rendered[1].items():
        for logical, role in resources(template, "AWS::IAM::Role").items():
            for statement in _statements(role):
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert all("*" not in action for action in actions), f"{name}/{logical}: {actions}"


def _s3_resources(role: dict[str, Any], action: str) -> list[str]:
    found = []
    for statement in _statements(role):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            items = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            found += [item["Fn::Sub"] if isinstance(item, dict) else item for item in items]
    return found


def test_students_functions_cannot_read_the_answer_key(rendered: tuple[Path, dict[str, Any]]) -> None:
    roles = rendered[1]["testtime-service"]["Resources"]
    for logical in ("ListTestsRole", "GetTestRole", "SubmitTestRole"):
        readable = _s3_resources(roles[logical], "s3:GetObject")
        # Markers (submitted/<student>/<subject>/<test>, empty; the get-test role reads a resubmit test's receipt)
        # hold no answer, and no subject may be named "submitted" (ops/content/subjects.py RESERVED_SUBJECTS).
        answers_readable = [
            p for p in readable if p.endswith(("/*", "questionsKey.json")) and not p.endswith("}/submitted/*")
        ]
        assert readable and not answers_readable, readable
    assert sorted(p.rsplit("/", 1)[-1] for p in _s3_resources(roles["SubmitTestRole"], "s3:PutObject")) == [
        "*",  # submitted/* (the markers)
        "testResult.*.json",  # the versions of a resubmit test
        "testResult.json",
    ]
    assert _s3_resources(roles["GetTestRole"], "s3:PutObject") == []


def test_the_schedule_fires_every_quarter_hour_in_the_trainers_zone(rendered: tuple[Path, dict[str, Any]]) -> None:
    schedule = rendered[1]["testtime-service"]["Resources"]["ScorerSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "cron(0/15 * * * ? *)"  # a test is scored within 15 min of its deadline
    assert schedule["State"] == "ENABLED"  # only the tests' throwaway deployments disable it (TT_SCORER_SCHEDULE_STATE)
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Warsaw"
    role = rendered[1]["testtime-service"]["Resources"]["ScorerScheduleRole"]
    assert _statements(role)[0]["Action"] == "lambda:InvokeFunction"


def _deployment_ids(template: dict[str, Any]) -> list[str]:
    return list(resources(template, "AWS::ApiGateway::Deployment"))


def test_an_api_change_renders_a_new_deployment(rendered: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    base = _deployment_ids(rendered[1]["testtime-service"])
    same = _deployment_ids(render(tmp_path / "same")["testtime-service"])
    changed = render(tmp_path / "changed", extra_routes=[{"path": "tests", "method": "GET", "function": "ListTests"}])[
        "testtime-service"
    ]
    assert len(base) == 1 and same == base
    assert _deployment_ids(changed) != base
    stage = changed["Resources"]["ApiStage"]["Properties"]
    assert stage["DeploymentId"] == {"Ref": _deployment_ids(changed)[0]}

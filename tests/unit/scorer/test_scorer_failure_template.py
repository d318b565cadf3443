"""The rendered service template gives the scorer an on-failure destination it may write to, and a self-invoke
grant that also covers its qualified ARN, and nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.templates import render

PREFIX = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:testtime-scorer"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return render(Path(tmp_path_factory.mktemp("rendered")))["testtime-service"]


def scorer_statements(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [policy] = service["Resources"]["ScorerRole"]["Properties"]["Policies"]
    return {statement["Sid"]: statement for statement in policy["PolicyDocument"]["Statement"]}


def test_failed_asynchronous_runs_go_to_an_encrypted_queue_kept_14_days(service: dict[str, Any]) -> None:
    resources = service["Resources"]
    queue = resources["ScorerFailureQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["QueueName"] == "testtime-scorer-failures"
    config = resources["ScorerInvokeConfig"]
    assert config["Type"] == "AWS::Lambda::EventInvokeConfig"
    props = config["Properties"]
    assert props["FunctionName"] == {"Ref": "ScorerFunction"} and props["Qualifier"] == "$LATEST"
    assert props["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": ["ScorerFailureQueue", "Arn"]}}}
    assert 0 <= props["MaximumRetryAttempts"] <= 2 and 60 <= props["MaximumEventAgeInSeconds"] <= 21600
    env = resources["ScorerFunction"]["Properties"]["Environment"]["Variables"]
    assert env["FAILURE_QUEUE_URL"] == {"Ref": "ScorerFailureQueue"}
    assert service["Outputs"]["ScorerFailureQueueUrl"]["Value"] == {"Ref": "ScorerFailureQueue"}


def test_the_scorer_may_send_to_its_queue_and_invoke_itself_qualified_and_nothing_else(
    service: dict[str, Any],
) -> None:
    statements = scorer_statements(service)
    report = statements["ReportFailedRuns"]
    assert report["Action"] == "sqs:SendMessage"
    assert report["Resource"] == {"Fn::GetAtt": ["ScorerFailureQueue", "Arn"]}
    invoke = statements["HandOverToItself"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    assert invoke["Resource"] == [{"Fn::Sub": PREFIX}, {"Fn::Sub": f"{PREFIX}:*"}]
    # The other functions may neither write to the queue nor invoke anything.
    for name, resource in service["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role" or name in {"ScorerRole", "ScorerScheduleRole"}:
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not any(a.startswith(("sqs:", "lambda:")) for a in actions), (name, statement)

"""What the embedded AWS never shows but AWS does, answered by real botocore clients with AWS's documented answers
(botocore's Stubber checks every request against the service model): a stack left in REVIEW_IN_PROGRESS by a
CREATE change set never executed, a stack that stays in progress, a failed delete of a failed first create, a new
bucket S3 does not see yet (eventual consistency), and a bucket policy handed back with its lists in another
order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from ops import artifacts_bucket, cfn_deploy

NAME = "testtime-data"
CREATED = datetime(2026, 12, 1, tzinfo=UTC)


def stack(status: str) -> dict:
    return {"Stacks": [{"StackName": NAME, "StackStatus": status, "CreationTime": CREATED}]}


def client(service: str) -> tuple[object, Stubber]:
    made = boto3.client(service, region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="y")
    return made, Stubber(made)


def test_a_stack_in_review_is_not_waited_for_but_deleted_and_created_anew(tmp_path: Path) -> None:
    cfn, cfn_stub = client("cloudformation")
    s3, s3_stub = client("s3")
    template = tmp_path / "t.yaml"
    template.write_text("Resources: {}\n")
    cfn_stub.add_response("describe_stacks", stack("REVIEW_IN_PROGRESS"), {"StackName": NAME})
    cfn_stub.add_response("delete_stack", {}, {"StackName": NAME})
    cfn_stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {NAME} does not exist")
    cfn_stub.add_response("create_stack", {"StackId": "id"})
    cfn_stub.add_response("describe_stacks", stack("CREATE_COMPLETE"), {"StackName": NAME})
    s3_stub.add_response("head_object", {}, {"Bucket": "b", "Key": "k"})
    with cfn_stub, s3_stub:
        result = cfn_deploy.deploy(cfn, s3, name=NAME, template_path=template, template_key="k", bucket="b",
                                   template_url="https://b.s3.amazonaws.com/k", parameters={}, capabilities=[],
                                   tags={}, termination_protection=False, sleep=lambda _: None)  # fmt: skip
    assert (result.status_before, result.status, result.action) == ("ABSENT", "CREATE_COMPLETE", "create")
    cfn_stub.assert_no_pending_responses()


def test_check_mode_counts_a_stack_in_review_as_absent() -> None:
    cfn, cfn_stub = client("cloudformation")
    cfn_stub.add_response("describe_stacks", stack("REVIEW_IN_PROGRESS"), {"StackName": NAME})
    with cfn_stub:
        result = cfn_deploy.deploy(cfn, None, name=NAME, template_path=Path("-"), template_key="k", bucket="b",
                                   template_url="u", parameters={}, capabilities=[], tags={},
                                   termination_protection=False, apply=False)  # fmt: skip
    assert result.status == "ABSENT" and not result.changed


def test_a_stack_that_stays_in_progress_ends_the_wait_with_a_reason() -> None:
    cfn, cfn_stub = client("cloudformation")
    for _ in range(4):
        cfn_stub.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"), {"StackName": NAME})
    slept: list[float] = []
    with cfn_stub, pytest.raises(cfn_deploy.StackFailed, match="still UPDATE_IN_PROGRESS"):
        cfn_deploy.wait(cfn, NAME, sleep=slept.append, limit=0.9)
    assert sum(slept) >= 0.9


def test_a_failed_delete_of_the_remains_stops_before_any_create(tmp_path: Path) -> None:
    cfn, cfn_stub = client("cloudformation")
    cfn_stub.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"), {"StackName": NAME})
    cfn_stub.add_response("delete_stack", {}, {"StackName": NAME})
    cfn_stub.add_response("describe_stacks", stack("DELETE_FAILED"), {"StackName": NAME})
    with cfn_stub, pytest.raises(cfn_deploy.StackFailed, match="could not be deleted"):
        cfn_deploy.deploy(cfn, None, name=NAME, template_path=tmp_path / "t", template_key="k", bucket="b",
                          template_url="u", parameters={}, capabilities=[], tags={}, termination_protection=False,
                          sleep=lambda _: None)  # fmt: skip
    cfn_stub.assert_no_pending_responses()


def test_a_new_bucket_s3_does_not_see_yet_is_asked_again() -> None:
    s3, s3_stub = client("s3")
    s3_stub.add_client_error("get_bucket_versioning", "NoSuchBucket", "The specified bucket does not exist")
    s3_stub.add_client_error("get_bucket_versioning", "OperationAborted", "A conflicting conditional operation")
    s3_stub.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "b"})
    slept: list[float] = []
    with s3_stub:
        answer = artifacts_bucket.settled(s3.get_bucket_versioning, sleep=slept.append, Bucket="b")
    assert answer["Status"] == "Enabled" and len(slept) == 2


def test_other_errors_are_not_retried() -> None:
    s3, s3_stub = client("s3")
    s3_stub.add_client_error("get_bucket_versioning", "AccessDenied", "Access Denied")
    with s3_stub, pytest.raises(Exception, match="AccessDenied"):
        artifacts_bucket.settled(s3.get_bucket_versioning, sleep=lambda _: None, Bucket="b")


def test_a_policy_handed_back_in_another_order_is_the_same_policy() -> None:
    wanted = {"Version": "2012-10-17", "Statement": [{"Sid": "HttpsOnly", "Effect": "Deny", "Principal": "*",
              "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
              "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}  # fmt: skip
    handed_back = json.loads(json.dumps(wanted))
    handed_back["Statement"][0]["Resource"].reverse()
    assert artifacts_bucket.same_policy(handed_back, wanted)
    handed_back["Statement"][0]["Effect"] = "Allow"
    assert not artifacts_bucket.same_policy(handed_back, wanted)


def event(number: int, logical: str, status: str, reason: str = "", kind: str = "AWS::S3::Bucket") -> dict:
    return {"StackId": "id", "EventId": f"e{number}", "StackName": NAME, "LogicalResourceId": logical,
            "ResourceType": kind, "Timestamp": CREATED, "ResourceStatus": status,
            "ResourceStatusReason": reason}  # fmt: skip


def test_a_failure_names_the_failing_resources_of_the_latest_operation_only() -> None:
    # DescribeStackEvents lists the newest first; an update that failed and rolled back, after an older failure.
    cfn, stub = client("cloudformation")
    events = [
        event(9, NAME, "UPDATE_ROLLBACK_COMPLETE", kind="AWS::CloudFormation::Stack"),
        event(8, NAME, "UPDATE_ROLLBACK_IN_PROGRESS", "failed to update: [Wait]", kind="AWS::CloudFormation::Stack"),
        event(7, "Wait", "UPDATE_FAILED", "WaitCondition timed out", kind="AWS::CloudFormation::WaitCondition"),
        event(6, "Queue", "UPDATE_FAILED", "Resource update cancelled", kind="AWS::SQS::Queue"),
        event(5, "Wait", "UPDATE_FAILED", kind="AWS::CloudFormation::WaitCondition"),  # no reason: says nothing
        event(4, NAME, "UPDATE_IN_PROGRESS", "User Initiated", kind="AWS::CloudFormation::Stack"),
        event(3, "DataBucket", "CREATE_FAILED", "an older failure, dealt with since"),
    ]
    stub.add_response("describe_stack_events", {"StackEvents": events}, {"StackName": NAME})
    with stub:
        lines = cfn_deploy.failing_resources(cfn, NAME, shown=5)
    assert lines == ["Wait (AWS::CloudFormation::WaitCondition) UPDATE_FAILED: WaitCondition timed out",
                     "Queue (AWS::SQS::Queue) UPDATE_FAILED: Resource update cancelled"]  # fmt: skip


def test_a_failure_of_a_stack_gone_meanwhile_names_no_resource() -> None:
    cfn, stub = client("cloudformation")
    stub.add_client_error("describe_stack_events", "ValidationError", f"Stack [{NAME}] does not exist")
    with stub:
        assert cfn_deploy.failing_resources(cfn, NAME) == []


def test_a_failure_past_the_first_page_of_events_is_found_and_no_older_page_is_read() -> None:
    cfn, stub = client("cloudformation")
    rollback = [event(100 - n, f"Rolled{n}", "DELETE_COMPLETE") for n in range(3)]  # a large rollback's first page
    stub.add_response("describe_stack_events", {"StackEvents": rollback, "NextToken": "page2"}, {"StackName": NAME})
    older = [
        event(7, "Wait", "CREATE_FAILED", "WaitCondition timed out", kind="AWS::CloudFormation::WaitCondition"),
        event(6, NAME, "CREATE_IN_PROGRESS", "User Initiated", kind="AWS::CloudFormation::Stack"),
    ]
    stub.add_response("describe_stack_events", {"StackEvents": older, "NextToken": "page3"},
                      {"StackName": NAME, "NextToken": "page2"})  # fmt: skip
    with stub:  # a third page would be an unexpected call: the Stubber fails it
        lines = cfn_deploy.failing_resources(cfn, NAME)
    assert lines == ["Wait (AWS::CloudFormation::WaitCondition) CREATE_FAILED: WaitCondition timed out"]
    stub.assert_no_pending_responses()

"""What the embedded AWS never shows a remove but AWS does, answered by real botocore clients with AWS's documented
answers (botocore's Stubber checks every request against the service model): a delete that ends in DELETE_FAILED
or back in UPDATE_COMPLETE (an export in use), a stack gone between the lookup and the delete, a stack another run
is updating, a bucket written to after it was emptied (BucketNotEmpty), object versions over several pages,
DeleteObjects refusing some keys, and log groups over several pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ops import teardown

NAME = "testtime-data"
BUCKET = "testtime-data-databucket-1a2b3c"
CREATED = datetime(2026, 12, 1, tzinfo=UTC)
GONE = f"Stack with id {NAME} does not exist"


def client(service: str) -> tuple[Any, Stubber]:
    made = boto3.client(service, region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="y")
    return made, Stubber(made)


def stack(status: str, protected: bool = False, reason: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"StackName": NAME, "StackStatus": status, "CreationTime": CREATED,
                             "EnableTerminationProtection": protected}  # fmt: skip
    if reason:
        found["StackStatusReason"] = reason
    return {"Stacks": [found]}


def event(logical: str, status: str, reason: str, kind: str = "AWS::S3::Bucket") -> dict[str, Any]:
    return {"StackId": "id", "EventId": f"{logical}-{status}", "StackName": NAME, "LogicalResourceId": logical,
            "ResourceType": kind, "Timestamp": CREATED, "ResourceStatus": status,
            "ResourceStatusReason": reason}  # fmt: skip


def no_sleep(_: float) -> None:
    return None


def test_a_failed_delete_stops_with_the_failing_resources_and_their_reasons() -> None:
    cfn, stub = client("cloudformation")
    stub.add_response("describe_stacks", stack("UPDATE_COMPLETE", protected=True), {"StackName": NAME})
    stub.add_response("update_termination_protection", {"StackId": "id"},
                      {"StackName": NAME, "EnableTerminationProtection": False})  # fmt: skip
    stub.add_response("delete_stack", {}, {"StackName": NAME})
    stub.add_response("describe_stacks", stack("DELETE_IN_PROGRESS"), {"StackName": NAME})
    stub.add_response("describe_stacks", stack("DELETE_FAILED", reason="The following resource(s) failed to delete: "
                                               "[DataBucket]."), {"StackName": NAME})  # fmt: skip
    failed = event("DataBucket", "DELETE_FAILED", "The bucket you tried to delete is not empty")
    stub.add_response("describe_stack_events", {"StackEvents": [
        event(NAME, "DELETE_FAILED", "The following resource(s) failed to delete: [DataBucket].",
              "AWS::CloudFormation::Stack"),
        failed,
        event(NAME, "DELETE_IN_PROGRESS", "User Initiated", "AWS::CloudFormation::Stack"),
        event("DataBucket", "CREATE_FAILED", "an older failure, dealt with before"),
    ]}, {"StackName": NAME})  # fmt: skip
    with stub, pytest.raises(teardown.RemoveFailed) as raised:
        teardown.remove_stack(cfn, NAME, sleep=no_sleep)
    message = str(raised.value)
    assert message.startswith(f"Stop: could not remove {NAME}: it is DELETE_FAILED (The following resource(s)")
    assert "DataBucket (AWS::S3::Bucket) DELETE_FAILED: The bucket you tried to delete is not empty" in message
    assert "older failure" not in message
    assert any("DataBucket" in line for line in raised.value.failing)
    stub.assert_no_pending_responses()


def test_a_delete_that_ends_back_in_update_complete_is_a_failure_not_a_wait() -> None:
    # An export another stack imports: CloudFormation puts the stack back in UPDATE_COMPLETE (boto/botocore#2590).
    cfn, stub = client("cloudformation")
    stub.add_response("describe_stacks", stack("CREATE_COMPLETE"), {"StackName": NAME})
    stub.add_response("delete_stack", {}, {"StackName": NAME})
    in_use = "Export testtime-data-Bucket cannot be deleted as it is in use by other-stack"
    stub.add_response("describe_stacks", stack("UPDATE_COMPLETE", reason=in_use), {"StackName": NAME})
    stub.add_response("describe_stack_events", {"StackEvents": []}, {"StackName": NAME})
    with stub, pytest.raises(teardown.RemoveFailed, match=re.escape(f"it is UPDATE_COMPLETE ({in_use})")):
        teardown.remove_stack(cfn, NAME, sleep=no_sleep)


def test_a_stack_gone_between_the_lookup_and_the_delete_is_no_error() -> None:
    cfn, stub = client("cloudformation")
    # Gone before the delete: DescribeStacks by name says "does not exist".
    stub.add_client_error("describe_stacks", "ValidationError", GONE, expected_params={"StackName": NAME})
    # Gone while its protection was turned off.
    stub.add_response("describe_stacks", stack("CREATE_COMPLETE", protected=True), {"StackName": NAME})
    stub.add_client_error("update_termination_protection", "ValidationError", f"Stack [{NAME}] does not exist")
    # Gone just before DeleteStack, which answers success for a stack that does not exist; the wait sees it gone.
    stub.add_response("describe_stacks", stack("CREATE_COMPLETE"), {"StackName": NAME})
    stub.add_response("delete_stack", {}, {"StackName": NAME})
    stub.add_client_error("describe_stacks", "ValidationError", GONE, expected_params={"StackName": NAME})
    with stub:
        assert teardown.remove_stack(cfn, NAME, sleep=no_sleep) is False
        assert teardown.remove_stack(cfn, NAME, sleep=no_sleep) is False
        assert teardown.remove_stack(cfn, NAME, sleep=no_sleep) is True
    stub.assert_no_pending_responses()


def test_the_lookup_counts_a_stack_gone_while_its_resources_were_listed_as_absent() -> None:
    cfn, stub = client("cloudformation")
    stub.add_response("describe_stacks", stack("CREATE_COMPLETE"), {"StackName": NAME})
    stub.add_client_error("list_stack_resources", "ValidationError", GONE, expected_params={"StackName": NAME})
    stub.add_response("describe_stacks", stack("DELETE_FAILED", protected=True), {"StackName": NAME})
    summary = {"LogicalResourceId": "DataBucket", "PhysicalResourceId": BUCKET, "ResourceType": "AWS::S3::Bucket",
               "LastUpdatedTimestamp": CREATED, "ResourceStatus": "DELETE_FAILED"}  # fmt: skip
    stub.add_response("list_stack_resources", {"StackResourceSummaries": [summary], "NextToken": "2"},
                      {"StackName": NAME})  # fmt: skip
    stub.add_response("list_stack_resources", {"StackResourceSummaries": [dict(summary, LogicalResourceId="Key")]},
                      {"StackName": NAME, "NextToken": "2"})  # fmt: skip
    with stub:
        assert teardown.find_stack(cfn, NAME) is None
        found = teardown.find_stack(cfn, NAME)
    assert found is not None and found.protected and found.status == "DELETE_FAILED"
    assert [r.logical_id for r in found.resources] == ["DataBucket", "Key"]


def test_a_stack_another_run_is_updating_is_waited_for_before_its_delete() -> None:
    cfn, stub = client("cloudformation")
    stub.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"), {"StackName": NAME})
    stub.add_response("describe_stacks", stack("UPDATE_IN_PROGRESS"), {"StackName": NAME})
    stub.add_response("describe_stacks", stack("UPDATE_COMPLETE"), {"StackName": NAME})
    stub.add_response("delete_stack", {}, {"StackName": NAME})
    stub.add_client_error("describe_stacks", "ValidationError", GONE, expected_params={"StackName": NAME})
    slept: list[float] = []
    with stub:
        assert teardown.remove_stack(cfn, NAME, sleep=slept.append) is True
    assert slept
    stub.assert_no_pending_responses()


def versions(*keys: str, markers: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "Versions": [{"Key": key, "VersionId": f"v-{key}"} for key in keys],
        "DeleteMarkers": [{"Key": key, "VersionId": f"m-{key}"} for key in markers],
        "IsTruncated": False,
    }


def deleted(*entries: tuple[str, str]) -> dict[str, Any]:
    return {"Bucket": BUCKET, "Delete": {"Objects": [{"Key": k, "VersionId": v} for k, v in entries], "Quiet": True}}


def test_a_bucket_written_to_after_it_was_emptied_is_emptied_again_then_deleted() -> None:
    s3, stub = client("s3")
    stub.add_response("list_object_versions", versions("scores.json", markers=("old.json",)), {"Bucket": BUCKET})
    stub.add_response("delete_objects", {}, deleted(("scores.json", "v-scores.json"), ("old.json", "m-old.json")))
    stub.add_client_error("delete_bucket", "BucketNotEmpty", "The bucket you tried to delete is not empty",
                          http_status_code=409, expected_params={"Bucket": BUCKET})  # fmt: skip
    stub.add_response("list_object_versions", versions("late.json"), {"Bucket": BUCKET})
    stub.add_response("delete_objects", {}, deleted(("late.json", "v-late.json")))
    stub.add_response("delete_bucket", {}, {"Bucket": BUCKET})
    with stub:
        assert teardown.delete_bucket(s3, BUCKET) is True
    stub.assert_no_pending_responses()


def test_every_page_of_versions_and_delete_markers_is_deleted_in_batches_of_at_most_1000() -> None:
    s3, stub = client("s3")
    first = versions(*(f"k{i:04}" for i in range(600)), markers=tuple(f"k{i:04}" for i in range(400)))
    first.update(IsTruncated=True, NextKeyMarker="k0599", NextVersionIdMarker="v-k0599")
    stub.add_response("list_object_versions", first, {"Bucket": BUCKET})
    batch = [(f"k{i:04}", f"v-k{i:04}") for i in range(600)] + [(f"k{i:04}", f"m-k{i:04}") for i in range(400)]
    stub.add_response("delete_objects", {}, deleted(*batch))
    stub.add_response("list_object_versions", versions("k0600"),
                      {"Bucket": BUCKET, "KeyMarker": "k0599", "VersionIdMarker": "v-k0599"})  # fmt: skip
    stub.add_response("delete_objects", {}, deleted(("k0600", "v-k0600")))
    with stub:
        assert teardown.empty_bucket(s3, BUCKET) == 1001
    stub.assert_no_pending_responses()


def test_keys_deleteobjects_refuses_stop_the_remove_and_keys_gone_meanwhile_do_not() -> None:
    s3, stub = client("s3")
    stub.add_response("list_object_versions", versions("a.json", "b.json", "c.json"), {"Bucket": BUCKET})
    # DeleteObjects answers 200 with an Errors list: each refused key is there, not in an exception.
    stub.add_response("delete_objects", {"Errors": [
        {"Key": "a.json", "VersionId": "v-a.json", "Code": "NoSuchVersion", "Message": "gone meanwhile"},
        {"Key": "b.json", "VersionId": "v-b.json", "Code": "AccessDenied", "Message": "Access Denied"},
    ]}, deleted(("a.json", "v-a.json"), ("b.json", "v-b.json"), ("c.json", "v-c.json")))  # fmt: skip
    with stub, pytest.raises(teardown.RemoveFailed, match=r"1 objects not deleted, e.g. b.json: AccessDenied"):
        teardown.delete_bucket(s3, BUCKET)


def test_a_bucket_gone_meanwhile_is_no_error() -> None:
    s3, stub = client("s3")
    stub.add_client_error("list_object_versions", "NoSuchBucket", "The specified bucket does not exist",
                          http_status_code=404, expected_params={"Bucket": BUCKET})  # fmt: skip
    with stub:
        assert teardown.delete_buckets(s3, [BUCKET]) == []


def test_log_groups_over_several_pages_and_one_gone_meanwhile() -> None:
    logs, stub = client("logs")
    page = {"logGroups": [{"logGroupName": "/aws/lambda/testtime-list-tests"},
                          {"logGroupName": "/aws/lambda/testtime-smoke-x-scorer"}], "nextToken": "2"}  # fmt: skip
    stub.add_response("describe_log_groups", page, {"logGroupNamePrefix": "/aws/lambda/testtime-"})
    stub.add_response("describe_log_groups", {"logGroups": [{"logGroupName": "/aws/lambda/testtime-scorer"}]},
                      {"logGroupNamePrefix": "/aws/lambda/testtime-", "nextToken": "2"})  # fmt: skip
    stub.add_response("describe_log_groups", {"logGroups": []}, {"logGroupNamePrefix": "/ecs/testtime-"})
    stub.add_response("delete_log_group", {}, {"logGroupName": "/aws/lambda/testtime-list-tests"})
    stub.add_client_error("delete_log_group", "ResourceNotFoundException", "The specified log group does not exist.",
                          expected_params={"logGroupName": "/aws/lambda/testtime-scorer"})  # fmt: skip
    candidates = ["/aws/lambda/testtime-list-tests", "/aws/lambda/testtime-scorer", "/ecs/testtime-portal"]
    with stub:
        found = teardown.find_log_groups(logs, candidates, "testtime")
        assert found == ["/aws/lambda/testtime-list-tests", "/aws/lambda/testtime-scorer"]
        assert teardown.delete_log_groups(logs, found) == ["/aws/lambda/testtime-list-tests"]
    stub.assert_no_pending_responses()

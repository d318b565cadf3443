"""./remove-api-gateway.sh against its own throwaway embedded AWS: check mode, a remove that keeps the data (and
a redeploy that serves it again), idempotency, the typed confirmation, and --purge-data leaving nothing behind."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.harness import LocalAws, api_key, play_recap
from tests.support.throwaway_aws import ThrowawayAws

pytestmark = pytest.mark.integration

SUBMISSION_KEY = "operating-systems/test01/student03/testResult.json"
SCORE_KEY = "operating-systems/test01/student03/score.json"
LOG_PREFIXES = ("/aws/lambda/testtime-", "/aws/apigateway/testtime-", "/ecs/testtime-")


@pytest.fixture(scope="module")
def aws(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    with throwaway_aws("teardown", publish=True) as local:
        bucket = local.outputs()["DataBucketName"]
        s3 = local.client("s3")
        submission = {"studentId": "student03", "subjectName": "operating-systems", "testId": "test01", "answers": []}
        s3.put_object(Bucket=bucket, Key=SUBMISSION_KEY, Body=json.dumps(submission).encode())
        s3.put_object(Bucket=bucket, Key=SCORE_KEY, Body=b'{"studentId": "student03", "percent": 50}')
        local.data_bucket = bucket  # type: ignore[attr-defined]
        yield local


def stacks(aws: LocalAws) -> dict[str, dict[str, Any]]:
    return {s["StackName"]: s for s in aws.client("cloudformation").describe_stacks()["Stacks"]}


def buckets(aws: LocalAws) -> list[str]:
    return [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]


def project_log_groups(aws: LocalAws) -> list[str]:
    logs = aws.client("logs")
    return [
        group["logGroupName"]
        for prefix in LOG_PREFIXES
        for group in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]
    ]


def list_tests(aws: LocalAws, student: str) -> tuple[int, dict]:
    request = urllib.request.Request(aws.outputs()["ApiUrl"] + "/api/v1/tests", method="POST", data=b"{}")
    request.add_header("x-api-key", api_key(aws, student))
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_check_mode_previews_everything_and_changes_nothing(aws: LocalAws) -> None:
    preview = aws.run("remove-api-gateway.sh", "--check", "--purge-data")
    for line in ("Would remove:", "stack testtime-portal", "stack testtime-service", "stack testtime-data"):
        assert line in preview.stdout, preview.stdout[-4000:]
    assert f"bucket {aws.data_bucket} (THE DATA" in preview.stdout  # type: ignore[attr-defined]
    assert "log group /aws/lambda/testtime-list-tests" in preview.stdout
    found = stacks(aws)
    assert {"testtime-data", "testtime-service"} <= set(found)
    assert found["testtime-data"]["EnableTerminationProtection"] is True
    assert (aws.build_dir / "stack-outputs.json").is_file()


def test_a_purge_needs_the_typed_confirmation(aws: LocalAws) -> None:
    refused = aws.run("remove-api-gateway.sh", "--purge-data", check=False, input="yes\n")
    assert refused.returncode == 1
    assert aws.data_bucket in refused.stderr  # type: ignore[attr-defined]  # the prompt names the bucket
    assert "nothing was removed" in refused.stderr
    assert "testtime-service" in stacks(aws)


def portal_answers(aws: LocalAws) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{aws.portal_port}/healthz", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_remove_keeps_the_data_and_nothing_else(aws: LocalAws) -> None:
    aws.run("bin/portal.sh", "start")
    assert portal_answers(aws)
    removed = aws.run("remove-api-gateway.sh")
    # A portal left running would answer every page with "Not Found" from an API that is gone.
    assert "the local web portal is stopped" in removed.stdout
    assert not portal_answers(aws)
    assert "Kept: stack testtime-data" in removed.stdout, removed.stdout[-4000:]
    assert "and the students' API keys" in removed.stdout
    found = stacks(aws)
    assert set(found) == {"testtime-data"}
    assert found["testtime-data"]["EnableTerminationProtection"] is True
    assert buckets(aws) == [aws.data_bucket]  # type: ignore[attr-defined]  # no artifacts bucket
    assert project_log_groups(aws) == []
    s3 = aws.client("s3")
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=aws.data_bucket)["Contents"]}  # type: ignore[attr-defined]
    assert {SUBMISSION_KEY, SCORE_KEY, "studentsList.json", "catalog.json"} <= keys
    assert not (aws.build_dir / "stack-outputs.json").exists()
    assert (aws.build_dir / "stacks" / "testtime-data.json").is_file()
    # The students' keys stay: the kept class list identifies each student by their key's digest.
    assert api_key(aws, "student01")


def test_a_second_remove_finds_nothing_to_remove(aws: LocalAws) -> None:
    again = aws.run("remove-api-gateway.sh")
    assert "Nothing to remove." in again.stdout
    assert play_recap(again.stdout)["changed"] == 0, again.stdout[-4000:]


def test_a_new_deploy_serves_the_kept_data(aws: LocalAws) -> None:
    aws.run("deploy-api-gateway.sh")
    assert aws.outputs()["DataBucketName"] == aws.data_bucket  # type: ignore[attr-defined]
    # The new API has a new usage plan; the deploy attached the students' kept keys to it, no publish needed.
    body = aws.client("s3").get_object(Bucket=aws.data_bucket, Key=SUBMISSION_KEY)["Body"].read()  # type: ignore[attr-defined]
    assert json.loads(body)["studentId"] == "student03"
    status, tests = list_tests(aws, "student01")
    assert status == 200, tests
    assert [t["testId"] for s in tests["subjects"] for t in s["tests"]] == ["test01", "test02"]


def test_purge_leaves_nothing_of_the_project(aws: LocalAws) -> None:
    purged = aws.run("remove-api-gateway.sh", "--purge-data", "--yes")
    assert f"bucket {aws.data_bucket} (THE DATA" in purged.stdout, purged.stdout[-4000:]  # type: ignore[attr-defined]
    assert stacks(aws) == {}
    assert buckets(aws) == []
    logs = aws.client("logs").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in logs if "testtime" in g["logGroupName"]] == []
    assert aws.client("apigateway").get_api_keys(nameQuery="testtime-")["items"] == []
    assert aws.client("ecr").describe_repositories()["repositories"] == []
    assert not (aws.build_dir / "stacks" / "testtime-data.json").exists()
    again = aws.run("remove-api-gateway.sh", "--purge-data", "--yes")
    assert "Nothing to remove." in again.stdout
    assert play_recap(again.stdout)["changed"] == 0

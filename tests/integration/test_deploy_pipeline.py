"""The deploy pipeline against its own throwaway embedded AWS: cold deploy, what it created, idempotency, an API
change reaching the stage, recovery from ROLLBACK_COMPLETE and a failed update (--check: test_deploy_preview.py)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.integration.harness import LocalAws, play_recap
from tests.support.throwaway_aws import ThrowawayAws

pytestmark = pytest.mark.integration

EXTRA_ROUTE = json.dumps({"extra_routes": [{"path": "tests", "method": "GET", "function": "ListTests"}]})


@pytest.fixture(scope="module")
def aws(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    """A cold deploy (its output in ``deploy_output``) to this module's own emulator."""
    with throwaway_aws("pipeline") as local:
        yield local


def call(url: str, method: str = "GET", key: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    if key:
        request.add_header("x-api-key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_status_prints_the_endpoint(aws: LocalAws) -> None:
    status = aws.run("bin/local-aws.sh", "status")
    assert f"endpoint: http://127.0.0.1:{aws.port}" in status.stdout


def test_cold_deploy_prints_next_steps(aws: LocalAws) -> None:
    assert "Test Time is deployed (local)" in aws.deploy_output
    assert "./update-subjects-or-students.sh" in aws.deploy_output


def test_stacks_are_complete_and_data_is_protected(aws: LocalAws) -> None:
    cfn = aws.client("cloudformation")
    for name in ("testtime-data", "testtime-service"):
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), name
        assert {"Key": "Project", "Value": "test-time"} in stack["Tags"]
    assert cfn.describe_stacks(StackName="testtime-data")["Stacks"][0]["EnableTerminationProtection"] is True


def test_data_bucket_is_encrypted_versioned_and_private(aws: LocalAws) -> None:
    s3 = aws.client("s3")
    bucket = aws.outputs()["DataBucketName"]
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert any(
        st["Effect"] == "Deny" and st["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        for st in policy["Statement"]
    )


def test_api_has_key_protected_routes_and_a_usage_plan(aws: LocalAws) -> None:
    apigw = aws.client("apigateway")
    outputs = aws.outputs()
    resources = apigw.get_resources(restApiId=outputs["RestApiId"])["items"]
    routes = {(method, item["path"]) for item in resources for method in item.get("resourceMethods", {})}
    # The students' routes (their tests, a test, a submission, their history), and the trainer's results route.
    assert routes == {
        ("POST", "/api/v1/tests"),
        ("GET", "/api/v1/test"),
        ("POST", "/api/v1/test"),
        ("GET", "/api/v1/results"),
        ("GET", "/api/v1/history"),
    }
    for item in resources:
        for method in item.get("resourceMethods", {}):
            detail = apigw.get_method(restApiId=outputs["RestApiId"], resourceId=item["id"], httpMethod=method)
            assert detail["apiKeyRequired"] is True
            assert detail["methodIntegration"]["type"] == "AWS_PROXY"
    stage = apigw.get_stage(restApiId=outputs["RestApiId"], stageName="api")
    assert stage["deploymentId"] == outputs["ApiDeploymentId"]
    # Access logging is asserted on the rendered template (tests/unit/test_templates.py): MiniStack's
    # CloudFormation does not apply a REST stage's AccessLogSetting.
    plan = apigw.get_usage_plan(usagePlanId=outputs["UsagePlanId"])
    assert [(s["apiId"], s["stage"]) for s in plan["apiStages"]] == [(outputs["RestApiId"], "api")]
    assert plan["throttle"]["rateLimit"] > 0 and plan["quota"]["period"] == "DAY"


def test_the_api_refuses_calls_without_a_key(aws: LocalAws) -> None:
    status, _ = call(aws.outputs()["ApiUrl"] + "/api/v1/tests", "POST")
    assert status == 403


def test_functions_schedule_and_log_groups(aws: LocalAws) -> None:
    lam = aws.client("lambda")
    logs = aws.client("logs")
    outputs = aws.outputs()
    for key in ("ListTestsFunctionName", "GetTestFunctionName", "SubmitTestFunctionName", "ScorerFunctionName"):
        config = lam.get_function_configuration(FunctionName=outputs[key])
        assert config["Environment"]["Variables"]["DATA_BUCKET"] == outputs["DataBucketName"]
        group = f"/aws/lambda/{outputs[key]}"
        found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        assert [g["retentionInDays"] for g in found if g["logGroupName"] == group] == [30]
    schedule = aws.client("scheduler").get_schedule(Name=outputs["ScorerScheduleName"])
    assert schedule["ScheduleExpression"] == "cron(0/15 * * * ? *)"
    assert schedule["State"] == "DISABLED"  # the tests run the scorer themselves (TT_SCORER_SCHEDULE_STATE)
    assert schedule["Target"]["Arn"].endswith(":function:testtime-scorer")
    role = schedule["Target"]["RoleArn"].rsplit("/", 1)[-1]
    policies = aws.client("iam").list_role_policies(RoleName=role)["PolicyNames"]
    assert policies, "the schedule's role must carry the invoke permission"


def test_ses_identities_for_sender_and_trainer(aws: LocalAws) -> None:
    identities = aws.client("ses").list_identities()["Identities"]
    assert {"testtime@example.com", "trainer@example.com"} <= set(identities)


def test_second_run_and_a_forced_playbook_change_nothing(aws: LocalAws) -> None:
    cfn = aws.client("cloudformation")
    s3 = aws.client("s3")
    before = {s["StackName"]: s.get("LastUpdatedTime") for s in cfn.describe_stacks()["Stacks"]}
    artifacts = [b["Name"] for b in s3.list_buckets()["Buckets"] if "-artifacts-" in b["Name"]]
    objects_before = s3.list_object_versions(Bucket=artifacts[0]).get("Versions", [])
    again = aws.run("deploy-api-gateway.sh")
    assert "nothing changed since the last deploy, and every stack is complete" in again.stdout
    # The whole playbook, forced, is idempotent in its own right.
    aws.run("deploy-api-gateway.sh", "--force")
    assert play_recap(aws.deploy_log())["changed"] == 0, aws.deploy_log()[-4000:]
    after = {s["StackName"]: s.get("LastUpdatedTime") for s in cfn.describe_stacks()["Stacks"]}
    assert after == before
    assert s3.list_object_versions(Bucket=artifacts[0]).get("Versions", []) == objects_before


def test_a_restart_keeps_stacks_keys_objects_and_functions(aws: LocalAws) -> None:
    s3 = aws.client("s3")
    bucket = aws.outputs()["DataBucketName"]
    s3.put_object(Bucket=bucket, Key="restart-probe/testResult.json", Body=b'{"kept": true}')
    key = aws.client("apigateway").create_api_key(name="restart-probe", enabled=True)["id"]
    aws.stop()
    aws.start()
    assert json.loads(s3.get_object(Bucket=bucket, Key="restart-probe/testResult.json")["Body"].read()) == {
        "kept": True
    }
    assert aws.client("apigateway").get_api_key(apiKey=key)["name"] == "restart-probe"
    stacks = {s["StackName"]: s["StackStatus"] for s in aws.client("cloudformation").describe_stacks()["Stacks"]}
    assert stacks["testtime-service"].endswith("_COMPLETE")
    # The function's code survived too: it runs and answers a JSON error for a request without a key.
    event = {"httpMethod": "POST", "headers": {}, "body": "{}", "requestContext": {"requestId": "restart"}}
    reply = aws.client("lambda").invoke(FunctionName="testtime-list-tests", Payload=json.dumps(event).encode())
    assert json.loads(json.loads(reply["Payload"].read())["body"])["error"] == "forbidden"


def test_an_api_change_reaches_the_deployed_stage(aws: LocalAws) -> None:
    apigw = aws.client("apigateway")
    before = aws.outputs()
    url = before["ApiUrl"] + "/api/v1/tests"
    key = apigw.create_api_key(name="pipeline-test", enabled=True)
    apigw.create_usage_plan_key(usagePlanId=before["UsagePlanId"], keyId=key["id"], keyType="API_KEY")
    status, body = call(url, "GET", key["value"])
    # API Gateway itself answers a method the API lacks (its MISSING_AUTHENTICATION_TOKEN gateway response).
    assert body.get("error") == "no_such_route", "GET /api/v1/tests must not reach a function before the change"
    try:
        aws.run("deploy-api-gateway.sh", "-e", EXTRA_ROUTE)
        after = aws.outputs()
        assert after["ApiDeploymentId"] != before["ApiDeploymentId"]
        stage = apigw.get_stage(restApiId=after["RestApiId"], stageName="api")
        assert stage["deploymentId"] == after["ApiDeploymentId"]
        status, body = call(url, "GET", key["value"])
        # The list-tests function answers now (it does not know this key: a JSON error of its own).
        assert body.get("error") not in (None, "no_such_route"), (status, body)
    finally:
        apigw.delete_api_key(apiKey=key["id"])


def test_a_stack_left_in_rollback_complete_is_created_again(aws: LocalAws) -> None:
    cfn = aws.client("cloudformation")
    # A wait condition nobody signals times out: the first create fails and rolls back.
    broken = {
        "Resources": {
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "Never": {
                "Type": "AWS::CloudFormation::WaitCondition",
                "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": "1"},
            },
        },
    }
    cfn.create_stack(StackName="rbtest-data", TemplateBody=json.dumps(broken))
    for _ in range(120):  # botocore's stack_rollback_complete waiter is for updates; poll instead
        if cfn.describe_stacks(StackName="rbtest-data")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE":
            break
        time.sleep(1)
    else:
        pytest.fail("the probe stack never reached ROLLBACK_COMPLETE")
    aws.run("deploy-api-gateway.sh", "-e", "project_name=rbtest")
    assert cfn.describe_stacks(StackName="rbtest-data")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert cfn.describe_stacks(StackName="rbtest-service")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

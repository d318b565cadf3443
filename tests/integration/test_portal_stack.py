"""The portal stack on the throwaway embedded AWS after a deploy: ECR repository, ECS cluster, Fargate task
definition and service (no task without an image), the HTTPS front door (HTTP API, Cloud Map), the secret kept out
of the outputs; and the local portal process the deploy starts on the local target."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.integration.harness import LocalAws, play_recap
from tests.integration.portal_support import free_port

pytestmark = pytest.mark.integration


def test_the_ecr_repository_scans_on_push_and_expires_old_images(deployed: LocalAws) -> None:
    ecr = deployed.client("ecr")
    outputs = deployed.outputs()
    repo = ecr.describe_repositories(repositoryNames=[outputs["PortalRepositoryName"]])["repositories"][0]
    assert repo["repositoryUri"] == outputs["PortalRepositoryUri"]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    assert repo["imageTagMutability"] == "IMMUTABLE"
    policy = json.loads(ecr.get_lifecycle_policy(repositoryName=repo["repositoryName"])["lifecyclePolicyText"])
    assert policy["rules"][0]["selection"]["countNumber"] == 10


def test_cluster_task_definition_and_service(deployed: LocalAws) -> None:
    ecs = deployed.client("ecs")
    outputs = deployed.outputs()
    clusters = ecs.describe_clusters(clusters=[outputs["PortalClusterName"]])["clusters"]
    assert [c["status"] for c in clusters] == ["ACTIVE"]

    task = ecs.describe_task_definition(taskDefinition=outputs["PortalTaskDefinitionArn"])["taskDefinition"]
    assert task["networkMode"] == "awsvpc"
    assert "FARGATE" in task["requiresCompatibilities"]
    assert (str(task["cpu"]), str(task["memory"])) == ("256", "512")
    container = task["containerDefinitions"][0]
    env = {item["name"]: item["value"] for item in container["environment"]}
    assert env["API_URL"].endswith("/api")
    # The secret reaches the task by reference only (MiniStack keeps the entry, not its fields: the rendered
    # template's Secrets are checked in tests/unit/portal/test_portal_template.py).
    assert container["secrets"] and "PORTAL_SECRET_KEY" not in env
    assert container["logConfiguration"]["options"]["awslogs-group"] == outputs["PortalLogGroupName"]

    service = ecs.describe_services(cluster=outputs["PortalClusterName"], services=[outputs["PortalServiceName"]])
    found = service["services"][0]
    assert found["desiredCount"] == 0, "no image here (no Docker engine, no portal_image): no task"
    breaker = found["deploymentConfiguration"]["deploymentCircuitBreaker"]
    assert breaker == {"enable": True, "rollback": True}
    assert found["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"
    assert outputs["PortalImage"] == "none"

    groups = deployed.client("logs").describe_log_groups(logGroupNamePrefix=outputs["PortalLogGroupName"])
    assert [g.get("retentionInDays") for g in groups["logGroups"]] == [30]


def test_the_https_front_door_deploys_with_the_same_template(deployed: LocalAws) -> None:
    """The HTTP API, its $default stage and route, the private integration and the Cloud Map namespace and
    service are created by the embedded AWS's CloudFormation too; only the VPC link is left out there (its type
    is unknown to MiniStack, see docs/emulator-differences.md)."""
    outputs = deployed.outputs()
    resources = {
        res["LogicalResourceId"]: res
        for res in deployed.client("cloudformation").describe_stack_resources(StackName="testtime-portal")[
            "StackResources"
        ]
    }
    assert "PortalVpcLink" not in resources
    apigw = deployed.client("apigatewayv2")
    api_id = resources["PortalHttpApi"]["PhysicalResourceId"]
    api = apigw.get_api(ApiId=api_id)
    assert api["ProtocolType"] == "HTTP"
    assert outputs["PortalUrl"] == api["ApiEndpoint"]
    stage = apigw.get_stage(ApiId=api_id, StageName="$default")
    assert stage["AutoDeploy"] is True
    assert (
        stage["AccessLogSettings"]["DestinationArn"]
        .split(":log-group:")[1]
        .startswith("/aws/apigateway/testtime-portal-access")
    )
    [integration] = apigw.get_integrations(ApiId=api_id)["Items"]
    assert (integration["IntegrationType"], integration["ConnectionType"]) == ("HTTP_PROXY", "VPC_LINK")
    discovery = deployed.client("servicediscovery")
    [service] = [s for s in discovery.list_services()["Services"] if s["Arn"] == integration["IntegrationUri"]]
    assert [record["Type"] for record in service["DnsConfig"]["DnsRecords"]] == ["SRV"]
    [route] = apigw.get_routes(ApiId=api_id)["Items"]
    assert (route["RouteKey"], route["Target"]) == ("$default", f"integrations/{integration['IntegrationId']}")
    groups = deployed.client("logs").describe_log_groups(logGroupNamePrefix="/aws/apigateway/testtime-portal-access")
    assert [g.get("retentionInDays") for g in groups["logGroups"]] == [30]


def test_the_secret_key_is_generated_and_kept_out_of_the_outputs(deployed: LocalAws) -> None:
    secret = deployed.client("secretsmanager").get_secret_value(SecretId="testtime-portal-secret-key")
    value = secret["SecretString"]
    assert len(value) >= 32
    assert value not in (deployed.build_dir / "stack-outputs.json").read_text()
    assert value not in "".join(p.read_text() for p in (deployed.build_dir / "cfn").glob("*.yaml"))


def test_the_deploy_starts_the_local_portal_and_changes_nothing_else(deployed: LocalAws, tmp_path: Path) -> None:
    env = {
        "PORTAL_AUTOSTART": "1",  # a throwaway deployment starts none by default
        "PORTAL_PORT": str(free_port()),
        "PORTAL_STATE_DIR": str(tmp_path / "portal"),
        "PORTAL_SECRET_KEY": "deploy-test-" * 4,
    }
    url = f"http://127.0.0.1:{env['PORTAL_PORT']}"
    try:
        again = deployed.run("deploy-api-gateway.sh", "--force", **env)
        assert play_recap(deployed.deploy_log())["changed"] == 0, deployed.deploy_log()[-4000:]
        assert "Portal image: no Docker engine here" in again.stdout or "Portal image: not built" in again.stdout
        assert "local portal ...." in again.stdout and url in again.stdout
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{url}/signin", timeout=10) as response:
            assert "Sign in" in response.read().decode()
        unchanged = deployed.run("bin/portal.sh", "ensure", **env)
        assert "portal running, unchanged" in unchanged.stdout
        log = (tmp_path / "portal" / "portal.log").read_text()
        assert env["PORTAL_SECRET_KEY"] not in log
    finally:
        stopped = deployed.run("bin/portal.sh", "stop", check=False, **env)
    assert "portal stopped" in stopped.stdout
    assert deployed.run("bin/portal.sh", "status", check=False, **env).returncode == 1  # not running

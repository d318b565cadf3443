"""The portal stack as Ansible renders it (templates/cfn/portal.yaml.j2): cfn-lint clean with and without the load
balancer, no NAT, one open port reachable from the front door only, the HTTPS front door (an HTTP API with a VPC
link and Cloud Map by default), a Secure cookie, the circuit breaker, DesiredCount 0 without an image, and no
secret in it."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cfn_yaml import CfnLoader

ROOT = Path(__file__).resolve().parents[3]

# name: (target, extra variables)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "default": ("local", {}),
    "aws": ("aws", {}),
    "alb-https": (
        "aws",
        {
            "portal_load_balancer": True,
            "portal_certificate_arn": "arn:aws:acm:eu-central-1:123456789012:certificate/0000",
        },
    ),
    "alb-http": ("aws", {"portal_load_balancer": True}),
    "language-typed-upper": ("local", {"language": " PL "}),  # as ops/deployment.py accepts it
}
WORLD = {"0.0.0.0/0", "::/0"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    out: dict[str, tuple[Path, dict[str, Any]]] = {}
    for name, (target, extra) in VARIANTS.items():
        build = tmp_path_factory.mktemp(name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
        env.update(TT_BUILD_DIR=str(build), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        env.update(TT_TARGET=target)
        command = ["ansible-playbook", str(ROOT / "playbooks" / "render-templates.yml")]
        if extra:
            command += ["-e", json.dumps(extra)]
        proc = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        path = build / "cfn" / "testtime-portal.yaml"
        out[name] = (path, yaml.load(path.read_text(), Loader=CfnLoader))
    return out


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def test_every_variant_passes_cfn_lint(rendered: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    proc = subprocess.run(
        ["cfn-lint", *(str(path) for path, _ in rendered.values())], text=True, capture_output=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_repository_scans_on_push_and_keeps_the_last_images(rendered: dict[str, Any]) -> None:
    repo = rendered["default"][1]["Resources"]["PortalRepository"]["Properties"]
    assert repo["ImageScanningConfiguration"] == {"ScanOnPush": True}
    rule = json.loads(repo["LifecyclePolicy"]["LifecyclePolicyText"])["rules"][0]
    assert rule["selection"]["countType"] == "imageCountMoreThan" and rule["selection"]["countNumber"] == 10
    assert rule["action"] == {"type": "expire"}


def test_fargate_task_with_logs_api_url_and_secret_by_reference(rendered: dict[str, Any]) -> None:
    template = rendered["default"][1]
    task = template["Resources"]["PortalTaskDefinition"]["Properties"]
    assert task["RequiresCompatibilities"] == ["FARGATE"] and task["NetworkMode"] == "awsvpc"
    assert (task["Cpu"], task["Memory"]) == ("256", "512")
    container = task["ContainerDefinitions"][0]
    env = {item["Name"]: item["Value"] for item in container["Environment"]}
    assert env["API_URL"] == {"Ref": "ApiUrl"}
    assert container["Secrets"] == [{"Name": "PORTAL_SECRET_KEY", "ValueFrom": {"Ref": "PortalSecretKey"}}]
    assert container["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": "PortalLogGroup"}
    group = template["Resources"]["PortalLogGroup"]["Properties"]
    assert group["RetentionInDays"] == 30
    secret = template["Resources"]["PortalSecretKey"]["Properties"]
    assert "SecretString" not in secret and secret["GenerateSecretString"]["PasswordLength"] >= 32


def test_service_has_the_circuit_breaker_and_no_task_without_an_image(rendered: dict[str, Any]) -> None:
    template = rendered["default"][1]
    service = template["Resources"]["PortalService"]["Properties"]
    breaker = service["DeploymentConfiguration"]["DeploymentCircuitBreaker"]
    assert breaker == {"Enable": True, "Rollback": True}
    # Sessions live in the task: never two tasks at once, or a student's requests would alternate between them.
    deployment = service["DeploymentConfiguration"]
    assert (deployment["MaximumPercent"], deployment["MinimumHealthyPercent"]) == (100, 0)
    assert service["DesiredCount"] == {"Fn::If": ["HasImage", 1, 0]}
    assert template["Conditions"]["HasImage"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ImageUri"}, ""]}]}
    assert template["Parameters"]["ImageUri"]["Default"] == ""
    assert service["LaunchType"] == "FARGATE"
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "ENABLED"


def test_network_costs_nothing_when_idle(rendered: dict[str, Any]) -> None:
    template = rendered["default"][1]
    kinds = {res["Type"] for res in template["Resources"].values()}
    assert {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::Route"} <= kinds
    assert "AWS::EC2::NatGateway" not in kinds and "AWS::EC2::EIP" not in kinds
    assert not any(kind.startswith("AWS::ElasticLoadBalancingV2::") for kind in kinds), "no ALB unless asked"
    route = of_type(template, "AWS::EC2::Route")["PortalDefaultRoute"]["Properties"]
    assert route["GatewayId"] == {"Ref": "PortalInternetGateway"}


def test_the_tasks_open_the_portal_port_only(rendered: dict[str, Any]) -> None:
    for name in VARIANTS:
        group = rendered[name][1]["Resources"]["PortalTaskSecurityGroup"]["Properties"]
        assert [(rule["FromPort"], rule["ToPort"]) for rule in group["SecurityGroupIngress"]] == [(8080, 8080)]
    behind_alb = rendered["alb-https"][1]["Resources"]["PortalTaskSecurityGroup"]["Properties"]
    assert behind_alb["SecurityGroupIngress"][0]["SourceSecurityGroupId"] == {"Ref": "PortalLoadBalancerSecurityGroup"}


def test_the_load_balancer_only_when_asked(rendered: dict[str, Any]) -> None:
    https = rendered["alb-https"][1]
    assert of_type(https, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    service = https["Resources"]["PortalService"]["Properties"]
    assert service["LoadBalancers"][0]["TargetGroupArn"] == {"Ref": "PortalTargetGroup"}
    assert https["Resources"]["PortalTargetGroup"]["Properties"]["HealthCheckPath"] == "/healthz"
    assert "PortalUrl" in https["Outputs"]
    assert https["Resources"]["PortalHttpsListener"]["Properties"]["Protocol"] == "HTTPS"
    env = https["Resources"]["PortalTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"]
    assert {"Name": "PORTAL_COOKIE_SECURE", "Value": "true"} in env


def test_no_secret_in_outputs_or_template_text(rendered: dict[str, Any]) -> None:
    for path, template in rendered.values():
        assert not any("Secret" in name for name in template["Outputs"])
        text = path.read_text()
        assert not re.search(r"(?<![A-Za-z])SecretString:", text), "a secret value written into the template"


def ingress_rules(template: dict[str, Any]) -> list[dict[str, Any]]:
    rules = [
        rule
        for group in of_type(template, "AWS::EC2::SecurityGroup").values()
        for rule in group["Properties"].get("SecurityGroupIngress", [])
    ]
    return rules + [res["Properties"] for res in of_type(template, "AWS::EC2::SecurityGroupIngress").values()]


def test_one_template_for_both_targets(rendered: dict[str, Any]) -> None:
    assert rendered["default"][0].read_text() == rendered["aws"][0].read_text()


def test_nothing_is_open_to_the_world_on_plain_http_in_the_aws_rendering(rendered: dict[str, Any]) -> None:
    for name in ("aws", "alb-https"):
        for rule in ingress_rules(rendered[name][1]):
            if rule.get("CidrIp") in WORLD or rule.get("CidrIpv6") in WORLD:
                assert (rule["FromPort"], rule["ToPort"]) == (443, 443), f"{name}: world-open {rule}"
    tasks = rendered["aws"][1]["Resources"]["PortalTaskSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert tasks == [
        {
            "Description": "The portal",
            "IpProtocol": "tcp",
            "FromPort": 8080,
            "ToPort": 8080,
            "SourceSecurityGroupId": {"Ref": "PortalVpcLinkSecurityGroup"},
        }
    ]
    assert not ingress_rules(rendered["aws"][1])[1:], "the VPC link needs no ingress: it opens the connections"
    link = rendered["aws"][1]["Resources"]["PortalVpcLinkSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert [(rule["FromPort"], rule["CidrIp"]) for rule in link] == [(8080, "10.42.0.0/16")]


def test_the_cookie_is_secure_and_the_proxy_trusted_behind_https(rendered: dict[str, Any]) -> None:
    expected = {
        "aws": ("true", "forwarded"),
        "alb-https": ("true", "x-forwarded"),
        "alb-http": ("false", "x-forwarded"),
    }
    for name, (secure, header) in expected.items():
        container = rendered[name][1]["Resources"]["PortalTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
        env = {item["Name"]: item["Value"] for item in container["Environment"]}
        assert (env["PORTAL_COOKIE_SECURE"], env["PORTAL_PROXY_HEADER"]) == (secure, header), name
        assert env["PORTAL_PROXY_HOPS"] == "1", "one proxy in front: the HTTP API or the load balancer"
        assert env["PORTAL_SESSION_DIR"].startswith("/dev/shm/"), "the one writable place in the container"


def test_the_default_front_door_is_an_http_api_through_a_vpc_link_and_cloud_map(rendered: dict[str, Any]) -> None:
    template = rendered["aws"][1]
    resources = template["Resources"]
    api = resources["PortalHttpApi"]["Properties"]
    assert api["ProtocolType"] == "HTTP"
    stage = resources["PortalStage"]["Properties"]
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["PortalApiAccessLogGroup", "Arn"]}
    assert resources["PortalApiAccessLogGroup"]["Properties"]["RetentionInDays"] == 30
    integration = resources["PortalIntegration"]["Properties"]
    assert (integration["IntegrationType"], integration["ConnectionType"]) == ("HTTP_PROXY", "VPC_LINK")
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["PortalDiscoveryService", "Arn"]}
    assert integration["ConnectionId"] == {"Fn::If": ["HasVpcLink", {"Ref": "PortalVpcLink"}, {"Ref": "AWS::NoValue"}]}
    assert resources["PortalRoute"]["Properties"]["RouteKey"] == "$default"
    # The one resource type the embedded AWS lacks is conditional; the deploy sets CreateVpcLink per target.
    assert resources["PortalVpcLink"]["Condition"] == "HasVpcLink"
    assert template["Parameters"]["CreateVpcLink"]["Default"] == "true"
    records = resources["PortalDiscoveryService"]["Properties"]["DnsConfig"]["DnsRecords"]
    assert [record["Type"] for record in records] == ["SRV"]
    assert resources["PortalNamespace"]["Type"] == "AWS::ServiceDiscovery::PrivateDnsNamespace"
    service = resources["PortalService"]["Properties"]
    registry = {"RegistryArn": {"Fn::GetAtt": ["PortalDiscoveryService", "Arn"]}}
    assert service["ServiceRegistries"] == [registry | {"ContainerName": "portal", "ContainerPort": 8080}]
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "ENABLED", "outbound, no NAT"
    assert template["Outputs"]["PortalUrl"]["Value"] == {"Fn::GetAtt": ["PortalHttpApi", "ApiEndpoint"]}
    kinds = {res["Type"] for res in resources.values()}
    assert "AWS::EC2::NatGateway" not in kinds
    assert not any(kind.startswith("AWS::ElasticLoadBalancingV2::") for kind in kinds)


def test_the_load_balancer_replaces_the_http_api(rendered: dict[str, Any]) -> None:
    kinds = {res["Type"] for res in rendered["alb-https"][1]["Resources"].values()}
    assert not any(kind.startswith(("AWS::ApiGatewayV2::", "AWS::ServiceDiscovery::")) for kind in kinds)
    assert "CreateVpcLink" not in rendered["alb-https"][1]["Parameters"]
    url = rendered["alb-https"][1]["Outputs"]["PortalUrl"]["Value"]
    assert url == {"Fn::Sub": "https://${PortalLoadBalancer.DNSName}"}


def test_the_class_language_reaches_the_portal_and_the_api_in_lowercase(rendered: dict[str, Any]) -> None:
    """``language: PL`` is pl (ops/deployment.py and the Ansible assert take it so): the portal's CLASS_LANGUAGE,
    each function's, and API Gateway's own answers (filter_plugins/testtime_gateway.py) say pl."""
    path, template = rendered["language-typed-upper"]
    container = template["Resources"]["PortalTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    environment = {item["Name"]: item["Value"] for item in container["Environment"]}
    assert environment["CLASS_LANGUAGE"] == "pl"
    service = yaml.load((path.parent / "testtime-service.yaml").read_text(), Loader=CfnLoader)
    functions = of_type(service, "AWS::Lambda::Function")
    languages = {f["Properties"]["Environment"]["Variables"]["CLASS_LANGUAGE"] for f in functions.values()}
    assert functions and languages == {"pl"}
    answers = of_type(service, "AWS::ApiGateway::GatewayResponse")
    assert answers and all(
        r["Properties"]["ResponseParameters"]["gatewayresponse.header.Content-Language"] == "'pl'"
        for r in answers.values()
    )

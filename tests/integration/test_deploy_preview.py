"""``./deploy-api-gateway.sh --check`` against its own throwaway embedded AWS, deployed once: with nothing changed a
short "no changes" per stack within seconds; a changed setting shows the resources it modifies; new stacks say
how many resources they would get; a changed template or code shows as the rows it adds, removes or modifies; a
failing check says why in one line; and no check changes anything."""

from __future__ import annotations

import resource
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ops import deploy_preview
from tests.cfn_yaml import CfnLoader
from tests.integration.harness import ROOT, LocalAws
from tests.support.throwaway_aws import ThrowawayAws

pytestmark = pytest.mark.integration

STACKS = ("testtime-data", "testtime-service", "testtime-portal")
CHECK = ("deploy-api-gateway.sh", "--check")


@pytest.fixture(scope="module")
def aws(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    with throwaway_aws("preview") as local:
        local.stacks_before = stacks(local)  # type: ignore[attr-defined]
        yield local


def stacks(aws: LocalAws) -> dict[str, Any]:
    """Each stack's status and last update: a check must leave both as they are."""
    found = aws.client("cloudformation").describe_stacks()["Stacks"]
    return {s["StackName"]: (s["StackStatus"], s.get("LastUpdatedTime"), s["CreationTime"]) for s in found}


def rows(output: str, stack: str) -> list[list[str]]:
    """The table under ``<stack>: N changes``: resource, type, action (and replaced), header row left out."""
    lines = output.splitlines()
    (start,) = [i for i, line in enumerate(lines) if line.startswith(f"{stack}: ") and "change" in line]
    table = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        table.append(line.split())
    assert table and table[0][:3] == ["resource", "type", "action"], output
    return table[1:]


def test_nothing_changed_says_no_changes_per_stack_in_a_few_lines_and_seconds(aws: LocalAws) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    checked = aws.run(*CHECK)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    lines = checked.stdout.splitlines()
    for stack in STACKS:
        assert f"{stack}: no changes" in lines, checked.stdout
    assert len(lines) <= 15, checked.stdout
    assert "nothing was changed" in lines[-1], checked.stdout
    log = Path(lines[-1].split("full log: ", 1)[1].rstrip(").")).read_text(encoding="utf-8")
    assert "PLAY RECAP" in log and "PLAY RECAP" not in checked.stdout  # Ansible's output goes to the log only
    # The bound is 10 s of an idle machine's time; CPU time (every process of the check, the emulator's
    # aside) is measured instead, as the suite runs beside other work: about 6 s; the old check took about 28 s.
    assert seconds < 10, f"--check took {seconds:.1f} s of CPU time"


def test_changed_settings_show_the_resources_they_modify(aws: LocalAws) -> None:
    checked = aws.run(*CHECK, "-e", "api_rate_limit=7", "-e", "log_retention_days=14")
    service = {row[0]: row for row in rows(checked.stdout, "testtime-service")}
    assert service["ApiUsagePlan"][1:3] == ["AWS::ApiGateway::UsagePlan", "modify"], checked.stdout
    assert service["ApiUsagePlan"][3] in ("no", "maybe"), checked.stdout  # CloudFormation's Replacement
    log_groups = [row for row in service.values() if row[1] == "AWS::Logs::LogGroup"]
    assert len(log_groups) >= 5 and all(row[2] == "modify" for row in log_groups), checked.stdout
    portal = {row[0]: row[2] for row in rows(checked.stdout, "testtime-portal")}
    assert portal["PortalLogGroup"] == portal["PortalApiAccessLogGroup"] == "modify", checked.stdout
    assert "testtime-data: no changes" in checked.stdout.splitlines()
    # The usage plan keeps its rate: the check sent nothing to it.
    plan = aws.client("apigateway").get_usage_plan(usagePlanId=aws.outputs()["UsagePlanId"])
    assert plan["throttle"]["rateLimit"] == 5


def test_a_changed_template_and_changed_code_show_as_add_remove_and_modify(aws: LocalAws, tmp_path: Path) -> None:
    templates = shutil.copytree(ROOT / "templates" / "cfn", tmp_path / "cfn")
    data = templates / "data.yaml.j2"
    text = data.read_text(encoding="utf-8")
    start, end = text.index("  DataBucketPolicy:\n"), text.index("\nOutputs:")
    data.write_text(text[:start] + "  PreviewProbeQueue:\n    Type: AWS::SQS::Queue\n" + text[end:], encoding="utf-8")
    code = shutil.copytree(ROOT / "lambda_src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    with (code / "testtime" / "handlers" / "__init__.py").open("a", encoding="utf-8") as handler:
        handler.write("# a change of the functions' code\n")
    checked = aws.run(*CHECK, "-e", f"cfn_stack_template_dir={templates}", "-e", f"lambda_package_src={code}")
    changed = {row[0]: row[1:3] for row in rows(checked.stdout, "testtime-data")}
    assert changed == {
        "PreviewProbeQueue": ["AWS::SQS::Queue", "add"],
        "DataBucketPolicy": ["AWS::S3::BucketPolicy", "remove"],
    }, checked.stdout
    functions = {
        row[0]: row[2] for row in rows(checked.stdout, "testtime-service") if row[1] == "AWS::Lambda::Function"
    }
    assert set(functions) >= {"ListTestsFunction", "SubmitTestFunction", "ScorerFunction"}, checked.stdout
    assert set(functions.values()) == {"modify"}, checked.stdout


def test_new_stacks_would_get_every_resource_of_their_template(aws: LocalAws) -> None:
    checked = aws.run(*CHECK, "-e", "project_name=fresh")
    rendered = aws.build_dir / "cfn"
    for stack in ("fresh-data", "fresh-service", "fresh-portal"):
        template = yaml.load((rendered / f"{stack}.yaml").read_text(), Loader=CfnLoader)
        resources = template["Resources"]
        # The embedded AWS gets no VPC link (the portal's CreateVpcLink parameter is "false" there).
        expected = len([name for name, spec in resources.items() if spec.get("Condition") != "HasVpcLink"])
        assert f"{stack}: new stack, all {expected} resources would be added" in checked.stdout.splitlines()
    assert not [name for name in stacks(aws) if name.startswith("fresh-")]


def test_a_check_that_cannot_run_says_why_in_one_line(aws: LocalAws) -> None:
    failed = aws.run(*CHECK, "-e", "language=xx", check=False)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    (error,) = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert "language" in error and "full log: " in error, failed.stderr


def test_no_check_changed_a_stack_or_left_a_change_set(aws: LocalAws) -> None:
    assert stacks(aws) == aws.stacks_before  # type: ignore[attr-defined]
    cfn = aws.client("cloudformation")
    for stack in STACKS:
        assert cfn.list_change_sets(StackName=stack).get("Summaries", []) == [], stack


def test_a_new_stack_counts_the_resources_whose_conditions_hold(tmp_path: Path) -> None:
    """No emulator: the template's own conditions, over the parameters a deploy would give (or their defaults)."""
    template = tmp_path / "new.yaml"
    template.write_text(
        """
Parameters:
  Mode: {Type: String, Default: "small"}
  Link: {Type: String}
Conditions:
  IsLarge: !Equals [!Ref Mode, "large"]
  HasLink: !Not [!Equals [!Ref Link, "false"]]
  Both: !And [!Condition IsLarge, !Condition HasLink]
  Either: !Or [!Condition IsLarge, !Condition HasLink]
  Regional: !Equals [!Ref "AWS::Region", "eu-central-1"]
Resources:
  Always: {Type: AWS::SQS::Queue}
  Large: {Type: AWS::SQS::Queue, Condition: IsLarge}
  Linked: {Type: AWS::SQS::Queue, Condition: HasLink}
  BothOfThem: {Type: AWS::SQS::Queue, Condition: Both}
  EitherOfThem: {Type: AWS::SQS::Queue, Condition: Either}
  InTheRegion: {Type: AWS::SQS::Queue, Condition: Regional}
""",
        encoding="utf-8",
    )

    def new(**parameters: str) -> tuple[int | None, int]:
        stack = deploy_preview.preview_new(deploy_preview.StackRecord("x", "ABSENT", template, parameters, [], {}))
        return stack.new_resources, stack.conditional

    # Always, Linked, EitherOfThem; the region is known only when deployed.
    assert new(Link="yes") == (3, 1)
    assert new(Link="false") == (1, 1)  # Always only
    assert new(Mode="large", Link="false") == (3, 1)  # Always, Large, EitherOfThem
    assert new(Mode="large", Link="yes") == (5, 1)

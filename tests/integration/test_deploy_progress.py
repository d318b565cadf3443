"""The deploy's terminal output, like ``sam deploy``, against its own throwaway embedded AWS: a first deploy prints a
short progress (a timed line per phase, each stack's events and result, the next steps) and writes Ansible's whole
output to build/local/deploy.log; -v streams that output too; a stack that fails ends the deploy with the failing
resource, its reason and where the log is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.harness import ROOT, LocalAws, play_recap
from tests.support.throwaway_aws import ThrowawayAws

pytestmark = pytest.mark.integration

TIMED = re.compile(r" \.{2,} +\d+\.\d s$")  # "  account settings ........   2.4 s"


@pytest.fixture(scope="module")
def aws(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    with throwaway_aws("progress") as local:
        yield local


def test_a_first_deploy_prints_a_short_timed_progress_and_the_next_steps(aws: LocalAws) -> None:
    lines = aws.deploy_output.splitlines()
    assert len(lines) <= 60, aws.deploy_output
    timed = [line.strip() for line in lines if TIMED.search(line)]
    for phase in ("embedded AWS", "account settings", "package", "SES identities", "stack outputs"):
        assert any(line.startswith(phase + " ..") for line in timed), (phase, aws.deploy_output)
    for label, stack in (("data", "testtime-data"), ("service", "testtime-service"), ("portal", "testtime-portal")):
        result = next((line for line in timed if line.startswith(f"{label} stack ({stack}): ")), None)
        assert result and re.search(r": created, \d+ resources? \.", result), (stack, aws.deploy_output)
    # The stacks' resource events showed while they were created (one line per stack here: not on a terminal).
    assert len(re.findall(r"\d+ s: \d+ of \d+ resources complete, latest ", aws.deploy_output)) >= 3, aws.deploy_output
    assert "Test Time is deployed (local)." in aws.deploy_output
    assert any(line.startswith("  3. Take a test as a student:") for line in lines), aws.deploy_output
    assert "TASK [" not in aws.deploy_output and "PLAY RECAP" not in aws.deploy_output


def test_the_first_deploy_wrote_ansibles_whole_output_to_the_log(aws: LocalAws) -> None:
    log = aws.deploy_log()
    assert "TASK [account_settings : " in log
    assert play_recap(log)["failed"] == 0
    assert len(log.splitlines()) > 3 * len(aws.deploy_output.splitlines())


def test_verbose_streams_the_whole_log_as_well(aws: LocalAws) -> None:
    forced = aws.run("deploy-api-gateway.sh", "--force", "-v")
    log = aws.deploy_log().splitlines()
    shown = forced.stdout.splitlines()
    assert "PLAY RECAP" in forced.stdout
    logged = set(log)
    assert [line for line in shown if line and line in logged] == [line for line in log if line], forced.stdout[-3000:]
    assert any(TIMED.search(line) and "service stack (testtime-service): no changes" in line for line in shown)


def failing_templates(folder: Path) -> Path:
    """The project's templates, the data stack's with one more resource that never succeeds: a wait condition
    nobody signals times out after a second, on MiniStack as on AWS."""
    folder.mkdir()
    for template in (ROOT / "templates" / "cfn").glob("*.yaml.j2"):
        (folder / template.name).write_text(template.read_text())
    data = folder / "data.yaml.j2"
    probe = (
        "\nResources:\n  NeverSignalledHandle:\n    Type: AWS::CloudFormation::WaitConditionHandle\n"
        "  NeverSignalled:\n    Type: AWS::CloudFormation::WaitCondition\n    Properties:\n"
        '      Handle: !Ref NeverSignalledHandle\n      Timeout: "1"\n'
    )
    assert "\nResources:\n" in data.read_text()
    data.write_text(data.read_text().replace("\nResources:\n", probe, 1))
    return folder


def test_a_failing_stack_ends_with_the_failing_resource_its_reason_and_the_log(aws: LocalAws, tmp_path: Path) -> None:
    templates = failing_templates(tmp_path / "templates")
    failed = aws.run("deploy-api-gateway.sh", "-e", f"cfn_stack_template_dir={templates}", check=False)
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-2000:]
    lines = failed.stdout.strip().splitlines()
    assert len(lines) <= 40, failed.stdout
    log_path = aws.build_dir / "deploy.log"
    assert lines[-1] == f"full log: {log_path}", failed.stdout
    report = lines[lines.index("Failing resources:") :]
    failing = [line for line in report if "NeverSignalled" in line]
    assert failing and "FAILED" in failing[0] and "AWS::CloudFormation::WaitCondition" in failing[0], failed.stdout
    assert "WaitCondition timed out" in failing[0]
    assert any(line.startswith("error: the deploy failed in data stack") for line in report), failed.stdout
    assert any(re.match(r"  data stack \(testtime-data\): failed \(\w+\)", line) for line in lines), failed.stdout
    assert play_recap(log_path.read_text())["failed"] >= 1
    assert "service stack" not in failed.stdout  # nothing after the failing stack was deployed


def test_a_playbook_that_stops_before_any_task_says_why(aws: LocalAws, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-vars.yml"
    failed = aws.run("deploy-api-gateway.sh", "-e", f"@{missing}", check=False)
    assert failed.returncode == 1, failed.stdout[-3000:]
    lines = failed.stdout.strip().splitlines()
    error = next(line for line in lines if line.startswith("error: the deploy failed in the playbook: "))
    assert str(missing) in error, failed.stdout  # Ansible's own last words, from the log
    assert lines[-1] == f"full log: {aws.build_dir / 'deploy.log'}"


def test_the_stack_prefix_follows_a_project_name_given_with_e() -> None:
    from ops.deploy_command import stack_prefix
    from ops.deployment import project_name

    assert stack_prefix([]) == project_name()
    assert stack_prefix(["api_rate_limit=7 project_name=rbtest"]) == "rbtest"
    assert stack_prefix(['{"project_name": "smoke1", "x": 1}']) == "smoke1"
    assert stack_prefix(["@vars.yml"]) == project_name()


def test_on_a_terminal_each_event_replaces_the_last_and_failures_stay() -> None:
    import io

    from ops.deploy_progress import Screen, event_line

    out = io.StringIO()
    screen = Screen(out, live=True)
    ok = {"ResourceStatus": "CREATE_COMPLETE", "ResourceType": "AWS::S3::Bucket", "LogicalResourceId": "DataBucket"}
    bad = {"ResourceStatus": "CREATE_FAILED", "ResourceType": "AWS::S3::Bucket", "LogicalResourceId": "Other",
           "ResourceStatusReason": "Bucket already exists"}  # fmt: skip
    screen.status(event_line(ok))
    screen.line(event_line(bad))
    screen.status("  service stack ...")
    screen.line("  done")
    shown = out.getvalue()
    assert shown.split("\r\033[K") == [event_line(ok), event_line(bad) + "\n" + "  service stack ...", "  done\n"]
    assert event_line(bad).endswith("Other: Bucket already exists")
    assert event_line(ok).split() == ["CREATE_COMPLETE", "AWS::S3::Bucket", "DataBucket"]  # a reason only on failure

"""The cfn_stack role on its own, with a probe template: a failed update names the failing resource and its
reason from the stack events and fails the run; the stack is left as it was before the update."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.harness import ROOT, LocalAws

pytestmark = pytest.mark.integration

PLAYBOOK = Path(__file__).parent / "cfn_stack_role" / "playbook.yml"


def run_role(aws: LocalAws, **extra_vars: object) -> subprocess.CompletedProcess[str]:
    env = aws.playbook_env()
    variables = {"probe_stack": "probe-stack", "probe_bucket": "probe-artifacts", "aws_region": aws.region}
    variables.update(extra_vars)
    return subprocess.run(
        ["ansible-playbook", str(PLAYBOOK), "-e", json.dumps(variables)],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=600,
    )


def test_a_failed_update_names_the_failing_resource(tmp_path: Path) -> None:
    aws = LocalAws(tmp_path)
    aws.start()
    try:
        aws.client("s3").create_bucket(
            Bucket="probe-artifacts", CreateBucketConfiguration={"LocationConstraint": aws.region}
        )
        first = run_role(aws)
        assert first.returncode == 0, first.stdout[-3000:]
        failed = run_role(aws, probe_fail=True)
        assert failed.returncode != 0
        # The new resource fails (MiniStack reports it as UPDATE_FAILED, AWS as CREATE_FAILED).
        assert "NeverSignalled (AWS::CloudFormation::WaitCondition)" in failed.stdout, failed.stdout[-4000:]
        assert "FAILED: WaitCondition timed out" in failed.stdout
        assert "Stop: could not deploy probe-stack" in failed.stdout
        status = aws.client("cloudformation").describe_stacks(StackName="probe-stack")["Stacks"][0]["StackStatus"]
        assert status == "UPDATE_ROLLBACK_COMPLETE"
    finally:
        aws.stop()

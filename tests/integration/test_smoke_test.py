"""bin/smoke-test.sh: on a throwaway embedded AWS that already holds a trainer's deployment, the smoke copy passes
every step, leaves nothing of itself behind, and leaves the trainer's deployment as it was; and the step runner's
failure path (later steps skipped, clean-up run all the same, non-zero exit)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ops.smoke.runner import Step, StepFailed, StepRunner
from ops.smoke.steps import failure_reason
from tests.integration.harness import ROOT, LocalAws, api_key
from tests.support.throwaway_aws import ThrowawayAws

STEPS = [
    "the copy's names are its own",
    "deploy the copy",
    "publish a one-question test",
    "the portal answers over its URL",
    "the student takes the test",
    "the student signs in to the portal and out again",
    "score it after the deadline",
    "SES accepted both emails",
    "stop the copy's local portal",
    "remove the copy with its data",
    "nothing of the copy is left",
]


def trainer_state(aws: LocalAws) -> dict[str, Any]:
    """What the smoke copy must not change: the trainer's stacks, keys (and their usage plan), class list, outputs."""
    outputs = aws.outputs()
    stacks = {
        s["StackName"]: s["StackStatus"]
        for s in aws.client("cloudformation").describe_stacks()["Stacks"]
        if s["StackName"].startswith("testtime-") and not s["StackName"].startswith("testtime-smoke-")
    }
    apigateway = aws.client("apigateway")
    keys = {
        item["name"]: (item["id"], str(item["enabled"]).lower())
        for item in apigateway.get_api_keys(limit=500)["items"]
        if item["name"].startswith("testtime-") and not item["name"].startswith("testtime-smoke-")
    }
    attached = sorted(
        item["id"] for item in apigateway.get_usage_plan_keys(usagePlanId=outputs["UsagePlanId"])["items"]
    )
    s3 = aws.client("s3")
    class_list = s3.get_object(Bucket=outputs["DataBucketName"], Key="studentsList.json")["Body"].read()
    return {
        "ses_identities": sorted(aws.client("ses").list_identities()["Identities"]),
        "stacks": stacks,
        "keys": keys,
        "attached": attached,
        "class_list": class_list,
        "outputs": (aws.build_dir / "stack-outputs.json").read_bytes(),
    }


def copy_leftovers(aws: LocalAws, name: str) -> list[str]:
    stacks = [
        s["StackName"]
        for s in aws.client("cloudformation").describe_stacks()["Stacks"]
        if s["StackName"].startswith(name) and s["StackStatus"] != "DELETE_COMPLETE"
    ]
    buckets = [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"] if name in b["Name"]]
    keys = [
        item["name"]
        for item in aws.client("apigateway").get_api_keys(limit=500)["items"]
        if name in item["name"] or name in (item.get("tags") or {}).values()
    ]
    logs = aws.client("logs")
    groups = [
        group["logGroupName"]
        for prefix in (f"/aws/lambda/{name}", f"/aws/apigateway/{name}", f"/ecs/{name}")
        for group in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]
    ]
    return stacks + buckets + keys + groups


def lists_tests(aws: LocalAws, student: str) -> int:
    request = urllib.request.Request(
        aws.outputs()["ApiUrl"] + "/api/v1/tests",
        data=b"{}",
        method="POST",
        headers={"x-api-key": api_key(aws, student)},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


@pytest.fixture(scope="module")
def trainers_deployment(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    """The trainer's deployment the smoke test runs next to: deployed, content/ published."""
    with throwaway_aws("smoke", publish=True) as local:
        yield local


@pytest.mark.integration
@pytest.mark.timeout(2700)  # two deploys and a removal on the embedded AWS: minutes each on a loaded machine
def test_smoke_test_passes_and_leaves_the_trainers_deployment_untouched(trainers_deployment: LocalAws) -> None:
    aws = trainers_deployment
    before = trainer_state(aws)

    smoke = aws.run("bin/smoke-test.sh", check=False, timeout=2400)
    report = smoke.stdout
    assert smoke.returncode == 0, f"{report}\n{smoke.stderr[-3000:]}"
    for title in STEPS:
        assert re.search(rf"^passed +{re.escape(title)}\b", report, re.MULTILINE), f"{title}:\n{report}"
    assert re.search(r"^Smoke test passed: all 11 steps passed in ", report, re.MULTILINE), report
    name = re.search(r"testtime-smoke-[0-9a-f]{6}", report)
    assert name, report

    assert copy_leftovers(aws, name.group(0)) == []
    assert not (aws.workdir / "build" / "smoke" / name.group(0)).exists(), "the copy's build folder is removed"
    assert trainer_state(aws) == before
    assert lists_tests(aws, "student01") == 200, "the trainer's students still reach their API"


def test_a_failed_step_skips_the_later_steps_and_the_cleanup_still_runs() -> None:
    ran: list[str] = []

    def step(name: str, fail: str | None = None, crash: bool = False) -> Step:
        def action() -> str:
            ran.append(name)
            if fail:
                raise StepFailed(fail)
            if crash:
                raise KeyError("a bug")
            return f"{name} done"

        return Step(name, action)

    lines: list[str] = []
    runner = StepRunner(say=lines.append)
    passed = runner.run(
        [step("deploy"), step("publish", fail="the content folder is empty"), step("score")],
        [step("remove", crash=True), step("check nothing is left"), Step("unused", lambda: "x", lambda: "not needed")],
    )
    assert not passed and runner.failed
    assert ran == ["deploy", "publish", "remove", "check nothing is left"]
    assert [(o.title, o.status) for o in runner.outcomes] == [
        ("deploy", "passed"),
        ("publish", "FAILED"),
        ("score", "skipped"),
        ("remove", "FAILED"),
        ("check nothing is left", "passed"),
        ("unused", "skipped"),
    ]
    assert lines[1].startswith("FAILED") and "the content folder is empty" in lines[1]
    assert "unexpected KeyError" in lines[3]
    assert runner.summary(75).startswith(
        "Smoke test FAILED (failed: publish, remove); 2 passed, 2 skipped, in 1 min 15 s"
    )


def test_a_termination_signal_during_a_step_still_cleans_up() -> None:
    ran: list[str] = []

    def terminated() -> str:
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill PID` or a CI timeout would
        return "not reached"

    runner = StepRunner(say=lambda _line: None)
    passed = runner.run(
        [Step("deploy", terminated), Step("publish", lambda: ran.append("publish") or "")],
        [Step("remove", lambda: ran.append("remove") or "removed")],
    )
    assert not passed and runner.interrupted
    assert ran == ["remove"]
    assert [(o.title, o.status, o.detail) for o in runner.outcomes] == [
        ("deploy", "FAILED", "interrupted"),
        ("publish", "skipped", "interrupted"),
        ("remove", "passed", "removed"),
    ]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the handler is put back"


def test_keep_skips_the_cleanup() -> None:
    runner = StepRunner(say=lambda _line: None)
    assert runner.run([Step("deploy", lambda: "ok")], [Step("remove", lambda: "removed")], keep=True)
    assert runner.outcomes[-1].status == "skipped" and "--keep" in runner.outcomes[-1].detail


def test_the_command_without_aws_credentials_stops_before_any_step(tmp_path: Path) -> None:
    """The real command (``python -m ops smoke-test``, what bin/smoke-test.sh hands over to) on the aws target
    without any credentials: nothing is contacted (no credentials, no instance metadata), nothing deployed, no
    step run; one line says what to do, and the exit status is 1."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "TT_"))}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_REGION="eu-central-1",
        AWS_DEFAULT_REGION="eu-central-1",
        TT_BUILD_ROOT=str(tmp_path / "build"),
        PYTHONPATH=f"{ROOT / 'lambda_src'}:{ROOT}",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "ops", "smoke-test", "--target", "aws"],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: no usable AWS credentials for --target aws: run `aws configure` or set AWS_PROFILE."
    ]
    assert proc.stdout == "", "no step ran, not even the announcement of the copy"
    assert not (tmp_path / "build" / "smoke").exists(), "no copy was prepared"


def test_a_failed_scripts_reason_is_its_error_line_or_ansibles_failed_task() -> None:
    ours = "==> deploying\nerror: no usable AWS credentials for --target aws\n[exit 1]\n"
    assert failure_reason(ours) == "error: no usable AWS credentials for --target aws"
    ansible = (
        "TASK [cfn_stack : Create the stack] ***\n"
        'fatal: [localhost]: FAILED! => {"msg": "DataBucket: already exists"}\n'
        "PLAY RECAP ***\nlocalhost : ok=3 changed=0 failed=1\n"
    )
    assert failure_reason(ansible).startswith("fatal: [localhost]: FAILED!")
    assert failure_reason("") == "no output"

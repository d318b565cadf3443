"""What ./remove-api-gateway.sh deletes and keeps, decided from what was found (ops/teardown.py's pure functions):
the stacks in dependency order, the data bucket named by its stack or, once that is gone, by its saved outputs,
the data, keys and SES identities only with --purge-data, the log groups by exact name only, and the lines that
say so ("Removing:", "Would remove:", "Nothing to remove.", "Kept: ...")."""

from __future__ import annotations

import json
from pathlib import Path

from ops import teardown
from ops.teardown import Found, Names, Resource, Stack

ARTIFACTS = "testtime-artifacts-000000000000-eu-central-1"
DATA_BUCKET = "testtime-data-databucket-1a2b3c"
LOGGING_ROLE = ("Kept: API Gateway's logging role and the ECS service-linked role (account-wide, other projects may"
                " use them; never removed).")  # fmt: skip


def names(tmp_path: Path, *, purge: bool = False, manage_ses: bool = True) -> Names:
    return Names(project="testtime", portal_stack="testtime-portal", service_stack="testtime-service",
                 data_stack="testtime-data", artifacts_bucket=ARTIFACTS,
                 log_groups=("/aws/lambda/testtime-list-tests", "/aws/apigateway/testtime-access",
                             "/ecs/testtime-portal"),
                 outputs_file=tmp_path / "stack-outputs.json", stack_outputs_dir=tmp_path / "stacks", purge=purge,
                 manage_ses=manage_ses, ses_addresses=("testtime@example.com", "trainer@example.com"))  # fmt: skip


def deployed() -> Found:
    data = Stack("testtime-data", "CREATE_COMPLETE", True, (Resource("DataBucket", DATA_BUCKET, "AWS::S3::Bucket"),))
    service = Stack("testtime-service", "UPDATE_COMPLETE", False, (
        Resource("ScorerFunction", "testtime-scorer", "AWS::Lambda::Function"),
        Resource("ExtraFunction", "testtime-extra", "AWS::Lambda::Function"),
        Resource("AccessLogs", "/aws/apigateway/testtime-access", "AWS::Logs::LogGroup"),
        Resource("NeverMade", "", "AWS::Lambda::Function"),  # a resource whose create failed: no id
    ))  # fmt: skip
    return Found(
        stacks={stack.name: stack for stack in (data, service, Stack("testtime-portal", "CREATE_COMPLETE"))},
        buckets={ARTIFACTS, DATA_BUCKET, "someone-elses-bucket"},
        api_keys=["testtime-student01", "testtime-trainer"],
        ses_identities=["testtime@example.com", "trainer@example.com"],
        log_groups=["/aws/lambda/testtime-list-tests", "/aws/lambda/testtime-extra", "/ecs/testtime-portal"],
    )


def write_outputs(tmp_path: Path, *stacks: str) -> None:
    (tmp_path / "stacks").mkdir(exist_ok=True)
    (tmp_path / "stack-outputs.json").write_text("{}")
    (tmp_path / "last-deploy.json").write_text("{}")
    for stack in stacks:
        (tmp_path / "stacks" / f"{stack}.json").write_text("{}")


def test_a_remove_deletes_portal_then_service_and_keeps_the_data_keys_and_identities(tmp_path: Path) -> None:
    write_outputs(tmp_path, "testtime-portal", "testtime-service", "testtime-data")
    plan = teardown.plan(names(tmp_path), deployed(), check=False)
    assert plan.stacks == ["testtime-portal", "testtime-service"]
    assert plan.buckets == [ARTIFACTS]
    assert (plan.api_keys, plan.ses_identities) == ([], [])
    # The removed stacks' functions count (their groups may be re-created later); the data stack is kept.
    assert plan.stack_log_groups == ["/aws/apigateway/testtime-access", "/aws/lambda/testtime-scorer",
                                     "/aws/lambda/testtime-extra"]  # fmt: skip
    assert plan.log_groups == ["/aws/lambda/testtime-list-tests", "/aws/lambda/testtime-extra", "/ecs/testtime-portal"]
    assert plan.local_files == [str(tmp_path / "stack-outputs.json"), str(tmp_path / "last-deploy.json"),
                                str(tmp_path / "stacks/testtime-portal.json"),
                                str(tmp_path / "stacks/testtime-service.json")]  # fmt: skip
    assert plan.lines[:4] == ["Removing:", "stack testtime-portal", "stack testtime-service",
                              f"bucket {ARTIFACTS} (Lambda packages and templates, every version)"]  # fmt: skip
    assert "log group /aws/lambda/testtime-extra" in plan.lines
    assert f"local file {tmp_path / 'stack-outputs.json'}" in plan.lines
    removed = [line for line in plan.lines if not line.startswith("Kept:")]
    assert not any("THE DATA" in line or "API keys" in line or line.startswith("SES") for line in removed)
    assert plan.lines[-3:] == [
        f"Kept: stack testtime-data, its bucket {DATA_BUCKET} (class list, tests, submissions, scores) and the"
        " students' API keys. To serve them again: ./deploy-api-gateway.sh (it attaches the kept keys to the new"
        " API). --purge-data deletes them.",
        "Kept: the SES identities testtime@example.com, trainer@example.com (still verified for the next deploy;"
        " --purge-data deletes them).",
        LOGGING_ROLE,
    ]


def test_a_purge_deletes_the_data_stack_last_with_its_bucket_keys_and_identities(tmp_path: Path) -> None:
    write_outputs(tmp_path, "testtime-data")
    plan = teardown.plan(names(tmp_path, purge=True), deployed(), check=True)
    assert plan.stacks == ["testtime-portal", "testtime-service", "testtime-data"]
    assert plan.buckets == [ARTIFACTS, DATA_BUCKET]
    assert plan.lines[0] == "Would remove:"
    assert f"bucket {DATA_BUCKET} (THE DATA: class list, tests, submissions, scores, every version)" in plan.lines
    assert "2 API keys (testtime-student01, testtime-trainer)" in plan.lines
    assert ("SES identities testtime@example.com, trainer@example.com (they must be verified again after a new"
            " deploy)") in plan.lines  # fmt: skip
    assert str(tmp_path / "stacks/testtime-data.json") in plan.local_files
    assert plan.lines[-1] == LOGGING_ROLE and not any(line.startswith("Kept: stack") for line in plan.lines)
    assert not any(line.startswith("Kept: the SES") for line in plan.lines)


def test_once_the_data_stack_is_gone_its_saved_outputs_name_the_data_bucket(tmp_path: Path) -> None:
    found = Found(buckets={DATA_BUCKET}, saved_data_bucket=DATA_BUCKET)
    plan = teardown.plan(names(tmp_path, purge=True), found, check=False)
    assert (plan.stacks, plan.buckets, plan.data_bucket) == ([], [DATA_BUCKET], DATA_BUCKET)
    saved = tmp_path / "testtime-data.json"
    saved.write_text(json.dumps({"DataBucketName": DATA_BUCKET, "DataBucketArn": "arn"}))
    assert teardown.saved_data_bucket(saved) == DATA_BUCKET
    saved.write_text("not json")
    assert teardown.saved_data_bucket(saved) == ""
    assert teardown.saved_data_bucket(tmp_path / "missing.json") == ""


def test_a_second_remove_finds_nothing_to_remove(tmp_path: Path) -> None:
    kept = Found(stacks={"testtime-data": deployed().stacks["testtime-data"]}, buckets={DATA_BUCKET})
    again = teardown.plan(names(tmp_path), kept, check=False)
    assert again.lines[0] == "Nothing to remove." and again.lines[1].startswith("Kept: stack testtime-data")
    assert (again.stacks, again.buckets, again.log_groups, again.local_files, again.stack_log_groups) == (
        [], [], [], [], []
    )  # fmt: skip
    purged = teardown.plan(names(tmp_path, purge=True, manage_ses=False), Found(), check=False)
    assert purged.lines == ["Nothing to remove.", LOGGING_ROLE]


def test_log_groups_are_looked_up_once_per_prefix_and_kept_by_exact_name_only() -> None:
    candidates = ["/aws/lambda/testtime-list-tests", "/aws/lambda/testtime-scorer", "/aws/apigateway/testtime-access",
                  "/ecs/testtime-portal", "/custom/groupname", ""]  # fmt: skip
    assert teardown.log_group_prefixes(candidates, "testtime") == [
        "/aws/lambda/testtime-", "/aws/apigateway/testtime-", "/ecs/testtime-", "/custom/groupname"
    ]  # fmt: skip
    # Another copy's groups share the prefix (project testtime-smoke-x): they are not this project's.
    found = ["/aws/lambda/testtime-list-tests", "/aws/lambda/testtime-smoke-x-list-tests", "/ecs/testtime-portal",
             "/aws/lambda/testtime-list-tests"]  # fmt: skip
    assert teardown.matching_log_groups(found, candidates) == ["/aws/lambda/testtime-list-tests",
                                                               "/ecs/testtime-portal"]  # fmt: skip
    # A project name with regex characters is matched as it is written.
    assert teardown.log_group_prefixes(["/aws/lambda/a.b-x"], "a.b") == ["/aws/lambda/a.b-"]
    assert teardown.log_group_prefixes(["/aws/lambda/axb-x"], "a.b") == ["/aws/lambda/axb-x"]


def test_no_local_file_is_listed_that_is_not_there(tmp_path: Path) -> None:
    assert teardown.local_files(names(tmp_path)) == []
    write_outputs(tmp_path, "testtime-data")
    assert teardown.local_files(names(tmp_path)) == [str(tmp_path / "stack-outputs.json"),
                                                     str(tmp_path / "last-deploy.json")]  # fmt: skip
    removed = teardown.remove_local_files([*teardown.local_files(names(tmp_path)), str(tmp_path / "gone.json")])
    assert removed == [str(tmp_path / "stack-outputs.json"), str(tmp_path / "last-deploy.json")]
    assert (tmp_path / "stacks" / "testtime-data.json").is_file()

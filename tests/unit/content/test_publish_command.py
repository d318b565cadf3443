"""``./update-subjects-or-students.sh``: the publication in the trainer's terms against moto (a changed test, a closed
and a reopened one, an explicit deadline and the default one), and its options parsed in Python (ops/publish.py),
the script only handing over: --content defaults to the repository's content/ and a relative one is the caller's,
--target and --region pick the target, and an unusable target is one line ``error: ...`` and exit 1."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from content_support import REPO, TEST_YML, FakeDeployment, MakeContent

import ops.publish
from ops.content import load_content
from ops.deployment import Settings
from ops.publish import PublishReport, publish

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday: the default deadline is Monday 2026-11-23 23:00 CET
T1, T2 = "subjects/networks/test01.yml", "subjects/networks/test02.yml"
TEST02 = TEST_YML.replace("title: Networks", "title: Routing")
# test01 corrected: question 2 reworded and its answer changed, and a deadline of its own.
CORRECTED = "due: 2026-11-27T23:00 Europe/Warsaw\n" + TEST_YML.replace("answer: b", "answer: c").replace(
    "Which protocol is connectionless?", "Which protocol keeps no connection?"
)
SCRIPT = REPO / "update-subjects-or-students.sh"


def run(aws: FakeDeployment, folder: Path, *, check: bool = False, now: datetime = NOW) -> PublishReport:
    content = load_content(folder)
    return publish(content, aws.outputs, Settings(), now=now, check=check, apigateway=aws.apigateway, ses=aws.ses)


def test_a_changed_a_closed_and_a_reopened_test_in_the_trainers_terms(
    aws: FakeDeployment, make_content: MakeContent
) -> None:
    run(aws, make_content({T2: TEST02}))
    corrected = make_content({T1: CORRECTED, T2: None})
    plan = run(aws, corrected, check=True).lines(check=True)
    assert plan == [
        "test changed    networks/test01 (Networks): questions; answer key of question 2; due Friday 27 November "
        "2026, 23:00 CET, was Monday 23 November 2026, 23:00 CET",
        "test closed     networks/test02 (Routing): closed before its deadline, Monday 23 November 2026, 23:00 CET: "
        "no more submissions; what was submitted is still scored",
        "check, nothing changed: tests 0 new, 1 changed, 1 closed, 0 reopened; students 0 added, 0 removed; api keys "
        "0 create, 0 enable, 0 disable, 0 attach; ses 0 to verify; files 0 to upload, 3 to replace, 2 unchanged",
    ]
    run(aws, corrected)

    back = make_content({T1: CORRECTED, T2: TEST02})
    assert run(aws, back, now=NOW + timedelta(days=1)).lines(check=False) == [
        # its first publication still counts: the same default deadline as before it was closed
        "test reopened   networks/test02 (Routing): due Monday 23 November 2026, 23:00 CET (default: its file sets "
        "no 'due')",
        "published: tests 0 new, 0 changed, 0 closed, 1 reopened; students 0 added, 0 removed; api keys 0 create, "
        "0 enable, 0 disable, 0 attach; ses 0 to verify; files 0 uploaded, 1 replaced, 6 unchanged",
    ]


def test_an_explanation_alone_is_said_to_change_no_score(aws: FakeDeployment, make_content: MakeContent) -> None:
    run(aws, make_content())
    explained = make_content({T1: TEST_YML.replace("    answer: a\n", "    answer: a\n    explanation: IP routes.\n")})
    assert run(aws, explained, check=True).lines(check=True)[0] == (
        "test changed    networks/test01 (Networks): answer key, but no score can change (an explanation or the layout)"
    )


def test_the_content_defaults_to_the_repositorys_and_a_relative_folder_is_the_callers(
    cli: FakeDeployment, make_content: MakeContent, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ops.publish.parser().parse_args([]).content == REPO / "content"
    monkeypatch.chdir(REPO / "tests")  # not the repository's root: the default does not depend on it
    assert ops.publish.main(["--check"]) == 0
    said = capsys.readouterr().out
    assert "test added      operating-systems/test01 (" in said, said  # the sample content in content/

    folder = make_content()
    monkeypatch.chdir(folder.parent)
    assert ops.publish.main(["--content", folder.name, "--check"]) == 0
    assert capsys.readouterr().out.startswith("test added      networks/test01 (Networks): due ")


def test_target_and_region_are_the_commands_options(
    cli: FakeDeployment, make_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(make_content())
    assert ops.publish.main(["--content", folder, "--check"]) == 0
    assert ops.publish.main(["--content", folder, "--check", "--target", "aws", "--region", "eu-west-1"]) == 0
    assert ops.publish.main(["--content", folder, "--check", "--target=local", "--region=eu-north-1"]) == 0
    assert cli.entered == [("local", None), ("aws", "eu-west-1"), ("local", "eu-north-1")]


def script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The script as the trainer runs it, with no AWS setting of the caller's (they would pick the target)."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120, env={**environment, **env})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_script_hands_over_help_and_usage_errors() -> None:
    helped = script("--help")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: ./update-subjects-or-students.sh")
    assert "./update-subjects-or-students.sh --check -v " in helped.stdout  # an example
    refused = script("--target", "moon")
    assert refused.returncode == 2
    assert "invalid choice: 'moon'" in refused.stderr


def test_without_the_local_aws_the_script_says_so_in_one_line(make_content: MakeContent) -> None:
    done = script("--content", str(make_content()), "--check", LOCAL_AWS_PORT=str(free_port()))
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "error: the local AWS is not running: run ./deploy-api-gateway.sh (or bin/local-aws.sh start) first.\n",
    )


def test_without_aws_credentials_the_aws_target_says_so_in_one_line(make_content: MakeContent, tmp_path: Path) -> None:
    nowhere = str(tmp_path / "no-such-file")  # no profile, no credentials file, no instance metadata to ask
    no_credentials = {"AWS_CONFIG_FILE": nowhere, "AWS_SHARED_CREDENTIALS_FILE": nowhere,
                      "AWS_EC2_METADATA_DISABLED": "true"}  # fmt: skip
    done = script("--content", str(make_content()), "--check", "--target", "aws", "--region", "eu-west-1",
                  **no_credentials)  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "error: no usable AWS credentials for --target aws: run `aws configure` or set AWS_PROFILE.\n",
    )

"""A missing prerequisite stops the scripts with one line that says what to do."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.integration.harness import LocalAws

pytestmark = pytest.mark.integration


def test_a_taken_port_is_reported_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        aws = LocalAws(tmp_path, port=squatter.getsockname()[1])
        proc = aws.run("bin/local-aws.sh", "start", check=False)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        f"error: port {aws.port} on 127.0.0.1 is taken by another program: stop it, or choose a free port "
        "with LOCAL_AWS_PORT=4567."
    ]


def test_the_aws_target_without_credentials_says_what_to_do(tmp_path: Path) -> None:
    aws = LocalAws(tmp_path)
    # No credentials anywhere, and no instance-metadata lookup (nothing may leave the machine).
    proc = aws.run(
        "deploy-api-gateway.sh",
        "--target",
        "aws",
        check=False,
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "error: no usable AWS credentials for --target aws: run `aws configure` or set AWS_PROFILE."
    )


def test_an_unknown_target_is_refused(tmp_path: Path) -> None:
    proc = LocalAws(tmp_path).run("deploy-api-gateway.sh", "--target", "azure", check=False)
    assert proc.returncode == 2  # a usage error
    assert "argument --target: invalid choice: 'azure'" in proc.stderr

"""The artifacts bucket as the artifacts_bucket role makes it, on a throwaway embedded AWS: HTTPS only (the
data bucket's aws:SecureTransport deny), the lifecycle its defaults name, and a second run changes nothing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.harness import ROOT, LocalAws, play_recap

pytestmark = pytest.mark.integration

PLAYBOOK = Path(__file__).parent / "artifacts_bucket" / "playbook.yml"


def run_role(aws: LocalAws, *options: str) -> subprocess.CompletedProcess[str]:
    env = aws.playbook_env()
    command = ["ansible-playbook", str(PLAYBOOK), "-e", json.dumps({"aws_region": aws.region}), *options]
    proc = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc


def test_the_artifacts_bucket_is_tls_only_with_the_lifecycle_its_defaults_name(tmp_path: Path) -> None:
    aws = LocalAws(tmp_path)
    aws.start()
    try:
        run_role(aws, "--check")  # nothing exists yet: check mode must neither fail nor create anything
        s3 = aws.client("s3")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"] if "-artifacts-" in b["Name"]] == []

        run_role(aws)
        (bucket,) = [b["Name"] for b in s3.list_buckets()["Buckets"] if "-artifacts-" in b["Name"]]
        (statement,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
        assert statement["Effect"] == "Deny" and statement["Action"] == "s3:*"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert sorted(statement["Resource"]) == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
        (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert rule["Status"] == "Enabled"
        assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30  # artifacts_noncurrent_version_days
        assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
        assert rule["Expiration"] == {"ExpiredObjectDeleteMarker": True}

        assert play_recap(run_role(aws).stdout)["changed"] == 0
        assert play_recap(run_role(aws, "--check").stdout)["changed"] == 0
    finally:
        aws.stop()

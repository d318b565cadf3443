"""ops/target.py's enter, the one place where the target picks endpoint and credentials: on the aws
target no configured endpoint (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, a profile's endpoint_url or services
section) may send a call anywhere but AWS; on the local target every client goes to the embedded AWS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ops.target import TargetError, enter

ROOT = Path(__file__).resolve().parents[3]
EMULATOR = "http://127.0.0.1:9"  # nothing listens there; no call is made, only endpoints are resolved
SERVICES = ("s3", "apigateway", "lambda", "cloudformation", "sesv2", "sts")

RESOLVE = f"""
import json, sys, boto3
from ops.target import enter
enter(sys.argv[1], "eu-central-1")
print(json.dumps({{name: boto3.client(name).meta.endpoint_url for name in {SERVICES!r}}}))
"""


def resolved_endpoints(target: str, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text(
        "[profile training]\n"
        "region = eu-central-1\n"
        f"endpoint_url = {EMULATOR}\n"
        "services = emulator\n"
        "[services emulator]\n"
        f"s3 =\n  endpoint_url = {EMULATOR}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
    env.update(
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        AWS_PROFILE="training",
        AWS_ENDPOINT_URL=EMULATOR,
        AWS_ENDPOINT_URL_S3=EMULATOR,
        AWS_ENDPOINT_URL_API_GATEWAY=EMULATOR,
        AWS_ENDPOINT_URL_LAMBDA=EMULATOR,
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY="example-secret",
        LOCAL_AWS_PORT="4999",
    )
    env["PYTHONPATH"] = f"{ROOT / 'lambda_src'}:{ROOT}"
    # A process of its own: enter() changes the environment of the process and its children.
    proc = subprocess.run(
        [sys.executable, "-c", RESOLVE, target],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_aws_target_ignores_every_configured_endpoint(tmp_path: Path) -> None:
    endpoints = resolved_endpoints("aws", tmp_path)
    for service, url in endpoints.items():
        assert url.startswith("https://") and url.endswith(".amazonaws.com"), (service, url)
        assert "127.0.0.1" not in url


def test_the_local_target_sends_every_service_to_the_embedded_aws(tmp_path: Path) -> None:
    assert resolved_endpoints("local", tmp_path) == dict.fromkeys(SERVICES, "http://127.0.0.1:4999")


def test_the_local_target_never_uses_a_profile_or_a_session_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
    env.update(AWS_PROFILE="training", AWS_SESSION_TOKEN="a-real-session", LOCAL_AWS_PORT="4999",
               PYTHONPATH=f"{ROOT / 'lambda_src'}:{ROOT}", TT_BUILD_ROOT=str(tmp_path))  # fmt: skip
    shown = "import json, os; from ops.target import enter; t = enter('local'); print(json.dumps(dict(os.environ)))"
    proc = subprocess.run([sys.executable, "-c", shown], cwd=ROOT, env=env, text=True, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert "AWS_PROFILE" not in seen and "AWS_SESSION_TOKEN" not in seen
    assert seen["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4999"
    assert seen["TT_BUILD_DIR"] == str(tmp_path / "local")


def test_a_bad_local_port_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_AWS_PORT", "45x")
    with pytest.raises(TargetError, match="LOCAL_AWS_PORT"):
        enter("local")

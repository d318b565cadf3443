"""bin/lib/common.sh's select_target, the one place where the target picks endpoint and credentials: on the aws
target no configured endpoint (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, a profile's endpoint_url or services
section) may send a call anywhere but AWS; on the local target every client goes to the embedded AWS."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EMULATOR = "http://127.0.0.1:9"  # nothing listens there; no call is made, only endpoints are resolved
SERVICES = ("s3", "apigateway", "lambda", "cloudformation", "sesv2", "sts")

RESOLVE = f"""
import json, boto3
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
    script = f'source bin/lib/common.sh && select_target {target} eu-central-1 && python3 -c "$RESOLVE"'
    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env={**env, "RESOLVE": RESOLVE},
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

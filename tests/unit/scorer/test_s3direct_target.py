"""Where the lean object client sends its requests: the address boto3 itself would use."""

from __future__ import annotations

from pathlib import Path

import pytest

from testtime import s3direct, s3io


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "example-token")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(s3io, "_CLIENT", None)


def test_aws_is_addressed_virtual_hosted_in_the_region(credentials: None) -> None:
    target = s3direct.target_for("testtime-data-bucket")
    assert target.base_url == "https://testtime-data-bucket.s3.eu-central-1.amazonaws.com/"
    assert target.region == "eu-central-1"
    frozen = target.credentials.get_frozen_credentials()
    assert (frozen.access_key, frozen.token) == ("AKIDEXAMPLE", "example-token")


def test_a_custom_endpoint_is_addressed_path_style(credentials: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    target = s3direct.target_for("testtime-data-bucket")
    assert target.base_url == "http://127.0.0.1:4566/testtime-data-bucket/"


def test_certificates_are_verified_with_the_bundle_boto3_uses(
    credentials: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    default = s3direct.ObjectClient("b")._pool.connection_pool_kw
    assert default["cert_reqs"] == "CERT_REQUIRED"
    assert Path(default["ca_certs"]).is_file()
    bundle = tmp_path / "proxy-ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(bundle))
    assert s3direct.ObjectClient("b")._pool.connection_pool_kw["ca_certs"] == str(bundle)

"""The one in-process AWS account of the unit tests: moto (``mock_aws``) behind fake credentials, with the data
bucket created and the package's shared S3 client (``testtime.s3io``) made inside the mock.

Every suite starts its account here and layers its own extras on top (published documents, SES identities, a usage
plan, IAM enforcement); the ``moto_account`` fixture of ``tests/conftest.py`` is the function-scoped form.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from testtime import s3io

DEFAULT_REGION = "us-east-1"
DEFAULT_BUCKET = "testtime-data"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Anything that would point a client at a real account or endpoint, or change the package's behaviour.
REAL_AWS_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "CACHE_TTL_SECONDS")


@dataclass(frozen=True)
class AccountOptions:
    """What a suite may change about its account; override the ``moto_account_options`` fixture to change it."""

    region: str = DEFAULT_REGION
    bucket: str | None = DEFAULT_BUCKET  # None: no data bucket
    env: Mapping[str, str] = field(default_factory=dict)  # more environment variables, e.g. DATA_BUCKET
    moto_config: Mapping[str, Any] | None = None  # mock_aws(config=...)


@dataclass(frozen=True)
class MotoAccount:
    region: str
    bucket: str | None

    def client(self, service: str, **kwargs: Any) -> Any:
        return boto3.client(service, region_name=self.region, **kwargs)

    @property
    def s3(self) -> Any:
        """The package's shared S3 client (``s3io.client()``), made inside the mock."""
        return s3io.client()


def use_fake_credentials(monkeypatch: pytest.MonkeyPatch, region: str = DEFAULT_REGION) -> None:
    """Fake credentials and region in the environment; nothing that could reach a real account or endpoint."""
    for name, value in {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": region, "AWS_REGION": region}.items():
        monkeypatch.setenv(name, value)
    for name in REAL_AWS_ENV:
        monkeypatch.delenv(name, raising=False)


def create_bucket(s3: Any, bucket: str, region: str) -> None:
    # Outside us-east-1 CreateBucket needs the region as LocationConstraint (S3 API reference, CreateBucket).
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)


@contextmanager
def moto_account(monkeypatch: pytest.MonkeyPatch, options: AccountOptions | None = None) -> Iterator[MotoAccount]:
    """A fresh moto account for the span of the ``with``; ``s3io``'s client is reset on the way in and out, so no
    client made outside the mock (which would reach for the network) survives into it or out of it."""
    options = options or AccountOptions()
    use_fake_credentials(monkeypatch, options.region)
    for name, value in options.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(s3io, "_CLIENT", None)
    with mock_aws(config=dict(options.moto_config) if options.moto_config else None):
        if options.bucket:
            create_bucket(s3io.client(), options.bucket, options.region)
        yield MotoAccount(options.region, options.bucket)
    monkeypatch.setattr(s3io, "_CLIENT", None)

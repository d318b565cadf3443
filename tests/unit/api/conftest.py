"""Fixtures of the API tests: a moto S3 bucket with published content, isolated cache, client and clock."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
for path in (HERE.parents[2] / "lambda_src", HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from api_support import (  # noqa: E402  (needs the path above)
    BUCKET,
    LEGACY_TEST,
    NOW,
    QUESTIONS_NET,
    S3Calls,
    catalog_document,
    legacy_questions,
    students_document,
)

from tests.support.moto_account import AccountOptions, moto_account, use_fake_credentials  # noqa: E402
from testtime import deadlines, s3io, store  # noqa: E402


def _fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_credentials(monkeypatch)
    monkeypatch.setenv("DATA_BUCKET", BUCKET)


@pytest.fixture(autouse=True)
def _isolated_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees another's cache, S3 client or clock; no real AWS credentials are ever used."""
    _fake_aws(monkeypatch)
    monkeypatch.setattr(deadlines, "utc_now", lambda: NOW)
    monkeypatch.setattr(s3io, "_CLIENT", None)
    store.clear_cache()
    yield
    store.clear_cache()


@pytest.fixture(scope="module")
def _moto_client() -> Iterator[Any]:
    """One moto account (tests/support/moto_account.py) and one client per test module: creating a boto3 client
    costs about 0.4 s. The data bucket is made per test (``s3``).

    Module scope, not session: the mock must not outlive these tests and catch other suites' AWS calls.
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        options = AccountOptions(bucket=None, env={"DATA_BUCKET": BUCKET})
        with moto_account(monkeypatch, options):
            yield s3io.client()


@pytest.fixture
def s3(_moto_client: Any, _isolated_state: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The data bucket, empty; ``s3io`` uses the same (mocked) client."""
    monkeypatch.setattr(s3io, "_CLIENT", _moto_client)
    _moto_client.create_bucket(Bucket=BUCKET)
    yield _moto_client
    for page in _moto_client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            _moto_client.delete_object(Bucket=BUCKET, Key=item["Key"])
    _moto_client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def published(s3: Any) -> Any:
    """The bucket as the trainer's publish leaves it: class list, catalog, questions and answer keys."""
    s3.put_object(Bucket=BUCKET, Key="studentsList.json", Body=json.dumps(students_document()))
    s3.put_object(Bucket=BUCKET, Key="catalog.json", Body=json.dumps(catalog_document()))
    s3.put_object(Bucket=BUCKET, Key="operating-systems/test01/questions.json", Body=json.dumps(legacy_questions()))
    s3.put_object(
        Bucket=BUCKET,
        Key="operating-systems/test01/questionsKey.json",
        Body=(LEGACY_TEST / "questionsKey.json").read_bytes(),
    )
    for test_id in ("net01", "net02", "net-old", "net-removed"):
        s3.put_object(Bucket=BUCKET, Key=f"networks/{test_id}/questions.json", Body=json.dumps(QUESTIONS_NET))
    return s3


@pytest.fixture
def s3_calls(s3: Any) -> Iterator[S3Calls]:
    counter = S3Calls()
    s3.meta.events.register("provide-client-params.s3.*", counter)
    yield counter
    s3.meta.events.unregister("provide-client-params.s3.*", counter)

"""store: the warm-container cache and the S3 writes and listing, against moto."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_support import BUCKET, S3Calls
from botocore.stub import ANY, Stubber

from testtime import layout, s3io, store
from testtime.documents.codec import MalformedDocument, dumps


def put(s3: Any, key: str, value: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(value))


def test_reads_are_cached_until_the_ttl_runs_out(
    published: Any, s3_calls: S3Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(store, "clock", lambda: clock[0])
    first = store.class_list()
    store.catalog()
    store.questions("operating-systems", "test01")
    assert s3_calls.count == 3
    put(published, "studentsList.json", [])
    s3_calls.reset()
    clock[0] += 14.9
    assert store.class_list() == first
    store.catalog()
    store.questions("operating-systems", "test01")
    assert s3_calls.count == 0
    clock[0] += 0.2
    assert store.class_list().students == () and s3_calls.count == 1


def test_ttl_comes_from_the_environment(published: Any, s3_calls: S3Calls, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_TTL_SECONDS", "0")
    store.class_list()
    store.class_list()
    assert s3_calls.count == 2
    monkeypatch.setenv("CACHE_TTL_SECONDS", "not a number")
    assert store.ttl_seconds() == store.DEFAULT_TTL_SECONDS


def test_missing_objects(s3: Any, s3_calls: S3Calls) -> None:
    assert store.class_list().students == ()
    assert store.catalog().tests == {}
    assert store.questions("s", "t") is None
    assert store.questions("s", "t") is None
    assert s3_calls.count == 4  # a missing questions.json is asked for again: it may be published any moment


def test_a_class_list_that_is_not_a_list_fails(s3: Any) -> None:
    put(s3, "studentsList.json", {"student_id": "x"})
    with pytest.raises(MalformedDocument, match=r"studentsList\.json is not a list"):
        store.class_list()


def test_skipped_catalog_entries_are_logged_once(s3: Any, capsys: pytest.CaptureFixture[str]) -> None:
    put(s3, "catalog.json", {"version": 1, "tests": [{"subject": "a/b"}]})
    store.catalog()
    store.catalog()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1 and lines[0]["message"] == "catalog.json entry skipped"


def test_submission_is_create_only(s3: Any) -> None:
    assert store.put_submission("s", "t", "st1", lambda version: dumps({"n": 1, "v": version})) == 1
    assert store.put_submission("s", "t", "st1", lambda version: dumps({"n": 2, "v": version})) is None
    body = s3.get_object(Bucket=BUCKET, Key="s/t/st1/testResult.json")["Body"].read()
    assert json.loads(body) == {"n": 1, "v": 1}


def test_versions_are_each_created_once_up_to_the_bound(s3: Any, s3_calls: S3Calls) -> None:
    def body(n: int) -> Any:
        return lambda version: dumps({"n": n, "v": version})

    assert [store.put_submission("s", "t", "st1", body(n), versions=3) for n in range(1, 5)] == [1, 2, 3, None]
    # Create-only PUTs in order, no listing and no read: 1 + 2 + 3 + 3 (the fourth finds every version taken).
    assert s3_calls.names == ["PutObject"] * 9
    stored = {
        key: json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        for key in ("s/t/st1/testResult.json", "s/t/st1/testResult.2.json", "s/t/st1/testResult.3.json")
    }
    assert list(stored.values()) == [{"n": 1, "v": 1}, {"n": 2, "v": 2}, {"n": 3, "v": 3}]


def test_a_concurrent_write_to_a_version_moves_on_to_the_next(s3: Any) -> None:
    """S3 may answer a create-only PUT with 409 ConditionalRequestConflict while another conditional write to the
    key is in flight (S3 API reference, PutObject, If-None-Match); no emulator produces it, so botocore's Stubber
    plays S3's part: the version counts as taken and the submission lands as the next one."""
    with Stubber(s3io_client()) as stub:
        stub.add_client_error(
            "put_object",
            service_error_code="ConditionalRequestConflict",
            http_status_code=409,
            expected_params={
                "Bucket": BUCKET,
                "Key": "s/t/st1/testResult.json",
                "Body": ANY,
                "ContentType": ANY,
                "IfNoneMatch": "*",
            },
        )
        stub.add_response(
            "put_object",
            {"ETag": '"e"'},
            {"Bucket": BUCKET, "Key": "s/t/st1/testResult.2.json", "Body": ANY, "ContentType": ANY, "IfNoneMatch": "*"},
        )
        assert store.put_submission("s", "t", "st1", lambda version: dumps({"v": version}), versions=5) == 2
        stub.assert_no_pending_responses()


def s3io_client() -> Any:
    return s3io.client()


def test_no_more_versions_than_the_layout_allows(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "MAX_SUBMISSION_VERSIONS", 2)
    assert [store.put_submission("s", "t", "st1", lambda v: b"{}", versions=10_000) for _ in range(3)] == [1, 2, None]


def test_markers_are_listed_with_one_call(s3: Any, s3_calls: S3Calls) -> None:
    store.mark_submitted("st1", "s", "t1")
    store.mark_submitted("st1", "s", "t2")
    store.mark_submitted("st10", "s", "t3")  # a prefix of another student's id must not leak in
    s3.put_object(Bucket=BUCKET, Key="submitted/st1/odd", Body=b"")
    s3_calls.reset()
    assert set(store.submitted_tests("st1")) == {("s", "t1"), ("s", "t2")}
    assert s3_calls.names == ["ListObjectsV2"]
    assert s3.get_object(Bucket=BUCKET, Key="submitted/st1/s/t1")["ContentLength"] == 0


def test_bucket_must_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATA_BUCKET")
    with pytest.raises(RuntimeError, match="DATA_BUCKET"):
        store.bucket()


def test_cache_is_bounded(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "MAX_CACHE_ENTRIES", 3)
    for index in range(5):
        put(s3, f"s/t{index}/questions.json", [])
        store.questions("s", f"t{index}")
    assert len(store._cache) == 3

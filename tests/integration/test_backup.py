"""bin/backup-data.sh: a backup of the shared deployment's data bucket (read only), verified against its manifest,
then restored into a bucket of a fresh embedded AWS: only missing or different objects, nothing deleted, and a
backup whose files do not match the manifest is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import LocalAws
from tests.support.throwaway_aws import ThrowawayAws

pytestmark = pytest.mark.integration

RESTORED = "restored-data"


@pytest.fixture(scope="module")
def backup_dir(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backup") / "data"
    done = deployed.run("bin/backup-data.sh", str(folder))
    assert "backed up" in done.stdout
    return folder


@pytest.fixture(scope="module")
def target(throwaway_aws: ThrowawayAws) -> Iterator[LocalAws]:
    """A fresh embedded AWS with an empty versioned bucket, as after a purge and a new deploy."""
    with throwaway_aws("restore", deploy=False) as local:
        s3 = local.client("s3")
        s3.create_bucket(Bucket=RESTORED, CreateBucketConfiguration={"LocationConstraint": local.region})
        s3.put_bucket_versioning(Bucket=RESTORED, VersioningConfiguration={"Status": "Enabled"})
        yield local


def manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_backup_holds_every_object_with_a_matching_manifest(deployed: LocalAws, backup_dir: Path) -> None:
    s3 = deployed.client("s3")
    bucket = deployed.outputs()["DataBucketName"]
    listed = {item["Key"]: item for item in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    entries = {entry["key"]: entry for entry in manifest(backup_dir)["objects"]}
    assert set(entries) == set(listed)
    assert {"studentsList.json", "catalog.json", "operating-systems/test01/questionsKey.json"} <= set(entries)
    for key, entry in entries.items():
        data = (backup_dir / "objects" / key).read_bytes()
        assert entry["size"] == len(data) == listed[key]["Size"]
        assert entry["sha256"] == sha256(data)
        assert entry["etag"] == listed[key]["ETag"].strip('"')
    assert manifest(backup_dir)["bucket"] == bucket


def test_a_backup_needs_a_new_folder(deployed: LocalAws, backup_dir: Path) -> None:
    refused = deployed.run("bin/backup-data.sh", str(backup_dir), check=False)
    assert refused.returncode == 1
    assert "not an empty folder" in refused.stderr


def test_restore_puts_everything_back_then_nothing(target: LocalAws, backup_dir: Path) -> None:
    first = target.run("bin/backup-data.sh", "--restore", "--bucket", RESTORED, str(backup_dir))
    count = len(manifest(backup_dir)["objects"])
    assert f"{count} uploaded ({count} missing, 0 different), 0 unchanged" in first.stdout
    s3 = target.client("s3")
    for entry in manifest(backup_dir)["objects"]:
        assert sha256(s3.get_object(Bucket=RESTORED, Key=entry["key"])["Body"].read()) == entry["sha256"]
    second = target.run("bin/backup-data.sh", "--restore", "--bucket", RESTORED, str(backup_dir))
    assert f"0 uploaded (0 missing, 0 different), {count} unchanged" in second.stdout


def test_restore_repairs_only_what_differs_and_deletes_nothing(target: LocalAws, backup_dir: Path) -> None:
    s3 = target.client("s3")
    s3.put_object(Bucket=RESTORED, Key="catalog.json", Body=b'{"version": 1, "tests": []}')
    s3.delete_object(Bucket=RESTORED, Key="studentsList.json")
    s3.put_object(Bucket=RESTORED, Key="operating-systems/test01/late/testResult.json", Body=b"{}")
    preview = target.run("bin/backup-data.sh", "--restore", "--check", "--bucket", RESTORED, str(backup_dir))
    assert "would upload studentsList.json (missing)" in preview.stdout
    assert "would upload catalog.json (different)" in preview.stdout
    assert "2 would upload (1 missing, 1 different)" in preview.stdout
    assert s3.list_objects_v2(Bucket=RESTORED, Prefix="studentsList.json").get("KeyCount", 0) == 0
    repaired = target.run("bin/backup-data.sh", "--restore", "--bucket", RESTORED, str(backup_dir))
    assert "2 uploaded (1 missing, 1 different)" in repaired.stdout
    entries = {entry["key"]: entry for entry in manifest(backup_dir)["objects"]}
    for key in ("catalog.json", "studentsList.json"):
        assert sha256(s3.get_object(Bucket=RESTORED, Key=key)["Body"].read()) == entries[key]["sha256"]
    # Never deletes: the object the backup does not have stays, and the overwritten catalog keeps its versions.
    assert s3.get_object(Bucket=RESTORED, Key="operating-systems/test01/late/testResult.json")["Body"].read() == b"{}"
    versions = s3.list_object_versions(Bucket=RESTORED, Prefix="catalog.json")["Versions"]
    assert len([v for v in versions if v["Key"] == "catalog.json"]) == 3


def test_a_backup_that_does_not_match_its_manifest_is_refused(
    target: LocalAws, backup_dir: Path, tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered"
    shutil.copytree(backup_dir, tampered)
    (tampered / "objects" / "catalog.json").write_text("{}")
    s3 = target.client("s3")
    s3.delete_object(Bucket=RESTORED, Key="studentsList.json")
    refused = target.run("bin/backup-data.sh", "--restore", "--bucket", RESTORED, str(tampered), check=False)
    assert refused.returncode == 1
    assert "catalog.json: the file differs from the manifest" in refused.stderr
    assert "nothing was restored" in refused.stderr
    assert s3.list_objects_v2(Bucket=RESTORED, Prefix="studentsList.json").get("KeyCount", 0) == 0

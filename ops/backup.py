"""Back the data bucket up to a local folder, and put it back (``bin/backup-data.sh``).

    bin/backup-data.sh [--target local|aws] [--region R] [--bucket B] [--workers N] DIR
    bin/backup-data.sh --restore [--check] [--target local|aws] [--region R] [--bucket B] [--workers N] DIR

A backup copies the current version of every object (class list, catalog, tests, answer keys, submissions,
scores, markers, the scorer's ledger) to ``DIR/objects/<key>`` and writes ``DIR/manifest.json`` last: one entry
per object with its key, size, ETag, SHA-256 and content type. DIR must be new or empty. Each download is checked
against its size and, for a single-part object, against its ETag (the MD5 of its bytes).

A restore first checks every file against the manifest (size and SHA-256) and stops before any upload when one
differs. It then uploads only the objects the bucket lacks or holds with other bytes, and never deletes anything:
objects the backup does not have stay, and in the versioned data bucket an overwritten object keeps its old version.

The bucket is --bucket, else the deployment's data bucket (``build/<target>/stack-outputs.json``, else the data
stack's output). Exit status: 0 done, 1 AWS, deployment or verification problem, 2 usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ops import cli
from ops import target as targets
from ops.deployment import project_name, stack_outputs_path
from ops.i18n import TRAINER, run_in_class_language

_ = TRAINER.gettext
_n = TRAINER.ngettext
_p = TRAINER.pgettext

MANIFEST = "manifest.json"
OBJECTS = "objects"
DEFAULT_WORKERS = 8
MAX_WORKERS = 32
CHUNK = 1024 * 1024
_PLAIN_MD5 = re.compile(r"^[0-9a-f]{32}$")
EXAMPLES = """examples:
  bin/backup-data.sh DIR                      every current object (class list, tests, submissions, scores, the
                                              scorer's ledger) into DIR/objects/, with DIR/manifest.json
  bin/backup-data.sh --restore DIR            upload what the bucket lacks or holds with other bytes
  bin/backup-data.sh --restore --check DIR    list what a restore would upload; upload nothing
  bin/backup-data.sh --target aws --region eu-west-1 DIR    the deployment in a real account
  bin/backup-data.sh --bucket NAME DIR        another bucket than the deployment's data bucket

DIR must be new or empty for a backup. A restore checks every file against the manifest first and uploads nothing
if one differs; it NEVER deletes. After ./remove-api-gateway.sh --purge-data: deploy again, restore into the new
data bucket, then ./update-subjects-or-students.sh (new keys).

exit status: 0 done, 1 an AWS, deployment or verification problem, 2 a bad option."""


class BackupError(Exception):
    """One line for the user; the exit status is 1."""


@dataclass(frozen=True)
class Entry:
    key: str
    size: int
    etag: str
    sha256: str
    content_type: str


# ---------------------------------------------------------------------------------------------- local files


def object_path(root: Path, key: str) -> Path:
    """Where a key's bytes live under DIR/objects; keys that cannot be a relative file path are refused."""
    parts = PurePosixPath(key).parts
    if not key or key.startswith("/") or key.endswith("/") or any(part in ("", ".", "..") for part in parts):
        raise BackupError(_("cannot back up the key {key}: it is not a relative file path", key=repr(key)))
    if "\\" in key or "\0" in key:
        raise BackupError(_("cannot back up the key {key}: backslash or NUL in it", key=repr(key)))
    return root / OBJECTS / Path(*parts)


def file_digests(path: Path) -> tuple[int, str, str]:
    """Size, SHA-256 and MD5 of a file, read in chunks."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest(), md5.hexdigest()


def read_manifest(root: Path) -> tuple[dict[str, Any], list[Entry]]:
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        entries = [Entry(**item) for item in manifest["objects"]]
    except FileNotFoundError:
        raise BackupError(
            _("{path} not found: not a backup folder (make one with bin/backup-data.sh DIR)", path=path)
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(_("{path}: not a valid manifest ({error})", path=path, error=error)) from None
    return manifest, entries


def verify_files(root: Path, entries: Iterable[Entry]) -> list[str]:
    """The problems of the backup's files against the manifest (missing, other size, other SHA-256)."""
    problems = []
    for entry in entries:
        path = object_path(root, entry.key)
        if not path.is_file():
            problems.append(_("missing file for {key}", key=entry.key))
            continue
        size, sha, _md5 = file_digests(path)
        if size != entry.size or sha != entry.sha256:
            problems.append(_("{key}: the file differs from the manifest (size {size}, sha256 {sha}…)", key=entry.key,
                              size=size, sha=sha[:12]))  # fmt: skip
    return problems


# ---------------------------------------------------------------------------------------------- bucket


def _etag(value: str | None) -> str:
    return (value or "").strip('"')


def list_keys(s3: Any, bucket: str) -> list[str]:
    """Every current object's key, page by page."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def download(s3: Any, bucket: str, key: str, root: Path) -> Entry:
    """One object into DIR/objects/<key> (via a temporary file), checked against its size and ETag."""
    path = object_path(root, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    response = s3.get_object(Bucket=bucket, Key=key)
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with partial.open("wb") as handle:
        for chunk in response["Body"].iter_chunks(CHUNK):
            handle.write(chunk)
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    etag = _etag(response.get("ETag"))
    # A single-part object's ETag is the MD5 of its bytes, except under SSE-KMS (the data bucket uses AES256).
    md5_etag = _PLAIN_MD5.match(etag) and response.get("ServerSideEncryption") in (None, "AES256")
    if size != response.get("ContentLength", size) or (md5_etag and etag != md5.hexdigest()):
        partial.unlink(missing_ok=True)
        raise BackupError(
            _("{key}: the download does not match the object's size or ETag; run the backup again", key=key)
        )
    os.replace(partial, path)
    return Entry(key, size, etag, sha.hexdigest(), response.get("ContentType") or "application/octet-stream")


def backup(s3: Any, bucket: str, root: Path, *, workers: int, about: dict[str, Any]) -> list[Entry]:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BackupError(
            _(
                "{root} is not an empty folder: back up into a new one (e.g. {example})",
                root=root,
                example="backups/$(date +%F)",
            )
        )
    keys = list_keys(s3, bucket)
    for key in keys:
        object_path(root, key)  # refuse unusable keys before writing anything
    folders = {str(parent) for key in keys for parent in PurePosixPath(key).parents if str(parent) != "."}
    clashes = sorted(set(keys) & folders)
    if clashes:
        raise BackupError(_("cannot back up: {key} is both an object and a folder of other keys", key=repr(clashes[0])))
    root.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        entries = sorted(pool.map(lambda key: download(s3, bucket, key, root), keys), key=lambda e: e.key)
    manifest = {
        "version": 1,
        **about,
        "bucket": bucket,
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "objectCount": len(entries),
        "totalBytes": sum(entry.size for entry in entries),
        "objects": [asdict(entry) for entry in entries],
    }
    temporary = root / (MANIFEST + ".partial")
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, root / MANIFEST)
    return entries


MISSING, DIFFERENT, UNCHANGED = "missing", "different", "unchanged"


def compare(s3: Any, bucket: str, root: Path, entry: Entry) -> str:
    """Whether the bucket lacks the object, holds other bytes, or the same (by ETag: the backup's, or the MD5)."""
    try:
        head = s3.head_object(Bucket=bucket, Key=entry.key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return MISSING
        raise
    etag = _etag(head.get("ETag"))
    if head.get("ContentLength") != entry.size:
        return DIFFERENT
    if etag == entry.etag:
        return UNCHANGED
    _size, _sha, md5 = file_digests(object_path(root, entry.key))
    return UNCHANGED if etag == md5 else DIFFERENT


def upload(s3: Any, bucket: str, root: Path, entry: Entry) -> None:
    with object_path(root, entry.key).open("rb") as handle:
        s3.put_object(Bucket=bucket, Key=entry.key, Body=handle, ContentType=entry.content_type)


def restore(s3: Any, bucket: str, root: Path, *, workers: int, check: bool) -> dict[str, list[str]]:
    """Verify the backup, then upload what is missing or different; the keys by outcome."""
    _manifest, entries = read_manifest(root)
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        raise BackupError(
            _("the bucket {bucket} cannot be reached (does it exist?): nothing was restored", bucket=bucket)
        ) from None
    problems = verify_files(root, entries)
    if problems:
        shown = problems[:20]
        if len(problems) > 20:
            shown.append(_n("… and {n} more", "… and {n} more", len(problems) - 20))
        raise BackupError(_("the backup in {root} does not match its manifest; nothing was restored:", root=root)
                          + "".join(f"\n  {line}" for line in shown))  # fmt: skip
    with ThreadPoolExecutor(max_workers=workers) as pool:
        states = list(pool.map(lambda entry: compare(s3, bucket, root, entry), entries))
    outcome: dict[str, list[str]] = {MISSING: [], DIFFERENT: [], UNCHANGED: []}
    for entry, state in zip(entries, states, strict=True):
        outcome[state].append(entry.key)
    if not check:
        todo = [entry for entry, state in zip(entries, states, strict=True) if state != UNCHANGED]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda entry: upload(s3, bucket, root, entry), todo))
    return outcome


def restore_lines(outcome: dict[str, list[str]], bucket: str, *, check: bool) -> list[str]:
    verb = _("would upload") if check else _("uploaded")
    states = {MISSING: _p("restore", "missing"), DIFFERENT: _p("restore", "different")}
    lines = [f"{verb:<12} {key} ({states[state]})" for state in (MISSING, DIFFERENT) for key in outcome[state]]
    counts = {"changed": len(outcome[MISSING]) + len(outcome[DIFFERENT]), "missing": len(outcome[MISSING]),
              "different": len(outcome[DIFFERENT]), "unchanged": len(outcome[UNCHANGED]), "bucket": bucket}  # fmt: skip
    if check:
        lines.append(_("restore check into {bucket}: {changed} would upload ({missing} missing, {different} "
                       "different), {unchanged} unchanged; nothing deleted", **counts))  # fmt: skip
    else:
        lines.append(_("restore into {bucket}: {changed} uploaded ({missing} missing, {different} different), "
                       "{unchanged} unchanged; nothing deleted", **counts))  # fmt: skip
    return lines


# ---------------------------------------------------------------------------------------------- deployment


def data_bucket(target: str, cloudformation: Callable[[], Any]) -> str:
    """The deployment's data bucket: the merged outputs, else the data stack (kept by a remove)."""
    path = stack_outputs_path(target)
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("DataBucketName")
        if name:
            return str(name)
    except (OSError, ValueError, AttributeError):
        pass
    stack = f"{project_name()}-data"
    try:
        outputs = cloudformation().describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except ClientError:
        outputs = []
    for output in outputs:
        if output.get("OutputKey") == "DataBucketName":
            return str(output["OutputValue"])
    raise BackupError(
        _(
            "no data bucket: neither {path} nor the stack {stack} names one (deploy first, or --bucket)",
            path=path,
            stack=stack,
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    # Optional for argparse, so that a mistyped option is named first; required below.
    parser.add_argument("folder", type=Path, nargs="?", metavar="DIR", help="the backup folder")
    parser.add_argument("--restore", action="store_true", help="put the backup in DIR back into the bucket")
    parser.add_argument("--check", action="store_true", help="with --restore: list what would be uploaded")
    targets.add_target_options(parser)
    parser.add_argument("--bucket", help="the bucket (default: the deployment's data bucket)")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help=f"parallel transfers, 1-{MAX_WORKERS} (default: 8)"
    )
    args = parser.parse_args(argv)
    if args.folder is None:
        parser.error("name the backup folder (DIR)")
    if not 1 <= args.workers <= MAX_WORKERS:
        parser.error(f"--workers must be between 1 and {MAX_WORKERS}")
    if args.check and not args.restore:
        parser.error("--check goes with --restore")
    return run_in_class_language(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    targets.enter_deployed(args.target, args.region)
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=args.workers + 2)
    s3 = boto3.client("s3", config=config)
    try:
        bucket = args.bucket or data_bucket(args.target, lambda: boto3.client("cloudformation"))
        if args.restore:
            outcome = restore(s3, bucket, args.folder, workers=args.workers, check=args.check)
            print("\n".join(restore_lines(outcome, bucket, check=args.check)))
        else:
            about = {"target": args.target, "region": s3.meta.region_name}
            entries = backup(s3, bucket, args.folder, workers=args.workers, about=about)
            total = sum(entry.size for entry in entries)
            print(_n("backed up {n} object ({total} bytes) from {bucket} to {folder}",
                     "backed up {n} objects ({total} bytes) from {bucket} to {folder}", len(entries), total=total,
                     bucket=bucket, folder=args.folder))  # fmt: skip
            print(_("manifest: {manifest}; restore with: {command}", manifest=args.folder / MANIFEST,
                    command="bin/backup-data.sh --restore " + str(args.folder)))  # fmt: skip
    except BackupError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return 1
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        print(_("error: {operation} failed: {code}: {error}", operation=error.operation_name, code=code, error=error),
              file=sys.stderr)  # fmt: skip
        return 1
    except BotoCoreError as error:
        print(_("error: {error}", error=error), file=sys.stderr)
        return cli.FAILED
    return cli.DONE


if __name__ == "__main__":
    sys.exit(main())

"""The scorer's object GET and PUT through boto3, kept only as the benchmark's yardstick.

The package has one object client for the scorer, ``testtime.s3direct.ObjectClient``; ``bench/scorer.py
--compare-clients`` measures it against this boto3 version of the same ``testtime.s3io.Objects`` protocol, which is
what the package used before (its CPU per submission is what decided to keep the lean client).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from testtime import s3io

REFUSED = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> str:
    return str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


class Boto3Objects:
    """:class:`testtime.s3io.Objects` through the shared boto3 client."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def get(self, key: str) -> tuple[bytes, str] | None:
        try:
            response = s3io.client().get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) == "NoSuchKey" or _status(error) == "404":
                return None
            raise
        return response["Body"].read(), str(response["ETag"])

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str = "application/json",
        if_none_match: bool = False,
        if_match: str | None = None,
    ) -> str | None:
        condition: dict[str, Any] = {}
        refused = list(REFUSED)
        if if_none_match:
            condition["IfNoneMatch"] = "*"
        if if_match:
            condition["IfMatch"] = if_match
            refused += ["NoSuchKey", "404"]
        try:
            response = s3io.client().put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, **condition
            )
        except ClientError as error:
            if condition and (_code(error) in refused or _status(error) in refused):
                return None
            raise
        return str(response.get("ETag") or "")

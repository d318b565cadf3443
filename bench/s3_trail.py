"""Counting the S3 requests the embedded AWS serves, for the benchmarks (bench/api.py, bench/scorer.py).

MiniStack can record every API request it serves as a CloudTrail event (``POST /_ministack/config
{"cloudtrail._recording_enabled": true}``; the buffer is sized with ``CLOUDTRAIL_MAX_EVENTS`` at start).
``LookupEvents`` with ``EventSource=s3.amazonaws.com`` then returns them, newest first, 50 a page.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.integration.harness import LocalAws

PAGE = 50


class S3Trail:
    """MiniStack's CloudTrail recording of one emulator, read back as the S3 events of a time window."""

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws

    def switch(self, enabled: bool) -> None:
        body = json.dumps({"cloudtrail._recording_enabled": "true" if enabled else "false"}).encode()
        request = urllib.request.Request(f"{self.aws.endpoint}/_ministack/config", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            applied = json.loads(response.read()).get("applied", {})
        if "cloudtrail._recording_enabled" not in applied:
            raise RuntimeError("MiniStack refused to switch CloudTrail recording: cannot count S3 requests")

    def _page(self, start: float, end: float) -> list[dict[str, Any]]:
        """One LookupEvents page, with the exact float times MiniStack compares (boto3 would round StartTime and
        EndTime to whole seconds), so the request is signed by hand."""
        body = json.dumps(
            {
                "StartTime": start,
                "EndTime": end,
                "MaxResults": PAGE,
                "LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": "s3.amazonaws.com"}],
            }
        )
        request = AWSRequest(
            method="POST",
            url=self.aws.endpoint + "/",
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
            },
        )
        credentials = Credentials("LOCALEMULATORKEY", "local-emulator-secret")
        SigV4Auth(credentials, "cloudtrail", self.aws.region).add_auth(request)
        prepared = request.prepare()
        call = urllib.request.Request(prepared.url, data=body.encode(), headers=dict(prepared.headers), method="POST")
        with urllib.request.urlopen(call, timeout=120) as response:
            return list(json.loads(response.read()).get("Events", []))

    def events(self, start: float, end: float) -> list[dict[str, Any]]:
        """Every S3 event served in [start, end], once each (pages overlap at their edges), oldest first."""
        seen: dict[str, dict[str, Any]] = {}
        cursor = end
        while True:
            page = self._page(start, cursor)
            fresh = [event for event in page if event["EventId"] not in seen]
            for event in fresh:
                seen[event["EventId"]] = event
            if len(page) < PAGE or not fresh:
                break
            cursor = min(float(event["EventTime"]) for event in page)  # inclusive: de-duplicated above
        return sorted(seen.values(), key=lambda event: float(event["EventTime"]))

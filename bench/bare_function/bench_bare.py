"""The API benchmark's bare function: API key check at the gateway, one S3 GET, a small JSON answer.

bench/api.py deploys it next to the service's functions (same runtime, memory, role shape, gateway route and usage
plan), so its latency is the floor a route that reads S3 once cannot beat; each route's median is compared with it.
It reads the object with the service's own S3 adapter (``testtime.s3io``: same client, retries and pool) and no
cache. It is added to the Lambda package only by the benchmark, never by a normal deploy.
"""

from __future__ import annotations

import json
import os
from typing import Any

from testtime import s3io

OBJECT_KEY = "catalog.json"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = s3io.get_bytes(os.environ["DATA_BUCKET"], OBJECT_KEY)
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps({"object": OBJECT_KEY, "bytes": len(body or b"")}),
    }

"""The students' and the trainer's API keys, for ``./remove-api-gateway.sh --purge-data`` (roles/teardown).

The keys are no stack's: ``ops.apikeys`` creates them when publishing and tags them (``testtime:role``). A remove
that keeps the data keeps them too, since ``studentsList.json`` identifies each student by their key's digest; a
purge deletes them with the class list. Only tagged keys named ``testtime-*`` are touched, never a value printed.

    python -m ops.teardown_api_keys            # list them as JSON: {"keys": [names]}
    python -m ops.teardown_api_keys --delete   # delete them:         {"keys": [names], "deleted": n}
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ops.apikeys import KEY_PREFIX, ROLE_TAG


def managed_keys(apigateway: Any) -> list[dict[str, Any]]:
    """The keys ops.apikeys made: named testtime-*, tagged with their role."""
    pages = apigateway.get_paginator("get_api_keys").paginate(nameQuery=KEY_PREFIX)
    return sorted(
        (
            item
            for page in pages
            for item in page.get("items", [])
            if item.get("name", "").startswith(KEY_PREFIX) and ROLE_TAG in (item.get("tags") or {})
        ),
        key=lambda item: item["name"],
    )


def delete_keys(apigateway: Any, keys: Sequence[dict[str, Any]]) -> int:
    deleted = 0
    for key in keys:
        try:
            apigateway.delete_api_key(apiKey=key["id"])
            deleted += 1
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NotFoundException":  # gone meanwhile
                raise
    return deleted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.teardown_api_keys", description=__doc__.split("\n\n")[0])
    parser.add_argument("--delete", action="store_true", help="delete the keys (default: only list them)")
    args = parser.parse_args(argv)
    apigateway = boto3.client("apigateway")
    keys = managed_keys(apigateway)
    result: dict[str, Any] = {"keys": [key["name"] for key in keys]}
    if args.delete:
        result["deleted"] = delete_keys(apigateway, keys)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

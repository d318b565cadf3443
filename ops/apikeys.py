"""API Gateway keys: one per student (``testtime-<studentId>``) and one for the trainer (``testtime-trainer``).

Keys follow the class list: created when missing (API Gateway generates the value), enabled for listed students,
disabled (never deleted, so a returning student keeps their key) for students no longer listed, and attached to
the stage's usage plan. Only the SHA-256 digests leave this module; key values are never printed or logged.

    python -m ops.apikeys [--content DIR] [--target local|aws] [--check]

A new key's digest reaches ``studentsList.json`` when ``ops.publish`` runs (it performs this same step).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from ops.deployment import add_common_arguments, load_or_exit
from testtime.identity import api_key_digest

KEY_PREFIX = "testtime-"
TRAINER_KEY = f"{KEY_PREFIX}trainer"
ROLE_TAG = "testtime:role"  # marks the keys this module manages; only those are ever disabled
STUDENT_ROLE, TRAINER_ROLE = "student", "trainer"


def key_name(student_id: str) -> str:
    return f"{KEY_PREFIX}{student_id}"


@dataclass(frozen=True)
class KeyChange:
    name: str
    action: str  # "create", "enable", "disable" or "attach" (to the usage plan)


@dataclass
class KeySync:
    """The outcome (or, with ``apply=False``, the plan): digests of the keys that exist, and the changes."""

    student_digests: dict[str, str] = field(default_factory=dict)
    trainer_digest: str | None = None
    changes: list[KeyChange] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


def sync_api_keys(apigateway: Any, usage_plan_id: str, student_ids: Sequence[str], *, apply: bool = True) -> KeySync:
    """Make the keys match ``student_ids`` (plus the trainer's); with ``apply=False`` only say what would change."""
    existing = _existing_keys(apigateway)
    attached = {
        item["id"]
        for page in apigateway.get_paginator("get_usage_plan_keys").paginate(usagePlanId=usage_plan_id)
        for item in page.get("items", [])
    }
    result = KeySync()
    wanted = {TRAINER_KEY: TRAINER_ROLE, **{key_name(student_id): STUDENT_ROLE for student_id in student_ids}}
    for name, role in wanted.items():
        key = existing.get(name)
        if key is None:
            result.changes.append(KeyChange(name, "create"))
            if not apply:
                continue
            key = apigateway.create_api_key(
                name=name,
                description=f"Test Time {role} key",
                enabled=True,
                generateDistinctId=True,
                tags={ROLE_TAG: role},
            )
        elif not _enabled(key):
            result.changes.append(KeyChange(name, "enable"))
            if apply:
                _set_enabled(apigateway, key["id"], True)
        if key["id"] not in attached:
            if name in existing:  # a new key is attached as part of its creation
                result.changes.append(KeyChange(name, "attach"))
            if apply:
                _attach(apigateway, usage_plan_id, key["id"])
        value_digest = api_key_digest(_value(apigateway, key))
        if role == TRAINER_ROLE:
            result.trainer_digest = value_digest
        else:
            result.student_digests[name.removeprefix(KEY_PREFIX)] = value_digest
    for name, key in existing.items():
        if name not in wanted and (key.get("tags") or {}).get(ROLE_TAG) == STUDENT_ROLE and _enabled(key):
            result.changes.append(KeyChange(name, "disable"))
            if apply:
                _set_enabled(apigateway, key["id"], False)
    return result


def reattach_enabled_keys(apigateway: Any, usage_plan_id: str, *, apply: bool = True) -> list[str]:
    """Attach every enabled key of ours that the usage plan lacks; the names attached (or that would be).

    A remove that keeps the data keeps the keys but deletes the usage plan with the service stack; the deploy
    that follows calls this, so the students' keys work again without publishing anew.
    """
    attached = {
        item["id"]
        for page in apigateway.get_paginator("get_usage_plan_keys").paginate(usagePlanId=usage_plan_id)
        for item in page.get("items", [])
    }
    missing = [
        (name, key)
        for name, key in sorted(_existing_keys(apigateway).items())
        if (key.get("tags") or {}).get(ROLE_TAG) in (STUDENT_ROLE, TRAINER_ROLE)
        and _enabled(key)
        and key["id"] not in attached
    ]
    if apply:
        for _, key in missing:
            _attach(apigateway, usage_plan_id, key["id"])
    return [name for name, _ in missing]


def _existing_keys(apigateway: Any) -> dict[str, dict[str, Any]]:
    """Our keys by name; should a name repeat (keys made by hand), the oldest one counts."""
    keys: dict[str, dict[str, Any]] = {}
    pages = apigateway.get_paginator("get_api_keys").paginate(nameQuery=KEY_PREFIX, includeValues=True)
    items = [item for page in pages for item in page.get("items", [])]
    for item in sorted(items, key=lambda key: key.get("createdDate") or datetime.min.replace(tzinfo=UTC)):
        keys.setdefault(item["name"], item)
    return keys


def _enabled(key: dict[str, Any]) -> bool:
    # MiniStack stores the patched value as the string "false"/"true"; AWS and moto return booleans.
    return key.get("enabled") in (True, "true")


def _set_enabled(apigateway: Any, key_id: str, enabled: bool) -> None:
    apigateway.update_api_key(
        apiKey=key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": str(enabled).lower()}]
    )


def _attach(apigateway: Any, usage_plan_id: str, key_id: str) -> None:
    try:
        apigateway.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=key_id, keyType="API_KEY")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConflictException":  # already attached
            raise


def _value(apigateway: Any, key: dict[str, Any]) -> str:
    """The key's value, for its digest only (listings carry it with ``includeValues``; a new key's reply does)."""
    if key.get("value"):
        return str(key["value"])
    return str(apigateway.get_api_key(apiKey=key["id"], includeValue=True)["value"])


def change_lines(sync: KeySync) -> list[str]:
    return [f"api key {change.action:<7} {change.name}" for change in sync.changes]


def summary(sync: KeySync) -> str:
    return ", ".join(f"{sync.count(action)} {action}" for action in ("create", "enable", "disable", "attach"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.apikeys", description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument(
        "--reattach",
        metavar="USAGE_PLAN_ID",
        help="only attach the enabled keys this usage plan lacks (the deploy does this); prints JSON",
    )
    args = parser.parse_args(argv)
    if args.reattach:
        names = reattach_enabled_keys(boto3.client("apigateway"), args.reattach, apply=not args.check)
        print(json.dumps({"attached": names, "changed": bool(names)}))
        return 0
    content, outputs = load_or_exit(args)
    apigateway = boto3.client("apigateway", region_name=outputs.region)
    sync = sync_api_keys(apigateway, outputs.usage_plan_id, [s.id for s in content.students], apply=not args.check)
    mode = " (check: nothing changed)" if args.check else ""
    print("\n".join([*change_lines(sync), f"api keys{mode}: {summary(sync)}"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

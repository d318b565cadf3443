"""API Gateway keys: one per student (``<project>-<studentId>``) and one for the trainer (``<project>-trainer``).

``<project>`` is ``project_name`` (default ``testtime``, so the keys are ``testtime-student01``, ...). Keys follow
the class list: created when missing (API Gateway generates the value), enabled for listed students, disabled
(never deleted, so a returning student keeps their key) for students no longer listed, and attached to the
stage's usage plan. Only the SHA-256 digests leave this module; key values are never printed or logged.

A key is this project's when its ``testtime:project`` tag names the project. Names alone are ambiguous: the
trainer key of a copy named ``testtime-smoke-x`` and the key of student ``smoke-x-trainer`` of ``testtime`` are
both ``testtime-smoke-x-trainer``. Keys made before the tag existed carry only ``testtime:role``; back then every
key was named ``testtime-*``, so they count as the default project's only.

    python -m ops.apikeys [--content DIR] [--target local|aws] [--project NAME] [--check]

A new key's digest reaches ``studentsList.json`` when ``ops.publish`` runs (it performs this same step).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from ops import aws_clients
from ops.deployment import add_common_arguments, load_or_exit, project_name
from ops.i18n import TRAINER, run_in_class_language
from ops.progress import Progress, Say, to_stderr
from testtime.identity import api_key_digest

_ = TRAINER.gettext
_p = TRAINER.pgettext

LEGACY_PROJECT = "testtime"  # the only prefix keys had before PROJECT_TAG existed
KEY_PREFIX = f"{LEGACY_PROJECT}-"  # the default project's prefix; prefer key_prefix(project)
ROLE_TAG = "testtime:role"  # marks the keys this module manages; only those are ever disabled
PROJECT_TAG = "testtime:project"  # the project (deployment) the key belongs to
STUDENT_ROLE, TRAINER_ROLE = "student", "trainer"
PAGE_SIZE = 500  # GetApiKeys and GetUsagePlanKeys return at most 500 items a page (default 25): fewer calls


def key_prefix(project: str | None = None) -> str:
    return f"{project or project_name()}-"


def key_name(student_id: str, project: str | None = None) -> str:
    return f"{key_prefix(project)}{student_id}"


def trainer_key_name(project: str | None = None) -> str:
    return key_name(TRAINER_ROLE, project)


def is_projects_key(key: dict[str, Any], project: str) -> bool:
    """Made by this module for ``project``: tagged with it, or (made before the tag) untagged and of the default."""
    tags = key.get("tags") or {}
    if ROLE_TAG not in tags or not str(key.get("name", "")).startswith(key_prefix(project)):
        return False
    if PROJECT_TAG in tags:
        return bool(tags[PROJECT_TAG] == project)
    return project == LEGACY_PROJECT


def project_keys(apigateway: Any, project: str, *, include_values: bool = False) -> list[dict[str, Any]]:
    """This project's keys, oldest first (should a name repeat, e.g. keys made by hand, the oldest counts)."""
    pages = apigateway.get_paginator("get_api_keys").paginate(
        nameQuery=key_prefix(project), includeValues=include_values, PaginationConfig={"PageSize": PAGE_SIZE}
    )
    items = [item for page in pages for item in page.get("items", []) if is_projects_key(item, project)]
    return sorted(items, key=lambda key: key.get("createdDate") or datetime.min.replace(tzinfo=UTC))


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


def sync_api_keys(
    apigateway: Any,
    usage_plan_id: str,
    student_ids: Sequence[str],
    *,
    apply: bool = True,
    project: str | None = None,
    say: Say = to_stderr,
) -> KeySync:
    """Make the keys match ``student_ids`` (plus the trainer's); with ``apply=False`` only say what would change.

    ``say`` gets a progress line now and then when many keys change (a large class's first publication).
    """
    project = project or project_name()
    prefix = key_prefix(project)
    existing = _by_name(project_keys(apigateway, project, include_values=True))
    attached = _attached(apigateway, usage_plan_id)
    result = KeySync()
    wanted = {
        trainer_key_name(project): TRAINER_ROLE,
        **{key_name(student_id, project): STUDENT_ROLE for student_id in student_ids},
    }
    to_change = [
        name
        for name in wanted
        if name not in existing or not _enabled(existing[name]) or existing[name]["id"] not in attached
    ]
    progress = Progress(_("API keys"), len(to_change) if apply else 0, say)
    for name, role in wanted.items():
        key = existing.get(name)
        if key is None:
            result.changes.append(KeyChange(name, "create"))
            if not apply:
                continue
            key = apigateway.create_api_key(
                name=name,
                description=f"Test Time {role} key ({project})",
                enabled=True,
                generateDistinctId=True,
                tags={ROLE_TAG: role, PROJECT_TAG: project},
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
        if apply and name in to_change:
            progress.step()
        value_digest = api_key_digest(_value(apigateway, key))
        if role == TRAINER_ROLE:
            result.trainer_digest = value_digest
        else:
            result.student_digests[name.removeprefix(prefix)] = value_digest
    for name, key in existing.items():
        if name not in wanted and (key.get("tags") or {}).get(ROLE_TAG) == STUDENT_ROLE and _enabled(key):
            result.changes.append(KeyChange(name, "disable"))
            if apply:
                _set_enabled(apigateway, key["id"], False)
    return result


def reattach_enabled_keys(
    apigateway: Any, usage_plan_id: str, *, apply: bool = True, project: str | None = None
) -> list[str]:
    """Attach every enabled key of ours that the usage plan lacks; the names attached (or that would be).

    A remove that keeps the data keeps the keys but deletes the usage plan with the service stack; the deploy
    that follows calls this, so the students' keys work again without publishing anew.
    """
    project = project or project_name()
    attached = _attached(apigateway, usage_plan_id)
    missing = [
        (name, key)
        for name, key in sorted(_by_name(project_keys(apigateway, project)).items())
        if (key.get("tags") or {}).get(ROLE_TAG) in (STUDENT_ROLE, TRAINER_ROLE)
        and _enabled(key)
        and key["id"] not in attached
    ]
    if apply:
        for _name, key in missing:
            _attach(apigateway, usage_plan_id, key["id"])
    return [name for name, _ in missing]


def _by_name(keys: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_name: dict[str, dict[str, Any]] = {}
    for key in keys:  # oldest first: the oldest of a repeated name counts
        by_name.setdefault(key["name"], key)
    return by_name


def _attached(apigateway: Any, usage_plan_id: str) -> set[str]:
    pages = apigateway.get_paginator("get_usage_plan_keys").paginate(
        usagePlanId=usage_plan_id, PaginationConfig={"PageSize": PAGE_SIZE}
    )
    return {item["id"] for page in pages for item in page.get("items", [])}


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
    return [
        _("api key {action} {name}", action=key_action(change.action).ljust(7), name=change.name)
        for change in sync.changes
    ]


def key_action(action: str) -> str:
    """What is done to a key, in words (this module's lines and the publish preview's)."""
    words = {
        "create": _p("api key", "create"),
        "enable": _p("api key", "enable"),
        "disable": _p("api key", "disable"),
        "attach": _p("api key", "attach"),
    }
    return words.get(action, action)


def summary(sync: KeySync) -> str:
    return _(
        "{create} create, {enable} enable, {disable} disable, {attach} attach",
        **{action: sync.count(action) for action in ("create", "enable", "disable", "attach")},
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.apikeys", description=__doc__.split("\n\n")[0])
    add_common_arguments(parser)
    parser.add_argument("--project", help="the deployment's project_name (default: group_vars/all.yml's)")
    args = parser.parse_args(argv)
    return run_in_class_language(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    content, outputs = load_or_exit(args)
    apigateway = aws_clients.client("apigateway", region_name=outputs.region)
    student_ids = content.student_ids()
    sync = sync_api_keys(apigateway, outputs.usage_plan_id, student_ids, apply=not args.check, project=args.project)
    if args.check:
        total = _("api keys (check: nothing changed): {summary}", summary=summary(sync))
    else:
        total = _("api keys: {summary}", summary=summary(sync))
    print("\n".join([*change_lines(sync), total]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the trainer-side tools need to know about a deployment: the stack outputs of a target and the settings.

Endpoints and credentials are not here on purpose: boto3 takes them from the environment, which
``ops.target.enter`` prepares for the chosen target (MiniStack or a real account).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ops.content import Content, ContentError, load_content
from testtime.i18n import DEFAULT_LANGUAGE, available_languages
from testtime.scoring import GradeScale, parse_grade_scale

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("local", "aws")
SETTINGS_FILE = REPO_ROOT / "group_vars" / "all.yml"
DEFAULT_TIMEZONE = "Europe/Warsaw"
# Where the parts other than the Lambda package keep their catalogs (ops/catalogs.py).
PORTAL_TRANSLATIONS = REPO_ROOT / "portal" / "translations"
CLIENT_LOCALE = REPO_ROOT / "bin" / "test_time" / "locale"
TRAINER_LOCALE = REPO_ROOT / "ops" / "locale"
# The roles' own defaults when group_vars/all.yml lacks the setting (group_vars/all.yml explains each).
DEFAULT_SCHEDULE = "cron(0/15 * * * ? *)"
DEFAULT_REMINDER_HOURS = 24
# https://<api>.execute-api.<region>.amazonaws.com/...: the region of a real deployment.
_REGION_IN_URL = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")


class DeploymentError(Exception):
    """The deployment cannot be reached as described (missing outputs file, bad setting)."""


@dataclass(frozen=True)
class StackOutputs:
    data_bucket: str
    rest_api_id: str
    usage_plan_id: str
    api_url: str
    region: str | None  # None: boto3's own resolution from the environment
    # How long a warm API function keeps the catalog and the class list (CACHE_TTL_SECONDS); 15 s, the default,
    # for a deployment made before the stack had this output.
    api_cache_seconds: float = 15.0
    portal_url: str = ""  # the portal's address on aws (PortalUrl), "" when not deployed or local


def stack_outputs_path(target: str) -> Path:
    """build/<target>/stack-outputs.json, or under TT_BUILD_DIR when ops.target.enter set it."""
    build_dir = os.environ.get("TT_BUILD_DIR")
    if build_dir and os.environ.get("TT_TARGET", target) == target:
        return Path(build_dir) / "stack-outputs.json"
    return REPO_ROOT / "build" / target / "stack-outputs.json"


def load_stack_outputs(path: Path) -> StackOutputs:
    try:
        outputs = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeploymentError(f"{path} not found: deploy first (./deploy-api-gateway.sh)") from None
    except (OSError, ValueError) as error:
        raise DeploymentError(f"{path}: {error}") from None
    missing = [key for key in ("DataBucketName", "RestApiId", "UsagePlanId", "ApiUrl") if not outputs.get(key)]
    if missing:
        raise DeploymentError(f"{path}: missing {', '.join(missing)}")
    in_url = _REGION_IN_URL.search(outputs["ApiUrl"])
    return StackOutputs(
        data_bucket=outputs["DataBucketName"],
        rest_api_id=outputs["RestApiId"],
        usage_plan_id=outputs["UsagePlanId"],
        api_url=outputs["ApiUrl"],
        region=outputs.get("Region") or (in_url.group(1) if in_url else None),
        api_cache_seconds=_seconds(outputs.get("ApiCacheTtlSeconds"), default=15.0),
        portal_url=str(outputs.get("PortalUrl") or "").rstrip("/"),
    )


def read_outputs(target: str) -> dict[str, Any]:
    """The stack outputs file as written by the deploy; DeploymentError in words when there is none."""
    path = stack_outputs_path(target)
    try:
        outputs = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeploymentError(f"{path} not found: deploy first (./deploy-api-gateway.sh --target {target})") from None
    except (OSError, ValueError) as error:
        raise DeploymentError(f"{path} cannot be read: {error}") from None
    if not isinstance(outputs, dict):
        raise DeploymentError(f"{path} is not the deploy's stack outputs: deploy again (./deploy-api-gateway.sh)")
    return outputs


def required_output(target: str, name: str) -> tuple[str, str | None]:
    """One output (e.g. DataBucketName) and the deployment's region (None: boto3's own resolution); only those
    are needed, so the trainer's read-only tools work on any deployment that has them."""
    outputs = read_outputs(target)
    if not outputs.get(name):
        path = stack_outputs_path(target)
        raise DeploymentError(f"{path} has no {name}: deploy again (./deploy-api-gateway.sh)")
    return str(outputs[name]), outputs.get("Region") or None


def data_bucket(target: str) -> tuple[str, str | None]:
    """The data bucket's name and the deployment's region."""
    return required_output(target, "DataBucketName")


def _seconds(value: object, default: float) -> float:
    try:
        return max(0.0, float(value)) if value is not None else default  # type: ignore[arg-type]
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    trainer_timezone: str = DEFAULT_TIMEZONE
    ses_verify_students: bool = False
    grade_scale: GradeScale = field(default_factory=GradeScale)  # what the deploy gives the scorer (GRADE_SCALE)
    scorer_schedule: str = DEFAULT_SCHEDULE
    reminder_hours_before: float = DEFAULT_REMINDER_HOURS
    language: str = DEFAULT_LANGUAGE  # the class's language (testtime.i18n): CLASS_LANGUAGE of every part


def project_name(settings: Path = SETTINGS_FILE) -> str:
    """group_vars/all.yml's project_name, the prefix of every stack and function (<project_name>-data, ...);
    TT_PROJECT_NAME wins: a throwaway copy's own name (bin/smoke-test.sh), which it gives Ansible as -e project_name."""
    override = os.environ.get("TT_PROJECT_NAME", "").strip()
    if override:
        return override
    values = yaml.safe_load(settings.read_text(encoding="utf-8")) if settings.is_file() else None
    return str((values or {}).get("project_name") or "testtime")


def _language(value: Any, path: Path) -> str:
    """A language with catalogs in every part (the Lambda package, the portal, the client, the trainer's tools)."""
    shipped = set(available_languages())
    for folder in (PORTAL_TRANSLATIONS, CLIENT_LOCALE, TRAINER_LOCALE):
        shipped &= {DEFAULT_LANGUAGE} | set(available_languages(folder))
    code = str(value).strip().lower() if isinstance(value, str) else ""
    if code not in shipped:
        raise DeploymentError(
            f"language in {path}: {value!r} is not one of the languages this copy has translations for "
            f"({', '.join(sorted(shipped))})"
        )
    return code


def load_settings(path: Path = SETTINGS_FILE) -> Settings:
    """The settings the tools read from ``group_vars/all.yml``; defaults when the file or a key is absent."""
    values: dict[str, Any] = {}
    if path.is_file():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        values = loaded if isinstance(loaded, dict) else {}
    hours = values.get("reminder_hours_before", DEFAULT_REMINDER_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
        raise DeploymentError(f"reminder_hours_before in {path}: expected a number of hours (0: off), found {hours!r}")
    raw_scale = values.get("grade_scale")
    try:
        scale = parse_grade_scale(json.dumps(raw_scale) if raw_scale is not None else None)
    except (TypeError, ValueError) as error:
        raise DeploymentError(f"grade_scale in {path}: {error}") from None
    settings = Settings(
        trainer_timezone=str(values.get("trainer_timezone") or DEFAULT_TIMEZONE),
        ses_verify_students=_flag(values.get("ses_verify_students", False), "ses_verify_students"),
        grade_scale=scale,
        scorer_schedule=str(values.get("scorer_schedule") or DEFAULT_SCHEDULE),
        reminder_hours_before=float(hours),
        language=_language(values.get("language", DEFAULT_LANGUAGE), path),
    )
    check_timezone(settings.trainer_timezone)
    return settings


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeploymentError(f"trainer_timezone: unknown time zone {name!r} (e.g. Europe/Warsaw)") from None
    return name


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("true", "yes", "1"):
        return True
    if str(value).strip().lower() in ("false", "no", "0", ""):
        return False
    raise DeploymentError(f"{name}: expected true or false, found {value!r}")


def add_common_arguments(parser: argparse.ArgumentParser, *, target: bool = True) -> None:
    """--content (default: the repository's content/; a relative path is the caller's), --check, and --target
    unless ``target`` is False: a command that takes ops.target's --target and --region instead."""
    parser.add_argument("--content", type=Path, default=REPO_ROOT / "content", metavar="DIR",
                        help="the content folder (default: the repository's content/)")  # fmt: skip
    if target:
        parser.add_argument("--target", choices=TARGETS, default="local", help="deployment target (default: local)")
    parser.add_argument("--check", action="store_true", help="print what would change and change nothing")


def load_or_exit(args: argparse.Namespace) -> tuple[Content, StackOutputs]:
    """Content and stack outputs for a CLI run: content problems print one per line and exit 2, before any AWS
    call; a deployment problem exits 1."""
    try:
        content = load_content(args.content)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise SystemExit(2) from None
    try:
        return content, load_stack_outputs(stack_outputs_path(args.target))
    except DeploymentError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None

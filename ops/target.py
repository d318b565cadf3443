"""THE place where the two targets differ: the embedded local AWS or a real AWS account, by endpoint and
credentials only. Every command calls :func:`enter` once, right after parsing its options; everything
downstream (boto3 in ``ops``, the amazon.aws modules through the playbooks' ``module_defaults``) reads the
environment set here.

    parser = argparse.ArgumentParser(...)
    add_target_options(parser)
    args = parser.parse_args(argv)
    target = enter(args.target, args.region)   # or enter_deployed(...) for a tool that needs a running deployment
"""

from __future__ import annotations

import argparse
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from ops.deployment import REPO_ROOT, SETTINGS_FILE, TARGETS, DeploymentError
from ops.i18n import TRAINER

_ = TRAINER.gettext

DEFAULT_LOCAL_PORT = 4566
# Fixed dummy credentials for the emulator, which accepts any: a real profile must never be used by mistake.
LOCAL_ACCESS_KEY_ID = "LOCALEMULATORKEY"
LOCAL_SECRET_ACCESS_KEY = "local-emulator-secret"


class TargetError(DeploymentError):
    """The target cannot be used (no credentials, the local AWS not running): one line for the trainer, which
    ``ops.i18n.run_in_class_language`` prints as ``error: ...`` (exit 1)."""


@dataclass(frozen=True)
class Target:
    name: str  # local or aws
    region: str
    build_dir: Path  # build/<target>/: stack outputs, deploy log, saved state
    endpoint: str | None  # the emulator's URL; None on AWS

    @property
    def is_local(self) -> bool:
        return self.name == "local"


def add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=TARGETS, default="local",
                        help="local: the embedded AWS on this machine (default); aws: a real account")  # fmt: skip
    parser.add_argument("--region", default=None,
                        help="AWS region (default: AWS_REGION, else aws_region of group_vars/all.yml)")  # fmt: skip


def port_setting(variable: str, default: int) -> int:
    """A port on 127.0.0.1 named by an environment variable (LOCAL_AWS_PORT, PORTAL_PORT), else ``default``."""
    raw = os.environ.get(variable, "") or str(default)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise TargetError(_("{variable} must be a port number (1 to 65535), not {value}", variable=variable,
                            value=repr(raw)))  # fmt: skip
    return int(raw)


def local_port() -> int:
    return port_setting("LOCAL_AWS_PORT", DEFAULT_LOCAL_PORT)


def local_endpoint() -> str:
    return f"http://127.0.0.1:{local_port()}"


def default_region(settings: Path = SETTINGS_FILE) -> str:
    """AWS_REGION, else group_vars/all.yml's aws_region, else eu-central-1."""
    if os.environ.get("AWS_REGION"):
        return os.environ["AWS_REGION"]
    try:
        loaded = yaml.safe_load(settings.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        loaded = {}
    return str(loaded.get("aws_region") or "eu-central-1")


def build_root() -> Path:
    # TT_BUILD_ROOT lets tests keep their build output away from the trainer's build/.
    return Path(os.environ.get("TT_BUILD_ROOT") or REPO_ROOT / "build")


def enter(name: str, region: str | None = None) -> Target:
    """Point this process (and every child it starts) at the target: region, endpoint and credentials."""
    if name not in TARGETS:
        raise TargetError(_("--target must be local or aws, not {value}", value=repr(name)))
    region = region or default_region()
    endpoint = local_endpoint() if name == "local" else None  # a bad LOCAL_AWS_PORT fails before anything is set
    env = os.environ
    env.update(TT_TARGET=name, AWS_REGION=region, AWS_DEFAULT_REGION=region, TT_ROOT=str(REPO_ROOT))
    # botocore takes an endpoint from AWS_ENDPOINT_URL_<SERVICE> before AWS_ENDPOINT_URL, and from a profile's
    # endpoint_url or services section (botocore's ConfiguredEndpointProviderChain; AWS SDKs reference guide,
    # "Service-specific endpoints"): none of those may choose where a call goes, on either target.
    for variable in [v for v in env if v.startswith("AWS_ENDPOINT_URL_")]:
        del env[variable]
    if endpoint:
        env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID=LOCAL_ACCESS_KEY_ID,
                   AWS_SECRET_ACCESS_KEY=LOCAL_SECRET_ACCESS_KEY)  # fmt: skip
        for variable in (
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        ):
            env.pop(variable, None)
    else:
        # Real AWS only: no AWS_ENDPOINT_URL, and a profile's endpoint_url (say, one left pointing at LocalStack)
        # is ignored too.
        env.pop("AWS_ENDPOINT_URL", None)
        env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
    build_dir = build_root() / name
    env["TT_BUILD_DIR"] = str(build_dir)
    return Target(name=name, region=region, build_dir=build_dir, endpoint=endpoint)


def local_aws_is_healthy(endpoint: str | None = None, timeout: float = 2.0) -> bool:
    return answers(f"{endpoint or local_endpoint()}/_ministack/health", timeout)


def answers(url: str, timeout: float = 2.0) -> bool:
    """A local process's health URL answers 2xx (the embedded AWS's, the local portal's)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return bool(200 <= answer.status < 300)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def require_aws_credentials() -> None:
    """For --target aws: fail early, in one line, without credentials."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        boto3.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError):
        raise TargetError(
            _("no usable AWS credentials for --target aws: run `aws configure` or set AWS_PROFILE.")
        ) from None


def enter_deployed(name: str, region: str | None = None) -> Target:
    """:func:`enter`, for a tool that talks to a deployment: on the local target the embedded AWS must be running
    (only the deploy starts it), on AWS the credentials must work."""
    target = enter(name, region)
    if target.is_local:
        if not local_aws_is_healthy(target.endpoint):
            raise TargetError(
                _("the local AWS is not running: run ./deploy-api-gateway.sh (or bin/local-aws.sh start) first.")
            )
    else:
        require_aws_credentials()
    return target

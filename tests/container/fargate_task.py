"""The portal's container definition as the aws rendering of templates/cfn/portal.yaml.j2 states it, turned into a
podman run that reproduces what Fargate gives the container: its user, a read-only root, each task volume as an
empty root-owned 0755 folder on its mount point, its environment and secrets as variables, its port."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ops.container_image import RunSpec
from tests.cfn_yaml import CfnLoader

ROOT = Path(__file__).resolve().parents[2]
PORTAL_STACK = "testtime-portal"
PORTAL_CONTAINER = "portal"


def render_aws_templates(out: Path) -> dict[str, dict[str, Any]]:
    """Every template rendered for --target aws (as ops.target.enter sets it: TT_TARGET=aws, no endpoint)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
    env.update(TT_TARGET="aws", TT_BUILD_DIR=str(out), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    command = ["ansible-playbook", str(ROOT / "playbooks" / "render-templates.yml")]
    proc = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return {path.stem: yaml.load(path.read_text(), Loader=CfnLoader) for path in sorted((out / "cfn").glob("*.yaml"))}


@dataclass(frozen=True)
class FargateContainer:
    """What one container definition of a Fargate task definition asks for (the parts a run here reproduces)."""

    user: str
    read_only_root: bool
    mount_points: tuple[tuple[str, bool], ...]  # container path, read-only
    environment: dict[str, str]
    secret_names: tuple[str, ...]
    container_ports: tuple[int, ...]
    health_check: tuple[str, ...]  # the command after "CMD"

    def run_spec(self, image: str, volume_root: Path, host_ports: dict[int, int], **overrides: Any) -> RunSpec:
        """A podman run of ``image`` like this container's on Fargate: each task volume a new folder under
        ``volume_root``, owned by root with mode 0755 (how Fargate creates a bind mount whose path the image does
        not declare as a VOLUME); each secret a fresh random value."""
        mounts = []
        for index, (container_path, read_only) in enumerate(self.mount_points):
            host_dir = volume_root / f"volume{index}"
            host_dir.mkdir(parents=True)
            os.chown(host_dir, 0, 0)
            host_dir.chmod(0o755)
            mounts.append((host_dir, container_path, read_only))
        environment = dict(self.environment)
        environment.update({name: secrets.token_urlsafe(48) for name in self.secret_names})
        return RunSpec(
            image=image,
            user=self.user,
            read_only_root=self.read_only_root,
            bind_mounts=tuple(mounts),
            environment=environment,
            ports=tuple((host_ports[port], port) for port in self.container_ports),
            **overrides,
        )


def _resolve(value: Any, parameters: dict[str, str], template: dict[str, Any]) -> str:
    """A container definition value: a literal, or a Ref to a template parameter (``parameters``, else its
    Default). Anything else is a template this reader does not understand: it fails rather than guess."""
    if isinstance(value, str | int | float | bool):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, dict) and set(value) == {"Ref"}:
        name = value["Ref"]
        if name in parameters:
            return parameters[name]
        default = template.get("Parameters", {}).get(name, {}).get("Default")
        if default is not None:
            return str(default)
    raise AssertionError(f"cannot resolve {json.dumps(value)} in the portal's container definition")


def portal_container(templates: dict[str, dict[str, Any]], parameters: dict[str, str]) -> FargateContainer:
    """The portal's container definition in the rendered portal stack, its values resolved with ``parameters``."""
    template = templates[PORTAL_STACK]
    definitions = [res for res in template["Resources"].values() if res["Type"] == "AWS::ECS::TaskDefinition"]
    assert len(definitions) == 1, "the portal stack should have one task definition"
    task = definitions[0]["Properties"]
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    (container,) = [c for c in task["ContainerDefinitions"] if c["Name"] == PORTAL_CONTAINER]
    volumes = {volume["Name"]: volume for volume in task.get("Volumes", [])}
    mount_points = []
    for mount in container.get("MountPoints", []):
        volume = volumes[mount["SourceVolume"]]
        # Only Fargate's kind of volume, a bind mount of the task's ephemeral storage, is reproduced here.
        assert set(volume) == {"Name"}, f"volume {volume['Name']} is not a plain task volume: {volume}"
        mount_points.append((mount["ContainerPath"], bool(mount.get("ReadOnly", False))))
    health = container["HealthCheck"]["Command"]
    assert health[0] == "CMD", f"health check {health} is not in the CMD form"
    return FargateContainer(
        user=str(container["User"]),
        read_only_root=bool(container.get("ReadonlyRootFilesystem", False)),
        mount_points=tuple(mount_points),
        environment={e["Name"]: _resolve(e["Value"], parameters, template) for e in container.get("Environment", [])},
        secret_names=tuple(secret["Name"] for secret in container.get("Secrets", [])),
        container_ports=tuple(int(mapping["ContainerPort"]) for mapping in container.get("PortMappings", [])),
        health_check=tuple(health[1:]),
    )

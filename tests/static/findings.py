"""The static gates' common parts: rendering every variant of the templates, and judging the findings of a
tool against the accepted findings (accepted-findings.yml), where every entry carries its reason."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.cfn_yaml import CfnLoader

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED = Path(__file__).with_name("accepted-findings.yml")
CERTIFICATE = "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

# Every rendering that reaches an account: each target, without and with the load balancer, and HTTPS on it.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    f"{target}-{name}": (target, extra)
    for target in ("local", "aws")
    for name, extra in (
        ("nolb", {"portal_load_balancer": False}),
        ("lb", {"portal_load_balancer": True}),
        ("https", {"portal_load_balancer": True, "portal_certificate_arn": CERTIFICATE}),
    )
}
REFERENCE_VARIANT = "aws-https"  # the one that differs most from the defaults
RENDER_PLAYBOOK = ROOT / "playbooks" / "render-templates.yml"
VARIANTS_PLAYBOOK = Path(__file__).parent / "render" / "render-variants.yml"
ENTRY_KEYS = {"id", "type", "resource", "action", "variants", "reason"}


@dataclass
class RenderedFile:
    """One distinct rendered template, with every variant that renders it byte for byte."""

    path: Path
    stack: str  # e.g. testtime-service
    template: dict[str, Any]
    variants: list[str] = field(default_factory=list)


def _ansible(playbook: Path, target: str, extra: dict[str, Any], build_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
    env.update(TT_TARGET=target, TT_BUILD_DIR=str(build_dir), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    env.update(ANSIBLE_NOCOLOR="1")
    command = ["ansible-playbook", str(playbook), "-e", json.dumps(extra)]
    proc = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True, timeout=900)
    assert proc.returncode == 0, f"{playbook.name} failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"


def _rendered_stacks() -> list[str]:
    """The stack roles that playbooks/render-templates.yml renders (its include_role loop)."""
    (play,) = yaml.safe_load(RENDER_PLAYBOOK.read_text())
    return [stack for task in play["tasks"] for stack in task.get("loop", [])]


def render_variants(out: Path) -> list[RenderedFile]:
    """Render every variant under out/<variant>/ in one Ansible run and return the distinct files. Meanwhile
    the project's own render-templates.yml renders REFERENCE_VARIANT, which must come out byte for byte the
    same: the variants are rendered as the deploy renders them."""
    variants = {name: {"target": target, **extra} for name, (target, extra) in VARIANTS.items()}
    batch = {"out_dir": str(out), "stacks": _rendered_stacks(), "variants": variants}
    target, extra = VARIANTS[REFERENCE_VARIANT]
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(_ansible, VARIANTS_PLAYBOOK, "local", batch, out / "unused"),
            pool.submit(_ansible, RENDER_PLAYBOOK, target, extra, out / "reference"),
        ]
        for job in jobs:
            job.result()
    reference = {p.name: p.read_text() for p in (out / "reference" / "cfn").glob("*.yaml")}
    assert reference and reference == {
        p.name: p.read_text() for p in (out / REFERENCE_VARIANT / "cfn").glob("*.yaml")
    }, f"{VARIANTS_PLAYBOOK} no longer renders {REFERENCE_VARIANT} as {RENDER_PLAYBOOK} does"
    distinct: dict[str, RenderedFile] = {}
    for name in VARIANTS:
        for path in sorted((out / name / "cfn").glob("*.yaml")):
            text = path.read_text()
            digest = hashlib.sha256(text.encode()).hexdigest()
            if digest not in distinct:
                distinct[digest] = RenderedFile(path, path.stem, yaml.load(text, Loader=CfnLoader))
            distinct[digest].variants.append(name)
    return list(distinct.values())


@dataclass(frozen=True)
class Finding:
    tool: str
    id: str
    type: str  # the resource type, "" when the finding is not about one resource
    resource: str  # the logical id
    variants: tuple[str, ...]
    message: str
    action: str = ""  # parliament: the IAM action the finding is about

    def __str__(self) -> str:
        where = f"{self.type} {self.resource}".strip()
        extra = f" [{self.action}]" if self.action else ""
        return f"{self.tool} {self.id}{extra} on {where} in {', '.join(self.variants)}: {self.message}"


def accepted(tool: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load(ACCEPTED.read_text()).get(tool) or [])


def _matches(entry: dict[str, Any], finding: Finding) -> bool:
    if entry["id"] != finding.id:
        return False
    for key in ("type", "resource", "action"):
        if key in entry and entry[key] != getattr(finding, key):
            return False
    return "variants" not in entry or set(finding.variants) <= set(entry["variants"])


def judge(tool: str, findings: list[Finding]) -> tuple[list[str], list[str]]:
    """(the findings no accepted entry explains, the accepted entries that no longer match any finding)."""
    entries = accepted(tool)
    used = [False] * len(entries)
    unexplained = []
    for finding in findings:
        hits = [index for index, entry in enumerate(entries) if _matches(entry, finding)]
        for index in hits:
            used[index] = True
        if not hits:
            unexplained.append(str(finding))
    stale = [f"{tool} entry {entry}" for entry, hit in zip(entries, used, strict=True) if not hit]
    return sorted(set(unexplained)), stale


def resource_type(template: dict[str, Any], logical: str) -> str:
    return str(template.get("Resources", {}).get(logical, {}).get("Type", ""))

"""The CloudFormation templates as the deploy renders them (``playbooks/render-templates.yml``), parsed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.cfn_yaml import CfnLoader

ROOT = Path(__file__).resolve().parents[2]


def render(out: Path, **extra_vars: Any) -> dict[str, dict[str, Any]]:
    """Every template rendered into ``out`` (with ``extra_vars`` as ``-e``): template stem -> parsed template."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TT_"))}
    env.update(TT_BUILD_DIR=str(out), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    command = ["ansible-playbook", str(ROOT / "playbooks" / "render-templates.yml")]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    proc = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return {path.stem: yaml.load(path.read_text(), Loader=CfnLoader) for path in sorted((out / "cfn").glob("*.yaml"))}

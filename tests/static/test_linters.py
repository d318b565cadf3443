"""The linters, as tests: ruff (check and format), shellcheck over every bash script, yamllint, ansible-lint and
Ansible's syntax check of every playbook. Run inside pytest (rather than before it, by ./run-tests.sh), they share
the test workers with the integration tests, which mostly wait: the half minute they take is no longer added to
the suite's. Each failure prints the linter's own report."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(command: Sequence[str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")}
    return subprocess.run(list(command), cwd=ROOT, env=env, text=True, capture_output=True, timeout=timeout)


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not installed: ./run-tests.sh installs it into .venv from requirements-dev.txt"
    return found


def bash_scripts() -> list[str]:
    listed = run(["git", "ls-files", "*.sh", "bin/*", ".ci/run"]).stdout.split()
    scripts = sorted({name for name in listed if (ROOT / name).is_file()})
    return [name for name in scripts if "bash" in (ROOT / name).read_text(errors="replace").split("\n", 1)[0]]


def test_ruff_finds_nothing() -> None:
    checked = run([tool("ruff"), "check", "."])
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_ruff_format_would_change_nothing() -> None:
    formatted = run([tool("ruff"), "format", "--check", "."])
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_shellcheck_finds_nothing_in_any_bash_script() -> None:
    scripts = bash_scripts()
    assert "run-tests.sh" in scripts and "bin/lib/common.sh" in scripts, scripts  # the listing itself works
    checked = run([tool("shellcheck"), "-x", *scripts])
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_yamllint_finds_nothing() -> None:
    checked = run([tool("yamllint"), "-s", "-c", ".yamllint.yml", "."])
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_ansible_lint_finds_nothing() -> None:
    checked = run([tool("ansible-lint"), "--nocolor", "-q"], timeout=600)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("playbook", sorted(p.name for p in (ROOT / "playbooks").glob("*.yml")))
def test_every_playbook_passes_ansibles_syntax_check(playbook: str) -> None:
    checked = run([tool("ansible-playbook"), "--syntax-check", f"playbooks/{playbook}"])
    assert checked.returncode == 0, checked.stdout + checked.stderr

"""The deploy's up-to-date check: the fingerprint moves with any input file, extra variable or target, and a
recorded deploy counts as current only when its record matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ops.deploy_fingerprint import compute, save, stale_reason


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "roles" / "r" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "r" / "tasks" / "main.yml").write_text("---\n")
    (tmp_path / "lambda_src").mkdir()
    (tmp_path / "lambda_src" / "mod.py").write_text("X = 1\n")
    (tmp_path / "lambda_src" / "__pycache__").mkdir()
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    return tmp_path


def test_the_fingerprint_follows_files_extra_vars_and_target(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TT_TARGET", "local")
    base = compute([], tree)
    assert compute([], tree) == base
    (tree / "lambda_src" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    assert compute([], tree) == base, "bytecode is no input"
    assert compute(["-e project_name=x"], tree) != base
    monkeypatch.setenv("TT_TARGET", "aws")
    assert compute([], tree) != base
    monkeypatch.setenv("TT_TARGET", "local")
    (tree / "lambda_src" / "mod.py").write_text("X = 2\n")
    assert compute([], tree) != base


def test_a_deploy_is_current_only_against_its_own_record(tmp_path: Path) -> None:
    state = tmp_path / "last-deploy.json"
    assert stale_reason("abc", state) == "no record of a previous deploy"
    outputs = tmp_path / "stack-outputs.json"
    outputs.write_text(json.dumps({"Stacks": ["s"], "ArtifactsBucket": "b", "LambdaPackageKey": "k"}))
    save("abc", state, outputs)
    assert stale_reason("other", state) == "the deployment's files or settings changed"
    outputs.unlink()
    assert stale_reason("abc", state) == "the stack outputs file is missing"
